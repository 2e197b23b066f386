/**
 * Transactions and streams against real servers: commit, rollback on throw, options, savepoints,
 * queries held back while a transaction runs, portals read in batches in constant memory.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import process from "node:process";
import { type Client, ConnectionError, PostgresError } from "../mod.ts";
import { SQLSTATE } from "../src/sqlstate.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient } from "./harness/clients.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

function open(server: TestServer, statementCacheSize?: number): Promise<Client> {
  return openClient(
    server,
    "scram_user",
    statementCacheSize === undefined ? undefined : { statementCacheSize },
  );
}

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test({ name: name("transaction commits, or rolls back on throw"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table acct (id int primary key, balance int)");
    await db.query("insert into acct values (1, 100), (2, 0)");
    const out = await db.transaction(async (tx) => {
      await tx.sql`update acct set balance = balance - ${30} where id = ${1}`;
      await tx.sql`update acct set balance = balance + ${30} where id = ${2}`;
      assert.equal(db.transactionStatus, "T");
      return "done";
    });
    assert.equal(out, "done");
    const boom = new Error("boom");
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.sql`update acct set balance = 0`;
        throw boom;
      }),
      (e) => e === boom,
    );
    const rows = await db.sql`select id, balance from acct order by id`;
    assert.deepEqual(rows, [{ id: 1, balance: 70 }, { id: 2, balance: 30 }]);
    assert.equal(db.transactionStatus, "I");
  });

  test({ name: name("transaction options reach the server"), ignore }, async () => {
    await using db = await open(server);
    const seen = await db.transaction(async (tx) => {
      const [r] = await tx.sql<{ iso: string; ro: string; d: string }>`select
        current_setting('transaction_isolation') as iso,
        current_setting('transaction_read_only') as ro,
        current_setting('transaction_deferrable') as d`;
      return r;
    }, { isolationLevel: "serializable", readOnly: true, deferrable: true });
    assert.deepEqual(seen, { iso: "serializable", ro: "on", d: "on" });
    await assert.rejects(
      db.transaction((tx) => tx.query("create temp table nope (a int)"), { readOnly: true }),
      (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.READ_ONLY_SQL_TRANSACTION,
    );
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      db.transaction(() => 1, { isolationLevel: "chaos" as any }),
      RangeError,
    );
  });

  test(
    { name: name("savepoints: an inner failure rolls back only the inner part"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table sp (v int)");
      await db.transaction(async (tx) => {
        await tx.query("insert into sp values (1)");
        await assert.rejects(
          tx.transaction(async (inner) => {
            assert.equal(inner.level, 2);
            await inner.query("insert into sp values (2)");
            await inner.query("select 1/0");
          }),
          (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.DIVISION_BY_ZERO,
        );
        await tx.transaction(async (inner) => {
          await inner.query("insert into sp values (3)");
          await inner.transaction((deeper) => deeper.query("insert into sp values (4)"));
        });
      });
      const rows = await db.sql`select v from sp order by v`;
      assert.deepEqual(rows.map((r) => r.v), [1, 3, 4]);
    },
  );

  test({ name: name("a failed statement makes COMMIT an error"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table fc (v int)");
    const err = await db.transaction(async (tx) => {
      await tx.query("insert into fc values (1)");
      await tx.query("select 1/0").catch(() => {}); // swallowed: the transaction is still aborted
    }).catch((e) => e);
    assert.ok(err instanceof PostgresError);
    assert.equal(err.code, "25P02");
    assert.deepEqual(await db.sql`select * from fc`, []);
    assert.equal(db.transactionStatus, "I");
  });

  test({ name: name("other queries wait while a transaction runs"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table ord (v int)");
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query("insert into ord values (1)");
      // Issued on the client mid-transaction: must not run inside it.
      outside = db.query("select count(*)::int as n from ord").then((r) => {
        order.push(`outside saw ${r.rows[0]!.n}`);
      });
      await tx.query("insert into ord values (2)");
      await new Promise((r) => setTimeout(r, 20));
      order.push("tx done");
    });
    await outside;
    assert.deepEqual(order, ["tx done", "outside saw 2"]);
  });

  test({ name: name("a finished transaction handle refuses work"), ignore }, async () => {
    await using db = await open(server);
    let leaked: import("../mod.ts").Transaction | undefined;
    await db.transaction((tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.query("select 1"), ConnectionError);
    // The outer handle is refused while a savepoint is open, rather than waiting forever.
    await db.transaction(async (tx) => {
      await tx.transaction(async () => {
        await assert.rejects(tx.query("select 1"), /busy/);
      });
    });
  });

  test(
    { name: name("stream: a large result in batches, in constant memory"), ignore },
    async () => {
      await using db = await open(server);
      const total = 1_000_000;
      const before = process.memoryUsage().heapUsed;
      let count = 0;
      let sum = 0;
      let peak = 0;
      for await (
        const row of db.stream<{ i: number; s: string }>(
          "select i, repeat('x', 20) as s from generate_series(1, $1::int) i",
          [total],
          { batchSize: 500 },
        )
      ) {
        count++;
        sum += row.i;
        if ((count & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
      assert.equal(count, total);
      assert.equal(sum, (total * (total + 1)) / 2);
      // A million such rows held at once take well over 100 MB; streaming keeps a batch.
      assert.ok(peak < 64 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB`);
      assert.deepEqual((await db.query("select 1 as x")).rows, [{ x: 1 }]);
    },
  );

  test({
    name: name("stream: break closes the portal; errors surface; queued work runs after"),
    ignore,
  }, async () => {
    for (const cache of [undefined, 0]) {
      await using db = await open(server, cache);
      let seen = 0;
      const after = db.query("select 'after' as a"); // submitted while idle: runs first
      for await (
        const _ of db.stream("select i from generate_series(1, 100000) i", [], { batchSize: 100 })
      ) {
        if (++seen === 250) break;
      }
      assert.equal(seen, 250);
      assert.deepEqual((await after).rows, [{ a: "after" }]);
      assert.deepEqual((await db.query("select 2 as x")).rows, [{ x: 2 }]);
      const rows: number[] = [];
      await assert.rejects(async () => {
        for await (
          const r of db.stream<{ v: number }>(
            "select 10 / (5 - i) as v from generate_series(1, 10) i",
            [],
            { batchSize: 2 },
          )
        ) rows.push(r.v);
      }, (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.DIVISION_BY_ZERO);
      assert.deepEqual(rows, [2, 3, 5, 10]);
      assert.equal(db.transactionStatus, "I");
      // Inside a transaction the stream holds the transaction's turn.
      const got = await db.transaction(async (tx) => {
        const out: number[] = [];
        for await (
          const r of tx.stream<{ i: number }>("select i from generate_series(1, 5) i", [], {
            batchSize: 2,
          })
        ) {
          out.push(r.i);
        }
        out.push((await tx.sql<{ n: number }>`select 6 as n`)[0]!.n);
        return out;
      });
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
      // Queries issued during a stream wait for it.
      const iter = db.stream<{ i: number }>("select i from generate_series(1, 3) i")
        [Symbol.asyncIterator]();
      const first = await iter.next();
      const waiting = db.query("select 'later' as w");
      const restRows: number[] = [];
      for (let r = await iter.next(); !r.done; r = await iter.next()) restRows.push(r.value.i);
      assert.deepEqual([first.value?.i, ...restRows], [1, 2, 3]);
      assert.deepEqual((await waiting).rows, [{ w: "later" }]);
    }
  });
}
