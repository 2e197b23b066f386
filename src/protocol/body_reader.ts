/**
 * Bounds-checked reading of one message body. Every read checks its end first, so malformed input
 * raises {@link ProtocolError} and never a `RangeError` or a silent `undefined`.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

// ignoreBOM: a value that starts with U+FEFF must keep it; the default decoder would drop it.
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Decodes UTF-8 bytes `[start, end)` of `bytes`. Short ASCII runs, the common case for column values
 * and names, are built directly: cheaper than a TextDecoder call and a subarray view for each.
 *
 * @example Reading a value out of a message
 * ```ts
 * import { decodeText } from "@pgline/pgline/protocol";
 * const bytes = new TextEncoder().encode("id=héllo");
 * console.assert(decodeText(bytes, 3, bytes.length) === "héllo");
 * ```
 */
export function decodeText(bytes: Uint8Array, start: number, end: number): string {
  // Invalid UTF-8 becomes U+FFFD (WHATWG decoding), as in every other JavaScript client.
  const length = end - start;
  if (length <= 16) {
    let text = "";
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte > 0x7f) return UTF8.decode(bytes.subarray(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return UTF8.decode(bytes.subarray(start, end));
}

/** Decodes `bytes[start, end)` as UTF-8 with no fast paths (BOM kept, invalid bytes as U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  return UTF8.decode(bytes.subarray(start, end));
}

/**
 * A cursor over `bytes[start, end)`: the body of one message named `message`.
 *
 * @example Reading a ParameterStatus body
 * ```ts
 * import { BodyReader } from "@pgline/pgline/protocol";
 * const body = new TextEncoder().encode("TimeZone\0UTC\0");
 * const r = new BodyReader(body, 0, body.length, "ParameterStatus");
 * const name = r.cstring("name");
 * const value = r.cstring("value");
 * r.done();
 * console.assert(name === "TimeZone" && value === "UTC");
 * ```
 */
export class BodyReader {
  /** The underlying bytes (shared, never copied). */
  readonly bytes: Uint8Array;
  /** Current read position. */
  pos: number;
  /** End of the body (exclusive). */
  readonly end: number;
  /** Message name, for errors. */
  readonly message: string;
  readonly #start: number;

  /**
   * Starts reading at `start`.
   *
   * @param bytes The buffer holding the body.
   * @param start First byte of the body.
   * @param end One past the last byte of the body.
   * @param message Name of the message, used in errors.
   */
  constructor(bytes: Uint8Array, start: number, end: number, message: string) {
    this.bytes = bytes;
    this.pos = start;
    this.#start = start;
    this.end = end;
    this.message = message;
  }

  /** Throws a ProtocolError about this message at the current position. */
  fail(problem: string): never {
    throw new ProtocolError(
      `Cannot decode ${this.message} message: ${problem}`,
      this.pos - this.#start,
    );
  }

  #need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      this.fail(`${what} runs past the end of the message (${this.end - this.pos} bytes left)`);
    }
  }

  /** Bytes left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads one byte. */
  byte(what: string): number {
    this.#need(1, what);
    return this.bytes[this.pos++]!;
  }

  /** Reads a big-endian signed Int16. */
  int16(what: string): number {
    this.#need(2, what);
    const b = this.bytes, p = this.pos;
    this.pos = p + 2;
    return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16;
  }

  /** Reads a big-endian unsigned Int16. */
  uint16(what: string): number {
    this.#need(2, what);
    const b = this.bytes, p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  /** Reads a big-endian signed Int32. */
  int32(what: string): number {
    this.#need(4, what);
    const b = this.bytes, p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** Reads a big-endian unsigned Int32 (an OID). */
  uint32(what: string): number {
    return this.int32(what) >>> 0;
  }

  /** Reads a NUL-terminated string. */
  cstring(what: string): string {
    const b = this.bytes;
    const start = this.pos;
    const nul = b.indexOf(0, start);
    if (nul < 0 || nul >= this.end) this.fail(`${what} has no terminating NUL`);
    this.pos = nul + 1;
    return decodeText(b, start, nul);
  }

  /** Reads `n` bytes as a view (no copy). */
  view(n: number, what: string): Uint8Array {
    if (n < 0) this.fail(`${what} has negative length ${n}`);
    this.#need(n, what);
    const start = this.pos;
    this.pos = start + n;
    return this.bytes.subarray(start, start + n);
  }

  /** Reads `n` bytes as a copy the caller owns. */
  copy(n: number, what: string): Uint8Array {
    return this.view(n, what).slice();
  }

  /** Reads an Int32 length and that many bytes; -1 means NULL. */
  nullableBytes(what: string): Uint8Array | null {
    const length = this.int32(`length of ${what}`);
    if (length === -1) return null;
    if (length < -1) this.fail(`${what} has length ${length}`);
    return this.copy(length, what);
  }

  /** Reads everything left, copied. */
  rest(): Uint8Array {
    return this.copy(this.end - this.pos, "data");
  }

  /** Reads an Int16 count (unsigned, as the server reads it) and that many Int16 values. */
  int16Array(what: string): number[] {
    const count = this.uint16(`count of ${what}`);
    this.#need(count * 2, what);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.int16(what);
    return out;
  }

  /** Reads an Int16 count and that many unsigned Int32 values (OIDs). */
  oidArray(what: string): number[] {
    const count = this.uint16(`count of ${what}`);
    this.#need(count * 4, what);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.uint32(what);
    return out;
  }

  /** Throws unless the whole body was consumed. */
  done(): void {
    if (this.pos !== this.end) {
      this.fail(`${this.end - this.pos} unexpected trailing bytes`);
    }
  }
}
