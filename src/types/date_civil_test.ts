import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  digits2,
  formatCivil,
  formatClock,
  formatFraction,
  isLeapYear,
  readBigInt64,
  readInt32,
  readUint32,
} from "./date_civil.ts";
import { prng } from "../testdata/prng.ts";

/** Days since 1970 of a day, by JavaScript's own (proleptic Gregorian) calendar. */
function jsDays(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.round(d.getTime() / 86400000);
}

test("daysFromCivil: known days", () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2000, 1, 1), 10957);
  assert.equal(daysFromCivil(1969, 12, 31), -1);
  assert.equal(daysFromCivil(2000, 3, 1), 11017); // after a 400-year leap day
  // 4714-11-24 BC (astronomical -4713), Julian day 0: PostgreSQL's first date.
  assert.equal(daysFromCivil(-4713, 11, 24), -2440588);
  // 5874897-12-31, PostgreSQL's last date.
  assert.equal(daysFromCivil(5874897, 12, 31), 2145042905);
  // 44 BC (astronomical -43).
  assert.equal(daysFromCivil(-43, 3, 15), -735160);
});

test("daysFromCivil and civilFromDays agree with Date over random days", () => {
  const random = prng(7);
  for (let i = 0; i < 5000; i++) {
    const days = Math.floor(random() * 200000000) - 100000000; // the whole Date range
    const d = new Date(days * 86400000);
    const ymd: [number, number, number] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    assert.deepStrictEqual(civilFromDays(days), ymd, `day ${days}`);
    assert.equal(daysFromCivil(...ymd), days);
    assert.equal(jsDays(...ymd), days);
  }
});

test("civilFromDays inverts daysFromCivil beyond the Date range", () => {
  const days: [number, number, number][] = [[5874897, 12, 31], [294276, 12, 31], [-4713, 11, 24], [
    0,
    2,
    29,
  ]];
  for (const ymd of days) assert.deepStrictEqual(civilFromDays(daysFromCivil(...ymd)), ymd);
  // Every day of a 400-year cycle around year 0.
  let prev = daysFromCivil(-200, 1, 1) - 1;
  for (let y = -200; y < 200; y++) {
    for (let m = 1; m <= 12; m++) {
      for (let d = 1; d <= daysInMonth(y, m); d++) {
        const days = daysFromCivil(y, m, d);
        assert.equal(days, prev + 1);
        assert.deepStrictEqual(civilFromDays(days), [y, m, d]);
        prev = days;
      }
    }
  }
});

test("isLeapYear and daysInMonth: Gregorian rules, astronomical years", () => {
  assert.ok(isLeapYear(2000) && isLeapYear(2024) && isLeapYear(0) && isLeapYear(-4));
  assert.ok(!isLeapYear(1900) && !isLeapYear(2023) && !isLeapYear(-1) && !isLeapYear(-100));
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2100, 2), 28);
  assert.equal(daysInMonth(2024, 4), 30);
  assert.equal(daysInMonth(2024, 12), 31);
  assert.equal(daysInMonth(2024, 13), 0);
});

test("digits2 reads two digits or -1", () => {
  assert.equal(digits2("x07", 1), 7);
  assert.equal(digits2("99", 0), 99);
  assert.equal(digits2("9", 0), -1);
  assert.equal(digits2("9a", 0), -1);
  assert.equal(digits2("/0", 0), -1);
  assert.equal(digits2(":0", 0), -1);
});

test("big-endian readers", () => {
  const b = new Uint8Array([0xff, 0xff, 0xff, 0xfe, 0x80, 0, 0, 1]);
  assert.equal(readInt32(b, 0), -2);
  assert.equal(readUint32(b, 0), 0xfffffffe);
  assert.equal(readUint32(b, 4), 0x80000001);
  assert.equal(readBigInt64(b, 0), -0x17fffffffn);
  assert.equal(
    readBigInt64(new Uint8Array([0x7f, 255, 255, 255, 255, 255, 255, 255]), 0),
    2n ** 63n - 1n,
  );
  assert.equal(readBigInt64(new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0]), 0), -(2n ** 63n));
});

test("formatters print as PostgreSQL does", () => {
  assert.equal(formatFraction(0), "");
  assert.equal(formatFraction(500000), ".5");
  assert.equal(formatFraction(1), ".000001");
  assert.equal(formatFraction(123450), ".12345");
  assert.equal(formatClock(0, 0), "00:00:00");
  assert.equal(formatClock(86400, 0), "24:00:00");
  assert.equal(formatClock(14706, 789000), "04:05:06.789");
  assert.equal(formatClock(9223372036, 854775), "2562047:47:16.854775");
  assert.deepStrictEqual(formatCivil(0), ["1970-01-01", false]);
  assert.deepStrictEqual(formatCivil(-735160), ["0044-03-15", true]);
  assert.deepStrictEqual(formatCivil(daysFromCivil(0, 12, 31)), ["0001-12-31", true]);
  assert.deepStrictEqual(formatCivil(daysFromCivil(1, 1, 1)), ["0001-01-01", false]);
  assert.deepStrictEqual(formatCivil(2145042905), ["5874897-12-31", false]);
  assert.deepStrictEqual(formatCivil(daysFromCivil(10000, 1, 1)), ["10000-01-01", false]);
});
