/**
 * Unit tests for the bool, integer, float, numeric and money codecs. Binary vectors are written
 * by hand from the types' send formats (big-endian two's complement, IEEE 754, base-10000
 * numeric), not produced by the encoders under test.
 */
import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import type { Codec, TypeOptions } from "./codec.ts";
import { numericCodecs } from "./numeric.ts";
import { shortestFloat32 } from "./numeric_float.ts";

function codec(name: string, options: TypeOptions = {}): Codec {
  const c = numericCodecs(options).find((c) => c.name === name);
  assert.ok(c, name);
  return c;
}

const u8 = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);
const hex = (h: string): Uint8Array => u8(...(h.match(/../g) ?? []).map((x) => parseInt(x, 16)));

test("numericCodecs: OIDs, preferBinary and option checks", () => {
  const want: Record<string, [number, number, boolean]> = {
    bool: [16, 1000, true],
    int2: [21, 1005, true],
    int4: [23, 1007, true],
    oid: [26, 1028, true],
    int8: [20, 1016, true],
    float4: [700, 1021, false],
    float8: [701, 1022, true],
    numeric: [1700, 1231, false],
    money: [790, 791, false],
  };
  const got = numericCodecs({});
  assert.deepEqual(got.map((c) => c.name).sort(), Object.keys(want).sort());
  for (const c of got) assert.deepEqual([c.oid, c.arrayOid, c.preferBinary], want[c.name], c.name);
  assert.equal(codec("money").parseBinary, undefined);
  assert.throws(() => numericCodecs({ int8: "float" as "number" }), TypeError);
  assert.throws(() => numericCodecs({ numeric: "bigint" as "number" }), TypeError);
});

test("bool: text, binary, parameters", () => {
  const c = codec("bool");
  assert.equal(c.parseText("t"), true);
  assert.equal(c.parseText("f"), false);
  assert.equal(c.parseBinary!(u8(1)), true);
  assert.equal(c.parseBinary!(u8(0)), false);
  assert.throws(() => c.parseText("true"), TypeError);
  assert.throws(() => c.parseText(""), TypeError);
  assert.throws(() => c.parseBinary!(u8(2)), RangeError);
  assert.throws(() => c.parseBinary!(u8()), /Cannot decode bool: expected 1 bytes, got 0/);
  assert.throws(() => c.parseBinary!(u8(1, 0)), RangeError);
  for (const v of [true, "t", "TRUE", " yes ", "y", "on", "1", "tr"]) {
    assert.equal(c.serializeText(v), "t", String(v));
    assert.deepEqual(c.serializeBinary!(v), u8(1));
  }
  for (const v of [false, "f", "False", "no", "n", "off", "of", "0"]) {
    assert.equal(c.serializeText(v), "f", String(v));
    assert.deepEqual(c.serializeBinary!(v), u8(0));
  }
  for (const v of ["o", "", "maybe", "truee", 1, 0, null, undefined, {}]) {
    assert.throws(() => c.serializeText(v), TypeError, String(v));
  }
});

test("int2, int4, oid: text and binary vectors", () => {
  const int2 = codec("int2");
  const int4 = codec("int4");
  const oid = codec("oid");
  assert.equal(int2.parseText("-32768"), -32768);
  assert.equal(int2.parseText("32767"), 32767);
  assert.equal(int2.parseBinary!(u8(0x80, 0x00)), -32768);
  assert.equal(int2.parseBinary!(u8(0x7f, 0xff)), 32767);
  assert.equal(int2.parseBinary!(u8(0xff, 0xfe)), -2);
  assert.equal(int4.parseText("-2147483648"), -2147483648);
  assert.equal(int4.parseText("2147483647"), 2147483647);
  assert.ok(Object.is(int4.parseText("0"), 0));
  assert.ok(Object.is(int4.parseText("-0"), 0));
  assert.equal(int4.parseBinary!(u8(0x80, 0, 0, 0)), -2147483648);
  assert.equal(int4.parseBinary!(u8(0x7f, 0xff, 0xff, 0xff)), 2147483647);
  assert.equal(int4.parseBinary!(u8(0, 0, 1, 0)), 256);
  assert.equal(int4.parseBinary!(u8(0xff, 0xff, 0xff, 0xff)), -1);
  assert.equal(oid.parseBinary!(u8(0xff, 0xff, 0xff, 0xff)), 4294967295);
  assert.equal(oid.parseBinary!(u8(0x80, 0, 0, 0)), 2147483648);
  assert.equal(oid.parseText("4294967295"), 4294967295);
});

test("int2, int4, oid: malformed input", () => {
  const int2 = codec("int2");
  const int4 = codec("int4");
  const oid = codec("oid");
  assert.throws(() => int4.parseBinary!(u8(0, 0, 1)), {
    name: "RangeError",
    message: "Cannot decode int4: expected 4 bytes, got 3",
  });
  assert.throws(() => int2.parseBinary!(u8(0, 0, 1)), /expected 2 bytes, got 3/);
  assert.throws(() => oid.parseBinary!(u8(0, 0, 0, 0, 0)), RangeError);
  for (const t of ["", "-", "+", "1a", " 1", "1 ", "1.0", "1e3", "0x10", "٣"]) {
    assert.throws(() => int4.parseText(t), TypeError, JSON.stringify(t));
  }
  assert.throws(() => int2.parseText("32768"), RangeError);
  assert.throws(() => int4.parseText("2147483648"), RangeError);
  assert.throws(() => int4.parseText("-2147483649"), RangeError);
  assert.throws(() => int4.parseText("99999999999999999999999"), RangeError);
  assert.throws(() => oid.parseText("-1"), RangeError);
  assert.throws(() => oid.parseText("4294967296"), RangeError);
});

test("int2, int4, oid: parameters", () => {
  const int2 = codec("int2");
  const int4 = codec("int4");
  const oid = codec("oid");
  assert.equal(int4.serializeText(42), "42");
  assert.equal(int4.serializeText(-0), "0");
  assert.equal(int4.serializeText(7n), "7");
  assert.equal(int4.serializeText(" -12 "), "-12");
  assert.equal(int4.serializeText("+12"), "12");
  assert.deepEqual(int4.serializeBinary!(-2), u8(0xff, 0xff, 0xff, 0xfe));
  assert.deepEqual(int4.serializeBinary!(-2147483648), u8(0x80, 0, 0, 0));
  assert.deepEqual(int2.serializeBinary!(-32768), u8(0x80, 0));
  assert.deepEqual(int2.serializeBinary!("258"), u8(1, 2));
  assert.deepEqual(oid.serializeBinary!(4294967295), u8(0xff, 0xff, 0xff, 0xff));
  const bad: [Codec, unknown][] = [
    [int4, 1.5],
    [int4, NaN],
    [int4, Infinity],
    [int4, 2147483648],
    [int4, 2147483648n],
    [int4, "1.5"],
    [int4, "abc"],
    [int4, ""],
    [int4, null],
    [int4, true],
    [int2, 32768],
    [int2, -32769],
    [oid, -1],
    [oid, 4294967296],
  ];
  for (const [c, v] of bad) {
    assert.throws(() => c.serializeText(v), TypeError, `${c.name} ${String(v)}`);
    assert.throws(() => c.serializeBinary!(v), TypeError, `${c.name} ${String(v)}`);
  }
  assert.throws(() => int4.serializeText(1.5), {
    message: "Cannot serialize number 1.5 as int4: not an integer in the range " +
      "-2147483648 to 2147483647",
  });
});

const INT8_VECTORS: [string, string][] = [
  ["0000000000000000", "0"],
  ["0000000000000001", "1"],
  ["ffffffffffffffff", "-1"],
  ["0000000100000000", "4294967296"],
  ["00000000ffffffff", "4294967295"],
  ["ffffffff00000000", "-4294967296"],
  ["001fffffffffffff", "9007199254740991"],
  ["ffe0000000000001", "-9007199254740991"],
  ["0020000000000000", "9007199254740992"],
  ["ffe0000000000000", "-9007199254740992"],
  ["0020000000000001", "9007199254740993"],
  ["7fffffffffffffff", "9223372036854775807"],
  ["8000000000000000", "-9223372036854775808"],
];

test("int8: bigint, string and number modes", () => {
  const big = codec("int8");
  const str = codec("int8", { int8: "string" });
  const num = codec("int8", { int8: "number" });
  for (const [h, text] of INT8_VECTORS) {
    assert.equal(big.parseText(text), BigInt(text), text);
    assert.equal(big.parseBinary!(hex(h)), BigInt(text), text);
    assert.equal(str.parseText(text), text);
    assert.equal(str.parseBinary!(hex(h)), text);
    if (Number.isSafeInteger(Number(text)) && String(Number(text)) === text) {
      assert.equal(num.parseText(text), Number(text));
      assert.equal(num.parseBinary!(hex(h)), Number(text));
    } else {
      assert.throws(() => num.parseText(text), RangeError, text);
      assert.throws(() => num.parseBinary!(hex(h)), RangeError, text);
    }
  }
  assert.throws(() => num.parseText("9007199254740992"), /beyond ±\(2\^53-1\)/);
  for (const c of [big, str, num]) {
    assert.throws(() => c.parseText("9223372036854775808"), RangeError);
    assert.throws(() => c.parseText("-9223372036854775809"), RangeError);
    for (const t of ["", "-", "1.0", "12345678901234567x", "x", "1e5", " 1"]) {
      assert.throws(() => c.parseText(t), TypeError, JSON.stringify(t));
    }
    assert.throws(() => c.parseBinary!(u8(0, 0, 0, 0)), /Cannot decode int8: expected 8 bytes/);
  }
});

test("int8: parameters", () => {
  const c = codec("int8");
  for (const [h, text] of INT8_VECTORS) {
    assert.equal(c.serializeText(BigInt(text)), text);
    assert.equal(c.serializeText(text), text);
    assert.deepEqual(c.serializeBinary!(BigInt(text)), hex(h), text);
    assert.deepEqual(c.serializeBinary!(` ${text} `), hex(h), text);
    if (Number.isSafeInteger(Number(text))) {
      assert.deepEqual(c.serializeBinary!(Number(text)), hex(h));
    }
  }
  for (const v of [2 ** 53, 1.5, NaN, 2n ** 63n, -(2n ** 63n) - 1n, "9223372036854775808", "1e3"]) {
    assert.throws(() => c.serializeText(v), TypeError, String(v));
  }
  assert.throws(() => c.serializeBinary!({}), TypeError);
});

const FLOAT8_VECTORS: [string, number][] = [
  ["3ff0000000000000", 1],
  ["bff0000000000000", -1],
  ["0000000000000000", 0],
  ["8000000000000000", -0],
  ["7ff8000000000000", NaN],
  ["7ff0000000000000", Infinity],
  ["fff0000000000000", -Infinity],
  ["3fb999999999999a", 0.1],
  ["7fefffffffffffff", 1.7976931348623157e308],
  ["0000000000000001", 5e-324],
  ["400921fb54442d18", 3.141592653589793],
];

test("float8: exact both ways", () => {
  const c = codec("float8");
  for (const [h, v] of FLOAT8_VECTORS) {
    assert.ok(Object.is(c.parseBinary!(hex(h)), v), h);
    assert.deepEqual(c.serializeBinary!(v), hex(h), h);
    assert.ok(Object.is(c.parseText(c.serializeText(v)), v), h);
  }
  assert.equal(c.serializeText(-0), "-0");
  assert.equal(c.serializeText(NaN), "NaN");
  assert.equal(c.serializeText(Infinity), "Infinity");
  assert.equal(c.serializeText(-Infinity), "-Infinity");
  assert.equal(c.serializeText(1e21), "1e+21");
  assert.equal(c.serializeText(" -inf "), "-inf");
  assert.equal(c.serializeText("1.5e3"), "1.5e3");
  assert.equal(c.serializeText(10n), "10");
  assert.deepEqual(c.serializeBinary!("-Infinity"), hex("fff0000000000000"));
  assert.deepEqual(c.serializeBinary!("nan"), hex("7ff8000000000000"));
  assert.ok(Object.is(c.parseText("-0"), -0));
  assert.equal(c.parseText("1e+21"), 1e21);
  assert.equal(c.parseText("1.5e-07"), 1.5e-7);
  assert.equal(c.parseText("-Infinity"), -Infinity);
  for (const t of ["", " ", " 1", "1 ", "0x10", "0b1", "0o7", "1e", "abc", "Inf", "nan", "1..2"]) {
    assert.throws(() => c.parseText(t), TypeError, JSON.stringify(t));
  }
  for (const v of ["abc", "", {}, null, true]) assert.throws(() => c.serializeText(v), TypeError);
  assert.throws(
    () => c.parseBinary!(u8(0, 0, 0, 0)),
    /Cannot decode float8: expected 8 bytes, got 4/,
  );
});

test("float4: binary gives the shortest decimal the server prints", () => {
  const c = codec("float4");
  const vectors: [string, number][] = [
    ["3f8ccccd", 1.1], // Math.fround(1.1) = 1.100000023841858 prints as 1.1
    ["3dcccccd", 0.1],
    ["3f800000", 1],
    ["80000000", -0],
    ["7fc00000", NaN],
    ["7f800000", Infinity],
    ["ff800000", -Infinity],
    ["7f7fffff", 3.4028235e38],
    ["00000001", 1e-45],
    ["00800000", 1.1754944e-38],
    ["3eaaaaab", 0.33333334],
    // 2097152.25 is halfway between 2097152.2 and 2097152.3; the server rounds to even.
    ["4a000001", 2097152.2],
    ["4a000003", 2097152.8],
    // 50331648 = 1.5 × 2^25; 50331650 lies on the interval's edge, which the server's Ryu
    // (built without STRICTLY_SHORTEST) never accepts.
    ["4c400000", 50331648],
    ["4b800001", 16777218],
    ["c2f6e979", -123.456],
  ];
  for (const [h, v] of vectors) {
    assert.ok(Object.is(c.parseBinary!(hex(h)), v), `${h}: ${c.parseBinary!(hex(h))} != ${v}`);
    assert.deepEqual(c.serializeBinary!(v), hex(h), h);
  }
  assert.equal(c.parseText("1.1"), 1.1);
  assert.equal(c.serializeText(Math.fround(1.1)), "1.100000023841858");
  assert.equal(shortestFloat32(Math.fround(1.1)), 1.1);
  assert.ok(Object.is(shortestFloat32(-0), -0));
  assert.throws(() => c.parseBinary!(u8(0, 0, 0)), /Cannot decode float4: expected 4 bytes, got 3/);
});

test("float4: shortest decimal round-trips through float32 for random values", () => {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  let seed = 12345;
  for (let i = 0; i < 20000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    bits[0] = seed & 0x7f7fffff;
    const v = f[0]!;
    const s = shortestFloat32(v);
    assert.equal(Math.fround(s), v);
    assert.equal(Number(s.toPrecision(9)), s); // At most 9 significant digits.
  }
});

const NUMERIC_VECTORS: [string, string][] = [
  ["00000000c0000000", "NaN"],
  ["00000000d0000000", "Infinity"],
  ["00000000f0000000", "-Infinity"],
  ["00000000d0000020", "Infinity"], // What the server sends: dscale bits of its short header.
  ["00000000f0000020", "-Infinity"],
  ["0000000000000000", "0"],
  ["0000000000000002", "0.00"],
  ["0001000000000000" + "0001", "1"],
  ["0001000040000000" + "0001", "-1"],
  ["0002000040000003" + "0001" + "1388", "-1.500"],
  ["0001ffff00000004" + "0001", "0.0001"],
  ["0001fffe00000008" + "04d2", "0.00001234"],
  ["0003000100000001" + "04d2" + "162e" + "2328", "12345678.9"],
  ["0001000500000000" + "0001", "100000000000000000000"],
  ["0001000100000000" + "0001", "10000"],
  ["00020000000000040001" + "270f", "1.9999"],
  ["0001ffff00000001" + "1388", "0.5"],
  ["0002ffff40000005" + "000a" + "0fa0", "-0.00104"],
];

test("numeric: binary decoding gives the server's text", () => {
  const c = codec("numeric");
  const n = codec("numeric", { numeric: "number" });
  for (const [h, text] of NUMERIC_VECTORS) {
    assert.equal(c.parseBinary!(hex(h)), text, h);
    assert.equal(c.parseText(text), text);
    assert.ok(Object.is(n.parseBinary!(hex(h)), Number(text)), h);
    assert.ok(Object.is(n.parseText(text), Number(text)), h);
  }
  // A weight beyond the stored digits gives trailing zero groups; dscale pads with zeros.
  assert.equal(c.parseBinary!(hex("0001000200000003" + "0007")), "700000000.000");
  // Digits beyond dscale are cut, not rounded (the server never sends them).
  assert.equal(c.parseBinary!(hex("0001ffff00000002" + "270f")), "0.99");
  const big = "9".repeat(1000) + "." + "0".repeat(300) + "1";
  assert.equal(c.parseText(big), big);
});

test("numeric: malformed input", () => {
  const c = codec("numeric");
  assert.throws(() => c.parseBinary!(hex("00000000000000")), RangeError);
  assert.throws(() => c.parseBinary!(hex("0002000000000000" + "0001")), /2 digits do not fit/);
  assert.throws(() => c.parseBinary!(hex("ffff000000000000")), RangeError);
  assert.throws(() => c.parseBinary!(hex("0000000012340000")), /invalid sign/);
  assert.throws(() => c.parseBinary!(hex("000000000000ffff")), /scale/);
  assert.throws(() => c.parseBinary!(hex("0001000000000000" + "2710")), /digit beyond 9999/);
  for (const t of ["", "-", "1.", ".5", "1e5", "+1", " 1", "nan", "inf", "1,5", "1.2.3"]) {
    assert.throws(() => c.parseText(t), TypeError, JSON.stringify(t));
  }
});

test("numeric: parameters", () => {
  const c = codec("numeric");
  const cases: [unknown, string, string][] = [
    ["-1.500", "-1.500", "0002000040000003" + "0001" + "1388"],
    ["0.00", "0.00", "0000000000000002"],
    ["-0.00", "-0.00", "0000000000000002"],
    ["1e20", "1e20", "0001000500000000" + "0001"],
    ["1.5e-3", "1.5e-3", "0001ffff00000004" + "000f"],
    [" 12345678.9 ", "12345678.9", "0003000100000001" + "04d2" + "162e" + "2328"],
    ["+.5", "+.5", "0001ffff00000001" + "1388"],
    ["5.", "5.", "0001000000000000" + "0005"],
    ["10000", "10000", "0001000100000000" + "0001"],
    ["0.0001", "0.0001", "0001ffff00000004" + "0001"],
    [1.5, "1.5", "00020000000000010001" + "1388"],
    [1e21, "1e+21", "0001000500000000" + "000a"],
    [-0, "0", "0000000000000000"],
    [10n, "10", "0001000000000000" + "000a"],
    [NaN, "NaN", "00000000c0000000"],
    [Infinity, "Infinity", "00000000d0000020"],
    ["-inf", "-inf", "00000000f0000020"],
    ["NaN", "NaN", "00000000c0000000"],
  ];
  for (const [v, text, h] of cases) {
    assert.equal(c.serializeText(v), text, String(v));
    assert.deepEqual(c.serializeBinary!(v), hex(h), String(v));
  }
  for (const v of ["", "abc", "1e", "1_000", "0x10", "1..2", ".", "e5", null, {}, true]) {
    assert.throws(() => c.serializeText(v), TypeError, String(v));
    assert.throws(() => c.serializeBinary!(v), TypeError, String(v));
  }
  assert.throws(() => c.serializeBinary!("1e-20000"), /beyond the range/);
  assert.throws(() => c.serializeBinary!("1e200000"), /beyond the range/);
});

test("money: text only, as printed", () => {
  const c = codec("money");
  assert.equal(c.parseText("$1,234.50"), "$1,234.50");
  assert.equal(c.parseText("-$0.01"), "-$0.01");
  assert.throws(() => c.parseText(""), TypeError);
  assert.equal(c.serializeText("$1,234.50"), "$1,234.50");
  assert.equal(c.serializeText(12.5), "12.5");
  assert.equal(c.serializeText(12n), "12");
  assert.equal(c.serializeText(1e-7), "0.00000010000000000000");
  for (const v of [NaN, Infinity, 1e30, "", " ", null, {}]) {
    assert.throws(() => c.serializeText(v), TypeError, String(v));
  }
});
