/**
 * Calendar arithmetic and byte reading shared by the date/time codecs: the proleptic Gregorian
 * calendar PostgreSQL uses (astronomical years: 1 BC is year 0), its 2000-01-01 epoch, and the
 * fixed-width digit reading and writing that the text forms need.
 *
 * @module
 */

/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for binary dates and timestamps. */
export const PG_EPOCH_DAYS: number = 10957;
/** {@link PG_EPOCH_DAYS} in microseconds (exact as a number: below 2^53). */
export const PG_EPOCH_MICROS: number = 946684800000000;
/** Largest absolute millisecond value a JavaScript `Date` holds. */
export const MAX_DATE_MS: number = 8.64e15;
/** Largest int64, PostgreSQL's `infinity` timestamp. */
export const INT64_MAX: bigint = 0x7fffffffffffffffn;
/** Smallest int64, PostgreSQL's `-infinity` timestamp. */
export const INT64_MIN: bigint = -0x8000000000000000n;
/** Largest int32, PostgreSQL's `infinity` date. */
export const INT32_MAX: number = 0x7fffffff;
/** Smallest int32, PostgreSQL's `-infinity` date. */
export const INT32_MIN: number = -0x80000000;

const CHAR_0 = 48;

/**
 * Days since 1970-01-01 of a day of the proleptic Gregorian calendar.
 *
 * @param year Astronomical year (1 BC is 0, 2 BC is -1).
 * @param month 1 to 12.
 * @param day 1 to 31.
 * @returns Days since 1970-01-01 (negative before).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Count years from March so that the leap day falls at the end of the counted year.
  const y = month <= 2 ? year - 1 : year;
  const m = month <= 2 ? month + 9 : month - 3; // 0 = March ... 11 = February
  const leaps = Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  // Day of the March-based year: month lengths 31,30,31,30,31 repeat every five months (153 days).
  const dayOfYear = Math.floor((153 * m + 2) / 5) + day - 1;
  // 719468 is this count for 1970-01-01 (0000-03-01 is day 0).
  return 365 * y + leaps + dayOfYear - 719468;
}

/**
 * The calendar day of a day number: the inverse of {@link daysFromCivil}.
 *
 * @param days Days since 1970-01-01.
 * @returns `[year, month, day]` with an astronomical year.
 */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097); // 400-year cycles of 146097 days
  const dayOfEra = z - era * 146097;
  // Years within the era: remove the leap days that have passed (none on the last day of a cycle).
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra -
    (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

/**
 * Whether an astronomical year is a leap year of the Gregorian calendar.
 *
 * @param year Astronomical year.
 * @returns True for a leap year.
 */
export function isLeapYear(year: number): boolean {
  return (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days in a month.
 *
 * @param year Astronomical year.
 * @param month 1 to 12.
 * @returns 28 to 31.
 */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1] ?? 0;
}

/**
 * Reads two decimal digits.
 *
 * @param text The text.
 * @param i Index of the first digit.
 * @returns Their value, or -1 when either is not a digit (or is past the end).
 */
export function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - CHAR_0;
  const b = text.charCodeAt(i + 1) - CHAR_0;
  // NaN past the end fails both comparisons.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

/**
 * Whether a character code is an ASCII digit.
 *
 * @param c A character code (NaN past the end).
 * @returns True for `0`-`9`.
 */
export function isDigit(c: number): boolean {
  return c >= CHAR_0 && c <= CHAR_0 + 9;
}

/**
 * Reads a signed big-endian int32.
 *
 * @param b The bytes.
 * @param i Offset of the first byte.
 * @returns The value.
 */
export function readInt32(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/**
 * Reads an unsigned big-endian int32.
 *
 * @param b The bytes.
 * @param i Offset of the first byte.
 * @returns The value.
 */
export function readUint32(b: Uint8Array, i: number): number {
  return readInt32(b, i) >>> 0;
}

/**
 * Reads a signed big-endian int64 as a bigint.
 *
 * @param b The bytes.
 * @param i Offset of the first byte.
 * @returns The value.
 */
export function readBigInt64(b: Uint8Array, i: number): bigint {
  return (BigInt(readInt32(b, i)) << 32n) | BigInt(readUint32(b, i + 4));
}

/**
 * Two-digit zero-padded decimal.
 *
 * @param n 0 to 99.
 * @returns `"00"` to `"99"`.
 */
export function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/**
 * A fraction of a second as PostgreSQL prints it: empty for zero, else a point and up to six
 * digits without trailing zeros.
 *
 * @param micros 0 to 999999.
 * @returns `""`, `".5"`, `".000001"`, ...
 */
export function formatFraction(micros: number): string {
  if (micros === 0) return "";
  let s = String(micros + 1000000); // "1" followed by six digits
  let end = 7;
  while (s.charCodeAt(end - 1) === CHAR_0) end--;
  s = s.slice(1, end);
  return "." + s;
}

/**
 * `HH:MM:SS[.ffffff]` for a time of day.
 *
 * @param seconds Whole seconds (0 to 86400; more for interval hours).
 * @param micros 0 to 999999.
 * @returns The text, hours at least two digits.
 */
export function formatClock(seconds: number, micros: number): string {
  const h = Math.floor(seconds / 3600);
  const rest = seconds - h * 3600;
  const m = Math.floor(rest / 60);
  return pad2(h) + ":" + pad2(m) + ":" + pad2(rest - m * 60) + formatFraction(micros);
}

/**
 * `YYYY-MM-DD` for a day, and whether it is BC (PostgreSQL appends `" BC"` after any time part).
 *
 * @param days Days since 1970-01-01.
 * @returns The date text without the era, and true for a BC day.
 */
export function formatCivil(days: number): [string, boolean] {
  const [year, month, day] = civilFromDays(days);
  const bc = year <= 0;
  const y = bc ? 1 - year : year;
  const ys = y < 1000 ? String(y + 10000).slice(1) : String(y);
  return [ys + "-" + pad2(month) + "-" + pad2(day), bc];
}

/**
 * A short, quoted excerpt of untrusted text for an error message.
 *
 * @param text The text.
 * @returns At most 64 characters, JSON-quoted.
 */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? text.slice(0, 64) + "..." : text);
}

/** Character codes the date/time parsers compare against. */
export const SPACE = 32;
export const PLUS = 43;
export const DASH = 45;
export const DOT = 46;
export const COLON = 58;
