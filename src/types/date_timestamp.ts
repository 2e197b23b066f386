/**
 * `date`, `timestamp` and `timestamptz`: reading the text PostgreSQL prints under DateStyle ISO
 * and the binary form, and writing values back.
 *
 * Both decoders of a type meet in one intermediate value (days, or microseconds since
 * 1970-01-01 as a number while exact and a bigint beyond, ±Infinity for the infinities), and
 * one function turns that into the JavaScript result, so text and binary cannot disagree.
 *
 * @module
 */

import type { PgDate, PgTimestamp } from "./codec.ts";
import {
  COLON,
  DASH,
  daysFromCivil,
  daysInMonth,
  digits2,
  DOT,
  formatCivil,
  formatClock,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  MAX_DATE_MS,
  PG_EPOCH_DAYS,
  PG_EPOCH_MICROS,
  PLUS,
  quote,
  readInt32,
  readUint32,
  SPACE,
} from "./date_civil.ts";

const LOWER_I = 105;
const MS_PER_DAY = 86400000;
/** Whole seconds below which seconds × 10^6 + fraction stays below 2^53. */
const SAFE_SECONDS = 9e9;
/** High words of an int64 below which high × 2^32 + low + the epoch shift stays below 2^53. */
const SAFE_HIGH = 0x100000;
const EPOCH_MICROS_BIG = BigInt(PG_EPOCH_MICROS);
/** Microseconds of PostgreSQL's `infinity` timestamp (int64 max since 2000) since 1970. */
const INFINITY_MICROS = INT64_MAX + EPOCH_MICROS_BIG;

/**
 * A timestamp in flight: microseconds since 1970-01-01 (a number while exact, else a bigint),
 * or ±Infinity for PostgreSQL's infinities.
 */
export type Micros = number | bigint;

function invalid(name: string, text: string): never {
  throw new TypeError(`Cannot decode ${name}: invalid text ${quote(text)}`);
}

/** Reads `infinity`/`-infinity`, or returns 0 (falsy) for anything else. */
function infinityOf(text: string): number {
  if (text === "infinity") return Infinity;
  if (text === "-infinity") return -Infinity;
  return 0;
}

/**
 * Reads the `YYYY-MM-DD` at the start of `text` (4 to 7 year digits).
 *
 * @returns Days since 1970-01-01; the year's digit count is `daysEnd - 6`, found by the caller.
 */
function readDays(text: string, yearLength: number, bc: boolean, name: string): number {
  let year = 0;
  for (let i = 0; i < yearLength; i++) year = year * 10 + text.charCodeAt(i) - 48;
  const month = digits2(text, yearLength + 1);
  const day = digits2(text, yearLength + 4);
  if (year === 0 || text.charCodeAt(yearLength + 3) !== DASH) invalid(name, text);
  if (bc) year = 1 - year;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    invalid(name, text);
  }
  return daysFromCivil(year, month, day);
}

/** Counts the leading year digits and checks the dash after them; returns their count. */
function yearLength(text: string, name: string): number {
  let i = 0;
  for (;;) {
    const c = text.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) break;
    i++;
  }
  if (i < 4 || i > 7 || text.charCodeAt(i) !== DASH) invalid(name, text);
  return i;
}

/**
 * Reads a `date` as PostgreSQL prints it (`2024-01-02`, `0044-03-15 BC`, `infinity`).
 *
 * @param text The text.
 * @returns Days since 1970-01-01, or ±Infinity.
 * @throws {TypeError} for anything else.
 */
export function dateDaysFromText(text: string): number {
  const c0 = text.charCodeAt(0);
  if (c0 === LOWER_I || c0 === DASH) return infinityOf(text) || invalid("date", text);
  const bc = text.endsWith(" BC");
  const end = bc ? text.length - 3 : text.length;
  const y = yearLength(text, "date");
  if (y + 6 !== end) invalid("date", text);
  return readDays(text, y, bc, "date");
}

/**
 * Reads a `date` in binary: an int32 of days since 2000-01-01.
 *
 * @param bytes Exactly the value's bytes.
 * @returns Days since 1970-01-01, or ±Infinity.
 * @throws {TypeError} unless there are 4 bytes.
 */
export function dateDaysFromBinary(bytes: Uint8Array): number {
  if (bytes.length !== 4) {
    throw new TypeError(`Cannot decode date: expected 4 bytes, got ${bytes.length}`);
  }
  const d = readInt32(bytes, 0);
  if (d === INT32_MAX) return Infinity;
  if (d === INT32_MIN) return -Infinity;
  return d + PG_EPOCH_DAYS;
}

/**
 * Reads a `timestamp` (`2024-01-02 03:04:05.123456`) or `timestamptz`
 * (`2024-01-02 03:04:05+05:30`, `1900-01-01 00:00:00+00:09:21`, `... BC`) printed under DateStyle
 * ISO, or `infinity`/`-infinity`.
 *
 * @param text The text.
 * @param withZone True for `timestamptz`: a UTC offset follows the time.
 * @returns Microseconds since 1970-01-01 (UTC for timestamptz, wall clock for timestamp).
 * @throws {TypeError} for anything else.
 */
export function timestampMicrosFromText(text: string, withZone: boolean): Micros {
  const name = withZone ? "timestamptz" : "timestamp";
  const c0 = text.charCodeAt(0);
  if (c0 === LOWER_I || c0 === DASH) return infinityOf(text) || invalid(name, text);
  const bc = text.endsWith(" BC");
  const end = bc ? text.length - 3 : text.length;
  const y = yearLength(text, name);
  const days = readDays(text, y, bc, name);
  let i = y + 6;
  const h = digits2(text, i + 1);
  const m = digits2(text, i + 4);
  const s = digits2(text, i + 7);
  if (
    text.charCodeAt(i) !== SPACE || text.charCodeAt(i + 3) !== COLON ||
    text.charCodeAt(i + 6) !== COLON || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59
  ) {
    invalid(name, text);
  }
  i += 9;
  let frac = 0;
  if (text.charCodeAt(i) === DOT) {
    let scale = 100000;
    for (i++; scale >= 1; i++, scale /= 10) {
      const d = text.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      frac += d * scale;
    }
    if (scale === 100000) invalid(name, text); // no digit after the point
  }
  let offset = 0;
  if (withZone) {
    const sign = text.charCodeAt(i);
    const oh = digits2(text, i + 1);
    if ((sign !== PLUS && sign !== DASH) || oh < 0 || oh > 15) invalid(name, text);
    offset = oh * 3600;
    i += 3;
    if (text.charCodeAt(i) === COLON) {
      const om = digits2(text, i + 1);
      if (om < 0 || om > 59) invalid(name, text);
      offset += om * 60;
      i += 3;
      if (text.charCodeAt(i) === COLON) {
        const os = digits2(text, i + 1);
        if (os < 0 || os > 59) invalid(name, text);
        offset += os;
        i += 3;
      }
    }
    if (sign === DASH) offset = -offset;
  }
  if (i !== end) invalid(name, text);
  const seconds = days * 86400 + h * 3600 + m * 60 + s - offset;
  if (seconds < SAFE_SECONDS && seconds > -SAFE_SECONDS) return seconds * 1e6 + frac;
  return BigInt(seconds) * 1000000n + BigInt(frac);
}

/**
 * Reads a `timestamp`/`timestamptz` in binary: an int64 of microseconds since 2000-01-01
 * (UTC for timestamptz), int64 max/min for ±infinity.
 *
 * @param bytes Exactly the value's bytes.
 * @param withZone True for `timestamptz` (only the error message differs).
 * @returns Microseconds since 1970-01-01, or ±Infinity.
 * @throws {TypeError} unless there are 8 bytes.
 */
export function timestampMicrosFromBinary(bytes: Uint8Array, withZone: boolean): Micros {
  if (bytes.length !== 8) {
    const name = withZone ? "timestamptz" : "timestamp";
    throw new TypeError(`Cannot decode ${name}: expected 8 bytes, got ${bytes.length}`);
  }
  const hi = readInt32(bytes, 0);
  const lo = readUint32(bytes, 4);
  if (hi < SAFE_HIGH && hi > -SAFE_HIGH) return hi * 4294967296 + lo + PG_EPOCH_MICROS;
  if (hi === INT32_MAX && lo === 0xffffffff) return Infinity;
  if (hi === INT32_MIN && lo === 0) return -Infinity;
  return ((BigInt(hi) << 32n) | BigInt(lo)) + EPOCH_MICROS_BIG;
}

/**
 * The JavaScript `Date` for a timestamp, the sub-millisecond part floored.
 *
 * @param micros Microseconds since 1970-01-01, or ±Infinity.
 * @param name The type, for the error message.
 * @returns A `Date`, or the number ±Infinity.
 * @throws {RangeError} beyond the ±8.64e15 ms a `Date` holds (years past 275760).
 */
export function dateFromMicros(micros: Micros, name: string): Date | number {
  let ms: number;
  if (typeof micros === "number") {
    if (micros === Infinity || micros === -Infinity) return micros;
    const r = micros % 1000;
    ms = (micros - r) / 1000 - (r < 0 ? 1 : 0);
  } else {
    let q = micros / 1000n;
    if (micros % 1000n < 0n) q -= 1n;
    ms = Number(q);
  }
  if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) {
    throw new RangeError(
      `Cannot decode ${name}: ${
        formatMicros(BigInt(micros), false)
      } is beyond the range of a JavaScript Date; use the option dates: "lossless"`,
    );
  }
  return new Date(ms);
}

/**
 * The {@link PgTimestamp} for a timestamp.
 *
 * @param micros Microseconds since 1970-01-01, or ±Infinity.
 * @returns The value. The infinities carry ±(int64 max + the 30 years from 1970 to 2000 in
 * microseconds), ±9224318721654775807: PostgreSQL's stored `infinity` moved to the Unix epoch, so
 * they still sort after (before) every finite timestamp, whose largest is 9224318015999999999.
 */
export function pgTimestampFromMicros(micros: Micros): PgTimestamp {
  if (typeof micros === "bigint") return { kind: "timestamp", microseconds: micros, infinity: 0 };
  if (micros === Infinity) return { kind: "timestamp", microseconds: INFINITY_MICROS, infinity: 1 };
  if (micros === -Infinity) {
    return { kind: "timestamp", microseconds: -INFINITY_MICROS, infinity: -1 };
  }
  return { kind: "timestamp", microseconds: BigInt(micros), infinity: 0 };
}

/**
 * The JavaScript `Date` at UTC midnight of a day.
 *
 * @param days Days since 1970-01-01, or ±Infinity.
 * @returns A `Date`, or the number ±Infinity.
 * @throws {RangeError} beyond the range of a `Date` (years past 275760).
 */
export function dateFromDays(days: number): Date | number {
  if (days === Infinity || days === -Infinity) return days;
  const ms = days * MS_PER_DAY;
  if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) {
    throw new RangeError(
      `Cannot decode date: ${
        formatDays(days)
      } is beyond the range of a JavaScript Date; use the option dates: "lossless"`,
    );
  }
  return new Date(ms);
}

/**
 * The {@link PgDate} for a day.
 *
 * @param days Days since 1970-01-01, or ±Infinity.
 * @returns The value; the infinities carry ±Infinity days.
 */
export function pgDateFromDays(days: number): PgDate {
  if (days === Infinity) return { kind: "date", days, infinity: 1 };
  if (days === -Infinity) return { kind: "date", days, infinity: -1 };
  return { kind: "date", days, infinity: 0 };
}

/**
 * `YYYY-MM-DD[ BC]`, as PostgreSQL prints a date.
 *
 * @param days Days since 1970-01-01 (finite).
 * @returns The text.
 */
export function formatDays(days: number): string {
  const [date, bc] = formatCivil(days);
  return bc ? date + " BC" : date;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff][+00][ BC]`, as PostgreSQL prints a timestamp under DateStyle
 * ISO in the UTC time zone.
 *
 * @param micros Microseconds since 1970-01-01 (finite).
 * @param withZone Append the UTC offset `+00`.
 * @returns The text.
 */
export function formatMicros(micros: bigint, withZone: boolean): string {
  let seconds = micros / 1000000n;
  let frac = micros % 1000000n;
  if (frac < 0n) {
    frac += 1000000n;
    seconds -= 1n;
  }
  return formatStamp(Number(seconds), Number(frac), withZone);
}

/**
 * The text of a `Date` as a timestamp in UTC.
 *
 * @param ms Milliseconds since 1970-01-01 (finite).
 * @param withZone Append the UTC offset `+00`.
 * @returns The text.
 */
export function formatMilliseconds(ms: number, withZone: boolean): string {
  const r = ms % 1000;
  const floor = ms - r - (r < 0 ? 1000 : 0);
  return formatStamp(floor / 1000, (ms - floor) * 1000, withZone);
}

function formatStamp(seconds: number, frac: number, withZone: boolean): string {
  const days = Math.floor(seconds / 86400);
  const [date, bc] = formatCivil(days);
  let s = date + " " + formatClock(seconds - days * 86400, frac);
  if (withZone) s += "+00";
  return bc ? s + " BC" : s;
}
