import { test } from "../../tests/harness/test.ts";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { assert, assertEquals } from "./testdata/assert.ts";
import { staticConfigHost, type StaticFile } from "./host.ts";
import { findPgpassPassword, lookupPassword } from "./pgpass.ts";
import { resolveConfig } from "./resolve.ts";

const target = { host: "db", port: "5432", database: "app", user: "alice" };

test("pgpass: first matching line wins; wildcards match anything", () => {
  const text = "other:*:*:*:no\ndb:5432:app:alice:first\n*:*:*:*:second\n";
  assertEquals(findPgpassPassword(text, target), "first");
  assertEquals(findPgpassPassword(text, { ...target, host: "x" }), "second");
});

test("pgpass: every field must match", () => {
  const text = "db:5433:*:*:a\ndb:*:other:*:b\ndb:*:*:bob:c\n";
  assertEquals(findPgpassPassword(text, target), undefined);
});

test("pgpass: * only acts as a wildcard when it is the whole field", () => {
  assertEquals(findPgpassPassword("d*:*:*:*:x\n", target), undefined);
  assertEquals(findPgpassPassword("d*:*:*:*:x\n", { ...target, host: "d*" }), "x");
});

test("pgpass: backslash escapes colons and backslashes in fields and password", () => {
  const text = "db:*:a\\:b:*:p\\:w\\\\d:ignored\n";
  assertEquals(findPgpassPassword(text, { ...target, database: "a:b" }), "p:w\\d");
});

test("pgpass: comments, blank lines, CRLF endings", () => {
  const text = "# db:*:*:*:commented\r\n\r\ndb:*:*:*:crlf\r\n";
  assertEquals(findPgpassPassword(text, target), "crlf");
});

test("pgpass: lines with too few fields never match", () => {
  assertEquals(findPgpassPassword("db:5432:app\n", target), undefined);
});

async function lookup(
  conninfo: string,
  files: Record<string, StaticFile>,
  opts: { unixSockets?: boolean; defaultSocketDir?: string } = {},
): Promise<{ password: string | undefined; warnings: string[] }> {
  const host = staticConfigHost({ HOME: "/h", USER: "alice" }, files, opts);
  const config = await resolveConfig(conninfo, undefined, host);
  const warnings: string[] = [];
  const password = await lookupPassword(config, config.hosts[0]!, host, {
    warn: (m) => warnings.push(m),
  });
  return { password, warnings };
}

test("lookupPassword: localhost matches the default Unix socket directory", async () => {
  const files = { "/h/.pgpass": "localhost:5432:*:alice:local\n" };
  assertEquals((await lookup("", files, { unixSockets: true })).password, "local");
  assertEquals((await lookup("host=/tmp", files, { unixSockets: true })).password, "local");
  assertEquals((await lookup("host=localhost", files)).password, "local");
});

test("lookupPassword: a non-default socket directory is matched literally", async () => {
  const files = { "/h/.pgpass": "localhost:*:*:*:local\n/sock:*:*:*:sock\n" };
  assertEquals((await lookup("host=/sock", files)).password, "sock");
  const debian = { unixSockets: true, defaultSocketDir: "/var/run/postgresql" };
  assertEquals((await lookup("", files, debian)).password, "local");
  assertEquals((await lookup("host=/tmp", files, debian)).password, undefined);
});

test("lookupPassword: hostaddr is matched when no host name is given", async () => {
  const files = { "/h/.pgpass": "10.0.0.1:*:*:*:byaddr\n" };
  assertEquals((await lookup("hostaddr=10.0.0.1", files)).password, "byaddr");
});

test("lookupPassword: PGPASSFILE-style passfile keyword and per-host port", async () => {
  const files = { "/pw": "b:6000:*:*:second-host\n" };
  const host = staticConfigHost({ USER: "alice" }, files);
  const config = await resolveConfig("host=a,b port=5999,6000 passfile=/pw", undefined, host);
  assertEquals(await lookupPassword(config, config.hosts[0]!, host), undefined);
  assertEquals(await lookupPassword(config, config.hosts[1]!, host), "second-host");
});

test("lookupPassword: an explicit password wins; a function is called", async () => {
  const files = { "/h/.pgpass": "*:*:*:*:file\n" };
  assertEquals((await lookup("host=x password=given", files)).password, "given");
  const host = staticConfigHost({ HOME: "/h", USER: "u" }, files);
  let calls = 0;
  const config = await resolveConfig("host=x", {
    password: () => Promise.resolve(`token${++calls}`),
  }, host);
  assertEquals(await lookupPassword(config, config.hosts[0]!, host), "token1");
  assertEquals(await lookupPassword(config, config.hosts[0]!, host), "token2");
});

test("lookupPassword: an empty explicit password falls through to the file", async () => {
  const files = { "/h/.pgpass": "*:*:*:*:file\n" };
  assertEquals((await lookup("host=x password=''", files)).password, "file");
});

test("lookupPassword: group- or world-accessible file is ignored with a warning", async () => {
  for (const mode of [0o640, 0o604, 0o660, 0o700 | 0o010]) {
    const files = { "/h/.pgpass": { text: "*:*:*:*:file\n", mode } };
    const { password, warnings } = await lookup("host=x", files);
    assertEquals(password, undefined);
    assertEquals(warnings.length, 1);
    assert(warnings[0]!.includes("group or world access"));
    assert(!warnings[0]!.includes("file\n"));
  }
  const ok = await lookup("host=x", { "/h/.pgpass": { text: "*:*:*:*:file\n", mode: 0o400 } });
  assertEquals(ok, { password: "file", warnings: [] });
});

test("lookupPassword: a password file that is not a regular file is ignored", async () => {
  const files = { "/h/.pgpass": { text: "*:*:*:*:file\n", mode: 0o040600 } };
  const { password, warnings } = await lookup("host=x", files);
  assertEquals(password, undefined);
  assert(warnings[0]!.includes("not a plain file"));
});

test("lookupPassword: a missing file yields nothing and no warning", async () => {
  assertEquals(await lookup("host=x", {}), { password: undefined, warnings: [] });
});

test("lookupPassword: a real file's mode is honoured (chmod)", async () => {
  if (process.platform === "win32") return;
  const dir = await mkdtemp(join(tmpdir(), "pgline-pgpass-"));
  try {
    const path = join(dir, "pgpass");
    await writeFile(path, "*:*:*:*:from-disk\n");
    const host = {
      ...staticConfigHost({ USER: "alice" }),
      readTextFile: (p: string) => readFile(p, "utf8").catch(() => undefined),
      fileMode: (p: string) => stat(p).then((s) => s.mode, () => undefined),
    };
    const config = await resolveConfig(`host=x passfile=${path}`, undefined, host);
    await chmod(path, 0o644);
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assertEquals(await lookupPassword(config, config.hosts[0]!, host, { warn }), undefined);
    assertEquals(warnings.length, 1);
    await chmod(path, 0o600);
    assertEquals(await lookupPassword(config, config.hosts[0]!, host, { warn }), "from-disk");
  } finally {
    await rm(dir, { recursive: true });
  }
});
