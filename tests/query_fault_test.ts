/**
 * The query layer against a scripted server, for faults a real server does not produce: a cut in
 * the middle of a DataRow, a row that does not match its description, a message that has no place
 * in a query, an ErrorResponse with nothing pending. Each ends in a clear, typed error, never a
 * hang, and what was already answered is kept.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect, ConnectionError } from "../mod.ts";
import { DataRow } from "../src/protocol/mod.ts";
import type { BackendMessage, FieldDescription } from "../src/protocol/messages.ts";
import { type Peer, READY, scripted } from "./harness/scripted_server.ts";

const INT4: FieldDescription = {
  name: "n",
  tableOid: 0,
  columnAttribute: 0,
  typeOid: 23,
  typeSize: 4,
  typeModifier: -1,
  format: 0,
};

const TEXT: FieldDescription = { ...INT4, typeOid: 25, typeSize: -1 };

/** Reads the client's messages up to and including its next Sync. */
async function untilSync(peer: Peer): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const msg = await peer.receive();
    seen.push(msg.type);
    if (msg.type === "Sync") return seen;
  }
}

/** Answers one query whose statement is prepared now (Parse, Describe S, Bind, Execute). */
function answer(rows: (string | null)[][], fields = [INT4]): BackendMessage[] {
  return [
    { type: "ParseComplete" },
    { type: "ParameterDescription", parameterTypes: [] },
    { type: "RowDescription", fields },
    { type: "BindComplete" },
    ...rows.map((r) => DataRow.from(r) as unknown as BackendMessage),
    { type: "CommandComplete", tag: `SELECT ${rows.length}` },
    { type: "ReadyForQuery", status: "I" },
  ];
}

async function withScript(
  script: (peer: Peer) => Promise<void>,
  client: (db: Awaited<ReturnType<typeof connect>>) => Promise<void>,
): Promise<void> {
  const { port, done } = await scripted(async (peer) => {
    await peer.receive(); // StartupMessage
    await peer.send(...READY);
    await script(peer);
  });
  const db = await connect(`postgres://u@127.0.0.1:${port}/d?sslmode=disable`, {
    connectTimeout: 5000,
  });
  try {
    await client(db);
  } finally {
    await db.close();
    await done;
  }
}

test("a cut in the middle of a DataRow fails the pending queries, keeps the answered ones", async () => {
  await withScript(async (peer) => {
    assert.deepEqual(await untilSync(peer), ["Parse", "Describe", "Bind", "Execute", "Sync"]);
    await peer.send(...answer([["1"]]));
    await untilSync(peer);
    await untilSync(peer);
    const row = (DataRow.from(["12345"]) as unknown as { bytes: Uint8Array }).bytes;
    await peer.send({ type: "BindComplete" });
    // 'D', a length promising more than is sent, then half the body, then the end.
    const framed = new Uint8Array(5 + row.length);
    framed[0] = 0x44;
    new DataView(framed.buffer).setInt32(1, row.length + 4);
    framed.set(row, 5);
    await peer.send(framed.subarray(0, 9));
    peer.conn.close();
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
      DataRow.from(["7"]) as unknown as BackendMessage,
      { type: "CommandComplete", tag: "SELECT 1" },
      { type: "ReadyForQuery", status: "I" },
    );
    await peer.receive(); // Terminate
  }, async (db) => {
    await assert.rejects(db.query("select 1 as n"), /DataRow has 2 columns/);
    assert.deepEqual((await db.query("select 1 as n")).rows, [{ n: "7" }]);
  });
});

test("a message with no place in a query breaks the connection with a clear error", async () => {
  await withScript(async (peer) => {
    await untilSync(peer);
    await peer.send({ type: "AuthenticationOk" }, { type: "ReadyForQuery", status: "I" });
    await peer.receive().catch(() => {});
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
    await peer.receive().catch(() => {});
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
    peer.conn.close();
  }, async (db) => {
    for (let i = 0; i < 50 && db.state === "CONNECTION_OK"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const e = await db.query("select 1").catch((err) => err);
    assert.ok(e instanceof ConnectionError);
    assert.match(e.message, /administrator command \(57P01\)/);
  });
});
