/**
 * The client against the scripted fake server (`tests/harness/scripted_server.ts`, on the backend
 * API of `src/server/`), for what only a fake server does: messages cut short or shorter than
 * their fields, a query the server never answers, and answers dripped a few bytes at a time,
 * which the client must reassemble. Each fault ends in a clear, typed error, never a hang. The
 * harness's own guarantees (a script that sees the wrong message or runs too long fails its test)
 * are checked first.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import {
  type Client,
  connect,
  ConnectionError,
  PostgresError,
  ProtocolError,
  TimeoutError,
} from "../mod.ts";
import { DataRow } from "../src/protocol/mod.ts";
import type { Socket, Transport } from "../src/transport/transport.ts";
import { runtime } from "./harness/test.ts";
import {
  column,
  encode,
  queryAnswer,
  READY,
  scripted,
  type ScriptedServer,
  ScriptError,
} from "./harness/scripted_server.ts";

/** Connects to `server` with a time limit, so that a broken script cannot hang the test. */
function open(server: ScriptedServer, options: Parameters<typeof connect>[1] = {}) {
  return connect(server.url(), { connectTimeout: 5000, ...options });
}

/** Runs `body` with a client connected to `server`, then closes it and awaits the script. */
async function withClient(
  server: ScriptedServer,
  body: (db: Client) => Promise<void>,
  options: Parameters<typeof connect>[1] = {},
): Promise<void> {
  const db = await open(server, options);
  try {
    await body(db);
  } finally {
    await db.close();
    await server.done;
  }
}

/** The transport `connect` uses on this runtime. */
async function runtimeTransport(): Promise<Transport> {
  if (runtime === "deno") return (await import("../src/transport/deno.ts")).denoTransport;
  if (runtime === "bun") return (await import("../compat/bun_transport.ts")).bunTransport;
  return (await import("../compat/node.ts")).nodeTransport;
}

/** Forwards to `target`, with its methods bound to it (private fields stay reachable). */
function forward<T extends object>(target: T, own: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(own, key)) return own[key as keyof T];
      const value = Reflect.get(t, key);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

/**
 * The runtime's transport, counting the chunks the client reads: proof that a dripped answer
 * reached it in pieces (and was not coalesced into one read).
 */
async function countingTransport(): Promise<{ transport: Transport; reads: () => number }> {
  const base = await runtimeTransport();
  let reads = 0;
  const count = (socket: Socket): Socket =>
    forward(socket, {
      read: async () => {
        const chunk = await socket.read();
        if (chunk !== null) reads++;
        return chunk;
      },
    });
  const transport = forward(base, {
    connect: async (target, options) => count(await base.connect(target, options)),
  });
  return { transport, reads: () => reads };
}

/** The cause chain of an error, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 10; e = (e as Error).cause) chain.push(e);
  return chain;
}

// ---------------------------------------------------------------------------------------------
// The harness

test("fake server: a script that gets another message than it expects fails clearly", async () => {
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Parse"); // the client sends a Query
  });
  const db = await open(server);
  const e = await db.simpleQuery("select 1").catch((err) => err);
  await db.close();
  // The script stopped and closed the connection: the client was not left waiting.
  assert.ok(e instanceof ConnectionError, String(e));
  await assert.rejects(
    server.done,
    (err: unknown) =>
      err instanceof ScriptError && /expected Parse from the client, got Query/.test(String(err)),
  );
});

test("fake server: a script that runs too long is stopped, and the client sees a closed connection", async () => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Query");
    await new Promise((r) => timer = setTimeout(r, 60_000)); // forgets to answer
  }, { timeoutMs: 300 });
  const db = await open(server);
  const e = await db.simpleQuery("select 1").catch((err) => err);
  await db.close();
  clearTimeout(timer);
  assert.ok(e instanceof ConnectionError, String(e));
  await assert.rejects(
    server.done,
    (err: unknown) => err instanceof ScriptError && /after 300 ms/.test(String(err)),
  );
});

test("fake server: the client's hang-up ends a script quietly, a closed expect() does not", async () => {
  {
    const server = await scripted(async (peer) => {
      await peer.handshake();
      await peer.receive(); // the client closes without a Terminate: not a failure
    });
    const db = await open(server);
    await db.close();
    await server.done;
  }
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Terminate");
    await peer.expect("Query"); // nothing more comes: a failure
  });
  const db = await open(server);
  await db.close();
  await assert.rejects(
    server.done,
    (err: unknown) =>
      err instanceof ScriptError && /expected Query from the client, but/.test(String(err)),
  );
});

// ---------------------------------------------------------------------------------------------
// Truncated messages

test("a message cut anywhere, even inside its length word, is a ConnectionError", async () => {
  const complete = encode({ type: "CommandComplete", tag: "SELECT 0" });
  // After the tag, inside the length word, right after it, inside the body.
  for (const at of [1, 3, 5, complete.length - 1]) {
    const server = await scripted(async (peer) => {
      await peer.handshake();
      await peer.expect("Query");
      await peer.cut(complete.subarray(0, at));
    });
    await withClient(server, async (db) => {
      const e = await db.simpleQuery("select").catch((err) => err);
      assert.ok(e instanceof ConnectionError, `cut after ${at} bytes: ${e}`);
      assert.match(e.message, /in the middle of a message/, `cut after ${at} bytes: ${e.message}`);
      assert.equal(db.state, "CONNECTION_BAD");
    });
  }
});

test("a message cut between two messages is a ConnectionError, not 'in the middle'", async () => {
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Query");
    await peer.cut(encode({ type: "CommandComplete", tag: "SELECT 0" }));
  });
  await withClient(server, async (db) => {
    const e = await db.simpleQuery("select").catch((err) => err);
    assert.ok(e instanceof ConnectionError, String(e));
    assert.doesNotMatch(e.message, /in the middle of a message/);
  });
});

test("a DataRow whose body is shorter than its columns need is a ProtocolError", async () => {
  const bodies: [string, Uint8Array][] = [
    // Length 8 (4 bytes of body): the column count says 3, and 2 bytes follow.
    ["3 columns in 4 bytes", Uint8Array.of(0x44, 0, 0, 0, 8, 0, 3, 0, 0)],
    // One column whose length (100) runs past the end of the message.
    ["a value past the end", Uint8Array.of(0x44, 0, 0, 0, 12, 0, 1, 0, 0, 0, 100, 0x61, 0x62)],
  ];
  for (const [name, row] of bodies) {
    const server = await scripted(async (peer) => {
      await peer.handshake();
      await peer.expect("Query");
      await peer.send(
        { type: "RowDescription", fields: [column("a"), column("b"), column("c")] },
        row,
        { type: "CommandComplete", tag: "SELECT 1" },
        { type: "ReadyForQuery", status: "I" },
      );
      await peer.stall();
    });
    await withClient(server, async (db) => {
      const e = await db.simpleQuery("select a, b, c from t").catch((err) => err);
      assert.ok(
        causes(e).some((c) => c instanceof ProtocolError),
        `${name}: ${e} (cause ${(e as Error).cause})`,
      );
      assert.match(String(causes(e).join(" / ")), /DataRow/, name);
    });
  }
});

test("startup messages shorter than their fields need are ProtocolErrors", async () => {
  const cases: [string, Uint8Array][] = [
    // BackendKeyData with 2 bytes of body: the process ID alone needs 4.
    ["BackendKeyData", Uint8Array.of(0x4b, 0, 0, 0, 6, 0, 1)],
    // An authentication request without its 4-byte code.
    ["Authentication", Uint8Array.of(0x52, 0, 0, 0, 6, 0, 0)],
    // ParameterStatus whose value has no terminating NUL.
    ["ParameterStatus", Uint8Array.of(0x53, 0, 0, 0, 8, 0x61, 0, 0x62, 0x63)],
  ];
  for (const [name, bytes] of cases) {
    const server = await scripted(async (peer) => {
      await peer.expect("StartupMessage");
      if (name !== "Authentication") await peer.send({ type: "AuthenticationOk" });
      await peer.send(bytes);
      await peer.stall();
    });
    const e = await open(server).then(async (db) => {
      await db.close();
      return undefined;
    }, (err) => err);
    await server.done;
    assert.ok(e !== undefined, `${name}: connected, but it must fail`);
    assert.ok(causes(e).some((c) => c instanceof ProtocolError), `${name}: ${e}`);
  }
});

// ---------------------------------------------------------------------------------------------
// A server that never answers a query

test("a query the server never answers times out, is cancelled on a second connection, and the session goes on", async () => {
  const server = await scripted(async (peer) => {
    const session = await peer.handshake({ processId: 4242 });
    await peer.expect("Query");
    // Silence, until the cancel request arrives on a connection of its own.
    const cancel = await peer.accept();
    const request = await cancel.expect("CancelRequest");
    assert.equal(request.processId, 4242);
    assert.deepEqual(request.secretKey, session.secretKey);
    await cancel.cut();
    await peer.send(
      {
        type: "ErrorResponse",
        fields: {
          S: "ERROR",
          V: "ERROR",
          C: "57014",
          M: "canceling statement due to user request",
        },
      },
      { type: "ReadyForQuery", status: "I" },
    );
    assert.equal((await peer.expect("Query")).sql, "select 2");
    await peer.send(
      { type: "CommandComplete", tag: "SELECT 0" },
      { type: "ReadyForQuery", status: "I" },
    );
    await peer.expect("Terminate");
  }, { connections: 2 });
  await withClient(server, async (db) => {
    const started = performance.now();
    const e = await db.simpleQuery("select pg_sleep(60)", { queryTimeout: 200 }).catch((err) =>
      err
    );
    assert.ok(e instanceof TimeoutError, String(e));
    assert.equal(e.kind, "query");
    assert.ok(performance.now() - started < 3000);
    const [r] = await db.simpleQuery("select 2");
    assert.equal(r?.command, "SELECT");
    assert.equal(db.state, "CONNECTION_OK");
  });
});

test("a server silent even after the cancel: the connection is closed with a ConnectionError", async () => {
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Query");
    const cancel = await peer.accept();
    await cancel.expect("CancelRequest");
    await cancel.cut();
    await peer.stall(); // until the client gives the connection up
  }, { connections: 3 });
  await withClient(server, async (db) => {
    const e = await db.simpleQuery("select pg_sleep(60)", { queryTimeout: 100 }).catch((err) =>
      err
    );
    assert.ok(e instanceof TimeoutError, String(e));
    const later = await db.simpleQuery("select 1").catch((err) => err);
    assert.ok(later instanceof ConnectionError, String(later));
    assert.match(later.message, /did not answer within 1000 ms of a cancel request/);
    assert.equal(db.state, "CONNECTION_BAD");
  }, { connectTimeout: 1000 });
});

// ---------------------------------------------------------------------------------------------
// Dripped bytes

test("a whole startup dripped one byte at a time (SCRAM included) still connects", async () => {
  const server = await scripted(async (peer) => {
    peer.dripWrites({ chunk: 1, delayMs: 1 });
    const session = await peer.handshake({
      auth: { method: "scram-sha-256", password: "secret" },
      processId: 77,
      parameters: { application_name: "dripped" },
    });
    assert.equal(session.user, "u");
    await peer.expect("Terminate");
  });
  const { transport, reads } = await countingTransport();
  const db = await connect(server.url("sslmode=prefer").replace("u@", "u:secret@"), {
    connectTimeout: 20_000,
    transport,
  });
  // About 580 bytes, one a write: most reached the client alone.
  assert.ok(reads() > 150, `the startup came in ${reads()} reads only`);
  assert.equal(db.processId, 77);
  assert.equal(db.parameters.get("application_name"), "dripped");
  assert.equal(db.parameters.get("server_version"), "18.0");
  await db.close();
  await server.done;
});

test("a query's answer dripped one byte at a time is reassembled", async () => {
  const fields = [column("n", 23), column("s", 25)];
  const rows = [["1", "one"], ["2", null], ["3", "trois, drei, 三"]];
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.receiveUntil("Sync");
    await peer.drip(queryAnswer(fields, rows), { chunk: 1, delayMs: 1 });
    await peer.expect("Query");
    await peer.drip([
      { type: "RowDescription", fields },
      ...rows.map((r) => DataRow.from(r)),
      { type: "CommandComplete", tag: "SELECT 3" },
      { type: "ReadyForQuery", status: "I" },
    ], { chunk: 1, delayMs: 1 });
    await peer.expect("Terminate");
  });
  const { transport, reads } = await countingTransport();
  await withClient(server, async (db) => {
    const expected = [{ n: 1, s: "one" }, { n: 2, s: null }, { n: 3, s: "trois, drei, 三" }];
    const before = reads();
    assert.deepEqual((await db.query("select n, s from t")).rows, expected);
    const answer = encode(...queryAnswer(fields, rows)).length;
    assert.ok(reads() - before > answer / 3, `${answer} bytes came in ${reads() - before} reads`);
    const [r] = await db.simpleQuery("select n, s from t");
    assert.deepEqual(r?.rows, expected);
  }, { transport });
});

test("a large DataRow dripped in 7-byte pieces is reassembled", async () => {
  const big = Array.from({ length: 70_000 }, (_, i) => String.fromCharCode(97 + i % 26)).join("");
  const rows = [["x", big, "é".repeat(1000)], ["y", "small", null]];
  const fields = [column("k"), column("big"), column("accents")];
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.receiveUntil("Sync");
    await peer.drip(queryAnswer(fields, rows), { chunk: 7, delayMs: 0 });
    await peer.expect("Terminate");
  });
  const { transport, reads } = await countingTransport();
  await withClient(server, async (db) => {
    const before = reads();
    const { rows: got } = await db.query("select k, big, accents from t");
    // 10,000 writes: Node and Bun read them one by one, Deno a few hundred bytes at a time.
    assert.ok(reads() - before > 50, `the answer came in ${reads() - before} reads only`);
    assert.equal(got.length, 2);
    assert.deepEqual(got[0], { k: "x", big, accents: "é".repeat(1000) });
    assert.deepEqual(got[1], { k: "y", big: "small", accents: null });
  }, { transport });
});

test("an ErrorResponse dripped one byte at a time is a PostgresError with its fields", async () => {
  const server = await scripted(async (peer) => {
    await peer.handshake();
    await peer.expect("Query");
    await peer.drip([
      {
        type: "ErrorResponse",
        fields: { S: "ERROR", V: "ERROR", C: "42P01", M: 'relation "t" does not exist', P: "15" },
      },
      { type: "ReadyForQuery", status: "I" },
    ]);
    await peer.expect("Terminate");
  });
  await withClient(server, async (db) => {
    const e = await db.simpleQuery("select * from t").catch((err) => err);
    assert.ok(e instanceof PostgresError, String(e));
    assert.equal(e.code, "42P01");
    assert.equal(db.state, "CONNECTION_OK");
  });
});

test("READY is a minimal startup the client accepts", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send(...READY);
    await peer.expect("Terminate");
  });
  const db = await open(server);
  assert.equal(db.processId, 1);
  await db.close();
  await server.done;
});
