/**
 * Codecs for PostgreSQL arrays (`int4[]`, `text[][]`, ...), built over the element type's codec.
 *
 * Text format: `array_in`/`array_out` in PostgreSQL's `arrayfuncs.c` and the "Array Value Input"
 * and "Array Input and Output Syntax" sections of
 * https://www.postgresql.org/docs/current/arrays.html. Binary format: `array_send`/`array_recv`.
 *
 * @module
 */

import type { Codec } from "./codec.ts";

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const LBRACKET = 0x5b;
const EQUALS = 0x3d;

/** PostgreSQL's `array_isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** `array_in` accepts at most this many dimensions (`MAXDIM`). */
const MAX_DIMENSIONS = 6;

/** Options of {@link arrayCodec}. */
export interface ArrayCodecOptions {
  /**
   * The element separator, `pg_type.typdelim` of the element type: `,` for every built-in type
   * but `box`, which uses `;`.
   *
   * @default {","}
   */
  delimiter?: string;
  /**
   * Element values are JS arrays themselves (multiranges, anonymous records, domains over
   * arrays). `serializeText` then takes the innermost arrays (those whose first element is not
   * an array, empty ones, or nulls) as elements rather than as a dimension.
   *
   * @default {false}
   */
  elementsAreArrays?: boolean;
}

/**
 * Makes the codec for an array type from its element type's codec.
 *
 * Multi-dimensional arrays are nested JavaScript arrays; NULL elements are `null`; an empty array
 * (of any dimension) is `[]`. PostgreSQL array lower bounds are not kept: `[0:2]={1,2,3}` (text)
 * or a binary array with lower bound 0 both decode as `[1, 2, 3]`.
 *
 * `serializeText` takes nested arrays (JS arrays mean dimensions unless `elementsAreArrays` is
 * set, so a JSON array inside a `json[]` must be passed as a string) and rejects ragged ones with
 * a `TypeError`; a string is taken to be an array literal already and passed through. `serializeBinary` exists when the
 * element codec has one and a known OID (e.g. `bytea[]`).
 *
 * @param element The element type's codec (its `parseText`/`parseBinary` read each element).
 * @param arrayOid The array type's OID (`pg_type.typarray` of the element type).
 * @param name The array type's name; defaults to `_` + the element's name, as PostgreSQL names
 * arrays.
 * @param options The element delimiter, and whether element values are themselves JS arrays.
 * @returns A codec whose values are (nested) arrays.
 * @throws {TypeError} if the delimiter is not one character or is a character the array syntax
 * uses (quote, backslash, braces, whitespace).
 *
 * @example Reading and writing an `int4[]`
 * ```ts
 * import { arrayCodec } from "./array.ts";
 * import type { Codec } from "./codec.ts";
 * const int4: Codec = {
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: true,
 *   parseText: Number,
 *   serializeText: String,
 * };
 * const int4Array = arrayCodec(int4, 1007);
 * console.assert(JSON.stringify(int4Array.parseText("{{1,2},{3,NULL}}")) === "[[1,2],[3,null]]");
 * console.assert(int4Array.serializeText([1, null, 3]) === "{1,NULL,3}");
 * ```
 */
export function arrayCodec(
  element: Codec,
  arrayOid: number,
  name: string = `_${element.name}`,
  options: ArrayCodecOptions = {},
): Codec {
  const delimiter = options.delimiter ?? ",";
  const elementsAreArrays = options.elementsAreArrays ?? false;
  const delim = delimiter.charCodeAt(0);
  if (
    delimiter.length !== 1 || delim === QUOTE || delim === BACKSLASH || delim === OPEN ||
    delim === CLOSE || isSpace(delim)
  ) {
    throw new TypeError(
      `Cannot make an array codec: invalid delimiter ${JSON.stringify(delimiter)}`,
    );
  }
  const parseElement = (text: string): unknown => element.parseText(text);
  const serializeElement = (value: unknown): string => element.serializeText(value);
  const elementParseBinary = element.parseBinary?.bind(element);
  const elementSerializeBinary = element.serializeBinary?.bind(element);
  const codec: {
    -readonly [K in keyof Codec]: Codec[K];
  } = {
    name,
    oid: arrayOid,
    arrayOid: 0,
    preferBinary: element.preferBinary && elementParseBinary !== undefined,
    parseText: (text) => parseArrayText(text, delim, parseElement, name),
    serializeText: (value) =>
      serializeArrayText(value, delimiter, serializeElement, name, elementsAreArrays),
  };
  if (elementParseBinary !== undefined) {
    codec.parseBinary = (bytes) => parseArrayBinary(bytes, elementParseBinary, name);
  }
  if (elementSerializeBinary !== undefined && element.oid !== 0) {
    codec.serializeBinary = (value) =>
      serializeArrayBinary(value, element.oid, elementSerializeBinary, name, elementsAreArrays);
  }
  return codec;
}

function fail(name: string, text: string, at: number, why: string): never {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  throw new TypeError(
    `Cannot parse ${name} text ${JSON.stringify(shown)}: ${why} at offset ${at}`,
  );
}

/**
 * Parses an array literal in one pass. Elements are handed to `parseElement` as the text
 * `array_out` would have quoted: unescaped, and trimmed of unquoted surrounding whitespace.
 */
function parseArrayText(
  text: string,
  delim: number,
  parseElement: (text: string) => unknown,
  name: string,
): unknown[] {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === LBRACKET) i = skipDimensions(text, i, name);
  if (text.charCodeAt(i) !== OPEN) fail(name, text, i, 'expected "{"');
  i++;
  const root: unknown[] = [];
  let current = root;
  const parents: unknown[][] = [];
  // Length of the first finished sub-array at each depth, to reject ragged input.
  const lengths: number[] = [];
  let scalarDepth = -1; // depth at which elements (not sub-arrays) sit, once known
  let afterValue = false; // just read an element or sub-array: a delimiter or "}" must follow
  let afterDelimiter = false;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) fail(name, text, i, "unexpected end of input");
    const c = text.charCodeAt(i);
    if (c === CLOSE) {
      if (afterDelimiter) fail(name, text, i, "expected an element after the delimiter");
      const depth = parents.length;
      const expected = lengths[depth];
      if (expected === undefined) lengths[depth] = current.length;
      else if (expected !== current.length) {
        fail(name, text, i, "sub-arrays must have matching dimensions");
      }
      i++;
      const parent = parents.pop();
      if (parent === undefined) break;
      current = parent;
      afterValue = true;
      continue;
    }
    if (afterValue) {
      if (c !== delim) fail(name, text, i, `expected "${String.fromCharCode(delim)}" or "}"`);
      i++;
      afterValue = false;
      afterDelimiter = true;
      continue;
    }
    afterDelimiter = false;
    afterValue = true;
    if (c === OPEN) {
      if (scalarDepth !== -1 && parents.length + 1 > scalarDepth) {
        fail(name, text, i, "sub-arrays must have matching dimensions");
      }
      if (parents.length + 1 >= MAX_DIMENSIONS) {
        fail(name, text, i, `more than ${MAX_DIMENSIONS} dimensions`);
      }
      const child: unknown[] = [];
      current.push(child);
      parents.push(current);
      current = child;
      afterValue = false;
      i++;
      continue;
    }
    if (scalarDepth === -1) scalarDepth = parents.length;
    else if (scalarDepth !== parents.length) {
      fail(name, text, i, "sub-arrays must have matching dimensions");
    }
    if (c === QUOTE) {
      // Quoted element: backslash escapes the next character; no trimming; never NULL.
      let value = "";
      let start = ++i;
      for (;;) {
        if (i >= n) fail(name, text, i, "unterminated quoted element");
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          value += text.slice(start, i);
          if (++i >= n) fail(name, text, i, "unterminated quoted element");
          start = i;
        }
        i++;
      }
      value += text.slice(start, i);
      i++;
      current.push(parseElement(value));
      continue;
    }
    // Unquoted element: ends at the delimiter or "}"; surrounding whitespace is not part of it;
    // backslash escapes the next character (which then is never trimmed).
    const start = i;
    let end = i; // end of the element's text after the last non-space or escaped character
    let escaped = false;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === delim || d === CLOSE) break;
      if (d === QUOTE || d === OPEN) fail(name, text, i, "unexpected character in an element");
      if (d === BACKSLASH) {
        escaped = true;
        i += 2;
        if (i > n) fail(name, text, n, "unexpected end of input");
        end = i;
        continue;
      }
      i++;
      if (!isSpace(d)) end = i;
    }
    if (end === start) fail(name, text, i, "empty unquoted element");
    if (!escaped) {
      const raw = text.slice(start, end);
      if (raw.length === 4 && (raw === "NULL" || raw.toUpperCase() === "NULL")) {
        current.push(null);
      } else {
        current.push(parseElement(raw));
      }
    } else {
      current.push(parseElement(unescape(text, start, end)));
    }
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (i !== n) fail(name, text, i, "unexpected text after the array");
  // PostgreSQL has no zero-length dimensions: "{{},{}}" is the empty array.
  if (scalarDepth === -1) return [];
  return root;
}

function unescape(text: string, start: number, end: number): string {
  let out = "";
  let from = start;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === BACKSLASH) {
      out += text.slice(from, i);
      from = ++i;
    }
  }
  return out + text.slice(from, end);
}

/** Skips `[lower:upper]...=` (the dimension decoration) and returns the index after `=`. */
function skipDimensions(text: string, i: number, name: string): number {
  const n = text.length;
  let count = 0;
  while (text.charCodeAt(i) === LBRACKET) {
    if (++count > MAX_DIMENSIONS) fail(name, text, i, `more than ${MAX_DIMENSIONS} dimensions`);
    const close = text.indexOf("]", i);
    if (close === -1 || !/^\s*[+-]?\d+\s*(:\s*[+-]?\d+\s*)?$/.test(text.slice(i + 1, close))) {
      fail(name, text, i, "malformed dimension decoration");
    }
    i = close + 1;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  }
  if (text.charCodeAt(i) !== EQUALS) fail(name, text, i, 'expected "=" after the dimensions');
  i++;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function binaryFail(name: string, why: string): never {
  throw new TypeError(`Cannot parse ${name} binary value: ${why}`);
}

/**
 * Reads `array_send` output: int32 ndim, int32 flags (1 when there are NULLs), uint32 element
 * OID, ndim × (int32 length, int32 lower bound), then each element as int32 length (-1 for NULL)
 * and bytes, in row-major order.
 */
function parseArrayBinary(
  bytes: Uint8Array,
  parseElement: (bytes: Uint8Array) => unknown,
  name: string,
): unknown[] {
  const size = bytes.length;
  if (size < 12) binaryFail(name, `${size} bytes is shorter than the 12-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const ndim = view.getInt32(0);
  const flags = view.getInt32(4);
  if (ndim < 0 || ndim > MAX_DIMENSIONS) binaryFail(name, `invalid number of dimensions ${ndim}`);
  if (flags !== 0 && flags !== 1) binaryFail(name, `invalid flags ${flags}`);
  let offset = 12 + ndim * 8;
  if (size < offset) binaryFail(name, `${size} bytes is too short for ${ndim} dimensions`);
  const dims: number[] = [];
  let total = ndim === 0 ? 0 : 1;
  for (let d = 0; d < ndim; d++) {
    const length = view.getInt32(12 + d * 8);
    if (length < 0) binaryFail(name, `dimension ${d + 1} has length ${length}`);
    dims.push(length);
    total *= length;
  }
  // Every element takes at least its 4-byte length: bounds the work before any allocation.
  if (total * 4 > size - offset) {
    binaryFail(name, `${total} elements cannot fit in ${size - offset} bytes`);
  }
  if (total === 0) {
    if (offset !== size) binaryFail(name, `${size - offset} bytes after the last element`);
    return [];
  }
  const last = ndim - 1;
  const read = (depth: number): unknown[] => {
    const count = dims[depth]!;
    const out: unknown[] = [];
    if (depth < last) {
      for (let k = 0; k < count; k++) out.push(read(depth + 1));
      return out;
    }
    for (let k = 0; k < count; k++) {
      if (size - offset < 4) binaryFail(name, "truncated element length");
      const length = view.getInt32(offset);
      offset += 4;
      if (length === -1) {
        out.push(null);
        continue;
      }
      if (length < 0 || length > size - offset) {
        binaryFail(name, `element length ${length} with ${size - offset} bytes left`);
      }
      out.push(parseElement(bytes.subarray(offset, offset + length)));
      offset += length;
    }
    return out;
  };
  const result = read(0);
  if (offset !== size) binaryFail(name, `${size - offset} bytes after the last element`);
  return result;
}

/**
 * The dimensions of a nested array, from its first elements; checked for raggedness later. When
 * element values are arrays, an array whose first element is not an array (or that is empty) is
 * an element, not a dimension.
 */
function shapeOf(value: unknown[], elementsAreArrays: boolean): number[] {
  const dims: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    dims.push(level.length);
    if (dims.length > MAX_DIMENSIONS) {
      throw new TypeError(`Cannot serialize an array of more than ${MAX_DIMENSIONS} dimensions`);
    }
    const next: unknown = level[0];
    if (elementsAreArrays && !(Array.isArray(next) && Array.isArray(next[0]))) break;
    level = next;
  }
  return dims;
}

function ragged(name: string): never {
  throw new TypeError(
    `Cannot serialize ${name}: a multi-dimensional array must be rectangular (sub-arrays of equal length, no mix of arrays and elements)`,
  );
}

/** Visits the elements of a rectangular nested array in row-major order. */
function forEachElement(
  value: unknown[],
  dims: number[],
  name: string,
  elementsAreArrays: boolean,
  visit: (element: unknown) => void,
  open?: () => void,
  close?: (depth: number) => void,
): void {
  const last = dims.length - 1;
  const walk = (level: unknown, depth: number): void => {
    if (!Array.isArray(level) || level.length !== dims[depth]) ragged(name);
    open?.();
    for (let k = 0; k < level.length; k++) {
      const item: unknown = level[k];
      if (depth < last) walk(item, depth + 1);
      else if (Array.isArray(item) && !elementsAreArrays) ragged(name);
      else visit(item);
    }
    close?.(depth);
  };
  walk(value, 0);
}

/** True when `array_out` would double-quote this element text. */
function needsQuotes(text: string, delim: string): boolean {
  const n = text.length;
  if (n === 0) return true;
  if (n === 4 && text.toUpperCase() === "NULL") return true;
  const d = delim.charCodeAt(0);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH || c === OPEN || c === CLOSE || c === d || isSpace(c)) {
      return true;
    }
  }
  return false;
}

/** Quotes an element as `array_out` does: in double quotes, `"` and `\` backslash-escaped. */
function quoteElement(text: string, delim: string): string {
  if (!needsQuotes(text, delim)) return text;
  let out = '"';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH) {
      out += `${text.slice(from, i)}\\`;
      from = i;
    }
  }
  return `${out}${text.slice(from)}"`;
}

function serializeArrayText(
  value: unknown,
  delimiter: string,
  serializeElement: (value: unknown) => string,
  name: string,
  elementsAreArrays: boolean,
): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot serialize ${name}: expected an array, got ${typeof value}`);
  }
  const dims = shapeOf(value, elementsAreArrays);
  if (dims.includes(0)) {
    if (dims[0] !== 0) forEachElement(value, dims, name, elementsAreArrays, () => {});
    return "{}";
  }
  let out = "";
  let first = true;
  forEachElement(
    value,
    dims,
    name,
    elementsAreArrays,
    (element) => {
      if (!first) out += delimiter;
      first = false;
      out += element === null || element === undefined
        ? "NULL"
        : quoteElement(serializeElement(element), delimiter);
    },
    () => {
      if (!first) out += delimiter;
      first = true;
      out += "{";
    },
    () => {
      out += "}";
      first = false;
    },
  );
  return out;
}

function serializeArrayBinary(
  value: unknown,
  elementOid: number,
  serializeElement: (value: unknown) => Uint8Array,
  name: string,
  elementsAreArrays: boolean,
): Uint8Array {
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot serialize ${name}: expected an array, got ${typeof value}`);
  }
  let dims = shapeOf(value, elementsAreArrays);
  const parts: (Uint8Array | null)[] = [];
  let hasNull = 0;
  let size = 0;
  if (dims.includes(0)) {
    if (dims[0] !== 0) forEachElement(value, dims, name, elementsAreArrays, () => {});
    dims = [];
  } else {
    forEachElement(value, dims, name, elementsAreArrays, (element) => {
      if (element === null || element === undefined) {
        hasNull = 1;
        parts.push(null);
        size += 4;
      } else {
        const bytes = serializeElement(element);
        parts.push(bytes);
        size += 4 + bytes.length;
      }
    });
  }
  const out = new Uint8Array(12 + dims.length * 8 + size);
  const view = new DataView(out.buffer);
  view.setInt32(0, dims.length);
  view.setInt32(4, hasNull);
  view.setUint32(8, elementOid);
  let offset = 12;
  for (const length of dims) {
    view.setInt32(offset, length);
    view.setInt32(offset + 4, 1);
    offset += 8;
  }
  for (const part of parts) {
    if (part === null) {
      view.setInt32(offset, -1);
      offset += 4;
    } else {
      view.setInt32(offset, part.length);
      out.set(part, offset + 4);
      offset += 4 + part.length;
    }
  }
  return out;
}
