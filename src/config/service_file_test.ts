import { test } from "../../tests/harness/test.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "./testdata/assert.ts";
import { staticConfigHost } from "./host.ts";
import { parseServiceFile, readService } from "./service_file.ts";

const FILE = `
# comment
host=ignored-before-any-section

[other]
host=other-host

  [app]
host=app-host
port=6432
  dbname=appdb   
port=9999
# still app
[later]
host=later-host
`;

test("service file: picks the named section, first setting wins, whitespace trimmed", () => {
  const s = parseServiceFile(FILE, "app", "f");
  assert(s.found);
  assertEquals(s.values, { host: "app-host", port: "6432", dbname: "appdb" });
});

test("service file: a missing section is reported as not found", () => {
  assertEquals(parseServiceFile(FILE, "nope", "f"), { found: false, values: {} });
});

test("service file: no trimming around =, as in libpq", () => {
  assertThrows(() => parseServiceFile("[a]\nhost = x\n", "a", "f"), TypeError, '"host "');
});

test("service file: errors name the file and line", () => {
  assertThrows(() => parseServiceFile("[a]\nhost\n", "a", "/p"), SyntaxError, '"/p", line 2');
  assertThrows(() => parseServiceFile("[a]\nbogus=1\n", "a", "/p"), TypeError, '"bogus"');
  assertThrows(() => parseServiceFile("[a]\nservice=b\n", "a", "/p"), SyntaxError, "Nested");
  assertThrows(() => parseServiceFile("[a]\nservicefile=b\n", "a", "/p"), SyntaxError, "Nested");
});

test("service file: errors in other sections are not reported", () => {
  assertEquals(parseServiceFile("[b]\nbogus\n[a]\nport=1\n", "a", "f").values, { port: "1" });
});

test("service file: the user file wins over the system file", async () => {
  const host = staticConfigHost({ HOME: "/h", PGSYSCONFDIR: "/etc/pg" }, {
    "/h/.pg_service.conf": "[s]\nport=1\n",
    "/etc/pg/pg_service.conf": "[s]\nport=2\nhost=sys\n",
  });
  const { values, path } = await readService("s", undefined, host);
  assertEquals(values, { port: "1" });
  assertEquals(path, "/h/.pg_service.conf");
});

test("service file: falls back to PGSYSCONFDIR when the user file lacks the service", async () => {
  const host = staticConfigHost({ HOME: "/h", PGSYSCONFDIR: "/etc/pg" }, {
    "/h/.pg_service.conf": "[other]\nport=1\n",
    "/etc/pg/pg_service.conf": "[s]\nport=2\n",
  });
  assertEquals((await readService("s", undefined, host)).values, { port: "2" });
});

test("service file: PGSERVICEFILE and the servicefile keyword choose the user file", async () => {
  const host = staticConfigHost({ HOME: "/h", PGSERVICEFILE: "/env.conf" }, {
    "/h/.pg_service.conf": "[s]\nport=1\n",
    "/env.conf": "[s]\nport=2\n",
    "/kw.conf": "[s]\nport=3\n",
  });
  assertEquals((await readService("s", undefined, host)).values, { port: "2" });
  assertEquals((await readService("s", "/kw.conf", host)).values, { port: "3" });
});

test("service file: the host's sysConfDir is used when PGSYSCONFDIR is unset", async () => {
  const host = staticConfigHost({}, { "/opt/etc/pg_service.conf": "[s]\nport=4\n" }, {
    sysConfDir: "/opt/etc",
  });
  assertEquals((await readService("s", undefined, host)).values, { port: "4" });
});

test("service file: an undefined service is an error", async () => {
  await assertRejects(
    readService("missing", undefined, staticConfigHost({ HOME: "/h" })),
    RangeError,
    '"missing" not found',
  );
});
