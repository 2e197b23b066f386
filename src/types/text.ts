/**
 * Codecs for PostgreSQL's string-like types: `text`, `varchar`, `bpchar`, `name`, `"char"`, `bit`,
 * `varbit`, the geometric types, `bytea`, `json`, `jsonb`, `uuid`, `inet`, `cidr`, `macaddr` and
 * `macaddr8`.
 *
 * Text values arrive and leave as UTF-8 (pgline always sets `client_encoding`), so binary text is
 * the same bytes as text format; the binary decoders reject invalid UTF-8 rather than replace it.
 *
 * @module
 */

import type { Codec, TypeOptions } from "./codec.ts";
import {
  builtinIds,
  checkLength,
  HEX_BYTE,
  readInt32,
  serializeError,
  textError,
  writeInt32,
} from "./scalar_util.ts";
import { byteaCodec } from "./text_bytea.ts";
import { networkCodecs } from "./text_network.ts";

/** Geometric types: read and written as the strings the server prints (text format only). */
const GEOMETRIC = ["point", "lseg", "path", "box", "polygon", "line", "circle"] as const;

/** Strict UTF-8 in both directions; one per factory call. */
class Utf8 {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly #encoder = new TextEncoder();

  decode(type: string, bytes: Uint8Array): string {
    // Short ASCII is the common cell, and cheaper to build here than to hand to TextDecoder.
    if (bytes.length <= 24) {
      let s = "";
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) return this.#slow(type, bytes);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#slow(type, bytes);
  }

  #slow(type: string, bytes: Uint8Array): string {
    try {
      return this.#decoder.decode(bytes);
    } catch (cause) {
      throw new TypeError(`Cannot decode ${type}: invalid UTF-8`, { cause });
    }
  }

  encode(text: string): Uint8Array {
    return this.#encoder.encode(text);
  }
}

/**
 * Builds the codecs for the string-like types, JSON, `bytea`, `uuid` and the network types.
 *
 * - `text`, `varchar`, `bpchar` (padding kept), `name` → string.
 * - `"char"` → a string of one character; `""` for the zero byte and the server's `\ooo` octal
 *   escape for a byte above 127, as the server prints them.
 * - `bit`, `varbit` → a string of `0`/`1`.
 * - `point`, `lseg`, `path`, `box`, `polygon`, `line`, `circle` → the server's string (text only).
 * - `bytea` → a fresh `Uint8Array`.
 * - `json`, `jsonb` → `JSON.parse` of the text (or the text, with `parseJson: false`).
 * - `uuid` → lowercase string; `inet`, `cidr`, `macaddr`, `macaddr8` → string as printed.
 *
 * @param options `parseJson` decides whether JSON is parsed.
 * @returns One codec per type.
 * @throws {TypeError} If `options.parseJson` is not a boolean.
 *
 * @example Decoding jsonb in binary
 * ```ts
 * import { textCodecs } from "./text.ts";
 * const jsonb = textCodecs({}).find((c) => c.name === "jsonb")!;
 * const bytes = new Uint8Array([1, ...new TextEncoder().encode('{"a": 1}')]);
 * console.assert((jsonb.parseBinary!(bytes) as { a: number }).a === 1);
 * ```
 */
export function textCodecs(options: TypeOptions): Codec[] {
  const parseJson = options.parseJson ?? true;
  if (typeof parseJson !== "boolean") {
    throw new TypeError(`Invalid parseJson option ${String(parseJson)}: use true or false`);
  }
  const utf8 = new Utf8();
  return [
    stringCodec("text", utf8),
    stringCodec("varchar", utf8),
    stringCodec("bpchar", utf8),
    stringCodec("name", utf8),
    charCodec(),
    bitCodec("bit"),
    bitCodec("varbit"),
    ...GEOMETRIC.map(geometricCodec),
    byteaCodec(),
    jsonCodec("json", parseJson, utf8),
    jsonCodec("jsonb", parseJson, utf8),
    uuidCodec(),
    ...networkCodecs(),
  ];
}

/** A string parameter the server will store unchanged: well-formed UTF-16, no NUL. */
function toText(type: string, value: unknown): string {
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw serializeError(type, value, "lone surrogate");
    if (value.includes("\0")) throw serializeError(type, value, "contains a NUL character");
    return value;
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  throw serializeError(type, value);
}

function stringCodec(name: string, utf8: Utf8): Codec {
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText: (text: string): string => text,
    parseBinary: (bytes: Uint8Array): string => utf8.decode(name, bytes),
    serializeText: (value: unknown): string => toText(name, value),
    serializeBinary: (value: unknown): Uint8Array => utf8.encode(toText(name, value)),
  };
}

function geometricCodec(name: string): Codec {
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText(text: string): string {
      if (text === "") throw textError(name, text);
      return text;
    },
    serializeText(value: unknown): string {
      if (typeof value === "string" && value.trim() !== "") return toText(name, value);
      throw serializeError(name, value);
    },
  };
}

/** The byte of a `"char"` value in the form `charout` prints, or -1. */
function charByte(text: string): number {
  if (text.length === 0) return 0;
  const c = text.charCodeAt(0);
  if (text.length === 1) return c < 0x80 ? c : -1;
  if (text.length !== 4 || c !== 92) return -1;
  let n = 0;
  for (let i = 1; i < 4; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 7) return -1;
    n = n * 8 + d;
  }
  return n <= 255 ? n : -1;
}

/** What `charout` prints for a byte. */
function charText(byte: number): string {
  if (byte === 0) return "";
  if (byte < 0x80) return String.fromCharCode(byte);
  return "\\" + byte.toString(8);
}

function charParam(value: unknown): number {
  const b = typeof value === "string"
    ? charByte(value)
    : typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255
    ? value
    : -1;
  if (b < 0) {
    throw serializeError("char", value, 'expected one ASCII character, "\\ooo" or a byte value');
  }
  return b;
}

function charCodec(): Codec {
  return {
    ...builtinIds("char"),
    preferBinary: false,
    parseText(text: string): string {
      if (charByte(text) < 0) throw textError("char", text);
      return text;
    },
    parseBinary(bytes: Uint8Array): string {
      checkLength("char", bytes, 1);
      return charText(bytes[0]!);
    },
    serializeText: (value: unknown): string => charText(charParam(value)),
    serializeBinary: (value: unknown): Uint8Array => new Uint8Array([charParam(value)]),
  };
}

/** `0`/`1` strings for every byte value, most significant bit first. */
const BITS: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(2).padStart(8, "0"),
);

function isBitString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 48 && c !== 49) return false;
  }
  return true;
}

function bitCodec(name: "bit" | "varbit"): Codec {
  const param = (value: unknown): string => {
    if (typeof value === "string" && isBitString(value)) return value;
    throw serializeError(name, value, "expected a string of 0 and 1");
  };
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText(text: string): string {
      if (!isBitString(text)) throw textError(name, text);
      return text;
    },
    parseBinary(bytes: Uint8Array): string {
      const bits = bytes.length >= 4 ? readInt32(bytes, 0) : -1;
      if (bits < 0 || bytes.length !== 4 + Math.ceil(bits / 8)) {
        throw new RangeError(
          `Cannot decode ${name}: ${bytes.length} bytes do not hold ${bits} bits`,
        );
      }
      let s = "";
      for (let i = 4; i < bytes.length; i++) s += BITS[bytes[i]!]!;
      return s.length === bits ? s : s.slice(0, bits);
    },
    serializeText: param,
    serializeBinary(value: unknown): Uint8Array {
      const s = param(value);
      const out = new Uint8Array(4 + Math.ceil(s.length / 8));
      writeInt32(out, 0, s.length);
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) === 49) out[4 + (i >> 3)]! |= 0x80 >> (i & 7);
      }
      return out;
    },
  };
}

function parseJsonText(type: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TypeError(`Cannot decode ${type}: invalid JSON`, { cause });
  }
}

/** JSON text for a parameter: a string is taken as JSON text already, anything else stringified. */
function jsonText(type: string, value: unknown): string {
  if (typeof value === "string") return toText(type, value);
  let s: string | undefined;
  try {
    s = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`Cannot serialize ${typeof value} as ${type}: ${cause}`, { cause });
  }
  if (s === undefined) throw serializeError(type, value, "JSON.stringify gave nothing");
  return s;
}

function jsonCodec(name: "json" | "jsonb", parse: boolean, utf8: Utf8): Codec {
  const jsonb = name === "jsonb";
  const fromText = parse ? (text: string): unknown => parseJsonText(name, text) : undefined;
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText: fromText ?? ((text: string): string => text),
    parseBinary(bytes: Uint8Array): unknown {
      if (jsonb) {
        if (bytes.length === 0 || bytes[0] !== 1) {
          throw new RangeError(`Cannot decode jsonb: unsupported version ${bytes[0]}`);
        }
        bytes = bytes.subarray(1);
      }
      const text = utf8.decode(name, bytes);
      return fromText === undefined ? text : fromText(text);
    },
    serializeText: (value: unknown): string => jsonText(name, value),
    serializeBinary(value: unknown): Uint8Array {
      const body = utf8.encode(jsonText(name, value));
      if (!jsonb) return body;
      const out = new Uint8Array(body.length + 1);
      out[0] = 1;
      out.set(body, 1);
      return out;
    },
  };
}

function formatUuid(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX_BYTE[b[i]!]!;
  }
  return s;
}

/** 32 hex digits from what `uuid_in` reads: braces optional, a hyphen after any 4 digits. */
function uuidHex(text: string): string | undefined {
  let s = text.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  let hex = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 45) {
      if (hex.length === 0 || hex.length % 4 !== 0 || s.charCodeAt(i - 1) === 45) return undefined;
      if (i === s.length - 1) return undefined;
    } else if ((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102)) hex += s[i];
    else return undefined;
  }
  return hex.length === 32 ? hex.toLowerCase() : undefined;
}

function uuidParam(value: unknown): string {
  if (value instanceof Uint8Array && value.length === 16) return formatUuid(value);
  const hex = typeof value === "string" ? uuidHex(value) : undefined;
  if (hex === undefined) throw serializeError("uuid", value);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

function uuidCodec(): Codec {
  return {
    ...builtinIds("uuid"),
    preferBinary: false,
    parseText(text: string): string {
      let lower = true;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (i === 8 || i === 13 || i === 18 || i === 23) {
          if (c !== 45) throw textError("uuid", text);
        } else if (c >= 65 && c <= 70) lower = false;
        else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) throw textError("uuid", text);
      }
      if (text.length !== 36) throw textError("uuid", text);
      return lower ? text : text.toLowerCase();
    },
    parseBinary(bytes: Uint8Array): string {
      checkLength("uuid", bytes, 16);
      return formatUuid(bytes);
    },
    serializeText: uuidParam,
    serializeBinary(value: unknown): Uint8Array {
      const hex = uuidParam(value).replaceAll("-", "");
      const out = new Uint8Array(16);
      for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
      return out;
    },
  };
}
