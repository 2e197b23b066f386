/**
 * An edge-style HTTP function on `Deno.serve` with a connection pool: one pool per process,
 * created at start-up, shared by every request; each request borrows a connection for one query
 * with a time limit.
 *
 * ```sh
 * DATABASE_URL=postgres://app@localhost/app deno run --allow-net --allow-env --allow-read examples/deno_edge.ts
 * curl 'http://localhost:8000/?name=ada'
 * ```
 *
 * Outside this repository, import from `jsr:@pgline/pgline` instead.
 *
 * @module
 */

import { createPool, TimeoutError } from "@pgline/pgline";

const pool = createPool(Deno.env.get("DATABASE_URL"), {
  max: 5,
  idleTimeout: 30_000,
  acquireTimeout: 2_000,
  queryTimeout: 5_000,
});
await pool.query(
  "create table if not exists visits (name text primary key, count int not null default 0)",
);

async function handler(request: Request): Promise<Response> {
  const name = new URL(request.url).searchParams.get("name") ?? "anonymous";
  try {
    const [row] = await pool.sql<{ count: number }>`
      insert into visits (name, count) values (${name}, 1)
      on conflict (name) do update set count = visits.count + 1
      returning count`;
    return Response.json({ name, visits: row?.count });
  } catch (error) {
    const status = error instanceof TimeoutError ? 503 : 500;
    return Response.json({ error: String(error) }, { status });
  }
}

const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}/`),
}, handler);

// Stop taking requests, let the ones under way finish, then close the pool.
Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  await pool.close();
  Deno.exit(0);
});
