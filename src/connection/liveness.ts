/**
 * Keeping a session honest about being alive: CancelRequest on a second channel, the silence
 * that follows a delivered cancel, dead-peer probes while replies are awaited, and the idle
 * timeout.
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../errors.ts";
import type { Request, SessionInfo, SessionTimeouts } from "./session.ts";
import { unrefTimer } from "./session.ts";
import { describe, type Wire } from "./wire.ts";

/** What the checks need from the connection. */
export interface LivenessHost {
  /** Whether `request` still awaits replies. */
  isPending(request: Request): boolean;
  /** Requests awaiting replies. */
  pendingCount(): number;
  /** Whether anything is awaited, queued or holding the connection. */
  busy(): boolean;
  /** Whether the connection has failed. */
  failed(): boolean;
  /** Fails the connection and everything on it. */
  fail(error: ConnectionError): void;
  /** Closes the connection politely. */
  close(reason: string): Promise<void>;
  /**
   * Holds back new work while a cancel for `request` is under way and until `request` is done,
   * so that the cancel cannot hit it.
   */
  fence(request: Request): void;
  /** The cancel for `request` was delivered or failed. */
  cancelSettled(request: Request): void;
}

/** Timers and the cancel channel of one connection. */
export class Liveness {
  readonly #host: LivenessHost;
  readonly #info: SessionInfo;
  readonly #options: SessionTimeouts;
  /** When a byte last arrived, or the FIFO last became busy (ms since the epoch). */
  #lastHeard = 0;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #failedProbes = 0;
  #idleTimeout = 0;
  #idleSince = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The cancel being sent by {@link cancelFor}: they go one at a time. */
  #cancelling: Promise<void> | undefined;

  /**
   * @param host The connection.
   * @param info Where the server is, and the cancel key.
   * @param options Time limits.
   */
  constructor(host: LivenessHost, info: SessionInfo, options: SessionTimeouts) {
    this.#host = host;
    this.#info = info;
    this.#options = options;
  }

  /** Bytes arrived. */
  heard(): void {
    this.#lastHeard = Date.now();
  }

  /** The FIFO went from empty to busy: silence is counted from now. */
  busyStarted(): void {
    this.#lastHeard = Date.now();
    const keepalive = this.#options.keepalive;
    if (keepalive !== undefined && this.#watchdog === undefined) this.#arm(keepalive.idle);
  }

  /** The FIFO emptied. */
  idleStarted(): void {
    if (this.#idleTimeout === 0) return;
    this.#idleSince = Date.now();
    if (this.#idleTimer === undefined) this.#armIdle(this.#idleTimeout);
  }

  #arm(ms: number): void {
    this.#watchdog = setTimeout(() => this.#watch(), ms);
    unrefTimer(this.#watchdog);
  }

  /** Checks for a dead peer while replies are awaited (see {@link SessionTimeouts.keepalive}). */
  #watch(): void {
    this.#watchdog = undefined;
    const keepalive = this.#options.keepalive!;
    if (this.#host.failed() || this.#host.pendingCount() === 0) {
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
      if (this.#host.failed()) return;
      if (reachable) {
        this.#failedProbes = 0;
        this.#arm(keepalive.idle); // Reachable: a long query is simply still running.
        return;
      }
      if (++this.#failedProbes < keepalive.count) {
        this.#arm(keepalive.interval);
        return;
      }
      const seconds = Math.round((Date.now() - this.#lastHeard) / 1000);
      this.#host.fail(
        new ConnectionError(
          `Server stopped answering: nothing received for ${seconds} s and ${keepalive.count} ` +
            `attempts to reach it failed; the connection is presumed dead`,
        ),
      );
    });
  }

  /** See {@link Connection.setIdleTimeout}. */
  setIdleTimeout(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`idleTimeout must be a non-negative number of ms, got ${ms}`);
    }
    this.#idleTimeout = ms;
    if (ms > 0 && !this.#host.busy()) this.idleStarted();
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#host.failed() || this.#idleTimeout === 0) return;
      // Busy: the next time the FIFO empties starts the count again.
      if (this.#host.busy()) return;
      const idle = Date.now() - this.#idleSince;
      if (idle < this.#idleTimeout) {
        this.#armIdle(this.#idleTimeout - idle);
        return;
      }
      void this.#host.close(
        `Connection was closed after ${this.#idleTimeout} ms idle (idleTimeout)`,
      );
    }, ms);
    unrefTimer(this.#idleTimer);
  }

  /** See {@link Connection.cancel}. */
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
   * Cancels on the server for a request whose caller gave up. If the server cannot be told, or
   * stays silent after being told, what the connection does next is unknown: it is failed, so
   * nothing waits on it forever.
   */
  async cancelFor(request: Request): Promise<void> {
    // One cancel at a time: one still under way was meant for an earlier request.
    while (this.#cancelling !== undefined) await this.#cancelling.catch(() => {});
    if (!this.#host.isPending(request) || this.#host.failed()) return;
    this.#host.fence(request);
    try {
      await (this.#cancelling = this.cancel().finally(() => {
        this.#cancelling = undefined;
        this.#host.cancelSettled(request);
      }));
    } catch (err) {
      if (this.#host.isPending(request)) {
        this.#host.fail(
          new ConnectionError(
            `The query was abandoned and the server could not be reached to cancel it ` +
              `(${describe(err)}); the connection is closed`,
            { cause: err },
          ),
        );
      }
      return;
    }
    const grace = this.#options.cancelGrace;
    // A cancel that reaches the backend while it is still reading the request (it was pipelined
    // and had not started) is ignored by PostgreSQL; if the request is still running a moment
    // later, say it once more before the grace period runs out.
    const again = setTimeout(() => {
      if (this.#host.failed() || !this.#host.isPending(request)) return;
      if (this.#cancelling !== undefined) return;
      this.#cancelling = this.cancel().catch(() => {}).finally(() => {
        this.#cancelling = undefined;
      });
    }, Math.min(1000, grace / 2));
    unrefTimer(again);
    const timer = setTimeout(() => {
      if (!this.#host.failed() && this.#host.isPending(request)) {
        this.#host.fail(
          new ConnectionError(
            `Server did not answer within ${grace} ms of a cancel request; the connection is ` +
              `presumed dead and closed`,
          ),
        );
      }
    }, grace);
    unrefTimer(timer);
  }
}
