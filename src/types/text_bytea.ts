/**
 * The `bytea` codec: binary strings as `Uint8Array`.
 *
 * Text output is `\x` followed by two lowercase hex digits per byte (`bytea_output = hex`, the
 * default) or the legacy escape format (`bytea_output = escape`: printable ASCII as itself, `\\`
 * for a backslash, `\ooo` octal for the rest). Binary is the bytes themselves.
 *
 * @module
 */

import type { Codec } from "./codec.ts";
import { builtinIds, hexDigit, serializeError, textError } from "./scalar_util.ts";

/** Hex digit values by char code (0–127), -1 for non-digits. */
const HEX_VALUE: Int8Array = Int8Array.from({ length: 128 }, (_, c) => hexDigit(c));
/** ASCII codes of the lowercase hex digits. */
const HEX_CODE: Uint8Array = new TextEncoder().encode("0123456789abcdef");

function decodeHex(text: string): Uint8Array {
  const len = text.length;
  if ((len & 1) !== 0) throw textError("bytea", text);
  const out = new Uint8Array((len - 2) >> 1);
  for (let i = 2, j = 0; i < len; i += 2, j++) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if ((hi | lo) < 0) throw textError("bytea", text);
    out[j] = (hi << 4) | lo;
  }
  return out;
}

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

/** The escape format: two passes, one to size and check, one to fill. */
function decodeEscape(text: string): Uint8Array {
  const len = text.length;
  let n = 0;
  for (let i = 0; i < len; n++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) throw textError("bytea", text);
    if (c !== 92) i++;
    else if (text.charCodeAt(i + 1) === 92) i += 2;
    else if (
      text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 51 &&
      isOctal(text.charCodeAt(i + 2)) && isOctal(text.charCodeAt(i + 3))
    ) i += 4;
    else throw textError("bytea", text);
  }
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < len; j++) {
    const c = text.charCodeAt(i);
    if (c !== 92) {
      out[j] = c;
      i++;
    } else if (text.charCodeAt(i + 1) === 92) {
      out[j] = 92;
      i += 2;
    } else {
      out[j] = ((text.charCodeAt(i + 1) - 48) << 6) | ((text.charCodeAt(i + 2) - 48) << 3) |
        (text.charCodeAt(i + 3) - 48);
      i += 4;
    }
  }
  return out;
}

/** The bytes of a bytea parameter: a `Uint8Array` as is, another view or buffer wrapped. */
function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw serializeError("bytea", value, "expected a Uint8Array, ArrayBufferView or ArrayBuffer");
}

/**
 * The `bytea` codec: a `Uint8Array` that is always a fresh copy, never a view of the receive
 * buffer. Text parsing reads both the hex and the escape output formats; parameters are written
 * as `\x` hex (text) or the bytes (binary), from a `Uint8Array`, any `ArrayBufferView` or an
 * `ArrayBuffer`.
 *
 * @returns The codec (`preferBinary: true`).
 * @throws {TypeError} Not itself; the codec's text decoder throws a TypeError for malformed hex or
 * escapes, its serializers for a value that is not binary data.
 *
 * @example Both output formats
 * ```ts
 * import { byteaCodec } from "./text_bytea.ts";
 * const c = byteaCodec();
 * console.assert(String(c.parseText("\\x00ff")) === "0,255");
 * console.assert(String(c.parseText("a\\\\\\001")) === "97,92,1");
 * console.assert(c.serializeText(new Uint8Array([0xde, 0xad])) === "\\xdead");
 * ```
 */
export function byteaCodec(): Codec {
  const ascii = new TextDecoder("latin1");
  return {
    ...builtinIds("bytea"),
    preferBinary: true,
    parseText(text: string): Uint8Array {
      if (text.charCodeAt(0) === 92 && text.charCodeAt(1) === 120) return decodeHex(text);
      return decodeEscape(text);
    },
    parseBinary: (bytes: Uint8Array): Uint8Array => bytes.slice(),
    serializeText(value: unknown): string {
      const bytes = toBytes(value);
      const out = new Uint8Array(2 + 2 * bytes.length);
      out[0] = 92;
      out[1] = 120;
      for (let i = 0, j = 2; i < bytes.length; i++, j += 2) {
        const b = bytes[i]!;
        out[j] = HEX_CODE[b >> 4]!;
        out[j + 1] = HEX_CODE[b & 15]!;
      }
      return ascii.decode(out);
    },
    serializeBinary: toBytes,
  };
}
