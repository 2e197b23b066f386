/**
 * Codecs for PostgreSQL arrays (`int4[]`, `text[][]`, ...), built over the element type's codec.
 *
 * Text format: `array_in`/`array_out`, read and written in `array_text.ts`. Binary format:
 * `array_send`/`array_recv` in PostgreSQL's `arrayfuncs.c`, read and written here.
 *
 * @module
 */

import { forEachElement, MAX_DIMENSIONS, shapeOf } from "./array_shape.ts";
import { delimiterCode, parseArrayText, serializeArrayText } from "./array_text.ts";
import type { Codec } from "./codec.ts";

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
  const delim = delimiterCode(delimiter);
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
