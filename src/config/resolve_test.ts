import { test } from "../../tests/harness/test.ts";
import { inspect } from "node:util";
import { assert, assertEquals, assertRejects } from "./testdata/assert.ts";
import { resolve, SECRET } from "./testdata/resolve_helpers.ts";
import { type ConnectOptions, formatConfig, redactConfig } from "../config.ts";

async function rejectsWithoutLeak(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  includes: string,
): Promise<void> {
  const e = await assertRejects(promise, type, includes);
  assert(!e.message.includes(SECRET), `message leaks the password: ${e.message}`);
}

test("object form: camelCase twins, arrays for lists, dbname refused with a hint", async () => {
  const c = await resolve({
    host: ["a", "b"],
    port: [1, "2"],
    database: "db",
    user: "u",
    sslMode: "require",
    sslSni: false,
    keepalives: false,
    targetSessionAttrs: "read-write",
  });
  assertEquals(c.hosts.map((h) => `${h.host}:${h.port}`), ["a:1", "b:2"]);
  assertEquals([c.database, c.sslMode, c.sslSni, c.keepalives], ["db", "require", false, false]);
  await assertRejects(resolve({ dbname: "x" } as ConnectOptions), TypeError, 'use "database"');
  await assertRejects(resolve({ sslmode: "x" } as ConnectOptions), TypeError, 'use "sslMode"');
  await assertRejects(resolve({ bogus: 1 } as ConnectOptions), TypeError, '"bogus"');
});

test("object form: wrong JavaScript types are TypeErrors naming the option", async () => {
  await assertRejects(resolve({ port: true } as unknown as ConnectOptions), TypeError, '"port"');
  await assertRejects(resolve({ sslSni: "1" } as unknown as ConnectOptions), TypeError, '"sslSni"');
  await assertRejects(resolve({ host: ["a,b"] }), RangeError, '","');
  await assertRejects(resolve({ keepalivesIdle: 1.5 }), RangeError, "keepalivesIdle");
});

test("options: client-only fields are carried through", async () => {
  const onNotice = (_: Record<string, string | number>) => {};
  const transport = { kind: "fake" };
  const c = await resolve("host=h", { onNotice, transport });
  assert(c.onNotice === onNotice);
  assert(c.transport === transport);
});

test("secrets: errors never contain the password", async () => {
  await rejectsWithoutLeak(resolve(`password=${SECRET} sslmode=bogus`), RangeError, "sslmode");
  await rejectsWithoutLeak(resolve(`postgres://u:${SECRET}@h:99999/db`), RangeError, "port");
  await rejectsWithoutLeak(resolve(`password='${SECRET}`), SyntaxError, "password");
  await rejectsWithoutLeak(resolve(`password=${SECRET} ${SECRET}`), SyntaxError, "Missing");
  await rejectsWithoutLeak(
    resolve({ password: SECRET, sslPassword: SECRET, port: -1 }),
    RangeError,
    "port",
  );
});

test("secrets: toString, JSON and inspection are redacted", async () => {
  const c = await resolve(`host=db user=u password=${SECRET} sslpassword=${SECRET}`);
  assertEquals(c.password, SECRET);
  assertEquals(String(c), "host=db port=5432 dbname=u user=u password=******** sslmode=prefer");
  assertEquals(formatConfig(c), String(c));
  const json = JSON.stringify(c);
  assert(!json.includes(SECRET), json);
  assert(json.includes('"sslPassword":"********"'));
  assert(!inspect(c).includes(SECRET), inspect(c));
  assert(inspect(c).startsWith("ResolvedConfig { host=db"), inspect(c));
  assert(!inspect({ nested: [c] }).includes(SECRET));
  // The runtime's own inspection too (what its console.log prints).
  const own = globalThis as {
    Deno?: { inspect(value: unknown): string };
    Bun?: { inspect(value: unknown): string };
  };
  for (const runtimeInspect of [own.Deno?.inspect, own.Bun?.inspect]) {
    if (runtimeInspect === undefined) continue;
    assert(!runtimeInspect(c).includes(SECRET), runtimeInspect(c));
  }
  assertEquals(redactConfig(c).password, "********");
});

test("secrets: a password function is redacted and not called while resolving", async () => {
  let called = false;
  const c = await resolve("host=h", { password: () => (called = true, SECRET) });
  assert(!called);
  assertEquals(redactConfig(c).password, "********");
  assert(!JSON.stringify(c).includes("function"));
});

test("URL objects are accepted", async () => {
  const c = await resolve(new URL("postgres://u@db.example:6000/app"));
  assertEquals(c.hosts[0], { host: "db.example", port: 6000, type: "tcp" });
  assertEquals(c.database, "app");
});
