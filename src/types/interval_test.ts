import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import type { PgInterval } from "./codec.ts";
import {
  formatPgInterval,
  intervalFromBinary,
  intervalFromText,
  serializeInterval,
} from "./interval.ts";

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
}

function iv(months: number, days: number, microseconds: bigint): PgInterval {
  return { kind: "interval", months, days, microseconds };
}

const MAX = iv(2147483647, 2147483647, 9223372036854775807n);
const MIN = iv(-2147483648, -2147483648, -9223372036854775808n);
/** 04:05:06.789 */
const T = 14706789000n;

/** One value as each IntervalStyle prints it (postgres, postgres_verbose, sql_standard, iso_8601). */
const STYLES: [PgInterval, string, string, string, string][] = [
  [iv(0, 0, 0n), "00:00:00", "@ 0", "0", "PT0S"],
  [
    iv(14, 3, T),
    "1 year 2 mons 3 days 04:05:06.789",
    "@ 1 year 2 mons 3 days 4 hours 5 mins 6.789 secs",
    "+1-2 +3 +4:05:06.789",
    "P1Y2M3DT4H5M6.789S",
  ],
  [
    iv(0, -1, 7380000000n),
    "-1 days +02:03:00",
    "@ 1 day -2 hours -3 mins ago",
    "+0-0 -1 +2:03:00",
    "P-1DT2H3M",
  ],
  [iv(-14, 0, 0n), "-1 years -2 mons", "@ 1 year 2 mons ago", "-1-2", "P-1Y-2M"],
  [iv(10, 0, 0n), "10 mons", "@ 10 mons", "0-10", "P10M"],
  [
    iv(0, -3, -T),
    "-3 days -04:05:06.789",
    "@ 3 days 4 hours 5 mins 6.789 secs ago",
    "-3 4:05:06.789",
    "P-3DT-4H-5M-6.789S",
  ],
  [
    iv(0, 3, -14706000000n),
    "3 days -04:05:06",
    "@ 3 days -4 hours -5 mins -6 secs",
    "+0-0 +3 -4:05:06",
    "P3DT-4H-5M-6S",
  ],
  [iv(0, 0, -500000n), "-00:00:00.5", "@ 0.5 secs ago", "-0:00:00.5", "PT-0.5S"],
  [iv(0, 0, 1000000n), "00:00:01", "@ 1 sec", "0:00:01", "PT1S"],
  [iv(0, 0, 1000001n), "00:00:01.000001", "@ 1.000001 secs", "0:00:01.000001", "PT1.000001S"],
  [iv(0, -1, 0n), "-1 days", "@ 1 day ago", "-1 0:00:00", "P-1D"],
  [iv(0, -1, -7200000000n), "-1 days -02:00:00", "@ 1 day 2 hours ago", "-1 2:00:00", "P-1DT-2H"],
  [iv(0, 1, 1000000n), "1 day 00:00:01", "@ 1 day 1 sec", "1 0:00:01", "P1DT1S"],
  [
    iv(-1, 1, -1000000n),
    "-1 mons +1 day -00:00:01",
    "@ 1 mon -1 days 1 sec ago",
    "-0-1 +1 -0:00:01",
    "P-1M1DT-1S",
  ],
  [
    iv(-1, -1, -1n),
    "-1 mons -1 days -00:00:00.000001",
    "@ 1 mon 1 day 0.000001 secs ago",
    "-0-1 -1 -0:00:00.000001",
    "P-1M-1DT-0.000001S",
  ],
  [iv(-1, 0, 3000000n), "-1 mons +00:00:03", "@ 1 mon -3 secs ago", "-0-1 +0 +0:00:03", "P-1MT3S"],
  [
    iv(-2027203419, 1605903680, 8205021098080093867n),
    "-168933618 years -3 mons +1605903680 days 2279172527:14:40.093867",
    "@ 168933618 years 3 mons -1605903680 days -2279172527 hours -14 mins -40.093867 secs ago",
    "-168933618-3 +1605903680 +2279172527:14:40.093867",
    "P-168933618Y-3M1605903680DT2279172527H14M40.093867S",
  ],
  [
    iv(2147483647, -2147483648, 9223372036854775807n),
    "178956970 years 7 mons -2147483648 days +2562047788:00:54.775807",
    "@ 178956970 years 7 mons -2147483648 days 2562047788 hours 54.775807 secs",
    "+178956970-7 -2147483648 +2562047788:00:54.775807",
    "P178956970Y7M-2147483648DT2562047788H54.775807S",
  ],
  [
    iv(0, 0, -9223372036854775808n),
    "-2562047788:00:54.775808",
    "@ 2562047788 hours 54.775808 secs ago",
    "-2562047788:00:54.775808",
    "PT-2562047788H-54.775808S",
  ],
  // PostgreSQL 15 prints the sentinels of PostgreSQL 17's infinities as finite values.
  [
    MAX,
    "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807",
    "@ 178956970 years 7 mons 2147483647 days 2562047788 hours 54.775807 secs",
    "+178956970-7 +2147483647 +2562047788:00:54.775807",
    "P178956970Y7M2147483647DT2562047788H54.775807S",
  ],
];

test("interval text in every IntervalStyle", () => {
  for (const [value, ...texts] of STYLES) {
    for (const text of texts) assert.deepStrictEqual(intervalFromText(text), value, text);
  }
});

test("interval text: infinity (PostgreSQL 17+) is the all-maximum interval", () => {
  assert.deepStrictEqual(intervalFromText("infinity"), MAX);
  assert.deepStrictEqual(intervalFromText("-infinity"), MIN);
  const a = intervalFromText("infinity");
  assert.notEqual(a, intervalFromText("infinity")); // fresh objects
  assert.ok(!Object.isFrozen(a));
});

test("interval text: malformed input throws", () => {
  for (
    const bad of [
      "",
      " ",
      "1",
      "1 day ",
      " 1 day",
      "1  day",
      "1 dayz",
      "1 Day",
      "1.5 days",
      "@ 1.0 days",
      "@ 1. secs",
      "1 day 2",
      "2 01:00:00 3",
      "0 0",
      "1 1 01:00:00",
      "@ 1",
      "@ 0 0",
      "day",
      "- 1 day",
      "1 day ago",
      "@",
      "@ ",
      "@ ago",
      "@ 1 day ago ago",
      "01:02",
      "01:02:3",
      "01:60:00",
      "01:00:60",
      "01:00:00.",
      "01:00:00.1234567",
      "01:00:00x",
      "1-12",
      "1-123",
      "1-",
      "P",
      "PT",
      "P1",
      "P1Y1Y",
      "P1M1Y",
      "PT1H1H",
      "P1DT",
      "P1.5Y",
      "PT1.5H",
      "P1H",
      "PT1D",
      "P1W",
      "P--1D",
      "PT1S ",
      "Infinity",
      "infinity ",
      "-inf",
      "12345678901 days",
    ]
  ) {
    assert.throws(() => intervalFromText(bad), TypeError, bad);
  }
  assert.throws(() => intervalFromText("2147483648 days"), RangeError);
  assert.throws(() => intervalFromText("-2147483649 days"), RangeError);
  assert.throws(() => intervalFromText("178956971 years"), RangeError);
  assert.throws(() => intervalFromText("2562047788:00:54.775808"), RangeError);
  assert.throws(() => intervalFromText("-2562047788:00:54.775809"), RangeError);
  assert.throws(() => intervalFromText("1 dayz"), {
    message: 'Cannot decode interval: invalid text "1 dayz"',
  });
});

test("interval binary: int64 microseconds, int32 days, int32 months", () => {
  // '-1 days +02:03:00', from interval_send.
  assert.deepStrictEqual(
    intervalFromBinary(hex("00000001b7e1dd00ffffffff00000000")),
    iv(0, -1, 7380000000n),
  );
  assert.deepStrictEqual(intervalFromBinary(hex("000000036c97ca88000000030000000e")), iv(14, 3, T));
  assert.deepStrictEqual(
    intervalFromBinary(hex("ffffffffffffffff0000000080000000")),
    iv(-2147483648, 0, -1n),
  );
  assert.deepStrictEqual(intervalFromBinary(hex("7fffffffffffffff7fffffff7fffffff")), MAX);
  assert.deepStrictEqual(intervalFromBinary(hex("80000000000000008000000080000000")), MIN);
  assert.deepStrictEqual(
    intervalFromBinary(hex("ffe00000000000000000000000000000")),
    iv(0, 0, -(2n ** 53n)),
  );
  assert.throws(() => intervalFromBinary(hex("00000000000000000000000000")), {
    name: "TypeError",
    message: "Cannot decode interval: expected 16 bytes, got 13",
  });
});

test("interval serializeText: explicit signs on every field", () => {
  assert.equal(formatPgInterval(iv(0, 0, 0n)), "00:00:00");
  assert.equal(formatPgInterval(iv(14, -3, 1500000n)), "+14 mons -3 days +00:00:01.5");
  assert.equal(formatPgInterval(iv(-1, 3, 0n)), "-1 mons +3 days");
  assert.equal(formatPgInterval(iv(0, 0, -T)), "-04:05:06.789");
  assert.equal(
    formatPgInterval(MAX),
    "+2147483647 mons +2147483647 days +2562047788:00:54.775807",
  );
  assert.equal(
    formatPgInterval(MIN),
    "-2147483648 mons -2147483648 days -9223372036854775808 microseconds",
  );
  assert.equal(serializeInterval("1 day"), "1 day");
  assert.equal(serializeInterval(Infinity), "infinity");
  assert.equal(serializeInterval(-Infinity), "-infinity");
  for (const [value] of STYLES) {
    // The server's own H:MM:SS text for the int64 minimum overflows its parser; ours is not
    // meant to read "microseconds".
    if (value.microseconds === -(2n ** 63n)) continue;
    assert.deepStrictEqual(intervalFromText(formatPgInterval(value)), value);
  }
});

test("interval serializeText: rejects what is not an interval", () => {
  for (
    const bad of [
      5,
      null,
      undefined,
      {},
      { kind: "interval", months: 0, days: 0, microseconds: 0 },
      { kind: "interval", months: 0.5, days: 0, microseconds: 0n },
      { kind: "timestamp", microseconds: 0n, infinity: 0 },
    ]
  ) {
    assert.throws(() => serializeInterval(bad), TypeError);
  }
  assert.throws(() => formatPgInterval(iv(2147483648, 0, 0n)), RangeError);
  assert.throws(() => formatPgInterval(iv(0, -2147483649, 0n)), RangeError);
  assert.throws(() => formatPgInterval(iv(0, 0, 2n ** 63n)), RangeError);
});
