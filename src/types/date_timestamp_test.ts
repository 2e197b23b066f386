import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  dateDaysFromBinary,
  dateDaysFromText,
  dateFromDays,
  dateFromMicros,
  formatDays,
  formatMicros,
  formatMilliseconds,
  pgDateFromDays,
  pgTimestampFromMicros,
  timestampMicrosFromBinary,
  timestampMicrosFromText,
} from "./date_timestamp.ts";

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** Normalizes a decoder's number-or-bigint result. */
function big(v: number | bigint): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

/** 2024-01-02 00:00:00 UTC in microseconds since 1970. */
const JAN2 = 1704153600000000n;

test("date text", () => {
  assert.equal(dateDaysFromText("1970-01-01"), 0);
  assert.equal(dateDaysFromText("2000-01-02"), 10958);
  assert.equal(dateDaysFromText("1969-12-31"), -1);
  assert.equal(dateDaysFromText("0044-03-15 BC"), -735160);
  assert.equal(dateDaysFromText("0001-01-01"), -719162);
  assert.equal(dateDaysFromText("0001-12-31 BC"), -719163);
  assert.equal(dateDaysFromText("0001-02-29 BC"), -719162 - 366 + 59); // 1 BC is a leap year
  assert.equal(dateDaysFromText("4714-11-24 BC"), -2440588);
  assert.equal(dateDaysFromText("5874897-12-31"), 2145042905);
  assert.equal(dateDaysFromText("294276-12-31"), 106762939);
  assert.equal(dateDaysFromText("infinity"), Infinity);
  assert.equal(dateDaysFromText("-infinity"), -Infinity);
});

test("date text: malformed input throws TypeError", () => {
  for (
    const bad of [
      "",
      "2024",
      "2024-1-02",
      "2024-01-2",
      "2024-01-02 ",
      "2024-01-02x",
      " 2024-01-02",
      "2024-13-01",
      "2024-00-01",
      "2023-02-29",
      "0004-02-29 BC",
      "2024-04-31",
      "2024-01-00",
      "0000-01-01",
      "0000-01-01 BC",
      "12345678-01-01",
      "024-01-01",
      "2024/01/02",
      "2024-01-02 bc",
      "2024-01-02 AD",
      "infinity BC",
      "Infinity",
      "-2024-01-01",
      "+infinity",
      "2024-01-02 00:00:00",
    ]
  ) {
    assert.throws(() => dateDaysFromText(bad), TypeError, bad);
  }
  assert.throws(() => dateDaysFromText("2024-13-01"), {
    message: 'Cannot decode date: invalid text "2024-13-01"',
  });
});

test("date binary: int32 days since 2000-01-01", () => {
  assert.equal(dateDaysFromBinary(hex("00000000")), 10957);
  assert.equal(dateDaysFromBinary(hex("00000001")), 10958);
  assert.equal(dateDaysFromBinary(hex("ffffd533")), 0);
  assert.equal(dateDaysFromBinary(hex("fff49d7b")), -735160); // 0044-03-15 BC, from date_send
  assert.equal(dateDaysFromBinary(hex("7fffffff")), Infinity);
  assert.equal(dateDaysFromBinary(hex("80000000")), -Infinity);
  assert.throws(() => dateDaysFromBinary(hex("000000")), {
    name: "TypeError",
    message: "Cannot decode date: expected 4 bytes, got 3",
  });
  assert.throws(() => dateDaysFromBinary(hex("0000000000")), TypeError);
});

test("date results for both options", () => {
  assert.deepStrictEqual(dateFromDays(1), new Date("1970-01-02T00:00:00Z"));
  assert.equal(dateFromDays(Infinity), Infinity);
  assert.equal(dateFromDays(-Infinity), -Infinity);
  assert.deepStrictEqual(dateFromDays(-2440588), new Date(Date.UTC(-4713, 10, 24)));
  assert.deepStrictEqual(dateFromDays(100000000), new Date(8.64e15));
  assert.throws(() => dateFromDays(100000001), {
    name: "RangeError",
    message:
      'Cannot decode date: 275760-09-14 is beyond the range of a JavaScript Date; use the option dates: "lossless"',
  });
  assert.deepStrictEqual(pgDateFromDays(5), { kind: "date", days: 5, infinity: 0 });
  assert.deepStrictEqual(pgDateFromDays(Infinity), { kind: "date", days: Infinity, infinity: 1 });
  assert.deepStrictEqual(pgDateFromDays(-Infinity), {
    kind: "date",
    days: -Infinity,
    infinity: -1,
  });
});

test("timestamp text", () => {
  const t = (s: string) => big(timestampMicrosFromText(s, false));
  assert.equal(t("1970-01-01 00:00:00"), 0n);
  assert.equal(t("2024-01-02 03:04:05.123456"), JAN2 + 11045123456n);
  assert.equal(t("2024-01-02 03:04:05.5"), JAN2 + 11045500000n);
  assert.equal(t("2024-01-02 03:04:05.000001"), JAN2 + 11045000001n);
  assert.equal(t("1969-12-31 23:59:59.999999"), -1n);
  assert.equal(t("294276-12-31 23:59:59.999999"), 9224318015999999999n);
  assert.equal(t("4714-11-24 00:00:00 BC"), -210866803200000000n);
  assert.equal(t("0044-03-15 12:00:00.5 BC"), -735160n * 86400000000n + 43200500000n);
  assert.equal(timestampMicrosFromText("infinity", false), Infinity);
  assert.equal(timestampMicrosFromText("-infinity", false), -Infinity);
});

test("timestamptz text: offsets east and west, with seconds, before BC", () => {
  const t = (s: string) => big(timestampMicrosFromText(s, true));
  assert.equal(t("2024-01-02 00:00:00+00"), JAN2);
  assert.equal(t("2024-01-02 05:30:00+05:30"), JAN2);
  assert.equal(t("2024-01-01 21:00:00-03"), JAN2);
  assert.equal(t("2024-01-01 20:30:00-03:30"), JAN2);
  assert.equal(t("2024-01-02 00:09:21+00:09:21"), JAN2);
  assert.equal(t("2024-01-01 23:15:30-00:44:30"), JAN2);
  assert.equal(t("2024-01-02 14:00:00.25+14"), JAN2 + 250000n);
  assert.equal(
    t("2024-01-01 08:00:00-15:59:59") - JAN2,
    (-(16n * 3600n) + 15n * 3600n + 3599n) * 1000000n,
  );
  assert.equal(t("4714-11-24 00:00:00+00 BC"), -210866803200000000n);
  assert.equal(t("4714-11-23 19:03:58-04:56:02 BC"), -210866803200000000n);
  assert.equal(t("294277-01-01 13:59:59.999999+14"), 9224318015999999999n);
  assert.equal(t("0001-01-01 00:00:00+00 BC"), -62167219200000000n);
});

test("timestamp text: malformed input throws TypeError", () => {
  const bad = [
    "",
    "2024-01-02",
    "2024-01-02 03:04",
    "2024-01-02T03:04:05",
    "2024-01-02 3:04:05",
    "2024-01-02 03:04:05.",
    "2024-01-02 03:04:05.1234567",
    "2024-01-02 03:04:05 ",
    "2024-01-02 24:00:00",
    "2024-01-02 23:60:00",
    "2024-01-02 23:59:60",
    "2024-02-30 00:00:00",
    "2024-01-02 03:04:05 BC BC",
    "2024-01-02 03:04:05 PST",
    "2024-01-02 03:04:05.5.5",
  ];
  for (const s of [...bad, "2024-01-02 03:04:05+00"]) {
    assert.throws(() => timestampMicrosFromText(s, false), TypeError, s);
  }
  for (
    const s of [
      ...bad.map((b) => b + "+00"),
      "2024-01-02 03:04:05",
      "2024-01-02 03:04:05+16",
      "2024-01-02 03:04:05+5",
      "2024-01-02 03:04:05+05:3",
      "2024-01-02 03:04:05+05:60",
      "2024-01-02 03:04:05+05:30:60",
      "2024-01-02 03:04:05+05:30:00:00",
      "2024-01-02 03:04:05 +05",
      "2024-01-02 03:04:05*05",
    ]
  ) {
    assert.throws(() => timestampMicrosFromText(s, true), TypeError, s);
  }
  assert.throws(() => timestampMicrosFromText("2024-01-02 03:04:05", true), {
    message: 'Cannot decode timestamptz: invalid text "2024-01-02 03:04:05"',
  });
});

test("timestamp binary: int64 microseconds since 2000-01-01", () => {
  const b = (s: string) => big(timestampMicrosFromBinary(hex(s), true));
  assert.equal(b("0000000000000000"), 946684800000000n);
  assert.equal(b("fffca2fec4c82000"), 0n);
  assert.equal(b("fffca2fec4c81fff"), -1n);
  assert.equal(b("0002b0ec8517d580"), JAN2 + 11045123456n); // 2024-01-02 03:04:05.123456
  assert.equal(b("7fffff5bb3b29fff"), 9224318015999999999n); // 294276-12-31 23:59:59.999999
  assert.equal(b("fd0f7cc1411fa000"), -210866803200000000n); // 4714-11-24 00:00:00 BC
  assert.equal(b("ff1af9e8fb4e7120"), -735160n * 86400000000n + 43200500000n); // 44 BC
  assert.equal(b("fff4c9ee5a9b51c0"), -2208989361000000n); // 1900-01-01 00:00:00+00:09:21
  assert.equal(timestampMicrosFromBinary(hex("7fffffffffffffff"), false), Infinity);
  assert.equal(timestampMicrosFromBinary(hex("8000000000000000"), false), -Infinity);
  // Next to the sentinels: finite.
  assert.equal(b("7ffffffffffffffe"), 2n ** 63n - 2n + 946684800000000n);
  assert.equal(b("8000000000000001"), -(2n ** 63n) + 1n + 946684800000000n);
  assert.throws(() => timestampMicrosFromBinary(hex("000000"), true), {
    name: "TypeError",
    message: "Cannot decode timestamptz: expected 8 bytes, got 3",
  });
  assert.throws(() => timestampMicrosFromBinary(new Uint8Array(9), false), {
    message: "Cannot decode timestamp: expected 8 bytes, got 9",
  });
});

test("timestamp binary reads a view at an offset into a larger buffer", () => {
  const buffer = hex("aabbccdd0002b0ec8517d580eeff");
  const view = buffer.subarray(4, 12);
  assert.equal(big(timestampMicrosFromBinary(view, false)), JAN2 + 11045123456n);
});

test("timestamp results: Date floors to milliseconds, lossless keeps everything", () => {
  assert.deepStrictEqual(dateFromMicros(1999, "timestamp"), new Date(1));
  assert.deepStrictEqual(dateFromMicros(-1, "timestamp"), new Date(-1));
  assert.deepStrictEqual(dateFromMicros(-1000, "timestamp"), new Date(-1));
  assert.deepStrictEqual(dateFromMicros(-1001, "timestamp"), new Date(-2));
  assert.deepStrictEqual(dateFromMicros(-1001n, "timestamp"), new Date(-2));
  assert.deepStrictEqual(dateFromMicros(-210866803199999999n, "t"), new Date(-210866803200000));
  assert.deepStrictEqual(dateFromMicros(8640000000000000999n, "t"), new Date(8.64e15));
  assert.equal(dateFromMicros(Infinity, "t"), Infinity);
  assert.equal(dateFromMicros(-Infinity, "t"), -Infinity);
  assert.throws(() => dateFromMicros(9224318015999999999n, "timestamptz"), {
    name: "RangeError",
    message: "Cannot decode timestamptz: 294276-12-31 23:59:59.999999 is beyond the range of a " +
      'JavaScript Date; use the option dates: "lossless"',
  });
  assert.deepStrictEqual(pgTimestampFromMicros(-5), {
    kind: "timestamp",
    microseconds: -5n,
    infinity: 0,
  });
  assert.deepStrictEqual(pgTimestampFromMicros(Infinity), {
    kind: "timestamp",
    microseconds: 9224318721654775807n,
    infinity: 1,
  });
  assert.deepStrictEqual(pgTimestampFromMicros(-Infinity), {
    kind: "timestamp",
    microseconds: -9224318721654775807n,
    infinity: -1,
  });
});

test("formatting: years < 1 as BC, years > 9999 in full", () => {
  assert.equal(formatDays(0), "1970-01-01");
  assert.equal(formatDays(-719163), "0001-12-31 BC");
  assert.equal(formatMicros(0n, true), "1970-01-01 00:00:00+00");
  assert.equal(formatMicros(-1n, false), "1969-12-31 23:59:59.999999");
  assert.equal(formatMicros(-210866803200000000n, true), "4714-11-24 00:00:00+00 BC");
  assert.equal(formatMicros(9224318015999999999n, false), "294276-12-31 23:59:59.999999");
  assert.equal(formatMilliseconds(-1, true), "1969-12-31 23:59:59.999+00");
  assert.equal(
    formatMilliseconds(Date.UTC(2024, 0, 2, 3, 4, 5, 120), false),
    "2024-01-02 03:04:05.12",
  );
  assert.equal(formatMilliseconds(8.64e15, true), "275760-09-13 00:00:00+00");
  assert.equal(formatMilliseconds(-8.64e15, true), "271822-04-20 00:00:00+00 BC");
  // JavaScript's year 0 is 1 BC.
  const y0 = new Date(0);
  y0.setUTCFullYear(0, 5, 15);
  assert.equal(formatMilliseconds(y0.getTime(), false), "0001-06-15 00:00:00 BC");
});
