import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { multirangeCodec, rangeCodec } from "./range.ts";
import type { PgRange } from "./codec.ts";
import { int4, raw, text } from "./testdata/codecs.ts";
import { bytes, i32 } from "../protocol/testdata/golden.ts";
import { prng } from "../testdata/prng.ts";

const int4range = rangeCodec(int4, 3904, 3905, "int4range");
const textrange = rangeCodec(text, 16_500, 0, "textrange");
const int4multirange = multirangeCodec(int4range, 4451, 6150, "int4multirange");

function range<T>(
  lower: T | null,
  upper: T | null,
  lowerInclusive = lower !== null,
  upperInclusive = false,
): PgRange<T> {
  return { kind: "range", empty: false, lower, upper, lowerInclusive, upperInclusive };
}
const EMPTY: PgRange = {
  kind: "range",
  empty: true,
  lower: null,
  upper: null,
  lowerInclusive: false,
  upperInclusive: false,
};

test("rangeCodec: OIDs, name and preferBinary follow the subtype", () => {
  assert.equal(int4range.name, "int4range");
  assert.equal(int4range.oid, 3904);
  assert.equal(int4range.arrayOid, 3905);
  assert.equal(int4range.preferBinary, true);
  const { parseBinary: _, ...textOnly } = raw(1700, "numeric");
  const numrange = rangeCodec(textOnly, 3906, 3907, "numrange");
  assert.equal(numrange.preferBinary, false);
  assert.equal(numrange.parseBinary, undefined);
  assert.equal(multirangeCodec(numrange, 4532, 6151, "nummultirange").preferBinary, false);
  assert.equal(int4multirange.preferBinary, true);
});

test("range parseText: bounds, inclusivity, infinity and empty", () => {
  assert.deepEqual(int4range.parseText("[1,5)"), range(1, 5, true, false));
  assert.deepEqual(int4range.parseText("(1,5]"), range(1, 5, false, true));
  assert.deepEqual(int4range.parseText("empty"), EMPTY);
  assert.deepEqual(int4range.parseText("  EmPtY "), EMPTY);
  assert.deepEqual(int4range.parseText("(,5]"), range(null, 5, false, true));
  assert.deepEqual(int4range.parseText("[,)"), range(null, null, false, false));
  assert.deepEqual(int4range.parseText("[,]"), range(null, null, false, false));
  assert.deepEqual(int4range.parseText("[-3,)"), range(-3, null, true, false));
  assert.deepEqual(int4range.parseText(" [1,2) "), range(1, 2));
});

test("range parseText: quoted bounds as range_out writes them", () => {
  assert.deepEqual(
    textrange.parseText('["2024-01-01 00:00:00+00","2024-02-01 00:00:00+00")'),
    range("2024-01-01 00:00:00+00", "2024-02-01 00:00:00+00"),
  );
  assert.deepEqual(textrange.parseText('["",)'), range("", null));
  assert.deepEqual(textrange.parseText('["a""b","c\\\\d"]'), range('a"b', "c\\d", true, true));
  assert.deepEqual(textrange.parseText('[a\\,b,"(x)"]'), range("a,b", "(x)", true, true));
  // Unquoted whitespace belongs to the bound; quotes may cover part of it.
  assert.deepEqual(textrange.parseText("[ a , b ]"), range(" a ", " b ", true, true));
  assert.deepEqual(textrange.parseText('[a" "b,c)'), range("a b", "c"));
});

test("range parseText: malformed input is a TypeError", () => {
  for (
    const input of [
      "",
      "1,5",
      "[1,5",
      "[1;5)",
      "[1,5)x",
      "[1)",
      "emptyx",
      '["a,b)',
      "[a\\",
      "{1,2}",
      "[1,2,3)",
    ]
  ) {
    assert.throws(() => textrange.parseText(input), TypeError, JSON.stringify(input));
  }
  assert.throws(() => int4range.parseText("[a,2)"), TypeError);
  const rand = prng(3);
  const alphabet = ["[", "]", "(", ")", ",", '"', "\\", " ", "e", "empty", "1", "{", "}"];
  for (let round = 0; round < 20_000; round++) {
    let s = "";
    for (let n = Math.floor(rand() * 12); n > 0; n--) {
      s += alphabet[Math.floor(rand() * alphabet.length)];
    }
    for (const codec of [textrange, multirangeCodec(textrange, 0, 0, "textmultirange")]) {
      try {
        codec.parseText(s);
      } catch (err) {
        assert.ok(err instanceof TypeError, `${JSON.stringify(s)}: ${err}`);
      }
    }
  }
});

test("range serializeText: quoting as range_bound_escape does", () => {
  assert.equal(int4range.serializeText(range(1, 5)), "[1,5)");
  assert.equal(int4range.serializeText(range(1, 5, false, true)), "(1,5]");
  assert.equal(int4range.serializeText(range(null, 5, true, true)), "(,5]");
  assert.equal(int4range.serializeText(range(null, null)), "(,)");
  assert.equal(int4range.serializeText(EMPTY), "empty");
  assert.equal(int4range.serializeText("[1,2]"), "[1,2]");
  assert.equal(int4range.serializeText({ lower: 1, upper: 2 }), "[1,2)");
  assert.equal(
    textrange.serializeText(range("a b", 'x"y\\z')),
    String.raw`["a b","x""y\\z")`,
  );
  assert.equal(textrange.serializeText(range("", "(")), '["","(")');
  for (const s of ["[", "]", ")", ",", "\t"]) {
    assert.equal(textrange.serializeText(range(s, "z")), `["${s}",z)`);
  }
  assert.throws(() => int4range.serializeText(5), TypeError);
  assert.throws(() => int4range.serializeText(null), TypeError);
  assert.throws(() => int4range.serializeText([1, 2]), TypeError);
  // Round trip through the parser.
  for (const s of ["", " ", '"', "\\", "a,b", "x)", "[y]", "é 😀", "null", "empty"]) {
    const value = range(s, `${s}~`, true, true);
    assert.deepEqual(textrange.parseText(textrange.serializeText(value)), value);
  }
});

test("range parseBinary: range_send layout", () => {
  const four = (n: number) => bytes(i32(4), i32(n));
  // As PostgreSQL 18 sent '[1,5)'::int4range, 'empty', '(,5]' (canonical (,6)) and '(,)'.
  assert.deepEqual(int4range.parseBinary!(bytes([0x02], four(1), four(5))), range(1, 5));
  assert.deepEqual(int4range.parseBinary!(bytes([0x01])), EMPTY);
  assert.deepEqual(int4range.parseBinary!(bytes([0x08], four(6))), range(null, 6));
  assert.deepEqual(int4range.parseBinary!(bytes([0x18])), range(null, null));
  assert.deepEqual(
    int4range.parseBinary!(bytes([0x06], four(1), four(5))),
    range(1, 5, true, true),
  );
  assert.deepEqual(int4range.parseBinary!(bytes([0x10], four(-2))), range(-2, null, false));
  assert.deepEqual(
    textrange.parseBinary!(bytes([0x02], i32(0), i32(2), "é")),
    range("", "é"),
  );
});

test("range parseBinary: malformed input is a TypeError", () => {
  const four = bytes(i32(4), i32(1));
  for (
    const input of [
      bytes(),
      bytes([0x01, 0]),
      bytes([0x20]),
      bytes([0x80]),
      bytes([0x02], four),
      bytes([0x02], four, four, [0]),
      bytes([0x02], i32(-1), four),
      bytes([0x02], i32(100), four),
      bytes([0x18], four),
      bytes([0x02], [0, 0]),
    ]
  ) {
    assert.throws(() => int4range.parseBinary!(input), TypeError);
  }
});

test("multirange parseText and serializeText", () => {
  assert.deepEqual(int4multirange.parseText("{}"), []);
  assert.deepEqual(int4multirange.parseText(" { } "), []);
  assert.deepEqual(int4multirange.parseText("{[1,3),[5,7)}"), [range(1, 3), range(5, 7)]);
  assert.deepEqual(int4multirange.parseText("{ [1,3) , (,7] , empty }"), [
    range(1, 3),
    range(null, 7, false, true),
  ]);
  const tmr = multirangeCodec(textrange, 0, 0, "textmultirange");
  assert.deepEqual(tmr.parseText('{["a)","b]"),[c\\],d]}'), [
    range("a)", "b]"),
    range("c]", "d", true, true),
  ]);
  assert.equal(int4multirange.serializeText([range(1, 3), range(5, 7)]), "{[1,3),[5,7)}");
  assert.equal(int4multirange.serializeText([]), "{}");
  assert.equal(int4multirange.serializeText("{[1,2)}"), "{[1,2)}");
  assert.throws(() => int4multirange.serializeText(range(1, 2)), TypeError);
  for (const input of ["", "{", "{[1,2)", "{[1,2),}", "{[1,2) [3,4)}", "{1}", "{[1,2)}x"]) {
    assert.throws(() => int4multirange.parseText(input), TypeError, JSON.stringify(input));
  }
});

test("multirange parseBinary: multirange_send layout", () => {
  // As PostgreSQL 18 sent '{[1,3),[5,7)}'::int4multirange.
  const sent = bytes(
    i32(2),
    i32(17),
    [0x02],
    i32(4),
    i32(1),
    i32(4),
    i32(3),
    i32(17),
    [0x02],
    i32(4),
    i32(5),
    i32(4),
    i32(7),
  );
  assert.deepEqual(int4multirange.parseBinary!(sent), [range(1, 3), range(5, 7)]);
  assert.deepEqual(int4multirange.parseBinary!(bytes(i32(0))), []);
  for (
    const input of [
      bytes(),
      bytes(i32(-1)),
      bytes(i32(1)),
      bytes(i32(0x7fffffff)),
      bytes(i32(1), i32(0)),
      bytes(i32(1), i32(2), [1]),
      bytes(i32(1), i32(1), [1], [0]),
    ]
  ) {
    assert.throws(() => int4multirange.parseBinary!(input), TypeError);
  }
});

test("range and multirange parseBinary: mutated input fails only with TypeError", () => {
  const rand = prng(23);
  const valid = bytes(
    i32(2),
    i32(17),
    [0x02],
    i32(4),
    i32(1),
    i32(4),
    i32(3),
    i32(5),
    [0x08],
    i32(0),
  );
  for (let round = 0; round < 20_000; round++) {
    const input = valid.slice(0, Math.floor(rand() * (valid.length + 1)));
    for (let n = Math.floor(rand() * 3); n > 0 && input.length > 0; n--) {
      input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
    }
    for (const parse of [int4multirange.parseBinary!, int4range.parseBinary!]) {
      try {
        parse(input);
        parse(input.subarray(8));
      } catch (err) {
        assert.ok(err instanceof TypeError, `${input}: ${err}`);
      }
    }
  }
});
