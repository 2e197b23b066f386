/**
 * Connecting to real servers: every auth method x every sslmode x each server version, with the
 * outcomes libpq gives, plus the cases that must fail, direct TLS, protocol 3.2, multi-host
 * failover and target_session_attrs.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { AuthenticationError, connect, ConnectionError, PostgresError } from "../mod.ts";
import type { Client, ConnectClientOptions, ConnectOptions } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { closedPort } from "./harness/net.ts";
import { TEST_USER_NAMES, type TestUserName } from "../tools/pg_config.ts";

const servers = loadTestServers();
const ignore = servers === undefined;
const tls = servers?.tls;

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
type SslMode = typeof SSL_MODES[number];
const USERS = TEST_USER_NAMES;
type User = TestUserName;
const AUTH: Record<User, string> = {
  trust_user: "none",
  password_user: "password",
  md5_user: "md5",
  scram_user: "scram-sha-256",
  ssl_user: "scram-sha-256",
  cert_user: "none",
};

function options(server: TestServer, user: User, sslMode: SslMode): ConnectOptions {
  const o: ConnectOptions = {
    host: "localhost",
    port: server.port,
    database: server.database,
    user,
    sslMode,
  };
  const password = server.users[user].password;
  if (password !== undefined && password !== null) o.password = password;
  if (sslMode.startsWith("verify")) o.sslRootCert = tls!.caCert;
  if (user === "cert_user") {
    o.sslCert = tls!.clientCert;
    o.sslKey = tls!.clientKey;
  }
  return o;
}

async function whoAmI(db: Client): Promise<{ user: string; ssl: boolean }> {
  const [r] = await db.connection.simpleQuery(
    "select current_user, coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false)",
  );
  const row = r!.rows[0]!;
  return { user: row[0]!, ssl: row[1] === "t" };
}

async function withConnection<T>(
  config: ConnectOptions | string,
  fn: (db: Client) => T | Promise<T>,
  extra?: ConnectClientOptions,
): Promise<T> {
  const db = await connect(config, extra);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function rejects(
  promise: Promise<unknown>,
  check: (err: unknown) => boolean,
  what: string,
): Promise<void> {
  try {
    const db = await promise;
    if (db && typeof (db as Client).close === "function") await (db as Client).close();
  } catch (err) {
    assert.ok(check(err), `${what}: unexpected error ${err}`);
    return;
  }
  assert.fail(`${what}: connected, but it must fail`);
}

for (const server of servers?.servers ?? [{ name: "none" } as TestServer]) {
  for (const user of USERS) {
    for (const sslMode of SSL_MODES) {
      // libpq's outcome: hostssl-only users cannot connect without TLS; allow retries with TLS.
      const sslOnly = user === "ssl_user" || user === "cert_user";
      const mustFail = sslOnly && sslMode === "disable";
      const expectSsl = sslMode !== "disable" && (sslMode !== "allow" || sslOnly);
      test({
        name: `${server.name}: ${user} sslmode=${sslMode} → ${
          mustFail ? "28000" : expectSsl ? "TLS" : "plain"
        }`,
        ignore,
        async fn() {
          const config = options(server, user, sslMode);
          if (mustFail) {
            await rejects(
              connect(config),
              (e) => e instanceof PostgresError && e.code === "28000",
              "no pg_hba entry without encryption",
            );
            return;
          }
          await withConnection(config, async (db) => {
            const me = await whoAmI(db);
            assert.equal(me.user, user);
            assert.equal(me.ssl, expectSsl);
            assert.equal(db.tls !== undefined, expectSsl);
            assert.equal(db.authentication.method, AUTH[user]);
            // SCRAM over TLS binds to the channel (SCRAM-SHA-256-PLUS), as libpq does by default.
            assert.equal(
              db.authentication.channelBound,
              AUTH[user] === "scram-sha-256" && expectSsl,
            );
            assert.equal(db.state, "CONNECTION_OK");
            assert.match(
              db.parameters.get("server_version") ?? "",
              new RegExp(`^${server.major}\\.`),
            );
            assert.equal(db.secretKey.length, 4);
          });
        },
      });
    }
  }

  test({
    name: `${server.name}: wrong password → 28P01 for password, md5 and scram`,
    ignore,
    async fn() {
      for (const user of ["password_user", "md5_user", "scram_user"] as const) {
        for (const sslMode of ["disable", "prefer"] as const) {
          await rejects(
            connect({ ...options(server, user, sslMode), password: "wrong" }),
            (e) => e instanceof PostgresError && e.code === "28P01",
            `${user} ${sslMode}`,
          );
        }
      }
    },
  });

  test({
    name: `${server.name}: a password function is called (sync and async)`,
    ignore,
    async fn() {
      const { password, ...rest } = options(server, "scram_user", "require");
      let calls = 0;
      await withConnection(
        rest,
        async (db) => assert.equal((await whoAmI(db)).user, "scram_user"),
        {
          password: async () => {
            calls++;
            return await Promise.resolve(password as string);
          },
        },
      );
      await withConnection(rest, async (db) => assert.equal((await whoAmI(db)).ssl, true), {
        password: () => password as string,
      });
      assert.equal(calls, 1);
    },
  });

  test({
    name: `${server.name}: verify-full checks the host name; verify-ca does not`,
    ignore,
    async fn() {
      const base = {
        ...options(server, "scram_user", "verify-full"),
        host: "wrong.example",
        hostaddr: "127.0.0.1",
      };
      await rejects(
        connect(base),
        (e) => e instanceof ConnectionError && /SSL|certificate|altnames|Hostname/i.test(e.message),
        "verify-full wrong host",
      );
      await withConnection({ ...base, sslMode: "verify-ca" }, async (db) => {
        assert.equal((await whoAmI(db)).ssl, true);
      });
      // The numeric address is in the certificate's SAN: verify-full passes.
      await withConnection({ ...base, host: "127.0.0.1" }, async (db) => {
        assert.equal((await whoAmI(db)).ssl, true);
      });
    },
  });

  test({
    name: `${server.name}: verify-ca and verify-full refuse a server signed by another CA`,
    ignore,
    async fn() {
      for (const sslMode of ["verify-ca", "verify-full"] as const) {
        await rejects(
          connect({ ...options(server, "scram_user", sslMode), sslRootCert: tls!.otherCaCert }),
          (e) => e instanceof ConnectionError && /SSL handshake/.test(e.message),
          sslMode,
        );
      }
    },
  });

  test({
    name: `${server.name}: verify modes without a root certificate fail before connecting`,
    ignore,
    async fn() {
      const { sslRootCert: _, ...rest } = options(server, "scram_user", "verify-full");
      await rejects(
        connect(rest),
        (e) => e instanceof ConnectionError && /root certificate/i.test(e.message),
        "no root",
      );
    },
  });

  test({
    name: `${server.name}: channel_binding=require`,
    ignore,
    async fn() {
      // Over plaintext: refused by the client.
      await rejects(
        connect({ ...options(server, "scram_user", "disable"), channelBinding: "require" }),
        (e) => e instanceof AuthenticationError,
        "plaintext",
      );
      // With a method that cannot bind: refused by the client.
      await rejects(
        connect({ ...options(server, "md5_user", "require"), channelBinding: "require" }),
        (e) => e instanceof AuthenticationError,
        "md5",
      );
      await rejects(
        connect({ ...options(server, "trust_user", "require"), channelBinding: "require" }),
        (e) => e instanceof AuthenticationError,
        "trust",
      );
      // Over TLS with SCRAM: bound.
      await withConnection({
        ...options(server, "scram_user", "require"),
        channelBinding: "require",
      }, (db) => {
        assert.equal(db.authentication.channelBound, true);
      });
      // disable: plain SCRAM over TLS.
      await withConnection({
        ...options(server, "scram_user", "require"),
        channelBinding: "disable",
      }, (db) => {
        assert.equal(db.authentication.channelBound, false);
      });
    },
  });

  test({
    name: `${server.name}: require_auth`,
    ignore,
    async fn() {
      await rejects(
        connect({ ...options(server, "password_user", "require"), requireAuth: "scram-sha-256" }),
        (e) => e instanceof AuthenticationError && /requirement/.test(e.message),
        "password vs scram",
      );
      await rejects(
        connect({ ...options(server, "password_user", "require"), requireAuth: "!password" }),
        (e) => e instanceof AuthenticationError,
        "!password",
      );
      await rejects(
        connect({ ...options(server, "trust_user", "require"), requireAuth: "md5" }),
        (e) =>
          e instanceof AuthenticationError && /did not complete authentication/.test(e.message),
        "trust vs md5",
      );
      await withConnection({
        ...options(server, "md5_user", "require"),
        requireAuth: "md5,scram-sha-256",
      }, (db) => {
        assert.equal(db.authentication.method, "md5");
      });
      await withConnection(
        { ...options(server, "trust_user", "disable"), requireAuth: "none" },
        (db) => {
          assert.equal(db.authentication.method, "none");
        },
      );
    },
  });

  test({
    name: `${server.name}: Unix socket, URL and keyword/value forms`,
    ignore,
    async fn() {
      const scram = server.users.scram_user.password!;
      await withConnection({
        host: server.socketDir,
        port: server.port,
        database: server.database,
        user: "trust_user",
      }, async (db) => {
        assert.equal(db.host.type, "unix");
        assert.equal((await whoAmI(db)).ssl, false);
      });
      const url = `postgres://scram_user:${
        encodeURIComponent(scram)
      }@127.0.0.1:${server.port}/${server.database}?sslmode=require&application_name=url%20test`;
      await withConnection(url, async (db) => {
        const [r] = await db.connection.simpleQuery("select current_setting('application_name')");
        assert.equal(r!.rows[0]![0], "url test");
      });
      const kv =
        `host=127.0.0.1 port=${server.port} dbname=${server.database} user=scram_user password='${scram}' sslmode=disable`;
      await withConnection(kv, async (db) => assert.equal((await whoAmI(db)).ssl, false));
    },
  });

  test({
    name: `${server.name}: multi-host failover with the first host down`,
    ignore,
    async fn() {
      const dead = await closedPort();
      const url =
        `postgres://trust_user@127.0.0.1:${dead},127.0.0.1:${server.port}/${server.database}?sslmode=disable&connect_timeout=5`;
      await withConnection(url, (db) => assert.equal(db.host.port, server.port));
      await rejects(
        connect(`postgres://trust_user@127.0.0.1:${dead}/x?sslmode=disable`),
        (e) => e instanceof ConnectionError && e.retrySafe,
        "single dead host",
      );
    },
  });

  test({
    name: `${server.name}: direct TLS (sslnegotiation=direct) ${
      server.major >= 17 ? "works" : "is refused by PG < 17"
    }`,
    ignore,
    async fn() {
      const config = {
        ...options(server, "scram_user", "verify-full"),
        sslNegotiation: "direct" as const,
      };
      if (server.major >= 17) {
        await withConnection(config, async (db) => {
          assert.equal(db.tls?.alpnProtocol, "postgresql");
          assert.equal((await whoAmI(db)).ssl, true);
          assert.equal(db.authentication.channelBound, true);
        });
      } else {
        await rejects(
          connect({ ...config, connectTimeout: 5 }),
          (e) => e instanceof ConnectionError,
          "direct on old server",
        );
      }
    },
  });

  test({
    name: `${server.name}: protocol 3.2 ${
      server.major >= 18 ? "with a long cancel key" : "is negotiated down to 3.0"
    }`,
    ignore,
    async fn() {
      const config = {
        ...options(server, "scram_user", "require"),
        maxProtocolVersion: "3.2" as const,
      };
      await withConnection(config, (db) => {
        if (server.major >= 18) {
          assert.equal(db.protocolVersion, "3.2");
          assert.ok(db.secretKey.length > 4, `key of ${db.secretKey.length} bytes`);
        } else {
          assert.equal(db.protocolVersion, "3.0");
          assert.equal(db.secretKey.length, 4);
        }
      });
      if (server.major < 18) {
        await rejects(
          connect({ ...config, minProtocolVersion: "3.2" }),
          (e) => e instanceof ConnectionError && /min_protocol_version/.test(e.message),
          "min 3.2 on old server",
        );
      }
    },
  });

  if (server.standby) {
    test({
      name: `${server.name}: target_session_attrs against a primary and a streaming standby`,
      ignore,
      async fn() {
        const sb = server.standby!;
        const hosts = `127.0.0.1:${sb.port},127.0.0.1:${server.port}`;
        const url = (attrs: string) =>
          `postgres://trust_user@${hosts}/${server.database}?sslmode=disable&target_session_attrs=${attrs}`;
        const portFor = async (attrs: string) =>
          await withConnection(url(attrs), (db) => db.host.port);
        assert.equal(await portFor("any"), sb.port);
        assert.equal(await portFor("read-write"), server.port);
        assert.equal(await portFor("primary"), server.port);
        assert.equal(await portFor("read-only"), sb.port);
        assert.equal(await portFor("standby"), sb.port);
        assert.equal(await portFor("prefer-standby"), sb.port);
        // prefer-standby falls back to the primary when no standby is up.
        const onlyPrimary =
          `postgres://trust_user@127.0.0.1:${server.port}/${server.database}?sslmode=disable&target_session_attrs=prefer-standby`;
        assert.equal(await withConnection(onlyPrimary, (db) => db.host.port), server.port);
        await rejects(
          connect(
            `postgres://trust_user@127.0.0.1:${server.port}/${server.database}?sslmode=disable&target_session_attrs=standby`,
          ),
          (e) => e instanceof ConnectionError && /not in hot standby/.test(e.message),
          "standby wanted, primary only",
        );
      },
    });
  }
}
