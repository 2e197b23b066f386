/**
 * A pooled connection held for exclusive use ({@link PoolLease}).
 *
 * @module
 */

import type { Client } from "../client.ts";
import { ConnectionError } from "../errors.ts";
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

/**
 * One connection taken from a pool for exclusive use, with the client's query API. Give it back
 * with {@link PoolLease.release} or by disposal (`using`/`await using`); after that every call
 * throws. Settle its queries before releasing it: the next holder's queries are queued behind
 * whatever is still pending. Session state (`SET`, temporary tables, `LISTEN`) stays with the
 * connection; a connection released inside a transaction, or broken, is closed rather than
 * reused.
 *
 * @example
 * ```ts
 * import type { Pool } from "@pgline/pgline";
 * declare const pool: Pool;
 * {
 *   await using db = await pool.acquire();
 *   await db.query("set local statement_timeout = 1000");
 *   const rows = await db.sql`select * from jobs where id = ${7}`;
 * } // released here
 * ```
 */
export class PoolLease implements QueryRunner {
  #client: Client | undefined;
  readonly #onRelease: () => void;
  /** The `sql` tagged template, running on this connection. */
  readonly sql: SqlTag;

  /**
   * Created by `Pool.acquire` only.
   *
   * @internal
   * @ignore
   * @param origins The pool's call stacks by template, so each lease does not take them again.
   */
  constructor(
    client: Client,
    onRelease: () => void,
    origins: WeakMap<TemplateStringsArray, Error>,
  ) {
    this.#client = client;
    this.#onRelease = onRelease;
    this.sql = makeSqlTag(this, origins);
  }

  /**
   * The client underneath (process ID, parameters, raw connection).
   *
   * @throws {ConnectionError} after the lease was released.
   */
  get client(): Client {
    if (this.#client === undefined) {
      throw new ConnectionError("This pool connection was released; acquire another", {
        retrySafe: true,
      });
    }
    return this.#client;
  }

  /** Whether the connection went back to the pool. */
  get released(): boolean {
    return this.#client === undefined;
  }

  /**
   * Runs one statement (see `Client.query`).
   *
   * @param text SQL with `$1`... placeholders, or a `sql` fragment.
   * @param values Parameter values.
   * @param options Row shape and the other query options.
   * @returns The result.
   * @throws {PostgresError|ConnectionError} as `Client.query` does, and after release.
   *
   * @example
   * ```ts
   * import type { PoolLease } from "@pgline/pgline";
   * declare const lease: PoolLease;
   * const { rows } = await lease.query("select $1::int as n", [1]);
   * ```
   */
  query<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    try {
      return this.client.query<R>(text, values, options);
    } catch (err) {
      return Promise.reject(err);
    }
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
    try {
      return this.client.runQuery<R>(text, values, options, origin);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Runs SQL text with the simple query protocol (see `Client.simpleQuery`).
   *
   * @param text One or more statements.
   * @param options Row shape.
   * @returns One result per statement.
   * @throws {PostgresError|ConnectionError} as `Client.simpleQuery` does, and after release.
   */
  simpleQuery<R = Row>(text: string, options?: QueryOptions): Promise<QueryResult<R>[]> {
    try {
      return this.client.simpleQuery<R>(text, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Streams a query's rows (see `Client.stream`).
   *
   * @param text SQL or a `sql` fragment.
   * @param values Parameter values.
   * @param options Batch size and row shape.
   * @returns An async iterable of rows.
   * @throws {PostgresError|ConnectionError} from the loop.
   */
  stream<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: StreamOptions,
  ): AsyncIterable<R> {
    return this.client.stream<R>(text, values, options);
  }

  /**
   * Runs `fn` in a transaction on this connection (see `Client.transaction`).
   *
   * @param fn The work.
   * @param options Isolation level, read only, deferrable.
   * @returns What `fn` returned.
   * @throws what `fn` threw (after the rollback), or the COMMIT's error.
   */
  transaction<T>(
    fn: (tx: Transaction) => T | Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    try {
      return this.client.transaction(fn, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Gives the connection back to the pool. Safe to call twice. */
  release(): void {
    if (this.#client === undefined) return;
    this.#client = undefined;
    this.#onRelease();
  }

  /** Releases the connection (`using`). */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Releases the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}
