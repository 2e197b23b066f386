/**
 * A growable byte buffer that frames messages. Each instance owns its buffer; nothing is shared
 * between writers.
 *
 * @module
 */

const UTF8 = new TextEncoder();

/**
 * Appends protocol messages to one growing buffer. `take()` hands out the bytes written so far and
 * starts a fresh buffer, so what it returned is never overwritten.
 *
 * @example Framing a Query message by hand
 * ```ts
 * import { BufferWriter } from "@pgline/pgline/protocol";
 * const w = new BufferWriter();
 * w.begin(0x51); // 'Q'
 * w.cstring("select 1", "Query text");
 * w.finish();
 * const bytes = w.take();
 * console.assert(bytes.length === 14);
 * ```
 */
export class BufferWriter {
  #buf: Uint8Array;
  #pos = 0;
  #start = -1;

  /**
   * Creates an empty writer; the buffer grows as needed.
   *
   * @param initialSize Initial capacity in bytes.
   */
  constructor(initialSize = 1024) {
    this.#buf = new Uint8Array(initialSize);
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.#pos;
  }

  #ensure(extra: number): void {
    const needed = this.#pos + extra;
    if (needed <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Starts a tagged message: the tag byte and room for its length. */
  begin(tag: number): void {
    this.#ensure(5);
    this.#buf[this.#pos] = tag;
    this.#start = this.#pos + 1;
    this.#pos += 5;
  }

  /** Starts an untagged (startup-phase) message: room for its length only. */
  beginUntagged(): void {
    this.#ensure(4);
    this.#start = this.#pos;
    this.#pos += 4;
  }

  /** Writes the length of the message started last. */
  finish(): void {
    const length = this.#pos - this.#start;
    const b = this.#buf, p = this.#start;
    b[p] = length >>> 24;
    b[p + 1] = length >>> 16;
    b[p + 2] = length >>> 8;
    b[p + 3] = length;
    this.#start = -1;
  }

  /** Appends one byte. */
  byte(value: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = value;
  }

  /** Appends a big-endian Int16 (signed or unsigned: the low 16 bits are written). */
  int16(value: number): void {
    this.#ensure(2);
    const b = this.#buf, p = this.#pos;
    b[p] = value >>> 8;
    b[p + 1] = value;
    this.#pos = p + 2;
  }

  /** Appends a big-endian Int32 (signed or unsigned: the low 32 bits are written). */
  int32(value: number): void {
    this.#ensure(4);
    const b = this.#buf, p = this.#pos;
    b[p] = value >>> 24;
    b[p + 1] = value >>> 16;
    b[p + 2] = value >>> 8;
    b[p + 3] = value;
    this.#pos = p + 4;
  }

  /** Appends raw bytes. */
  bytes(value: Uint8Array): void {
    this.#ensure(value.length);
    this.#buf.set(value, this.#pos);
    this.#pos += value.length;
  }

  /** Appends a string as UTF-8 without a terminator. */
  text(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.#ensure(value.length * 3);
    this.#pos += UTF8.encodeInto(value, this.#buf.subarray(this.#pos)).written;
  }

  /**
   * Appends a NUL-terminated string.
   *
   * @throws {TypeError} if `value` contains a NUL character, which would end the field early and
   * let the rest be read as protocol bytes.
   */
  cstring(value: string, what: string): void {
    if (value.includes("\0")) {
      throw new TypeError(`${what} must not contain a NUL character`);
    }
    this.text(value);
    this.byte(0);
  }

  /** Appends an Int32 length and the value; null is length -1. */
  lengthPrefixed(value: Uint8Array | string | null): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    if (typeof value === "string") {
      this.#ensure(4 + value.length * 3);
      const at = this.#pos;
      this.#pos += 4;
      const written = UTF8.encodeInto(value, this.#buf.subarray(this.#pos)).written;
      this.#pos += written;
      const b = this.#buf;
      b[at] = written >>> 24;
      b[at + 1] = written >>> 16;
      b[at + 2] = written >>> 8;
      b[at + 3] = written;
      return;
    }
    this.int32(value.length);
    this.bytes(value);
  }

  /** Returns the bytes written so far and starts over with a new buffer. */
  /** Drops everything written after the first `length` bytes (undoes a failed encoding). */
  truncate(length: number): void {
    if (length < 0 || length > this.#pos) throw new RangeError(`Cannot truncate to ${length}`);
    this.#pos = length;
    this.#start = -1;
  }

  /** Hands out the bytes written so far and starts a fresh buffer. */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#pos);
    this.#buf = new Uint8Array(Math.max(256, this.#buf.length));
    this.#pos = 0;
    return out;
  }
}

/**
 * Checks that a count fits the protocol's Int16 count field.
 *
 * @example Refusing a count the protocol cannot carry
 * ```ts
 * import { checkCount } from "@pgline/pgline/protocol";
 * console.assert(checkCount(3, "parameters") === 3);
 * try {
 *   checkCount(70000, "parameters");
 * } catch (error) {
 *   console.assert(error instanceof RangeError);
 * }
 * ```
 */
export function checkCount(count: number, what: string): number {
  if (count > 0xffff) {
    throw new RangeError(`Too many ${what}: ${count} (the protocol allows 65535)`);
  }
  return count;
}
