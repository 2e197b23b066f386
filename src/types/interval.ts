/**
 * `interval`: reading every IntervalStyle's output (`postgres`, `postgres_verbose`,
 * `sql_standard`, `iso_8601`) and the binary form into a {@link PgInterval}, and writing one back
 * in a form the server reads identically under any IntervalStyle.
 *
 * PostgreSQL 17 added `infinity`/`-infinity` intervals, stored as every field at its int32/int64
 * maximum (minimum); they decode to exactly those fields, as in binary.
 *
 * @module
 */

import type { PgInterval } from "./codec.ts";
import {
  COLON,
  DASH,
  digits2,
  DOT,
  formatClock,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  INT64_MIN,
  PLUS,
  quote,
  readBigInt64,
  readInt32,
  readUint32,
  SPACE,
} from "./date_civil.ts";

const AT = 64;
const SAFE_SECONDS = 9e9;
/** The longest integer a field may have (2562047788 hours, 2147483648 days). */
const MAX_DIGITS = 10;

const POSITIVE_INFINITY: PgInterval = Object.freeze({
  kind: "interval",
  months: INT32_MAX,
  days: INT32_MAX,
  microseconds: INT64_MAX,
});
const NEGATIVE_INFINITY: PgInterval = Object.freeze({
  kind: "interval",
  months: INT32_MIN,
  days: INT32_MIN,
  microseconds: INT64_MIN,
});

function invalid(text: string): never {
  throw new TypeError(`Cannot decode interval: invalid text ${quote(text)}`);
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function build(
  text: string,
  months: number,
  days: number,
  seconds: number,
  micros: number,
): PgInterval {
  if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN) {
    throw new RangeError(`Cannot decode interval: field out of range in ${quote(text)}`);
  }
  let microseconds: bigint;
  if (seconds < SAFE_SECONDS && seconds > -SAFE_SECONDS) {
    microseconds = BigInt(seconds * 1000000 + micros);
  } else {
    microseconds = BigInt(seconds) * 1000000n + BigInt(micros);
    if (microseconds > INT64_MAX || microseconds < INT64_MIN) {
      throw new RangeError(`Cannot decode interval: time out of range in ${quote(text)}`);
    }
  }
  // Fresh objects (the caller may keep or mutate them); -0 would not deep-equal 0.
  return { kind: "interval", months: months + 0, days: days + 0, microseconds };
}

/**
 * Reads an interval as PostgreSQL prints it under any IntervalStyle: `1 year 2 mons 3 days
 * 04:05:06.789` (postgres), `@ 1 day -2 hours ago` (postgres_verbose), `+1-2 -3 +4:05:06`
 * (sql_standard), `P1Y2M3DT4H5M6.789S` (iso_8601), or `infinity`/`-infinity`.
 *
 * @param text The text.
 * @returns The interval.
 * @throws {TypeError} for anything else.
 * @throws {RangeError} for a field beyond what PostgreSQL stores.
 */
export function intervalFromText(text: string): PgInterval {
  const c0 = text.charCodeAt(0);
  if (c0 === 80 /* P */) return fromIso(text);
  if (c0 === 105 /* i */ || (c0 === DASH && text.charCodeAt(1) === 105)) {
    if (text === "infinity") return { ...POSITIVE_INFINITY };
    if (text === "-infinity") return { ...NEGATIVE_INFINITY };
    invalid(text);
  }
  return fromWords(text);
}

/** postgres, postgres_verbose and sql_standard: space-separated fields. */
function fromWords(text: string): PgInterval {
  let i = 0;
  let end = text.length;
  if (text.charCodeAt(0) === AT) i = 1; // postgres_verbose
  const ago = i === 1 && text.endsWith(" ago");
  if (ago) end -= 4;
  let months = 0;
  let days = 0;
  let seconds = 0;
  let micros = 0;
  // sql_standard prints one leading sign for all fields when they share it ("-1 2:03:00").
  let leadNegative = false;
  let firstField = true;
  if (i >= end) invalid(text);
  while (i < end) {
    if (i > 0) {
      if (text.charCodeAt(i) !== SPACE) invalid(text);
      i++;
    }
    let sign = 1;
    const c = text.charCodeAt(i);
    if (c === PLUS) i++;
    else if (c === DASH) {
      sign = -1;
      i++;
    } else if (leadNegative) sign = -1;
    const first = firstField;
    if (firstField) {
      // sql_standard signs either every field or only the first, which then applies to all;
      // postgres signs a field after a negative one.
      leadNegative = sign < 0 && text.indexOf(" -", i) < 0 && text.indexOf(" +", i) < 0;
      firstField = false;
    }
    let v = 0;
    const start = i;
    for (; i < end && isDigitCode(text.charCodeAt(i)); i++) {
      v = v * 10 + text.charCodeAt(i) - 48;
    }
    if (i === start || i - start > MAX_DIGITS) invalid(text);
    const next = i < end ? text.charCodeAt(i) : SPACE;
    if (next === COLON) {
      // [+-]H:MM:SS[.ffffff]
      const m = digits2(text, i + 1);
      const s = digits2(text, i + 4);
      if (text.charCodeAt(i + 3) !== COLON || m < 0 || m > 59 || s < 0 || s > 59) invalid(text);
      i += 6;
      let f = 0;
      if (i < end && text.charCodeAt(i) === DOT) {
        [f, i] = readFraction(text, i + 1, end);
      }
      seconds += sign * (v * 3600 + m * 60 + s);
      micros += sign * f;
    } else if (next === DASH) {
      // sql_standard [+-]Y-M
      const m = digits2(text, i + 1);
      const m1 = text.charCodeAt(i + 1) - 48;
      if (m >= 0 && m <= 11 && (i + 3 === end || text.charCodeAt(i + 3) === SPACE)) {
        i += 3;
        months += sign * (v * 12 + m);
      } else if (m1 >= 0 && m1 <= 9 && (i + 2 === end || text.charCodeAt(i + 2) === SPACE)) {
        i += 2;
        months += sign * (v * 12 + m1);
      } else invalid(text);
    } else {
      let f = 0;
      if (next === DOT) [f, i] = readFraction(text, i + 1, end);
      const unitStart = i + 1;
      let u = unitStart;
      if (i < end && text.charCodeAt(i) === SPACE) {
        for (; u < end && text.charCodeAt(u) >= 97 && text.charCodeAt(u) <= 122; u++);
      }
      if (u === unitStart) {
        // A bare number: sql_standard's day count before the time, or a zero interval's "0".
        if (next === DOT || !(beforeTime(text, i + 1) || (v === 0 && i === end && first))) {
          invalid(text);
        }
        days += sign * v;
        continue;
      }
      const unit = text.slice(unitStart, u);
      i = u;
      if (next === DOT && unit !== "sec" && unit !== "secs") invalid(text);
      switch (unit) {
        case "year":
        case "years":
          months += sign * v * 12;
          break;
        case "mon":
        case "mons":
          months += sign * v;
          break;
        case "day":
        case "days":
          days += sign * v;
          break;
        case "hour":
        case "hours":
          seconds += sign * v * 3600;
          break;
        case "min":
        case "mins":
          seconds += sign * v * 60;
          break;
        case "sec":
        case "secs":
          seconds += sign * v;
          micros += sign * f;
          break;
        default:
          invalid(text);
      }
    }
  }
  if (ago) return build(text, -months, -days, -seconds, -micros);
  return build(text, months, days, seconds, micros);
}

/** Whether a `[+-]H:` time field starts at `i`. */
function beforeTime(text: string, i: number): boolean {
  let c = text.charCodeAt(i);
  if (c === PLUS || c === DASH) c = text.charCodeAt(++i);
  if (!isDigitCode(c)) return false;
  while (isDigitCode(c)) c = text.charCodeAt(++i);
  return c === COLON;
}

/** Reads 1 to 6 digits after a decimal point; returns microseconds and the index after them. */
function readFraction(text: string, i: number, end: number): [number, number] {
  let f = 0;
  let scale = 100000;
  const start = i;
  for (; i < end && i < start + 6; i++, scale /= 10) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) break;
    f += d * scale;
  }
  if (i === start) invalid(text);
  return [f, i];
}

/** iso_8601: `P[nY][nM][nD][T[nH][nM][n[.f]S]]`, each number with its own sign. */
function fromIso(text: string): PgInterval {
  const end = text.length;
  let months = 0;
  let days = 0;
  let seconds = 0;
  let micros = 0;
  let time = false;
  // Designators must come in order: Y M D, then after T: H M S.
  let stage = 0;
  let i = 1;
  if (end === 1) invalid(text);
  while (i < end) {
    if (text.charCodeAt(i) === 84 /* T */) {
      if (time || i + 1 === end) invalid(text);
      time = true;
      stage = 3;
      i++;
    }
    let sign = 1;
    if (text.charCodeAt(i) === DASH) {
      sign = -1;
      i++;
    }
    let v = 0;
    const start = i;
    for (; i < end && isDigitCode(text.charCodeAt(i)); i++) v = v * 10 + text.charCodeAt(i) - 48;
    if (i === start || i - start > MAX_DIGITS) invalid(text);
    let f = 0;
    let fraction = false;
    if (i < end && text.charCodeAt(i) === DOT) {
      [f, i] = readFraction(text, i + 1, end);
      fraction = true;
    }
    const d = text.charCodeAt(i++);
    let next: number;
    if (!time && d === 89 /* Y */) next = 1;
    else if (!time && d === 77 /* M */) next = 2;
    else if (!time && d === 68 /* D */) next = 3;
    else if (time && d === 72 /* H */) next = 4;
    else if (time && d === 77 /* M */) next = 5;
    else if (time && d === 83 /* S */) next = 6;
    else invalid(text);
    if (next <= stage || (fraction && next !== 6)) invalid(text);
    stage = next;
    v *= sign;
    if (next === 1) months += v * 12;
    else if (next === 2) months += v;
    else if (next === 3) days += v;
    else if (next === 4) seconds += v * 3600;
    else if (next === 5) seconds += v * 60;
    else {
      seconds += v;
      micros += sign * f;
    }
  }
  return build(text, months, days, seconds, micros);
}

/**
 * Reads an interval in binary: int64 microseconds, int32 days, int32 months.
 *
 * @param bytes Exactly the value's bytes.
 * @returns The interval.
 * @throws {TypeError} unless there are 16 bytes.
 */
export function intervalFromBinary(bytes: Uint8Array): PgInterval {
  if (bytes.length !== 16) {
    throw new TypeError(`Cannot decode interval: expected 16 bytes, got ${bytes.length}`);
  }
  const hi = readInt32(bytes, 0);
  const microseconds = hi < 0x200000 && hi > -0x200000
    ? BigInt(hi * 4294967296 + readUint32(bytes, 4))
    : readBigInt64(bytes, 0);
  return {
    kind: "interval",
    months: readInt32(bytes, 12),
    days: readInt32(bytes, 8),
    microseconds,
  };
}

/** Checks the fields of an interval to be written; returns it. */
function checkInterval(value: unknown): PgInterval {
  const v = value as PgInterval;
  if (
    typeof value !== "object" || value === null || v.kind !== "interval" ||
    typeof v.microseconds !== "bigint" || !Number.isInteger(v.months) ||
    !Number.isInteger(v.days)
  ) {
    throw new TypeError(
      "Cannot encode interval: expected a PgInterval, a string, or ±Infinity, got " +
        (value === null ? "null" : typeof value),
    );
  }
  if (
    v.months > INT32_MAX || v.months < INT32_MIN || v.days > INT32_MAX || v.days < INT32_MIN ||
    v.microseconds > INT64_MAX || v.microseconds < INT64_MIN
  ) {
    throw new RangeError("Cannot encode interval: a field is beyond int32 (months, days) or int64");
  }
  return v;
}

/**
 * Writes an interval as text the server reads back to the identical value under every
 * IntervalStyle: each non-zero field with an explicit sign (`+1 mons -3 days +04:05:06.789`), so
 * sql_standard's "a leading sign applies to all fields" rule never applies.
 *
 * @param value The interval; the all-maximum (all-minimum) fields of an infinite interval are
 * written as fields too, which PostgreSQL 17+ reads as ±infinity and older servers as the extreme
 * finite interval.
 * @returns The text.
 * @throws {TypeError} when `value` is not a {@link PgInterval}.
 * @throws {RangeError} when a field is beyond what PostgreSQL stores.
 *
 * @example Writing an interval
 * ```ts
 * import { formatPgInterval } from "@pgline/pgline";
 * const text = formatPgInterval({
 *   kind: "interval",
 *   months: 14,
 *   days: -3,
 *   microseconds: 1500000n,
 * });
 * console.assert(text === "+14 mons -3 days +00:00:01.5");
 * ```
 */
export function formatPgInterval(value: PgInterval): string {
  const v = checkInterval(value);
  let out = "";
  if (v.months !== 0) out = (v.months > 0 ? "+" : "") + v.months + " mons";
  if (v.days !== 0) out += (out === "" ? "" : " ") + (v.days > 0 ? "+" : "") + v.days + " days";
  const us = v.microseconds;
  if (us !== 0n) {
    if (out !== "") out += " ";
    if (us === INT64_MIN) {
      // Its H:MM:SS form overflows the server's parser; a microsecond count does not.
      out += us + " microseconds";
    } else {
      const abs = us < 0n ? -us : us;
      out += (us < 0n ? "-" : "+") +
        formatClock(Number(abs / 1000000n), Number(abs % 1000000n));
    }
  }
  return out === "" ? "00:00:00" : out;
}

/**
 * Writes an `interval` parameter as text.
 *
 * @param value A {@link PgInterval}, a string (as it is), or the number ±Infinity.
 * @returns The text.
 * @throws {TypeError|RangeError} as {@link formatPgInterval}, or for another type.
 */
export function serializeInterval(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === Infinity) return "infinity";
  if (value === -Infinity) return "-infinity";
  return formatPgInterval(value as PgInterval);
}
