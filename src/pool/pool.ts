/**
 * A connection pool: up to `max` connections shared by many callers, each query or transaction
 * on a connection of its own. Connections broken by the server or the network are dropped (only
 * the work on them fails) and replaced on demand; idle ones are closed after `idleTimeout`, and
 * every one is retired after about `maxLifetime`.
 *
 * @module
 */

import {
  type Client,
  type ConnectClientOptions,
  connectWith,
  type RuntimeSource,
} from "../client.ts";
import type { ConnectOptions } from "../config.ts";
import type { NotificationHandler, Subscription } from "../listen.ts";
import type { QueryOptions } from "../query/engine.ts";
import type { QueryResult } from "../query/extended.ts";
import type { Transaction, TransactionOptions } from "../queryable.ts";
import {
  makeSqlTag,
  type QueryRunner,
  type Row,
  type SqlTag,
  type StreamOptions,
} from "../sql_query.ts";
import type { SqlFragmentSource } from "../sql/mod.ts";
import { PoolLease } from "./lease.ts";
import { closedError, PoolListener } from "./listener.ts";
import { Slots } from "./slots.ts";

/**
 * Pool settings, and the client settings every connection is opened with.
 *
 * @example A pool for a web server
 * ```ts
 * import { createPool, type PoolOptions } from "@pgline/pgline";
 * const options: PoolOptions = {
 *   max: 20,
 *   min: 2,
 *   idleTimeout: 60_000,
 *   acquireTimeout: 5_000,
 *   queryTimeout: 30_000, // a client setting, applied to every connection
 * };
 * await using pool = createPool("postgres://app@localhost/app", options);
 * ```
 */
export interface PoolOptions extends Omit<ConnectClientOptions, "idleTimeout"> {
  /**
   * Most connections open at once (not counting the one `listen` uses).
   *
   * @default {10}
   */
  max?: number;
  /**
   * Connections kept open even when idle; opened at start and after connections are dropped.
   *
   * @default {0}
   */
  min?: number;
  /**
   * An idle connection is closed after this many ms unused (0: never).
   *
   * @default {30000}
   */
  idleTimeout?: number;
  /**
   * A connection is retired (closed when next released or idle) after about this many ms: each
   * one gets a lifetime drawn within ±10% of it, so they do not all reconnect at once. 0: never.
   *
   * @default {1800000}
   */
  maxLifetime?: number;
  /**
   * How long `acquire` (and every pool query) waits for a free connection before failing with a
   * `TimeoutError` of kind `"acquire"` (0: no limit).
   *
   * @default {30000}
   */
  acquireTimeout?: number;
  /**
   * How often (ms) the connection `listen` uses runs `select 1` while idle, so that a server that
   * vanished without closing it is noticed and the connection re-opened (0: never).
   *
   * @default {30000}
   */
  listenHeartbeat?: number;
}

/**
 * The state of a pool's listening connection (see {@link Pool.listenerStatus}).
 *
 * @example Checking the listening connection
 * ```ts
 * import type { ListenerStatus, Pool } from "@pgline/pgline";
 * declare const pool: Pool;
 * await using sub = await pool.listen("jobs", (payload) => console.log(payload));
 * const status: ListenerStatus | undefined = pool.listenerStatus;
 * console.log(status?.processId, status?.reconnects, status?.channels); // 4242 0 ["jobs"]
 * ```
 */
export interface ListenerStatus {
  /** Backend process ID of the listening session while it is up, else undefined. */
  processId: number | undefined;
  /** How many times it was re-opened after dying. */
  reconnects: number;
  /** Channels with at least one handler. */
  channels: string[];
}

/**
 * Options of {@link Pool.acquire}.
 *
 * @example Waiting at most a second for a connection
 * ```ts
 * import type { AcquireOptions, Pool } from "@pgline/pgline";
 * declare const pool: Pool;
 * const options: AcquireOptions = { signal: AbortSignal.timeout(1_000) };
 * using lease = await pool.acquire(options);
 * await lease.query("select 1");
 * ```
 */
export interface AcquireOptions {
  /** Gives up waiting: the wait ends and the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * A pool of connections. `query`, `sql`, `simpleQuery` and `stream` each take a connection for
 * the duration of the call; `transaction` for the transaction; `acquire` until released. Work on
 * a connection that breaks fails with a `ConnectionError` whose `retrySafe` says whether it may
 * be sent again; it is never retried behind the caller's back.
 *
 * @example
 * ```ts
 * import { createPool } from "@pgline/pgline";
 * await using pool = createPool("postgres://app@localhost/app", { max: 20 });
 * const users = await pool.sql`select * from users where id = ${7}`;
 * await pool.transaction(async (tx) => {
 *   await tx.sql`insert into audit (what) values (${"login"})`;
 * });
 * ```
 */
export class Pool implements QueryRunner {
  readonly #connect: () => Promise<Client>;
  readonly #slots: Slots;
  #closed: Promise<void> | undefined;
  #listener: PoolListener | undefined;
  readonly #listenHeartbeat: number;
  /** Call stacks for errors, per `sql` template call site (shared with the leases). */
  readonly #origins = new WeakMap<TemplateStringsArray, Error>();
  /** The `sql` tagged template: each query runs on a connection of its own. */
  readonly sql: SqlTag;

  /**
   * Use {@link createPoolWith} or `createPool`.
   *
   * @internal
   * @ignore
   */
  constructor(connect: () => Promise<Client>, options: PoolOptions = {}) {
    this.#connect = connect;
    this.#slots = new Slots(connect, options);
    const heartbeat = options.listenHeartbeat ?? 30_000;
    if (!Number.isFinite(heartbeat) || heartbeat < 0) {
      throw new RangeError(`listenHeartbeat must be a non-negative number of ms, got ${heartbeat}`);
    }
    this.#listenHeartbeat = heartbeat;
    this.sql = makeSqlTag(this, this.#origins);
  }

  /** Open connections, leased or idle (not counting the listening one). */
  get total(): number {
    return this.#slots.total;
  }
  /** Open connections nobody holds. */
  get idle(): number {
    return this.#slots.idle;
  }
  /** Callers waiting for a connection. */
  get waiting(): number {
    return this.#slots.waiting;
  }
  /** Connection attempts under way. */
  get opening(): number {
    return this.#slots.opening;
  }

  /**
   * Takes a connection for exclusive use until the lease is released (or disposed of).
   *
   * @param options An abort signal for the wait.
   * @returns The lease.
   * @throws {TimeoutError} (kind `"acquire"`) when none became free within `acquireTimeout`.
   * @throws {ConnectionError} when the pool is closed (`retrySafe`), or the connection attempt
   * made for this call failed.
   * @throws the signal's reason when it aborts the wait.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * {
   *   using db = await pool.acquire({ signal: AbortSignal.timeout(1000) });
   *   await db.query("select 1");
   * }
   * ```
   */
  async acquire(options?: AcquireOptions): Promise<PoolLease> {
    const member = await this.#slots.acquire(options?.signal);
    return new PoolLease(member.client, () => this.#slots.release(member), this.#origins);
  }

  /** Runs `fn` with a connection of its own, giving it back after. */
  async #with<T>(signal: AbortSignal | undefined, fn: (client: Client) => Promise<T>): Promise<T> {
    const member = await this.#slots.acquire(signal);
    try {
      return await fn(member.client);
    } finally {
      this.#slots.release(member);
    }
  }

  /**
   * Runs one statement on a free connection (see `Client.query`). Query options are passed on
   * unchanged; an abort signal among them also ends the wait for a connection.
   *
   * @param text SQL with `$1`... placeholders, or a `sql` fragment.
   * @param values Parameter values.
   * @param options Row shape and the other query options.
   * @returns The result.
   * @throws {PostgresError} from the server.
   * @throws {ConnectionError} when the connection fails (see `retrySafe`) or the pool is closed.
   * @throws {TimeoutError} when no connection became free within `acquireTimeout`.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * const { rows } = await pool.query("select $1::int + 1 as n", [41]);
   * ```
   */
  query<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    return this.#with(options?.signal, (c) => c.query<R>(text, values, options));
  }

  /**
   * Runs a compiled query (for the `sql` tag).
   *
   * @internal
   * @ignore
   */
  runQuery<R>(
    text: string,
    values: readonly unknown[],
    options: QueryOptions | undefined,
    origin: Error,
  ): Promise<QueryResult<R>> {
    return this.#with(options?.signal, (c) => c.runQuery<R>(text, values, options, origin));
  }

  /**
   * Runs SQL text with the simple query protocol on a free connection.
   *
   * @param text One or more statements.
   * @param options Row shape.
   * @returns One result per statement.
   * @throws {PostgresError|ConnectionError|TimeoutError} as {@link Pool.query}.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * await pool.simpleQuery("create table if not exists t (id int)");
   * ```
   */
  simpleQuery<R = Row>(text: string, options?: QueryOptions): Promise<QueryResult<R>[]> {
    return this.#with(options?.signal, (c) => c.simpleQuery<R>(text, options));
  }

  /**
   * Streams a query's rows; the connection is held from the first row asked for until the loop
   * ends (or breaks).
   *
   * @param text SQL or a `sql` fragment.
   * @param values Parameter values.
   * @param options Batch size and row shape.
   * @returns An async iterable of rows.
   * @throws {PostgresError|ConnectionError|TimeoutError} from the loop.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * for await (const row of pool.stream("select * from generate_series(1, 1e6) i")) {}
   * ```
   */
  stream<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: StreamOptions,
  ): AsyncIterable<R> {
    const slots = this.#slots;
    const signal = options?.signal;
    return {
      async *[Symbol.asyncIterator]() {
        const member = await slots.acquire(signal);
        try {
          yield* member.client.stream<R>(text, values, options);
        } finally {
          slots.release(member);
        }
      },
    };
  }

  /**
   * Runs `fn` in a transaction on one connection, held until it ends (see `Client.transaction`).
   *
   * @param fn The work; receives the transaction handle.
   * @param options Isolation level, read only, deferrable.
   * @returns What `fn` returned.
   * @throws what `fn` threw (after the rollback), or the COMMIT's error.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * const id = await pool.transaction(async (tx) => {
   *   const [row] = await tx.sql`insert into jobs (name) values (${"x"}) returning id`;
   *   return row!.id;
   * });
   * ```
   */
  transaction<T>(
    fn: (tx: Transaction) => T | Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    return this.#with(undefined, (c) => c.transaction(fn, options));
  }

  /**
   * Calls `handler` for each notification on `channel`. All of the pool's subscriptions share one
   * dedicated connection (outside `max`); when it dies it is re-opened (waiting 100 ms, doubling
   * to 5 s between failed attempts) and every channel is listened to again. Notifications sent
   * while it is down are lost.
   *
   * @param channel The channel: an identifier, exact case.
   * @param handler Receives the payload and the whole notification.
   * @returns The subscription, once `LISTEN` is confirmed; dispose of it to stop.
   * @throws {ConnectionError} when the listening connection cannot be opened.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * await using sub = await pool.listen("jobs", (payload) => console.log(payload));
   * await pool.notify("jobs", "42");
   * ```
   */
  listen(channel: string, handler: NotificationHandler): Promise<Subscription> {
    if (this.#closed !== undefined) return Promise.reject(closedError());
    this.#listener ??= new PoolListener(this.#connect, this.#listenHeartbeat);
    return this.#listener.subscribe(channel, handler);
  }

  /**
   * Sends a notification (`select pg_notify($1, $2)`) from a free connection.
   *
   * @param channel The channel, exact case.
   * @param payload The payload (under 8000 bytes).
   * @throws {PostgresError|ConnectionError|TimeoutError} as {@link Pool.query}.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * await pool.notify("jobs", "42");
   * ```
   */
  async notify(channel: string, payload = ""): Promise<void> {
    await this.query("select pg_notify($1, $2)", [channel, payload]);
  }

  /** The dedicated listening connection's state, once `listen` has been called. */
  get listenerStatus(): ListenerStatus | undefined {
    const l = this.#listener;
    if (l === undefined) return undefined;
    return { processId: l.processId, reconnects: l.reconnects, channels: l.channels };
  }

  /**
   * Closes the pool: new work is refused at once (a `ConnectionError`, `retrySafe`), callers
   * still waiting for a connection get the same error, and the pool waits for leased connections
   * to come back and for queries in flight to finish before closing every connection. Safe to
   * call twice.
   *
   * @example
   * ```ts
   * import type { Pool } from "@pgline/pgline";
   * declare const pool: Pool;
   * await pool.close();
   * ```
   */
  close(): Promise<void> {
    return this.#closed ??= this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    await this.#slots.drain();
    await this.#listener?.close();
  }

  /** Closes the pool (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a pool with an explicit runtime. Most code calls `createPool` from `mod.ts`. No
 * connection is opened until one is needed (or `min` asks for some).
 *
 * @param runtime Transport and environment, or a function that loads them.
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Pool settings, and client settings for every connection.
 * @returns The pool.
 * @throws {RangeError} for a bad pool setting.
 *
 * @example A pool on the Node transport, whatever the runtime
 * ```ts
 * import { createPoolWith } from "@pgline/pgline";
 * import { nodeRuntime } from "@pgline/pgline/node";
 * await using pool = createPoolWith(nodeRuntime, "postgres://app@localhost/app", { max: 5 });
 * const { rows } = await pool.query("select 1 as one");
 * ```
 */
export function createPoolWith(
  runtime: RuntimeSource,
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  // The pool's own settings stay here; `idleTimeout` in particular means the pool's, not the
  // client's.
  const client: Record<string, unknown> = { ...options };
  const own = ["max", "min", "idleTimeout", "maxLifetime", "acquireTimeout", "listenHeartbeat"];
  for (const key of own) {
    delete client[key];
  }
  return new Pool(() => connectWith(runtime, config, client as ConnectClientOptions), options);
}
