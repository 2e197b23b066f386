import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { isSqlFragmentSource, sql, SQL_FRAGMENT, SqlFragment } from "./fragment.ts";

test("sql tag keeps the template's strings array and freezes a copy of the values", () => {
  let seen: TemplateStringsArray | undefined;
  const tag = (s: TemplateStringsArray, ...v: unknown[]) => {
    seen = s;
    return sql(s, ...v);
  };
  const values = [1, "two"];
  const f = tag`select ${values[0]}, ${values[1]}`;
  assert.ok(f instanceof SqlFragment);
  assert.equal(f.strings, seen);
  assert.deepEqual(f.values, [1, "two"]);
  assert.ok(Object.isFrozen(f));
  assert.ok(Object.isFrozen(f.values));
  assert.throws(() => (f.values as unknown[]).push(3), TypeError);
});

test("one call site gives the same strings array every time", () => {
  const q = (id: number) => sql`select * from t where id = ${id}`;
  assert.equal(q(1).strings, q(2).strings);
});

test("SqlFragment copies and freezes a mutable strings array", () => {
  const strings = ["select ", ""];
  const f = new SqlFragment(strings, [1]);
  strings[0] = "delete ";
  assert.deepEqual(f.strings, ["select ", ""]);
  assert.ok(Object.isFrozen(f.strings));
});

test("SqlFragment checks its shape", () => {
  assert.throws(() => new SqlFragment(["a", "b"], []), {
    name: "TypeError",
    message: "Cannot create SQL fragment: 2 text pieces need 1 values, got 0",
  });
  assert.throws(() => new SqlFragment([], []), TypeError);
  assert.throws(() => new SqlFragment([1 as unknown as string], []), TypeError);
  assert.throws(() => new SqlFragment("select" as unknown as string[], []), TypeError);
  assert.throws(() => new SqlFragment([""], "x" as unknown as unknown[]), TypeError);
});

test("sql refuses to be called as a plain function", () => {
  const call = sql as unknown as (text: string) => SqlFragment;
  assert.throws(() => call("select 1"), { name: "TypeError", message: /tagged template/ });
});

test("sql refuses a template with an invalid escape sequence", () => {
  assert.throws(() => sql`select \unicode`, { name: "TypeError", message: /escape sequence/ });
});

test("a fragment is its own fragment source", () => {
  const f = sql`select 1`;
  assert.equal(f[SQL_FRAGMENT](), f);
});

test("SQL_FRAGMENT is the registered symbol", () => {
  assert.equal(SQL_FRAGMENT, Symbol.for("pgline.sql.fragment"));
});

test("isSqlFragmentSource recognises fragments and objects carrying the symbol only", () => {
  assert.ok(isSqlFragmentSource(sql`x`));
  assert.ok(isSqlFragmentSource({ [SQL_FRAGMENT]: () => sql`x` }));
  const fn = Object.assign(() => {}, { [SQL_FRAGMENT]: () => sql`x` });
  assert.ok(isSqlFragmentSource(fn));
  assert.ok(!isSqlFragmentSource({ [SQL_FRAGMENT]: "not a function" }));
  assert.ok(!isSqlFragmentSource(JSON.parse('{"Symbol(pgline.sql.fragment)": 1}')));
  assert.ok(!isSqlFragmentSource({ strings: ["x"], values: [] }));
  for (const v of [null, undefined, 0, "x", true, 1n, Symbol("s"), [], new Date()]) {
    assert.ok(!isSqlFragmentSource(v));
  }
});
