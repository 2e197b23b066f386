/**
 * The pool's bookkeeping: which connections are open, idle or leased, who waits for one, and
 * when connections are opened, handed out, retired or dropped.
 *
 * @module
 */

import type { Client } from "../client.ts";
import { ConnectionError, PostgresError, TimeoutError } from "../errors.ts";
import { closedError, isHealthy } from "./listener.ts";

/** The pool settings the bookkeeping uses (documented on `PoolOptions`). */
export interface SlotSettings {
  /** Most connections open at once. */
  max?: number;
  /** Connections kept open even when idle. */
  min?: number;
  /** ms before an idle connection is closed (0: never). */
  idleTimeout?: number;
  /** ms (±10%) before a connection is retired (0: never). */
  maxLifetime?: number;
  /** ms an acquire waits before a TimeoutError (0: no limit). */
  acquireTimeout?: number;
}

/** A connection of the pool. */
export interface Member {
  client: Client;
  /** When it is retired (ms since the epoch; Infinity for never). */
  expiresAt: number;
  /** Closes it once idle too long or past its lifetime. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A caller waiting for a connection. */
interface Waiter {
  resolve(member: Member): void;
  reject(error: unknown): void;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`${name} must be a non-negative number, got ${v}`);
  }
  return v;
}

/**
 * A server refusing or dropping a connection attempt for operational reasons (shutdown,
 * `pg_terminate_backend`, not accepting connections yet) is a connection failure to the caller:
 * nothing of theirs ran.
 */
function asAttemptError(err: unknown): unknown {
  if (err instanceof PostgresError && (err.code.startsWith("57") || err.code.startsWith("08"))) {
    return new ConnectionError(`Cannot open a pool connection: ${err.message} (${err.code})`, {
      cause: err,
      retrySafe: true,
    });
  }
  return err;
}

/**
 * Up to `max` connections: handed out healthy, taken back, dropped when broken, past their
 * lifetime or idle too long, and replaced on demand.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * import { Slots } from "./slots.ts";
 * const config = "postgres://app@localhost/app";
 * const slots = new Slots(() => connect(config), { max: 5 });
 * const member = await slots.acquire(undefined);
 * try { await member.client.query("select 1"); } finally { slots.release(member); }
 * ```
 */
export class Slots {
  readonly #connect: () => Promise<Client>;
  readonly #max: number;
  readonly #min: number;
  readonly #idleTimeout: number;
  readonly #maxLifetime: number;
  readonly #acquireTimeout: number;
  /** Open connections, leased or idle. */
  readonly #members = new Set<Member>();
  /** Idle connections; the most recently released last (taken first, so extras go idle). */
  readonly #idle: Member[] = [];
  readonly #waiters: Waiter[] = [];
  /** Connection attempts under way. */
  #opening = 0;
  readonly #closing = new Set<Promise<void>>();
  #closed = false;
  #drained: (() => void) | undefined;

  /**
   * @param connect Opens a connection with the pool's settings.
   * @param options Sizes and time limits.
   * @throws {RangeError} for a bad setting.
   */
  constructor(connect: () => Promise<Client>, options: SlotSettings) {
    this.#connect = connect;
    const max = options.max ?? 10;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`max must be a positive integer, got ${max}`);
    }
    const min = options.min ?? 0;
    if (!Number.isInteger(min) || min < 0 || min > max) {
      throw new RangeError(`min must be an integer from 0 to max (${max}), got ${min}`);
    }
    this.#max = max;
    this.#min = min;
    this.#idleTimeout = nonNegative("idleTimeout", options.idleTimeout, 30_000);
    this.#maxLifetime = nonNegative("maxLifetime", options.maxLifetime, 1_800_000);
    this.#acquireTimeout = nonNegative("acquireTimeout", options.acquireTimeout, 30_000);
    this.#grow();
  }

  /** Open connections, leased or idle. */
  get total(): number {
    return this.#members.size;
  }
  /** Open connections nobody holds. */
  get idle(): number {
    return this.#idle.length;
  }
  /** Callers waiting for a connection. */
  get waiting(): number {
    return this.#waiters.length;
  }
  /** Connection attempts under way. */
  get opening(): number {
    return this.#opening;
  }
  /** Whether {@link Slots.drain} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A healthy connection for the caller's exclusive use, now or once one is free.
   *
   * @param signal Ends the wait (rejecting with its reason).
   * @throws {TimeoutError} after `acquireTimeout`; {ConnectionError} when closed or when the
   * attempt this caller counted on failed.
   */
  acquire(signal: AbortSignal | undefined): Promise<Member> {
    if (this.#closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const member = this.#takeIdle();
    if (member !== undefined) return Promise.resolve(member);
    return new Promise<Member>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const giveUp = (error: unknown): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i < 0) return;
        this.#waiters.splice(i, 1);
        waiter.reject(error);
      };
      const onAbort = (): void => giveUp(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const ms = this.#acquireTimeout;
      if (ms > 0) {
        timer = setTimeout(() => {
          giveUp(
            new TimeoutError(`No pool connection became free within ${ms} ms`, "acquire", ms),
          );
        }, ms);
      }
      this.#waiters.push(waiter);
      this.#grow();
    });
  }

  /** A healthy idle connection, dropping broken and expired ones on the way. */
  #takeIdle(): Member | undefined {
    for (let m = this.#idle.pop(); m !== undefined; m = this.#idle.pop()) {
      this.#clearTimer(m);
      if (isHealthy(m.client) && Date.now() < m.expiresAt) return m;
      this.#discard(m);
    }
    return undefined;
  }

  /**
   * Opens connections for callers no attempt under way will serve, and up to `min`, within
   * `max`.
   */
  #grow(): void {
    if (this.#closed) return;
    const room = this.#max - this.#members.size - this.#opening;
    const forWaiters = this.#waiters.length - this.#opening;
    const forMin = this.#min - this.#members.size - this.#opening;
    const n = Math.min(room, Math.max(forWaiters, forMin));
    for (let i = 0; i < n; i++) this.#open();
  }

  #open(): void {
    this.#opening++;
    this.#connect().then((client) => {
      this.#opening--;
      const lifetime = this.#maxLifetime;
      const member: Member = {
        client,
        expiresAt: lifetime > 0 ? Date.now() + lifetime * (0.9 + 0.2 * Math.random()) : Infinity,
        timer: undefined,
      };
      this.#members.add(member);
      if (this.#closed) this.#discard(member);
      else this.#hand(member);
      this.#checkDrained();
    }, (err) => {
      this.#opening--;
      // The oldest caller counted on this attempt: it learns why at once rather than hanging.
      this.#waiters.shift()?.reject(asAttemptError(err));
      if (this.#waiters.length > 0) this.#grow(); // Not for `min` alone: no retry loop.
      this.#checkDrained();
    });
  }

  /** Gives a healthy connection to the oldest waiter, or makes it idle. */
  #hand(member: Member): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(member);
      return;
    }
    this.#idle.push(member);
    this.#armIdle(member);
  }

  #armIdle(member: Member): void {
    const untilExpiry = member.expiresAt - Date.now();
    const keep = this.#members.size <= this.#min;
    const untilIdle = this.#idleTimeout > 0 && !keep ? this.#idleTimeout : Infinity;
    const delay = Math.min(untilExpiry, untilIdle);
    if (delay === Infinity) return;
    member.timer = setTimeout(() => {
      member.timer = undefined;
      const i = this.#idle.indexOf(member);
      if (i < 0) return;
      this.#idle.splice(i, 1);
      this.#discard(member);
    }, Math.max(0, delay));
  }

  #clearTimer(member: Member): void {
    if (member.timer !== undefined) clearTimeout(member.timer);
    member.timer = undefined;
  }

  /** A connection comes back: reused if healthy, idle and within its lifetime, else closed. */
  release(member: Member): void {
    if (!this.#members.has(member)) return;
    const reusable = !this.#closed && isHealthy(member.client) &&
      member.client.transactionStatus === "I" && Date.now() < member.expiresAt;
    if (reusable) {
      this.#hand(member);
      return;
    }
    this.#discard(member);
    this.#checkDrained();
  }

  /** Drops a connection from the pool and closes it; a replacement opens if one is needed. */
  #discard(member: Member): void {
    this.#clearTimer(member);
    this.#members.delete(member);
    const closing = member.client.close().catch(() => {});
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
    this.#grow(); // For a waiter, or to stay at `min`.
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#members.size === 0 && this.#opening === 0) {
      this.#drained();
    }
  }

  /**
   * Refuses new callers and those waiting, closes idle connections at once and the others as
   * they come back; settles once every connection is closed.
   */
  async drain(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError());
    for (const member of this.#idle.splice(0)) this.#discard(member);
    const drained = new Promise<void>((resolve) => this.#drained = resolve);
    this.#checkDrained();
    await drained;
    await Promise.all(this.#closing);
  }
}
