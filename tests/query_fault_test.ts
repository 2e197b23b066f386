/**
 * The query layer against the scripted fake server (`tests/harness/scripted_server.ts`), for faults a real server does not produce: a cut in
 * the middle of a DataRow, a row that does not match its description, a message that has no place
 * in a query, an ErrorResponse with nothing pending. Each ends in a clear, typed error, never a
 * hang, and what was already answered is kept.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect, ConnectionError } from "../mod.ts";
import { DataRow } from "../src/protocol/mod.ts";
import {
  column,
  encode,
  type Peer,
  queryAnswer,
  READY,
  scripted,
} from "./harness/scripted_server.ts";

const INT4 = column("n", 23);
const TEXT = column("n", 25);

/** Reads the client's messages up to and including its next Sync; returns their types. */
async function untilSync(peer: Peer): Promise<string[]> {
  return (await peer.receiveUntil("Sync")).map((m) => m.type);
}

/** Answers one query whose statement is prepared now (Parse, Describe S, Bind, Execute). */
const answer = (rows: (string | null)[][], fields = [INT4]) => queryAnswer(fields, rows);

async function withScript(
  script: (peer: Peer) => Promise<void>,
  client: (db: Awaited<ReturnType<typeof connect>>) => Promise<void>,
): Promise<void> {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send(...READY);
    await script(peer);
  });
  const db = await connect(server.url(), { connectTimeout: 5000 });
  try {
    await client(db);
  } finally {
    await db.close();
    await server.done;
  }
}

test("a cut in the middle of a DataRow fails the pending queries, keeps the answered ones", async () => {
  await withScript(async (peer) => {
    assert.deepEqual(await untilSync(peer), ["Parse", "Describe", "Bind", "Execute", "Sync"]);
    await peer.send(...answer([["1"]]));
    await untilSync(peer);
    await untilSync(peer);
    await peer.send({ type: "BindComplete" });
    // 'D', a length promising more than is sent, then half the body, then the end.
    const row = encode(DataRow.from(["12345"]));
    await peer.cut(row.subarray(0, 9));
  }, async (db) => {
    const first = await db.query("select 1 as n");
    assert.deepEqual(first.rows, [{ n: 1 }]);
    const [a, b] = await Promise.all([
      db.query("select 1 as n").catch((e) => e),
      db.query("select 1 as n").catch((e) => e),
    ]);
    for (const e of [a, b]) {
      assert.ok(e instanceof ConnectionError, String(e));
      assert.match(e.message, /middle of a message/);
      assert.equal(e.retrySafe, false);
    }
    assert.equal(db.state, "CONNECTION_BAD");
  });
});

test("a DataRow that does not match its RowDescription fails that query only", async () => {
  await withScript(async (peer) => {
    await untilSync(peer);
    await peer.send(...answer([["1", "2"]], [TEXT])); // two columns, one described
    await untilSync(peer);
    await peer.send(
      { type: "BindComplete" },
      DataRow.from(["7"]),
      { type: "CommandComplete", tag: "SELECT 1" },
      { type: "ReadyForQuery", status: "I" },
    );
    await peer.expect("Terminate");
  }, async (db) => {
    await assert.rejects(db.query("select 1 as n"), /DataRow has 2 columns/);
    assert.deepEqual((await db.query("select 1 as n")).rows, [{ n: "7" }]);
  });
});

test("a message with no place in a query breaks the connection with a clear error", async () => {
  await withScript(async (peer) => {
    await untilSync(peer);
    await peer.send({ type: "AuthenticationOk" }, { type: "ReadyForQuery", status: "I" });
    await peer.stall();
  }, async (db) => {
    const e = await db.query("select 1 as n").catch((err) => err);
    assert.ok(e instanceof ConnectionError);
    assert.match(e.message, /broke the protocol: Unexpected AuthenticationOk/);
    assert.equal(db.state, "CONNECTION_BAD");
  });
});

test("a ReadyForQuery nobody asked for is a protocol error, not a silent mix-up", async () => {
  await withScript(async (peer) => {
    await peer.send({ type: "ReadyForQuery", status: "I" });
    await peer.stall();
  }, async (db) => {
    for (let i = 0; i < 50 && db.state === "CONNECTION_OK"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(db.state, "CONNECTION_BAD");
    const e = await db.query("select 1").catch((err) => err);
    assert.ok(e instanceof ConnectionError);
    assert.match(e.message, /broke the protocol: Unexpected ReadyForQuery/);
    assert.equal(e.retrySafe, true);
  });
});

test("a FATAL with nothing pending names the cause when the server hangs up", async () => {
  await withScript(async (peer) => {
    await peer.send({
      type: "ErrorResponse",
      fields: {
        S: "FATAL",
        V: "FATAL",
        C: "57P01",
        M: "terminating connection due to administrator command",
      },
    });
    await peer.cut();
  }, async (db) => {
    for (let i = 0; i < 50 && db.state === "CONNECTION_OK"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const e = await db.query("select 1").catch((err) => err);
    assert.ok(e instanceof ConnectionError);
    assert.match(e.message, /administrator command \(57P01\)/);
  });
});
