// A Bun app: Bun.serve with a pgline pool.
//
//   bun add @pgline/pgline          (or the tarball from `deno run -A tools/build_npm.ts`)
//   DATABASE_URL=postgres://app@localhost/app PORT=3000 bun server.js
//   curl 'http://localhost:3000/?name=ada'
//
// On Bun, the main entry uses Bun's own sockets (Bun.connect).

import process from "node:process";
import { createPool, TimeoutError } from "@pgline/pgline";

const pool = createPool(process.env.DATABASE_URL, {
  max: 5,
  acquireTimeout: 2_000,
  queryTimeout: 5_000,
});
await pool.query(
  "create table if not exists visits (name text primary key, count int not null default 0)",
);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  async fetch(request) {
    const name = new URL(request.url).searchParams.get("name") ?? "anonymous";
    try {
      const [row] = await pool.sql`
        insert into visits (name, count) values (${name}, 1)
        on conflict (name) do update set count = visits.count + 1
        returning count`;
      return Response.json({ name, visits: row.count });
    } catch (error) {
      const status = error instanceof TimeoutError ? 503 : 500;
      return Response.json({ error: String(error) }, { status });
    }
  },
});
console.log(`listening on http://127.0.0.1:${server.port}/`);

process.once("SIGTERM", async () => {
  await server.stop();
  await pool.close();
  process.exit(0);
});
