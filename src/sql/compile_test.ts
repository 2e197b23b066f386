import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { compileFragment, MAX_PARAMETERS } from "./compile.ts";
import { sql, SQL_FRAGMENT, SqlFragment } from "./fragment.ts";
import { inList, join, unsafe } from "./helpers.ts";

test("plain values become numbered parameters", () => {
  const d = new Date(0);
  const q = compileFragment(sql`select * from t where a = ${1} and b = ${"x"} and c = ${d}`);
  assert.equal(q.text, "select * from t where a = $1 and b = $2 and c = $3");
  assert.deepEqual(q.values, [1, "x", d]);
  assert.equal(q.values[2], d);
});

test("a template without values compiles to its text", () => {
  assert.deepEqual(compileFragment(sql`select 1`), { text: "select 1", values: [] });
  assert.deepEqual(compileFragment(sql``), { text: "", values: [] });
});

test("every kind of plain value is a parameter, arrays and objects included", () => {
  const values = [null, undefined, 0, "", true, 10n, [1, 2], { a: 1 }, new Uint8Array(2)];
  const q = compileFragment(
    sql`${values[0]}, ${values[1]}, ${values[2]}, ${values[3]}, ${values[4]}, ${values[5]}, ${
      values[6]
    }, ${values[7]}, ${values[8]}`,
  );
  assert.equal(q.text, "$1, $2, $3, $4, $5, $6, $7, $8, $9");
  assert.deepEqual(q.values, values);
});

test("nested fragments are inlined and their parameters renumbered", () => {
  const inner = sql`c = ${3} and d = ${4}`;
  const middle = sql`b = ${2} and (${inner}) and e = ${5}`;
  const q = compileFragment(sql`select ${1} where ${middle} and f = ${6}`);
  assert.equal(q.text, "select $1 where b = $2 and (c = $3 and d = $4) and e = $5 and f = $6");
  assert.deepEqual(q.values, [1, 2, 3, 4, 5, 6]);
});

test("a fragment used twice gets fresh numbers each time", () => {
  const cond = sql`x > ${10}`;
  const q = compileFragment(sql`select ${cond} union select ${cond} and ${cond}`);
  assert.equal(q.text, "select x > $1 union select x > $2 and x > $3");
  assert.deepEqual(q.values, [10, 10, 10]);
});

test("fragments at the edges and side by side", () => {
  const a = sql`${1}`;
  const q = compileFragment(sql`${a}${sql`(${a})`}${sql``}${a}`);
  assert.equal(q.text, "$1($2)$3");
  assert.deepEqual(q.values, [1, 1, 1]);
});

test("an object carrying SQL_FRAGMENT is inlined; its method is called on it", () => {
  const query = {
    min: 5,
    [SQL_FRAGMENT](): SqlFragment {
      return sql`select id from t where n > ${this.min}`;
    },
  };
  const q = compileFragment(sql`select * from (${query}) s where id <> ${0}`);
  assert.equal(q.text, "select * from (select id from t where n > $1) s where id <> $2");
  assert.deepEqual(q.values, [5, 0]);
  assert.deepEqual(compileFragment(query), { text: "select id from t where n > $1", values: [5] });
});

test("a function carrying SQL_FRAGMENT is inlined", () => {
  const lazy = Object.assign(() => {}, { [SQL_FRAGMENT]: () => sql`now()` });
  assert.equal(compileFragment(sql`select ${lazy}`).text, "select now()");
});

test("SQL_FRAGMENT must return a SqlFragment", () => {
  const bad = { [SQL_FRAGMENT]: () => "drop table t" };
  assert.throws(() => compileFragment(sql`select ${bad}`), {
    name: "TypeError",
    message: "Cannot compile SQL fragment: [SQL_FRAGMENT]() did not return a SqlFragment",
  });
  assert.throws(() => compileFragment(bad as never), TypeError);
  assert.throws(() => compileFragment("select 1" as never), {
    name: "TypeError",
    message: /expected a fragment/,
  });
});

test("a source that contains itself is refused, not looped on", () => {
  const loop: { [SQL_FRAGMENT](): SqlFragment } = {
    [SQL_FRAGMENT]: () => sql`select (${loop})`,
  };
  assert.throws(() => compileFragment(sql`x ${loop}`), { name: "TypeError", message: /itself/ });
  assert.throws(() => compileFragment(loop), { name: "TypeError", message: /itself/ });
});

test("the returned values are a fresh array", () => {
  const f = sql`select ${1}`;
  const q = compileFragment(f);
  q.values.push(2);
  assert.deepEqual(f.values, [1]);
  assert.deepEqual(compileFragment(f).values, [1]);
});

test("a template with plain values compiles from the cache the second time", () => {
  let reads = 0;
  const strings: string[] & { raw?: string[] } = [];
  for (const [i, piece] of ["select ", " + ", ""].entries()) {
    Object.defineProperty(strings, i, {
      get: () => (reads++, piece),
      enumerable: true,
    });
  }
  strings.raw = ["select ", " + ", ""];
  Object.freeze(strings);
  const f = new SqlFragment(strings, [1, 2]);
  const afterConstruction = reads;
  const first = compileFragment(f).text;
  const afterFirst = reads;
  assert.ok(afterFirst > afterConstruction);
  const second = compileFragment(f).text;
  assert.equal(reads, afterFirst, "the second compile must not read the strings again");
  assert.equal(second, first);
  assert.equal(first, "select $1 + $2");
});

test("one call site gives the same text for different plain values", () => {
  const q = (id: unknown, name: unknown) =>
    sql`select * from t where id = ${id} and name = ${name}`;
  const a = compileFragment(q(1, "a"));
  const b = compileFragment(q(2, "it's"));
  assert.equal(a.text, b.text);
  assert.deepEqual(b.values, [2, "it's"]);
});

test("a cached call site still inlines a fragment passed to it later", () => {
  const q = (v: unknown) => sql`select ${v} from t`;
  assert.equal(compileFragment(q(1)).text, "select $1 from t");
  assert.equal(compileFragment(q(sql`now()`)).text, "select now() from t");
  assert.equal(compileFragment(q(sql`${7}, ${8}`)).text, "select $1, $2 from t");
  assert.equal(compileFragment(q(2)).text, "select $1 from t");
});

test("a cached template nested later is numbered for its position", () => {
  const cond = (v: number) => sql`x = ${v}`;
  assert.equal(compileFragment(cond(1)).text, "x = $1");
  const q = compileFragment(sql`select ${0} where ${cond(1)} or ${cond(2)}`);
  assert.equal(q.text, "select $1 where x = $2 or x = $3");
  assert.deepEqual(q.values, [0, 1, 2]);
});

test("helper fragments are not cached (their strings are fresh arrays)", () => {
  assert.equal(compileFragment(inList([1, 2])).text, "($1, $2)");
  assert.equal(compileFragment(inList([1, 2, 3])).text, "($1, $2, $3)");
});

test("values never change the text: quotes, placeholders, comments, semicolons", () => {
  const attacks = [
    "'; drop table users; --",
    "$1",
    "$2 or 1=1",
    "-- comment",
    "/* x */",
    "a; select pg_sleep(10)",
    '" or ""="',
    "\\'",
    "$$ dollar $$",
    "\0",
    "${x}",
  ];
  const q = (v: unknown) => sql`select * from t where name = ${v} and id = ${1}`;
  const expected = "select * from t where name = $1 and id = $2";
  for (const attack of attacks) {
    const c = compileFragment(q(attack));
    assert.equal(c.text, expected);
    assert.deepEqual(c.values, [attack, 1]);
    const nested = compileFragment(sql`with x as (select ${attack}) ${q(attack)}`);
    assert.equal(nested.text, `with x as (select $1) select * from t where name = $2 and id = $3`);
  }
});

test("a plain object shaped like a fragment is a parameter, not SQL", () => {
  const fake = JSON.parse('{"strings": ["drop table t"], "values": []}');
  const q = compileFragment(sql`select ${fake}`);
  assert.equal(q.text, "select $1");
  assert.equal(q.values[0], fake);
});

test("a placeholder is kept apart from characters that would continue its token", () => {
  const c = (f: SqlFragment) => compileFragment(f).text;
  assert.equal(c(join([1, unsafe("2")], sql``)), "$1 2");
  assert.equal(c(join([1, 2], sql``)), "$1 $2");
  assert.equal(c(sql`${1}${unsafe("abc")}`), "$1 abc");
  assert.equal(c(sql`select a${1}`), "select a $1");
  assert.equal(c(sql`select 1${1}`), "select 1 $1");
  assert.equal(c(sql`select $${1}`), "select $ $1");
  assert.equal(c(sql`select _${1}é${2}`), "select _ $1 é $2");
  assert.equal(c(sql`${1}::int, (${2}), ${3}+${4}`), "$1::int, ($2), $3+$4");
  assert.equal(c(sql`${sql`a`}${1}`), "a $1");
  assert.equal(c(sql`${1}${sql``}${sql`b`}`), "$1 b");
});

test("up to 65535 parameters compile; one more is a RangeError", () => {
  assert.equal(MAX_PARAMETERS, 65535);
  const many = Array.from({ length: MAX_PARAMETERS }, (_, i) => i);
  const ok = compileFragment(inList(many));
  assert.equal(ok.values.length, MAX_PARAMETERS);
  assert.ok(ok.text.endsWith("$65535)"));
  assert.throws(() => compileFragment(inList([...many, 0])), {
    name: "RangeError",
    message:
      "Cannot compile SQL fragment: it has 65536 parameters, more than the protocol's limit of 65535",
  });
});

test("the parameter limit counts across nested fragments and plain templates", () => {
  const half = inList(Array.from({ length: 32768 }, () => 0));
  assert.throws(() => compileFragment(sql`${half} ${half}`), RangeError);
  const strings = Object.freeze(Object.assign(Array<string>(MAX_PARAMETERS + 2).fill(""), {
    raw: [],
  }));
  const flat = new SqlFragment(strings, Array(MAX_PARAMETERS + 1).fill(0));
  assert.throws(() => compileFragment(flat), RangeError);
});

test("nesting depth is not limited by the call stack", () => {
  const depth = 100_000;
  let f = sql`${0}`;
  for (let i = 1; i < depth; i++) f = i % 10 === 0 ? sql`(${f}+${i})` : sql`(${f})`;
  const q = compileFragment(f);
  assert.equal(q.values.length, depth / 10);
  assert.deepEqual(q.values.slice(0, 3), [0, 10, 20]);
  assert.ok(q.text.startsWith("(".repeat(depth - 1) + "$1" + ")".repeat(9) + "+$2)"));
  assert.ok(q.text.endsWith(`+$${depth / 10})` + ")".repeat(9)));
});
