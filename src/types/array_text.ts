/**
 * The text format of PostgreSQL arrays: reading and writing array literals (`{1,2}`,
 * `[0:1]={a,"b c"}`, `{{1,2},{3,NULL}}`) as `array_in` and `array_out` do.
 *
 * See `arrayfuncs.c` in PostgreSQL and the "Array Value Input" and "Array Input and Output
 * Syntax" sections of https://www.postgresql.org/docs/current/arrays.html.
 *
 * @module
 */

import { forEachElement, MAX_DIMENSIONS, shapeOf } from "./array_shape.ts";

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

/**
 * Checks an element delimiter (`pg_type.typdelim`) against the array literal syntax.
 *
 * @param delimiter The delimiter.
 * @returns Its character code.
 * @throws {TypeError} if the delimiter is not one character or is a character the array syntax
 * uses (quote, backslash, braces, whitespace).
 *
 * @example The delimiter of `box[]`
 * ```ts
 * import { delimiterCode } from "./array_text.ts";
 * console.assert(delimiterCode(";") === 0x3b);
 * ```
 */
export function delimiterCode(delimiter: string): number {
  const delim = delimiter.charCodeAt(0);
  if (
    delimiter.length !== 1 || delim === QUOTE || delim === BACKSLASH || delim === OPEN ||
    delim === CLOSE || isSpace(delim)
  ) {
    throw new TypeError(
      `Cannot make an array codec: invalid delimiter ${JSON.stringify(delimiter)}`,
    );
  }
  return delim;
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
 *
 * @param text The literal, with or without a dimension decoration (`[1:2]=`).
 * @param delim The element delimiter's character code, from {@link delimiterCode}.
 * @param parseElement Reads one element's text.
 * @param name The array type's name, for the message.
 * @returns The elements, as nested arrays; `[]` for an empty array of any dimension.
 * @throws {TypeError} for a malformed or ragged literal, or more than 6 dimensions.
 *
 * @example A two-dimensional literal
 * ```ts
 * import { parseArrayText } from "./array_text.ts";
 * const value = parseArrayText('{{1,"2"},{3,NULL}}', 0x2c, Number, "_int4");
 * console.assert(JSON.stringify(value) === "[[1,2],[3,null]]");
 * ```
 */
export function parseArrayText(
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

/**
 * Writes an array literal as `array_out` does, elements quoted where needed.
 *
 * @param value Nested arrays (`null` and `undefined` elements are NULL), or a string taken to be
 * a literal already and returned as it is.
 * @param delimiter The element delimiter.
 * @param serializeElement Writes one element's text.
 * @param name The array type's name, for the message.
 * @param elementsAreArrays Whether element values are JS arrays themselves.
 * @returns The literal.
 * @throws {TypeError} for a value that is not an array or a string, or a ragged array.
 *
 * @example Quoting where needed
 * ```ts
 * import { serializeArrayText } from "./array_text.ts";
 * const literal = serializeArrayText(["a b", null, "c"], ",", String, "_text", false);
 * console.assert(literal === '{"a b",NULL,c}');
 * ```
 */
export function serializeArrayText(
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
