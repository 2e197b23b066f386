/**
 * PgBouncer from the harness: pgline and `psql` log in through it with SCRAM-SHA-256, and it
 * really pools by transaction (more clients than server connections, all served at once).
 *
 * Runs only under `tests/harness/run.ts` with PgBouncer available; skipped otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect, PostgresError } from "../../mod.ts";
import type { ConnectOptions } from "../../mod.ts";
import { loadTestServers, type TestPgBouncer } from "./servers.ts";

const servers = loadTestServers();
const bouncer = servers?.pgbouncer ?? undefined;
const upstream = servers?.servers[0];

type Db = Awaited<ReturnType<typeof connect>>;

function options(pgbouncer: TestPgBouncer, password = pgbouncer.password): ConnectOptions {
  return {
    host: pgbouncer.host,
    port: pgbouncer.port,
    database: pgbouncer.database,
    user: pgbouncer.user,
    password,
    sslMode: "disable",
  };
}

/** The values of the first row of the last result, as text (rows may be arrays or objects). */
async function firstRow(db: Db, sql: string): Promise<string[]> {
  const results = await db.simpleQuery(sql);
  const row: unknown = results.at(-1)?.rows[0];
  assert.ok(typeof row === "object" && row !== null, `no row from ${sql}`);
  return Object.values(row).map(String);
}

async function scalar(db: Db, sql: string): Promise<string> {
  const [value] = await firstRow(db, sql);
  assert.ok(value !== undefined, `no value from ${sql}`);
  return value;
}

function findPsql(): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
  const candidates = [
    ...dirs.map((dir) => `${dir}/psql`),
    ...[18, 17, 16, 15].map((major) => `/usr/lib/postgresql/${major}/bin/psql`),
  ];
  return candidates.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

if (bouncer === undefined || upstream === undefined) {
  Deno.test({
    name: "PgBouncer tests skipped: no PgBouncer in PGLINE_TEST_SERVERS (use tests/harness/run.ts)",
    ignore: true,
    fn(): void {},
  });
} else {
  const name = `PgBouncer ${bouncer.version} (${bouncer.poolMode} pooling)`;

  Deno.test(`${name}: pgline logs in with SCRAM and reaches ${upstream.name}`, async () => {
    const db = await connect(options(bouncer));
    try {
      assert.equal(db.authentication.method, "scram-sha-256");
      assert.deepEqual(
        await firstRow(db, "select current_user, inet_server_port()"),
        [bouncer.user, String(upstream.port)],
      );
    } finally {
      await db.close();
    }
  });

  Deno.test(`${name}: a wrong password is refused`, async () => {
    await assert.rejects(connect(options(bouncer, "wrong-password")), PostgresError);
  });

  Deno.test(`${name}: more clients than server connections are served at once`, async () => {
    // Session pooling would leave the clients past poolSize waiting for a server forever, and
    // statement pooling refuses `begin`; only transaction pooling passes.
    const clients = await Promise.all(
      Array.from({ length: bouncer.poolSize + 5 }, () => connect(options(bouncer))),
    );
    try {
      // Open transactions pin one server connection each, so these are all the pool has.
      const holders = clients.slice(0, bouncer.poolSize);
      const pool = new Set(
        await Promise.all(holders.map((db) => scalar(db, "begin; select pg_backend_pid()"))),
      );
      assert.equal(pool.size, bouncer.poolSize);
      await Promise.all(holders.map((db) => db.simpleQuery("commit")));

      const seen = await Promise.all(clients.map(async (db) => {
        const pids = new Set<string>();
        for (let i = 0; i < 20; i++) pids.add(await scalar(db, "select pg_backend_pid()"));
        return pids;
      }));
      const all = new Set(seen.flatMap((pids) => [...pids]));
      assert.ok(
        [...all].every((pid) => pool.has(pid)),
        `server pids ${[...all]} are not all in the pool ${[...pool]}`,
      );
      assert.ok(clients.length > pool.size);
    } finally {
      await Promise.all(clients.map((db) => db.close()));
    }
  });

  Deno.test(`${name}: parameterized queries with unnamed statements, pipelined`, async () => {
    // Named prepared statements live on one server connection, which a transaction-pooled client
    // does not keep; statementCacheSize 0 sends every query as the unnamed statement.
    const clients = await Promise.all(
      Array.from(
        { length: bouncer.poolSize * 2 },
        () => connect(options(bouncer), { statementCacheSize: 0 }),
      ),
    );
    try {
      await Promise.all(clients.map(async (db, c) => {
        for (let round = 0; round < 3; round++) {
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => db.query("select $1::int * 2 as n", [c + i])),
          );
          assert.deepEqual(
            results.map((result) => result.rows[0]?.n),
            Array.from({ length: 50 }, (_, i) => (c + i) * 2),
          );
        }
      }));
    } finally {
      await Promise.all(clients.map((db) => db.close()));
    }
  });

  const psql = findPsql();
  Deno.test({
    name: `${name}: psql logs in through it`,
    ignore: psql === undefined,
    async fn(): Promise<void> {
      const dsn = `host=${bouncer.host} port=${bouncer.port} dbname=${bouncer.database} ` +
        `user=${bouncer.user} sslmode=disable gssencmode=disable`;
      const out = await new Deno.Command(psql!, {
        args: ["-X", "-A", "-t", "-q", "-d", dsn, "-c", "select current_user, inet_server_port()"],
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: "/nonexistent",
          LC_ALL: "C",
          PGPASSWORD: bouncer.password,
          PGCONNECT_TIMEOUT: "10",
        },
        stdin: "null",
      }).output();
      const decoder = new TextDecoder();
      const text = `${decoder.decode(out.stdout)}${decoder.decode(out.stderr)}`.trim();
      assert.ok(out.success, text);
      assert.equal(text, `${bouncer.user}|${upstream.port}`);
    },
  });
}
