import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { isAmbiguousParam, resultFormats, serializeParam } from "./params.ts";
import type { CodecLookup, PgDate, PgInterval, PgRange, PgTimestamp } from "./codec.ts";
import { TypeRegistry } from "./registry.ts";
import { bytea, int4, raw, TEST_CODECS, text } from "./testdata/codecs.ts";

const none: CodecLookup = { byOid: () => undefined };
const types = new TypeRegistry(TEST_CODECS);

function inferred(value: unknown): string | null {
  const out = serializeParam(value, 0, none);
  assert.equal(out.format, 0);
  return out.value as string | null;
}

test("serializeParam: null and undefined are SQL NULL for any type", () => {
  assert.deepEqual(serializeParam(null, 0, none), { value: null, format: 0 });
  assert.deepEqual(serializeParam(undefined, 23, types), { value: null, format: 0 });
  assert.deepEqual(serializeParam(null, 17, types), { value: null, format: 0 });
});

test("serializeParam: inferred scalars", () => {
  assert.equal(inferred("it's"), "it's");
  assert.equal(inferred(""), "");
  assert.equal(inferred(42), "42");
  assert.equal(inferred(-1.5e-7), "-1.5e-7");
  assert.equal(inferred(0.1 + 0.2), "0.30000000000000004");
  assert.equal(inferred(NaN), "NaN");
  assert.equal(inferred(Infinity), "Infinity");
  assert.equal(inferred(-Infinity), "-Infinity");
  assert.equal(inferred(-0), "-0");
  assert.equal(inferred(0), "0");
  assert.equal(inferred(2n ** 64n), "18446744073709551616");
  assert.equal(inferred(-5n), "-5");
  assert.equal(inferred(true), "true");
  assert.equal(inferred(false), "false");
  assert.equal(inferred(Uint8Array.of(0, 1, 0xab, 0xff)), "\\x0001abff");
  assert.equal(inferred(new Uint8Array()), "\\x");
  assert.throws(() => inferred(Symbol("x")), TypeError);
  assert.throws(() => inferred(() => 1), TypeError);
  assert.throws(() => inferred(new Map()), TypeError);
  assert.throws(() => inferred(new Set()), TypeError);
  assert.equal(inferred(Uint8Array.of(1, 2, 3).subarray(1)), "\\x0203");
  assert.equal(inferred(Uint8Array.of(1, 2).buffer), "\\x0102");
  assert.equal(inferred(new DataView(Uint8Array.of(1, 2, 3).buffer, 2)), "\\x03");
});

test("serializeParam: Date as timestamptz text with an explicit offset", () => {
  assert.equal(inferred(new Date(0)), "1970-01-01 00:00:00+00");
  assert.equal(
    inferred(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999))),
    "2024-02-29 23:59:59.999+00",
  );
  assert.equal(inferred(new Date(-1)), "1969-12-31 23:59:59.999+00");
  const bc = new Date(Date.UTC(2000, 0, 1));
  bc.setUTCFullYear(0); // year 0 is 1 BC
  assert.equal(inferred(bc), "0001-01-01 00:00:00+00 BC");
  bc.setUTCFullYear(-44, 2, 15);
  assert.equal(inferred(bc), "0045-03-15 00:00:00+00 BC");
  assert.equal(inferred(new Date(8.64e15)), "275760-09-13 00:00:00+00");
  assert.equal(inferred(new Date(Date.UTC(10000, 0, 1))), "10000-01-01 00:00:00+00");
  assert.equal(inferred(new Date(Date.UTC(99, 0, 1) - 0)), "1999-01-01 00:00:00+00");
  const y99 = new Date(0);
  y99.setUTCFullYear(99);
  assert.equal(inferred(y99), "0099-01-01 00:00:00+00");
  assert.throws(() => inferred(new Date(NaN)), /Cannot serialize an invalid Date/);
});

test("serializeParam: Pg* value objects", () => {
  const ts = (microseconds: bigint, infinity: -1 | 0 | 1 = 0): PgTimestamp => ({
    kind: "timestamp",
    microseconds,
    infinity,
  });
  assert.equal(inferred(ts(1n)), "1970-01-01 00:00:00.000001+00");
  assert.equal(inferred(ts(-1n)), "1969-12-31 23:59:59.999999+00");
  assert.equal(inferred(ts(0n, 1)), "infinity");
  assert.equal(inferred(ts(0n, -1)), "-infinity");
  // 294276-12-31 23:59:59.999999, PostgreSQL's largest timestamp (beyond Date's range).
  assert.equal(inferred(ts(9_224_318_015_999_999_999n)), "294276-12-31 23:59:59.999999+00");
  // 4714-11-24 BC, the smallest.
  assert.equal(inferred(ts(-210_866_803_200_000_000n)), "4714-11-24 00:00:00+00 BC");
  const date = (days: number, infinity: -1 | 0 | 1 = 0): PgDate => ({
    kind: "date",
    days,
    infinity,
  });
  assert.equal(inferred(date(0)), "1970-01-01");
  assert.equal(inferred(date(-719_528)), "0001-01-01 BC");
  assert.equal(inferred(date(-719_163)), "0001-12-31 BC");
  assert.equal(inferred(date(-719_162)), "0001-01-01");
  assert.equal(inferred(date(19_782)), "2024-02-29");
  assert.equal(inferred(date(0, -1)), "-infinity");
  const interval = (months: number, days: number, microseconds: bigint): PgInterval => ({
    kind: "interval",
    months,
    days,
    microseconds,
  });
  assert.equal(inferred(interval(14, -3, 3_723_000_004n)), "+14 mons -3 days +01:02:03.000004");
  assert.equal(inferred(interval(-1, 0, -1n)), "-1 mons -00:00:00.000001");
  assert.equal(
    inferred(interval(0, 0, -9_223_372_036_854_775_807n)),
    "-2562047788:00:54.775807",
  );
  const r = (lower: unknown, upper: unknown): PgRange => ({
    kind: "range",
    empty: false,
    lower,
    upper,
    lowerInclusive: true,
    upperInclusive: false,
  });
  assert.equal(inferred(r(1, 5)), "[1,5)");
  assert.equal(inferred(r(null, 5n)), "(,5)");
  assert.equal(
    inferred(r(new Date(0), null)),
    '["1970-01-01 00:00:00+00",)',
  );
  assert.equal(inferred({ ...r(null, null), empty: true }), "empty");
});

test("serializeParam: arrays inferred element by element; objects as JSON", () => {
  assert.equal(inferred([1, null, "a b", undefined, true]), '{1,NULL,"a b",NULL,true}');
  assert.equal(inferred([[1, 2], [3, 4]]), "{{1,2},{3,4}}");
  assert.equal(inferred([]), "{}");
  assert.equal(inferred(["", "NULL", 'q"', "\\"]), String.raw`{"","NULL","q\"","\\"}`);
  assert.equal(inferred([Uint8Array.of(1)]), String.raw`{"\\x01"}`);
  assert.equal(inferred([new Date(0)]), '{"1970-01-01 00:00:00+00"}');
  assert.equal(inferred([{ a: 1 }]), String.raw`{"{\"a\":1}"}`);
  assert.equal(inferred([NaN, -0]), "{NaN,-0}");
  assert.throws(() => inferred([[1], 2]), TypeError);
  assert.throws(() => inferred([[1, 2], [3]]), TypeError);
  assert.equal(inferred({ a: [1, "x"], b: null }), '{"a":[1,"x"],"b":null}');
  assert.equal(inferred({ toJSON: () => "j" }), '"j"');
  assert.throws(() => inferred({ toJSON: () => undefined }), TypeError);
  assert.throws(() => inferred({ n: 1n }), TypeError); // JSON.stringify refuses bigint
});

test("serializeParam: a known type's codec writes the value", () => {
  assert.deepEqual(serializeParam(5, 23, types), { value: "5", format: 0 });
  assert.throws(() =>
    serializeParam("x", 23, {
      byOid: () => ({
        ...int4,
        serializeText: () => {
          throw new TypeError("no");
        },
      }),
    }), TypeError);
  // bytea has serializeBinary: bytes go in binary; a string goes through serializeText.
  const out = serializeParam(Uint8Array.of(1, 2), 17, types);
  assert.equal(out.format, 1);
  assert.deepEqual(out.value, Uint8Array.of(1, 2));
  assert.deepEqual(
    serializeParam("\\x0102", 17, { byOid: () => ({ ...bytea, serializeText: (v) => String(v) }) }),
    {
      value: "\\x0102",
      format: 0,
    },
  );
  // bytea[] derives serializeBinary from the element codec.
  const arr = serializeParam([Uint8Array.of(1)], 1001, types);
  assert.equal(arr.format, 1);
  assert.deepEqual(types.byOid(1001)!.parseBinary!(arr.value as Uint8Array), [Uint8Array.of(1)]);
  assert.deepEqual(serializeParam([1, 2], 1007, types), { value: "{1,2}", format: 0 });
  assert.deepEqual(serializeParam(["a b"], 1009, types), { value: '{"a b"}', format: 0 });
  // An OID without a codec falls back to inference.
  assert.deepEqual(serializeParam([1, 2], 99_999, types), { value: "{1,2}", format: 0 });
  assert.deepEqual(serializeParam("x", 25, types), { value: "x", format: 0 });
});

test("isAmbiguousParam: arrays and plain objects only", () => {
  assert.equal(isAmbiguousParam([1]), true);
  assert.equal(isAmbiguousParam([]), true);
  assert.equal(isAmbiguousParam({ a: 1 }), true);
  assert.equal(isAmbiguousParam(Object.create(null)), true);
  for (
    const value of [
      null,
      undefined,
      "s",
      1,
      1n,
      true,
      new Date(),
      Uint8Array.of(1),
      { kind: "range", empty: true },
      { kind: "interval" },
      { kind: "timestamp" },
      { kind: "date" },
    ]
  ) {
    assert.equal(isAmbiguousParam(value), false, String(value));
  }
});

test("resultFormats: binary where the codec prefers it and can read it", () => {
  const { parseBinary: _, ...textOnly } = raw(700, "float4");
  const lookup = new TypeRegistry([...TEST_CODECS, { ...textOnly, preferBinary: true }]);
  assert.deepEqual(resultFormats([23, 25, 700, 99_999, 1007, 2249, 3904, 3906], lookup), [
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
  ]);
  assert.deepEqual(resultFormats([], lookup), []);
  assert.deepEqual(resultFormats([25], { byOid: () => ({ ...text, preferBinary: false }) }), [0]);
});
