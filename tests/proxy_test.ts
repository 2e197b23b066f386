/**
 * The tracing proxy (`@pgline/pgline/proxy`) against real servers (PG 18 and PG 15): pgline's own
 * client, psql and pgbench through it, TLS terminated at the proxy with its channel-binding
 * refusals, CancelRequest routing, the JSON trace, and the command line as a child process.
 *
 * Every proxy runs in this process (`startProxy` with `listen: { port: 0 }`) except in the
 * command-line tests; child processes are killed after 60 s and clients have a connect timeout,
 * so nothing can hang.
 *
 * @module
 */

import { runtime, test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  AuthenticationError,
  type Client,
  connect,
  type ConnectOptions,
  PostgresError,
} from "../mod.ts";
import { encodeFrontendMessage } from "../src/protocol/frontend.ts";
import { parseProxyArgs, type Proxy, type ProxyOptions, startProxy } from "../src/proxy/mod.ts";
import { loadTestServers, type TestServer, type TestUserName } from "./harness/servers.ts";
import { findPgClient, missingReason } from "./harness/pg_clients.ts";

const servers = loadTestServers();
const ignore = servers === undefined;
const psql = findPgClient("psql");
const pgbench = findPgClient("pgbench");

/** Child processes are killed after this long. */
const CHILD_TIMEOUT_MS = 60_000;
/** Each connection attempt of a pgline client gives up after this long. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The proxy's entry, run as a command in the CLI tests. */
const PROXY_MAIN = fileURLToPath(new URL("../src/proxy/mod.ts", import.meta.url));

/** The certificate and key the proxy terminates TLS with (the servers' own, SAN 127.0.0.1). */
function proxyTls(): { cert: string; key: string } {
  const { serverCert } = servers!.tls;
  return {
    cert: readFileSync(serverCert, "utf8"),
    key: readFileSync(join(dirname(serverCert), "server.key"), "utf8"),
  };
}

/** A proxy that collects its trace lines. */
interface TracedProxy {
  proxy: Proxy;
  lines: string[];
}

async function tracedProxy(
  upstream: ProxyOptions["upstream"],
  options: Omit<ProxyOptions, "upstream" | "listen" | "output"> = {},
): Promise<TracedProxy> {
  const lines: string[] = [];
  const proxy = await startProxy({
    upstream,
    listen: { hostname: "127.0.0.1", port: 0 },
    output: (line) => lines.push(line),
    ...options,
  });
  return { proxy, lines };
}

/** Runs `fn` with proxies, closing them (and checking no session is left) however it ends. */
async function withProxies(
  proxies: Promise<TracedProxy>[],
  fn: (proxies: TracedProxy[]) => Promise<void>,
): Promise<void> {
  const settled = await Promise.allSettled(proxies);
  const started = settled.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  try {
    for (const s of settled) if (s.status === "rejected") throw s.reason;
    await fn(started);
  } finally {
    await Promise.all(started.map(({ proxy }) => proxy.close()));
  }
  for (const { proxy } of started) assert.equal(proxy.sessions, 0, "no session left open");
}

/** `host:port` of a server: the proxy's shortest upstream form (sslmode=prefer). */
const hostPort = (server: TestServer): string => `${server.host}:${server.port}`;

/** Settings for `user` through a proxy on loopback, without TLS to the proxy by default. */
function viaProxy(
  server: TestServer,
  proxy: Proxy,
  user: TestUserName,
  extra: ConnectOptions = {},
): ConnectOptions {
  const role = server.users[user];
  return {
    host: "127.0.0.1",
    port: proxy.port,
    database: server.database,
    user: role.name,
    ...(role.password === null ? {} : { password: role.password }),
    sslMode: "disable",
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...extra,
  };
}

/** Settings for TLS to a TLS-terminating proxy, with the certificate checked (verify-full). */
function verifyFull(): ConnectOptions {
  return { sslMode: "verify-full", sslRootCert: servers!.tls.caCert };
}

/** A client straight to the server, without TLS. */
function direct(
  server: TestServer,
  user: TestUserName | "superuser" = "scram_user",
  database?: string,
): Promise<Client> {
  const role = user === "superuser" ? server.superuser : server.users[user];
  return connect({
    host: server.host,
    port: server.port,
    database: database ?? (user === "superuser" ? server.superuser.database : server.database),
    user: role.name,
    ...(role.password === null ? {} : { password: role.password }),
    sslMode: "disable",
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
}

/** The text-format lines of one session. */
function sessionLines(lines: string[], session: number): string[] {
  return lines.filter((l) => l.startsWith(`#${session} +`));
}

/**
 * Waits until every session of `proxy` has ended, so that its trace is complete (a client's
 * `close` returns once its Terminate is sent, before the proxy has read it).
 */
async function drained(...proxies: Proxy[]): Promise<void> {
  for (let i = 0; i < 500 && proxies.some((p) => p.sessions > 0); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const proxy of proxies) assert.equal(proxy.sessions, 0, "every session ended");
}

/** Asserts that some session's lines, joined with line breaks, match `pattern`. */
function assertSomeSession(lines: string[], pattern: RegExp): void {
  const sessions = new Set(lines.map((l) => /^#(\d+) /.exec(l)?.[1]));
  assert.ok(
    [...sessions].some((n) => pattern.test(sessionLines(lines, Number(n)).join("\n"))),
    `no session's trace matches ${pattern}:\n${lines.join("\n")}`,
  );
}

/** Asserts that lines matching `patterns` occur in this order (others may come between). */
function assertInOrder(lines: string[], patterns: RegExp[]): void {
  let at = 0;
  for (const pattern of patterns) {
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l));
    assert.ok(
      found >= 0,
      `no line matching ${pattern} after line ${at} of the trace:\n${lines.join("\n")}`,
    );
    at = found + 1;
  }
}

/** Every text-format trace line has the session prefix and a direction. */
function assertTextShape(lines: string[]): void {
  assert.ok(lines.length > 0, "a trace");
  for (const line of lines) {
    assert.match(line, /^#\d+ \+\d+\.\d{3}ms \[(F2B|B2F|proxy)\] /, line);
  }
}

/** Waits until `db`'s backend runs a query (seen from `admin`). */
async function waitActive(admin: Client, pid: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const { rows } = await admin.query<{ state: string }>(
      "select state from pg_stat_activity where pid = $1",
      [pid],
    );
    if (rows[0]?.state === "active") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`backend ${pid} never became active`);
}

/** The bytes of `parts`, one after another. */
function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Milliseconds since `start`. */
const since = (start: number): number => performance.now() - start;

// ---------------------------------------------------------------------------------------------
// Child processes.

interface Finished {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** The environment for libpq programs: no PG* settings of ours, English messages. */
function libpqEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("PG")) env[key] = value;
  }
  return { ...env, LC_ALL: "C", PGCONNECT_TIMEOUT: "10", ...extra };
}

/** Runs a program to its end; killed (and failing) after {@link CHILD_TIMEOUT_MS}. */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (s: string) => stdout += s);
    child.stderr.setEncoding("utf8").on("data", (s: string) => stderr += s);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CHILD_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`${command} ${args.join(" ")} killed after ${CHILD_TIMEOUT_MS} ms`));
      } else resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A free TCP port on loopback (listened on, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The proxy's command line for this runtime. */
function proxyCommand(args: string[]): [string, string[]] {
  return runtime === "deno"
    ? [process.execPath, ["run", "-A", PROXY_MAIN, ...args]]
    : [process.execPath, [PROXY_MAIN, ...args]];
}

// ---------------------------------------------------------------------------------------------
// Tests without servers.

test("proxy: parseProxyArgs reads the command line and reports usage errors", async () => {
  const parsed = await parseProxyArgs([
    "--listen",
    "[::1]:7000",
    "--upstream=host=db sslmode=require",
    "--json",
    "--strip-channel-binding",
    "--show-secrets",
    "--max-value",
    "40",
  ]);
  assert.ok("options" in parsed);
  assert.deepEqual(parsed.options, {
    upstream: "host=db sslmode=require",
    listen: { hostname: "::1", port: 7000 },
    format: "json",
    showSecrets: true,
    maxValueLength: 40,
    stripChannelBinding: true,
  });
  const quiet = await parseProxyArgs(["--upstream", "db:5432", "--quiet", "--listen", "6500"]);
  assert.ok("options" in quiet);
  assert.equal(quiet.options.format, "none");
  assert.deepEqual(quiet.options.listen, { hostname: "127.0.0.1", port: 6500 });
  assert.deepEqual(await parseProxyArgs(["-h"]), { help: true });
  for (
    const [args, error] of [
      [[], /--upstream is required/],
      [["--upstream", "db:5432", "--bogus"], /unknown argument "--bogus"/],
      [["--upstream", "db:5432", "--listen", "nowhere"], /--listen wants host:port/],
      [["--upstream", "db:5432", "--listen", "127.0.0.1:70000"], /--listen wants host:port/],
      [["--upstream", "db:5432", "--tls-cert", "a.crt"], /go together/],
      [["--upstream", "db:5432", "--max-value", "0"], /positive integer/],
    ] as const
  ) {
    const result = await parseProxyArgs(args);
    assert.ok("error" in result, `${args.join(" ")} is refused`);
    assert.match(result.error, error);
  }
});

test("proxy CLI: --help exits 0 with the usage, a bad argument exits 2", async () => {
  const [help, bad, missing] = await Promise.all([
    run(...proxyCommand(["--help"]), { ...process.env } as Record<string, string>),
    run(...proxyCommand(["--upstream", "127.0.0.1:5432", "--bogus"]), {
      ...process.env,
    } as Record<string, string>),
    run(...proxyCommand([]), { ...process.env } as Record<string, string>),
  ]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /usage: proxy --upstream/);
  assert.match(help.stdout, /--strip-channel-binding/);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /unknown argument "--bogus"/);
  assert.match(bad.stderr, /usage:/);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /--upstream is required/);
});

test("proxy: an unreachable upstream gets the client a FATAL 08006", async () => {
  const port = await freePort(); // nothing listens there any more
  await withProxies([tracedProxy(`127.0.0.1:${port}`)], async ([dead]) => {
    await assert.rejects(
      connect({
        host: "127.0.0.1",
        port: dead!.proxy.port,
        user: "nobody",
        sslMode: "disable",
        connectTimeout: CONNECT_TIMEOUT_MS,
      }),
      (err) =>
        err instanceof PostgresError && err.code === "08006" &&
        /^pgline proxy: cannot connect to the upstream server: /.test(err.message),
    );
    await drained(dead!.proxy);
    assert.match(dead!.lines.join("\n"), /\[proxy\] -- pgline proxy: cannot connect/);
  });
});

test("proxy: close() ends sessions, even one still connecting upstream", async () => {
  // An upstream that accepts and never answers: the proxy's SSLRequest waits (30 s by default).
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume(); // reads (and drops) the SSLRequest, so that the end is seen
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const { proxy, lines } = await tracedProxy(`127.0.0.1:${port}`);
    const client = connect({
      host: "127.0.0.1",
      port: proxy.port,
      user: "nobody",
      sslMode: "disable",
      connectTimeout: 20_000,
    });
    client.catch(() => {});
    for (let i = 0; i < 500 && sockets.size === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(sockets.size, 1, "the proxy is connecting upstream");
    assert.equal(proxy.sessions, 1);
    const start = performance.now();
    await proxy.close();
    assert.ok(since(start) < 2000, `closed in ${since(start)} ms`);
    assert.equal(proxy.sessions, 0);
    await assert.rejects(client);
    assert.ok(since(start) < 2000, `the client learnt it in ${since(start)} ms`);
    for (let i = 0; i < 200 && sockets.size > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(sockets.size, 0, "the upstream connection was closed");
    assert.match(lines.join("\n"), /\[F2B\] StartupMessage/);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

// ---------------------------------------------------------------------------------------------
// Against each server.

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `proxy ${server.name}: ${what}`;

  test(
    { name: name("pgline's client through the proxy gets what it gets directly"), ignore },
    async () => {
      await using reference = await direct(server);
      const sql = "select n, n * 1.5 as f, 'row ' || n as s, n % 2 = 0 as even, " +
        "array[n, n + 1] as a, null::text as z from generate_series(1, $1::int) n";
      const expected = await reference.query(sql, [50]);
      const [expectedSimple] = await reference.simpleQuery("select 42 as answer, 'x' as x");
      const expectedBig = await reference.query("select repeat('ab', 200000) as big");

      await withProxies([
        tracedProxy(hostPort(server), { stripChannelBinding: true }),
        tracedProxy(hostPort(server)),
      ], async ([stripping, plain]) => {
        // scram_user: the upstream is on TLS (sslmode=prefer), the server offers
        // SCRAM-SHA-256-PLUS; the proxy removes it, and the client binds nothing.
        {
          await using db = await connect(viaProxy(server, stripping!.proxy, "scram_user"));
          assert.equal(db.tls, undefined, "no TLS to the proxy");
          const result = await db.query(sql, [50]);
          assert.deepEqual(result.rows, expected.rows);
          assert.equal(result.rows.length, 50);
          const [simple] = await db.simpleQuery("select 42 as answer, 'x' as x");
          assert.deepEqual(simple!.rows, expectedSimple!.rows);
          // A row larger than any socket chunk crosses the proxy in pieces.
          assert.deepEqual(
            (await db.query("select repeat('ab', 200000) as big")).rows,
            expectedBig.rows,
          );
          await assert.rejects(
            db.query("select 1 / 0"),
            (err) => err instanceof PostgresError && err.code === "22012",
          );
          assert.deepEqual((await db.query("select 1 as one")).rows, [{ one: 1 }]);
        }
        // md5_user needs nothing removed.
        {
          await using db = await connect(viaProxy(server, plain!.proxy, "md5_user"));
          assert.deepEqual((await db.query(sql, [50])).rows, expected.rows);
        }
        // scram_user without the removal: pgline, like libpq, refuses PLUS offered without TLS.
        await assert.rejects(
          connect(viaProxy(server, plain!.proxy, "scram_user")),
          (err) =>
            err instanceof AuthenticationError &&
            /server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection/
              .test(err.message),
        );

        await drained(stripping!.proxy, plain!.proxy);
        const lines = stripping!.lines;
        assertTextShape(lines);
        assertTextShape(plain!.lines);
        const session = sessionLines(lines, 1);
        assert.ok(
          session.some((l) => l.includes("[F2B]")) && session.some((l) => l.includes("[B2F]")),
        );
        assertInOrder(session, [
          /\[proxy\] -- client 127\.0\.0\.1:\d+ connected/,
          /\[F2B\] StartupMessage protocolVersion=3\.\d parameters=\{user: "scram_user"/,
          /\[proxy\] -- upstream .* connected over TLS/,
          /\[proxy\] -- removed SCRAM-SHA-256-PLUS/,
          /\[B2F\] AuthenticationSASL mechanisms=\["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"\]/,
          /\[F2B\] SASLInitialResponse mechanism="SCRAM-SHA-256" data="n,,/,
          /\[B2F\] AuthenticationOk/,
          /\[B2F\] BackendKeyData processId=\d+ secretKey=<redacted>/,
          /\[B2F\] ReadyForQuery status="I"/,
          /\[F2B\] Parse .*generate_series/,
          /\[F2B\] Bind /,
          /\[F2B\] Execute /,
          /\[F2B\] Sync/,
          /\[B2F\] DataRow \["1", "1\.5", "row 1", "f", "\{1,2\}", null\]/,
          /\[B2F\] DataRow \["50", /,
          /\[B2F\] CommandComplete tag="SELECT 50"/,
          /\[B2F\] ReadyForQuery/,
          /\[F2B\] Query sql="select 42 as answer, 'x' as x"/,
          /\[B2F\] DataRow \["42", "x"\]/,
          /\[B2F\] ReadyForQuery/,
          /\[B2F\] DataRow \["abab.*…/,
          /\[B2F\] ErrorResponse .*22012/,
          /\[F2B\] Terminate/,
          /\[proxy\] -- client closed the connection/,
        ]);
        // Passwords are redacted.
        assert.ok(!lines.join("\n").includes(server.users.scram_user.password!));
        assertInOrder(sessionLines(plain!.lines, 1), [
          /\[F2B\] StartupMessage .*md5_user/,
          /\[B2F\] AuthenticationMD5Password/,
          /\[F2B\] PasswordMessage password=<redacted>/,
          /\[B2F\] AuthenticationOk/,
          /\[B2F\] ReadyForQuery/,
          /\[B2F\] DataRow/,
          /\[B2F\] ReadyForQuery/,
        ]);
      });
    },
  );

  test(
    { name: name("bytes sent right after the StartupMessage are traced and forwarded"), ignore },
    async () => {
      // trust_user logs in without a password, so a client may send its queries with its
      // StartupMessage: the proxy reads them with the startup packet, and must not skip them.
      const user = server.users.trust_user;
      await withProxies([tracedProxy(`${server.host}:${server.port}`)], async ([traced]) => {
        const packet = concatBytes([
          encodeFrontendMessage({
            type: "StartupMessage",
            protocolVersion: 0x30000,
            parameters: { user: user.name, database: server.database },
          }),
          encodeFrontendMessage({ type: "Query", sql: "select 'early' as e" }),
          encodeFrontendMessage({ type: "Terminate" }),
        ]);
        const received = await new Promise<Uint8Array>((resolve, reject) => {
          const chunks: Uint8Array[] = [];
          const socket = net.connect(traced!.proxy.port, "127.0.0.1", () => socket.write(packet));
          socket.on("data", (chunk: Uint8Array) => chunks.push(new Uint8Array(chunk)));
          socket.once("error", reject);
          socket.once("close", () => resolve(concatBytes(chunks)));
          socket.setTimeout(5000, () => {
            socket.destroy();
            reject(new Error("no end of the session"));
          });
        });
        assert.ok(new TextDecoder().decode(received).includes("early"), "the row came back");
        await drained(traced!.proxy);
        assertInOrder(traced!.lines, [
          /\[F2B\] StartupMessage/,
          /\[F2B\] Query sql="select 'early' as e"/,
          /\[F2B\] Terminate/,
        ]);
        assertInOrder(traced!.lines, [
          /\[B2F\] AuthenticationOk/,
          /\[B2F\] DataRow \["early"\]/,
          /\[B2F\] ReadyForQuery/,
        ]);
      });
    },
  );

  test(
    { name: name("the JSON trace: one object a line, dir/type/session/t"), ignore },
    async () => {
      await withProxies(
        [tracedProxy(hostPort(server), { format: "json", stripChannelBinding: true })],
        async ([json]) => {
          await Promise.all([1, 2].map(async (n) => {
            await using db = await connect(viaProxy(server, json!.proxy, "scram_user"));
            assert.deepEqual((await db.query("select $1::int as n", [n])).rows, [{ n }]);
          }));
          await drained(json!.proxy);
          const objects = json!.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
          assert.ok(objects.length > 20);
          const sessions = new Set<unknown>();
          for (const o of objects) {
            assert.ok(["F2B", "B2F", "proxy"].includes(o.dir as string), JSON.stringify(o));
            assert.equal(typeof o.type, "string", JSON.stringify(o));
            assert.equal(typeof o.t, "number");
            assert.ok(o.session === 1 || o.session === 2);
            sessions.add(o.session);
            if (o.dir === "proxy") {
              assert.equal(o.type, "note");
              assert.equal(typeof o.note, "string");
            } else {
              assert.equal((o.message as { type: string }).type, o.type);
            }
          }
          assert.equal(sessions.size, 2);
          for (const session of [1, 2]) {
            const own = objects.filter((o) => o.session === session);
            const types = own.map((o) => `${o.dir} ${o.type}`);
            let at = 0;
            for (
              const want of [
                "F2B StartupMessage",
                "B2F AuthenticationSASL",
                "B2F AuthenticationOk",
                "B2F ReadyForQuery",
                "F2B Parse",
                "B2F DataRow",
                "B2F ReadyForQuery",
                "F2B Terminate",
              ]
            ) {
              const found = types.indexOf(want, at);
              assert.ok(found >= 0, `${want} after ${at} in ${types.join(", ")}`);
              at = found + 1;
            }
            const times = own.map((o) => o.t as number);
            assert.deepEqual(times, [...times].sort((a, b) => a - b), "times only grow");
            const row = own.find((o) => o.type === "DataRow")!;
            assert.equal((row.message as { values: { text: string }[] }).values.length, 1);
            const startup = own.find((o) => o.type === "StartupMessage")!;
            assert.equal(
              (startup.message as { parameters: { user: string } }).parameters.user,
              "scram_user",
            );
          }
        },
      );
    },
  );

  test(
    { name: name("TLS terminated at the proxy; channel binding refused with a FATAL"), ignore },
    async () => {
      const tls = proxyTls();
      const { caCert } = servers!.tls;
      await withProxies([
        // The upstream over TLS, certificate not checked.
        tracedProxy(`host=${server.host} port=${server.port} sslmode=require`, { tls }),
        // The upstream over TLS, checked, with the server's offer of PLUS removed.
        tracedProxy(
          `host=${server.host} port=${server.port} sslmode=verify-full sslrootcert=${caCert}`,
          { tls, stripChannelBinding: true },
        ),
        // The upstream without TLS: the server offers no PLUS, so nothing is to be refused.
        tracedProxy(`host=${server.host} port=${server.port} sslmode=disable`, { tls }),
      ], async ([requireUp, stripping, plainUp]) => {
        const works = async (proxy: Proxy, user: TestUserName, extra: ConnectOptions = {}) => {
          await using db = await connect(
            viaProxy(server, proxy, user, { ...verifyFull(), ...extra }),
          );
          assert.ok(db.tls !== undefined, "TLS to the proxy");
          const { rows } = await db.query<{ who: string }>("select current_user as who");
          assert.deepEqual(rows, [{ who: server.users[user].name }]);
        };
        const refused = async (
          proxy: Proxy,
          extra: ConnectOptions,
          message: RegExp,
        ) => {
          await assert.rejects(
            connect(viaProxy(server, proxy, "scram_user", { ...verifyFull(), ...extra })),
            (err) => {
              assert.ok(err instanceof PostgresError, `a PostgresError: ${err}`);
              assert.equal(err.code, "08P01");
              assert.equal(err.severity, "FATAL");
              assert.match(err.message, /^pgline proxy: /);
              assert.match(err.message, /channel binding/);
              assert.match(err.message, message);
              assert.match(err.hint ?? "", /channel_binding=disable/);
              return true;
            },
          );
        };
        await Promise.all([
          works(requireUp!.proxy, "md5_user"),
          works(requireUp!.proxy, "password_user"),
          // Direct TLS (PostgreSQL 17's sslnegotiation=direct) is terminated too.
          works(requireUp!.proxy, "md5_user", { sslNegotiation: "direct" }),
          works(requireUp!.proxy, "scram_user", { channelBinding: "disable" }),
          // The client picks SCRAM-SHA-256-PLUS: its binding would be to the proxy's certificate.
          refused(requireUp!.proxy, {}, /SCRAM-SHA-256-PLUS\) cannot pass through this proxy/),
          refused(
            requireUp!.proxy,
            { channelBinding: "require" },
            /SCRAM-SHA-256-PLUS\) cannot pass through this proxy/,
          ),
          works(stripping!.proxy, "md5_user"),
          works(stripping!.proxy, "scram_user", { channelBinding: "disable" }),
          // With PLUS removed, a client on TLS says it could have bound (gs2 flag y), which the
          // server refuses as a downgrade: the proxy says why first.
          refused(stripping!.proxy, {}, /removed SCRAM-SHA-256-PLUS .* downgrade/),
          works(plainUp!.proxy, "scram_user"),
        ]);
        // channel_binding=require with PLUS removed: the client itself refuses.
        await assert.rejects(
          connect(
            viaProxy(server, stripping!.proxy, "scram_user", {
              ...verifyFull(),
              channelBinding: "require",
            }),
          ),
          (err) =>
            err instanceof AuthenticationError && /channel binding is required/.test(err.message),
        );

        await drained(requireUp!.proxy, stripping!.proxy, plainUp!.proxy);
        const all = requireUp!.lines.join("\n");
        assertSomeSession(
          requireUp!.lines,
          /\[F2B\] SSLRequest\n.*\[B2F\] -- 'S': TLS terminated at the proxy \(TLSv1\.3\)/,
        );
        assert.match(all, /\[proxy\] -- direct TLS with the client/);
        assert.match(all, /\[proxy\] -- upstream .* connected over TLS/);
        assert.match(all, /\[F2B\] SASLInitialResponse mechanism="SCRAM-SHA-256-PLUS"/);
        assert.match(all, /\[proxy\] -- pgline proxy: channel binding/);
        assert.match(stripping!.lines.join("\n"), /connected over TLS/);
        assert.match(plainUp!.lines.join("\n"), /upstream .* connected without TLS/);
        for (const { lines } of [requireUp!, stripping!, plainUp!]) assertTextShape(lines);
      });
    },
  );

  test(
    { name: name("a CancelRequest goes to the upstream of the session it names"), ignore },
    async () => {
      // The superuser sees every backend's state in pg_stat_activity.
      await using admin = await direct(server, "superuser");
      await withProxies([
        tracedProxy(hostPort(server), { stripChannelBinding: true }),
        tracedProxy(hostPort(server), { tls: proxyTls() }),
      ], async ([plain, tlsProxy]) => {
        const cancelOne = async (db: Client) => {
          const running = db.query("select pg_sleep(10)");
          running.catch(() => {});
          await waitActive(admin, db.processId);
          const start = performance.now();
          await db.connection.cancel();
          await assert.rejects(
            running,
            (err) => err instanceof PostgresError && err.code === "57014",
          );
          assert.ok(since(start) < 5000, `cancelled in ${since(start)} ms`);
          assert.deepEqual((await db.query("select 1 as one")).rows, [{ one: 1 }]);
        };
        // Two sessions on each proxy, so the key picks one of them.
        await using a = await connect(viaProxy(server, plain!.proxy, "scram_user"));
        // Protocol 3.2 where the server has it (PG 18): BackendKeyData carries a 32-byte key.
        await using b = await connect(
          viaProxy(server, plain!.proxy, "scram_user", { maxProtocolVersion: "3.2" }),
        );
        // Over TLS to the proxy, the cancel goes over TLS too (to the proxy, and upstream).
        await using c = await connect(
          viaProxy(server, tlsProxy!.proxy, "md5_user", verifyFull()),
        );
        await Promise.all([cancelOne(b), cancelOne(c)]);
        assert.deepEqual((await a.query("select 2 as two")).rows, [{ two: 2 }]);

        // A key no session of the proxy has is dropped.
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect(plain!.proxy.port, "127.0.0.1", () => {
            const packet = new Uint8Array(16);
            const view = new DataView(packet.buffer);
            view.setInt32(0, 16);
            view.setInt32(4, 80877102);
            view.setInt32(8, 12345);
            view.setInt32(12, 0x0badcafe);
            socket.write(packet);
          });
          socket.on("data", () => reject(new Error("no answer to a CancelRequest")));
          socket.once("error", reject);
          socket.once("close", () => resolve());
          socket.setTimeout(5000, () => {
            socket.destroy();
            reject(new Error("the proxy did not close the cancel connection"));
          });
        });

        await a.close();
        await b.close();
        await c.close();
        await drained(plain!.proxy, tlsProxy!.proxy);
        const plainTrace = plain!.lines.join("\n");
        assert.match(plainTrace, /\[F2B\] CancelRequest processId=\d+ secretKey=<redacted>/);
        assert.match(
          plainTrace,
          new RegExp(`CancelRequest forwarded to backend ${b.processId}\\b`),
        );
        assert.match(plainTrace, /CancelRequest for no session of this proxy: dropped/);
        assert.match(plainTrace, /\[B2F\] ErrorResponse .*57014/);
        const tlsTrace = tlsProxy!.lines.join("\n");
        assertSomeSession(
          tlsProxy!.lines,
          /\[F2B\] SSLRequest\n.*'S': TLS terminated at the proxy.*\n.*\[F2B\] CancelRequest/,
        );
        assert.match(tlsTrace, new RegExp(`CancelRequest forwarded to backend ${c.processId}\\b`));
      });
    },
  );

  test(
    {
      name: name(`psql through the proxy, with and without TLS${missingReason("psql")}`),
      ignore: ignore || psql === undefined,
    },
    async () => {
      const { caCert } = servers!.tls;
      const scram = server.users.scram_user;
      const md5 = server.users.md5_user;
      await withProxies([
        tracedProxy(hostPort(server), { stripChannelBinding: true }),
        tracedProxy(`host=${server.host} port=${server.port} sslmode=require`, {
          tls: proxyTls(),
        }),
      ], async ([plain, tlsProxy]) => {
        const conninfo = (port: number, user: string, rest: string) =>
          `host=127.0.0.1 port=${port} dbname=${server.database} user=${user} ${rest}`;
        const select42 = (info: string, password: string) =>
          run(
            psql!,
            ["-X", "-A", "-t", "-c", "select 42", info],
            libpqEnv({ PGPASSWORD: password }),
          );
        const [disable, require, verified, bound, md5Plain] = await Promise.all([
          select42(conninfo(plain!.proxy.port, scram.name, "sslmode=disable"), scram.password!),
          select42(conninfo(tlsProxy!.proxy.port, md5.name, "sslmode=require"), md5.password!),
          select42(
            conninfo(
              tlsProxy!.proxy.port,
              scram.name,
              `sslmode=verify-full sslrootcert=${caCert} channel_binding=disable`,
            ),
            scram.password!,
          ),
          // libpq picks SCRAM-SHA-256-PLUS over TLS: the proxy's FATAL reaches psql.
          select42(conninfo(tlsProxy!.proxy.port, scram.name, "sslmode=require"), scram.password!),
          // sslmode=prefer (libpq's default) to a proxy that declines TLS.
          select42(conninfo(plain!.proxy.port, md5.name, ""), md5.password!),
        ]);
        for (const result of [disable, require, verified, md5Plain]) {
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stdout.trim(), "42");
        }
        assert.equal(bound.code, 2, bound.stdout);
        assert.match(bound.stderr, /FATAL: {2}pgline proxy: channel binding/);

        await drained(plain!.proxy, tlsProxy!.proxy);
        const plainTrace = plain!.lines.join("\n");
        assertTextShape(plain!.lines);
        assert.match(plainTrace, /StartupMessage .*application_name: "psql"/);
        assertSomeSession(plain!.lines, /\[F2B\] SSLRequest\n.*'N': TLS declined by the proxy/);
        assert.match(plainTrace, /\[F2B\] Query sql="select 42"/);
        assert.match(plainTrace, /\[B2F\] DataRow \["42"\]/);
        const tlsTrace = tlsProxy!.lines.join("\n");
        assert.match(tlsTrace, /'S': TLS terminated at the proxy/);
        assert.match(tlsTrace, /\[B2F\] AuthenticationMD5Password/);
        assert.match(tlsTrace, /\[F2B\] SASLInitialResponse mechanism="SCRAM-SHA-256" data="n,,/);
        assert.match(tlsTrace, /\[proxy\] -- pgline proxy: channel binding/);
        // Each psql session, in order.
        for (const { lines } of [plain!, tlsProxy!]) {
          const sessions = new Set(lines.map((l) => Number(/^#(\d+)/.exec(l)![1])));
          let ok = 0;
          for (const n of sessions) {
            const own = sessionLines(lines, n);
            if (!own.some((l) => l.includes('DataRow ["42"]'))) continue;
            ok++;
            assertInOrder(own, [
              /\[F2B\] StartupMessage/,
              /\[B2F\] AuthenticationOk/,
              /\[B2F\] ReadyForQuery status="I"/,
              /\[F2B\] Query sql="select 42"/,
              /\[B2F\] RowDescription fields=\[\{name: "\?column\?"/,
              /\[B2F\] DataRow \["42"\]/,
              /\[B2F\] CommandComplete tag="SELECT 1"/,
              /\[B2F\] ReadyForQuery status="I"/,
              /\[F2B\] Terminate/,
            ]);
          }
          assert.equal(ok, 2, "two psql sessions answered on each proxy");
        }
      });
    },
  );

  test(
    {
      name: name(
        `pgbench through the proxy: consistent, and as a direct run${missingReason("pgbench")}`,
      ),
      ignore: ignore || pgbench === undefined,
    },
    async () => {
      const su = server.superuser;
      const suffix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
      const viaProxyDb = `pgb_${suffix}_proxy`;
      const directDb = `pgb_${suffix}_direct`;
      await using admin = await direct(server, "superuser");
      // Counted rather than kept: pgbench -i sends 100 000 CopyData messages.
      let lineCount = 0;
      const types = new Map<string, number>();
      const sessions = new Set<string>();
      const kept: string[] = [];
      const proxy = await startProxy({
        upstream: hostPort(server),
        listen: { port: 0 },
        stripChannelBinding: true,
        output: (line) => {
          lineCount++;
          if (kept.length < 100) kept.push(line);
          const m = /^#(\d+) \+[\d.]+ms \[(F2B|B2F)\] (\w+)/.exec(line);
          if (m !== null) {
            sessions.add(m[1]!);
            const key = `${m[2]} ${m[3]}`;
            types.set(key, (types.get(key) ?? 0) + 1);
          }
        },
      });
      try {
        for (const db of [viaProxyDb, directDb]) {
          await admin.query(`create database ${db} template template0`);
        }
        const bench = async (port: number, database: string) => {
          const env = libpqEnv({ PGPASSWORD: su.password!, PGSSLMODE: "disable" });
          const common = ["-h", "127.0.0.1", "-p", String(port), "-U", su.name];
          const init = await run(pgbench!, [...common, "-i", "-q", "-s", "1", database], env);
          assert.equal(init.code, 0, `pgbench -i: ${init.stderr}`);
          assert.match(init.stderr, /done in/);
          const load = await run(
            pgbench!,
            [...common, "-c", "4", "-j", "2", "-t", "50", "-n", database],
            env,
          );
          assert.equal(load.code, 0, `pgbench: ${load.stdout}\n${load.stderr}`);
          assert.match(load.stdout, /number of clients: 4/);
          assert.match(load.stdout, /number of transactions actually processed: 200\/200/);
          const failed = /number of failed transactions: (\d+)/.exec(load.stdout);
          if (failed !== null) assert.equal(failed[1], "0");
        };
        await Promise.all([bench(proxy.port, viaProxyDb), bench(server.port, directDb)]);

        const counts: Record<string, unknown>[] = [];
        for (const database of [viaProxyDb, directDb]) {
          await using db = await direct(server, "superuser", database);
          const [row] = (await db.query<Record<string, number>>(
            `select (select count(*)::int from pgbench_branches) as branches,
                    (select count(*)::int from pgbench_tellers) as tellers,
                    (select count(*)::int from pgbench_accounts) as accounts,
                    (select count(*)::int from pgbench_history) as history,
                    (select sum(abalance)::int from pgbench_accounts) as abalance,
                    (select sum(delta)::int from pgbench_history) as delta,
                    (select sum(tbalance)::int from pgbench_tellers) as tbalance,
                    (select sum(bbalance)::int from pgbench_branches) as bbalance`,
          )).rows;
          assert.ok(row !== undefined);
          assert.equal(row.history, 200, database);
          assert.equal(row.abalance, row.delta, `${database}: accounts against history`);
          assert.equal(row.tbalance, row.delta, `${database}: tellers against history`);
          assert.equal(row.bbalance, row.delta, `${database}: branches against history`);
          const { branches, tellers, accounts, history } = row;
          counts.push({ branches, tellers, accounts, history });
        }
        assert.deepEqual(counts[0], counts[1], "the same row counts as a direct run");
        assert.deepEqual(counts[0], { branches: 1, tellers: 10, accounts: 100_000, history: 200 });

        // The trace saw it all: the COPY of pgbench -i, and the transactions of 4 clients.
        assert.ok(sessions.size >= 5, `sessions: ${[...sessions].join(", ")}`);
        assert.ok((types.get("F2B CopyData") ?? 0) >= 100_000, "every row of the COPY");
        assert.ok((types.get("B2F CopyInResponse") ?? 0) >= 1);
        assert.ok((types.get("F2B CopyDone") ?? 0) >= 1);
        assert.ok((types.get("B2F ErrorResponse") ?? 0) === 0, "no error");
        assert.ok(lineCount > 100_000);
        assertTextShape(kept);
      } finally {
        await proxy.close();
        for (const db of [viaProxyDb, directDb]) {
          await admin.query(`drop database if exists ${db} with (force)`);
        }
      }
    },
  );

  test(
    { name: name("the command: JSON lines on stdout, stops on SIGTERM"), ignore },
    async () => {
      const port = await freePort();
      const [command, args] = proxyCommand([
        "--listen",
        `127.0.0.1:${port}`,
        "--upstream",
        hostPort(server),
        "--json",
        "--strip-channel-binding",
      ]);
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => stdout += s);
      child.stderr.setEncoding("utf8").on("data", (s: string) => stderr += s);
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once("close", (code, signal) => resolve({ code, signal }))
      );
      const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
      try {
        await new Promise<void>((resolve, reject) => {
          const check = () => {
            if (stderr.includes("listening on")) {
              child.stderr.off("data", check);
              resolve();
            }
          };
          child.stderr.on("data", check);
          exited.then(({ code }) => reject(new Error(`the proxy exited (${code}): ${stderr}`)));
          check();
        });
        assert.match(stderr, new RegExp(`listening on 127\\.0\\.0\\.1:${port}, forwarding to `));
        {
          await using db = await connect({
            ...viaProxy(server, { port } as Proxy, "scram_user"),
          });
          assert.deepEqual((await db.query("select 'via the command' as s")).rows, [{
            s: "via the command",
          }]);
        }
        child.kill("SIGTERM");
        const { code, signal } = await exited;
        // Deno's child_process reports a child it sent a signal to as killed by it, even when the
        // child handled it and exited with 0; the proxy's last line says it did.
        if (runtime !== "deno" || signal === null) {
          assert.equal(code, 0, `exit ${code} ${signal}: ${stderr}`);
        }
        assert.match(stderr, /pgline proxy: SIGTERM: closed\n$/);
      } finally {
        clearTimeout(killer);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      }
      const objects = stdout.trim().split("\n").map((line) =>
        JSON.parse(line) as Record<string, unknown>
      );
      const types = objects.map((o) => `${o.dir} ${o.type}`);
      for (
        const want of [
          "F2B StartupMessage",
          "B2F AuthenticationSASL",
          "F2B SASLInitialResponse",
          "B2F AuthenticationOk",
          "F2B Parse",
          "B2F DataRow",
          "B2F ReadyForQuery",
          "proxy note",
        ]
      ) assert.ok(types.includes(want), `${want} in ${types.join(", ")}`);
      const row = objects.find((o) => o.type === "DataRow")!;
      assert.deepEqual(row.message, { type: "DataRow", values: [{ text: "via the command" }] });
      for (const o of objects) {
        assert.equal(o.session, 1);
        assert.equal(typeof o.t, "number");
      }
    },
  );
}
