/**
 * Smoke test of the harness: connects to every server with every role through `psql` (libpq), and
 * records what libpq gets for each combination of role, address and `sslmode`.
 *
 * Runs only under `tests/harness/run.ts` and when `psql` is installed; skipped otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  loadTestServers,
  type TestEndpoint,
  type TestServer,
  type TestServers,
} from "./servers.ts";

const SSL_QUERY = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()";

interface Case {
  /** Role to connect as (a test role or the superuser). */
  user: string;
  /** Which address. */
  via: "ipv4" | "ipv6" | "localhost" | "socket";
  /** libpq `sslmode`. */
  sslmode: "disable" | "prefer" | "require" | "verify-ca" | "verify-full";
  /** `sslrootcert` to use. */
  rootCert?: "ca" | "other";
  /** Send the client certificate of `cert_user`. */
  clientCert?: boolean;
  /** Password to send; default the right one. */
  password?: "right" | "wrong" | "none";
  /** Extra conninfo keywords. */
  extra?: string;
  /** `ssl` column libpq should see, or the error it should get. */
  expect: boolean | RegExp;
}

const REJECTED = /pg_hba\.conf rejects connection|no pg_hba\.conf entry/;
const BAD_PASSWORD = /password authentication failed/;

/** What libpq gets, row by row; the ssl column is `pg_stat_ssl.ssl`. */
const CASES: Case[] = [
  { user: "trust_user", via: "ipv4", sslmode: "disable", password: "none", expect: false },
  { user: "trust_user", via: "socket", sslmode: "disable", password: "none", expect: false },
  { user: "trust_user", via: "ipv4", sslmode: "require", password: "none", expect: true },
  { user: "password_user", via: "ipv4", sslmode: "disable", expect: false },
  {
    user: "password_user",
    via: "ipv4",
    sslmode: "disable",
    password: "wrong",
    expect: BAD_PASSWORD,
  },
  { user: "password_user", via: "socket", sslmode: "disable", expect: false },
  { user: "md5_user", via: "ipv4", sslmode: "disable", expect: false },
  { user: "md5_user", via: "ipv4", sslmode: "require", expect: true },
  { user: "md5_user", via: "ipv4", sslmode: "disable", password: "wrong", expect: BAD_PASSWORD },
  { user: "scram_user", via: "ipv4", sslmode: "disable", expect: false },
  { user: "scram_user", via: "ipv4", sslmode: "prefer", expect: true },
  { user: "scram_user", via: "ipv6", sslmode: "verify-full", rootCert: "ca", expect: true },
  { user: "scram_user", via: "socket", sslmode: "disable", expect: false },
  { user: "scram_user", via: "ipv4", sslmode: "disable", password: "wrong", expect: BAD_PASSWORD },
  {
    user: "scram_user",
    via: "ipv4",
    sslmode: "require",
    extra: "channel_binding=require",
    expect: true,
  },
  {
    user: "scram_user",
    via: "ipv4",
    sslmode: "disable",
    extra: "channel_binding=require",
    expect: /channel binding (is )?required/,
  },
  { user: "ssl_user", via: "ipv4", sslmode: "disable", expect: REJECTED },
  { user: "ssl_user", via: "socket", sslmode: "disable", expect: REJECTED },
  { user: "ssl_user", via: "ipv4", sslmode: "verify-full", rootCert: "ca", expect: true },
  { user: "ssl_user", via: "localhost", sslmode: "verify-full", rootCert: "ca", expect: true },
  {
    user: "ssl_user",
    via: "ipv4",
    sslmode: "verify-ca",
    rootCert: "other",
    expect: /certificate verify failed/,
  },
  {
    user: "cert_user",
    via: "ipv4",
    sslmode: "verify-full",
    rootCert: "ca",
    clientCert: true,
    expect: true,
  },
  {
    user: "cert_user",
    via: "ipv4",
    sslmode: "require",
    password: "none",
    expect: /requires a valid client certificate|certificate required/,
  },
  { user: "cert_user", via: "ipv4", sslmode: "disable", clientCert: true, expect: REJECTED },
  { user: "postgres", via: "ipv4", sslmode: "verify-full", rootCert: "ca", expect: true },
  { user: "postgres", via: "socket", sslmode: "disable", expect: false },
];

function findPsql(): string | undefined {
  const candidates = [
    ...(Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "").map((dir) =>
      `${dir}/psql`
    ),
    "/usr/lib/postgresql/18/bin/psql",
    "/usr/lib/postgresql/17/bin/psql",
    "/usr/lib/postgresql/16/bin/psql",
    "/usr/lib/postgresql/15/bin/psql",
  ];
  for (const path of candidates) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

interface PsqlResult {
  ok: boolean;
  output: string;
}

async function psql(
  bin: string,
  conninfo: Record<string, string>,
  password: string | undefined,
  sql: string,
): Promise<PsqlResult> {
  const quote = (value: string): string =>
    `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  const dsn = Object.entries(conninfo).map(([key, value]) => `${key}=${quote(value)}`).join(" ");
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: "/nonexistent",
    LC_ALL: "C",
    PGCONNECT_TIMEOUT: "10",
  };
  if (password !== undefined) env.PGPASSWORD = password;
  const out = await new Deno.Command(bin, {
    args: ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", sql],
    clearEnv: true,
    env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  const output = `${decoder.decode(out.stdout)}${decoder.decode(out.stderr)}`.trim();
  return { ok: out.success, output };
}

function hostOf(endpoint: TestEndpoint, via: Case["via"]): string | undefined {
  switch (via) {
    case "ipv4":
      return endpoint.host;
    case "ipv6":
      return endpoint.ipv6Host ?? undefined;
    case "localhost":
      return "localhost";
    case "socket":
      return endpoint.socketDir;
  }
}

function caseName(c: Case): string {
  const parts = [c.user, c.via, `sslmode=${c.sslmode}`];
  if (c.rootCert !== undefined) parts.push(`sslrootcert=${c.rootCert}`);
  if (c.clientCert === true) parts.push("client cert");
  if (c.password === "wrong") parts.push("wrong password");
  if (c.extra !== undefined) parts.push(c.extra);
  const expected = typeof c.expect === "boolean" ? `ssl=${c.expect ? "t" : "f"}` : "error";
  return `${parts.join(", ")} -> ${expected}`;
}

async function runCase(bin: string, all: TestServers, server: TestServer, c: Case): Promise<void> {
  const host = hostOf(server, c.via);
  if (host === undefined) return; // No IPv6 loopback on this machine.
  const role = c.user === "postgres"
    ? server.superuser
    : Object.values(server.users).find((user) => user.name === c.user);
  assert.ok(role !== undefined, `unknown role ${c.user}`);
  const conninfo: Record<string, string> = {
    host,
    port: String(server.port),
    user: role.name,
    dbname: server.database,
    sslmode: c.sslmode,
    gssencmode: "disable",
  };
  if (c.rootCert !== undefined) {
    conninfo.sslrootcert = c.rootCert === "ca" ? all.tls.caCert : all.tls.otherCaCert;
  }
  if (c.clientCert === true) {
    conninfo.sslcert = all.tls.clientCert;
    conninfo.sslkey = all.tls.clientKey;
  }
  for (const pair of c.extra?.split(" ") ?? []) {
    const [key, value] = pair.split("=");
    if (key !== undefined && value !== undefined) conninfo[key] = value;
  }
  const password = c.password === "none"
    ? undefined
    : c.password === "wrong"
    ? "wrong-password"
    : role.password ?? undefined;
  const result = await psql(bin, conninfo, password, SSL_QUERY);
  if (typeof c.expect === "boolean") {
    assert.ok(result.ok, `expected success, got: ${result.output}`);
    assert.equal(result.output, `${role.name}|${c.expect ? "t" : "f"}`);
  } else {
    assert.ok(!result.ok, `expected an error, got: ${result.output}`);
    assert.match(result.output, c.expect);
  }
}

const servers = loadTestServers();
const psqlBin = findPsql();

if (servers === undefined) {
  Deno.test({
    name: "harness smoke test skipped: PGLINE_TEST_SERVERS is not set (use tests/harness/run.ts)",
    ignore: true,
    fn(): void {},
  });
} else if (psqlBin === undefined) {
  Deno.test({
    name: "harness smoke test skipped: psql is not installed",
    ignore: true,
    fn(): void {},
  });
} else {
  for (const server of servers.servers) {
    Deno.test(`${server.name} (${server.version}) auth and TLS matrix via psql`, async (t) => {
      for (const c of CASES) {
        await t.step(caseName(c), () => runCase(psqlBin, servers, server, c));
      }
    });

    const ask = (endpoint: TestEndpoint, sql: string): Promise<PsqlResult> =>
      psql(
        psqlBin,
        {
          host: endpoint.host,
          port: String(endpoint.port),
          user: server.superuser.name,
          dbname: server.database,
          sslmode: "disable",
          gssencmode: "disable",
        },
        server.superuser.password ?? undefined,
        sql,
      );

    Deno.test(`${server.name} (${server.version}) primary and standby recovery state`, async () => {
      assert.deepEqual(await ask(server, "select pg_is_in_recovery()"), { ok: true, output: "f" });
      if (server.major >= 18) assert.ok(server.standby !== null, "PostgreSQL 18 has no standby");
      if (server.standby !== null) {
        assert.deepEqual(await ask(server.standby, "select pg_is_in_recovery()"), {
          ok: true,
          output: "t",
        });
        assert.deepEqual(
          await ask(server, "select application_name, state from pg_stat_replication"),
          { ok: true, output: "pgline_standby|streaming" },
        );
      }
    });

    Deno.test(`${server.name} (${server.version}) stored password formats`, async () => {
      const result = await ask(
        server,
        "select rolname, split_part(rolpassword, '$', 1) from pg_authid " +
          "where rolname like '%\\_user' order by rolname",
      );
      assert.ok(result.ok, result.output);
      assert.equal(
        result.output.replace(/md5[0-9a-f]{32}/, "md5"),
        [
          "cert_user|",
          "md5_user|md5",
          "password_user|SCRAM-SHA-256",
          "scram_user|SCRAM-SHA-256",
          "ssl_user|SCRAM-SHA-256",
          "trust_user|SCRAM-SHA-256",
        ].join("\n"),
      );
    });
  }
}
