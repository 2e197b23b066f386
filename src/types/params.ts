/**
 * Query parameters and result formats: how a JavaScript value is written for Bind (with the
 * parameter's type when known, or inferred from the value when the server is to infer the type),
 * and which result columns to ask for in binary.
 *
 * @module
 */

import { arrayCodec } from "./array.ts";
import type { Codec, CodecLookup, PgDate, PgInterval, PgTimestamp } from "./codec.ts";
import { rangeCodec } from "./range.ts";
import { formatPgDate, formatPgTimestamp } from "./datetime.ts";
import { formatMilliseconds } from "./date_timestamp.ts";
import { formatPgInterval } from "./interval.ts";

/** A parameter ready for Bind: its bytes (text or binary) and the format code to send with it. */
export interface SerializedParam {
  /** The value: text, binary bytes, or null for SQL NULL. */
  value: string | Uint8Array | null;
  /** 0 for text, 1 for binary. */
  format: 0 | 1;
}

const HEX = "0123456789abcdef";

/**
 * A `Date` as `timestamptz` input in UTC with an explicit offset; `timestamp` input ignores the
 * offset, so the same text also reads as the UTC wall-clock time.
 */
function formatDate(value: Date): string {
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw new TypeError("Cannot serialize an invalid Date");
  return formatMilliseconds(ms, true);
}

function formatNumber(value: number): string {
  if (Object.is(value, -0)) return "-0";
  // String() gives NaN, Infinity, -Infinity and the shortest round-trip digits, all of which
  // float8, numeric and (for integers) int2/int4/int8 input read exactly.
  return String(value);
}

function hexBytes(bytes: Uint8Array): string {
  let out = "\\x";
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

function isPlainObjectKind(value: object, kind: string): boolean {
  return (value as { kind?: unknown }).kind === kind;
}

/** The text of a non-null value when the server is to infer the parameter's type. */
function inferText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return formatNumber(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw new TypeError(`Cannot serialize a ${typeof value} as a query parameter`);
  }
  if (value === null) throw new TypeError("Cannot serialize null as text");
  if (value instanceof Date) return formatDate(value);
  if (value instanceof Uint8Array) return hexBytes(value);
  if (Array.isArray(value)) return inferredArray.serializeText(value);
  // Other binary views are their bytes, as the bytea codec takes them.
  if (ArrayBuffer.isView(value)) {
    return hexBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  if (value instanceof ArrayBuffer) return hexBytes(new Uint8Array(value));
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(
      `Cannot serialize a ${value.constructor.name} as a query parameter: convert it first`,
    );
  }
  if (isPlainObjectKind(value, "range")) return inferredRange.serializeText(value);
  if (isPlainObjectKind(value, "interval")) return formatPgInterval(value as PgInterval);
  if (isPlainObjectKind(value, "timestamp")) return formatPgTimestamp(value as PgTimestamp, true);
  if (isPlainObjectKind(value, "date")) return formatPgDate(value as PgDate);
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("Cannot serialize this object as JSON");
  return json;
}

/** Writes values by inference; arrays and ranges of inferred elements are built from it. */
const inferred: Codec = Object.freeze({
  name: "unknown",
  oid: 0,
  arrayOid: 0,
  preferBinary: false,
  parseText: (text: string) => text,
  serializeText: inferText,
});
const inferredArray: Codec = Object.freeze(arrayCodec(inferred, 0, "array"));
const inferredRange: Codec = Object.freeze(rangeCodec(inferred, 0, 0, "range"));

/**
 * Writes one query parameter for Bind.
 *
 * With a known `typeOid`, its codec writes the value: in binary when the codec has
 * `serializeBinary` (codecs offer it only where binary is cheaper, e.g. `bytea`) and the value is
 * not a string, else in text (a string always goes through the codec's `serializeText`, which
 * usually passes it through as the type's input text). With `typeOid` 0, or a type without a
 * codec, the text is inferred from the value so that the server's type inference still works:
 *
 * - `null`/`undefined`: SQL NULL (for any type);
 * - string: itself; number: its shortest exact text (`NaN`, `Infinity`, `-Infinity`, `-0`);
 *   bigint: decimal; boolean: `true`/`false`;
 * - `Date`: `timestamptz` text in UTC with an explicit `+00` offset (BC years and years past 9999
 *   written as PostgreSQL reads them);
 * - `Uint8Array` (or another typed array, `DataView`, `ArrayBuffer`: their bytes): `bytea` hex
 *   text (`\x0102`);
 * - array: an array literal, elements inferred the same way;
 * - {@link PgRange}, {@link PgInterval}, {@link PgTimestamp}, {@link PgDate} (by `kind`): their
 *   PostgreSQL text;
 * - any other object: `JSON.stringify`.
 *
 * @param value The JavaScript value.
 * @param typeOid The parameter's type OID (from ParameterDescription or the caller), or 0.
 * @param lookup Finds the codec for `typeOid`.
 * @returns The value to send and its format code.
 * @throws {TypeError} for a value that cannot be written (an invalid `Date`, a symbol or
 * function, a ragged nested array, a `Map`, or whatever the type's codec refuses).
 *
 * @example Inferred and typed parameters
 * ```ts
 * import { serializeParam } from "./params.ts";
 * const none = { byOid: () => undefined };
 * console.assert(serializeParam(-0, 0, none).value === "-0");
 * console.assert(serializeParam([1, null, "a b"], 0, none).value === '{1,NULL,"a b"}');
 * console.assert(serializeParam(new Date(0), 0, none).value === "1970-01-01 00:00:00+00");
 * ```
 */
export function serializeParam(
  value: unknown,
  typeOid: number,
  lookup: CodecLookup,
): SerializedParam {
  if (value === null || value === undefined) return { value: null, format: 0 };
  const codec = typeOid === 0 ? undefined : lookup.byOid(typeOid);
  if (codec === undefined) return { value: inferText(value), format: 0 };
  if (codec.serializeBinary !== undefined && typeof value !== "string") {
    return { value: codec.serializeBinary(value), format: 1 };
  }
  return { value: codec.serializeText(value), format: 0 };
}

/**
 * Whether the right text for a value depends on the parameter's type as the server sees it, so
 * the caller should ask for the parameter types (Parse + Describe) before writing it: a
 * JavaScript array may be a PostgreSQL array or a `json` array, a plain object `json` or a
 * composite. Dates, byte arrays and the `Pg*` value objects are not ambiguous.
 *
 * @param value A parameter value.
 * @returns True for arrays and plain objects.
 * @throws Never.
 *
 * @example
 * ```ts
 * import { isAmbiguousParam } from "./params.ts";
 * console.assert(isAmbiguousParam([1, 2]));
 * console.assert(isAmbiguousParam({ a: 1 }));
 * console.assert(!isAmbiguousParam(new Date()));
 * ```
 */
export function isAmbiguousParam(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return false;
  }
  const kind = (value as { kind?: unknown }).kind;
  return !(kind === "range" || kind === "interval" || kind === "timestamp" || kind === "date");
}

/**
 * Picks the result format code for each column of a RowDescription: 1 (binary) where the type's
 * codec prefers binary and can read it, else 0 (text). A type without a codec is read as text
 * (and returned as a string).
 *
 * @param typeOids The columns' type OIDs.
 * @param lookup Finds their codecs.
 * @returns One format code per column.
 * @throws Never.
 *
 * @example
 * ```ts
 * import { resultFormats } from "./params.ts";
 * const int4 = {
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: true,
 *   parseText: Number,
 *   parseBinary: (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getInt32(0),
 *   serializeText: String,
 * };
 * const lookup = { byOid: (oid: number) => (oid === 23 ? int4 : undefined) };
 * console.assert(resultFormats([23, 25], lookup).join() === "1,0");
 * ```
 */
export function resultFormats(typeOids: readonly number[], lookup: CodecLookup): number[] {
  return typeOids.map((oid) => {
    const codec = lookup.byOid(oid);
    return codec !== undefined && codec.preferBinary && codec.parseBinary !== undefined ? 1 : 0;
  });
}
