/**
 * DataRow ('D'), decoded lazily: the frame is validated once, and values are read only when asked
 * for, straight from the received bytes.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { decodeText, decodeUtf8 } from "./body_reader.ts";

/** Rows up to this size are decoded with one TextDecoder call (see {@link DataRow.values}). */
const WHOLE_ROW_DECODE_LIMIT = 8192;

/**
 * The text of one received chunk, decoded at most once and shared by the DataRows read from it.
 *
 * The decoder runs on a copy of the chunk in which every byte that is not part of a DataRow value
 * (tags, length words, other messages) is zeroed: those bytes are mostly not UTF-8, and each one
 * would push the decoder off its fast path. `get()` returns null unless every byte became exactly
 * one UTF-16 unit (see {@link DataRow.values}).
 *
 * @example Rows of one chunk sharing its decoded text
 * ```ts
 * import {
 *   ChunkText,
 *   DataRow,
 *   decodeDataRow,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const a = encodeBackendMessage(DataRow.from(["1", "one"]));
 * const b = encodeBackendMessage(DataRow.from(["2", "two"]));
 * const chunk = new Uint8Array(a.length + b.length);
 * chunk.set(a);
 * chunk.set(b, a.length);
 * const text = new ChunkText(chunk, { buffer: new Uint8Array(0) }, 0);
 * const first = decodeDataRow(chunk, 5, a.length, text);
 * const second = decodeDataRow(chunk, a.length + 5, chunk.length, text);
 * console.assert(first.values().join() === "1,one" && second.values().join() === "2,two");
 * ```
 */
export class ChunkText {
  readonly #bytes: Uint8Array;
  readonly #scratch: { buffer: Uint8Array };
  #first: number;
  #text: string | null | undefined;

  /**
   * Wraps a received chunk; nothing is decoded until {@link ChunkText.get} is called.
   *
   * @param bytes The chunk.
   * @param scratch A buffer holder owned by the reader, reused for the masked copy: it is only
   * used inside one synchronous `get()` call.
   * @param firstMessage Offset of the first message that starts in the chunk, or -1 if not known
   * yet (see {@link setFirstMessage}).
   */
  constructor(bytes: Uint8Array, scratch: { buffer: Uint8Array }, firstMessage: number) {
    this.#bytes = bytes;
    this.#scratch = scratch;
    this.#first = firstMessage;
  }

  /** Sets the offset of the first message that starts in the chunk, once it is known. */
  setFirstMessage(offset: number): void {
    this.#first = offset;
  }

  /** The chunk's text when every byte decoded to exactly one UTF-16 unit, else null. */
  get(): string | null {
    let text = this.#text;
    if (text === undefined) {
      // Without a known message boundary the walk cannot tell values from framing.
      if (this.#first < 0) return null;
      const bytes = this.#bytes;
      if (this.#scratch.buffer.length < bytes.length) {
        this.#scratch.buffer = new Uint8Array(bytes.length);
      }
      const copy = this.#scratch.buffer.subarray(0, bytes.length);
      copy.set(bytes);
      maskFraming(copy, this.#first);
      const t = decodeUtf8(copy, 0, copy.length);
      text = this.#text = t.length === copy.length ? t : null;
    }
    return text;
  }
}

/**
 * Zeroes every byte of `b` that is not inside a DataRow value, walking messages from `first`.
 * Bytes it cannot account for (before `first`, a message that runs past the end, anything that
 * does not parse) are zeroed too: only values of rows that parse cleanly are kept.
 */
function maskFraming(b: Uint8Array, first: number): void {
  b.fill(0, 0, first);
  let p = first;
  const n = b.length;
  while (p + 5 <= n) {
    const tag = b[p]!;
    const length = (b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!;
    const end = p + 1 + length;
    if (tag !== 0x44 || length < 6 || end > n) {
      b.fill(0, p, length >= 4 && end <= n ? end : n);
      p = length >= 4 ? end : n;
      continue;
    }
    const columns = (b[p + 5]! << 8) | b[p + 6]!;
    b.fill(0, p, p + 7);
    let q = p + 7;
    for (let i = 0; i < columns && q + 4 <= end; i++) {
      const len = (b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!;
      b[q] =
        b[q + 1] =
        b[q + 2] =
        b[q + 3] =
          0;
      q += 4 + (len > 0 ? len : 0);
    }
    if (q > end) b.fill(0, p, end);
    p = end;
  }
  b.fill(0, p, n);
}

/**
 * DataRow ('D'): one row of a result. The row keeps a view of the bytes it was decoded from; its
 * values are cut out only when read, so a row that is skipped costs no allocation per column.
 *
 * See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 *
 * @example Reading values
 * ```ts
 * import { DataRow } from "@pgline/pgline/protocol";
 * const row = DataRow.from(["42", null]);
 * console.assert(row.text(0) === "42" && row.text(1) === null);
 * ```
 */
export class DataRow {
  /** Discriminator (on the prototype: one less field to store per row). */
  declare readonly type: "DataRow";
  /** The buffer holding the message. Shared: do not modify. */
  readonly bytes: Uint8Array;
  /** Offset of the first column's length word in `bytes`. */
  readonly start: number;
  /** End of the message body in `bytes`. */
  readonly end: number;
  /** Number of columns. */
  readonly columnCount: number;
  #offsets: Int32Array | undefined;
  #chunkText: ChunkText | undefined;

  /**
   * Wraps a validated DataRow body (`bytes[start - 2, end)` holds the column count then the
   * columns). Use {@link decodeDataRow} to decode and validate a message body.
   */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    columnCount: number,
    chunkText?: ChunkText,
  ) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.columnCount = columnCount;
    this.#chunkText = chunkText;
  }

  /** Makes a DataRow from values (strings are UTF-8 encoded), e.g. for a server or a test. */
  static from(values: ReadonlyArray<Uint8Array | string | null>): DataRow {
    const encoder = new TextEncoder();
    const parts = values.map((v) => typeof v === "string" ? encoder.encode(v) : v);
    let size = 2;
    for (const p of parts) size += 4 + (p === null ? 0 : p.length);
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, parts.length);
    let pos = 2;
    for (const p of parts) {
      view.setInt32(pos, p === null ? -1 : p.length);
      pos += 4;
      if (p !== null) {
        bytes.set(p, pos);
        pos += p.length;
      }
    }
    return new DataRow(bytes, 2, size, parts.length);
  }

  /** Offsets of each column's length word, computed on first use. */
  #columnOffsets(): Int32Array {
    let offsets = this.#offsets;
    if (offsets === undefined) {
      offsets = new Int32Array(this.columnCount);
      const b = this.bytes;
      let p = this.start;
      for (let i = 0; i < this.columnCount; i++) {
        offsets[i] = p;
        const length = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
        p += 4 + (length < 0 ? 0 : length);
      }
      this.#offsets = offsets;
    }
    return offsets;
  }

  #locate(index: number): number {
    if (!(index >= 0 && index < this.columnCount)) {
      throw new RangeError(`Column index ${index} is out of range (row has ${this.columnCount})`);
    }
    return this.#columnOffsets()[index]!;
  }

  /** Length of column `index` in bytes, or -1 for NULL. */
  length(index: number): number {
    const p = this.#locate(index);
    const b = this.bytes;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** Column `index` as a view of the received bytes (no copy), or null for NULL. */
  field(index: number): Uint8Array | null {
    const p = this.#locate(index);
    const length = this.length(index);
    return length < 0 ? null : this.bytes.subarray(p + 4, p + 4 + length);
  }

  /** Column `index` decoded as UTF-8 text, or null for NULL. */
  text(index: number): string | null {
    const p = this.#locate(index);
    const length = this.length(index);
    return length < 0 ? null : decodeText(this.bytes, p + 4, p + 4 + length);
  }

  /**
   * Every column as UTF-8 text (null for NULL), in one pass.
   *
   * A TextDecoder call costs far more than a short value, so values are cut out of text decoded
   * in bulk: the whole received chunk (decoded once, shared by its rows), else the whole row,
   * length words included. That is exact only when every byte became exactly one UTF-16 unit
   * (ASCII, or an invalid byte that became one U+FFFD): a decoder never makes more units than
   * bytes, so equal lengths prove it, and then each value's bytes decode alone to the same text.
   * Otherwise each value is decoded on its own. A value cut out this way may share memory with
   * the chunk's text (up to the transport's chunk size) while it lives.
   */
  values(): (string | null)[] {
    const out = new Array<string | null>(this.columnCount);
    const b = this.bytes;
    const start = this.start;
    const chunkText = this.#chunkText?.get();
    if (chunkText != null) return this.#cut(out, chunkText, 0);
    if (out.length > 1 && this.end - start <= WHOLE_ROW_DECODE_LIMIT) {
      const text = decodeUtf8(b, start, this.end);
      if (text.length === this.end - start) return this.#cut(out, text, start);
    }
    let p = start;
    for (let i = 0; i < out.length; i++) {
      const length = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      p += 4;
      if (length < 0) {
        out[i] = null;
      } else {
        out[i] = decodeText(b, p, p + length);
        p += length;
      }
    }
    return out;
  }

  /** Fills `out` with substrings of `text`, whose unit 0 is byte `origin` of `bytes`. */
  #cut(out: (string | null)[], text: string, origin: number): (string | null)[] {
    const b = this.bytes;
    let p = this.start;
    for (let i = 0; i < out.length; i++) {
      const length = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      p += 4;
      if (length < 0) {
        out[i] = null;
      } else {
        out[i] = text.substring(p - origin, p - origin + length);
        p += length;
      }
    }
    return out;
  }

  /** Every column as a view of the received bytes (null for NULL). */
  fields(): (Uint8Array | null)[] {
    const out = new Array<Uint8Array | null>(this.columnCount);
    for (let i = 0; i < out.length; i++) out[i] = this.field(i);
    return out;
  }
}

Object.defineProperty(DataRow.prototype, "type", { value: "DataRow", enumerable: false });

/**
 * Decodes and validates a DataRow body `bytes[start, end)`: every column length is checked against
 * the body, so reading the row later cannot run past it.
 *
 * @throws {ProtocolError} if a length is below -1, a column runs past the message, or bytes are
 * left over.
 *
 * @example Decoding a DataRow body
 * ```ts
 * import { DataRow, decodeDataRow, encodeBackendMessage } from "@pgline/pgline/protocol";
 * const bytes = encodeBackendMessage(DataRow.from(["42", null]));
 * const row = decodeDataRow(bytes, 5, bytes.length);
 * console.assert(row.columnCount === 2 && row.text(0) === "42" && row.text(1) === null);
 * ```
 */
export function decodeDataRow(
  bytes: Uint8Array,
  start: number,
  end: number,
  chunkText?: ChunkText,
): DataRow {
  if (end - start < 2) {
    throw new ProtocolError("Cannot decode DataRow message: column count runs past the end", 0);
  }
  const columnCount = (bytes[start]! << 8) | bytes[start + 1]!;
  let p = start + 2;
  for (let i = 0; i < columnCount; i++) {
    if (end - p < 4) {
      throw new ProtocolError(
        `Cannot decode DataRow message: length of column ${i} runs past the end of the message`,
        p - start,
      );
    }
    const length = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
    p += 4;
    if (length < 0) {
      if (length !== -1) {
        throw new ProtocolError(
          `Cannot decode DataRow message: column ${i} has length ${length}`,
          p - 4 - start,
        );
      }
    } else if (length > end - p) {
      throw new ProtocolError(
        `Cannot decode DataRow message: column ${i} runs past the end of the message`,
        p - start,
      );
    } else {
      p += length;
    }
  }
  if (p !== end) {
    throw new ProtocolError(
      `Cannot decode DataRow message: ${end - p} unexpected trailing bytes`,
      p - start,
    );
  }
  return new DataRow(bytes, start + 2, end, columnCount, chunkText);
}
