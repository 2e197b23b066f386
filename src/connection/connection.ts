/**
 * An established session: the server's parameters, the cancel key, and the request FIFO that
 * pipelining rests on. Requests write their messages in order; one background reader hands each
 * reply to the oldest request still waiting, up to its ReadyForQuery. The query layer
 * (`src/query/`) builds requests on top of this.
 *
 * @module
 */

import { ConnectionError, PostgresError, ProtocolError, TimeoutError } from "../errors.ts";
import type {
  BackendMessage,
  FieldDescription,
  FrontendMessage,
  NoticeFields,
  NotificationResponse,
  TransactionStatus,
} from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import type { HostEntry } from "../config.ts";
import type { TlsInfo } from "../transport/transport.ts";
import { noticeToErrorFields } from "./auth.ts";
import { describe, type Wire } from "./wire.ts";
import { RequestQueue } from "./request_queue.ts";

/** libpq's connection states, in the order a connection passes through them. */
export type ConnectionState =
  | "CONNECTION_NEEDED"
  | "CONNECTION_STARTED"
  | "CONNECTION_MADE"
  | "CONNECTION_SSL_STARTUP"
  | "CONNECTION_AWAITING_RESPONSE"
  | "CONNECTION_AUTH_OK"
  | "CONNECTION_CHECK_TARGET"
  | "CONNECTION_OK"
  | "CONNECTION_BAD";

/** One result of a simple query with raw text values: each statement in the text gives one. */
export interface SimpleResult {
  /** Command tag, e.g. `SELECT 2`; empty for an empty query. */
  command: string;
  /** Rows affected or returned, from the command tag, when it has one. */
  rowCount: number | undefined;
  /** Column descriptions; empty for statements that return no rows. */
  fields: FieldDescription[];
  /** Rows as text values (null for NULL), in column order. */
  rows: (string | null)[][];
}

/** What the connection set-up learned, handed to the session. */
export interface SessionInfo {
  /** The host that accepted the connection. */
  host: HostEntry;
  /** `(major << 16) | minor` of the protocol in use. */
  protocolVersion: number;
  /** Run-time parameters the server reported. */
  parameters: Map<string, string>;
  /** Backend process ID, from BackendKeyData. */
  processId: number;
  /** Cancel key, from BackendKeyData. */
  secretKey: Uint8Array;
  /** TLS details when the connection is encrypted. */
  tls: TlsInfo | undefined;
  /** Authentication method used and whether channel binding was used. */
  auth: { method: string; channelBound: boolean };
  /** Transaction status from the last ReadyForQuery. */
  transactionStatus: TransactionStatus;
  /** Notice callback. */
  onNotice: ((fields: NoticeFields) => void) | undefined;
  /**
   * Opens a new channel to the same server the same way (TLS when this connection uses it), for a
   * CancelRequest; with `tcpOnly`, just the TCP connection (a reachability probe).
   */
  reopen?: (signal: AbortSignal, tcpOnly: boolean) => Promise<Wire>;
}

/** Time limits of a session, in milliseconds. */
export interface SessionTimeouts {
  /** How long a cancel may take to connect and be confirmed. */
  cancelTimeout: number;
  /**
   * After a cancel was delivered, how long the server may stay silent before the connection is
   * presumed dead.
   */
  cancelGrace: number;
  /**
   * Dead-peer detection while replies are awaited: after `idle` ms of silence the server is probed
   * (a new TCP connection to it) every `interval` ms; after `count` failed probes in a row the
   * connection fails. Undefined turns it off.
   */
  keepalive: { idle: number; interval: number; count: number } | undefined;
}

/** Limits used when set-up gives none. */
export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  cancelTimeout: 10_000,
  cancelGrace: 10_000,
  keepalive: { idle: 60_000, interval: 10_000, count: 3 },
};

/** Work waiting, unsent, for the holder of the connection to let go. */
export interface Waiting {
  /** The lane it belongs to. */
  lane: Lane | undefined;
  /** Sends it. */
  run: () => void;
}

/** The reason to reject with when `signal` aborted. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** Lets a timer not keep the process alive (Deno, Node and Bun differ). */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}

/**
 * A request in the FIFO: it receives every reply that is not asynchronous, up to and including
 * its ReadyForQuery.
 */
export interface Request {
  /**
   * A reply for this request. ReadyForQuery is the last one it gets. A returned promise pauses
   * reading from the server until it settles (back-pressure, e.g. for a slow COPY consumer).
   */
  onMessage(message: BackendMessage): void | Promise<void>;
  /**
   * The request failed without a ReadyForQuery: the connection failed (a ConnectionError whose
   * `retrySafe` is true when nothing of this request reached the server), or its messages could
   * not be encoded (nothing was sent).
   */
  onFailure(error: Error): void;
}

/**
 * Identifies who may write while the connection is held: a transaction, or a portal being read a
 * batch at a time. Requests from anyone else wait, unsent, until it is released.
 */
export type Lane = object;

/**
 * A connected session. Any number of requests may be in flight; replies are matched to them in
 * order.
 *
 * @example
 * ```ts ignore
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
  /** The cancel being sent, so that several aborts at once send one. */
  #cancelling: Promise<void> | undefined;
  #flushScheduled = false;
  #writing = false;
  #failure: ConnectionError | undefined;
  /** A FATAL error the server sent with nothing pending, just before it hung up. */
  #lastServerError: PostgresError | undefined;
  /** Called for each NotificationResponse. */
  onNotification: ((message: NotificationResponse) => void) | undefined;
  /** Called for each ParameterStatus after start-up. */
  onParameterStatus: ((name: string, value: string) => void) | undefined;
  readonly #closed: Promise<void>;
  readonly #idleWaiters: (() => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];

  readonly #options: SessionTimeouts;
  /** When a byte last arrived, or the FIFO last became busy (ms since the epoch). */
  #lastHeard = 0;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #failedProbes = 0;
  #idleTimeout = 0;
  #idleSince = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param wire The channel.
   * @param info What set-up learned.
   * @param options Time limits.
   */
  constructor(wire: Wire, info: SessionInfo, options: SessionTimeouts = DEFAULT_TIMEOUTS) {
    this.#wire = wire;
    this.#info = info;
    this.#options = options;
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
    if (!this.#mayWrite(lane)) {
      const busy = this.#busyError(lane);
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
    if (this.#queue.length === 1) {
      this.#lastHeard = Date.now();
      const keepalive = this.#options.keepalive;
      if (keepalive !== undefined && this.#watchdog === undefined) this.#arm(keepalive.idle);
    }
    this.#scheduleFlush();
  }

  #arm(ms: number): void {
    this.#watchdog = setTimeout(() => this.#watch(), ms);
    unrefTimer(this.#watchdog);
  }

  /** Checks for a dead peer while replies are awaited (see {@link SessionTimeouts.keepalive}). */
  #watch(): void {
    this.#watchdog = undefined;
    const keepalive = this.#options.keepalive!;
    if (this.#failure !== undefined || this.#queue.length === 0) {
      this.#failedProbes = 0;
      return;
    }
    const silent = Date.now() - this.#lastHeard;
    if (silent < keepalive.idle) {
      this.#failedProbes = 0;
      this.#arm(keepalive.idle - silent);
      return;
    }
    const reopen = this.#info.reopen;
    if (reopen === undefined) return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), keepalive.interval);
    reopen(controller.signal, true).then(
      (wire) => {
        wire.close();
        return true;
      },
      () => false,
    ).then((reachable) => {
      clearTimeout(timer);
      if (this.#failure !== undefined) return;
      if (reachable) {
        this.#failedProbes = 0;
        this.#arm(keepalive.idle); // Reachable: a long query is simply still running.
        return;
      }
      if (++this.#failedProbes < keepalive.count) {
        this.#arm(keepalive.interval);
        return;
      }
      this.#fail(
        new ConnectionError(
          `Server stopped answering: nothing received for ${
            Math.round((Date.now() - this.#lastHeard) / 1000)
          } s and ${keepalive.count} attempts to reach it failed; the connection is presumed dead`,
        ),
      );
    });
  }

  /** Takes a request that was never sent out of the waiting list (its caller gave up). */
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
   */
  cancelWhenRunning(request: Request): void {
    if (this.#failure !== undefined) return;
    if (this.#queue.peek() === request) void this.#cancelFor(request);
    else this.#cancelAtHead.add(request);
  }

  /** Forgets a pending cancel (the request finished). */
  settled(request: Request): void {
    if (this.#cancelAtHead.size > 0) this.#cancelAtHead.delete(request);
  }

  async #cancelFor(request: Request): Promise<void> {
    try {
      await (this.#cancelling ??= this.cancel().finally(() => (this.#cancelling = undefined)));
    } catch (err) {
      // The server cannot be told to stop, so what the connection will do next is unknown.
      if (this.#queue.includes(request)) {
        this.#fail(
          new ConnectionError(
            `The query was abandoned and the server could not be reached to cancel it ` +
              `(${describe(err)}); the connection is closed`,
            { cause: err },
          ),
        );
      }
      return;
    }
    this.#afterCancel(request);
  }

  /**
   * Once a cancel was delivered, the server answers soon (an error, or the result it had
   * finished). If it stays silent the connection is presumed dead (a peer that vanished).
   */
  #afterCancel(request: Request): void {
    const grace = this.#options.cancelGrace;
    const timer = setTimeout(() => {
      if (this.#failure === undefined && this.#queue.includes(request)) {
        this.#fail(
          new ConnectionError(
            `Server did not answer within ${grace} ms of a cancel request; the connection is ` +
              `presumed dead and closed`,
          ),
        );
      }
    }, grace);
    unrefTimer(timer);
  }

  /**
   * Queues more messages for a request already in the FIFO (the next batch of a portal, Sync).
   * Only the lane holding the connection (or anyone, when nobody does) may call this.
   */
  write(message: FrontendMessage): void {
    this.#wire.queue(message);
  }

  /** Queues a precomputed frame (a constant message such as Sync); `message` is for the trace. */
  writeRaw(bytes: Uint8Array, message: FrontendMessage): void {
    this.#wire.queueRaw(bytes, message);
  }

  /** Sends what has been queued, soon (batching everything queued in this tick). */
  flushSoon(): void {
    this.#scheduleFlush();
  }

  /**
   * Sends what has been queued and resolves once the transport has taken it: a writer that
   * awaits this between chunks (COPY FROM) cannot outrun the network.
   *
   * @throws {ConnectionError} if the connection failed.
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
   */
  acquire(lane: Lane, outer?: Lane, signal?: AbortSignal): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#unsentFailure());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const busy = this.#mayWrite(outer) ? undefined : this.#busyError(outer);
    if (busy !== undefined) return Promise.reject(busy);
    if (this.#mayWrite(outer)) {
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

  /** Lets go of the connection and sends the work that was waiting, in order. */
  release(lane: Lane): void {
    const i = this.#lanes.lastIndexOf(lane);
    if (i < 0) return;
    this.#lanes.splice(i, 1);
    while (this.#waiting.length > 0 && this.#mayWrite(this.#waiting[0]!.lane)) {
      this.#waiting.shift()!.run();
    }
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
        this.#lastHeard = Date.now();
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
        if (this.#queue.length === 0 && this.#idleTimeout > 0) this.#startIdle();
        if (this.#cancelAtHead.size > 0) {
          const next = this.#queue.peek();
          if (next !== undefined && this.#cancelAtHead.delete(next)) void this.#cancelFor(next);
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
      const results: SimpleResult[] = [];
      let current: SimpleResult | undefined;
      let error: Error | undefined;
      const request: Request = {
        onMessage: (msg) => {
          switch (msg.type) {
            case "RowDescription":
              current = { command: "", rowCount: undefined, fields: msg.fields, rows: [] };
              break;
            case "DataRow":
              if (current === undefined) {
                error ??= new ProtocolError("DataRow without RowDescription");
              } else current.rows.push((msg as DataRow).values());
              break;
            case "CommandComplete": {
              const result = current ?? { command: "", rowCount: undefined, fields: [], rows: [] };
              result.command = msg.tag;
              result.rowCount = rowCountOf(msg.tag);
              results.push(result);
              current = undefined;
              break;
            }
            case "EmptyQueryResponse":
              results.push({ command: "", rowCount: undefined, fields: [], rows: [] });
              break;
            case "ErrorResponse": {
              const e = new PostgresError(noticeToErrorFields(msg.fields));
              e.query = sql;
              error ??= e;
              break;
            }
            case "CopyInResponse":
              this.write({ type: "CopyFail", message: "COPY FROM STDIN is not supported here" });
              this.flushSoon();
              break;
            case "ReadyForQuery":
              if (error !== undefined) reject(error);
              else resolve(results);
              break;
            default:
              break; // CopyOutResponse/CopyData/CopyDone: drained
          }
        },
        onFailure: reject,
      };
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
  async cancel(): Promise<void> {
    const reopen = this.#info.reopen;
    if (reopen === undefined || this.#info.secretKey.length === 0) {
      throw new ConnectionError(
        "Cannot cancel: the server sent no cancel key (BackendKeyData)",
        { retrySafe: true },
      );
    }
    const limit = this.#options.cancelTimeout;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new TimeoutError(`Cancel request was not confirmed within ${limit} ms`, "cancel", limit),
        ),
      limit,
    );
    let wire: Wire | undefined;
    const onAbort = (): void => wire?.close();
    controller.signal.addEventListener("abort", onAbort, { once: true });
    try {
      wire = await reopen(controller.signal, false);
      await wire.send({
        type: "CancelRequest",
        processId: this.#info.processId,
        secretKey: this.#info.secretKey,
      });
      // The server closes the connection once it has acted on the request.
      while ((await wire.readRaw().catch(() => null)) !== null) { /* nothing is sent back */ }
      if (controller.signal.aborted) throw controller.signal.reason;
    } catch (err) {
      if (controller.signal.aborted) throw controller.signal.reason;
      if (err instanceof ConnectionError) throw err;
      throw new ConnectionError(`Cannot send the cancel request: ${describe(err)}`, {
        cause: err,
        retrySafe: true,
      });
    } finally {
      clearTimeout(timer);
      controller.signal.removeEventListener("abort", onAbort);
      wire?.close();
    }
  }

  /**
   * Closes the connection once it has been idle (nothing sent or awaited, not held) for `ms`
   * milliseconds; 0 turns this off. Later work fails with a ConnectionError whose `retrySafe` is
   * true.
   */
  setIdleTimeout(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`idleTimeout must be a non-negative number of ms, got ${ms}`);
    }
    this.#idleTimeout = ms;
    if (ms > 0 && this.#queue.length === 0) this.#startIdle();
  }

  #startIdle(): void {
    this.#idleSince = Date.now();
    if (this.#idleTimer !== undefined) return; // The running timer checks the new time.
    this.#armIdle(this.#idleTimeout);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#failure !== undefined || this.#idleTimeout === 0) return;
      // Busy: the next time the FIFO empties starts the count again.
      if (this.#queue.length > 0 || this.#lanes.length > 0 || this.#waiting.length > 0) return;
      const idle = Date.now() - this.#idleSince;
      if (idle < this.#idleTimeout) {
        this.#armIdle(this.#idleTimeout - idle);
        return;
      }
      void this.close(`Connection was closed after ${this.#idleTimeout} ms idle (idleTimeout)`);
    }, ms);
    unrefTimer(this.#idleTimer);
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

/**
 * A request whose caller may give up: unsent, it is taken out of the waiting list; sent, it is
 * cancelled on the server once it is the one running. Replies still reach it (the statement
 * cache must see them); the caller's promise is rejected by whoever raced it against the signal.
 */
class Abortable implements Request {
  readonly #inner: Request;
  readonly #signal: AbortSignal;
  readonly #connection: Connection;
  #entry: Waiting | undefined;
  #sent = false;
  #done = false;
  readonly #onAbort = (): void => this.#abort();

  constructor(inner: Request, signal: AbortSignal, connection: Connection) {
    this.#inner = inner;
    this.#signal = signal;
    this.#connection = connection;
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  waiting(entry: Waiting): void {
    this.#entry = entry;
  }

  sent(): void {
    this.#entry = undefined;
    this.#sent = true;
  }

  #abort(): void {
    if (this.#done) return;
    if (this.#sent) {
      this.#connection.cancelWhenRunning(this);
      return;
    }
    if (this.#entry !== undefined && this.#connection.unwait(this.#entry)) {
      this.#finish();
      this.#inner.onFailure(abortReason(this.#signal) as Error);
    }
  }

  #finish(): void {
    this.#done = true;
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#connection.settled(this);
  }

  onMessage(message: BackendMessage): void | Promise<void> {
    if (message.type === "ReadyForQuery") this.#finish();
    return this.#inner.onMessage(message);
  }

  onFailure(error: Error): void {
    this.#finish();
    this.#inner.onFailure(error);
  }
}

/** The row count at the end of a command tag (`INSERT 0 5` → 5), or undefined. */
export function rowCountOf(tag: string): number | undefined {
  const space = tag.lastIndexOf(" ");
  if (space < 0) return undefined;
  const count = Number(tag.slice(space + 1));
  return Number.isInteger(count) ? count : undefined;
}
