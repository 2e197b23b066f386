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

/** Looks codecs up by OID; what composite and array codecs use to find their element codecs. */
export interface CodecLookup {
  /** The codec for `oid`, or undefined when the type is unknown (read it as text). */
  byOid(oid: number): Codec | undefined;
}

/** How values of types with more than one sensible JavaScript form are returned. */
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

/** A `timestamp`/`timestamptz` kept exactly: microseconds since 1970-01-01 00:00:00 UTC. */
export interface PgTimestamp {
  /** Discriminator. */
  readonly kind: "timestamp";
  /** Microseconds since the Unix epoch (UTC for timestamptz, wall clock for timestamp). */
  readonly microseconds: bigint;
  /** 1 for `infinity`, -1 for `-infinity`, 0 for a finite value. */
  readonly infinity: -1 | 0 | 1;
}

/** A `date` kept exactly: days since 1970-01-01. */
export interface PgDate {
  /** Discriminator. */
  readonly kind: "date";
  /** Days since 1970-01-01 (negative before). */
  readonly days: number;
  /** 1 for `infinity`, -1 for `-infinity`, 0 for a finite value. */
  readonly infinity: -1 | 0 | 1;
}

/** An `interval`, exactly as PostgreSQL stores it. */
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

/** A range value (`int4range`, `tstzrange`, ...). Bounds are `null` when unbounded. */
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
