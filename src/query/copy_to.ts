/**
 * `COPY ... TO STDOUT` as a `ReadableStream` with back-pressure: the connection stops reading
 * from the server while the stream's queue is full, so a slow reader holds the server back
 * instead of filling memory. Cancelling the stream cancels the COPY and drops the rest.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { abortReason, type Connection, type Lane, type Request } from "../connection/connection.ts";
import type { BackendMessage } from "../protocol/messages.ts";
import { serverError } from "./extended.ts";
import { type CopyOptions, type Deferred, deferred } from "./copy.ts";

/** The server's one-row CopyData messages are merged into chunks of about this size. */
const CHUNK_BYTES = 64 * 1024;
/** Bytes the stream holds unread before the connection stops reading from the server. */
export const COPY_TO_HIGH_WATER_MARK = 256 * 1024;

/** The replies to a COPY TO's Query, fed into its stream. */
class CopyOutRequest implements Request {
  readonly #sql: string;
  readonly #connection: Connection;
  readonly #controller: ReadableStreamDefaultController<Uint8Array>;
  readonly #ended: Deferred<void> = deferred();
  /** Small CopyData messages not yet merged into a chunk. */
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  #flushQueued = false;
  /** Resumes the connection's reader, paused while the stream's queue is full. */
  #wake: (() => void) | undefined;
  /** The stream was closed, errored or cancelled: no more enqueue. */
  #closed = false;
  /** Data from here on is dropped (the stream was cancelled, or this is not a COPY TO). */
  #drop = false;
  #submitted = false;
  #isEnded = false;
  #copying = false;
  #copyDone = false;
  #error: Error | undefined;

  constructor(
    sql: string,
    connection: Connection,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ) {
    this.#sql = sql;
    this.#connection = connection;
    this.#controller = controller;
  }

  /** Sends the Query once the connection is free and holds it until ReadyForQuery. */
  async run(lane: Lane | undefined, signal: AbortSignal | undefined): Promise<void> {
    const c = this.#connection;
    const hold: Lane = {};
    try {
      if (signal?.aborted) throw abortReason(signal);
      await c.acquire(hold, lane, signal);
    } catch (err) {
      this.onFailure(err as Error);
      return;
    }
    if (this.#isEnded || this.#drop || signal?.aborted) {
      c.release(hold); // Cancelled or aborted while waiting: nothing was sent.
      if (signal?.aborted) this.onFailure(abortReason(signal) as Error);
      else this.#end();
      return;
    }
    const onAbort = (): void => void this.stop(abortReason(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#submitted = true;
    c.submit(this, () => c.write({ type: "Query", sql: this.#sql }), hold);
    await this.#ended.promise;
    signal?.removeEventListener("abort", onAbort);
    c.settled(this);
    c.release(hold);
  }

  /** The stream wants more. */
  pulled(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * The consumer cancelled (`reason` undefined) or the signal aborted: the rest is read and
   * dropped, and the COPY is cancelled on the server if it is still running.
   */
  stop(reason: unknown): Promise<void> {
    if (this.#isEnded) return Promise.resolve();
    if (!this.#closed && reason !== undefined) this.#controller.error(reason);
    this.#closed = true;
    this.#drop = true;
    this.#batch = [];
    this.#batchBytes = 0;
    this.pulled();
    if (!this.#submitted) return Promise.resolve(); // run() lets go once it has the lane.
    // Cancelled once it is the query running; later work waits until the cancel has landed.
    if (!this.#copyDone && this.#error === undefined) this.#connection.cancelWhenRunning(this);
    return this.#ended.promise;
  }

  onMessage(msg: BackendMessage): void | Promise<void> {
    switch (msg.type) {
      case "CopyData":
        return this.#drop ? undefined : this.#push(msg.data);
      case "CopyOutResponse":
        this.#copying = true;
        this.#copyDone = false;
        return;
      case "CopyDone":
        this.#copyDone = true;
        this.#flush();
        return;
      case "CommandComplete":
        return;
      case "ErrorResponse":
        this.#error ??= serverError(msg, this.#sql);
        return;
      case "CopyInResponse":
        this.#refuse("copyTo() needs COPY ... TO STDOUT; use copyFrom()");
        this.#connection.write({
          type: "CopyFail",
          message: "COPY FROM STDIN refused by copyTo()",
        });
        this.#connection.flushSoon();
        return;
      case "CopyBothResponse":
        this.#refuse("COPY BOTH (replication) is not supported");
        this.#connection.write({ type: "CopyDone" });
        this.#connection.flushSoon();
        return;
      case "RowDescription":
      case "DataRow":
      case "EmptyQueryResponse":
        this.#refuse("copyTo() needs a COPY ... TO STDOUT statement");
        return;
      case "ReadyForQuery":
        this.#flush();
        if (!this.#copying) this.#refuse("copyTo() needs a COPY ... TO STDOUT statement");
        if (!this.#closed) {
          this.#closed = true;
          if (this.#error !== undefined) this.#controller.error(this.#error);
          else this.#controller.close();
        }
        this.#end();
        return;
      default:
        throw new ProtocolError(`Unexpected ${msg.type} message in COPY TO STDOUT`);
    }
  }

  onFailure(error: Error): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#controller.error(error);
    }
    this.#end();
  }

  #end(): void {
    this.#isEnded = true;
    this.#drop = true;
    this.pulled();
    this.#ended.resolve();
  }

  #refuse(why: string): void {
    this.#error ??= new TypeError(why);
    this.#drop = true;
  }

  #push(data: Uint8Array): void | Promise<void> {
    if (data.length >= CHUNK_BYTES && this.#batchBytes === 0) {
      this.#controller.enqueue(data); // Assembled in a buffer of its own: no copy needed.
    } else {
      this.#batch.push(data);
      this.#batchBytes += data.length;
      if (this.#batchBytes >= CHUNK_BYTES) this.#flush();
      else if (!this.#flushQueued) {
        // Everything already received is dispatched before this runs: one chunk per read.
        this.#flushQueued = true;
        queueMicrotask(() => {
          this.#flushQueued = false;
          this.#flush();
        });
      }
    }
    const room = this.#controller.desiredSize;
    if (room !== null && room <= 0) return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Enqueues the batch as one chunk, copied out of the read buffers it points into. */
  #flush(): void {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    const size = this.#batchBytes;
    this.#batchBytes = 0;
    if (this.#closed || this.#drop) return;
    const chunk = new Uint8Array(size);
    let at = 0;
    for (const part of batch) {
      chunk.set(part, at);
      at += part.length;
    }
    this.#controller.enqueue(chunk);
  }
}

/**
 * Runs `COPY ... TO STDOUT` and returns its data as a stream. The connection reads from the
 * server only while the stream's queue has room (about {@link COPY_TO_HIGH_WATER_MARK} bytes), so
 * a slow reader holds the server back instead of filling memory. Read the stream to its end or
 * cancel it: until then the connection is held (other queries on it wait). Cancelling cancels
 * the COPY on the server and drops the rest of its data; the connection stays usable.
 *
 * @param connection The session.
 * @param lane The transaction it runs in, if any.
 * @param sql One `COPY ... TO STDOUT` statement.
 * @param options An abort signal (the stream errors with its reason).
 * @returns The COPY data in chunks of up to about 64 KiB, split anywhere (not on row boundaries).
 * @throws nothing itself; the stream errors with a {@link PostgresError} from the server, a
 * `TypeError` for SQL that is not a COPY TO STDOUT, or a {@link ConnectionError}.
 *
 * @example
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * import { copyTo } from "./copy_to.ts";
 * declare const db: Client;
 * const data = copyTo(db.connection, undefined, "copy t to stdout (format csv)");
 * await data.pipeTo((await Deno.create("t.csv")).writable);
 * ```
 */
export function copyTo(
  connection: Connection,
  lane: Lane | undefined,
  sql: string,
  options?: CopyOptions,
): ReadableStream<Uint8Array> {
  let req: CopyOutRequest | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req = new CopyOutRequest(sql, connection, controller);
      void req.run(lane, options?.signal);
    },
    pull() {
      req?.pulled();
    },
    cancel() {
      return req?.stop(undefined);
    },
  }, { highWaterMark: COPY_TO_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength });
}
