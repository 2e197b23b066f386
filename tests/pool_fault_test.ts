/**
 * The pool under fire, against real servers (PG 18 and PG 15): 50 tasks run 5000 operations
 * (queries, transactions that insert a row and read it back, leases, streams) through a TCP proxy
 * while a killer, driven by a fixed-seed PRNG, terminates backends with `pg_terminate_backend`
 * and cuts connections at the proxy.
 *
 * What must hold: every task finishes (a hang fails the deadline, not CI); every operation either
 * succeeds or fails with a `ConnectionError` (a connection killed under a query surfaces as one,
 * carrying the server's 57P01 message when the server said goodbye; an attempt to connect that
 * the server kills is one too), never a stray `PostgresError` or a wrong answer; every
 * transaction reported committed has its row in the table; none that failed with `retrySafe`
 * does; and the pool ends healthy, with `max` working connections.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { ConnectionError, createPool, type Pool, PostgresError, TimeoutError } from "../mod.ts";
import { prng } from "../src/testdata/prng.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient, plainConfig } from "./harness/clients.ts";
import { TcpProxy } from "./harness/tcp_proxy.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

type OpKind = "query" | "transaction" | "lease" | "stream";

/** The seed of every random choice: the tasks' mix of operations and the killer's victims. */
const SEED = 0x5eed_0005;
const TASKS = 50;
const OPS_PER_TASK = 100;
const MAX = 10;
/** Statements each kind of operation sends (a transaction: BEGIN, INSERT, SELECT, COMMIT). */
const STATEMENTS: Record<OpKind, number> = { query: 1, transaction: 4, lease: 2, stream: 1 };
/** A hang fails the test after this long instead of blocking CI. */
const DEADLINE_MS = 50_000;

/** How an operation ended. */
type Outcome =
  | "ok"
  | "ConnectionError(retrySafe)"
  | "ConnectionError(unsafe)"
  | `PostgresError(${string})`
  | `TimeoutError(${string})`
  | `other: ${string}`;

function outcomeOf(err: unknown): Outcome {
  if (err instanceof ConnectionError) {
    return err.retrySafe ? "ConnectionError(retrySafe)" : "ConnectionError(unsafe)";
  }
  if (err instanceof PostgresError) return `PostgresError(${err.code} ${err.message})`;
  if (err instanceof TimeoutError) return `TimeoutError(${err.kind})`;
  return `other: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function openPool(server: TestServer, port: number, app: string): Pool {
  return createPool(plainConfig(server, port), {
    max: MAX,
    applicationName: app,
    acquireTimeout: 20_000,
    connectTimeout: 5_000,
  });
}

/** Runs one operation; throws if it succeeded with a wrong answer. */
async function runOp(
  pool: Pool,
  table: string,
  kind: OpKind,
  id: number,
  task: number,
  work: number,
): Promise<void> {
  switch (kind) {
    case "query": {
      const { rows } = await pool.query<{ n: number }>("select $1::int as n, pg_sleep($2)", [
        id,
        work,
      ]);
      assert.equal(rows[0]?.n, id);
      return;
    }
    case "transaction":
      await pool.transaction(async (tx) => {
        await tx.query(`insert into ${table} (id, task, v) values ($1, $2, $3)`, [
          id,
          task,
          `v${id}`,
        ]);
        // Client-side work between statements: a cut here is seen before the next statement
        // goes out, which then fails unsent (retrySafe).
        await new Promise((r) => setTimeout(r, work * 1000));
        const [row] = await tx.sql<{ v: string }>`
          select v from ${tx.sql.ident(table)} where id = ${id}`;
        assert.equal(row?.v, `v${id}`);
      });
      return;
    case "lease": {
      await using lease = await pool.acquire();
      const [a] = await lease.sql<{ p: number }>`select pg_backend_pid() as p, pg_sleep(${work})`;
      const [b] = await lease.sql<{ p: number }>`select pg_backend_pid() as p`;
      assert.equal(a?.p, b?.p);
      return;
    }
    case "stream": {
      let sum = 0;
      for await (
        const row of pool.stream<{ i: number }>("select i from generate_series(1, 200) i", [], {
          batchSize: 25,
        })
      ) sum += row.i;
      assert.equal(sum, 200 * 201 / 2);
      return;
    }
  }
}

for (const server of servers?.servers ?? []) {
  test({
    name: `${server.name}: pool survives backends killed and connections cut under load`,
    ignore,
  }, async () => {
    const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
    const app = `pool_fault_${suffix}`;
    const table = `pool_fault_${suffix}`;
    await using admin = await openClient(server, "scram_user", {
      applicationName: `pool_fault_admin_${suffix}`,
    });
    await admin.query(`create table ${table} (id int primary key, task int not null, v text)`);
    const proxy = await TcpProxy.start(server.host, server.port);
    const pool = openPool(server, proxy.port, app);

    const outcomes = new Map<string, number>(); // "kind: outcome" → count
    const txOutcome = new Map<number, Outcome>(); // row id → how its transaction ended
    const killed = { terminate: 0, cut: 0, cutAll: 0 };
    const terminated: number[] = []; // pids signalled by pg_terminate_backend
    let maxSeen = 0;
    let statements = 0;
    let done = false;
    const started = performance.now();

    const task = async (t: number): Promise<void> => {
      const random = prng(SEED + 1 + t);
      for (let i = 0; i < OPS_PER_TASK; i++) {
        const id = t * OPS_PER_TASK + i;
        const r = random();
        const kind: OpKind = r < 0.4
          ? "query"
          : r < 0.8
          ? "transaction"
          : r < 0.92
          ? "lease"
          : "stream";
        const work = 0.001 + random() * 0.004; // 1 to 5 ms of server time
        let outcome: Outcome = "ok";
        try {
          await runOp(pool, table, kind, id, t, work);
        } catch (err) {
          outcome = outcomeOf(err);
        }
        bump(outcomes, `${kind}: ${outcome}`);
        if (outcome === "ok") statements += STATEMENTS[kind];
        if (kind === "transaction") txOutcome.set(id, outcome);
      }
    };

    const killer = async (): Promise<void> => {
      const random = prng(SEED);
      while (!done) {
        await new Promise((r) => setTimeout(r, 10 + random() * 40));
        maxSeen = Math.max(maxSeen, pool.total + pool.opening);
        if (done) return;
        const r = random();
        if (r < 0.5) {
          const { rows } = await admin.query<{ pid: number }>(
            "select pid from pg_stat_activity where application_name = $1 order by pid",
            [app],
          );
          if (rows.length === 0) continue;
          const pid = rows[Math.floor(random() * rows.length)]!.pid;
          const [res] = await admin.sql<{ ok: boolean }>`select pg_terminate_backend(${pid}) as ok`;
          if (res!.ok) {
            killed.terminate++;
            terminated.push(pid);
          }
        } else if (r < 0.97) {
          if (proxy.cutOne(Math.floor(random() * 1000))) killed.cut++;
        } else {
          killed.cutAll += proxy.cutAll();
        }
      }
    };

    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      deadlineTimer = setTimeout(
        () => reject(new Error(`Tasks did not finish within ${DEADLINE_MS} ms: the pool hung`)),
        DEADLINE_MS,
      );
    });
    const killing = killer();
    try {
      await Promise.race([Promise.all(Array.from({ length: TASKS }, (_, t) => task(t))), deadline]);
    } finally {
      done = true;
      clearTimeout(deadlineTimer);
      await killing;
    }
    const seconds = (performance.now() - started) / 1000;

    try {
      // Every operation either worked or failed with a ConnectionError.
      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      assert.equal(total, TASKS * OPS_PER_TASK);
      const errors = new Map<string, number>();
      for (const [key, n] of outcomes) {
        const outcome = key.slice(key.indexOf(": ") + 2);
        if (outcome !== "ok") errors.set(key, n);
      }
      console.log(
        `${server.name}: ${total} operations (${statements} statements in those that ` +
          `succeeded) in ${seconds.toFixed(1)} s; killed ` +
          `${killed.terminate} by pg_terminate_backend, ${killed.cut} by a cut, ` +
          `${killed.cutAll} by cutting all; ${proxy.accepted} connections opened; ` +
          `most open at once ${maxSeen}`,
      );
      console.log(`${server.name}: outcomes`, Object.fromEntries([...outcomes].sort()));
      for (const key of errors.keys()) {
        assert.match(key, /: ConnectionError\(/, `unexpected outcome ${key}`);
      }
      assert.ok(killed.terminate + killed.cut + killed.cutAll > 10, "the killer did kill");
      assert.ok(errors.size > 0, "some work failed: the faults were felt");
      assert.ok(maxSeen <= MAX);

      // Nothing committed is lost; nothing failed with retrySafe was committed.
      const { rows } = await admin.query<{ id: number }>(`select id from ${table}`);
      const present = new Set(rows.map((r) => r.id));
      let committed = 0;
      let unknown = 0;
      for (const [id, outcome] of txOutcome) {
        if (outcome === "ok") {
          committed++;
          assert.ok(present.has(id), `committed row ${id} is missing`);
        } else if (outcome === "ConnectionError(retrySafe)") {
          assert.ok(!present.has(id), `row ${id} exists though its failure said retrySafe`);
        } else unknown++;
      }
      for (const id of present) assert.ok(txOutcome.has(id), `row ${id} was never inserted`);
      console.log(
        `${server.name}: ${txOutcome.size} transactions: ${committed} committed (all present), ` +
          `${unknown} with an unknown fate (${
            [...present].filter((id) => txOutcome.get(id) !== "ok").length
          } of those committed)`,
      );

      // The pool ends healthy: max connections at once, each working. A backend
      // signalled by the killer's last pg_terminate_backend may still be exiting
      // (the signal is asynchronous), and an idle pooled connection learns of it
      // only when the FATAL arrives; wait for those backends to be gone and for
      // their FATALs to be read, so the check below measures the pool, not the race.
      for (let waited = 0;; waited += 20) {
        const { rows: alive } = await admin.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where pid = any($1::int[])",
          [terminated],
        );
        if (alive[0]!.n === 0) break;
        assert.ok(waited < 10_000, "terminated backends did not exit within 10 s");
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.waiting, 0);
      const leases = await Promise.all(Array.from({ length: MAX }, () => pool.acquire()));
      try {
        const pids = await Promise.all(
          leases.map(async (l) => (await l.sql<{ p: number }>`select pg_backend_pid() as p`)[0]!.p),
        );
        assert.equal(new Set(pids).size, MAX);
      } finally {
        for (const l of leases) l.release();
      }
      assert.equal(pool.total, MAX);
    } finally {
      await pool.close();
      proxy.close();
      await admin.query(`drop table ${table}`);
    }
  });
}
