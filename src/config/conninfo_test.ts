import { test } from "../../tests/harness/test.ts";
import { assert, assertEquals, assertThrows } from "./testdata/assert.ts";
import { isConnectionUri, parseConnectionString, redactConnectionString } from "./conninfo.ts";

const SECRET = "hunter2-S3cret";

function assertNoLeak(fn: () => unknown, secret = SECRET): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof Error, "expected an error");
  assert(!caught.message.includes(secret), `message leaks the secret: ${caught.message}`);
  return caught;
}

test("uri: full form with user, password, host, port, database", () => {
  assertEquals(parseConnectionString("postgresql://alice:pw@db.example:6432/app"), {
    user: "alice",
    password: "pw",
    host: "db.example",
    port: "6432",
    dbname: "app",
  });
});

test("uri: postgres:// prefix and bare forms", () => {
  assertEquals(parseConnectionString("postgres://"), {});
  assertEquals(parseConnectionString("postgresql://localhost"), { host: "localhost" });
  assertEquals(parseConnectionString("postgresql://localhost:5433"), {
    host: "localhost",
    port: "5433",
  });
  assertEquals(parseConnectionString("postgresql:///mydb"), { dbname: "mydb" });
  assertEquals(parseConnectionString("postgresql://user@/"), { user: "user" });
});

test("uri: prefix is case-sensitive like libpq", () => {
  assert(isConnectionUri("postgres://x"));
  assert(!isConnectionUri("POSTGRES://x"));
  assert(!isConnectionUri("postgresql:/x"));
});

test("uri: IPv6 hosts with and without port", () => {
  assertEquals(parseConnectionString("postgresql://[::1]:5433/db"), {
    host: "::1",
    port: "5433",
    dbname: "db",
  });
  assertEquals(parseConnectionString("postgresql://[2001:db8::1234]"), {
    host: "2001:db8::1234",
  });
});

test("uri: malformed IPv6 hosts are syntax errors", () => {
  assertThrows(() => parseConnectionString("postgresql://[::1"), SyntaxError, "]");
  assertThrows(() => parseConnectionString("postgresql://[]/db"), SyntaxError, "Empty IPv6");
  assertThrows(() => parseConnectionString("postgresql://[::1]x/db"), SyntaxError, "Unexpected");
});

test("uri: several hosts, ports kept positionally", () => {
  assertEquals(parseConnectionString("postgresql://a:1,b:2,[::1]:3/db"), {
    host: "a,b,::1",
    port: "1,2,3",
    dbname: "db",
  });
  assertEquals(parseConnectionString("postgresql://a,b:2/db").port, ",2");
  assertEquals(parseConnectionString("postgresql://a,b/db").port, ",");
});

test("uri: percent-decoding in every part", () => {
  assertEquals(
    parseConnectionString("postgresql://us%40er:p%3Aw%2Fd@h%61st/d%20b?application_name=a%26b"),
    { user: "us@er", password: "p:w/d", host: "hast", dbname: "d b", application_name: "a&b" },
  );
});

test("uri: plus sign is not a space and UTF-8 escapes decode", () => {
  assertEquals(parseConnectionString("postgresql:///a+b").dbname, "a+b");
  assertEquals(parseConnectionString("postgresql:///caf%C3%A9").dbname, "café");
});

test("uri: bad percent-encoding and %00 are syntax errors without the text", () => {
  const e = assertNoLeak(() => parseConnectionString(`postgresql://u:${SECRET}%zz@h/db`));
  assert(e instanceof SyntaxError);
  assert(e.message.includes("password in URI"));
  assertThrows(() => parseConnectionString("postgresql:///db%00"), SyntaxError, "%00");
  assertThrows(() => parseConnectionString("postgresql:///db%4"), SyntaxError);
});

test("uri: Unix socket directory as percent-encoded host", () => {
  assertEquals(parseConnectionString("postgresql://%2Fvar%2Frun%2Fpostgresql/db"), {
    host: "/var/run/postgresql",
    dbname: "db",
  });
});

test("uri: Unix socket directory as host query parameter overrides authority", () => {
  assertEquals(parseConnectionString("postgresql://ignored/db?host=/tmp&port=5433"), {
    host: "/tmp",
    port: "5433",
    dbname: "db",
  });
});

test("uri: query parameters accept any libpq keyword", () => {
  assertEquals(
    parseConnectionString(
      "postgresql:///db?sslmode=verify-full&target_session_attrs=read-write&connect_timeout=10",
    ),
    {
      dbname: "db",
      sslmode: "verify-full",
      target_session_attrs: "read-write",
      connect_timeout: "10",
    },
  );
});

test("uri: ssl=true is sslmode=require (libpq's JDBC compatibility)", () => {
  assertEquals(parseConnectionString("postgresql://h?ssl=true"), { host: "h", sslmode: "require" });
  assertThrows(() => parseConnectionString("postgresql://h?ssl=false"), TypeError, '"ssl"');
});

test("uri: query parameter errors", () => {
  assertThrows(() => parseConnectionString("postgresql://h?nonsense=1"), TypeError, "nonsense");
  assertThrows(() => parseConnectionString("postgresql://h?sslmode"), SyntaxError, "sslmode");
  assertThrows(() => parseConnectionString("postgresql://h?sslmode=a=b"), SyntaxError, "Extra");
  assertEquals(parseConnectionString("postgresql://h?&sslmode=disable&"), {
    host: "h",
    sslmode: "disable",
  });
});

test("uri: an unencoded @ in the password still parses", () => {
  assertEquals(parseConnectionString("postgresql://u:p@ss@h/db"), {
    user: "u",
    password: "p@ss",
    host: "h",
    dbname: "db",
  });
});

test("uri: empty password is kept, empty user is not", () => {
  assertEquals(parseConnectionString("postgresql://:@h"), { password: "", host: "h" });
});

test("keyword/value: basic pairs and whitespace around =", () => {
  assertEquals(parseConnectionString("  host=a   port = 5432\tdbname=x\n"), {
    host: "a",
    port: "5432",
    dbname: "x",
  });
  assertEquals(parseConnectionString(""), {});
  assertEquals(parseConnectionString("   "), {});
});

test("keyword/value: quoting and backslash escapes", () => {
  assertEquals(parseConnectionString("password='it\\'s a \\\\ test' user=u"), {
    password: "it's a \\ test",
    user: "u",
  });
  assertEquals(parseConnectionString("options='-c search_path=x'").options, "-c search_path=x");
  assertEquals(parseConnectionString("application_name=a\\ b").application_name, "a b");
  assertEquals(parseConnectionString("application_name=''").application_name, "");
});

test("keyword/value: libpq skips whitespace after =, so an empty value swallows the next word", () => {
  assertEquals(parseConnectionString("host= port=5"), { host: "port=5" });
});

test("keyword/value: the later setting of a keyword wins", () => {
  assertEquals(parseConnectionString("port=1 port=2").port, "2");
});

test("keyword/value: doubled quotes are not an escape in libpq", () => {
  const e = assertNoLeak(() => parseConnectionString(`password='${SECRET}''s'`));
  assert(e instanceof SyntaxError);
});

test("keyword/value: unterminated quote names the key, not the value", () => {
  const e = assertNoLeak(() => parseConnectionString(`host=h password='${SECRET}`));
  assert(e instanceof SyntaxError);
  assert(e.message.includes('"password"'), e.message);
});

test("keyword/value: a password with an unquoted space does not leak", () => {
  const e = assertNoLeak(() => parseConnectionString(`password=x ${SECRET}`));
  assert(e instanceof SyntaxError);
  assert(e.message.includes("Missing"), e.message);
});

test("keyword/value: unknown keyword is a TypeError naming it", () => {
  assertThrows(() => parseConnectionString("host=a bogus=1"), TypeError, '"bogus"');
  assertThrows(() => parseConnectionString("database=x"), TypeError, '"database"');
});

test("redactConnectionString masks secrets in both forms", () => {
  assertEquals(
    redactConnectionString(`postgres://u:${SECRET}@h/db?sslpassword=k&sslmode=require`),
    "postgres://u:********@h/db?sslpassword=********&sslmode=require",
  );
  assertEquals(
    redactConnectionString(`host=h password='${SECRET}' oauth_client_secret=z`),
    "host=h password=******** oauth_client_secret=********",
  );
  assertEquals(redactConnectionString(`password='${SECRET}`), "********");
  assertEquals(redactConnectionString("postgres://u@h/db"), "postgres://u@h/db");
});
