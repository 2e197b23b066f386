/**
 * Streaming message readers: bytes arrive in chunks split anywhere, messages come out whole.
 *
 * A message that lies inside one chunk is decoded in place, so DataRow and CopyData are views of
 * that chunk (zero-copy): they stay valid as long as the caller does not overwrite the chunk it
 * pushed. A message split across chunks is assembled in a buffer of its own exact size, allocated
 * once, which nothing else reuses.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { decodeBackendMessage } from "./backend.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, MAX_STARTUP_PACKET_LENGTH } from "./constants.ts";
import { decodeFrontendMessage, decodeStartupPacket, type PasswordPacketKind } from "./frontend.ts";
import type { BackendMessage, FrontendMessage } from "./messages.ts";
import { ChunkText } from "./data_row.ts";

const EMPTY = new Uint8Array(0);

/**
 * Options of the stream readers.
 *
 * @example Refusing messages over 1 MiB
 * ```ts
 * import { BackendStreamReader, type StreamReaderOptions } from "@pgline/pgline/protocol";
 * const options: StreamReaderOptions = { maxMessageSize: 1 << 20 };
 * const reader = new BackendStreamReader(options);
 * reader.push(new Uint8Array([0x44, 0x7f, 0, 0, 0])); // a DataRow claiming 2 GiB
 * try {
 *   reader.next();
 * } catch (error) {
 *   console.assert(error instanceof Error && error.name === "ProtocolError");
 * }
 * ```
 */
export interface StreamReaderOptions {
  /**
   * The largest message accepted, length word included. A longer declared length is refused with
   * a ProtocolError before any memory is allocated for it.
   *
   * @default {1073741824} (1 GiB)
   */
  maxMessageSize?: number;
}

/**
 * The framing shared by both directions: a header (an optional tag byte, then an Int32 length that
 * counts itself), then the body.
 *
 * @example A framer that hands out raw tagged bodies
 * ```ts
 * import { Framer } from "@pgline/pgline/protocol";
 * class RawFramer extends Framer<{ tag: number; body: Uint8Array }> {
 *   protected override limit(): number {
 *     return this.maxMessageSize;
 *   }
 *   protected override decode(tag: number, bytes: Uint8Array, start: number, end: number) {
 *     return { tag, body: bytes.slice(start, end) };
 *   }
 * }
 * const framer = new RawFramer(undefined);
 * framer.push(new Uint8Array([0x5a, 0, 0, 0, 5, 0x49]));
 * const msg = framer.next();
 * console.assert(msg?.tag === 0x5a && msg.body[0] === 0x49);
 * ```
 */
export abstract class Framer<M> {
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  /** Stream offset of `#chunk[0]`. */
  #base = 0;
  /** Header bytes carried over from an earlier chunk. */
  #head = new Uint8Array(5);
  #headLength = 0;
  /** A body being assembled across chunks. */
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  #bodyTag = 0;
  #bodyOffset = 0;
  #failure: ProtocolError | undefined;
  /** 4 in the startup phase (untagged packets), else 5. */
  #headerSize = 5;
  /** The cap on one message, length word included. */
  maxMessageSize: number;

  /**
   * Creates a framer with nothing buffered.
   *
   * @param options The message size cap.
   */
  constructor(options: StreamReaderOptions | undefined) {
    this.maxMessageSize = options?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Switches between untagged (startup-phase) and tagged framing. */
  protected setUntagged(untagged: boolean): void {
    this.#headerSize = untagged ? 4 : 5;
  }
  /** Cap for the next message's length. */
  protected abstract limit(): number;
  /** Decodes one body; `inChunk` is true when `bytes` is the chunk last pushed. */
  protected abstract decode(
    tag: number,
    bytes: Uint8Array,
    start: number,
    end: number,
    inChunk: boolean,
  ): M;
  /**
   * Called when a new chunk arrives, with the offset where the first message that starts in it
   * begins (the chunk's length if none does), or -1 while a header split across chunks is unread.
   */
  protected onChunk(_chunk: Uint8Array, _firstMessage: number): void {}
  /** Called when a header split across chunks completes, with the offset of the next message. */
  protected onFirstMessage(_offset: number): void {}

  /**
   * Bytes received but not yet returned as messages (part of an incomplete message), the header
   * of a message whose body is still being assembled included.
   */
  get buffered(): number {
    const header = this.#body === undefined ? 0 : this.#headerSize;
    return this.#chunk.length - this.#pos + this.#headLength + header + this.#bodyFill;
  }

  /**
   * Adds a chunk of received bytes. Call {@link next} until it returns undefined before pushing
   * the next chunk.
   *
   * @throws {Error} if the previous chunk has not been consumed.
   */
  push(chunk: Uint8Array): void {
    if (this.#pos < this.#chunk.length) {
      throw new Error("The previous chunk has not been read to the end");
    }
    this.#base += this.#chunk.length;
    this.#chunk = chunk;
    this.#pos = 0;
    let first = 0;
    if (this.#body !== undefined) {
      first = Math.min(this.#body.length - this.#bodyFill, chunk.length);
    } else if (this.#headLength > 0) first = -1;
    this.onChunk(chunk, first);
  }

  /**
   * Returns the next complete message, or undefined when more bytes are needed.
   *
   * @throws {ProtocolError} on malformed input; the reader stays failed after that.
   */
  next(): M | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      // Fast path: a whole tagged message inside the current chunk, nothing carried over.
      const chunk = this.#chunk;
      const pos = this.#pos;
      if (
        this.#headerSize === 5 && this.#body === undefined && this.#headLength === 0 &&
        chunk.length - pos >= 5
      ) {
        const length = (chunk[pos + 1]! << 24) | (chunk[pos + 2]! << 16) |
          (chunk[pos + 3]! << 8) | chunk[pos + 4]!;
        const end = pos + 1 + length;
        if (length >= 4 && length <= this.maxMessageSize && end <= chunk.length) {
          this.#bodyOffset = this.#base + pos;
          this.#pos = end;
          return this.decode(chunk[pos]!, chunk, pos + 5, end, true);
        }
      }
      return this.#next();
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.#failure = new ProtocolError(
          `${err.message} (message at stream offset ${this.#bodyOffset})`,
          this.#bodyOffset + (err.offset ?? 0),
          { cause: err },
        );
        this.#chunk = EMPTY;
        this.#pos = 0;
        throw this.#failure;
      }
      throw err;
    }
  }

  #next(): M | undefined {
    const chunk = this.#chunk;
    let pos = this.#pos;
    const available = chunk.length - pos;

    const body = this.#body;
    if (body !== undefined) {
      const n = Math.min(body.length - this.#bodyFill, available);
      body.set(chunk.subarray(pos, pos + n), this.#bodyFill);
      this.#bodyFill += n;
      this.#pos = pos + n;
      if (this.#bodyFill < body.length) return undefined;
      this.#body = undefined;
      this.#bodyFill = 0;
      return this.decode(this.#bodyTag, body, 0, body.length, false);
    }

    const headerSize = this.#headerSize;
    if (this.#headLength > 0 || available < headerSize) {
      // Collect the header byte by byte across chunks; it is at most 5 bytes.
      const continued = this.#headLength > 0;
      if (!continued) this.#bodyOffset = this.#base + pos;
      const n = Math.min(headerSize - this.#headLength, available);
      this.#head.set(chunk.subarray(pos, pos + n), this.#headLength);
      this.#headLength += n;
      pos += n;
      this.#pos = pos;
      if (this.#headLength < headerSize) return undefined;
      this.#headLength = 0;
      const h = this.#head;
      const tag = headerSize === 5 ? h[0]! : -1;
      const at = headerSize - 4;
      const length = (h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!;
      this.#check(tag, length);
      if (continued) this.onFirstMessage(Math.min(pos + length - 4, chunk.length));
      return this.#begin(tag, length - 4);
    }

    this.#bodyOffset = this.#base + pos;
    const tag = headerSize === 5 ? chunk[pos++]! : -1;
    const length = (chunk[pos]! << 24) | (chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) |
      chunk[pos + 3]!;
    pos += 4;
    this.#check(tag, length);
    const bodyLength = length - 4;
    if (chunk.length - pos >= bodyLength) {
      this.#pos = pos + bodyLength;
      return this.decode(tag, chunk, pos, pos + bodyLength, true);
    }
    this.#pos = pos;
    return this.#begin(tag, bodyLength);
  }

  /** Starts assembling a body whose header has been read; decodes it at once if empty. */
  #begin(tag: number, bodyLength: number): M | undefined {
    if (bodyLength === 0) return this.decode(tag, EMPTY, 0, 0, false);
    this.#body = new Uint8Array(bodyLength);
    this.#bodyTag = tag;
    this.#bodyFill = 0;
    return this.#next();
  }

  #check(tag: number, length: number): void {
    const min = tag === -1 ? 8 : 4;
    if (length < min) {
      throw new ProtocolError(`Invalid message length ${length} (less than ${min})`, 0);
    }
    const limit = this.limit();
    if (length > limit) {
      throw new ProtocolError(
        `Message length ${length} exceeds the maximum of ${limit} bytes`,
        0,
      );
    }
  }
}

/**
 * Reads what a client receives: a stream of tagged backend messages.
 *
 * @example Feeding bytes split anywhere
 * ```ts
 * import { BackendStreamReader } from "@pgline/pgline/protocol";
 * const reader = new BackendStreamReader();
 * const bytes = new Uint8Array([0x5a, 0, 0, 0, 5, 0x49]); // ReadyForQuery 'I'
 * reader.push(bytes.subarray(0, 3));
 * console.assert(reader.next() === undefined);
 * reader.push(bytes.subarray(3));
 * console.assert(reader.next()?.type === "ReadyForQuery");
 * ```
 */
export class BackendStreamReader extends Framer<BackendMessage> {
  #chunkText: ChunkText | undefined;
  readonly #scratch = { buffer: new Uint8Array(0) };

  /**
   * Creates a reader with nothing buffered.
   *
   * @param options The message size cap.
   */
  constructor(options?: StreamReaderOptions) {
    super(options);
  }
  /** Prepares the chunk's shared text, decoded only if a row asks for its values as text. */
  protected override onChunk(chunk: Uint8Array, firstMessage: number): void {
    // Decoded only if a row asks for its values as text.
    this.#chunkText = new ChunkText(chunk, this.#scratch, firstMessage);
  }
  /** Tells the chunk's shared text where its first message starts. */
  protected override onFirstMessage(offset: number): void {
    this.#chunkText?.setFirstMessage(offset);
  }
  /** The message size cap. */
  protected override limit(): number {
    return this.maxMessageSize;
  }
  /** Decodes a backend message (see {@link decodeBackendMessage}). */
  protected override decode(
    tag: number,
    bytes: Uint8Array,
    start: number,
    end: number,
    inChunk: boolean,
  ): BackendMessage {
    return decodeBackendMessage(tag, bytes, start, end, inChunk ? this.#chunkText : undefined);
  }
}

/**
 * Reads what a server receives: first untagged startup-phase packets (SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage), then tagged frontend messages once a StartupMessage has been
 * read. Set {@link passwordKind} to say what the next 'p' packet holds.
 *
 * @example Reading an SSLRequest, then a StartupMessage
 * ```ts
 * import { encodeFrontendMessage, FrontendStreamReader } from "@pgline/pgline/protocol";
 * const reader = new FrontendStreamReader();
 * reader.push(encodeFrontendMessage({ type: "SSLRequest" }));
 * console.assert(reader.next()?.type === "SSLRequest");
 * console.assert(reader.startupPhase);
 * ```
 */
export class FrontendStreamReader extends Framer<FrontendMessage> {
  #startup = true;
  /**
   * What a 'p' packet is decoded as: a server sets this from the authentication request it sent.
   *
   * @default {"PasswordMessage"}
   */
  passwordKind: PasswordPacketKind = "PasswordMessage";

  /**
   * Creates a reader in the startup phase.
   *
   * @param options The message size cap (startup packets are capped at 10000 bytes, as in
   * PostgreSQL).
   */
  constructor(options?: StreamReaderOptions) {
    super(options);
    this.setUntagged(true);
  }

  /** True until a StartupMessage has been read. */
  get startupPhase(): boolean {
    return this.#startup;
  }

  /** The message size cap; in the startup phase, also PostgreSQL's startup packet cap. */
  protected override limit(): number {
    return this.#startup
      ? Math.min(MAX_STARTUP_PACKET_LENGTH, this.maxMessageSize)
      : this.maxMessageSize;
  }
  /** Decodes a startup-phase packet or a tagged frontend message. */
  protected override decode(
    tag: number,
    bytes: Uint8Array,
    start: number,
    end: number,
    _inChunk: boolean,
  ): FrontendMessage {
    if (tag === -1) {
      const msg = decodeStartupPacket(bytes, start, end);
      if (msg.type === "StartupMessage") {
        this.#startup = false;
        this.setUntagged(false);
      }
      return msg;
    }
    return decodeFrontendMessage(tag, bytes, start, end, this.passwordKind);
  }
}
