/**
 * Connection set-up against the scripted fake server (`tests/harness/scripted_server.ts`, on the
 * backend API of `src/server/`) for faults a real server does not produce: each must end in a
 * clear, typed error, never a hang.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  connect,
  ConnectionError,
  PostgresError,
  ProtocolError,
} from "../mod.ts";
import { encode, READY, scripted, type ScriptedServer } from "./harness/scripted_server.ts";
import { ScramServer, scramVerifier } from "../src/auth/scram.ts";

async function expectError(
  { port, done }: ScriptedServer,
  url: string,
  check: (e: unknown) => boolean,
): Promise<void> {
  let error: unknown;
  try {
    // connect_timeout in the URL when a test sets one, else 5 s so nothing can hang.
    const options = url.includes("connect_timeout") ? undefined : { connectTimeout: 5000 };
    const db = await connect(url.replace("PORT", String(port)), options);
    await db.close();
  } catch (e) {
    error = e;
  }
  await done;
  assert.ok(error !== undefined, "connected, but it must fail");
  assert.ok(check(error), `unexpected error: ${error}`);
}

test("bytes injected after 'S' are refused (CVE-2021-23222)", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("SSLRequest");
    // 'S' followed by a forged AuthenticationOk in the same packet, before any TLS.
    await peer.send(Uint8Array.of(0x53, 0x52, 0, 0, 0, 8, 0, 0, 0, 0));
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=require",
    (e) => e instanceof ProtocolError && /unencrypted data after SSL response/.test(e.message),
  );
});

test("an ErrorResponse to SSLRequest is not shown, and require fails (CVE-2024-10977)", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("SSLRequest");
    await peer.send({
      type: "ErrorResponse",
      fields: { S: "FATAL", C: "XX000", M: "please type your password here" },
    });
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=require",
    (e) =>
      e instanceof ConnectionError && !/please type/.test(e.message) && /not shown/.test(e.message),
  );
});

test("an invalid answer to SSLRequest is a ProtocolError", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("SSLRequest");
    await peer.send(Uint8Array.of(0x58));
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=prefer",
    (e) => e instanceof ProtocolError && /invalid response to SSL negotiation: 'X'/.test(e.message),
  );
});

test("'N' with sslmode=require fails; with prefer the session goes on without TLS", async () => {
  {
    const server = await scripted(async (peer) => {
      await peer.expect("SSLRequest");
      await peer.send(Uint8Array.of(0x4e));
      await peer.stall();
    });
    await expectError(
      server,
      "postgres://u@127.0.0.1:PORT/d?sslmode=require",
      (e) =>
        e instanceof ConnectionError &&
        /does not support SSL, but SSL was required/.test(e.message),
    );
  }
  const server = await scripted(async (peer) => {
    await peer.expect("SSLRequest");
    await peer.send(Uint8Array.of(0x4e));
    await peer.expect("StartupMessage");
    await peer.send(...READY);
    await peer.expect("Terminate");
  });
  const db = await connect(server.url("sslmode=prefer"), { connectTimeout: 5000 });
  assert.equal(db.tls, undefined);
  await db.close();
  await server.done;
});

test("a forged SCRAM server signature is refused", async () => {
  const verifier = await scramVerifier("secret");
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send({ type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256"] });
    const first = await peer.expect("SASLInitialResponse", "SASLInitialResponse");
    assert.ok(first.data);
    const scram = new ScramServer(verifier);
    await peer.send({
      type: "AuthenticationSASLContinue",
      data: scram.serverFirstMessage(first.data),
    });
    await peer.expect("SASLResponse", "SASLResponse");
    // A server that does not know the password cannot sign: send a wrong signature.
    await peer.send({
      type: "AuthenticationSASLFinal",
      data: new TextEncoder().encode("v=" + btoa("x".repeat(32))),
    });
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u:secret@127.0.0.1:PORT/d?sslmode=disable",
    (e) => e instanceof AuthenticationError,
  );
});

test("AuthenticationOk before the SASL exchange completes is refused", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send({ type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256"] });
    await peer.expect("SASLInitialResponse", "SASLInitialResponse");
    await peer.send(...READY);
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u:secret@127.0.0.1:PORT/d?sslmode=disable",
    (e) =>
      e instanceof AuthenticationError && /before the SASL exchange was complete/.test(e.message),
  );
});

test("GSSAPI and SSPI requests get a clear 'not supported' error", async () => {
  for (const type of ["AuthenticationGSS", "AuthenticationSSPI"] as const) {
    const server = await scripted(async (peer) => {
      await peer.expect("StartupMessage");
      await peer.send({ type });
      await peer.stall();
    });
    await expectError(
      server,
      "postgres://u@127.0.0.1:PORT/d?sslmode=disable",
      (e) => e instanceof AuthenticationError && /not supported/.test(e.message),
    );
  }
});

test("a server that never answers hits connect_timeout", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.stall();
  });
  const started = performance.now();
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=disable&connect_timeout=2",
    (e) => e instanceof ConnectionError && /Timeout expired/.test(e.message),
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 1900, `gave up after ${elapsed} ms`);
});

test("a connection cut in the middle of startup is a ConnectionError", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    // AuthenticationOk and the first 6 bytes of a ParameterStatus, then hang up.
    const status = encode({ type: "ParameterStatus", name: "application_name", value: "x" });
    await peer.send({ type: "AuthenticationOk" });
    await peer.cut(status.subarray(0, 6));
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=disable",
    (e) => e instanceof ConnectionError && /in the middle of a message/.test(e.message),
  );
});

test("an oversized message length from the server is a ProtocolError", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send(Uint8Array.of(0x52, 0x7f, 0xff, 0xff, 0xff));
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=disable",
    (e) => e instanceof ProtocolError && /exceeds the maximum/.test(e.message),
  );
});

test("a 3.0 session with a long cancel key is refused", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send(
      { type: "AuthenticationOk" },
      { type: "BackendKeyData", processId: 1, secretKey: new Uint8Array(32) },
      { type: "ReadyForQuery", status: "I" },
    );
    await peer.stall();
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=disable",
    (e) => e instanceof ProtocolError && /cancel key under protocol 3.0/.test(e.message),
  );
});

test("the server's FATAL during startup arrives as a PostgresError with its fields", async () => {
  const server = await scripted(async (peer) => {
    await peer.expect("StartupMessage");
    await peer.send({
      type: "ErrorResponse",
      fields: {
        S: "FATAL",
        V: "FATAL",
        C: "3D000",
        M: 'database "d" does not exist',
        R: "InitPostgres",
      },
    });
  });
  await expectError(
    server,
    "postgres://u@127.0.0.1:PORT/d?sslmode=disable",
    (e) =>
      e instanceof PostgresError && e.code === "3D000" && e.severity === "FATAL" &&
      e.routine === "InitPostgres",
  );
});

test("settings that cannot be enforced are refused, not ignored", async () => {
  for (const extra of ["sslcrl=/tmp/crl.pem", "sslcrldir=/tmp", "requirepeer=postgres"]) {
    await assert.rejects(
      connect(`host=127.0.0.1 port=1 user=u sslmode=require ${extra}`),
      (e: unknown) => e instanceof ConnectionError && /not supported/.test((e as Error).message),
    );
  }
});
