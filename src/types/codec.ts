/**
 * The shape of a type codec: how one PostgreSQL type is read from and written to the wire, in
 * text and binary format. Codecs are resolved once per RowDescription (or per prepared statement),
 * never per cell.
 *
 * @module
 */

/**
 * A codec for one PostgreSQL type.
 *
 * Decoders must give the same JavaScript value for a text and a binary representation of the same
 * server value; a codec whose binary decoder cannot promise that sets `preferBinary: false`.
 *
 * @example A codec for a domain over text that upper-cases on read
 * ```ts
 * import type { Codec } from "@pgline/pgline";
 * const shout: Codec = {
 *   name: "shout",
 *   oid: 0,
 *   arrayOid: 0,
 *   preferBinary: false,
 *   parseText: (text) => text.toUpperCase(),
 *   serializeText: (value) => String(value),
 * };
 * console.assert(shout.parseText("hi") === "HI");
 * ```
 */
export interface Codec {
  /** The type's name in `pg_type` (`int4`, `timestamptz`, `_int4` for arrays). */
  readonly name: string;
  /** The type's OID (0 for a codec registered by name before its OID is known). */
  readonly oid: number;
  /** OID of the array type whose elements are this type, or 0. */
  readonly arrayOid: number;
  /** Ask for binary results of this type: faster to read, and lossless. */
  readonly preferBinary: boolean;
  /**
   * Reads the text representation of a value.
   *
   * @throws {TypeError} (or any error) if the text is not a valid value; the query layer turns it
   * into a decode error for the one query, not the connection.
   */
  parseText(text: string): unknown;
  /**
   * Reads the binary representation of a value. `bytes` is a view of exactly the value's bytes,
   * shared with the receive buffer: copy what you keep.
   */
  parseBinary?(bytes: Uint8Array): unknown;
  /**
   * Writes a parameter value as text (what the type's input function accepts).
   *
   * @throws {TypeError} if the value cannot be written as this type.
   */
  serializeText(value: unknown): string;
  /** Writes a parameter value in binary format (faster or smaller than text for this type). */
  serializeBinary?(value: unknown): Uint8Array;
}

/**
 * Looks codecs up by OID; what composite and array codecs use to find their element codecs.
 *
 * @example Finding a codec by OID
 * ```ts
 * import { type CodecLookup, TypeRegistry } from "@pgline/pgline";
 * const registry = new TypeRegistry([]);
 * registry.register({
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: false,
 *   parseText: Number,
 *   serializeText: String,
 * });
 * const lookup: CodecLookup = registry;
 * console.assert(lookup.byOid(23)?.name === "int4" && lookup.byOid(1007)?.name === "_int4");
 * ```
 */
export interface CodecLookup {
  /** The codec for `oid`, or undefined when the type is unknown (read it as text). */
  byOid(oid: number): Codec | undefined;
}

/**
 * How values of types with more than one sensible JavaScript form are returned.
 *
 * @example Numbers for int8 and numeric, lossless dates
 * ```ts
 * import type { ConnectClientOptions, TypeOptions } from "@pgline/pgline";
 * const types: TypeOptions = {
 *   int8: "number",
 *   numeric: "number",
 *   dates: "lossless",
 *   parseJson: false,
 * };
 * const options: ConnectClientOptions = { types };
 * console.assert(options.types?.dates === "lossless");
 * ```
 */
export interface TypeOptions {
  /**
   * `int8` (and `int8` arrays, ranges): `"bigint"` (exact), `"string"` (exact), or `"number"`
   * (throws a RangeError for values beyond ±2^53−1 rather than losing digits).
   *
   * @default {"bigint"}
   */
  int8?: "bigint" | "string" | "number";
  /**
   * `numeric`: `"string"` (exact) or `"number"` (may round).
   *
   * @default {"string"}
   */
  numeric?: "string" | "number";
  /**
   * `date`, `timestamp`, `timestamptz`: `"date"` gives a JavaScript `Date` (milliseconds; the
   * sub-millisecond part is dropped; ±infinity become `Infinity`/`-Infinity`); `"lossless"` gives a
   * {@link PgTimestamp}/{@link PgDate} that keeps microseconds, years beyond 9999, BC and
   * infinity exactly.
   *
   * @default {"date"}
   */
  dates?: "date" | "lossless";
  /**
   * `json`/`jsonb`: parse with `JSON.parse` (true) or return the text (false).
   *
   * @default {true}
   */
  parseJson?: boolean;
}

/**
 * A `timestamp`/`timestamptz` kept exactly: microseconds since 1970-01-01 00:00:00 UTC.
 *
 * @example A timestamp with its microseconds
 * ```ts
 * import { formatPgTimestamp, type PgTimestamp, pgTimestampToDate } from "@pgline/pgline";
 * const t: PgTimestamp = { kind: "timestamp", microseconds: 1_700_000_000_123_456n, infinity: 0 };
 * console.assert(formatPgTimestamp(t) === "2023-11-14 22:13:20.123456");
 * console.assert((pgTimestampToDate(t) as Date).getTime() === 1_700_000_000_123);
 * ```
 */
export interface PgTimestamp {
  /** Discriminator. */
  readonly kind: "timestamp";
  /** Microseconds since the Unix epoch (UTC for timestamptz, wall clock for timestamp). */
  readonly microseconds: bigint;
  /** 1 for `infinity`, -1 for `-infinity`, 0 for a finite value. */
  readonly infinity: -1 | 0 | 1;
}

/**
 * A `date` kept exactly: days since 1970-01-01.
 *
 * @example A date as a day number
 * ```ts
 * import { formatPgDate, type PgDate } from "@pgline/pgline";
 * const d: PgDate = { kind: "date", days: 19_723, infinity: 0 };
 * console.assert(formatPgDate(d) === "2024-01-01");
 * ```
 */
export interface PgDate {
  /** Discriminator. */
  readonly kind: "date";
  /** Days since 1970-01-01 (negative before). */
  readonly days: number;
  /** 1 for `infinity`, -1 for `-infinity`, 0 for a finite value. */
  readonly infinity: -1 | 0 | 1;
}

/**
 * An `interval`, exactly as PostgreSQL stores it.
 *
 * @example An interval's three parts
 * ```ts
 * import { formatPgInterval, type PgInterval } from "@pgline/pgline";
 * const i: PgInterval = { kind: "interval", months: 1, days: 2, microseconds: 3_600_000_000n };
 * console.assert(formatPgInterval(i) === "+1 mons +2 days +01:00:00");
 * ```
 */
export interface PgInterval {
  /** Discriminator. */
  readonly kind: "interval";
  /** Months (years × 12 + months). */
  readonly months: number;
  /** Days. */
  readonly days: number;
  /** Microseconds of the time part (may exceed a day; negative allowed). */
  readonly microseconds: bigint;
}

/**
 * A range value (`int4range`, `tstzrange`, ...). Bounds are `null` when unbounded.
 *
 * @example Testing whether a range contains a value
 * ```ts
 * import type { PgRange } from "@pgline/pgline";
 * const r: PgRange<number> = {
 *   kind: "range",
 *   empty: false,
 *   lower: 1,
 *   upper: 10,
 *   lowerInclusive: true,
 *   upperInclusive: false,
 * }; // [1,10)
 * const contains = (range: PgRange<number>, n: number): boolean =>
 *   !range.empty &&
 *   (range.lower === null || (range.lowerInclusive ? n >= range.lower : n > range.lower)) &&
 *   (range.upper === null || (range.upperInclusive ? n <= range.upper : n < range.upper));
 * console.assert(contains(r, 1) && !contains(r, 10));
 * ```
 */
export interface PgRange<T = unknown> {
  /** Discriminator. */
  readonly kind: "range";
  /** True for the empty range (then the bounds are null). */
  readonly empty: boolean;
  /** Lower bound, or null when unbounded or empty. */
  readonly lower: T | null;
  /** Upper bound, or null when unbounded or empty. */
  readonly upper: T | null;
  /** `[` rather than `(`. */
  readonly lowerInclusive: boolean;
  /** `]` rather than `)`. */
  readonly upperInclusive: boolean;
}
