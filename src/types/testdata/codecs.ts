/**
 * Small scalar codecs for the container tests, independent of the real scalar codecs: `int4`,
 * `int8` (bigint), `text`, `bool`, `bytea`, and a "raw" codec that shows binary values as hex so
 * a test can compare them with what the server's `*send` functions return.
 *
 * @module
 */

import type { Codec } from "../codec.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** `\x`-less lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of hex text, with or without the `\x` prefix `bytea` output has. */
export function unhex(text: string): Uint8Array {
  const digits = text.startsWith("\\x") ? text.slice(2) : text;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new TypeError(`Not hex: ${text}`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `int4` as a number. */
export const int4: Codec = {
  name: "int4",
  oid: 23,
  arrayOid: 1007,
  preferBinary: true,
  parseText: (text) => {
    if (!/^-?\d+$/.test(text)) throw new TypeError(`Bad int4 ${JSON.stringify(text)}`);
    return Number(text);
  },
  parseBinary: (bytes) => {
    if (bytes.length !== 4) throw new TypeError(`Bad int4 length ${bytes.length}`);
    return view(bytes).getInt32(0);
  },
  serializeText: (value) => {
    if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError("Not an int4");
    return String(value);
  },
};

/** `int8` as a bigint. */
export const int8: Codec = {
  name: "int8",
  oid: 20,
  arrayOid: 1016,
  preferBinary: true,
  parseText: (text) => BigInt(text),
  parseBinary: (bytes) => view(bytes).getBigInt64(0),
  serializeText: (value) => String(value),
};

/** `text` as a string. */
export const text: Codec = {
  name: "text",
  oid: 25,
  arrayOid: 1009,
  preferBinary: true,
  parseText: (t) => t,
  parseBinary: (bytes) => decoder.decode(bytes),
  serializeText: (value) => {
    if (typeof value !== "string") throw new TypeError("Not a string");
    return value;
  },
};

/** `bool`. */
export const bool: Codec = {
  name: "bool",
  oid: 16,
  arrayOid: 1000,
  preferBinary: true,
  parseText: (t) => t === "t",
  parseBinary: (bytes) => bytes[0] === 1,
  serializeText: (value) => (value ? "t" : "f"),
};

/** `bytea` (hex output), with a binary writer. */
export const bytea: Codec = {
  name: "bytea",
  oid: 17,
  arrayOid: 1001,
  preferBinary: true,
  parseText: (t) => unhex(t),
  parseBinary: (bytes) => bytes.slice(),
  serializeText: (value) => `\\x${hex(value as Uint8Array)}`,
  serializeBinary: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError("Not bytes");
    return value.slice();
  },
};

/**
 * A codec for any type that keeps text as text and shows binary as hex, for comparing with the
 * server's `*send` output.
 */
export function raw(oid: number, name: string, arrayOid = 0): Codec {
  return {
    name,
    oid,
    arrayOid,
    preferBinary: true,
    parseText: (t) => t,
    parseBinary: (bytes) => hex(bytes),
    serializeText: (value) => String(value),
  };
}

/** The UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The test codecs as a list for a registry. */
export const TEST_CODECS: readonly Codec[] = [int4, int8, text, bool, bytea];
