/**
 * A queue of received byte chunks with a pull-based reader, used to turn a push-style socket
 * (`'data'`, `'end'`, `'error'` events) into the pull-based `Socket.read()` of the transport
 * interface, with a byte count the socket uses for back-pressure.
 *
 * @module
 */

/** Options of {@linkcode ChunkQueue}. */
export interface ChunkQueueOptions {
  /**
   * Called after a read takes a chunk and leaves no more than `lowWaterMark` bytes queued, so a
   * paused producer can resume.
   */
  onDrain?: () => void;
  /**
   * Queued byte count at or below which `onDrain` is called.
   *
   * @default {0}
   */
  lowWaterMark?: number;
}

interface PendingRead {
  resolve: (chunk: Uint8Array | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Received chunks waiting to be read. Chunks are handed out in order; after {@linkcode end}, reads
 * return the chunks still queued and then null; after {@linkcode fail}, reads return the chunks
 * still queued and then reject with the error (once; later reads return null). Data that arrived
 * before a failure is still delivered, so a message the server sent just before dropping the
 * connection can be read. One read may be pending at a time.
 *
 * @example Pushing and reading chunks
 * ```ts
 * import { ChunkQueue } from "./async_queue.ts";
 * const queue = new ChunkQueue();
 * queue.push(new Uint8Array([1, 2]));
 * queue.end();
 * console.assert((await queue.read())?.length === 2);
 * console.assert((await queue.read()) === null);
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #done = false;
  #error: { value: unknown } | undefined;
  #pending: PendingRead | undefined;
  #onDrain: (() => void) | undefined;
  #lowWaterMark: number;

  /**
   * Creates an empty queue.
   *
   * @param options Drain callback and low-water mark.
   */
  constructor(options: ChunkQueueOptions = {}) {
    this.#onDrain = options.onDrain;
    this.#lowWaterMark = options.lowWaterMark ?? 0;
  }

  /** Bytes queued and not yet read. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Whether the stream has ended or failed (no more chunks will be accepted). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Adds a received chunk; ignored after {@linkcode end} or {@linkcode fail} and when empty.
   *
   * @param chunk The bytes; the queue keeps a reference, so the producer must not reuse them.
   */
  push(chunk: Uint8Array): void {
    if (this.#done || chunk.length === 0) return;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      pending.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  /** Marks the end of the stream: reads return what is queued, then null. Idempotent. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#settleIdle();
  }

  /**
   * Marks the stream as failed: reads return what is queued, then reject once with `error`.
   * Ignored after {@linkcode end} or an earlier failure.
   *
   * @param error The error the next read after the queued chunks rejects with.
   */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = { value: error };
    this.#settleIdle();
  }

  /**
   * Drops every queued chunk and ends the stream, so a pending read and later reads return null.
   */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#error = undefined;
    this.#done = true;
    this.#settleIdle();
  }

  /**
   * Takes the next chunk, waiting for one if none is queued.
   *
   * @returns The next chunk, or null at the end of the stream.
   * @throws {Error} if a read is already pending.
   * @throws {unknown} the error given to {@linkcode fail}, once the queued chunks are read.
   */
  read(): Promise<Uint8Array | null> {
    if (this.#pending !== undefined) {
      return Promise.reject(new Error("Cannot read: another read is already pending"));
    }
    if (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head]!;
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      if (this.#head === this.#chunks.length) {
        this.#chunks = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
      this.#bytes -= chunk.length;
      if (this.#bytes <= this.#lowWaterMark && !this.#done) this.#onDrain?.();
      return Promise.resolve(chunk);
    }
    if (this.#done) return this.#finish();
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }

  #finish(): Promise<null> {
    const error = this.#error;
    if (error === undefined) return Promise.resolve(null);
    this.#error = undefined;
    return Promise.reject(error.value);
  }

  #settleIdle(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    // A pending read means nothing was queued.
    this.#pending = undefined;
    this.#finish().then(pending.resolve, pending.reject);
  }
}

const EMPTY = new Uint8Array(0);
