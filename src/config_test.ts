import { test } from "../tests/harness/test.ts";
import { assert, assertEquals, assertRejects } from "./config/testdata/assert.ts";
import { host, resolve, SECRET } from "./config/testdata/resolve_helpers.ts";
import { DEFAULT_SOCKET_DIR, resolveConfig, staticConfigHost } from "./config.ts";

test("defaults: libpq's defaults with no configuration at all", async () => {
  const c = await resolve();
  assertEquals(c.hosts, [{ host: "localhost", port: 5432, type: "tcp" }]);
  assertEquals(c.user, "osuser");
  assertEquals(c.database, "osuser");
  assertEquals(c.password, undefined);
  assertEquals(c.passfile, "/home/osuser/.pgpass");
  assertEquals(c.sslMode, "prefer");
  assertEquals(c.sslNegotiation, "postgres");
  assertEquals(c.sslCertMode, "allow");
  assertEquals(c.sslSni, true);
  assertEquals(c.sslMinProtocolVersion, "TLSv1.2");
  assertEquals(c.channelBinding, "prefer");
  assertEquals(c.gssEncMode, "prefer");
  assertEquals(c.targetSessionAttrs, "any");
  assertEquals(c.loadBalanceHosts, "disable");
  assertEquals(c.connectTimeout, undefined);
  assertEquals(c.keepalives, true);
  assertEquals(c.replication, false);
  assertEquals([c.minProtocolVersion, c.maxProtocolVersion], ["3.0", "3.0"]);
  assertEquals(c.krbSrvName, "postgres");
  assertEquals(c.startupParams, {});
});

test("defaults: Unix socket in the default directory when the host supports sockets", async () => {
  const c = await resolve(undefined, undefined, host({}, {}, true));
  assertEquals(c.hosts, [{
    host: DEFAULT_SOCKET_DIR,
    port: 5432,
    type: "unix",
    socketPath: `${DEFAULT_SOCKET_DIR}/.s.PGSQL.5432`,
  }]);
  const debian = staticConfigHost({ USER: "u" }, {}, {
    unixSockets: true,
    defaultSocketDir: "/var/run/postgresql",
  });
  const d = await resolveConfig("port=5433", undefined, debian);
  assertEquals(d.hosts[0]?.socketPath, "/var/run/postgresql/.s.PGSQL.5433");
});

test("defaults: no user name anywhere is a TypeError", async () => {
  await assertRejects(resolveConfig("", undefined, staticConfigHost({})), TypeError, "user name");
});

test("hosts: socket directories, abstract sockets and TCP hosts mix", async () => {
  const c = await resolve("host=/var/run/postgresql,@abstract,db port=5433");
  assertEquals(c.hosts, [
    {
      host: "/var/run/postgresql",
      port: 5433,
      type: "unix",
      socketPath: "/var/run/postgresql/.s.PGSQL.5433",
    },
    { host: "@abstract", port: 5433, type: "unix", socketPath: "@abstract/.s.PGSQL.5433" },
    { host: "db", port: 5433, type: "tcp" },
  ]);
});

test("hosts: URI with IPv6, several hosts and per-host ports", async () => {
  const c = await resolve("postgresql://a:1,[::1]:2,b/db");
  assertEquals(c.hosts, [
    { host: "a", port: 1, type: "tcp" },
    { host: "::1", port: 2, type: "tcp" },
    { host: "b", port: 5432, type: "tcp" },
  ]);
});

test("hosts: a multi-host URI without ports still sets port, masking PGPORT (libpq)", async () => {
  const c = await resolve("postgres://a,b/db", undefined, host({ PGPORT: "6000" }));
  assertEquals(c.hosts.map((h) => h.port), [5432, 5432]);
  const single = await resolve("postgres://a/db", undefined, host({ PGPORT: "6000" }));
  assertEquals(single.hosts[0]?.port, 6000);
});

test("hosts: one port applies to every host", async () => {
  const c = await resolve("host=a,b,c port=6000");
  assertEquals(c.hosts.map((h) => h.port), [6000, 6000, 6000]);
});

test("hosts: a port count that matches neither 1 nor the host count is an error", async () => {
  await assertRejects(resolve("host=a,b,c port=1,2"), RangeError, "2 port numbers to 3 hosts");
  await assertRejects(resolve("host=a port=1,2"), RangeError, "2 port numbers to 1 hosts");
});

test("hosts: empty list elements take the default host and port", async () => {
  const c = await resolve("host=a,,b port=1,,3");
  assertEquals(c.hosts.map((h) => [h.host, h.port]), [["a", 1], ["localhost", 5432], ["b", 3]]);
});

test("hosts: invalid ports name the keyword and source", async () => {
  await assertRejects(resolve("port=0"), RangeError, '"port"');
  await assertRejects(resolve("port=65536"), RangeError, "65536");
  await assertRejects(resolve("port=54x"), RangeError, "54x");
  await assertRejects(resolve(undefined, undefined, host({ PGPORT: "x" })), RangeError, "PGPORT");
});

test("hosts: hostaddr pairs with host names and makes the entry TCP", async () => {
  const c = await resolve("host=db.example,/tmp hostaddr=10.0.0.1,::1");
  assertEquals(c.hosts, [
    { host: "db.example", hostaddr: "10.0.0.1", port: 5432, type: "tcp" },
    { host: "/tmp", hostaddr: "::1", port: 5432, type: "tcp" },
  ]);
  const only = await resolve("hostaddr=127.0.0.1");
  assertEquals(only.hosts, [{ host: "127.0.0.1", hostaddr: "127.0.0.1", port: 5432, type: "tcp" }]);
});

test("hosts: hostaddr count mismatch and non-numeric hostaddr are errors", async () => {
  await assertRejects(resolve("host=a,b hostaddr=10.0.0.1"), RangeError, "2 host names to 1");
  await assertRejects(resolve("hostaddr=db.example"), RangeError, '"hostaddr"');
  await assertRejects(resolve("hostaddr=300.1.1.1"), RangeError, "300.1.1.1");
});

test("precedence: options > config > environment > defaults", async () => {
  const h = host({ PGHOST: "envhost", PGPORT: "1111", PGDATABASE: "envdb", PGUSER: "envuser" });
  const c = await resolve("host=confhost port=2222", { port: 3333 }, h);
  assertEquals(c.hosts, [{ host: "confhost", port: 3333, type: "tcp" }]);
  assertEquals([c.database, c.user], ["envdb", "envuser"]);
});

test("precedence: an explicit empty value still masks the environment (libpq)", async () => {
  const c = await resolve("host=''", undefined, host({ PGHOST: "envhost" }));
  assertEquals(c.hosts[0]?.host, "localhost");
});

test("precedence: service file beats environment, connection string beats service", async () => {
  const h = host({ PGSERVICE: "svc", PGHOST: "envhost", PGPORT: "1111", PGUSER: "envuser" }, {
    "/home/osuser/.pg_service.conf": "[svc]\nhost=svchost\nport=2222\ndbname=svcdb\n",
  });
  const c = await resolve("port=3333", undefined, h);
  assertEquals(c.hosts, [{ host: "svchost", port: 3333, type: "tcp" }]);
  assertEquals([c.database, c.user, c.service], ["svcdb", "envuser", "svc"]);
});

test("service: service= in the connection string overrides PGSERVICE", async () => {
  const h = host({ PGSERVICE: "a" }, {
    "/home/osuser/.pg_service.conf": "[a]\nport=1\n[b]\nport=2\n",
  });
  assertEquals((await resolve("service=b", undefined, h)).hosts[0]?.port, 2);
  assertEquals((await resolve({ service: "a" }, undefined, h)).hosts[0]?.port, 1);
});

test("service: errors from service values name the file", async () => {
  const h = host({}, { "/svc.conf": "[s]\nsslmode=sometimes\n" });
  await assertRejects(
    resolve("service=s servicefile=/svc.conf", undefined, h),
    RangeError,
    "/svc.conf",
  );
  await assertRejects(resolve("service=nope", undefined, h), RangeError, '"nope" not found');
});

test("environment: every documented PG* variable maps to its keyword", async () => {
  const c = await resolve(
    undefined,
    undefined,
    host({
      PGHOST: "h",
      PGHOSTADDR: "10.1.2.3",
      PGPORT: "7000",
      PGDATABASE: "d",
      PGUSER: "u",
      PGPASSWORD: SECRET,
      PGPASSFILE: "/pf",
      PGOPTIONS: "-c geqo=off",
      PGAPPNAME: "app",
      PGSSLMODE: "verify-ca",
      PGSSLNEGOTIATION: "direct",
      PGSSLCERT: "/c",
      PGSSLKEY: "/k",
      PGSSLROOTCERT: "/r",
      PGSSLCRL: "/crl",
      PGSSLCRLDIR: "/crldir",
      PGSSLSNI: "0",
      PGSSLCERTMODE: "require",
      PGREQUIREAUTH: "scram-sha-256",
      PGCHANNELBINDING: "require",
      PGSSLMINPROTOCOLVERSION: "tlsv1.3",
      PGSSLMAXPROTOCOLVERSION: "TLSv1.3",
      PGMINPROTOCOLVERSION: "3.2",
      PGGSSENCMODE: "disable",
      PGKRBSRVNAME: "krb",
      PGGSSLIB: "gssapi",
      PGCONNECT_TIMEOUT: "7",
      PGCLIENTENCODING: "LATIN1",
      PGTARGETSESSIONATTRS: "standby",
      PGLOADBALANCEHOSTS: "random",
      PGTZ: "UTC",
      PGDATESTYLE: "ISO, MDY",
      PGGEQO: "default",
    }),
  );
  assertEquals(c.hosts, [{ host: "h", hostaddr: "10.1.2.3", port: 7000, type: "tcp" }]);
  assertEquals([c.database, c.user, c.password, c.passfile], ["d", "u", SECRET, "/pf"]);
  assertEquals([c.options, c.applicationName], ["-c geqo=off", "app"]);
  assertEquals([c.sslMode, c.sslNegotiation, c.sslCertMode, c.sslSni], [
    "verify-ca",
    "direct",
    "require",
    false,
  ]);
  assertEquals([c.sslCert, c.sslKey, c.sslRootCert, c.sslCrl, c.sslCrlDir], [
    "/c",
    "/k",
    "/r",
    "/crl",
    "/crldir",
  ]);
  assertEquals([...c.requireAuth!.allowed], ["scram-sha-256"]);
  assertEquals(c.channelBinding, "require");
  assertEquals([c.sslMinProtocolVersion, c.sslMaxProtocolVersion], ["TLSv1.3", "TLSv1.3"]);
  assertEquals([c.minProtocolVersion, c.maxProtocolVersion], ["3.2", "3.2"]);
  assertEquals([c.gssEncMode, c.krbSrvName, c.gssLib], ["disable", "krb", "gssapi"]);
  assertEquals([c.connectTimeout, c.clientEncoding], [7000, "LATIN1"]);
  assertEquals([c.targetSessionAttrs, c.loadBalanceHosts], ["standby", "random"]);
  assertEquals(c.startupParams, { timezone: "UTC", datestyle: "ISO, MDY" });
});

test("environment: invalid values name the variable", async () => {
  await assertRejects(
    resolve(undefined, undefined, host({ PGSSLMODE: "on" })),
    RangeError,
    "PGSSLMODE",
  );
});

test("sslmode: PGREQUIRESSL=1 means require when sslmode is unset", async () => {
  assertEquals(
    (await resolve(undefined, undefined, host({ PGREQUIRESSL: "1" }))).sslMode,
    "require",
  );
  assertEquals(
    (await resolve(undefined, undefined, host({ PGREQUIRESSL: "0" }))).sslMode,
    "prefer",
  );
  const both = host({ PGREQUIRESSL: "1", PGSSLMODE: "allow" });
  assertEquals((await resolve(undefined, undefined, both)).sslMode, "allow");
});

test("sslrootcert=system: sslmode defaults to verify-full", async () => {
  assertEquals((await resolve("sslrootcert=system")).sslMode, "verify-full");
  assertEquals((await resolve("sslrootcert=system sslmode=verify-full")).sslMode, "verify-full");
});

test("sslrootcert=system: any weaker explicit sslmode is an error", async () => {
  for (const mode of ["disable", "allow", "prefer", "require", "verify-ca"]) {
    await assertRejects(resolve(`sslrootcert=system sslmode=${mode}`), RangeError, `"${mode}"`);
  }
  const env = host({ PGSSLMODE: "require" });
  await assertRejects(
    resolve({ sslRootCert: "system" }, undefined, env),
    RangeError,
    "verify-full",
  );
  await assertRejects(
    resolve("sslrootcert=system", undefined, host({ PGREQUIRESSL: "1" })),
    RangeError,
    "system",
  );
  assertEquals((await resolve("sslrootcert=./system sslmode=require")).sslRootCert, "./system");
});

test("sslnegotiation=direct requires require, verify-ca or verify-full", async () => {
  for (const mode of ["require", "verify-ca", "verify-full"]) {
    assertEquals((await resolve(`sslnegotiation=direct sslmode=${mode}`)).sslNegotiation, "direct");
  }
  for (const mode of ["disable", "allow", "prefer"]) {
    await assertRejects(resolve(`sslnegotiation=direct sslmode=${mode}`), RangeError, "direct");
  }
  await assertRejects(resolve("sslnegotiation=direct"), RangeError, '"prefer"');
  await assertRejects(resolve("sslnegotiation=requiredirect"), RangeError, "sslnegotiation");
});

test("connect_timeout: seconds in strings, < 2 raised to 2, <= 0 waits forever", async () => {
  assertEquals((await resolve("connect_timeout=10")).connectTimeout, 10_000);
  assertEquals((await resolve("connect_timeout=1")).connectTimeout, 2_000);
  assertEquals((await resolve("connect_timeout=0")).connectTimeout, undefined);
  assertEquals((await resolve("connect_timeout=-5")).connectTimeout, undefined);
  assertEquals((await resolve("connect_timeout=' 3 '")).connectTimeout, 3_000);
  await assertRejects(resolve("connect_timeout=1.5"), RangeError, "connect_timeout");
  await assertRejects(resolve("connect_timeout=''"), RangeError, "connect_timeout");
});

test("connect_timeout: milliseconds in option objects, overriding the string", async () => {
  assertEquals(
    (await resolve("connect_timeout=10", { connectTimeout: 1500 })).connectTimeout,
    1500,
  );
  assertEquals((await resolve({ connectTimeout: 0 })).connectTimeout, undefined);
  await assertRejects(resolve({ connectTimeout: -1 }), RangeError, "connectTimeout");
  await assertRejects(resolve({ connectTimeout: Infinity }), RangeError, "connectTimeout");
});

test("require_auth: parsed, with the source in errors", async () => {
  const c = await resolve("require_auth=!password,!md5");
  assert(c.requireAuth!.negated);
  assert(!c.requireAuth!.allowed.has("md5"));
  assertEquals([
    ...(await resolve({ requireAuth: ["scram-sha-256", "none"] })).requireAuth!.allowed,
  ], [
    "scram-sha-256",
    "none",
  ]);
  await assertRejects(resolve("require_auth=md5,!password"), RangeError, "mixed");
});

test("protocol versions: latest, defaults and range", async () => {
  assertEquals((await resolve("max_protocol_version=latest")).maxProtocolVersion, "3.2");
  assertEquals((await resolve("min_protocol_version=latest")).maxProtocolVersion, "3.2");
  await assertRejects(resolve("max_protocol_version=3.1"), RangeError, "3.1");
  await assertRejects(
    resolve("min_protocol_version=3.2 max_protocol_version=3.0"),
    RangeError,
    "greater",
  );
  await assertRejects(
    resolve("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"),
    RangeError,
    "range",
  );
  assertEquals((await resolve("ssl_min_protocol_version=''")).sslMinProtocolVersion, undefined);
});

test("keepalives and timeouts: integers, negatives clamp to zero", async () => {
  const c = await resolve(
    "keepalives=0 keepalives_idle=30 keepalives_interval=-1 keepalives_count=5 tcp_user_timeout=9000",
  );
  assertEquals(
    [c.keepalives, c.keepalivesIdle, c.keepalivesInterval, c.keepalivesCount, c.tcpUserTimeout],
    [false, 30, 0, 5, 9000],
  );
  await assertRejects(resolve("keepalives=yes"), RangeError, "keepalives");
});

test("replication, client_encoding=auto, application name fallback", async () => {
  assertEquals((await resolve("replication=database")).replication, "database");
  assertEquals((await resolve("replication=on")).replication, true);
  assertEquals((await resolve({ replication: false })).replication, false);
  await assertRejects(resolve("replication=maybe"), RangeError, "replication");
  assertEquals((await resolve("client_encoding=auto")).clientEncoding, "UTF8");
  assertEquals((await resolve("fallback_application_name=fb")).applicationName, "fb");
  assertEquals(
    (await resolve("application_name=app fallback_application_name=fb")).applicationName,
    "app",
  );
});

test("enums: every enumerated keyword rejects unknown values, naming the key", async () => {
  for (
    const key of [
      "sslmode",
      "sslcertmode",
      "channel_binding",
      "gssencmode",
      "target_session_attrs",
      "load_balance_hosts",
      "sslsni",
      "gssdelegation",
      "sslcompression",
      "gsslib",
    ]
  ) {
    await assertRejects(resolve(`${key}=bogus`), RangeError, `"${key}"`);
  }
});
