/**
 * Codecs for range types (`int4range`, `tstzrange`, user ranges) and multiranges
 * (`int4multirange`, ..., PostgreSQL 14+), built over the subtype's codec.
 *
 * Text format: `range_in`/`range_out` (`rangetypes.c`) and
 * https://www.postgresql.org/docs/current/rangetypes.html#RANGETYPES-IO; binary format:
 * `range_send` (a flags byte, then each finite bound as int32 length + bytes) and
 * `multirange_send` (int32 count, then each range as int32 length + `range_send` bytes).
 *
 * @module
 */

import type { Codec, PgRange } from "./codec.ts";

/** `range_send` flag bits, from PostgreSQL's `rangetypes.h`. */
const RANGE_EMPTY = 0x01;
const RANGE_LB_INC = 0x02;
const RANGE_UB_INC = 0x04;
const RANGE_LB_INF = 0x08;
const RANGE_UB_INF = 0x10;
const KNOWN_FLAGS = RANGE_EMPTY | RANGE_LB_INC | RANGE_UB_INC | RANGE_LB_INF | RANGE_UB_INF;

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** C `isspace` in the "C" locale, which `range_in` and `multirange_in` use. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

type MutableCodec = { -readonly [K in keyof Codec]: Codec[K] };

function emptyRange<T>(): PgRange<T> {
  return {
    kind: "range",
    empty: true,
    lower: null,
    upper: null,
    lowerInclusive: false,
    upperInclusive: false,
  };
}

/**
 * Makes the codec for a range type from its subtype's codec.
 *
 * Values are {@link PgRange} objects. An unbounded side has a `null` bound and is never inclusive
 * (PostgreSQL normalizes `[,5]` to `(,5]`); the empty range has `empty: true`, null bounds and
 * both flags false. Discrete ranges come back as the server canonicalized them (`[1,5)`).
 * `serializeText` takes a `PgRange` (missing inclusivity flags default to `[)`, PostgreSQL's
 * default), or a string, passed through as a range literal (`"empty"`, `"[1,5)"`).
 *
 * @param subtype The subtype's codec (reads and writes each bound).
 * @param oid The range type's OID.
 * @param arrayOid Its array type's OID, or 0.
 * @param name Its name (`int4range`).
 * @returns The range codec; binary when the subtype reads binary.
 * @throws Never; the codec's `parseText`/`parseBinary` throw a `TypeError` for malformed input.
 *
 * @example Reading an `int4range`
 * ```ts
 * import { rangeCodec } from "./range.ts";
 * import type { Codec } from "./codec.ts";
 * const int4: Codec = {
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: false,
 *   parseText: Number,
 *   serializeText: String,
 * };
 * const int4range = rangeCodec(int4, 3904, 3905, "int4range");
 * const r = int4range.parseText("[1,5)") as { lower: number; upper: number };
 * console.assert(r.lower === 1 && r.upper === 5);
 * console.assert(int4range.serializeText({ kind: "range", empty: false, lower: null, upper: 5,
 *   lowerInclusive: false, upperInclusive: true }) === "(,5]");
 * ```
 */
export function rangeCodec(subtype: Codec, oid: number, arrayOid: number, name: string): Codec {
  const parseBound = (text: string): unknown => subtype.parseText(text);
  const serializeBound = (value: unknown): string => subtype.serializeText(value);
  const subtypeParseBinary = subtype.parseBinary?.bind(subtype);
  const codec: MutableCodec = {
    name,
    oid,
    arrayOid,
    preferBinary: subtype.preferBinary && subtypeParseBinary !== undefined,
    parseText: (text) => parseRangeText(text, parseBound, name),
    serializeText: (value) => serializeRangeText(value, serializeBound, name),
  };
  if (subtypeParseBinary !== undefined) {
    codec.parseBinary = (bytes) => parseRangeBinary(bytes, subtypeParseBinary, name);
  }
  return codec;
}

function fail(name: string, text: string, at: number, why: string): never {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  throw new TypeError(`Cannot parse ${name} text ${JSON.stringify(shown)}: ${why} at offset ${at}`);
}

function parseRangeText(
  text: string,
  parseBound: (text: string) => unknown,
  name: string,
): PgRange {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let range: PgRange;
  if (text.slice(i, i + 5).toLowerCase() === "empty") {
    range = emptyRange();
    i += 5;
  } else {
    const open = text.charCodeAt(i);
    if (open !== LBRACKET && open !== LPAREN) fail(name, text, i, 'expected "[", "(" or empty');
    i++;
    const lower = readBound(text, i, name);
    i = lower.end;
    if (text.charCodeAt(i) !== COMMA) fail(name, text, i, 'expected ","');
    const upper = readBound(text, i + 1, name);
    i = upper.end;
    const close = text.charCodeAt(i);
    if (close !== RBRACKET && close !== RPAREN) fail(name, text, i, 'expected "]" or ")"');
    i++;
    range = {
      kind: "range",
      empty: false,
      lower: lower.text === null ? null : parseBound(lower.text),
      upper: upper.text === null ? null : parseBound(upper.text),
      lowerInclusive: lower.text !== null && open === LBRACKET,
      upperInclusive: upper.text !== null && close === RBRACKET,
    };
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (i !== n) fail(name, text, i, "unexpected text after the range");
  return range;
}

/**
 * Reads one bound as `range_parse_bound` does: nothing before `,`/`)`/`]` means unbounded;
 * otherwise `"` toggles quoting (`""` inside quotes is a quote), `\` escapes the next character,
 * and unquoted whitespace is kept.
 */
function readBound(text: string, i: number, name: string): { text: string | null; end: number } {
  const n = text.length;
  const first = text.charCodeAt(i);
  if (first === COMMA || first === RPAREN || first === RBRACKET) return { text: null, end: i };
  const start = i;
  // Fast path: no quotes or escapes.
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === RPAREN || c === RBRACKET) {
      return { text: text.slice(start, i), end: i };
    }
    if (c === QUOTE || c === BACKSLASH) break;
  }
  let out = text.slice(start, i);
  let quoted = false;
  for (;;) {
    if (i >= n) fail(name, text, i, "unexpected end of input");
    const c = text.charCodeAt(i);
    if (!quoted && (c === COMMA || c === RPAREN || c === RBRACKET)) return { text: out, end: i };
    i++;
    if (c === BACKSLASH) {
      if (i >= n) fail(name, text, i, "unexpected end of input");
      out += text[i];
      i++;
    } else if (c === QUOTE) {
      if (!quoted) quoted = true;
      else if (text.charCodeAt(i) === QUOTE) {
        out += '"';
        i++;
      } else quoted = false;
    } else {
      out += text[i - 1];
    }
  }
}

/** Quotes a bound as `range_bound_escape` does: `"` and `\` doubled inside double quotes. */
function quoteBound(text: string): string {
  let quote = text.length === 0;
  for (let i = 0; i < text.length && !quote; i++) {
    const c = text.charCodeAt(i);
    quote = c === QUOTE || c === BACKSLASH || c === LPAREN || c === RPAREN || c === LBRACKET ||
      c === RBRACKET || c === COMMA || isSpace(c);
  }
  if (!quote) return text;
  return `"${text.replace(/["\\]/g, (c) => c + c)}"`;
}

function serializeRangeText(
  value: unknown,
  serializeBound: (value: unknown) => string,
  name: string,
): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`Cannot serialize ${name}: expected a range object or a range literal`);
  }
  const range = value as Partial<PgRange>;
  if (range.empty === true) return "empty";
  const lower = range.lower ?? null;
  const upper = range.upper ?? null;
  const lowerInclusive = range.lowerInclusive ?? true;
  const upperInclusive = range.upperInclusive ?? false;
  return (lower !== null && lowerInclusive ? "[" : "(") +
    (lower === null ? "" : quoteBound(serializeBound(lower))) + "," +
    (upper === null ? "" : quoteBound(serializeBound(upper))) +
    (upper !== null && upperInclusive ? "]" : ")");
}

function parseRangeBinary(
  bytes: Uint8Array,
  parseBound: (bytes: Uint8Array) => unknown,
  name: string,
): PgRange {
  const size = bytes.length;
  if (size < 1) throw new TypeError(`Cannot parse ${name} binary value: no flags byte`);
  const flags = bytes[0]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new TypeError(`Cannot parse ${name} binary value: unknown flags 0x${flags.toString(16)}`);
  }
  if ((flags & RANGE_EMPTY) !== 0) {
    if (size !== 1) {
      throw new TypeError(`Cannot parse ${name} binary value: ${size - 1} bytes after "empty"`);
    }
    return emptyRange();
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  let offset = 1;
  const bound = (): unknown => {
    if (size - offset < 4) {
      throw new TypeError(`Cannot parse ${name} binary value: truncated bound length`);
    }
    const length = view.getInt32(offset);
    offset += 4;
    if (length < 0 || length > size - offset) {
      throw new TypeError(
        `Cannot parse ${name} binary value: bound length ${length} with ${
          size - offset
        } bytes left`,
      );
    }
    const value = parseBound(bytes.subarray(offset, offset + length));
    offset += length;
    return value;
  };
  const lowerFinite = (flags & RANGE_LB_INF) === 0;
  const upperFinite = (flags & RANGE_UB_INF) === 0;
  const lower = lowerFinite ? bound() : null;
  const upper = upperFinite ? bound() : null;
  if (offset !== size) {
    throw new TypeError(
      `Cannot parse ${name} binary value: ${size - offset} bytes after the bounds`,
    );
  }
  return {
    kind: "range",
    empty: false,
    lower,
    upper,
    lowerInclusive: lowerFinite && (flags & RANGE_LB_INC) !== 0,
    upperInclusive: upperFinite && (flags & RANGE_UB_INC) !== 0,
  };
}

/**
 * Makes the codec for a multirange type (PostgreSQL 14+) from its range type's codec.
 *
 * Values are arrays of {@link PgRange} in the server's (sorted, merged) order; `{}` is `[]`.
 * Empty ranges written inside a multirange literal are dropped, as `multirange_in` drops them.
 * `serializeText` takes an array of ranges (each as the range codec's `serializeText` accepts) or
 * a string, passed through as a multirange literal.
 *
 * @param range The range type's codec (reads and writes each range).
 * @param oid The multirange type's OID.
 * @param arrayOid Its array type's OID, or 0.
 * @param name Its name (`int4multirange`).
 * @returns The multirange codec; binary when the range codec prefers binary.
 * @throws Never; the codec's `parseText`/`parseBinary` throw a `TypeError` for malformed input.
 *
 * @example Reading an `int4multirange`
 * ```ts
 * import { multirangeCodec, rangeCodec } from "./range.ts";
 * import type { Codec } from "./codec.ts";
 * const int4: Codec = {
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: false,
 *   parseText: Number,
 *   serializeText: String,
 * };
 * const int4range = rangeCodec(int4, 3904, 3905, "int4range");
 * const int4multirange = multirangeCodec(int4range, 4451, 6150, "int4multirange");
 * const ranges = int4multirange.parseText("{[1,3),[5,7)}") as unknown[];
 * console.assert(ranges.length === 2);
 * console.assert(int4multirange.serializeText(ranges) === "{[1,3),[5,7)}");
 * ```
 */
export function multirangeCodec(range: Codec, oid: number, arrayOid: number, name: string): Codec {
  const parseRange = (text: string): unknown => range.parseText(text);
  const rangeParseBinary = range.parseBinary?.bind(range);
  const codec: MutableCodec = {
    name,
    oid,
    arrayOid,
    preferBinary: range.preferBinary && rangeParseBinary !== undefined,
    parseText: (text) => parseMultirangeText(text, parseRange, name),
    serializeText: (value) => {
      if (typeof value === "string") return value;
      if (!Array.isArray(value)) {
        throw new TypeError(`Cannot serialize ${name}: expected an array of ranges`);
      }
      return `{${value.map((r) => range.serializeText(r)).join(",")}}`;
    },
  };
  if (rangeParseBinary !== undefined) {
    codec.parseBinary = (bytes) => parseMultirangeBinary(bytes, rangeParseBinary, name);
  }
  return codec;
}

function parseMultirangeText(
  text: string,
  parseRange: (text: string) => unknown,
  name: string,
): unknown[] {
  const n = text.length;
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  skipSpace();
  if (text.charCodeAt(i) !== LBRACE) fail(name, text, i, 'expected "{"');
  i++;
  skipSpace();
  const out: unknown[] = [];
  if (text.charCodeAt(i) === RBRACE) {
    i++;
  } else {
    for (;;) {
      skipSpace();
      const start = i;
      if (text.slice(i, i + 5).toLowerCase() === "empty") {
        i += 5;
      } else {
        const open = text.charCodeAt(i);
        if (open !== LBRACKET && open !== LPAREN) {
          fail(name, text, i, 'expected "[", "(" or empty');
        }
        // Find the closing bracket outside quotes; the range codec parses the slice.
        let quoted = false;
        for (i++;; i++) {
          if (i >= n) fail(name, text, i, "unexpected end of input");
          const c = text.charCodeAt(i);
          if (c === BACKSLASH) i++;
          else if (c === QUOTE) quoted = !quoted;
          else if (!quoted && (c === RBRACKET || c === RPAREN)) break;
        }
        i++;
        const parsed = parseRange(text.slice(start, i)) as PgRange;
        if (!parsed.empty) out.push(parsed);
      }
      skipSpace();
      const c = text.charCodeAt(i);
      i++;
      if (c === RBRACE) break;
      if (c !== COMMA) fail(name, text, i - 1, 'expected "," or "}"');
    }
  }
  skipSpace();
  if (i !== n) fail(name, text, i, "unexpected text after the multirange");
  return out;
}

function parseMultirangeBinary(
  bytes: Uint8Array,
  parseRange: (bytes: Uint8Array) => unknown,
  name: string,
): unknown[] {
  const size = bytes.length;
  if (size < 4) throw new TypeError(`Cannot parse ${name} binary value: no range count`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const count = view.getInt32(0);
  if (count < 0 || count * 5 > size - 4) {
    throw new TypeError(`Cannot parse ${name} binary value: ${count} ranges in ${size} bytes`);
  }
  let offset = 4;
  const out: unknown[] = [];
  for (let k = 0; k < count; k++) {
    if (size - offset < 4) {
      throw new TypeError(`Cannot parse ${name} binary value: truncated range length`);
    }
    const length = view.getInt32(offset);
    offset += 4;
    if (length < 1 || length > size - offset) {
      throw new TypeError(
        `Cannot parse ${name} binary value: range length ${length} with ${
          size - offset
        } bytes left`,
      );
    }
    out.push(parseRange(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  if (offset !== size) {
    throw new TypeError(
      `Cannot parse ${name} binary value: ${size - offset} bytes after the ranges`,
    );
  }
  return out;
}
