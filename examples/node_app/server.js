// A Node app: an HTTP server on node:http with a pgline pool.
//
//   npm install @pgline/pgline      (or the tarball from `deno run -A tools/build_npm.ts`)
//   DATABASE_URL=postgres://app@localhost/app PORT=3000 node server.js
//   curl 'http://localhost:3000/?name=ada'
//
// On Node, the main entry uses node:net and node:tls.

import { createServer } from "node:http";
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

const server = createServer(async (request, response) => {
  const name = new URL(request.url ?? "/", "http://localhost").searchParams.get("name") ??
    "anonymous";
  let status = 200;
  let body;
  try {
    const [row] = await pool.sql`
      insert into visits (name, count) values (${name}, 1)
      on conflict (name) do update set count = visits.count + 1
      returning count`;
    body = { name, visits: row.count };
  } catch (error) {
    status = error instanceof TimeoutError ? 503 : 500;
    body = { error: String(error) };
  }
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});

process.once("SIGTERM", () => {
  server.close(async () => {
    await pool.close();
    process.exit(0);
  });
});
