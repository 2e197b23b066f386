/**
 * COPY FROM STDIN and COPY TO STDOUT against real servers (PG 18 and PG 15): every kind of
 * source, a 1,000,000-row round trip compared by checksum, back-pressure against a slow reader,
 * cancelling and aborting in both directions, errors from the source and from the server, COPY
 * in a transaction, and queries pipelined around a COPY. The scripted fake server
 * (`tests/harness/scripted_server.ts`) covers CopyBothResponse, which a real server sends only to
 * a replication connection.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import process from "node:process";
import { type Client, connect, ConnectionError, PostgresError } from "../mod.ts";
import { SQLSTATE } from "../src/sqlstate.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient } from "./harness/clients.ts";
import { scripted } from "./harness/scripted_server.ts";

const servers = loadTestServers();
const ignore = servers === undefined;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function open(server: TestServer): Promise<Client> {
  return openClient(server, "scram_user");
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

async function count(db: Client, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]!.n;
}

/** Checks that the client still answers and its backend is idle. */
async function assertUsable(db: Client): Promise<void> {
  const { rows } = await db.query<{ n: number }>("select $1::int + 1 as n", [41]);
  assert.deepEqual(rows, [{ n: 42 }]);
  assert.equal(db.transactionStatus, "I");
}

/** The server's own checksum of rows (id int, h text, x numeric). */
const CHECKSUM = "count(*)::int as n, sum(id)::text as s, " +
  "md5(string_agg(id || ',' || h || ',' || x, ';' order by id)) as m";

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test({ name: name("copyFrom takes every kind of source"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table t (id int, name text)");
    const copy = "copy t from stdin";
    // A ReadableStream whose chunks split rows (and a multi-byte character) anywhere.
    const text = "1\tÅsa\n2\tBo\n";
    const bytes = encoder.encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.subarray(i, i + 3));
        c.close();
      },
    });
    assert.equal(await db.copyFrom(copy, stream), 2);
    async function* gen() {
      for (let i = 3; i <= 5; i++) {
        await delay(1);
        yield `${i}\tgen ${i}\n`;
      }
    }
    assert.equal(await db.copyFrom(copy, gen()), 3);
    assert.equal(await db.copyFrom(copy, ["6\tarr", "ay\n", encoder.encode("7\tbytes\n")]), 2);
    assert.equal(await db.copyFrom(copy, encoder.encode("8\tone chunk\n")), 1);
    assert.equal(await db.copyFrom(copy, "9\tstring\n10\t\\N\n"), 2);
    assert.equal(await db.copyFrom(copy, []), 0);
    assert.equal(await db.copyFrom("copy t from stdin (format csv)", '11,"a,b"\n'), 1);
    const { rows } = await db.query("select * from t order by id", [], { rowMode: "array" });
    assert.deepEqual(rows, [
      [1, "Åsa"],
      [2, "Bo"],
      [3, "gen 3"],
      [4, "gen 4"],
      [5, "gen 5"],
      [6, "array"],
      [7, "bytes"],
      [8, "one chunk"],
      [9, "string"],
      [10, null],
      [11, "a,b"],
    ]);
    // COPY TO gives the same text back.
    const out = await readText(
      db.copyTo("copy (select * from t where id <= 2 order by id) to stdout"),
    );
    assert.equal(out, text);
    const csv = await readText(db.copyTo("copy (select * from t where id = 11) to stdout csv"));
    assert.equal(csv, '11,"a,b"\n');
    // Big chunks (sliced into several CopyData messages) and the binary format.
    const long = "x".repeat(100_000);
    let big = "";
    for (let i = 100; i < 110; i++) big += `${i}\t${long}\n`;
    assert.equal(await db.copyFrom(copy, big), 10);
    assert.equal(await db.copyFrom(copy, [encoder.encode(big.replaceAll("\n1", "\n2"))]), 10);
    const { rows: [sizes] } = await db.query(
      "select count(*)::int as n, sum(length(name))::int as l from t where id >= 100",
    );
    assert.deepEqual(sizes, { n: 20, l: 2_000_000 });
    await using other = await open(server);
    await other.query("create temp table b (id int, name text)");
    const binary = db.copyTo("copy (select * from t order by id) to stdout (format binary)");
    assert.equal(await other.copyFrom("copy b from stdin (format binary)", binary), 31);
    const back = await readText(other.copyTo("copy (select * from b order by id) to stdout"));
    assert.equal(back, await readText(db.copyTo("copy (select * from t order by id) to stdout")));
    await db.query("delete from t where id >= 100");
    await assert.rejects(db.copyFrom(copy, 42 as never), TypeError);
    await assert.rejects(db.copyFrom(copy, [{}] as never), TypeError);
    assert.equal(await count(db, "t"), 11);
    await assertUsable(db);
  });

  test({ name: name("1,000,000 rows round trip, compared by checksum"), ignore }, async () => {
    await using source = await open(server);
    await using target = await open(server);
    await target.query("create temp table copy_dst (id int, h text, x numeric)");
    const query = "select g as id, md5(g::text) as h, g * 1.5 as x " +
      "from generate_series(1, 1000000) g";
    const started = performance.now();
    let bytes = 0;
    const counted = source.copyTo(`copy (${query}) to stdout`).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          bytes += chunk.length;
          c.enqueue(chunk);
        },
      }),
    );
    const n = await target.copyFrom("copy copy_dst from stdin", counted);
    const ms = performance.now() - started;
    assert.equal(n, 1_000_000);
    const [expected] = (await source.query(`select ${CHECKSUM} from (${query}) q`)).rows;
    const [actual] = (await target.query(`select ${CHECKSUM} from copy_dst`)).rows;
    assert.deepEqual(actual, expected);
    console.log(
      `  ${server.name}: 1,000,000 rows (${(bytes / 2 ** 20).toFixed(1)} MiB) copied in ` +
        `${ms.toFixed(0)} ms`,
    );
    await assertUsable(source);
    await assertUsable(target);
  });

  test(
    { name: name("a source that throws sends CopyFail; nothing is copied"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table t (id int)");
      await db.copyFrom("copy t from stdin", "1\n2\n");
      const boom = new Error("source broke");
      async function* gen() {
        for (let i = 0; i < 100_000; i++) {
          if (i === 50_000) throw boom;
          yield `${i}\n`;
        }
      }
      await assert.rejects(db.copyFrom("copy t from stdin", gen()), (e) => e === boom);
      assert.equal(await count(db, "t"), 2);
      // A stream that errors, and a sync iterable that throws.
      const failing = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(encoder.encode("3\n"));
          c.error(boom);
        },
      });
      await assert.rejects(db.copyFrom("copy t from stdin", failing), (e) => e === boom);
      const iterable = {
        *[Symbol.iterator]() {
          yield "4\n";
          throw boom;
        },
      };
      await assert.rejects(db.copyFrom("copy t from stdin", iterable), (e) => e === boom);
      assert.equal(await count(db, "t"), 2);
      await assertUsable(db);
    },
  );

  test({ name: name("server errors reject with a PostgresError"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table t (id int, name text)");
    // A malformed value in the middle of a long stream: the rest is not sent.
    let produced = 0;
    async function* gen() {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        // After the bad row, slow enough (≥ 1 s in all) that the server's answer arrives first.
        if (i > 1000 && i % 1000 === 0) await delay(1);
        yield i === 1000 ? "oops\tx\n" : `${i}\tx\n`;
      }
    }
    await assert.rejects(db.copyFrom("copy t from stdin", gen()), (e: unknown) => {
      assert.ok(e instanceof PostgresError);
      assert.equal(e.code, SQLSTATE.INVALID_TEXT_REPRESENTATION);
      return true;
    });
    assert.ok(produced < 1_000_000, `the source was read to its end (${produced})`);
    assert.equal(await count(db, "t"), 0);
    await assertUsable(db);
    // A missing table: the source is cancelled without being read.
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(encoder.encode("1\tx\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    await assert.rejects(db.copyFrom("copy no_such_table from stdin", stream), (e: unknown) => {
      assert.ok(e instanceof PostgresError);
      assert.equal(e.code, SQLSTATE.UNDEFINED_TABLE);
      return true;
    });
    assert.ok(cancelled);
    // COPY TO: an error midway errors the stream after the rows before it.
    const reader = db.copyTo(
      "copy (select 1 / (5000 - g) from generate_series(1, 10000) g) to stdout",
    ).getReader();
    let received = 0;
    await assert.rejects(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.length;
        }
      })(),
      (e: unknown) => {
        assert.ok(e instanceof PostgresError);
        assert.equal(e.code, SQLSTATE.DIVISION_BY_ZERO);
        return true;
      },
    );
    assert.ok(received > 0);
    await assert.rejects(
      readText(db.copyTo("copy no_such_table to stdout")),
      (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.UNDEFINED_TABLE,
    );
    await assertUsable(db);
  });

  test(
    { name: name("statements that are not the expected COPY are refused"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table t (id int)");
      await db.query("insert into t values (1)");
      await assert.rejects(db.copyFrom("select 1", "1\n"), TypeError);
      await assert.rejects(db.copyFrom("copy t to stdout", "1\n"), /copyTo/);
      await assert.rejects(readText(db.copyTo("copy t from stdin")), /copyFrom/);
      await assert.rejects(readText(db.copyTo("select 1")), TypeError);
      await assert.rejects(db.query("copy t from stdin"), /copyFrom/);
      await assert.rejects(db.simpleQuery("copy t from stdin"), (e: unknown) => {
        assert.ok(e instanceof PostgresError);
        assert.match(e.message, /copyFrom/);
        return true;
      });
      assert.equal(await count(db, "t"), 1);
      await assertUsable(db);
    },
  );

  test({ name: name("a slow reader holds COPY TO back"), ignore }, async () => {
    await using db = await open(server);
    await using observer = await open(server);
    // About 210 MB, produced row by row (an SRF in the select list streams).
    const stream = db.copyTo(
      "copy (select repeat('x', 100) || generate_series(1, 2000000)) to stdout",
    );
    const reader = stream.getReader();
    const rssBefore = process.memoryUsage().rss;
    let consumed = 0;
    while (consumed < 4 * 2 ** 20) {
      const { value } = await reader.read();
      consumed += value!.length;
      await delay(1);
    }
    const progress = async (): Promise<number> => {
      const { rows } = await observer.query<{ b: string }>(
        "select bytes_processed::text as b from pg_stat_progress_copy where pid = $1",
        [db.processId],
      );
      return Number(rows[0]!.b);
    };
    // Stop reading: the server fills the socket buffers, then waits for us.
    await delay(700);
    const first = await progress();
    await delay(500);
    const second = await progress();
    assert.equal(second, first, "the server kept producing while nothing was read");
    // What the server produced but we have not read sits in the kernel's socket buffers and the
    // stream's queue (256 KiB): nowhere near the 210 MB of the COPY.
    assert.ok(first - consumed < 24 * 2 ** 20, `${first - consumed} bytes in flight`);
    const { rows } = await observer.query<{ w: string | null }>(
      "select wait_event as w from pg_stat_activity where pid = $1",
      [db.processId],
    );
    assert.equal(rows[0]!.w, "ClientWrite");
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 64 * 2 ** 20, `rss grew by ${grown} bytes`);
    // Reading on resumes the server.
    for (let i = 0; i < 200; i++) consumed += (await reader.read()).value!.length;
    await delay(200);
    assert.ok((await progress()) > second);
    await reader.cancel();
    await assertUsable(db);
  });

  test(
    { name: name("cancelling a COPY TO stream leaves the client usable"), ignore },
    async () => {
      await using db = await open(server);
      await using observer = await open(server);
      const big = "copy (select repeat('y', 200) || generate_series(1, 5000000)) to stdout";
      const reader = db.copyTo(big).getReader();
      const first = await reader.read();
      assert.ok(first.value!.length > 0);
      // Queries issued meanwhile wait for the COPY, then run in order.
      const after = [1, 2, 3].map((i) => db.query<{ n: number }>("select $1::int as n", [i]));
      const started = performance.now();
      await reader.cancel();
      // Cancelled on the server rather than read to the end (1 GB).
      assert.ok(performance.now() - started < 5000);
      const got = await Promise.all(after);
      assert.deepEqual(got.map((r) => r.rows[0]!.n), [1, 2, 3]);
      await assertUsable(db);
      const { rows } = await observer.query<{ s: string }>(
        "select state as s from pg_stat_activity where pid = $1",
        [db.processId],
      );
      assert.equal(rows[0]!.s, "idle");
      // Cancelled before it started, and a small COPY cancelled after its data arrived.
      await db.copyTo("copy (select 1) to stdout").cancel();
      const small = db.copyTo("copy (select generate_series(1, 10)) to stdout").getReader();
      await small.read();
      await delay(50);
      await small.cancel();
      await assertUsable(db);
    },
  );

  test({ name: name("an abort signal stops either COPY"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table t (id int)");
    // COPY FROM, aborted midway through an endless source.
    const controller = new AbortController();
    const reason = new Error("stop it");
    let yielded = 0;
    async function* endless() {
      for (let i = 0;; i++) {
        yielded++;
        if (i % 100 === 0) await delay(1);
        yield `${i}\n`;
      }
    }
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(
      db.copyFrom("copy t from stdin", endless(), { signal: controller.signal }),
      (e) => e === reason,
    );
    assert.ok(yielded > 0);
    assert.equal(await count(db, "t"), 0);
    await assertUsable(db);
    // COPY FROM whose source never answers.
    const stuck = new AbortController();
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    setTimeout(() => stuck.abort(reason), 50);
    await assert.rejects(
      db.copyFrom("copy t from stdin", never, { signal: stuck.signal }),
      (e) => e === reason,
    );
    await assertUsable(db);
    // COPY TO, aborted midway.
    const outController = new AbortController();
    const reader = db.copyTo(
      "copy (select repeat('z', 100) || generate_series(1, 5000000)) to stdout",
      { signal: outController.signal },
    ).getReader();
    await reader.read();
    outController.abort(reason);
    await assert.rejects(reader.read(), (e) => e === reason);
    await assertUsable(db);
    // Already aborted: nothing is sent.
    const aborted = AbortSignal.abort(reason);
    await assert.rejects(
      db.copyFrom("copy t from stdin", "1\n", { signal: aborted }),
      (e) => e === reason,
    );
    await assert.rejects(
      readText(db.copyTo("copy t to stdout", { signal: aborted })),
      (e) => e === reason,
    );
    assert.equal(await count(db, "t"), 0);
    await assertUsable(db);
  });

  test({ name: name("COPY in a transaction"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table t (id int)");
    const rolledBack = new Error("roll back");
    await assert.rejects(
      db.transaction(async (tx) => {
        assert.equal(await tx.copyFrom("copy t from stdin", "1\n2\n"), 2);
        assert.equal(await readText(tx.copyTo("copy t to stdout")), "1\n2\n");
        throw rolledBack;
      }),
      (e) => e === rolledBack,
    );
    assert.equal(await count(db, "t"), 0);
    const copied = await db.transaction(async (tx) => {
      const n = await tx.copyFrom("copy t from stdin", ["3\n", "4\n"]);
      await tx.transaction(async (sp) => {
        await sp.copyFrom("copy t from stdin", "5\n");
      });
      return n;
    });
    assert.equal(copied, 2);
    assert.equal(await count(db, "t"), 3);
    // A bad row fails the COPY and the transaction; the transaction rolls back.
    await assert.rejects(
      db.transaction((tx) => tx.copyFrom("copy t from stdin", "6\nbad\n")),
      (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.INVALID_TEXT_REPRESENTATION,
    );
    assert.equal(await count(db, "t"), 3);
    let handle: { copyFrom: Client["copyFrom"] } | undefined;
    await db.transaction((tx) => {
      handle = tx;
    });
    await assert.rejects(handle!.copyFrom("copy t from stdin", "7\n"), ConnectionError);
    await assertUsable(db);
  });

  test(
    { name: name("queries pipelined around a COPY FROM come back in order"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table t (id int)");
      const order: number[] = [];
      const ask = (i: number) =>
        db.query<{ n: number }>("select $1::int as n", [i]).then((r) => {
          order.push(r.rows[0]!.n);
        });
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) pending.push(ask(i));
      let next = 10;
      async function* rows() {
        for (let i = 0; i < 2000; i++) {
          if (i % 200 === 0) {
            // Other code on the same client, while the COPY data is being sent.
            for (let k = 0; k < 5; k++) pending.push(ask(next++));
            await delay(2);
          }
          yield `${i}\n`;
        }
      }
      const copy = db.copyFrom("copy t from stdin", rows());
      for (let k = 0; k < 5; k++) pending.push(ask(next++));
      const copy2 = db.copyFrom("copy t from stdin", ["2000\n", "2001\n"]);
      for (let k = 0; k < 5; k++) pending.push(ask(next++));
      assert.equal(await copy, 2000);
      assert.equal(await copy2, 2);
      await Promise.all(pending);
      assert.equal(order.length, next);
      assert.deepEqual(order, [...order].sort((a, b) => a - b));
      assert.equal(await count(db, "t"), 2002);
      await assertUsable(db);
    },
  );
}

test("CopyBothResponse fails the request with a clear error", async () => {
  const server = await scripted(async (peer) => {
    await peer.handshake();
    assert.equal((await peer.expect("Query")).sql, "start_replication");
    await peer.send({ type: "CopyBothResponse", format: 0, columnFormats: [] });
    await peer.expect("CopyDone");
    await peer.send(
      { type: "CopyDone" },
      { type: "CommandComplete", tag: "START_REPLICATION" },
      { type: "ReadyForQuery", status: "I" },
    );
    assert.equal((await peer.expect("Query")).sql, "set x = 1");
    await peer.send(
      { type: "CommandComplete", tag: "SET" },
      { type: "ReadyForQuery", status: "I" },
    );
    await peer.expect("Terminate");
  });
  const db = await connect(server.url(), { connectTimeout: 5000 });
  try {
    await assert.rejects(db.copyFrom("start_replication", "x"), /COPY BOTH/);
    const [r] = await db.simpleQuery("set x = 1");
    assert.equal(r?.command, "SET");
  } finally {
    await db.close();
    await server.done;
  }
});
