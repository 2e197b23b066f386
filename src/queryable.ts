/**
 * The query API shared by a client and a transaction: `query`, the `sql` tagged template,
 * `stream`, `simpleQuery` and nested `transaction`s. Errors carry the caller's stack.
 *
 * @module
 */

import { ConnectionError, PostgresError } from "./errors.ts";
import type { Lane } from "./connection/connection.ts";
import type { QueryEngine, QueryOptions } from "./query/engine.ts";
import type { QueryResult } from "./query/extended.ts";
import type { CopyOptions, CopySource } from "./query/copy.ts";
import { copyFrom } from "./query/copy_from.ts";
import { copyTo } from "./query/copy_to.ts";
import { makeSqlTag, type Row, type SqlTag, type StreamOptions } from "./sql_query.ts";
import { compileFragment, type SqlFragmentSource } from "./sql/mod.ts";

/**
 * Options of {@link Queryable.transaction}.
 *
 * @example A consistent read-only report
 * ```ts
 * import type { Client, TransactionOptions } from "@pgline/pgline";
 * declare const db: Client;
 * const options: TransactionOptions = {
 *   isolationLevel: "serializable",
 *   readOnly: true,
 *   deferrable: true,
 * };
 * const totals = await db.transaction(
 *   (tx) => tx.sql`select account, sum(amount) from ledger group by 1`,
 *   options,
 * );
 * ```
 */
export interface TransactionOptions {
  /** `ISOLATION LEVEL` of the transaction (ignored for a nested savepoint). */
  isolationLevel?: "read uncommitted" | "read committed" | "repeatable read" | "serializable";
  /** `READ ONLY` (true) or `READ WRITE` (false); the server's default when absent. */
  readOnly?: boolean;
  /** `DEFERRABLE` (true) or `NOT DEFERRABLE` (false); only matters for serializable read-only. */
  deferrable?: boolean;
}

/** Gives an error the stack of the call that started the query, so it points at user code. */
function withCallerStack(error: unknown, origin: Error): unknown {
  if (!(error instanceof Error)) return error;
  const frames = origin.stack;
  if (frames === undefined) return error;
  const firstNewline = frames.indexOf("\n");
  const callerFrames = firstNewline < 0 ? "" : frames.slice(firstNewline);
  try {
    Object.defineProperty(error, "stack", {
      value: `${error.name}: ${error.message}${callerFrames}`,
      writable: true,
      configurable: true,
    });
  } catch {
    // A frozen error keeps its own stack.
  }
  return error;
}

/** Copies a server error so that errors shared by pipelined queries get their own stacks. */
function ownError(error: unknown): unknown {
  if (error instanceof PostgresError) {
    const copy = new PostgresError(error, { cause: error.cause });
    if (error.query !== undefined) copy.query = error.query;
    return copy;
  }
  return error;
}

/**
 * What a client and a transaction have in common.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * await using db = await connect();
 * const { rows } = await db.query("select $1::int + 1 as n", [41]);
 * console.log(rows[0]?.n); // 42
 * ```
 */
export abstract class Queryable {
  /**
   * The engine.
   *
   * @internal
   * @ignore
   */
  protected readonly engine: QueryEngine;
  /**
   * The lane this handle writes in (undefined for the client itself).
   *
   * @internal
   * @ignore
   */
  protected readonly lane: Lane | undefined;
  /**
   * Savepoint depth: 0 for a client, 1 for a transaction, more for savepoints.
   *
   * @internal
   * @ignore
   */
  protected readonly depth: number;
  #finished = false;
  /** The `sql` tagged template bound to this client or transaction. */
  readonly sql: SqlTag;

  /**
   * Created by `connect` and `transaction` only.
   *
   * @internal
   * @ignore
   */
  constructor(engine: QueryEngine, lane: Lane | undefined, depth: number) {
    this.engine = engine;
    this.lane = lane;
    this.depth = depth;
    this.sql = makeSqlTag(this, engine.templateOrigins);
  }

  /**
   * Marks this handle unusable (its transaction ended).
   *
   * @internal
   * @ignore
   */
  protected finish(): void {
    this.#finished = true;
  }

  #check(): void {
    if (this.#finished) {
      throw new ConnectionError("This transaction has ended; use the client", { retrySafe: true });
    }
  }

  /**
   * Runs one statement with the extended protocol (Parse/Bind/Execute), pipelined with whatever
   * else is in flight on the connection.
   *
   * @param text SQL with `$1`, `$2`, ... placeholders, or a `sql` fragment.
   * @param values Parameter values (JS values serialized by the parameter's type).
   * @param options Row shape (`rowMode: "array"`).
   * @returns Rows, fields, command and row count.
   * @throws {PostgresError} when the server reports an error (its stack points here).
   * @throws {ConnectionError} when the connection fails.
   * @throws {TypeError|RangeError} when a value cannot be sent or a result cannot be read.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * const { rows } = await db.query("select $1::int + 1 as n", [41]); // [{ n: 42 }]
   * ```
   */
  query<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    if (typeof text !== "string") {
      const origin = new Error("query");
      const compiled = compileFragment(text);
      return this.runQuery<R>(compiled.text, compiled.values, options, origin);
    }
    return this.runQuery<R>(text, values ?? [], options, this.#originOf(text));
  }

  /**
   * The call stack to give this text's errors. Capturing one costs about a microsecond, as much
   * as the rest of sending a pipelined query, so it is taken at the first call with a text and
   * reused (a text nearly always comes from one call site).
   */
  #originOf(text: string): Error {
    const origins = this.engine.textOrigins;
    let origin = origins.get(text);
    if (origin === undefined) {
      if (origins.size >= 512) origins.clear();
      origin = new Error("query");
      origins.set(text, origin);
    }
    return origin;
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
      this.#check();
    } catch (err) {
      return Promise.reject(withCallerStack(err, origin));
    }
    return this.engine.query(text, values, options, this.lane).then(
      (r) => r as QueryResult<R>,
      (err) => {
        throw withCallerStack(ownError(err), origin);
      },
    );
  }

  /**
   * Runs SQL text with the simple query protocol: no parameters, and several statements give
   * several results (values arrive as text and are decoded by type).
   *
   * @param text One or more statements.
   * @param options Row shape.
   * @returns One result per statement.
   * @throws {PostgresError} for the first failing statement (the later ones were not run).
   */
  simpleQuery<R = Row>(text: string, options?: QueryOptions): Promise<QueryResult<R>[]> {
    const origin = new Error("simpleQuery");
    try {
      this.#check();
    } catch (err) {
      return Promise.reject(withCallerStack(err, origin));
    }
    return this.engine.simple(text, options, this.lane).then(
      (r) => r as QueryResult<R>[],
      (err) => {
        throw withCallerStack(err, origin);
      },
    );
  }

  /**
   * Streams a query's rows in constant memory: a portal is read `batchSize` rows at a time, and
   * the next batch is fetched only when the loop asks for it. The connection is held meanwhile
   * (other queries on it wait); breaking out of the loop closes the portal.
   *
   * @param text SQL or a `sql` fragment.
   * @param values Parameter values.
   * @param options Batch size and row shape.
   * @returns An async iterable of rows.
   * @throws {PostgresError} from the server, raised by the loop.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * for await (const row of db.stream("select * from generate_series(1, 1e7) i")) {}
   * ```
   */
  stream<R = Row>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: StreamOptions,
  ): AsyncIterable<R> {
    const origin = new Error("stream");
    let compiled = { text: "", values: [] as readonly unknown[] };
    if (typeof text === "string") compiled = { text, values: values ?? [] };
    else compiled = compileFragment(text);
    const check = (): void => this.#check();
    const engine = this.engine;
    const lane = this.lane;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          check();
          for await (const row of engine.stream(compiled.text, compiled.values, options, lane)) {
            yield row as R;
          }
        } catch (err) {
          throw withCallerStack(ownError(err), origin);
        }
      },
    };
  }

  /**
   * Runs `fn` in a transaction: BEGIN, then COMMIT when it returns, ROLLBACK when it throws. Inside
   * a transaction this makes a savepoint (released on success, rolled back to on a throw). Until
   * it ends, other queries on the client wait unsent, so use `tx` inside `fn`.
   *
   * @param fn The work; receives the transaction handle.
   * @param options Isolation level, read only, deferrable.
   * @returns What `fn` returned.
   * @throws what `fn` threw (after the rollback), or the COMMIT's error.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * await db.transaction(async (tx) => {
   *   await tx.sql`update accounts set balance = balance - ${10} where id = ${1}`;
   *   await tx.sql`update accounts set balance = balance + ${10} where id = ${2}`;
   * }, { isolationLevel: "serializable" });
   * ```
   */
  async transaction<T>(
    fn: (tx: Transaction) => T | Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    this.#check();
    const lane: Lane = {};
    const depth = this.depth + 1;
    const savepoint = depth > 1 ? `pgline_savepoint_${depth - 1}` : undefined;
    await this.engine.connection.acquire(lane, this.lane);
    const tx = new Transaction(this.engine, lane, depth);
    try {
      await this.engine.simple(
        savepoint ? `SAVEPOINT ${savepoint}` : beginSql(options),
        undefined,
        lane,
      );
    } catch (err) {
      this.engine.connection.release(lane);
      throw err;
    }
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      tx.finish();
      const undo = this.engine.simple(
        savepoint
          ? `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`
          : "ROLLBACK",
        undefined,
        lane,
      );
      this.engine.connection.release(lane);
      await undo.catch(() => {}); // The original error matters more; a dead connection says so later.
      throw err;
    }
    tx.finish();
    const done = this.engine.simple(
      savepoint ? `RELEASE SAVEPOINT ${savepoint}` : "COMMIT",
      undefined,
      lane,
    );
    this.engine.connection.release(lane);
    const [commit] = await done;
    if (commit?.command === "ROLLBACK") {
      throw new PostgresError({
        severity: "ERROR",
        code: "25P02",
        message: "Transaction was rolled back at COMMIT because a statement in it had failed",
      });
    }
    return result;
  }

  // COPY (issue 5) -->
  /**
   * Runs `COPY ... FROM STDIN`, sending `source` as its data with back-pressure (the source is
   * read only as fast as the server takes it). Other queries on the connection wait until the
   * data is sent, so the source must not wait on this same client (read another client's
   * `copyTo()`, not this one's). If the source throws, CopyFail is sent, nothing is copied, and
   * the promise rejects with the source's error; the connection stays usable.
   *
   * @param sql One `COPY table [(columns)] FROM STDIN [WITH (...)]` statement.
   * @param source A `ReadableStream`, an iterable or async iterable of `Uint8Array` or string
   * chunks (strings are sent as UTF-8), or one chunk; chunks may split rows anywhere.
   * @param options `signal`: aborting sends CopyFail and rejects with the signal's reason.
   * @returns The number of rows copied.
   * @throws {PostgresError} from the server (e.g. SQLSTATE 22P02 for a malformed value).
   * @throws what the source threw, or the signal's reason.
   * @throws {TypeError} for a source of the wrong type, or SQL that is not a COPY FROM STDIN.
   * @throws {ConnectionError} when the connection fails.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * async function* rows() {
   *   for (let i = 0; i < 1000; i++) yield `${i}\tname ${i}\n`;
   * }
   * const n = await db.copyFrom("copy people (id, name) from stdin", rows()); // 1000
   * ```
   */
  copyFrom(sql: string, source: CopySource, options?: CopyOptions): Promise<number> {
    const origin = new Error("copyFrom");
    try {
      this.#check();
    } catch (err) {
      return Promise.reject(withCallerStack(err, origin));
    }
    return copyFrom(this.engine.connection, this.lane, sql, source, options).catch((err) => {
      // The server's errors point here; the source's own errors keep their stacks.
      throw err instanceof PostgresError ? withCallerStack(err, origin) : err;
    });
  }

  /**
   * Runs `COPY ... TO STDOUT` and returns its data as a stream with back-pressure: the client
   * reads from the server only while the stream's queue (256 KiB) has room. Until the stream is
   * read to its end or cancelled, other queries on the connection wait. Cancelling it (or
   * aborting `signal`) cancels the COPY on the server and drops the rest of its data; the
   * connection stays usable.
   *
   * @param sql One `COPY table|(query) TO STDOUT [WITH (...)]` statement.
   * @param options `signal`: aborting errors the stream with the signal's reason.
   * @returns The data in chunks of up to about 64 KiB, not aligned to rows.
   * @throws {ConnectionError} when this transaction has ended; the stream errors with a
   * {@link PostgresError} from the server, a `TypeError` for SQL that is not a COPY TO STDOUT,
   * or a {@link ConnectionError}.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * const data = db.copyTo("copy people to stdout (format csv)");
   * await data.pipeTo((await Deno.create("people.csv")).writable);
   * ```
   */
  copyTo(sql: string, options?: CopyOptions): ReadableStream<Uint8Array> {
    this.#check();
    return copyTo(this.engine.connection, this.lane, sql, options);
  }
  // <-- COPY (issue 5)
}

function beginSql(options: TransactionOptions | undefined): string {
  let text = "BEGIN";
  const parts: string[] = [];
  const level = options?.isolationLevel;
  if (level !== undefined) {
    const allowed = ["read uncommitted", "read committed", "repeatable read", "serializable"];
    if (!allowed.includes(level)) throw new RangeError(`Unknown isolation level "${level}"`);
    parts.push(`ISOLATION LEVEL ${level.toUpperCase()}`);
  }
  if (options?.readOnly !== undefined) parts.push(options.readOnly ? "READ ONLY" : "READ WRITE");
  if (options?.deferrable !== undefined) {
    parts.push(options.deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  }
  if (parts.length > 0) text += " " + parts.join(", ");
  return text;
}

/**
 * A transaction (or a savepoint within one): the same query API as the client, valid until the
 * callback of {@link Queryable.transaction} returns.
 *
 * @example
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * await db.transaction(async (tx) => {
 *   await tx.query("insert into t values ($1)", [1]);
 *   await tx.transaction(async (sp) => { await sp.query("insert into t values ($1)", [2]); });
 * });
 * ```
 */
export class Transaction extends Queryable {
  /** Nesting depth: 1 for the transaction, 2+ for savepoints. */
  get level(): number {
    return this.depth;
  }
}
