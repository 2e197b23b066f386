/**
 * Codecs for PostgreSQL's boolean and numeric types: `bool`, `int2`, `int4`, `oid`, `int8`,
 * `float4`, `float8`, `numeric` and `money`.
 *
 * Binary formats are those of the types' `*send`/`*recv` functions (big-endian integers,
 * IEEE 754 floats, base-10000 `numeric`); see the `Binary` notes in the PostgreSQL documentation
 * of `COPY` and the protocol's "Formats and Format Codes" section.
 *
 * @module
 */

import type { Codec, TypeOptions } from "./codec.ts";
import { float4Codec, float8Codec } from "./numeric_float.ts";
import { numericCodec } from "./numeric_decimal.ts";
import { builtinIds, checkLength, readInt32, serializeError, textError } from "./scalar_util.ts";

const TWO_32 = 4294967296;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * Builds the codecs for `bool`, `int2`, `int4`, `oid`, `int8`, `float4`, `float8`, `numeric` and
 * `money`, with the JavaScript forms chosen by `options`.
 *
 * - `bool` → boolean; `int2`, `int4`, `oid` → number.
 * - `int8` → bigint, string or number (`options.int8`; `"number"` throws a RangeError for values
 *   beyond ±(2^53−1) rather than losing digits).
 * - `float4`, `float8` → number (NaN, ±Infinity and −0 kept).
 * - `numeric` → exact string (or number with `options.numeric: "number"`).
 * - `money` → the string the server prints (text format only).
 *
 * @param options How `int8` and `numeric` values are returned.
 * @returns One codec per type, each knowing its OID and array OID.
 * @throws {TypeError} If `options.int8` or `options.numeric` is not a known choice.
 *
 * @example Decoding int4 and int8 cells
 * ```ts
 * import { numericCodecs } from "./numeric.ts";
 * const codecs = numericCodecs({ int8: "string" });
 * const int4 = codecs.find((c) => c.name === "int4")!;
 * const int8 = codecs.find((c) => c.name === "int8")!;
 * console.assert(int4.parseBinary!(new Uint8Array([0, 0, 1, 0])) === 256);
 * console.assert(int8.parseText("9223372036854775807") === "9223372036854775807");
 * ```
 */
export function numericCodecs(options: TypeOptions): Codec[] {
  const int8 = options.int8 ?? "bigint";
  if (int8 !== "bigint" && int8 !== "string" && int8 !== "number") {
    throw new TypeError(
      `Invalid int8 option ${JSON.stringify(int8)}: use bigint, string or number`,
    );
  }
  const numeric = options.numeric ?? "string";
  if (numeric !== "string" && numeric !== "number") {
    throw new TypeError(`Invalid numeric option ${JSON.stringify(numeric)}: use string or number`);
  }
  return [
    boolCodec(),
    int2Codec(),
    int4Codec(),
    oidCodec(),
    int8Codec(int8),
    float4Codec(),
    float8Codec(),
    numericCodec(numeric),
    moneyCodec(),
  ];
}

/**
 * Reads `[+-]?[0-9]+` as a number: exact up to 15 digits, approximate beyond (callers either cap
 * the length or check the range, which an approximation cannot cross).
 */
function parseIntText(text: string): number {
  const len = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  const neg = c === 45;
  if (neg || c === 43) i = 1;
  if (i >= len) return NaN;
  let n = 0;
  for (; i < len; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return neg ? 0 - n : n;
}

/** PostgreSQL's `parse_bool`: true/false/yes/no/on/off/1/0, any unique prefix, any case. */
function parseBoolInput(input: string): boolean | undefined {
  const s = input.trim().toLowerCase();
  if (s.length === 0) return undefined;
  if ("true".startsWith(s) || "yes".startsWith(s) || s === "on" || s === "1") return true;
  if ("false".startsWith(s) || "no".startsWith(s) || (s.length >= 2 && "off".startsWith(s))) {
    return false;
  }
  if (s === "0") return false;
  return undefined;
}

function toBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const b = parseBoolInput(value);
    if (b !== undefined) return b;
  }
  throw serializeError("bool", value);
}

function boolCodec(): Codec {
  return {
    ...builtinIds("bool"),
    preferBinary: true,
    parseText(text: string): boolean {
      if (text === "t") return true;
      if (text === "f") return false;
      throw textError("bool", text);
    },
    parseBinary(bytes: Uint8Array): boolean {
      checkLength("bool", bytes, 1);
      const b = bytes[0];
      if (b === 1) return true;
      if (b === 0) return false;
      throw new RangeError(`Cannot decode bool: byte ${b} is neither 0 nor 1`);
    },
    serializeText: (value: unknown): string => (toBool(value) ? "t" : "f"),
    serializeBinary: (value: unknown): Uint8Array => new Uint8Array([toBool(value) ? 1 : 0]),
  };
}

/** A JavaScript integer in [min, max] from a number, bigint or integer string. */
function toInteger(type: string, value: unknown, min: number, max: number): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "bigint") {
    n = value >= BigInt(min) && value <= BigInt(max) ? Number(value) : NaN;
  } else if (typeof value === "string") n = parseIntText(value.trim());
  else throw serializeError(type, value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw serializeError(type, value, `not an integer in the range ${min} to ${max}`);
  }
  return n === 0 ? 0 : n;
}

function parseIntInRange(type: string, text: string, min: number, max: number): number {
  const n = parseIntText(text);
  if (n >= min && n <= max) return n;
  if (n !== n) throw textError(type, text);
  throw new RangeError(`Cannot decode ${type}: ${text} is out of range`);
}

function int2Codec(): Codec {
  return {
    ...builtinIds("int2"),
    preferBinary: true,
    parseText: (text: string): number => parseIntInRange("int2", text, -32768, 32767),
    parseBinary(bytes: Uint8Array): number {
      checkLength("int2", bytes, 2);
      return ((bytes[0]! << 24) >> 16) | bytes[1]!;
    },
    serializeText: (value: unknown): string => String(toInteger("int2", value, -32768, 32767)),
    serializeBinary(value: unknown): Uint8Array {
      const n = toInteger("int2", value, -32768, 32767);
      return new Uint8Array([n >> 8, n]);
    },
  };
}

function int32Codec(name: string, min: number, max: number, unsigned: boolean): Codec {
  return {
    ...builtinIds(name),
    preferBinary: true,
    parseText: (text: string): number => parseIntInRange(name, text, min, max),
    parseBinary(bytes: Uint8Array): number {
      checkLength(name, bytes, 4);
      const n = (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
      return unsigned ? n >>> 0 : n;
    },
    serializeText: (value: unknown): string => String(toInteger(name, value, min, max)),
    serializeBinary(value: unknown): Uint8Array {
      const n = toInteger(name, value, min, max);
      return new Uint8Array([n >>> 24, n >>> 16, n >>> 8, n]);
    },
  };
}

function int4Codec(): Codec {
  return int32Codec("int4", -2147483648, 2147483647, false);
}

function oidCodec(): Codec {
  return int32Codec("oid", 0, 4294967295, true);
}

/** An int8 text as a bigint, or a RangeError/TypeError. For text beyond the fast path. */
function bigInt8Text(text: string): bigint {
  const n = parseIntText(text);
  if (n !== n) throw textError("int8", text);
  const v = BigInt(text);
  if (v < INT8_MIN || v > INT8_MAX) {
    throw new RangeError(`Cannot decode int8: ${text} is out of range`);
  }
  return v;
}

function unsafeInt8(v: bigint | string): RangeError {
  return new RangeError(
    `Cannot decode int8: ${v} is beyond ±(2^53-1); use the int8 option "bigint" or "string"`,
  );
}

/** int8 bytes as a number when exact (|n| ≤ 2^53), else undefined. */
function int8BinaryNumber(bytes: Uint8Array): number | undefined {
  checkLength("int8", bytes, 8);
  const hi = readInt32(bytes, 0);
  if (hi < -0x200000 || hi >= 0x200000) return undefined;
  return hi * TWO_32 + (readInt32(bytes, 4) >>> 0);
}

function int8BinaryBigInt(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0);
}

/** An int8 parameter as a number (safe integer) or bigint (in range). */
function toInt8(value: unknown): number | bigint {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    throw serializeError("int8", value, "not a safe integer (pass a bigint or a string)");
  }
  let v: bigint | undefined;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "string") {
    const s = value.trim();
    if (parseIntText(s) === parseIntText(s)) v = BigInt(s);
  } else throw serializeError("int8", value);
  if (v === undefined || v < INT8_MIN || v > INT8_MAX) {
    throw serializeError("int8", value, "not an integer in the int8 range");
  }
  return v;
}

function int8Codec(mode: "bigint" | "string" | "number"): Codec {
  let parseText: (text: string) => unknown;
  let parseBinary: (bytes: Uint8Array) => unknown;
  if (mode === "bigint") {
    parseText = (text) => {
      if (text.length > 15) return bigInt8Text(text);
      const n = parseIntText(text);
      if (n !== n) throw textError("int8", text);
      return BigInt(n);
    };
    parseBinary = (bytes) => {
      const n = int8BinaryNumber(bytes);
      return n === undefined ? int8BinaryBigInt(bytes) : BigInt(n);
    };
  } else if (mode === "string") {
    parseText = (text) => {
      if (text.length > 15) bigInt8Text(text);
      else if (parseIntText(text) !== parseIntText(text)) throw textError("int8", text);
      return text;
    };
    parseBinary = (bytes) => {
      const n = int8BinaryNumber(bytes);
      return n === undefined ? String(int8BinaryBigInt(bytes)) : String(n);
    };
  } else {
    parseText = (text) => {
      const n = text.length > 15 ? Number(bigInt8Text(text)) : parseIntText(text);
      if (Number.isSafeInteger(n)) return n;
      if (n !== n) throw textError("int8", text);
      throw unsafeInt8(text);
    };
    parseBinary = (bytes) => {
      const n = int8BinaryNumber(bytes);
      if (n !== undefined && Number.isSafeInteger(n)) return n;
      throw unsafeInt8(n === undefined ? int8BinaryBigInt(bytes) : String(n));
    };
  }
  return {
    ...builtinIds("int8"),
    preferBinary: true,
    parseText,
    parseBinary,
    serializeText: (value: unknown): string => String(toInt8(value)),
    serializeBinary(value: unknown): Uint8Array {
      const v = toInt8(value);
      let hi: number;
      let lo: number;
      if (typeof v === "number") {
        hi = Math.floor(v / TWO_32);
        lo = v - hi * TWO_32;
      } else {
        const u = BigInt.asUintN(64, v);
        hi = Number(u >> 32n);
        lo = Number(u & 0xffffffffn);
      }
      return new Uint8Array([
        hi >>> 24,
        hi >>> 16,
        hi >>> 8,
        hi,
        lo >>> 24,
        lo >>> 16,
        lo >>> 8,
        lo,
      ]);
    },
  };
}

/** A money parameter as text the server's `cash_in` accepts (digits, no exponent). */
function moneyText(value: unknown): string {
  if (typeof value === "string") {
    if (value.trim() !== "") return value;
  } else if (typeof value === "bigint") return String(value);
  else if (typeof value === "number" && Number.isFinite(value)) {
    const s = String(value);
    if (!s.includes("e")) return s;
    if (Math.abs(value) < 1) return value.toFixed(20);
    throw serializeError("money", value, "out of range");
  }
  throw serializeError("money", value);
}

function moneyCodec(): Codec {
  return {
    ...builtinIds("money"),
    preferBinary: false,
    parseText(text: string): string {
      if (text === "") throw textError("money", text);
      return text;
    },
    serializeText: moneyText,
  };
}
