/**
 * Small helpers shared by the scalar codecs (`numeric.ts`, `text.ts` and their parts): catalog
 * look-up, length checks, error messages, big-endian reads and hex digits.
 *
 * @module
 */

import { BUILTIN_TYPES } from "./oids.ts";

/** The identity fields of a built-in codec. */
export interface BuiltinIds {
  /** `pg_type.typname`. */
  readonly name: string;
  /** `pg_type.oid`. */
  readonly oid: number;
  /** `pg_type.typarray`. */
  readonly arrayOid: number;
}

/**
 * Looks up a built-in type's OID and array OID by name, once, when a codec is built.
 *
 * @param name The type's `pg_type.typname`, e.g. `"int4"`.
 * @returns Its name, OID and array OID.
 * @throws {RangeError} If `name` is not in the built-in table.
 *
 * @example Looking up int4
 * ```ts
 * import { builtinIds } from "./scalar_util.ts";
 * console.assert(builtinIds("int4").oid === 23);
 * ```
 */
export function builtinIds(name: string): BuiltinIds {
  for (const t of BUILTIN_TYPES) {
    if (t.name === name) return { name, oid: t.oid, arrayOid: t.arrayOid };
  }
  throw new RangeError(`Unknown built-in type ${name}`);
}

/**
 * Checks that a binary value has exactly `expected` bytes.
 *
 * @param type The type name, for the message.
 * @param bytes The value's bytes.
 * @param expected The only valid length.
 * @throws {RangeError} `Cannot decode int4: expected 4 bytes, got 3`.
 *
 * @example Rejecting a short int4
 * ```ts
 * import { checkLength } from "./scalar_util.ts";
 * checkLength("int4", new Uint8Array(4), 4);
 * ```
 */
export function checkLength(type: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) {
    throw new RangeError(`Cannot decode ${type}: expected ${expected} bytes, got ${bytes.length}`);
  }
}

/**
 * A short, safe description of a value for an error message: its type and a clipped preview.
 *
 * @param value Anything.
 * @returns E.g. `string "abc"`, `number 1.5`, `object`.
 *
 * @example Describing a value
 * ```ts
 * import { describeValue } from "./scalar_util.ts";
 * console.assert(describeValue(1.5) === "number 1.5");
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
    case "number":
    case "bigint":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "object":
      return value === null ? "null" : (value.constructor?.name ?? "object");
    default:
      return typeof value;
  }
}

/**
 * Builds the TypeError a serializer throws for a value it cannot write.
 *
 * @param type The type name.
 * @param value The rejected value.
 * @param why Why, when more than the value's type needs saying.
 * @returns The error, for the caller to throw.
 *
 * @example
 * ```ts
 * import { serializeError } from "./scalar_util.ts";
 * const e = serializeError("int4", 1.5, "not an integer");
 * console.assert(e.message === "Cannot serialize number 1.5 as int4: not an integer");
 * ```
 */
export function serializeError(type: string, value: unknown, why?: string): TypeError {
  const tail = why === undefined ? "" : `: ${why}`;
  return new TypeError(`Cannot serialize ${describeValue(value)} as ${type}${tail}`);
}

/**
 * Builds the TypeError a text decoder throws for text that is not a value of its type.
 *
 * @param type The type name.
 * @param text The rejected text.
 * @returns The error, for the caller to throw.
 *
 * @example
 * ```ts
 * import { textError } from "./scalar_util.ts";
 * console.assert(textError("int4", "x").message === 'Cannot decode int4: invalid text "x"');
 * ```
 */
export function textError(type: string, text: string): TypeError {
  const shown = JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text);
  return new TypeError(`Cannot decode ${type}: invalid text ${shown}`);
}

/**
 * Reads a big-endian signed 16-bit integer.
 *
 * @param b The bytes (the caller has checked the length).
 * @param at Offset of the first byte.
 * @returns The integer.
 *
 * @example
 * ```ts
 * import { readInt16 } from "./scalar_util.ts";
 * console.assert(readInt16(new Uint8Array([0xff, 0xfe]), 0) === -2);
 * ```
 */
export function readInt16(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >> 16) | b[at + 1]!;
}

/**
 * Reads a big-endian unsigned 16-bit integer.
 *
 * @param b The bytes (the caller has checked the length).
 * @param at Offset of the first byte.
 * @returns The integer.
 *
 * @example
 * ```ts
 * import { readUint16 } from "./scalar_util.ts";
 * console.assert(readUint16(new Uint8Array([0xff, 0xfe]), 0) === 65534);
 * ```
 */
export function readUint16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/**
 * Reads a big-endian signed 32-bit integer.
 *
 * @param b The bytes (the caller has checked the length).
 * @param at Offset of the first byte.
 * @returns The integer.
 *
 * @example
 * ```ts
 * import { readInt32 } from "./scalar_util.ts";
 * console.assert(readInt32(new Uint8Array([0xff, 0xff, 0xff, 0xfe]), 0) === -2);
 * ```
 */
export function readInt32(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/**
 * Writes a big-endian 32-bit integer (signed or unsigned; the low 32 bits are kept).
 *
 * @param b The destination.
 * @param at Offset of the first byte.
 * @param n The integer.
 *
 * @example
 * ```ts
 * import { writeInt32 } from "./scalar_util.ts";
 * const b = new Uint8Array(4);
 * writeInt32(b, 0, -2);
 * console.assert(b[3] === 0xfe);
 * ```
 */
export function writeInt32(b: Uint8Array, at: number, n: number): void {
  b[at] = n >>> 24;
  b[at + 1] = n >>> 16;
  b[at + 2] = n >>> 8;
  b[at + 3] = n;
}

/** Two lowercase hex digits for each byte value. */
export const HEX_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => (i < 16 ? "0" : "") + i.toString(16),
);

/**
 * The value of a hex digit's char code, or -1.
 *
 * @param c A UTF-16 code unit.
 * @returns 0–15, or -1 when `c` is not `[0-9a-fA-F]`.
 *
 * @example
 * ```ts
 * import { hexDigit } from "./scalar_util.ts";
 * console.assert(hexDigit("F".charCodeAt(0)) === 15);
 * ```
 */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** True when typed arrays use little-endian byte order on this platform (almost always). */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
