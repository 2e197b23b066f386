import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { arrayCodec } from "./array.ts";
import { bytea, int4, raw, text } from "./testdata/codecs.ts";
import { bytes, i32 } from "../protocol/testdata/golden.ts";
import { prng } from "../testdata/prng.ts";

const int4s = arrayCodec(int4, 1007);
const texts = arrayCodec(text, 1009);

test("arrayCodec: name, OID and preferBinary follow the element", () => {
  assert.equal(int4s.name, "_int4");
  assert.equal(int4s.oid, 1007);
  assert.equal(int4s.arrayOid, 0);
  assert.equal(int4s.preferBinary, true);
  assert.equal(arrayCodec(int4, 1007, "int4[]").name, "int4[]");
  const textOnly = raw(600, "point");
  const { parseBinary: _, ...noBinary } = textOnly;
  const points = arrayCodec({ ...noBinary, preferBinary: true }, 1017);
  assert.equal(points.preferBinary, false);
  assert.equal(points.parseBinary, undefined);
  assert.equal(arrayCodec({ ...textOnly, preferBinary: false }, 1017).preferBinary, false);
  assert.equal(texts.serializeBinary, undefined);
  assert.equal(typeof arrayCodec(bytea, 1001).serializeBinary, "function");
});

test("arrayCodec: rejects a delimiter the syntax uses", () => {
  for (const d of ['"', "\\", "{", "}", " ", ",,", ""]) {
    assert.throws(() => arrayCodec(int4, 1007, "_int4", { delimiter: d }), TypeError);
  }
});

test("parseText: one-dimensional, nested, empty and NULL", () => {
  assert.deepEqual(int4s.parseText("{}"), []);
  assert.deepEqual(int4s.parseText("  { }  "), []);
  assert.deepEqual(int4s.parseText("{1,2,3}"), [1, 2, 3]);
  assert.deepEqual(int4s.parseText("{-1}"), [-1]);
  assert.deepEqual(int4s.parseText("{1,NULL,null,NuLl,3}"), [1, null, null, null, 3]);
  assert.deepEqual(int4s.parseText("{{1,2},{3,4}}"), [[1, 2], [3, 4]]);
  assert.deepEqual(int4s.parseText("{{{1},{2}},{{3},{NULL}}}"), [[[1], [2]], [[3], [null]]]);
  assert.deepEqual(int4s.parseText("{ { 1 , 2 } , { 3 , 4 } }"), [[1, 2], [3, 4]]);
  assert.deepEqual(int4s.parseText("{{},{}}"), []);
  assert.deepEqual(int4s.parseText("{{{{{{1}}}}}}"), [[[[[[1]]]]]]);
});

test("parseText: quoting and escapes as array_out writes them", () => {
  assert.deepEqual(
    texts.parseText(String.raw`{"a b","","NULL",NULL,"x\"y\\z","{}",",",plain}`),
    ["a b", "", "NULL", null, 'x"y\\z', "{}", ",", "plain"],
  );
  // Unquoted: surrounding whitespace dropped, inner kept; backslash escapes (and is not trimmed).
  assert.deepEqual(texts.parseText("{ a ,b c\t}"), ["a", "b c"]);
  assert.deepEqual(texts.parseText(String.raw`{a\,b,\ x\ ,\NULL,\"}`), ["a,b", " x ", "NULL", '"']);
  // Quoted: nothing trimmed inside, whitespace around ignored; NULL in quotes is a string.
  assert.deepEqual(texts.parseText('{ " a " , "null" }'), [" a ", "null"]);
  assert.deepEqual(texts.parseText('{"\\q"}'), ["q"]);
  assert.deepEqual(texts.parseText('{é,"😀 x",中文}'), ["é", "😀 x", "中文"]);
  assert.deepEqual(texts.parseText('{"\n\t"}'), ["\n\t"]);
  assert.deepEqual(texts.parseText('{{"a","b"},{c,NULL}}'), [["a", "b"], ["c", null]]);
});

test("parseText: dimension decoration is accepted and lower bounds dropped", () => {
  assert.deepEqual(int4s.parseText("[0:2]={1,2,3}"), [1, 2, 3]);
  assert.deepEqual(int4s.parseText("[-5:-4][1:1]={{1},{2}}"), [[1], [2]]);
  assert.deepEqual(int4s.parseText(" [1:2] = {1,2}"), [1, 2]);
  assert.deepEqual(int4s.parseText("[2]={1,2}"), [1, 2]);
});

test("parseText: box arrays use ';'", () => {
  const boxes = arrayCodec(raw(603, "box"), 1020, "_box", { delimiter: ";" });
  assert.deepEqual(boxes.parseText("{(1,1),(0,0);(3,3),(2,2)}"), ["(1,1),(0,0)", "(3,3),(2,2)"]);
  assert.equal(boxes.serializeText(["(1,1),(0,0)", "a;b"]), '{(1,1),(0,0);"a;b"}');
});

test("parseText: malformed input is a TypeError", () => {
  const bad = [
    "",
    "1,2",
    "{1,2",
    "{1,}",
    "{,1}",
    "{1,,2}",
    '{1 2 "}',
    '{"a"b}',
    '{"abc',
    '{"abc\\',
    "{a\\",
    "{1}x",
    "{1}}",
    "{{1,2},{3}}",
    "{{1},{2,3}}",
    "{1,{2}}",
    "{{1},2}",
    "{{},{1}}",
    "{{{{{{{1}}}}}}}",
    "[1:2={1}",
    "[a:b]={1}",
    "[1:2]{1,2}",
    "[1][2][3][4][5][6][7]={1}",
    "{a{b}",
    "{{1}{2}}",
  ];
  for (const input of bad) {
    assert.throws(() => texts.parseText(input), TypeError, JSON.stringify(input));
  }
  assert.throws(() => int4s.parseText("{1,x}"), TypeError);
  assert.throws(() => texts.parseText("{1,2"), /Cannot parse _text text "\{1,2": unexpected end/);
});

test("parseText: random input never hangs and fails only with TypeError", () => {
  const rand = prng(11);
  const alphabet = ["{", "}", ",", '"', "\\", " ", "N", "U", "L", "a", "1", "[", "]", ":", "="];
  for (let round = 0; round < 20_000; round++) {
    let s = "";
    for (let n = Math.floor(rand() * 16); n > 0; n--) {
      s += alphabet[Math.floor(rand() * alphabet.length)];
    }
    try {
      texts.parseText(s);
    } catch (err) {
      assert.ok(err instanceof TypeError, `${JSON.stringify(s)}: ${err}`);
    }
  }
});

test("serializeText: quotes every element that needs it", () => {
  assert.equal(int4s.serializeText([1, null, 3, undefined]), "{1,NULL,3,NULL}");
  assert.equal(int4s.serializeText([[1, 2], [3, 4]]), "{{1,2},{3,4}}");
  assert.equal(int4s.serializeText([[[1], [2]], [[3], [4]]]), "{{{1},{2}},{{3},{4}}}");
  assert.equal(int4s.serializeText([]), "{}");
  assert.equal(int4s.serializeText([[]]), "{}");
  assert.equal(int4s.serializeText([[], []]), "{}");
  assert.equal(
    texts.serializeText(["", "NULL", "null", "a b", 'x"y', "a\\b", "{", "}", ",", "\t", "ok"]),
    String.raw`{"","NULL","null","a b","x\"y","a\\b","{","}",",","	",ok}`,
  );
  assert.equal(
    texts.serializeText(["\n", "\r", "\v", "\f", "é", "nul"]),
    '{"\n","\r","\v","\f",é,nul}',
  );
  assert.equal(texts.serializeText("{preformatted}"), "{preformatted}");
});

test("serializeText: ragged or non-array input is a TypeError", () => {
  for (const value of [[[1, 2], [3]], [1, [2]], [[1], 2], [[], [1]], [[1], []], 5, null, {}]) {
    assert.throws(() => int4s.serializeText(value), TypeError, JSON.stringify(value));
  }
  assert.throws(() => int4s.serializeText([[[[[[[1]]]]]]]), TypeError);
  assert.throws(() => int4s.serializeText(["x"]), TypeError); // the element codec refuses
});

test("serializeText then parseText gives the value back", () => {
  const rand = prng(5);
  const pieces = ["a", " ", '"', "\\", "{", "}", ",", "NULL", "null", "é", "😀", "\t", ""];
  const element = (): string | null => {
    if (rand() < 0.1) return null;
    let s = "";
    for (let n = Math.floor(rand() * 4); n > 0; n--) {
      s += pieces[Math.floor(rand() * pieces.length)];
    }
    return s;
  };
  for (let round = 0; round < 500; round++) {
    const rows = 1 + Math.floor(rand() * 3);
    const cols = 1 + Math.floor(rand() * 3);
    const value = rand() < 0.5
      ? Array.from({ length: cols }, element)
      : Array.from({ length: rows }, () => Array.from({ length: cols }, element));
    assert.deepEqual(texts.parseText(texts.serializeText(value)), value);
  }
});

/** `array_send` bytes: header, dimensions (length, lower bound), then elements. */
function arrayBytes(
  elementOid: number,
  dims: [number, number][],
  elements: (Uint8Array | null)[],
): Uint8Array {
  const hasNull = elements.some((e) => e === null) ? 1 : 0;
  return bytes(
    i32(dims.length),
    i32(hasNull),
    i32(elementOid),
    ...dims.map(([len, lb]) => [...i32(len), ...i32(lb)]),
    ...elements.map((e) => (e === null ? i32(-1) : bytes(i32(e.length), e))),
  );
}

test("parseBinary: vectors written from the array_send layout", () => {
  // As a PostgreSQL 18 server sent '[0:1]={1,NULL}'::int4[].
  const sent = bytes(
    [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x17, 0, 0, 0, 2, 0, 0, 0, 0],
    [0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff],
  );
  assert.deepEqual(int4s.parseBinary!(sent), [1, null]);
  assert.deepEqual(int4s.parseBinary!(arrayBytes(23, [], [])), []);
  assert.deepEqual(
    int4s.parseBinary!(arrayBytes(23, [[2, 1], [2, 1]], [1, 2, 3, 4].map((n) => bytes(i32(n))))),
    [[1, 2], [3, 4]],
  );
  assert.deepEqual(
    int4s.parseBinary!(
      arrayBytes(23, [[2, 1], [1, 1], [2, 1]], [1, 2, 3, 4].map((n) => bytes(i32(n)))),
    ),
    [[[1, 2]], [[3, 4]]],
  );
  assert.deepEqual(
    texts.parseBinary!(arrayBytes(25, [[3, 1]], [bytes("é"), bytes(""), null])),
    ["é", "", null],
  );
  // A view into a larger buffer: offsets must be relative to the view.
  const padded = bytes([9, 9, 9], arrayBytes(23, [[1, 1]], [bytes(i32(-7))]), [9]);
  assert.deepEqual(int4s.parseBinary!(padded.subarray(3, padded.length - 1)), [-7]);
});

test("parseBinary: malformed input is a TypeError, without big allocations", () => {
  const one = bytes(i32(1));
  const bad: Uint8Array[] = [
    bytes(),
    bytes(i32(1), i32(0)),
    bytes(i32(-1), i32(0), i32(23)),
    bytes(i32(7), i32(0), i32(23)),
    bytes(i32(1), i32(2), i32(23), i32(1), i32(1), i32(4), one),
    bytes(i32(1), i32(0), i32(23), i32(-1), i32(1)),
    bytes(i32(1), i32(0), i32(23), i32(1)),
    bytes(i32(2), i32(0), i32(23), i32(0x40000000), i32(1), i32(0x40000000), i32(1)),
    bytes(i32(1), i32(0), i32(23), i32(1), i32(1), i32(5), one),
    bytes(i32(1), i32(0), i32(23), i32(1), i32(1), i32(-2), one),
    bytes(i32(1), i32(0), i32(23), i32(1), i32(1), i32(4), one, [0]),
    bytes(i32(1), i32(0), i32(23), i32(2), i32(1), i32(4), one, [0, 0]),
    bytes(i32(0), i32(0), i32(23), [0]),
  ];
  for (const input of bad) assert.throws(() => int4s.parseBinary!(input), TypeError);
});

test("serializeBinary: bytea[] in the array_send layout", () => {
  const byteas = arrayCodec(bytea, 1001);
  const a = Uint8Array.of(1, 2);
  const encoded = byteas.serializeBinary!([[a], [null]]);
  assert.deepEqual(encoded, arrayBytes(17, [[2, 1], [1, 1]], [a, null]));
  assert.deepEqual(byteas.parseBinary!(encoded), [[a], [null]]);
  assert.deepEqual(byteas.serializeBinary!([]), arrayBytes(17, [], []));
  assert.throws(() => byteas.serializeBinary!([[a], []]), TypeError);
});

test("elementsAreArrays: the innermost arrays are elements (multiranges, records)", () => {
  const records = arrayCodec(
    { ...raw(2249, "record"), serializeText: (v) => `(${(v as unknown[]).join(",")})` },
    2287,
    "_record",
    { elementsAreArrays: true },
  );
  assert.equal(records.serializeText([["1", "a"], ["2", "b"]]), '{"(1,a)","(2,b)"}');
  assert.equal(records.serializeText([[], null, ["x"]]), "{(),NULL,(x)}");
  assert.equal(records.serializeText([[["1"]], [["2"]]]), "{{(1)},{(2)}}");
  assert.equal(records.serializeText([[]]), "{()}");
  assert.equal(records.serializeText([]), "{}");
  assert.throws(() => records.serializeText([[["1"]], ["2"]]), TypeError);
  assert.throws(() => arrayCodec(int4, 1007).serializeText([[1], 2]), TypeError);
});

test("parseText: a large int4 array", () => {
  const values = Array.from({ length: 50_000 }, (_, k) => k * 7 - 1000);
  const literal = `{${values.join(",")}}`;
  assert.deepEqual(int4s.parseText(literal), values);
  assert.equal(int4s.serializeText(values), literal);
});

test("parseBinary: mutated and truncated input fails only with TypeError", () => {
  const rand = prng(17);
  const valid = arrayBytes(25, [[2, 1], [2, 1]], [bytes("a"), null, bytes("bc"), bytes("")]);
  for (let round = 0; round < 20_000; round++) {
    const input = valid.slice(0, Math.floor(rand() * (valid.length + 1)));
    for (let n = Math.floor(rand() * 3); n > 0 && input.length > 0; n--) {
      input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
    }
    try {
      texts.parseBinary!(input);
    } catch (err) {
      assert.ok(err instanceof TypeError, `${input}: ${err}`);
    }
  }
});
