import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { TypeRegistry } from "./registry.ts";
import type { Codec } from "./codec.ts";
import { BUILTIN_TYPES } from "./oids.ts";
import { int4, int8, raw, TEST_CODECS, text } from "./testdata/codecs.ts";
import { bytes, i32 } from "../protocol/testdata/golden.ts";

function range(lower: unknown, upper: unknown, lowerInclusive = true, upperInclusive = false) {
  return { kind: "range", empty: false, lower, upper, lowerInclusive, upperInclusive };
}

test("TypeRegistry: base codecs by OID and name, arrays derived", () => {
  const types = new TypeRegistry(TEST_CODECS);
  assert.equal(types.byOid(23), int4);
  assert.equal(types.byName("int4"), int4);
  assert.equal(types.byOid(99_999), undefined);
  assert.equal(types.byName("nope"), undefined);
  const int4s = types.byOid(1007)!;
  assert.equal(int4s.name, "_int4");
  assert.equal(types.byName("_int4"), int4s);
  assert.deepEqual(int4s.parseText("{{1,2},{3,NULL}}"), [[1, 2], [3, null]]);
  assert.deepEqual(
    types.byOid(1009)!.parseBinary!(bytes(i32(1), i32(0), i32(25), i32(1), i32(1), i32(1), "x")),
    ["x"],
  );
  assert.equal(types.byOid(1007)!.preferBinary, true);
});

test("TypeRegistry: built-in ranges, multiranges, their arrays, and record", () => {
  const types = new TypeRegistry(TEST_CODECS);
  for (const t of BUILTIN_TYPES.filter((t) => t.kind === "r" || t.kind === "m")) {
    assert.equal(types.byOid(t.oid)?.name, t.name);
    assert.equal(types.byOid(t.oid)?.arrayOid, t.arrayOid);
    assert.equal(types.byOid(t.arrayOid)?.name, `_${t.name}`);
    assert.equal(types.byName(t.name), types.byOid(t.oid));
  }
  assert.deepEqual(types.byOid(3904)!.parseText("[1,5)"), range(1, 5));
  assert.deepEqual(types.byOid(3926)!.parseText("[1,5)"), range(1n, 5n));
  assert.deepEqual(types.byOid(3905)!.parseText('{"[1,2)",empty}'), [range(1, 2), {
    kind: "range",
    empty: true,
    lower: null,
    upper: null,
    lowerInclusive: false,
    upperInclusive: false,
  }]);
  assert.deepEqual(types.byOid(4451)!.parseText("{[1,3),[5,7)}"), [range(1, 3), range(5, 7)]);
  assert.deepEqual(types.byOid(6150)!.parseText('{"{[1,3)}","{}"}'), [[range(1, 3)], []]);
  assert.equal(types.byOid(4451)!.preferBinary, true);
  // numeric has no codec here: its bounds read as strings, and the range asks for text.
  assert.deepEqual(types.byOid(3906)!.parseText("[1.5,2)"), range("1.5", "2"));
  assert.equal(types.byOid(3906)!.preferBinary, false);
  assert.deepEqual(types.byOid(2249)!.parseText('(1,"a b",)'), ["1", "a b", null]);
  assert.deepEqual(types.byOid(2287)!.parseText('{"(1,2)",NULL}'), [["1", "2"], null]);
  assert.equal(types.byName("record"), types.byOid(2249));
  // Values of record and multirange are JS arrays: their arrays do not take them as dimensions.
  assert.equal(
    types.byOid(2287)!.serializeText([["1", "a b"], null]),
    String.raw`{"(1,\"a b\")",NULL}`,
  );
  assert.equal(types.byOid(6150)!.serializeText([[range(1, 3)], []]), '{"{[1,3)}","{}"}');
  assert.equal(types.byOid(1007)!.serializeText([[1, 2], [3, 4]]), "{{1,2},{3,4}}");
});

test("TypeRegistry: box arrays use ';'", () => {
  const types = new TypeRegistry([raw(603, "box", 1020)]);
  assert.deepEqual(types.byOid(1020)!.parseText("{(1,1),(0,0);(3,3),(2,2)}"), [
    "(1,1),(0,0)",
    "(3,3),(2,2)",
  ]);
});

test("TypeRegistry: register replaces a codec and rebuilds what is made from it", () => {
  const types = new TypeRegistry(TEST_CODECS);
  const int4AsString: Codec = { ...int4, parseText: (t) => `#${t}`, preferBinary: false };
  types.register(int4AsString);
  assert.equal(types.byOid(23), int4AsString);
  assert.deepEqual(types.byOid(1007)!.parseText("{1}"), ["#1"]);
  assert.deepEqual(types.byOid(3904)!.parseText("[1,2)"), range("#1", "#2"));
  assert.deepEqual(types.byOid(4451)!.parseText("{[1,2)}"), [range("#1", "#2")]);
  assert.equal(types.byOid(1007)!.preferBinary, false);
  // An explicit array codec wins over the derived one, also when registered first.
  const custom: Codec = { ...raw(1007, "_int4"), parseText: () => "custom" };
  types.register(custom);
  types.register(int4);
  assert.equal(types.byOid(1007), custom);
  // A codec with OID 0 is known by name only.
  const byName: Codec = { ...raw(0, "later"), arrayOid: 0 };
  types.register(byName);
  assert.equal(types.byName("later"), byName);
  assert.equal(types.byOid(0), undefined);
});

test("TypeRegistry: registries do not share state", () => {
  const a = new TypeRegistry([int4]);
  const b = new TypeRegistry([int4]);
  a.register(int8);
  assert.equal(a.byOid(20), int8);
  assert.equal(b.byOid(20), undefined);
  assert.notEqual(a.byOid(1007), b.byOid(1007));
});

test("introspectionQuery: literals escaped, OIDs checked", () => {
  const types = new TypeRegistry([]);
  const sql = types.introspectionQuery(["mood", "it's", "back\\slash", 16_384, 0xffffffff]);
  assert.ok(sql.includes("ARRAY[E'mood',E'it''s',E'back\\\\slash']"), sql);
  assert.ok(sql.includes("'{16384,4294967295}'::pg_catalog.oid[]"), sql);
  assert.ok(!/\$\d/.test(sql), "no parameters");
  const none = types.introspectionQuery([]);
  assert.ok(none.includes("'{}'::pg_catalog.text[]") && none.includes("'{}'::pg_catalog.oid[]"));
  for (const bad of [-1, 1.5, 2 ** 32, NaN]) {
    assert.throws(() => types.introspectionQuery([bad]), RangeError);
  }
  assert.throws(() => types.introspectionQuery(["a\0b"]), TypeError);
  assert.throws(() => types.introspectionQuery([{} as unknown as string]), TypeError);
});

/** Rows as the introspection query returns them (columns documented in applyIntrospection). */
const ROWS: (string | null)[][] = [
  // The composite comes first: dependencies are resolved whatever the order.
  [
    "16410",
    "app",
    "pair",
    "c",
    ",",
    "16409",
    "0",
    "0",
    null,
    null,
    '{__proto__,constructor,m,"x y",d}',
    "{23,16390,16389,25,16400}",
  ],
  ["16409", "app", "_pair", "b", ",", "0", "16410", "0", null, null, null, null],
  ["16390", "app", "mood", "e", ",", "16389", "0", "0", null, null, null, null],
  ["16389", "app", "_mood", "b", ",", "0", "16390", "0", null, null, null, null],
  ["16400", "app", "posint", "d", ",", "16399", "0", "23", null, null, null, null],
  ["16399", "app", "_posint", "b", ",", "0", "16400", "0", null, null, null, null],
  ["16420", "app", "floatrange", "r", ",", "16419", "0", "0", "701", null, null, null],
  ["16419", "app", "_floatrange", "b", ",", "0", "16420", "0", null, null, null, null],
  ["16421", "app", "floatmultirange", "m", ",", "16422", "0", "0", null, "16420", null, null],
  ["16422", "app", "_floatmultirange", "b", ",", "0", "16421", "0", null, null, null, null],
  ["23", "pg_catalog", "int4", "b", ",", "1007", "0", "0", null, null, null, null],
  ["2249", "pg_catalog", "record", "p", ",", "2287", "0", "0", null, null, null, null],
];

test("applyIntrospection: enums, composites, domains, ranges, multiranges and arrays", () => {
  const types = new TypeRegistry(TEST_CODECS);
  const learned = types.applyIntrospection(ROWS);
  assert.deepEqual(learned.map((c) => c.name).sort(), [
    "_floatmultirange",
    "_floatrange",
    "_mood",
    "_pair",
    "_posint",
    "floatmultirange",
    "floatrange",
    "mood",
    "pair",
    "posint",
  ]);
  assert.equal(types.byOid(23), int4, "base types are not replaced");
  const mood = types.byName("mood")!;
  assert.equal(types.byName("app.mood"), mood);
  assert.equal(mood.oid, 16390);
  assert.equal(mood.arrayOid, 16389);
  assert.equal(mood.parseText("ok"), "ok");
  assert.equal(mood.parseBinary!(bytes("not ok")), "not ok");
  assert.deepEqual(types.byOid(16389)!.parseText('{ok,"not ok"}'), ["ok", "not ok"]);

  const posint = types.byOid(16400)!;
  assert.equal(posint.name, "posint");
  assert.equal(posint.parseText("5"), 5);
  assert.equal(posint.parseBinary!(bytes(i32(5))), 5);
  assert.deepEqual(types.byOid(16399)!.parseText("{1,2}"), [1, 2]);

  const pair = types.byName("pair")!;
  const value = pair.parseText('(1,ok,"{ok,""not ok""}","a b",7)') as Record<string, unknown>;
  assert.deepEqual(Object.keys(value), ["__proto__", "constructor", "m", "x y", "d"]);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, 1);
  assert.equal(value.constructor, "ok");
  assert.deepEqual(value.m, ["ok", "not ok"]);
  assert.equal(value.d, 7);
  const pairs = types.byOid(16409)!.parseText('{"(1,ok,{},,)"}') as Record<string, unknown>[];
  assert.deepEqual(pairs[0]!.m, []);

  // float8 has no codec here: bounds are strings.
  assert.deepEqual(types.byName("floatrange")!.parseText("[1.5,2)"), range("1.5", "2"));
  assert.deepEqual(types.byOid(16421)!.parseText("{[1,2)}"), [range("1", "2")]);
  assert.deepEqual(types.byOid(16422)!.parseText('{"{[1,2)}"}'), [[range("1", "2")]]);
  assert.deepEqual(types.byOid(16419)!.parseText('{"[1,2)"}'), [range("1", "2")]);
});

test("applyIntrospection: keeps registered codecs, and later registrations win", () => {
  const types = new TypeRegistry(TEST_CODECS);
  const mine: Codec = { ...raw(16390, "mood", 16389), parseText: (t) => t.toUpperCase() };
  types.register(mine);
  types.applyIntrospection(ROWS);
  assert.equal(types.byOid(16390), mine);
  assert.deepEqual(types.byOid(16389)!.parseText("{ok}"), ["OK"]);
  // Registering a field's type afterwards reaches the composite and its array.
  types.register({
    ...text,
    oid: 16400,
    name: "posint",
    arrayOid: 16399,
    parseText: (t) => `+${t}`,
  });
  const pair = types.byOid(16410)!.parseText("(1,ok,{},x,7)") as Record<string, unknown>;
  assert.equal(pair.constructor, "OK");
  assert.equal(pair.d, "+7");
  // Introspecting again replaces what introspection built before.
  types.applyIntrospection([
    ["16410", "app", "pair", "c", ",", "16409", "0", "0", null, null, "{only}", "{25}"],
  ]);
  assert.deepEqual(types.byOid(16410)!.parseText("(x)"), { only: "x" });
  assert.deepEqual(types.byOid(16409)!.parseText('{"(x)"}'), [{ only: "x" }]);
});

test("applyIntrospection: a codec registered by name gets its OID", () => {
  const types = new TypeRegistry(TEST_CODECS);
  const shout: Codec = { ...raw(0, "mood"), parseText: (t) => t.toUpperCase() };
  types.register(shout);
  assert.equal(types.byOid(16390), undefined);
  types.applyIntrospection(ROWS);
  assert.equal(types.byOid(16390)!.parseText("ok"), "OK");
  assert.equal(types.byName("mood"), types.byOid(16390));
  assert.equal(types.byOid(16390)!.arrayOid, 16389);
  assert.deepEqual(types.byOid(16389)!.parseText("{ok}"), ["OK"]);
  const pair = types.byOid(16410)!.parseText("(1,ok,{ok},x,7)") as Record<string, unknown>;
  assert.equal(pair.constructor, "OK");
});

test("applyIntrospection: malformed rows are TypeErrors", () => {
  const types = new TypeRegistry([]);
  assert.throws(() => types.applyIntrospection([["1", "a", "b"]]), TypeError);
  assert.throws(
    () =>
      types.applyIntrospection([["x", "s", "t", "e", ",", "0", "0", "0", null, null, null, null]]),
    TypeError,
  );
  assert.throws(
    () =>
      types.applyIntrospection([
        ["16410", "s", "t", "c", ",", "0", "0", "0", null, null, "{a,b}", "{25}"],
      ]),
    TypeError,
  );
  assert.deepEqual(types.applyIntrospection([]), []);
});
