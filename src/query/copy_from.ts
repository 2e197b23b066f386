/**
 * `COPY ... FROM STDIN` from a stream, an (async) iterable or bytes, with back-pressure: small
 * chunks are merged into CopyData messages of 64 KiB, and the source is read on only once the
 * socket has taken what was queued. A source that throws, or an abort, sends CopyFail.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import {
  abortReason,
  type Connection,
  type Lane,
  type Request,
  rowCountOf,
} from "../connection/connection.ts";
import { describe } from "../connection/wire.ts";
import type { BackendMessage } from "../protocol/messages.ts";
import { serverError } from "./extended.ts";
import {
  type CopyChunk,
  type CopyOptions,
  type CopySource,
  type Deferred,
  deferred,
  failMessage,
} from "./copy.ts";

/** The largest CopyData message sent: a huge chunk is sliced so the write buffer stays small. */
const MAX_COPY_DATA = 256 * 1024;
/** Small chunks are merged into CopyData messages of this size. */
const BATCH_BYTES = 64 * 1024;
/** The sender waits for the socket to take what was queued every this many bytes. */
const DRAIN_EVERY = 64 * 1024;
/** A source that never waits lets the event loop turn this often (ms). */
const TURN_EVERY = 5;

const ENCODER = new TextEncoder();

/** One read from a source. */
type Step = { done?: boolean; value?: unknown };

/** Opens a source: the next chunk, and a way to stop it early. */
interface Pull {
  next(): Step | Promise<Step>;
  stop(reason: unknown): void;
}

function openSource(source: CopySource): Pull {
  if (typeof source === "string" || source instanceof Uint8Array) {
    let done = false;
    return {
      next: () => {
        if (done) return { done: true, value: undefined };
        done = true;
        return { done: false, value: source };
      },
      stop: () => {},
    };
  }
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) {
    const reader = source.getReader();
    return {
      next: () => reader.read(),
      stop: (reason) => void reader.cancel(reason).catch(() => {}),
    };
  }
  if (source !== null && typeof source === "object") {
    if (Symbol.asyncIterator in source) {
      const it = (source as AsyncIterable<CopyChunk>)[Symbol.asyncIterator]();
      return { next: () => it.next(), stop: () => void it.return?.()?.catch(() => {}) };
    }
    if (Symbol.iterator in source) {
      const it = (source as Iterable<CopyChunk>)[Symbol.iterator]();
      return { next: () => it.next(), stop: () => void it.return?.() };
    }
  }
  throw new TypeError(
    "copyFrom() needs a ReadableStream, an iterable or async iterable of Uint8Array or string, " +
      "a Uint8Array or a string",
  );
}

/** The replies to a COPY FROM's Query. */
class CopyInRequest implements Request {
  readonly #sql: string;
  readonly #connection: Connection;
  /** Resolves true at CopyInResponse, false if the exchange ended without one. */
  readonly started: Deferred<boolean> = deferred();
  /** Resolves at ReadyForQuery, or with the connection's error. */
  readonly ended: Deferred<Error | undefined> = deferred();
  /** The lane was let go: other callers may have written since. */
  released = false;
  copying = false;
  isEnded = false;
  error: Error | undefined;
  tag: string | undefined;

  constructor(sql: string, connection: Connection) {
    this.#sql = sql;
    this.#connection = connection;
  }

  onMessage(msg: BackendMessage): void {
    switch (msg.type) {
      case "CopyInResponse":
        if (this.copying) this.#refuse("CopyFail", "copyFrom() sends its data to one COPY only");
        this.copying = true;
        this.started.resolve(true);
        return;
      case "CopyOutResponse":
        this.error ??= new TypeError("copyFrom() needs COPY ... FROM STDIN; use copyTo()");
        return;
      case "CopyBothResponse":
        this.#refuse("CopyDone", "COPY BOTH (replication) is not supported");
        return;
      case "CopyData":
      case "CopyDone":
      case "RowDescription":
      case "DataRow":
      case "EmptyQueryResponse":
        return;
      case "CommandComplete":
        this.tag = msg.tag;
        return;
      case "ErrorResponse":
        this.error ??= serverError(msg, this.#sql);
        return;
      case "ReadyForQuery":
        this.#end(undefined);
        return;
      default:
        throw new ProtocolError(`Unexpected ${msg.type} message in COPY FROM STDIN`);
    }
  }

  onFailure(error: Error): void {
    this.#end(error);
  }

  #end(failure: Error | undefined): void {
    this.isEnded = true;
    this.started.resolve(false);
    this.ended.resolve(failure);
  }

  /** Ends a COPY this request cannot serve, if nothing else was written since the lane was let go. */
  #refuse(end: "CopyFail" | "CopyDone", why: string): void {
    this.error ??= new TypeError(why);
    const c = this.#connection;
    if (this.released && c.pendingCount > 1) {
      // Another caller's messages went out after ours: the server would take them as COPY data.
      throw new ProtocolError(`${why}; the connection cannot recover`);
    }
    c.write(end === "CopyFail" ? { type: "CopyFail", message: failMessage(why) } : { type: end });
    c.flushSoon();
  }
}

/**
 * Runs `COPY ... FROM STDIN` and sends `source` as its data, reading the source only as fast as
 * the server takes it. If the source throws, CopyFail is sent (nothing is copied) and the
 * promise rejects with the source's error; the connection stays usable.
 *
 * @param connection The session.
 * @param lane The transaction it runs in, if any.
 * @param sql One `COPY ... FROM STDIN` statement.
 * @param source The data, in the COPY's format (text, CSV or binary).
 * @param options An abort signal.
 * @returns The number of rows copied.
 * @throws {PostgresError} from the server (e.g. 22P02 for a malformed value).
 * @throws what the source threw, or the signal's reason.
 * @throws {TypeError} for a source of the wrong type, or SQL that is not a COPY FROM STDIN.
 * @throws {ConnectionError} if the connection fails.
 *
 * @example
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * import { copyFrom } from "./copy_from.ts";
 * declare const db: Client;
 * const n = await copyFrom(db.connection, undefined, "copy t from stdin", ["1\ta\n", "2\tb\n"]);
 * ```
 */
export async function copyFrom(
  connection: Connection,
  lane: Lane | undefined,
  sql: string,
  source: CopySource,
  options?: CopyOptions,
): Promise<number> {
  const signal = options?.signal;
  if (signal?.aborted) throw abortReason(signal);
  const sender = new CopySender(connection, openSource(source));
  const hold: Lane = {};
  try {
    await connection.acquire(hold, lane, signal);
    if (signal?.aborted) {
      connection.release(hold);
      throw abortReason(signal);
    }
  } catch (err) {
    sender.source.stop(err);
    throw err;
  }
  const req = new CopyInRequest(sql, connection);
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    sender.stop();
    // Not copying yet (e.g. waiting for a lock): cancel it. Once copying, CopyFail stops it.
    if (!req.copying && !req.isEnded) connection.cancelWhenRunning(req);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  void req.ended.promise.then(() => sender.stop());
  let exhausted = false;
  let sourceFailed = false;
  let sourceError: unknown;
  try {
    connection.submit(req, () => connection.write({ type: "Query", sql }), hold);
    if (await req.started.promise) {
      try {
        exhausted = await sender.run();
      } catch (err) {
        sourceFailed = true;
        sourceError = err;
      }
      if (!req.isEnded) {
        const why = aborted
          ? "aborted"
          : sourceFailed
          ? `source failed: ${describe(sourceError)}`
          : "";
        connection.write(
          why ? { type: "CopyFail", message: failMessage(why) } : { type: "CopyDone" },
        );
        connection.flushSoon();
      }
    }
  } finally {
    // From here an abort comes too late: the server's outcome stands.
    signal?.removeEventListener("abort", onAbort);
    req.released = true;
    connection.release(hold);
  }
  const failure = await req.ended.promise;
  connection.settled(req);
  let error: unknown = failure ?? req.error;
  if (failure === undefined && sourceFailed) error = sourceError;
  else if (failure === undefined && aborted) error = abortReason(signal!);
  else if (error === undefined && !req.copying) {
    error = new TypeError("copyFrom() needs a COPY ... FROM STDIN statement");
  }
  if (!exhausted && !sourceFailed) sender.source.stop(error);
  if (error !== undefined) throw error;
  return rowCountOf(req.tag ?? "") ?? 0;
}

const STOPPED = Symbol("stopped");

/**
 * Sends a source as CopyData: small chunks are merged into messages of about 64 KiB, and the
 * source is read on only once the socket has taken what was queued.
 */
class CopySender {
  readonly #connection: Connection;
  readonly source: Pull;
  readonly #buffer = new Uint8Array(BATCH_BYTES);
  #fill = 0;
  /** Bytes queued since the socket last took everything. */
  #unsent = 0;
  #stopped = false;
  #interrupt: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastTurn = performance.now();

  constructor(connection: Connection, source: Pull) {
    this.#connection = connection;
    this.source = source;
  }

  /** Stops sending (abort, or the server ended the COPY); a pending read of the source is left. */
  stop(): void {
    this.#stopped = true;
    this.#interrupt?.();
  }

  /** Sends until the source ends (true) or {@link stop} (false); throws what the source threw. */
  async run(): Promise<boolean> {
    try {
      while (!this.#stopped) {
        let step = this.source.next();
        if (typeof (step as PromiseLike<Step>).then === "function") {
          const since = performance.now();
          const r = await this.#wait(step as PromiseLike<Step>);
          if (r === STOPPED) return false;
          if (performance.now() - since >= 1) this.#lastTurn = performance.now();
          step = r;
        }
        if ((step as Step).done) {
          this.#emit();
          return true;
        }
        if (this.#stopped) return false;
        const big = this.#add((step as Step).value);
        if (!(await this.#pace())) return false;
        // A big chunk goes out in slices, each taken by the socket before the next is queued.
        for (let at = 0; big !== undefined && at < big.length; at += MAX_COPY_DATA) {
          this.#write(big.subarray(at, Math.min(big.length, at + MAX_COPY_DATA)));
          if (!(await this.#pace())) return false;
        }
      }
      return false;
    } finally {
      clearTimeout(this.#timer);
    }
  }

  /** Waits for the socket once enough is queued; false if stopped meanwhile. */
  async #pace(): Promise<boolean> {
    if (this.#unsent < DRAIN_EVERY) return !this.#stopped;
    this.#unsent = 0;
    // A failed connection also ends the request, which stops this.
    const since = performance.now();
    if ((await this.#wait(this.#connection.drain().catch(() => {}))) === STOPPED) return false;
    if (performance.now() - since >= 1) this.#lastTurn = performance.now();
    // A write the socket takes at once resolves without a turn of the event loop: take one, or
    // the reader would not see an error the server sent until the source ended.
    if (performance.now() - this.#lastTurn >= TURN_EVERY) {
      const turn = new Promise<void>((resolve) => setTimeout(resolve, 0));
      if ((await this.#wait(turn)) === STOPPED) return false;
      this.#lastTurn = performance.now();
    }
    return !this.#stopped;
  }

  #wait<T>(promise: PromiseLike<T>): Promise<T | typeof STOPPED> {
    if (this.#stopped) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      this.#interrupt = () => resolve(STOPPED);
      promise.then(resolve, reject);
    });
  }

  /** Stages a chunk; returns one too big to stage, to be sent in slices. */
  #add(value: unknown): Uint8Array | undefined {
    let big: Uint8Array | undefined;
    if (typeof value === "string" && value.length * 3 <= BATCH_BYTES) {
      if (this.#fill + value.length * 3 > BATCH_BYTES) this.#emit();
      this.#fill += ENCODER.encodeInto(value, this.#buffer.subarray(this.#fill)).written;
    } else {
      const bytes = typeof value === "string" ? ENCODER.encode(value) : value;
      if (!(bytes instanceof Uint8Array)) {
        throw new TypeError(`copyFrom() source gave a ${typeof value}, not a Uint8Array or string`);
      }
      if (bytes.length <= BATCH_BYTES - this.#fill) {
        this.#buffer.set(bytes, this.#fill);
        this.#fill += bytes.length;
      } else {
        this.#emit();
        big = bytes;
      }
    }
    // What a slow source staged goes out within a few ms, even if it sends nothing more.
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#stopped) {
          this.#emit();
          this.#connection.flushSoon();
        }
      }, 0);
    }
    return big;
  }

  #emit(): void {
    if (this.#fill === 0) return;
    this.#write(this.#buffer.subarray(0, this.#fill)); // Copied into the connection's buffer.
    this.#fill = 0;
  }

  #write(data: Uint8Array): void {
    this.#connection.write({ type: "CopyData", data });
    this.#unsent += data.length + 5;
  }
}
