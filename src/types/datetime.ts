/**
 * Codecs for `date`, `time`, `timetz`, `timestamp`, `timestamptz` and `interval`, and helpers to
 * move between JavaScript `Date`s and the lossless {@link PgTimestamp}/{@link PgDate}.
 *
 * Text decoding reads what the server prints under DateStyle ISO, which the client sets. A
 * `timestamp` (without time zone) is read as if it were UTC.
 *
 * @module
 */

import type { Codec, PgDate, PgTimestamp, TypeOptions } from "./codec.ts";
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
import {
  serializeTime,
  timeFromBinary,
  timeFromText,
  timetzFromBinary,
} from "./date_time_of_day.ts";
import {
  formatPgInterval,
  intervalFromBinary,
  intervalFromText,
  serializeInterval,
} from "./interval.ts";
import { BUILTIN_TYPES, OID } from "./oids.ts";

export { formatPgInterval };

const MS_PER_DAY = 86400000;

function arrayOid(oid: number): number {
  return BUILTIN_TYPES.find((t) => t.oid === oid)?.arrayOid ?? 0;
}

function isPgTimestamp(value: unknown): value is PgTimestamp {
  const v = value as PgTimestamp;
  return typeof value === "object" && value !== null && v.kind === "timestamp" &&
    typeof v.microseconds === "bigint" &&
    (v.infinity === 0 || v.infinity === 1 || v.infinity === -1);
}

function isPgDate(value: unknown): value is PgDate {
  const v = value as PgDate;
  return typeof value === "object" && value !== null && v.kind === "date" &&
    (v.infinity === 0 ? Number.isInteger(v.days) : v.infinity === 1 || v.infinity === -1);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return String(value);
  if (typeof value === "object") {
    const kind = (value as { kind?: unknown }).kind;
    return typeof kind === "string" ? `an object of kind "${kind}"` : "an object";
  }
  return typeof value;
}

function validMs(value: Date, name: string): number {
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`Cannot encode ${name}: invalid Date`);
  return ms;
}

/**
 * The JavaScript `Date` for a {@link PgTimestamp}: the codecs' result under `dates: "date"`.
 *
 * @param value The timestamp.
 * @returns A `Date` (microseconds floored to milliseconds), or the number `Infinity`/`-Infinity`.
 * @throws {RangeError} beyond the range of a `Date` (after 275760-09-13).
 *
 * @example Converting a lossless timestamp
 * ```ts
 * import { pgTimestampToDate } from "@pgline/pgline";
 * const d = pgTimestampToDate({ kind: "timestamp", microseconds: 1500n, infinity: 0 });
 * console.assert(d instanceof Date && d.getTime() === 1);
 * ```
 */
export function pgTimestampToDate(value: PgTimestamp): Date | number {
  if (value.infinity !== 0) return value.infinity * Infinity;
  return dateFromMicros(value.microseconds, "timestamp");
}

/**
 * The {@link PgTimestamp} for a JavaScript `Date` (or `Infinity`/`-Infinity`).
 *
 * @param value A valid `Date`, or the number ±Infinity.
 * @returns The timestamp.
 * @throws {TypeError} for an invalid `Date` or another value.
 *
 * @example
 * ```ts
 * import { pgTimestampFromDate } from "@pgline/pgline";
 * const t = pgTimestampFromDate(new Date(Date.UTC(2000, 0, 1)));
 * console.assert(t.microseconds === 946684800000000n);
 * ```
 */
export function pgTimestampFromDate(value: Date | number): PgTimestamp {
  if (value instanceof Date) {
    return pgTimestampFromMicros(BigInt(validMs(value, "timestamp")) * 1000n);
  }
  if (value === Infinity || value === -Infinity) return pgTimestampFromMicros(value);
  throw new TypeError(`Cannot convert ${describe(value)} to a timestamp`);
}

/**
 * The JavaScript `Date` for a {@link PgDate}: UTC midnight of the day, as the codecs give it
 * under `dates: "date"`.
 *
 * @param value The date.
 * @returns A `Date`, or the number `Infinity`/`-Infinity`.
 * @throws {RangeError} beyond the range of a `Date`.
 *
 * @example
 * ```ts
 * import { pgDateToDate } from "@pgline/pgline";
 * const d = pgDateToDate({ kind: "date", days: 1, infinity: 0 });
 * console.assert(d instanceof Date && d.toISOString() === "1970-01-02T00:00:00.000Z");
 * ```
 */
export function pgDateToDate(value: PgDate): Date | number {
  if (value.infinity !== 0) return value.infinity * Infinity;
  return dateFromDays(value.days);
}

/**
 * The {@link PgDate} of a JavaScript `Date`'s UTC calendar day (or `Infinity`/`-Infinity`).
 *
 * @param value A valid `Date`, or the number ±Infinity.
 * @returns The date.
 * @throws {TypeError} for an invalid `Date` or another value.
 *
 * @example
 * ```ts
 * import { pgDateFromDate } from "@pgline/pgline";
 * const d = pgDateFromDate(new Date("1969-12-31T23:00:00Z"));
 * console.assert(d.days === -1);
 * ```
 */
export function pgDateFromDate(value: Date | number): PgDate {
  if (value instanceof Date) {
    return pgDateFromDays(Math.floor(validMs(value, "date") / MS_PER_DAY));
  }
  if (value === Infinity || value === -Infinity) return pgDateFromDays(value);
  throw new TypeError(`Cannot convert ${describe(value)} to a date`);
}

/**
 * Formats a {@link PgTimestamp} as PostgreSQL prints it under DateStyle ISO in time zone UTC
 * (`2024-01-02 03:04:05.123456`, `0044-03-15 12:00:00 BC`, `infinity`): valid input for
 * `timestamp`, and with `withTimeZone` for `timestamptz`.
 *
 * @param value The timestamp.
 * @param withTimeZone Append the UTC offset `+00` (before a ` BC`).
 * @returns The text.
 * @throws {TypeError} when `value` is not a {@link PgTimestamp}.
 *
 * @example
 * ```ts
 * import { formatPgTimestamp } from "@pgline/pgline";
 * const t = { kind: "timestamp", microseconds: -62167219200000000n, infinity: 0 } as const;
 * console.assert(formatPgTimestamp(t, true) === "0001-01-01 00:00:00+00 BC");
 * ```
 */
export function formatPgTimestamp(value: PgTimestamp, withTimeZone = false): string {
  if (!isPgTimestamp(value)) {
    throw new TypeError(`Cannot format ${describe(value)} as a timestamp`);
  }
  if (value.infinity !== 0) return value.infinity > 0 ? "infinity" : "-infinity";
  return formatMicros(value.microseconds, withTimeZone);
}

/**
 * Formats a {@link PgDate} as PostgreSQL prints it under DateStyle ISO (`2024-01-02`,
 * `0044-03-15 BC`, `infinity`).
 *
 * @param value The date.
 * @returns The text.
 * @throws {TypeError} when `value` is not a {@link PgDate}.
 *
 * @example
 * ```ts
 * import { formatPgDate } from "@pgline/pgline";
 * console.assert(formatPgDate({ kind: "date", days: 0, infinity: 0 }) === "1970-01-01");
 * ```
 */
export function formatPgDate(value: PgDate): string {
  if (!isPgDate(value)) throw new TypeError(`Cannot format ${describe(value)} as a date`);
  if (value.infinity !== 0) return value.infinity > 0 ? "infinity" : "-infinity";
  return formatDays(value.days);
}

function serializeTimestamp(value: unknown, withZone: boolean): string {
  if (typeof value === "string") return value;
  const name = withZone ? "timestamptz" : "timestamp";
  if (value instanceof Date) return formatMilliseconds(validMs(value, name), withZone);
  if (value === Infinity) return "infinity";
  if (value === -Infinity) return "-infinity";
  if (isPgTimestamp(value)) return formatPgTimestamp(value, withZone);
  throw new TypeError(
    `Cannot encode ${name}: expected a Date, a PgTimestamp, a string or ±Infinity, got ${
      describe(value)
    }`,
  );
}

function serializeDate(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) {
    return formatDays(Math.floor(validMs(value, "date") / MS_PER_DAY));
  }
  if (value === Infinity) return "infinity";
  if (value === -Infinity) return "-infinity";
  if (isPgDate(value)) return formatPgDate(value);
  throw new TypeError(
    `Cannot encode date: expected a Date, a PgDate, a string or ±Infinity, got ${describe(value)}`,
  );
}

/**
 * The codecs for `date`, `time`, `timetz`, `timestamp`, `timestamptz` and `interval`.
 *
 * - `date`, `timestamp`, `timestamptz`: a `Date` (UTC midnight for a date; a timestamp without
 *   time zone read as UTC; ±infinity as the numbers ±Infinity; a `RangeError` for values past
 *   the year 275760), or with `dates: "lossless"` a {@link PgDate}/{@link PgTimestamp}. Binary
 *   preferred. Parameters: a `Date`, a `PgDate`/`PgTimestamp`, ±Infinity, or a string (as it
 *   is); a `Date` writes its UTC day or UTC time (`+00` for timestamptz).
 * - `time`, `timetz`: the string the server prints (`04:05:06.789`, `04:05:06+05:30`), from text
 *   and binary alike. Text preferred. Parameters: a string, or a `Date`'s UTC time of day.
 * - `interval`: a {@link PgInterval} from every IntervalStyle. Binary preferred. Parameters: a
 *   `PgInterval`, ±Infinity, or a string.
 *
 * No `serializeBinary`: the text forms are exact, and a string parameter (`now`, `1 day`) needs
 * the server's parser, also inside an array parameter.
 *
 * @param options `dates` picks `Date` (default) or the lossless forms.
 * @returns Six codecs.
 * @throws Never (the codecs' functions throw `TypeError`/`RangeError` for malformed input).
 *
 * @example Reading timestamptz text and binary
 * ```ts
 * import { dateTimeCodecs } from "./datetime.ts";
 * const tz = dateTimeCodecs({}).find((c) => c.name === "timestamptz")!;
 * const a = tz.parseText("2000-01-01 05:30:00+05:30") as Date;
 * const b = tz.parseBinary!(new Uint8Array(8)) as Date;
 * console.assert(a.getTime() === b.getTime());
 * ```
 */
export function dateTimeCodecs(options: TypeOptions): Codec[] {
  const lossless = options.dates === "lossless";
  const timestamp = (withZone: boolean): Codec => {
    const name = withZone ? "timestamptz" : "timestamp";
    return {
      name,
      oid: withZone ? OID.timestamptz : OID.timestamp,
      arrayOid: arrayOid(withZone ? OID.timestamptz : OID.timestamp),
      preferBinary: true,
      parseText: lossless
        ? (text) => pgTimestampFromMicros(timestampMicrosFromText(text, withZone))
        : (text) => dateFromMicros(timestampMicrosFromText(text, withZone), name),
      parseBinary: lossless
        ? (bytes) => pgTimestampFromMicros(timestampMicrosFromBinary(bytes, withZone))
        : (bytes) => dateFromMicros(timestampMicrosFromBinary(bytes, withZone), name),
      serializeText: (value) => serializeTimestamp(value, withZone),
    };
  };
  const time = (withZone: boolean): Codec => ({
    name: withZone ? "timetz" : "time",
    oid: withZone ? OID.timetz : OID.time,
    arrayOid: arrayOid(withZone ? OID.timetz : OID.time),
    preferBinary: false,
    parseText: (text) => timeFromText(text, withZone),
    parseBinary: withZone ? timetzFromBinary : timeFromBinary,
    serializeText: (value) => serializeTime(value, withZone),
  });
  return [
    {
      name: "date",
      oid: OID.date,
      arrayOid: arrayOid(OID.date),
      preferBinary: true,
      parseText: lossless
        ? (text) => pgDateFromDays(dateDaysFromText(text))
        : (text) => dateFromDays(dateDaysFromText(text)),
      parseBinary: lossless
        ? (bytes) => pgDateFromDays(dateDaysFromBinary(bytes))
        : (bytes) => dateFromDays(dateDaysFromBinary(bytes)),
      serializeText: serializeDate,
    },
    time(false),
    time(true),
    timestamp(false),
    timestamp(true),
    {
      name: "interval",
      oid: OID.interval,
      arrayOid: arrayOid(OID.interval),
      preferBinary: true,
      parseText: intervalFromText,
      parseBinary: intervalFromBinary,
      serializeText: serializeInterval,
    },
  ];
}
