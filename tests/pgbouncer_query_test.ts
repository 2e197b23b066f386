/**
 * The query layer behind PgBouncer in transaction mode, with unnamed statements only
 * (`statementCacheSize: 0`): several clients sharing three server connections, pipelining,
 * ambiguous parameters (described, then parsed again, possibly on another server connection),
 * transactions, streams and errors.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { type Client, connect, PostgresError, SQLSTATE } from "../mod.ts";
import { loadTestServers } from "./harness/servers.ts";

const servers = loadTestServers();
const bouncer = servers?.pgbouncer ?? undefined;
const ignore = bouncer === undefined;

function open(): Promise<Client> {
  const b = bouncer!;
  return connect({
    host: b.host,
    port: b.port,
    database: b.database,
    user: b.user,
    password: b.password,
    sslMode: "disable",
  }, { statementCacheSize: 0 });
}

test(
  { name: "pgbouncer: many clients, pipelined queries, ambiguous parameters", ignore },
  async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => open()));
    try {
      const work = clients.map(async (db, c) => {
        for (let round = 0; round < 5; round++) {
          const batch = await Promise.all(
            Array.from(
              { length: 50 },
              (_, i) =>
                i % 5 === 0
                  ? db.sql`select ${[c, round, i]}::int[] as a, ${{ c }}::jsonb as j`.then((r) => {
                    assert.deepEqual(r[0], { a: [c, round, i], j: { c } });
                    return i;
                  })
                  : db.query("select $1::int as i, $2::text as t", [i, `c${c}`]).then((r) => {
                    assert.equal(r.rows[0]!.t, `c${c}`);
                    return r.rows[0]!.i as number;
                  }),
            ),
          );
          assert.deepEqual(
            batch,
            Array.from({ length: 50 }, (_, i) => i),
          );
        }
      });
      await Promise.all(work);
      const [none] = await clients[0]!.sql`select count(*)::int as n from pg_prepared_statements`;
      assert.equal(none!.n, 0);
    } finally {
      await Promise.all(clients.map((db) => db.close()));
    }
  },
);

test({ name: "pgbouncer: transactions, errors and streams", ignore }, async () => {
  await using a = await open();
  await using b = await open();
  const table = `bouncer_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  await a.query(`create table ${table} (id int primary key, v text)`);
  try {
    await Promise.all([a, b].map((db, k) =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 20; i++) {
          await tx.query(`insert into ${table} values ($1, $2)`, [k * 100 + i, "x"]);
        }
      })
    ));
    await assert.rejects(
      a.transaction(async (tx) => {
        await tx.query(`insert into ${table} values ($1, $2)`, [999, "gone"]);
        await tx.query(`insert into ${table} values ($1, $2)`, [0, "dup"]);
      }),
      (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.UNIQUE_VIOLATION,
    );
    const [count] = await b
      .sql`select count(*)::int as n, count(*) filter (where id = 999)::int as gone
      from ${b.sql.ident(table)}`;
    assert.deepEqual(count, { n: 40, gone: 0 });
    let seen = 0;
    for await (
      const row of a.stream<{ id: number }>(`select id from ${table} order by id`, [], {
        batchSize: 7,
      })
    ) {
      assert.equal(typeof row.id, "number");
      seen++;
    }
    assert.equal(seen, 40);
  } finally {
    await a.query(`drop table ${table}`);
  }
});
