/**
 * An established session: the server's parameters, the cancel key, and the request FIFO that
 * pipelining rests on. Requests write their messages in order; one background reader hands each
 * reply to the oldest request still waiting, up to its ReadyForQuery. The query layer
 * (`src/query/`) builds requests on top of this.
 *
 * @module
 */

import { ConnectionError, PostgresError, ProtocolError } from "../errors.ts";
import type {
  BackendMessage,
  FrontendMessage,
  NotificationResponse,
  TransactionStatus,
} from "../protocol/messages.ts";
import type { HostEntry } from "../config.ts";
import type { TlsInfo } from "../transport/transport.ts";
import { noticeToErrorFields } from "./auth.ts";
import { describe, type Wire } from "./wire.ts";
import { RequestQueue } from "./request_queue.ts";
import { Abortable } from "./abortable.ts";
import { Liveness } from "./liveness.ts";
import { RawSimpleRequest } from "./raw_simple.ts";
import {
  abortReason,
  type ConnectionState,
  DEFAULT_TIMEOUTS,
  type Lane,
  type Request,
  type SessionInfo,
  type SessionTimeouts,
  type SimpleResult,
  type Waiting,
} from "./session.ts";

export {
  abortReason,
  type ConnectionState,
  DEFAULT_TIMEOUTS,
  type Lane,
  type Request,
  rowCountOf,
  type SessionInfo,
  type SessionTimeouts,
  type SimpleResult,
  unrefTimer,
  type Waiting,
} from "./session.ts";

/**
 * A connected session. Any number of requests may be in flight; replies are matched to them in
 * order.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * await using db = await connect("postgres://app@localhost/app");
 * const [result] = await db.connection.simpleQuery("select current_user");
 * console.log(result?.rows);
 * ```
 */
export class Connection {
  readonly #wire: Wire;
  readonly #info: SessionInfo;
  #state: ConnectionState = "CONNECTION_OK";
  readonly #queue = new RequestQueue<Request>();
  /** Holders of the connection, innermost last. */
  readonly #lanes: Lane[] = [];
  /** Work waiting for the holder to let go, in submission order. */
  readonly #waiting: Waiting[] = [];
  /** Sent requests whose caller gave up: a CancelRequest goes out when each reaches the head. */
  readonly #cancelAtHead = new Set<Request>();
  /**
   * While a cancel is under way, new work waits until it was delivered and the cancelled request
   * is done: a server may deliver one cancel twice (PG 15 signals the backend and its process
   * group), which would hit a query sent right behind.
   */
  #fence: { request: Request; cancelled: boolean; done: boolean } | undefined;
  #flushScheduled = false;
  #writing = false;
  #failure: ConnectionError | undefined;
  /** A FATAL error the server sent with nothing pending, just before it hung up. */
  #lastServerError: PostgresError | undefined;
  /**
   * Called for each NotificationResponse.
   *
   * @internal
   * @ignore
   */
  onNotification: ((message: NotificationResponse) => void) | undefined;
  /**
   * Called for each ParameterStatus after start-up.
   *
   * @internal
   * @ignore
   */
  onParameterStatus: ((name: string, value: string) => void) | undefined;
  readonly #closed: Promise<void>;
  readonly #idleWaiters: (() => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];

  readonly #liveness: Liveness;

  /**
   * Wraps an established session; created by `connect` only.
   *
   * @param wire The channel.
   * @param info What set-up learned.
   * @param options Time limits.
   * @internal
   * @ignore
   */
  constructor(wire: Wire, info: SessionInfo, options: SessionTimeouts = DEFAULT_TIMEOUTS) {
    this.#wire = wire;
    this.#info = info;
    this.#liveness = new Liveness(
      {
        isPending: (request) => this.#queue.includes(request),
        pendingCount: () => this.#queue.length,
        busy: () => this.#queue.length > 0 || this.#lanes.length > 0 || this.#waiting.length > 0,
        failed: () => this.#failure !== undefined,
        fail: (error) => this.#fail(error),
        close: (reason) => this.close(reason),
        fence: (request) => (this.#fence = { request, cancelled: false, done: false }),
        cancelSettled: (request) => {
          if (this.#fence?.request !== request) return;
          this.#fence.cancelled = true;
          this.#liftFence();
        },
      },
      info,
      options,
    );
    this.#closed = this.#readLoop();
  }

  /** libpq-style state, for debugging: CONNECTION_OK while usable, CONNECTION_BAD after. */
  get state(): ConnectionState {
    return this.#state;
  }
  /** Server-reported run-time parameters (server_version, TimeZone, ...). */
  get parameters(): ReadonlyMap<string, string> {
    return this.#info.parameters;
  }
  /** Backend process ID. */
  get processId(): number {
    return this.#info.processId;
  }
  /** Cancel key (4 bytes in protocol 3.0, longer in 3.2). */
  get secretKey(): Uint8Array {
    return this.#info.secretKey;
  }
  /** Protocol version in use as `major.minor`. */
  get protocolVersion(): string {
    return `${this.#info.protocolVersion >>> 16}.${this.#info.protocolVersion & 0xffff}`;
  }
  /** The host this session is connected to. */
  get host(): HostEntry {
    return this.#info.host;
  }
  /** TLS details, or undefined for an unencrypted connection. */
  get tls(): TlsInfo | undefined {
    return this.#info.tls;
  }
  /** The authentication method used and whether SCRAM was bound to the TLS channel. */
  get authentication(): { method: string; channelBound: boolean } {
    return this.#info.auth;
  }
  /** Transaction status after the last ReadyForQuery: I idle, T in a transaction, E failed. */
  get transactionStatus(): TransactionStatus {
    return this.#info.transactionStatus;
  }
  /** Requests sent and not yet answered by their ReadyForQuery. */
  get pendingCount(): number {
    return this.#queue.length;
  }
  /** Why the connection failed, once it has. */
  get failure(): ConnectionError | undefined {
    return this.#failure;
  }

  /**
   * Submits a request: `write` queues its messages (with {@link write}) and runs now, or later if
   * another lane holds the connection. The messages go out with the next flush, batched with
   * whatever else is submitted in the same tick.
   *
   * @param request Receives the replies.
   * @param write Queues the request's messages.
   * @param lane The holder this request belongs to, if any.
   * @internal
   * @ignore
   */
  submit(request: Request, write: () => void, lane?: Lane, signal?: AbortSignal): void {
    if (this.#failure !== undefined) {
      request.onFailure(this.#unsentFailure());
      return;
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        request.onFailure(abortReason(signal) as Error);
        return;
      }
      request = new Abortable(request, signal, this);
    }
    if (this.#fence !== undefined || !this.#mayWrite(lane)) {
      const busy = this.#mayWrite(lane) ? undefined : this.#busyError(lane);
      if (busy !== undefined) {
        request.onFailure(busy);
        return;
      }
      const entry: Waiting = { lane, run: () => this.submit(request, write, lane) };
      if (request instanceof Abortable) request.waiting(entry);
      this.#waiting.push(entry);
      return;
    }
    const mark = this.#wire.queuedLength;
    try {
      write();
    } catch (err) {
      // An encoding error (e.g. a NUL in a string) is the caller's: nothing partial may go out.
      this.#wire.truncateQueued(mark);
      request.onFailure(err instanceof Error ? err : new TypeError(String(err)));
      return;
    }
    this.#queue.push(request);
    if (request instanceof Abortable) request.sent();
    if (this.#queue.length === 1) this.#liveness.busyStarted();
    this.#scheduleFlush();
  }

  /**
   * Takes a request that was never sent out of the waiting list (its caller gave up).
   *
   * @internal
   * @ignore
   */
  unwait(entry: Waiting): boolean {
    const i = this.#waiting.indexOf(entry);
    if (i < 0) return false;
    this.#waiting.splice(i, 1);
    return true;
  }

  /**
   * A sent request's caller gave up: cancel it on the server when it is the one running. A
   * request still queued behind others is cancelled when it reaches the head, so that the cancel
   * cannot hit an earlier caller's query.
   *
   * @internal
   * @ignore
   */
  cancelWhenRunning(request: Request): void {
    if (this.#failure !== undefined) return;
    if (this.#queue.peek() === request) void this.#liveness.cancelFor(request);
    else this.#cancelAtHead.add(request);
  }

  /**
   * Forgets a pending cancel (the request finished).
   *
   * @internal
   * @ignore
   */
  settled(request: Request): void {
    if (this.#cancelAtHead.size > 0) this.#cancelAtHead.delete(request);
  }

  /**
   * Queues more messages for a request already in the FIFO (the next batch of a portal, Sync).
   * Only the lane holding the connection (or anyone, when nobody does) may call this.
   *
   * @internal
   * @ignore
   */
  write(message: FrontendMessage): void {
    this.#wire.queue(message);
  }

  /**
   * Queues a precomputed frame (a constant message such as Sync); `message` is for the trace.
   *
   * @internal
   * @ignore
   */
  writeRaw(bytes: Uint8Array, message: FrontendMessage): void {
    this.#wire.queueRaw(bytes, message);
  }

  /**
   * Sends what has been queued, soon (batching everything queued in this tick).
   *
   * @internal
   * @ignore
   */
  flushSoon(): void {
    this.#scheduleFlush();
  }

  /**
   * Sends what has been queued and resolves once the transport has taken it: a writer that
   * awaits this between chunks (COPY FROM) cannot outrun the network.
   *
   * @throws {ConnectionError} if the connection failed.
   * @internal
   * @ignore
   */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#writing) {
        await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
        continue;
      }
      if (this.#wire.queuedLength === 0) return;
      await this.#flush();
    }
  }

  /**
   * Holds the connection for `lane` once every earlier holder has let go: until {@link release},
   * requests from other lanes wait unsent (so they cannot land inside a transaction).
   *
   * @internal
   * @ignore
   */
  acquire(lane: Lane, outer?: Lane, signal?: AbortSignal): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#unsentFailure());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const busy = this.#mayWrite(outer) ? undefined : this.#busyError(outer);
    if (busy !== undefined) return Promise.reject(busy);
    if (this.#fence === undefined && this.#mayWrite(outer)) {
      this.#lanes.push(lane);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (this.unwait(entry)) reject(abortReason(signal!));
      };
      const entry: Waiting = {
        lane: outer,
        run: () => {
          signal?.removeEventListener("abort", onAbort);
          if (this.#failure !== undefined) reject(this.#unsentFailure());
          else {
            this.#lanes.push(lane);
            resolve();
          }
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  /**
   * Lets go of the connection and sends the work that was waiting, in order.
   *
   * @internal
   * @ignore
   */
  release(lane: Lane): void {
    const i = this.#lanes.lastIndexOf(lane);
    if (i < 0) return;
    this.#lanes.splice(i, 1);
    this.#runWaiting();
  }

  #runWaiting(): void {
    while (
      this.#fence === undefined && this.#waiting.length > 0 &&
      this.#mayWrite(this.#waiting[0]!.lane)
    ) {
      this.#waiting.shift()!.run();
    }
  }

  /** Lets waiting work go once the cancel was delivered and its request is done. */
  #liftFence(): void {
    const fence = this.#fence;
    if (fence === undefined || !fence.cancelled || !fence.done) return;
    this.#fence = undefined;
    this.#runWaiting();
  }

  /**
   * Work from a holder that is itself waiting on an inner holder (a transaction whose savepoint
   * or stream is open) could never run: refuse it rather than hang.
   */
  #busyError(lane: Lane | undefined): Error | undefined {
    if (lane === undefined || !this.#lanes.includes(lane)) return undefined;
    return new ConnectionError(
      "This transaction is busy with an open savepoint or stream; use the inner handle, or " +
        "finish the stream first",
      { retrySafe: true },
    );
  }

  #mayWrite(lane: Lane | undefined): boolean {
    const n = this.#lanes.length;
    return n === 0 || this.#lanes[n - 1] === lane;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#writing) return; // The running flush loops until the buffer is empty.
    this.#writing = true;
    try {
      while (this.#wire.queuedLength > 0 && this.#failure === undefined) await this.#wire.flush();
    } catch (err) {
      this.#fail(
        err instanceof ConnectionError
          ? err
          : new ConnectionError(`Cannot write to the server: ${describe(err)}`, { cause: err }),
      );
    } finally {
      this.#writing = false;
      if (this.#drainWaiters.length > 0) { for (const w of this.#drainWaiters.splice(0)) w(); }
    }
  }

  async #readLoop(): Promise<void> {
    const wire = this.#wire;
    try {
      for (;;) {
        let msg: BackendMessage | undefined;
        while ((msg = wire.poll()) !== undefined) {
          const paused = this.#dispatch(msg);
          if (paused !== undefined) await paused;
        }
        await wire.fill();
        this.#liveness.heard();
      }
    } catch (err) {
      this.#fail(this.#toConnectionError(err));
    }
  }

  #dispatch(msg: BackendMessage): void | Promise<void> {
    switch (msg.type) {
      case "NoticeResponse":
        this.#info.onNotice?.(msg.fields);
        return;
      case "ParameterStatus":
        this.#info.parameters.set(msg.name, msg.value);
        this.onParameterStatus?.(msg.name, msg.value);
        return;
      case "NotificationResponse":
        this.onNotification?.(msg);
        return;
      case "ReadyForQuery": {
        this.#info.transactionStatus = msg.status;
        const request = this.#queue.shift();
        if (request === undefined) throw new ProtocolError("Unexpected ReadyForQuery message");
        request.onMessage(msg);
        if (this.#fence?.request === request) {
          this.#fence.done = true;
          this.#liftFence();
        }
        if (this.#queue.length === 0) this.#liveness.idleStarted();
        if (this.#cancelAtHead.size > 0) {
          const next = this.#queue.peek();
          if (next !== undefined && this.#cancelAtHead.delete(next)) {
            void this.#liveness.cancelFor(next);
          }
        }
        if (this.#queue.length === 0 && this.#idleWaiters.length > 0) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
        return;
      }
    }
    if (msg.type === "ErrorResponse") {
      const severity = msg.fields.V ?? msg.fields.S;
      // FATAL or PANIC: the server is about to hang up; say why when it does.
      if (severity === "FATAL" || severity === "PANIC") {
        this.#lastServerError = new PostgresError(noticeToErrorFields(msg.fields));
      }
    }
    const request = this.#queue.peek();
    if (request === undefined) {
      if (msg.type === "ErrorResponse") {
        // The server says why before it hangs up (e.g. pg_terminate_backend, shutdown).
        this.#lastServerError = new PostgresError(noticeToErrorFields(msg.fields));
        return;
      }
      throw new ProtocolError(`Unexpected ${msg.type} message with no request pending`);
    }
    return request.onMessage(msg);
  }

  #toConnectionError(err: unknown): ConnectionError {
    if (err instanceof ConnectionError) {
      const server = this.#lastServerError;
      if (server === undefined) return err;
      return new ConnectionError(`${err.message}: ${server.message} (${server.code})`, {
        cause: server,
      });
    }
    if (err instanceof ProtocolError) {
      return new ConnectionError(`Server broke the protocol: ${err.message}`, { cause: err });
    }
    return new ConnectionError(`Connection failed: ${describe(err)}`, { cause: err });
  }

  #unsentFailure(): ConnectionError {
    const f = this.#failure!;
    return new ConnectionError(f.message, { cause: f.cause ?? f, retrySafe: true });
  }

  /** Marks the connection broken and fails everything pending or waiting. */
  #fail(error: ConnectionError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#state = "CONNECTION_BAD";
    this.#wire.close();
    for (let r = this.#queue.shift(); r !== undefined; r = this.#queue.shift()) r.onFailure(error);
    const waiting = this.#waiting.splice(0);
    this.#lanes.length = 0;
    this.#fence = undefined;
    for (const w of waiting) w.run();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  /**
   * Runs SQL text with the simple query protocol and returns raw text values. Several statements
   * give several results. The typed API is the client's `simpleQuery`.
   *
   * @param sql SQL text; no parameters.
   * @returns One result per statement.
   * @throws {PostgresError} for the first statement that failed (later ones were not run).
   * @throws {ConnectionError} if the connection fails.
   */
  simpleQuery(sql: string): Promise<SimpleResult[]> {
    return new Promise((resolve, reject) => {
      const request = new RawSimpleRequest(sql, resolve, reject, () => {
        this.write({ type: "CopyFail", message: "COPY FROM STDIN is not supported here" });
        this.flushSoon();
      });
      this.submit(request, () => this.write({ type: "Query", sql }));
    });
  }

  /**
   * Asks the server to cancel what it is running now, on a new connection to the same host (over
   * TLS when this connection uses it; a 3.2 connection sends its longer key), and waits for the
   * server to confirm by closing that connection. Like libpq's `PQcancel`: whatever request is
   * running when the server gets it is cancelled, which may be a later one than the caller meant.
   * Queries take an `AbortSignal`, which only cancels its own query.
   *
   * @throws {ConnectionError} if the server sent no cancel key or cannot be reached.
   * @throws {TimeoutError} if the server did not confirm in time.
   */
  cancel(): Promise<void> {
    return this.#liveness.cancel();
  }

  /**
   * Closes the connection once it has been idle (nothing sent or awaited, not held) for `ms`
   * milliseconds; 0 turns this off. Later work fails with a ConnectionError whose `retrySafe` is
   * true.
   *
   * @internal
   * @ignore
   */
  setIdleTimeout(ms: number): void {
    this.#liveness.setIdleTimeout(ms);
  }

  /** Sends Terminate and closes the connection. Safe to call twice. */
  async close(reason = "Connection is closed"): Promise<void> {
    if (this.#state === "CONNECTION_BAD") return await this.#closed;
    this.#state = "CONNECTION_BAD";
    // Let what was sent finish; a held connection (an open portal or transaction) is not waited
    // for, as it may never be released.
    if (this.#lanes.length === 0 && this.#queue.length > 0 && this.#failure === undefined) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    if (this.#failure === undefined) {
      try {
        this.#wire.queue({ type: "Terminate" });
        await this.#wire.flush();
      } catch {
        // Already gone: nothing to tell the server.
      }
    }
    this.#fail(new ConnectionError(reason, { retrySafe: true }));
    await this.#closed;
  }

  /** Closes the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
