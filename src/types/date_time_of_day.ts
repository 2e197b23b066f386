/**
 * `time` and `timetz`: values stay the strings PostgreSQL prints (`04:05:06.789`, `24:00:00`,
 * `04:05:06+05:30`, `00:00:00+00:09:21`); the binary decoders print exactly the same strings.
 *
 * @module
 */

import {
  COLON,
  DASH,
  digits2,
  DOT,
  formatClock,
  pad2,
  PLUS,
  quote,
  readInt32,
  readUint32,
} from "./date_civil.ts";

/** 24:00:00 in microseconds, the largest time of day. */
const DAY_MICROS = 86400000000;
/** ±15:59:59, the largest UTC offset a timetz holds. */
const MAX_OFFSET = 57599;

function invalid(name: string, text: string): never {
  throw new TypeError(`Cannot decode ${name}: invalid text ${quote(text)}`);
}

/**
 * Checks a `time` (`HH:MM:SS[.ffffff]`) or `timetz` (the same and `±HH[:MM[:SS]]`) as PostgreSQL
 * prints it.
 *
 * @param text The text.
 * @param withZone True for `timetz`.
 * @returns `text` itself.
 * @throws {TypeError} when the text is not a time of day (or the offset is out of range).
 */
export function timeFromText(text: string, withZone: boolean): string {
  const name = withZone ? "timetz" : "time";
  const h = digits2(text, 0);
  const m = digits2(text, 3);
  const s = digits2(text, 6);
  if (
    text.charCodeAt(2) !== COLON || text.charCodeAt(5) !== COLON || h < 0 || h > 24 || m < 0 ||
    m > 59 || s < 0 || s > 59
  ) {
    invalid(name, text);
  }
  let i = 8;
  let fraction = false;
  if (text.charCodeAt(i) === DOT) {
    const start = ++i;
    while (i < start + 6) {
      const c = text.charCodeAt(i);
      if (!(c >= 48 && c <= 57)) break;
      if (c !== 48) fraction = true;
      i++;
    }
    if (i === start) invalid(name, text);
  }
  if (h === 24 && (m !== 0 || s !== 0 || fraction)) invalid(name, text);
  if (withZone) {
    const sign = text.charCodeAt(i);
    const oh = digits2(text, i + 1);
    if ((sign !== PLUS && sign !== DASH) || oh < 0 || oh > 15) invalid(name, text);
    i += 3;
    if (text.charCodeAt(i) === COLON) {
      const om = digits2(text, i + 1);
      if (om < 0 || om > 59) invalid(name, text);
      i += 3;
      if (text.charCodeAt(i) === COLON) {
        const os = digits2(text, i + 1);
        if (os < 0 || os > 59) invalid(name, text);
        i += 3;
      }
    }
  }
  if (i !== text.length) invalid(name, text);
  return text;
}

function readTimeMicros(bytes: Uint8Array, name: string): number {
  const hi = readInt32(bytes, 0);
  const micros = hi * 4294967296 + readUint32(bytes, 4);
  // Checking the high word first keeps hi * 2^32 exact in the comparison below.
  if (hi < 0 || hi > 20 || micros > DAY_MICROS) {
    throw new RangeError(`Cannot decode ${name}: time of day out of range`);
  }
  return micros;
}

function formatTimeMicros(micros: number): string {
  const seconds = Math.floor(micros / 1000000);
  return formatClock(seconds, micros - seconds * 1000000);
}

/**
 * Reads a `time` in binary (an int64 of microseconds since midnight) as PostgreSQL prints it.
 *
 * @param bytes Exactly the value's bytes.
 * @returns The text, e.g. `04:05:06.789`.
 * @throws {TypeError} unless there are 8 bytes.
 * @throws {RangeError} for a time past 24:00:00 or before midnight.
 */
export function timeFromBinary(bytes: Uint8Array): string {
  if (bytes.length !== 8) {
    throw new TypeError(`Cannot decode time: expected 8 bytes, got ${bytes.length}`);
  }
  return formatTimeMicros(readTimeMicros(bytes, "time"));
}

/**
 * Reads a `timetz` in binary (an int64 of microseconds since midnight, then an int32 zone in
 * seconds west of UTC) as PostgreSQL prints it (with the offset east of UTC).
 *
 * @param bytes Exactly the value's bytes.
 * @returns The text, e.g. `04:05:06+05:30`.
 * @throws {TypeError} unless there are 12 bytes.
 * @throws {RangeError} for a time or offset out of range.
 */
export function timetzFromBinary(bytes: Uint8Array): string {
  if (bytes.length !== 12) {
    throw new TypeError(`Cannot decode timetz: expected 12 bytes, got ${bytes.length}`);
  }
  const time = formatTimeMicros(readTimeMicros(bytes, "timetz"));
  const west = readInt32(bytes, 8);
  if (west > MAX_OFFSET || west < -MAX_OFFSET) {
    throw new RangeError(`Cannot decode timetz: UTC offset of ${-west} seconds out of range`);
  }
  return time + formatOffset(-west);
}

/**
 * A UTC offset as PostgreSQL prints it: `+HH`, with `:MM` unless minutes and seconds are zero,
 * and `:SS` unless seconds are zero.
 *
 * @param east Seconds east of UTC.
 * @returns The text, e.g. `+05:30`, `-03`, `+00:09:21`.
 */
export function formatOffset(east: number): string {
  const abs = east < 0 ? -east : east;
  const h = Math.floor(abs / 3600);
  const m = Math.floor(abs / 60) % 60;
  const s = abs % 60;
  let out = (east < 0 ? "-" : "+") + pad2(h);
  if (m !== 0 || s !== 0) out += ":" + pad2(m);
  if (s !== 0) out += ":" + pad2(s);
  return out;
}

/**
 * Writes a `time`/`timetz` parameter: a string as it is, or the UTC time of day of a `Date`
 * (with offset `+00` for timetz).
 *
 * @param value A string or a `Date`.
 * @param withZone True for `timetz`.
 * @returns The text.
 * @throws {TypeError} for anything else, or an invalid `Date`.
 */
export function serializeTime(value: unknown, withZone: boolean): string {
  if (typeof value === "string") return value;
  const name = withZone ? "timetz" : "time";
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError(`Cannot encode ${name}: invalid Date`);
    const ofDay = ms - Math.floor(ms / 86400000) * 86400000;
    const text = formatTimeMicros(ofDay * 1000);
    return withZone ? text + "+00" : text;
  }
  throw new TypeError(`Cannot encode ${name}: expected a string or a Date, got ${typeof value}`);
}
