/**
 * Codecs for composite types (row types of tables, `create type ... as (...)`) and the anonymous
 * `record` type, plus the fallback codec for types pgline has no codec for.
 *
 * Text format: `record_in`/`record_out` (`rowtypes.c`) and
 * https://www.postgresql.org/docs/current/rowtypes.html#ROWTYPES-IO-SYNTAX; binary format:
 * `record_send` (int32 field count, then per field: uint32 type OID, int32 length or -1, bytes).
 *
 * @module
 */

import type { Codec, CodecLookup } from "./codec.ts";

/** One attribute of a composite type, in `attnum` order (dropped columns left out). */
export interface CompositeField {
  /** `pg_attribute.attname`. */
  readonly name: string;
  /** `pg_attribute.atttypid`. */
  readonly typeOid: number;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LPAREN = 0x28;
const RPAREN = 0x29;

/** C `isspace` in the "C" locale, as `record_in` and `record_out` use it. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

type MutableCodec = { -readonly [K in keyof Codec]: Codec[K] };

function toHex(bytes: Uint8Array): string {
  let out = "\\x";
  for (const b of bytes) out += (b < 16 ? "0" : "") + b.toString(16);
  return out;
}

/**
 * The codec used for a type pgline has no codec for: text values stay strings, binary values are
 * copied into a new `Uint8Array` (so it never asks for binary). `serializeText` takes a string
 * (passed through), a number, bigint or boolean (as `String()` writes it), or a `Uint8Array`
 * (as `bytea` hex, `\x...`).
 *
 * @param oid The type's OID.
 * @param name The type's name, when known.
 * @returns A codec that never fails to read.
 * @throws Never; the codec's `serializeText` throws a `TypeError` for other values.
 *
 * @example
 * ```ts
 * import { unknownCodec } from "./composite.ts";
 * const c = unknownCodec(16_500, "mytype");
 * console.assert(c.parseText("x") === "x");
 * console.assert(c.serializeText(42) === "42");
 * ```
 */
export function unknownCodec(oid: number, name: string = `oid ${oid}`): Codec {
  return {
    name,
    oid,
    arrayOid: 0,
    preferBinary: false,
    parseText: (text) => text,
    parseBinary: (bytes) => bytes.slice(),
    serializeText: (value) => {
      switch (typeof value) {
        case "string":
          return value;
        case "number":
        case "bigint":
        case "boolean":
          return String(value);
      }
      if (value instanceof Uint8Array) return toHex(value);
      throw new TypeError(
        `Cannot serialize a ${typeof value} as ${name}: no codec for this type (pass a string)`,
      );
    },
  };
}

/**
 * Makes the codec for a composite type, or for the anonymous `record` type (`fields` undefined).
 *
 * With `fields`, a value is a plain object with one own property per field, in field order, each
 * read with the codec `lookup` gives for the field's type (a type without a codec reads as a
 * string, or in binary as a `Uint8Array` copy). Field names are data, never code paths: a field
 * named `__proto__` becomes an own property (defined, not assigned, so it cannot replace the
 * object's prototype), and `constructor` or `toString` simply shadow the inherited ones.
 * Field codecs are looked up on first use and then kept; a registry that re-registers a field's
 * type builds a new composite codec.
 *
 * Without `fields` (`record`, OID 2249), text gives an array of strings and nulls, since the text
 * form carries no types; binary gives an array of values read by their type OIDs, which is why
 * this codec never prefers binary. The text `()` is ambiguous for `record`: it is read as one
 * NULL field (`row(null)`), although `row()` prints the same.
 *
 * `serializeText` takes an array (fields by position) or, with `fields`, an object (fields by
 * name, own properties only; missing ones are NULL); a string is passed through as a literal.
 *
 * @param oid The composite type's OID (`pg_type.oid`; 2249 for `record`).
 * @param name The type's name.
 * @param fields The attributes, in order, or undefined for `record`.
 * @param lookup Finds the field types' codecs (usually the {@link TypeRegistry} this codec is in).
 * @param arrayOid The composite's array type OID, or 0.
 * @returns The composite codec.
 * @throws Never; the codec's `parseText`/`parseBinary` throw a `TypeError` for malformed input
 * or a wrong field count.
 *
 * @example A composite with a `__proto__` field
 * ```ts
 * import { compositeCodec } from "./composite.ts";
 * const lookup = { byOid: () => undefined };
 * const pair = compositeCodec(16_400, "pair", [
 *   { name: "__proto__", typeOid: 25 },
 *   { name: "b", typeOid: 25 },
 * ], lookup);
 * const value = pair.parseText('(x,"a b")') as Record<string, unknown>;
 * console.assert(Object.getPrototypeOf(value) === Object.prototype);
 * console.assert(Object.keys(value).join() === "__proto__,b");
 * console.assert(pair.serializeText(["x", "a b"]) === '(x,"a b")');
 * ```
 */
export function compositeCodec(
  oid: number,
  name: string,
  fields: readonly CompositeField[] | undefined,
  lookup: CodecLookup,
  arrayOid: number = 0,
): Codec {
  const names = fields?.map((f) => f.name);
  // Codec per field position, with the OID it was resolved for (binary data names its OIDs).
  const cached: (Codec | undefined)[] = [];
  const cachedOids: number[] = [];
  const codecAt = (index: number, typeOid: number): Codec => {
    let codec = cached[index];
    if (codec === undefined || cachedOids[index] !== typeOid) {
      codec = lookup.byOid(typeOid) ?? unknownCodec(typeOid);
      cached[index] = codec;
      cachedOids[index] = typeOid;
    }
    return codec;
  };
  const fieldOid = (index: number): number => fields?.[index]?.typeOid ?? 0;
  const anonymous = unknownCodec(0, "record field");

  const build = (values: unknown[]): unknown => {
    if (names === undefined) return values;
    const out: Record<string, unknown> = {};
    for (let k = 0; k < names.length; k++) {
      const key = names[k]!;
      if (key === "__proto__") {
        Object.defineProperty(out, key, {
          value: values[k],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = values[k];
      }
    }
    return out;
  };

  const codec: MutableCodec = {
    name,
    oid,
    arrayOid,
    preferBinary: false,
    parseText: (text) => {
      const raw = parseRecordText(text, names?.length, name);
      if (names === undefined) return raw;
      const values: unknown[] = [];
      for (let k = 0; k < raw.length; k++) {
        const t = raw[k]!;
        values.push(t === null ? null : codecAt(k, fieldOid(k)).parseText(t));
      }
      return build(values);
    },
    parseBinary: (bytes) => {
      const size = bytes.length;
      const fail = (why: string): never => {
        throw new TypeError(`Cannot parse ${name} binary value: ${why}`);
      };
      if (size < 4) fail("no field count");
      const view = new DataView(bytes.buffer, bytes.byteOffset, size);
      const count = view.getInt32(0);
      if (count < 0 || count * 8 > size - 4) fail(`${count} fields in ${size} bytes`);
      if (names !== undefined && count !== names.length) {
        fail(`${count} fields, expected ${names.length}`);
      }
      let offset = 4;
      const values: unknown[] = [];
      for (let k = 0; k < count; k++) {
        if (size - offset < 8) fail("truncated field header");
        const typeOid = view.getUint32(offset);
        const length = view.getInt32(offset + 4);
        offset += 8;
        if (length === -1) {
          values.push(null);
          continue;
        }
        if (length < 0 || length > size - offset) {
          fail(`field ${k + 1} length ${length} with ${size - offset} bytes left`);
        }
        const field = bytes.subarray(offset, offset + length);
        const fieldCodec = codecAt(k, typeOid);
        values.push(
          fieldCodec.parseBinary === undefined ? field.slice() : fieldCodec.parseBinary(field),
        );
        offset += length;
      }
      if (offset !== size) fail(`${size - offset} bytes after the last field`);
      return build(values);
    },
    serializeText: (value) => {
      if (typeof value === "string") return value;
      let values: unknown[];
      if (Array.isArray(value)) {
        if (names !== undefined && value.length !== names.length) {
          throw new TypeError(
            `Cannot serialize ${name}: ${value.length} values for ${names.length} fields`,
          );
        }
        values = value;
      } else if (value !== null && typeof value === "object" && names !== undefined) {
        const object = value as Record<string, unknown>;
        values = names.map((key) => Object.hasOwn(object, key) ? object[key] : undefined);
      } else {
        throw new TypeError(
          `Cannot serialize ${name}: expected ${
            names === undefined ? "an array" : "an object or an array"
          }, got ${value === null ? "null" : typeof value}`,
        );
      }
      let out = "(";
      for (let k = 0; k < values.length; k++) {
        if (k > 0) out += ",";
        const v = values[k];
        if (v === null || v === undefined) continue;
        const fieldCodec = names === undefined ? anonymous : codecAt(k, fieldOid(k));
        out += quoteField(fieldCodec.serializeText(v));
      }
      return `${out})`;
    },
  };
  return codec;
}

function fail(name: string, text: string, at: number, why: string): never {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  throw new TypeError(`Cannot parse ${name} text ${JSON.stringify(shown)}: ${why} at offset ${at}`);
}

/**
 * Splits a record literal as `record_in` does: nothing between separators is NULL; `"` toggles
 * quoting (`""` inside quotes is a quote); `\` escapes the next character; unquoted whitespace is
 * kept. With `expected` set, the field count must match.
 */
function parseRecordText(
  text: string,
  expected: number | undefined,
  name: string,
): (string | null)[] {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== LPAREN) fail(name, text, i, 'expected "("');
  i++;
  const out: (string | null)[] = [];
  if (expected === 0) {
    if (text.charCodeAt(i) !== RPAREN) fail(name, text, i, "too many columns");
    i++;
  } else {
    for (;;) {
      const first = text.charCodeAt(i);
      if (first === COMMA || first === RPAREN) {
        out.push(null);
      } else {
        const start = i;
        let value: string | undefined;
        for (; i < n; i++) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === RPAREN) {
            value = text.slice(start, i);
            break;
          }
          if (c === QUOTE || c === BACKSLASH) break;
        }
        if (value === undefined) {
          value = text.slice(start, i);
          let quoted = false;
          for (;;) {
            if (i >= n) fail(name, text, i, "unexpected end of input");
            const c = text.charCodeAt(i);
            if (!quoted && (c === COMMA || c === RPAREN)) break;
            i++;
            if (c === BACKSLASH) {
              if (i >= n) fail(name, text, i, "unexpected end of input");
              value += text.charAt(i);
              i++;
            } else if (c === QUOTE) {
              if (!quoted) quoted = true;
              else if (text.charCodeAt(i) === QUOTE) {
                value += '"';
                i++;
              } else quoted = false;
            } else {
              value += text.charAt(i - 1);
            }
          }
        }
        out.push(value);
      }
      if (expected !== undefined && out.length > expected) {
        fail(name, text, i, `too many columns, expected ${expected}`);
      }
      const c = text.charCodeAt(i);
      i++;
      if (c === RPAREN) break;
      if (c !== COMMA) fail(name, text, i - 1, "unexpected end of input");
    }
  }
  if (expected !== undefined && out.length < expected) {
    fail(name, text, i, `too few columns, expected ${expected}`);
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (i !== n) fail(name, text, i, "unexpected text after the record");
  return out;
}

/** Quotes a field as `record_out` does: `"` and `\` doubled inside double quotes. */
function quoteField(text: string): string {
  let quote = text.length === 0;
  for (let i = 0; i < text.length && !quote; i++) {
    const c = text.charCodeAt(i);
    quote = c === QUOTE || c === BACKSLASH || c === LPAREN || c === RPAREN || c === COMMA ||
      isSpace(c);
  }
  if (!quote) return text;
  return `"${text.replace(/["\\]/g, (c) => c + c)}"`;
}
