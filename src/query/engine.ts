/**
 * Queries on one connection: the extended protocol with automatic pipelining and a cache of named
 * prepared statements (or unnamed statements only, for PgBouncer's transaction mode), the simple
 * protocol, and portals read a batch at a time.
 *
 * @module
 */

import { PostgresError } from "../errors.ts";
import { abortReason, type Connection, type Lane } from "../connection/connection.ts";
import { FRAMES } from "../protocol/frontend.ts";
import type { FrontendMessage, WireValue } from "../protocol/messages.ts";
import type { TypeRegistry } from "../types/registry.ts";
import { isAmbiguousParam, resultFormats, serializeParam } from "../types/params.ts";
import { checkTimeout, type Deadline, deadlineFor, guard } from "./deadline.ts";
import { ExtendedRequest, type Outcome, type QueryResult, type RowMode } from "./extended.ts";
import { type PreparedStatement, StatementCache } from "./statement_cache.ts";
import { SimpleRequest } from "./simple.ts";

const SYNC: FrontendMessage = { type: "Sync" };
const FLUSH: FrontendMessage = { type: "Flush" };

/**
 * Options of one query.
 *
 * @example Arrays, a time limit and a signal
 * ```ts
 * import type { Client, QueryOptions } from "@pgline/pgline";
 * declare const db: Client;
 * const controller = new AbortController();
 * const options: QueryOptions = {
 *   rowMode: "array",
 *   queryTimeout: 5_000,
 *   signal: controller.signal,
 * };
 * const { rows } = await db.query<[number, string]>("select 1, 'one'", [], options);
 * console.log(rows[0]); // [1, "one"]
 * ```
 */
export interface QueryOptions {
  /**
   * Rows as objects keyed by column name, or as arrays in column order.
   *
   * @default {"object"}
   */
  rowMode?: RowMode;
  /**
   * Gives up on the query: queued, it is dropped unsent; running, it is cancelled on the server
   * (a CancelRequest). Either way the promise rejects with the signal's reason at once, and the
   * connection stays usable.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds before the query is given up as with `signal`, rejecting with a
   * {@link TimeoutError}; counted from the call, so time spent queued counts. Overrides the
   * client's `queryTimeout`; 0 means none.
   */
  queryTimeout?: number;
}

/** Engine settings. */
export interface EngineOptions {
  /** Named statements kept per connection; 0 uses unnamed statements only. */
  statementCacheSize: number;
  /** Default time limit of a query in ms (0: none). */
  queryTimeout?: number;
}

/** Where an exchange stands before it is sent. */
type Mode =
  | { kind: "prepare-and-run"; statement: PreparedStatement }
  | { kind: "run-pending"; statement: PreparedStatement }
  | { kind: "run-described"; statement: PreparedStatement }
  | { kind: "unnamed"; paramOids: number[] | undefined };

/** Hooks a stream gives an exchange. */
interface StreamHooks {
  batchSize: number;
  /** The request, once made (to cancel it). */
  request?: ExtendedRequest;
  onRow: (row: unknown) => void;
  onBatchEnd: (suspended: boolean) => void;
}

/** Runs queries on one connection. */
export class QueryEngine {
  readonly connection: Connection;
  readonly types: TypeRegistry;
  readonly #cache: StatementCache | undefined;
  /** Call stacks for errors, per `sql` template call site. */
  readonly templateOrigins: WeakMap<TemplateStringsArray, Error> = new WeakMap();
  /** Call stacks for errors, per query text (the first caller's). */
  readonly textOrigins: Map<string, Error> = new Map();
  /** Statements to Close with the next extended exchange (evicted or invalidated). */
  #closes: string[] = [];
  /** Parameter types of texts run unnamed, learned when a parameter was ambiguous. */
  readonly #unnamedParamTypes = new Map<string, number[]>();
  /** Default time limit of a query in ms (0: none). */
  queryTimeout: number;

  /**
   * @param connection The session.
   * @param types Codecs.
   * @param options Cache size.
   */
  constructor(connection: Connection, types: TypeRegistry, options: EngineOptions) {
    this.connection = connection;
    this.types = types;
    this.#cache = options.statementCacheSize > 0
      ? new StatementCache(options.statementCacheSize)
      : undefined;
    checkTimeout("queryTimeout", options.queryTimeout);
    this.queryTimeout = options.queryTimeout ?? 0;
  }

  /**
   * The signal for one call: the caller's, a timer's, or both; undefined (no cost) when neither.
   *
   * @param useDefault Whether the client's `queryTimeout` applies (not to streams).
   */
  deadline(options: QueryOptions | undefined, useDefault = true): Deadline | undefined {
    return deadlineFor(options, useDefault ? this.queryTimeout : 0);
  }

  /** Forgets every cached statement (e.g. after `DISCARD ALL`). */
  forgetStatements(): void {
    this.#cache?.clear();
    this.#unnamedParamTypes.clear();
  }

  /**
   * Runs one statement with the extended protocol.
   *
   * @param text SQL with `$1`... placeholders.
   * @param values Parameter values.
   * @param options Row shape.
   * @param lane The transaction it belongs to, if any.
   * @returns The result.
   * @throws {PostgresError} from the server; {ConnectionError}; a codec's error for a value.
   */
  query(
    text: string,
    values: readonly unknown[],
    options: QueryOptions | undefined,
    lane: Lane | undefined,
  ): Promise<QueryResult<unknown>> {
    const rowMode = options?.rowMode ?? "object";
    const deadline = options === undefined && this.queryTimeout === 0
      ? undefined
      : this.deadline(options);
    const signal = deadline?.signal;
    const settle = async (
      attempt: number,
      mode: Mode,
      sent: Promise<Outcome>,
    ): Promise<QueryResult<unknown>> => {
      const outcome = await sent;
      if (outcome.error === undefined) return outcome.result;
      if (attempt === 0 && !signal?.aborted && this.#shouldReprepare(outcome, mode)) {
        const again = await this.#sendHeld(text, values, rowMode, lane, signal);
        return settle(1, again.mode, again.sent);
      }
      throw this.#explain(outcome.error, mode);
    };
    // The common case decides and sends at once, so calls go out in the order they were made.
    const mode = this.#quickMode(text, values);
    const run = mode !== undefined
      ? settle(0, mode, this.#exchange(text, values, mode, rowMode, lane, undefined, signal))
      : this.#sendHeld(text, values, rowMode, lane, signal).then((s) => settle(0, s.mode, s.sent));
    return deadline === undefined ? run : guard(run, deadline);
  }

  /**
   * Sends a statement that needs the server's parameter types first. The connection is held
   * while they are fetched, so calls made after this one still go out after it.
   */
  async #sendHeld(
    text: string,
    values: readonly unknown[],
    rowMode: RowMode,
    lane: Lane | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ mode: Mode; sent: Promise<Outcome> }> {
    const hold: Lane = {};
    await this.connection.acquire(hold, lane, signal);
    try {
      const mode = await this.#mode(text, values, hold, signal);
      return { mode, sent: this.#exchange(text, values, mode, rowMode, hold, undefined, signal) };
    } finally {
      this.connection.release(hold);
    }
  }

  /** The mode when it can be decided without a round trip, else undefined. */
  #quickMode(text: string, values: readonly unknown[]): Mode | undefined {
    const cache = this.#cache;
    if (cache === undefined) {
      const paramOids = this.#unnamedParamTypes.get(text);
      if (paramOids === undefined && values.some(isAmbiguousParam)) return undefined;
      return { kind: "unnamed", paramOids };
    }
    const statement = cache.get(text);
    if (statement?.described) return { kind: "run-described", statement };
    // Only a statement not yet described needs the server's types for an ambiguous value.
    if (values.some(isAmbiguousParam)) return undefined;
    if (statement !== undefined) return { kind: "run-pending", statement };
    return { kind: "prepare-and-run", statement: this.#create(text) };
  }

  /** Caches a new statement; one evicted to make room is closed with the next exchange. */
  #create(text: string): PreparedStatement {
    const { statement, evicted } = this.#cache!.create(text);
    if (evicted !== undefined) this.#closes.push(evicted.name);
    return statement;
  }

  /** Queues the pending Close messages (their CloseComplete goes to an extended request). */
  #writeCloses(): void {
    if (this.#closes.length === 0) return;
    for (const name of this.#closes) this.connection.write({ type: "Close", target: "S", name });
    this.#closes = [];
  }

  /**
   * Runs SQL text with the simple protocol: several statements give several results.
   *
   * @throws {PostgresError} for the first statement that failed (later ones did not run).
   */
  simple(
    text: string,
    options: QueryOptions | undefined,
    lane: Lane | undefined,
  ): Promise<QueryResult<unknown>[]> {
    const deadline = this.deadline(options);
    const run = new Promise<QueryResult<unknown>[]>((resolve, reject) => {
      const request = new SimpleRequest(text, options?.rowMode ?? "object", this.types, {
        refuseCopyIn: () => this.#refuseCopyIn(true),
        resolve,
        reject,
      });
      this.connection.submit(
        request,
        () => this.connection.write({ type: "Query", sql: text }),
        lane,
        deadline?.signal,
      );
    });
    return deadline === undefined ? run : guard(run, deadline);
  }

  /**
   * Reads a query's rows a batch at a time through a portal, holding the connection meanwhile.
   *
   * @param batchSize Rows per Execute.
   * @returns An async iterator of rows; breaking out of the loop closes the portal.
   */
  async *stream(
    text: string,
    values: readonly unknown[],
    options: (QueryOptions & { batchSize?: number }) | undefined,
    lane: Lane | undefined,
  ): AsyncGenerator<unknown, void, undefined> {
    const batchSize = options?.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    const deadline = this.deadline(options, false);
    const signal = deadline?.signal;
    const streamLane: Lane = {};
    try {
      await this.connection.acquire(streamLane, lane, signal);
    } catch (err) {
      deadline?.done();
      throw err;
    }
    let buffer: unknown[] = [];
    let wake: (() => void) | undefined;
    let suspended = false;
    let ended = false;
    let synced = false;
    const hooks: StreamHooks = {
      batchSize,
      onRow: (row) => buffer.push(row),
      onBatchEnd: (s) => {
        suspended = s;
        ended = !s;
        wake?.();
      },
    };
    let done: Promise<Outcome> | undefined;
    const sync = (closePortal: boolean): void => {
      if (synced) return;
      synced = true;
      if (closePortal) this.connection.write({ type: "Close", target: "P", name: "" });
      this.connection.writeRaw(FRAMES.Sync, SYNC);
      this.connection.flushSoon();
      this.connection.release(streamLane);
    };
    const onAbort = (): void => {
      // A batch being produced is cancelled; a suspended portal only needs closing.
      if (!suspended && !ended && hooks.request !== undefined) {
        this.connection.cancelWhenRunning(hooks.request);
      }
      wake?.();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const mode = await this.#mode(text, values, streamLane, signal);
      done = this.#exchange(
        text,
        values,
        mode,
        options?.rowMode ?? "object",
        streamLane,
        hooks,
        undefined,
      );
      done.catch(() => {}); // Awaited below; a failure also wakes the loop.
      done.then(() => {
        ended = true;
        wake?.();
      }, () => {
        ended = true;
        wake?.();
      });
      for (;;) {
        if (signal?.aborted) throw abortReason(signal);
        if (buffer.length === 0 && !ended && !suspended) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        if (buffer.length > 0) {
          const rows = buffer;
          buffer = [];
          for (const row of rows) yield row;
          continue;
        }
        if (ended) break;
        if (suspended) {
          suspended = false;
          this.connection.write({ type: "Execute", portal: "", maxRows: batchSize });
          this.connection.writeRaw(FRAMES.Flush, FLUSH);
          this.connection.flushSoon();
        }
      }
      sync(false);
      const outcome = await done;
      if (outcome.error !== undefined) throw this.#explain(outcome.error, mode);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      deadline?.done();
      if (!synced) {
        sync(done !== undefined);
        if (done !== undefined) await done.catch(() => {});
      }
      this.connection.release(streamLane);
    }
  }

  /** Decides how to run `text`, fetching the server's parameter types first when needed. */
  async #mode(
    text: string,
    values: readonly unknown[],
    lane: Lane | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Mode> {
    const quick = this.#quickMode(text, values);
    if (quick !== undefined) return quick;
    // An ambiguous value and no parameter types yet.
    const cache = this.#cache;
    if (cache === undefined) {
      const paramOids = await this.#describeUnnamed(text, lane, signal);
      if (this.#unnamedParamTypes.size >= 256) this.#unnamedParamTypes.clear();
      this.#unnamedParamTypes.set(text, paramOids);
      return { kind: "unnamed", paramOids };
    }
    let statement = cache.get(text);
    if (statement === undefined) {
      statement = this.#create(text);
      await this.#prepareOnly(statement, lane, signal);
    } else {
      await statement.whenDescribed();
    }
    return { kind: "run-described", statement };
  }

  /** Parse + Describe + Sync for a statement whose parameter types decide how values are sent. */
  #prepareOnly(
    statement: PreparedStatement,
    lane: Lane | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = new ExtendedRequest(
        {
          preparing: statement,
          statement: undefined,
          preferredFormats: false,
          rowMode: "array",
          lookup: this.types,
          text: statement.text,
          refuseCopyIn: () => this.#refuseCopyIn(false),
        },
        (outcome) => {
          if (outcome.error === undefined) resolve();
          else {
            this.#cache?.delete(statement);
            reject(outcome.error);
          }
        },
        (error) => {
          this.#cache?.delete(statement);
          reject(error);
        },
      );
      this.connection.submit(
        request,
        () => {
          const c = this.connection;
          this.#writeCloses();
          c.write({
            type: "Parse",
            name: statement.name,
            query: statement.text,
            parameterTypes: [],
          });
          c.write({ type: "Describe", target: "S", name: statement.name });
          c.writeRaw(FRAMES.Sync, SYNC);
        },
        lane,
        signal,
      );
    });
  }

  /** Parse + Describe of the unnamed statement, for its parameter types. */
  #describeUnnamed(
    text: string,
    lane: Lane | undefined,
    signal: AbortSignal | undefined,
  ): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const request: ExtendedRequest = new ExtendedRequest(
        {
          preparing: undefined,
          statement: undefined,
          preferredFormats: false,
          rowMode: "array",
          lookup: this.types,
          text,
          refuseCopyIn: () => this.#refuseCopyIn(false),
        },
        (outcome) => {
          if (outcome.error === undefined) resolve(request.parameterTypes ?? []);
          else reject(outcome.error);
        },
        reject,
      );
      this.connection.submit(
        request,
        () => {
          const c = this.connection;
          this.#writeCloses();
          c.write({ type: "Parse", name: "", query: text, parameterTypes: [] });
          c.write({ type: "Describe", target: "S", name: "" });
          c.writeRaw(FRAMES.Sync, SYNC);
        },
        lane,
        signal,
      );
    });
  }

  /** Sends one exchange and resolves with its outcome at ReadyForQuery. */
  #exchange(
    text: string,
    values: readonly unknown[],
    mode: Mode,
    rowMode: RowMode,
    lane: Lane | undefined,
    stream: StreamHooks | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    // Values are serialized before anything is queued, so a bad value sends nothing.
    const paramOids = mode.kind === "run-described"
      ? mode.statement.paramOids
      : mode.kind === "unnamed"
      ? mode.paramOids
      : undefined;
    const parameters: WireValue[] = new Array(values.length);
    const parameterFormats: number[] = new Array(values.length);
    let anyBinary = false;
    for (let i = 0; i < values.length; i++) {
      const s = serializeParam(values[i], paramOids?.[i] ?? 0, this.types);
      parameters[i] = s.value;
      parameterFormats[i] = s.format;
      if (s.format === 1) anyBinary = true;
    }
    let resultFormatCodes: number[] = [];
    let preferred = false;
    if (mode.kind === "run-described") {
      const st = mode.statement;
      const formats = st.resultFormats ??
        (st.fields ? resultFormats(st.fields.map((f) => f.typeOid), this.types) : []);
      st.resultFormats = formats;
      resultFormatCodes = formats;
      preferred = true;
    }
    const statementName = mode.kind === "unnamed" ? "" : mode.statement.name;
    return new Promise((resolve, reject) => {
      const request = new ExtendedRequest(
        {
          preparing: mode.kind === "prepare-and-run" ? mode.statement : undefined,
          statement: mode.kind === "unnamed" ? undefined : mode.statement,
          preferredFormats: preferred,
          rowMode,
          lookup: this.types,
          text,
          refuseCopyIn: () => this.#refuseCopyIn(false),
          onRow: stream?.onRow,
          onBatchEnd: stream?.onBatchEnd,
        },
        (outcome) => {
          if (outcome.error !== undefined && mode.kind === "prepare-and-run") {
            const st = mode.statement;
            if (!st.described) this.#cache?.delete(st);
          }
          resolve(outcome);
        },
        (error) => {
          if (mode.kind === "prepare-and-run") this.#cache?.delete(mode.statement);
          reject(error);
        },
      );
      if (stream !== undefined) stream.request = request;
      this.connection.submit(
        request,
        () => {
          const c = this.connection;
          this.#writeCloses();
          if (mode.kind === "prepare-and-run") {
            c.write({ type: "Parse", name: statementName, query: text, parameterTypes: [] });
            c.write({ type: "Describe", target: "S", name: statementName });
          } else if (mode.kind === "unnamed") {
            c.write({
              type: "Parse",
              name: "",
              query: text,
              parameterTypes: mode.paramOids ?? [],
            });
          }
          c.write({
            type: "Bind",
            portal: "",
            statement: statementName,
            parameterFormats: anyBinary ? parameterFormats : [],
            parameters,
            resultFormats: resultFormatCodes,
          });
          if (mode.kind === "unnamed") c.write({ type: "Describe", target: "P", name: "" });
          if (stream === undefined) {
            c.write({ type: "Execute", portal: "", maxRows: 0 });
            c.writeRaw(FRAMES.Sync, SYNC);
          } else {
            c.write({ type: "Execute", portal: "", maxRows: stream.batchSize });
            c.writeRaw(FRAMES.Flush, FLUSH);
          }
        },
        lane,
        signal,
      );
    });
  }

  /** A cached plan changed result type, or the statement vanished: prepare it again, once. */
  #shouldReprepare(outcome: Outcome, mode: Mode): boolean {
    const error = outcome.error;
    if (!(error instanceof PostgresError) || mode.kind === "unnamed") return false;
    if (outcome.status !== "I") return false; // Inside a transaction, now aborted.
    const st = mode.statement;
    const changed = error.code === "0A000" && error.message.includes("cached plan must not change");
    const vanished = error.code === "26000" && st.parseError === undefined;
    if (!changed && !vanished) return false;
    this.#cache?.delete(st);
    if (changed) this.#closes.push(st.name); // It still exists on the server.
    return true;
  }

  /** The error to raise: a Parse error for requests that were pipelined behind it. */
  #explain(error: Error, mode: Mode): Error {
    if (
      error instanceof PostgresError && error.code === "26000" && mode.kind !== "unnamed" &&
      mode.statement.parseError !== undefined
    ) {
      return mode.statement.parseError;
    }
    return error;
  }

  /** Answers CopyInResponse: the query API does not send COPY data. */
  #refuseCopyIn(simple: boolean): void {
    const c = this.connection;
    c.write({ type: "CopyFail", message: "use copyFrom() for COPY FROM STDIN" });
    // During COPY the server ignored our Sync; after CopyFail it waits for another.
    if (!simple) c.writeRaw(FRAMES.Sync, SYNC);
    c.flushSoon();
  }
}
