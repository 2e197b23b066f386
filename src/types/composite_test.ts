import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { compositeCodec, unknownCodec } from "./composite.ts";
import type { Codec, CodecLookup } from "./codec.ts";
import { bool, int4, text } from "./testdata/codecs.ts";
import { bytes, i32 } from "../protocol/testdata/golden.ts";
import { prng } from "../testdata/prng.ts";

function lookupOf(...codecs: Codec[]): CodecLookup {
  const map = new Map(codecs.map((c) => [c.oid, c]));
  return { byOid: (oid) => map.get(oid) };
}
const lookup = lookupOf(int4, text, bool);
const fields = [
  { name: "id", typeOid: 23 },
  { name: "label", typeOid: 25 },
  { name: "note", typeOid: 25 },
  { name: "other", typeOid: 99_999 },
];
const row = compositeCodec(16_400, "row", fields, lookup, 16_399);
const record = compositeCodec(2249, "record", undefined, lookup, 2287);

test("compositeCodec: metadata; never prefers binary", () => {
  assert.equal(row.name, "row");
  assert.equal(row.oid, 16_400);
  assert.equal(row.arrayOid, 16_399);
  assert.equal(row.preferBinary, false);
  assert.equal(record.preferBinary, false);
  assert.equal(compositeCodec(1, "x", [], lookup).arrayOid, 0);
});

test("composite parseText: fields decoded by their types, unknown types as strings", () => {
  assert.deepEqual(row.parseText('(1,"a b",,"x""y")'), {
    id: 1,
    label: "a b",
    note: null,
    other: 'x"y',
  });
  assert.deepEqual(row.parseText('(-2,"",x,"a\\\\b")'), {
    id: -2,
    label: "",
    note: "x",
    other: "a\\b",
  });
  // Unquoted whitespace is kept, backslash escapes, quotes may cover part of a field.
  assert.deepEqual(row.parseText('(3, a ,b\\,c,x" "y)'), {
    id: 3,
    label: " a ",
    note: "b,c",
    other: "x y",
  });
  assert.deepEqual(row.parseText(" (,,,) "), { id: null, label: null, note: null, other: null });
  const empty = compositeCodec(16_401, "nothing", [], lookup);
  assert.deepEqual(empty.parseText("()"), {});
  const single = compositeCodec(16_402, "single", [{ name: "a", typeOid: 25 }], lookup);
  assert.deepEqual(single.parseText("()"), { a: null });
  assert.deepEqual(single.parseText('("")'), { a: "" });
});

test("composite parseText: anonymous record gives strings and nulls", () => {
  assert.deepEqual(record.parseText('(1,"a b",,"x""y","(nested)")'), [
    "1",
    "a b",
    null,
    'x"y',
    "(nested)",
  ]);
  assert.deepEqual(record.parseText('(1,"(2,""b c"")")'), ["1", '(2,"b c")']);
  // "()" is read as one NULL field: row(null) and row() print the same.
  assert.deepEqual(record.parseText("()"), [null]);
  assert.deepEqual(record.parseText('("")'), [""]);
});

test("composite parseText: __proto__ and other Object.prototype names are plain data", () => {
  const risky = compositeCodec(
    16_403,
    "risky",
    ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype"].map((name) => ({
      name,
      typeOid: 25,
    })),
    lookup,
  );
  const value = risky.parseText("(a,b,c,d,e)") as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), [
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "prototype",
  ]);
  assert.equal(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, "a");
  assert.equal(value.constructor, "b");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const binary = risky.parseBinary!(bytes(
    i32(5),
    ...["a", "b", "c", "d", "e"].flatMap((s) => [i32(25), i32(1), s]),
  )) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(binary), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(binary, "__proto__")?.value, "a");
  // serializeText reads own properties only: an inherited `constructor` is not a field value.
  assert.equal(risky.serializeText({ toString: "x" }), "(,,x,,)");
  const withProto = JSON.parse('{"__proto__":"p","prototype":"q"}');
  assert.equal(risky.serializeText(withProto), "(p,,,,q)");
});

test("composite parseText: malformed input and wrong field counts are TypeErrors", () => {
  for (
    const input of [
      "",
      "1,2,3,4",
      "(1,2,3,4",
      "(1,2,3)",
      "(1,2,3,4,5)",
      "(1,2,3,4)x",
      '(1,"a,3,4)',
      "(1,a\\",
      "[1,2,3,4]",
    ]
  ) {
    assert.throws(() => row.parseText(input), TypeError, JSON.stringify(input));
  }
  assert.throws(() => row.parseText("(x,a,b,c)"), TypeError); // int4 refuses "x"
  assert.throws(() => compositeCodec(1, "none", [], lookup).parseText("(1)"), TypeError);
  assert.throws(() => row.parseText("(1,2"), /Cannot parse row text "\(1,2": unexpected end/);
  const rand = prng(9);
  const alphabet = ["(", ")", ",", '"', "\\", " ", "a", "1"];
  for (let round = 0; round < 20_000; round++) {
    let s = "";
    for (let n = Math.floor(rand() * 12); n > 0; n--) {
      s += alphabet[Math.floor(rand() * alphabet.length)];
    }
    for (const codec of [record, row]) {
      try {
        codec.parseText(s);
      } catch (err) {
        assert.ok(err instanceof TypeError, `${JSON.stringify(s)}: ${err}`);
      }
    }
  }
});

test("composite parseBinary: record_send layout, decoded by each field's OID", () => {
  const sent = bytes(
    i32(4),
    i32(23),
    i32(4),
    i32(7),
    i32(25),
    i32(3),
    "a b",
    i32(25),
    i32(-1),
    i32(99_999),
    i32(2),
    [0xca, 0xfe],
  );
  assert.deepEqual(row.parseBinary!(sent), {
    id: 7,
    label: "a b",
    note: null,
    other: Uint8Array.of(0xca, 0xfe),
  });
  assert.deepEqual(record.parseBinary!(sent), [7, "a b", null, Uint8Array.of(0xca, 0xfe)]);
  assert.deepEqual(record.parseBinary!(bytes(i32(0))), []);
  // The unknown field is a copy, not a view of the input.
  const other = (row.parseBinary!(sent) as { other: Uint8Array }).other;
  sent[sent.length - 1] = 0;
  assert.equal(other[1], 0xfe);
  // A codec without parseBinary also gives a copy of the bytes.
  const { parseBinary: _, ...textOnly } = text;
  const viaText = compositeCodec(2249, "record", undefined, lookupOf(textOnly));
  assert.deepEqual(viaText.parseBinary!(bytes(i32(1), i32(25), i32(1), "z")), [
    Uint8Array.of(0x7a),
  ]);
});

test("composite parseBinary: malformed input is a TypeError", () => {
  for (
    const input of [
      bytes(),
      bytes(i32(-1)),
      bytes(i32(1)),
      bytes(i32(1), i32(23)),
      bytes(i32(1), i32(23), i32(5), i32(1)),
      bytes(i32(1), i32(23), i32(-2)),
      bytes(i32(1), i32(23), i32(4), i32(1), [0]),
      bytes(i32(0x7fffffff)),
    ]
  ) {
    assert.throws(() => record.parseBinary!(input), TypeError);
  }
  // Field count must match the type.
  assert.throws(() => row.parseBinary!(bytes(i32(1), i32(23), i32(4), i32(1))), TypeError);
});

test("composite serializeText: by name or position, quoted as record_out does", () => {
  assert.equal(
    row.serializeText({ id: 1, label: "a b", note: null, other: 'x"y\\' }),
    String.raw`(1,"a b",,"x""y\\")`,
  );
  assert.equal(row.serializeText({ id: 1 }), "(1,,,)");
  assert.equal(row.serializeText([1, "", undefined, "(,)"]), '(1,"",,"(,)")');
  assert.equal(row.serializeText("(1,2,3,4)"), "(1,2,3,4)");
  assert.equal(record.serializeText([1, "a", null, true, 2n]), "(1,a,,true,2)");
  assert.equal(record.serializeText([]), "()");
  for (const s of ["\t", "\n", " ", "(", ")", ","]) {
    assert.equal(record.serializeText([s]), `("${s}")`);
  }
  assert.throws(() => row.serializeText([1, 2]), TypeError);
  assert.throws(() => row.serializeText(5), TypeError);
  assert.throws(() => row.serializeText(null), TypeError);
  assert.throws(() => record.serializeText({ a: 1 }), TypeError);
  assert.throws(() => record.serializeText([{}]), TypeError);
  // Round trip.
  const rand = prng(2);
  const pieces = ["a", " ", '"', "\\", "(", ")", ",", "é", ""];
  for (let round = 0; round < 300; round++) {
    const values = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
      if (rand() < 0.15) return null;
      let s = "";
      for (let n = Math.floor(rand() * 4); n > 0; n--) {
        s += pieces[Math.floor(rand() * pieces.length)];
      }
      return s;
    });
    if (values.length === 1 && values[0] === null) continue; // "()" reads as [null] anyway
    assert.deepEqual(record.parseText(record.serializeText(values)), values);
  }
});

test("unknownCodec: strings in, strings and byte copies out", () => {
  const c = unknownCodec(16_500);
  assert.equal(c.name, "oid 16500");
  assert.equal(c.preferBinary, false);
  assert.equal(c.parseText("x"), "x");
  const input = Uint8Array.of(1, 2);
  const out = c.parseBinary!(input) as Uint8Array;
  assert.deepEqual(out, input);
  assert.notEqual(out.buffer, input.buffer);
  assert.equal(c.serializeText("s"), "s");
  assert.equal(c.serializeText(1.5), "1.5");
  assert.equal(c.serializeText(false), "false");
  assert.equal(c.serializeText(Uint8Array.of(0, 255)), "\\x00ff");
  assert.throws(() => c.serializeText({}), TypeError);
});
