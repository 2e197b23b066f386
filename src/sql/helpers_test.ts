import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { compileFragment } from "./compile.ts";
import { sql, type SqlFragment } from "./fragment.ts";
import { identifier, inList, insertValues, join, unsafe, updateSet } from "./helpers.ts";

const c = (f: SqlFragment) => compileFragment(f);

test("identifier quotes each part and joins them with dots", () => {
  assert.equal(c(identifier("users")).text, '"users"');
  assert.equal(c(identifier("Public", "Users", "id")).text, '"Public"."Users"."id"');
  assert.equal(c(identifier("a.b")).text, '"a.b"');
  assert.equal(c(identifier("näme ü")).text, '"näme ü"');
  assert.deepEqual(c(sql`select * from ${identifier("s", "t")}`).values, []);
});

test("identifier doubles double quotes, so no name can end the identifier", () => {
  assert.equal(c(identifier('a"b')).text, '"a""b"');
  assert.equal(c(identifier('"')).text, '""""');
  assert.equal(
    c(sql`select * from ${identifier('t"; drop table users; --')}`).text,
    'select * from "t""; drop table users; --"',
  );
});

test("identifier refuses empty names, NUL, non-strings, arrays and no parts", () => {
  assert.throws(() => identifier(), { name: "TypeError", message: /no name/ });
  assert.throws(() => identifier(""), { name: "TypeError", message: /empty/ });
  assert.throws(() => identifier("a", ""), TypeError);
  assert.throws(() => identifier("a\0b"), { name: "TypeError", message: /NUL/ });
  assert.throws(() => identifier(1 as unknown as string), TypeError);
  assert.throws(() => identifier(["a", "b"] as unknown as string), {
    name: "TypeError",
    message: /join\(names.map/,
  });
});

test("inList renders a parenthesised parameter list", () => {
  assert.deepEqual(c(sql`select ${0} where id in ${inList([1, 2, 3])}`), {
    text: "select $1 where id in ($2, $3, $4)",
    values: [0, 1, 2, 3],
  });
  assert.deepEqual(c(inList(["a"])), { text: "($1)", values: ["a"] });
});

test("inList inlines fragments among its values", () => {
  assert.deepEqual(c(inList([1, sql`(select max(id) from t where k = ${"k"})`, 3])), {
    text: "($1, (select max(id) from t where k = $2), $3)",
    values: [1, "k", 3],
  });
});

test("inList refuses an empty list and points to = any()", () => {
  assert.throws(() => inList([]), { name: "RangeError", message: /= any\(\$\{array\}\)/ });
  assert.throws(() => inList("abc" as unknown as string[]), TypeError);
});

test("join puts a comma between items by default", () => {
  assert.deepEqual(c(join([1, 2, 3])), { text: "$1, $2, $3", values: [1, 2, 3] });
  assert.deepEqual(c(join([sql`a`, 5, identifier("b")])), { text: 'a, $1, "b"', values: [5] });
});

test("join takes a fragment separator, with parameters of its own", () => {
  const sep = sql` or x = ${0} or `;
  assert.deepEqual(c(sql`where ${join([sql`a = ${1}`, sql`b = ${2}`], sep)}`), {
    text: "where a = $1 or x = $2 or b = $3",
    values: [1, 0, 2],
  });
  assert.equal(c(join(["id", "name"].map((n) => identifier(n)))).text, '"id", "name"');
});

test("join of nothing is empty SQL, of one item is that item", () => {
  assert.deepEqual(c(sql`select 1${join([])}`), { text: "select 1", values: [] });
  assert.deepEqual(c(join([7], sql` and `)), { text: "$1", values: [7] });
});

test("join refuses a string separator and a non-array", () => {
  assert.throws(() => join([1, 2], " and " as unknown as SqlFragment), {
    name: "TypeError",
    message: /separator must be a fragment/,
  });
  assert.throws(() => join("ab" as unknown as string[]), TypeError);
});

test("unsafe inlines its text verbatim", () => {
  assert.deepEqual(c(sql`select * from t order by id ${unsafe("desc")} limit ${5}`), {
    text: "select * from t order by id desc limit $1",
    values: [5],
  });
  assert.equal(c(unsafe("it's $1; --")).text, "it's $1; --");
  assert.throws(() => unsafe(1 as unknown as string), TypeError);
});

test("insertValues renders columns and rows, numbering across rows", () => {
  const rows = [{ a: 1, b: "x" }, { a: 2, b: "y" }];
  assert.deepEqual(c(sql`insert into t ${insertValues(rows)} returning ${identifier("a")}`), {
    text: 'insert into t ("a", "b") values ($1, $2), ($3, $4) returning "a"',
    values: [1, "x", 2, "y"],
  });
});

test("insertValues takes a single row object", () => {
  assert.deepEqual(c(insertValues({ name: "ann" })), {
    text: '("name") values ($1)',
    values: ["ann"],
  });
});

test("insertValues writes DEFAULT for a missing or undefined value, a parameter for null", () => {
  const rows = [{ a: 1, b: undefined, c: null }, { a: undefined, c: 3 }];
  assert.deepEqual(c(insertValues(rows)), {
    text: '("a", "b", "c") values ($1, DEFAULT, $2), (DEFAULT, DEFAULT, $3)',
    values: [1, null, 3],
  });
});

test("insertValues takes the columns explicitly, as a subset and in their order", () => {
  const rows = [{ a: 1, b: 2, secret: "x" }, { b: 4, a: 3, extra: true }];
  assert.deepEqual(c(insertValues(rows, ["b", "a", "z"])), {
    text: '("b", "a", "z") values ($1, $2, DEFAULT), ($3, $4, DEFAULT)',
    values: [2, 1, 4, 3],
  });
});

test("insertValues refuses a later row's extra key when the columns are defaulted", () => {
  assert.throws(() => insertValues([{ a: 1 }, { a: 2, b: 3 }]), {
    name: "TypeError",
    message: 'Cannot build INSERT values: row 1 has column "b", which row 0 lacks; ' +
      "pass the columns explicitly",
  });
  assert.equal(c(insertValues([{ a: 1 }, { a: 2, b: undefined }])).text, '("a") values ($1), ($2)');
});

test("insertValues inlines fragments among the values", () => {
  assert.deepEqual(c(insertValues({ at: sql`now()`, n: sql`${5} + 1` })), {
    text: '("at", "n") values (now(), $1 + 1)',
    values: [5],
  });
});

test("insertValues and updateSet handle __proto__, constructor and toString columns", () => {
  const row = JSON.parse('{"__proto__": 1, "constructor": 2, "toString": 3, "hasOwnProperty": 4}');
  assert.deepEqual(c(insertValues(row)), {
    text: '("__proto__", "constructor", "toString", "hasOwnProperty") values ($1, $2, $3, $4)',
    values: [1, 2, 3, 4],
  });
  assert.deepEqual(c(updateSet(row)), {
    text: '"__proto__" = $1, "constructor" = $2, "toString" = $3, "hasOwnProperty" = $4',
    values: [1, 2, 3, 4],
  });
  // Named explicitly but absent: inherited members such as Object.prototype.constructor are not
  // values.
  assert.equal(
    c(insertValues({ a: 1 }, ["a", "__proto__", "constructor"])).text,
    '("a", "__proto__", "constructor") values ($1, DEFAULT, DEFAULT)',
  );
  assert.deepEqual(c(updateSet({ a: 1 }, ["constructor", "a", "__proto__"])), {
    text: '"a" = $1',
    values: [1],
  });
});

test("insertValues reads own properties only, and accepts null-prototype rows", () => {
  const proto = { inherited: "no" };
  const row = Object.assign(Object.create(proto), { own: "yes" });
  assert.deepEqual(c(insertValues(row, ["own", "inherited"])), {
    text: '("own", "inherited") values ($1, DEFAULT)',
    values: ["yes"],
  });
  const bare = Object.assign(Object.create(null), { x: 1 });
  assert.deepEqual(c(insertValues(bare)), { text: '("x") values ($1)', values: [1] });
});

test("insertValues quotes column names, so a key cannot inject SQL", () => {
  const row = { 'a") values (1); drop table t; --': "v" };
  assert.deepEqual(c(insertValues(row)), {
    text: '("a"") values (1); drop table t; --") values ($1)',
    values: ["v"],
  });
});

test("insertValues refuses empty input and malformed rows or columns", () => {
  assert.throws(() => insertValues([]), { name: "RangeError", message: /no rows/ });
  assert.throws(() => insertValues({}), { name: "RangeError", message: /no columns/ });
  assert.throws(() => insertValues({ a: 1 }, []), RangeError);
  assert.throws(() => insertValues([{ a: 1 }, null as unknown as object]), {
    name: "TypeError",
    message: "Cannot build INSERT values: row 1 is not an object",
  });
  assert.throws(() => insertValues([[1, 2]]), TypeError);
  assert.throws(() => insertValues("ab" as unknown as object), TypeError);
  assert.throws(() => insertValues({ a: 1 }, ["a", "a"]), { name: "TypeError", message: /twice/ });
  assert.throws(() => insertValues({ "": 1 }), { name: "TypeError", message: /empty/ });
  assert.throws(() => insertValues({ "a\0": 1 }), { name: "TypeError", message: /NUL/ });
});

test("updateSet renders assignments, skipping undefined and keeping null", () => {
  const row = { name: "ann", age: undefined, note: null };
  assert.deepEqual(c(sql`update t set ${updateSet(row)} where id = ${9}`), {
    text: 'update t set "name" = $1, "note" = $2 where id = $3',
    values: ["ann", null, 9],
  });
});

test("updateSet takes the columns explicitly and inlines fragments", () => {
  const row = { a: 1, b: 2, at: sql`now()` };
  assert.deepEqual(c(updateSet(row, ["at", "b"])), {
    text: '"at" = now(), "b" = $1',
    values: [2],
  });
});

test("updateSet refuses a row with nothing to set and malformed input", () => {
  assert.throws(() => updateSet({}), RangeError);
  assert.throws(() => updateSet({ a: undefined }), {
    name: "RangeError",
    message: "Cannot build UPDATE set: no column has a defined value",
  });
  assert.throws(() => updateSet({ a: 1 }, ["b"]), RangeError);
  assert.throws(() => updateSet(null as unknown as object), {
    name: "TypeError",
    message: "Cannot build UPDATE set: the row is not an object",
  });
  assert.throws(() => updateSet([1] as unknown as object), TypeError);
  assert.throws(() => updateSet({ a: 1 }, ["a", "a"]), TypeError);
});

test("helper output never depends on the values' contents", () => {
  for (const v of ["'", "$1", "--", ";", "' or 1=1; --", "$$"]) {
    assert.equal(c(inList([v, v])).text, "($1, $2)");
    assert.equal(c(join([v, v])).text, "$1, $2");
    assert.equal(c(insertValues({ a: v })).text, '("a") values ($1)');
    assert.equal(c(updateSet({ a: v })).text, '"a" = $1');
  }
});
