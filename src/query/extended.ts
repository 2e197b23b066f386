/**
 * One extended-protocol exchange (Parse?, Describe?, Bind, Describe?, Execute, Sync) as a request
 * in the connection's FIFO: it collects the replies into a result, keeps the statement cache's
 * description up to date, and settles at ReadyForQuery, so an error fails this query only.
 *
 * @module
 */

import { PostgresError, ProtocolError } from "../errors.ts";
import type { Request } from "../connection/connection.ts";
import { rowCountOf } from "../connection/connection.ts";
import { noticeToErrorFields } from "../connection/auth.ts";
import type { BackendMessage, FieldDescription, TransactionStatus } from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import type { CodecLookup } from "../types/codec.ts";
import {
  decodeRowValues,
  type FieldInfo,
  makeRowPlan,
  rowObject,
  type RowPlan,
} from "./row_plan.ts";
import type { PreparedStatement } from "./statement_cache.ts";

/**
 * How rows are returned.
 *
 * @example Rows as arrays
 * ```ts
 * import type { Client, RowMode } from "@pgline/pgline";
 * declare const db: Client;
 * const rowMode: RowMode = "array";
 * const { rows } = await db.query<unknown[]>("select 1, 'a'", [], { rowMode });
 * console.log(rows); // [[1, "a"]]
 * ```
 */
export type RowMode = "object" | "array";

/**
 * The outcome of one statement.
 *
 * @example Everything a statement returned
 * ```ts
 * import type { Client, QueryResult } from "@pgline/pgline";
 * declare const db: Client;
 * const result: QueryResult<{ id: number }> = await db.query<{ id: number }>(
 *   "insert into items (name) values ($1), ($2) returning id",
 *   ["a", "b"],
 * );
 * console.log(result.command, result.tag, result.rowCount); // INSERT INSERT 0 2 2
 * console.log(result.rows.map((r) => r.id), result.fields.map((f) => f.name));
 * ```
 */
export interface QueryResult<Row = Record<string, unknown>> {
  /** The command word of the tag: `SELECT`, `INSERT`, `UPDATE`, ... (empty for an empty query). */
  command: string;
  /** The whole command tag, e.g. `INSERT 0 3`. */
  tag: string;
  /** Rows affected or returned, when the tag has a count. */
  rowCount: number | undefined;
  /** The rows. */
  rows: Row[];
  /** Column metadata (empty for statements without rows). */
  fields: readonly FieldInfo[];
}

/** A finished exchange: the result, or the error to raise. */
export interface Outcome {
  /** The result when there was no error. */
  result: QueryResult<unknown>;
  /** The first error: a server error, a decode error, or a protocol surprise. */
  error: Error | undefined;
  /** Transaction status from this exchange's ReadyForQuery. */
  status: TransactionStatus;
}

const NO_FIELDS: readonly FieldInfo[] = Object.freeze([]);

/** Splits a command tag into its command word. */
export function commandOf(tag: string): string {
  const space = tag.indexOf(" ");
  return space < 0 ? tag : tag.slice(0, space);
}

/** Makes a PostgresError for an ErrorResponse, with the query text. */
export function serverError(fields: BackendMessage & { type: "ErrorResponse" }, query: string) {
  const e = new PostgresError(noticeToErrorFields(fields.fields));
  e.query = query;
  return e;
}

/** Options of one exchange. */
export interface ExchangeOptions {
  /** The statement being prepared by this exchange (its Describe 'S' replies fill it in). */
  preparing: PreparedStatement | undefined;
  /** The statement executed, when it was prepared earlier (rows use its plans). */
  statement: PreparedStatement | undefined;
  /** True when Bind asked for the statement's preferred formats (else all text). */
  preferredFormats: boolean;
  /** Row shape. */
  rowMode: RowMode;
  /** Codecs. */
  lookup: CodecLookup;
  /** The SQL text, for errors. */
  text: string;
  /** Called when a COPY FROM STDIN starts, to refuse it (the query API does not stream input). */
  refuseCopyIn: () => void;
  /** Per-row hook for streams: receives each decoded row instead of collecting it. */
  onRow?: ((row: unknown) => void) | undefined;
  /** Called at PortalSuspended (streams) and at the end of the rows. */
  onBatchEnd?: ((suspended: boolean) => void) | undefined;
}

/** Collects one exchange's replies; resolves at ReadyForQuery. */
export class ExtendedRequest implements Request {
  readonly #o: ExchangeOptions;
  readonly #resolve: (outcome: Outcome) => void;
  readonly #reject: (error: Error) => void;
  #plan: RowPlan | undefined;
  #rows: unknown[] = [];
  #tag = "";
  #error: Error | undefined;
  #paramOids: number[] | undefined;

  /**
   * @param options What the exchange is.
   * @param resolve Receives the outcome at ReadyForQuery.
   * @param reject Receives a connection failure.
   */
  constructor(
    options: ExchangeOptions,
    resolve: (outcome: Outcome) => void,
    reject: (error: Error) => void,
  ) {
    this.#o = options;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Rows collected so far (streams take them batch by batch). */
  takeRows(): unknown[] {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  /** Parameter types from a Describe of the statement, once received. */
  get parameterTypes(): number[] | undefined {
    return this.#paramOids;
  }

  /** The first error so far. */
  get error(): Error | undefined {
    return this.#error;
  }

  onMessage(msg: BackendMessage): void {
    switch (msg.type) {
      case "DataRow":
        this.#dataRow(msg as DataRow);
        return;
      case "ParseComplete":
      case "BindComplete":
      case "CloseComplete":
        return;
      case "ParameterDescription":
        this.#paramOids = msg.parameterTypes;
        return;
      case "RowDescription":
        this.#described(msg.fields);
        return;
      case "NoData":
        this.#described(null);
        return;
      case "CommandComplete":
        this.#tag = msg.tag;
        this.#o.onBatchEnd?.(false);
        return;
      case "EmptyQueryResponse":
        this.#o.onBatchEnd?.(false);
        return;
      case "PortalSuspended":
        this.#o.onBatchEnd?.(true);
        return;
      case "ErrorResponse": {
        const error = serverError(msg, this.#o.text);
        const preparing = this.#o.preparing;
        if (preparing !== undefined && !preparing.described) preparing.failed(error);
        this.#error ??= error;
        this.#o.onBatchEnd?.(false);
        return;
      }
      case "CopyInResponse":
        this.#o.refuseCopyIn();
        this.#error ??= new TypeError("COPY FROM STDIN cannot run through query(); use copyFrom()");
        return;
      case "CopyOutResponse":
        this.#error ??= new TypeError("COPY TO STDOUT cannot run through query(); use copyTo()");
        return;
      case "CopyData":
      case "CopyDone":
        return;
      case "ReadyForQuery":
        this.#finish(msg.status);
        return;
      default:
        // No place in this exchange: the stream cannot be trusted further (the connection fails).
        throw new ProtocolError(`Unexpected ${msg.type} message in an extended query`);
    }
  }

  onFailure(error: Error): void {
    const preparing = this.#o.preparing;
    if (preparing !== undefined && !preparing.described) preparing.failed(error);
    this.#o.onBatchEnd?.(false);
    this.#reject(error);
  }

  /** A RowDescription or NoData: for the statement being prepared, else for the portal. */
  #described(fields: FieldDescription[] | null): void {
    const preparing = this.#o.preparing;
    if (preparing !== undefined && !preparing.described && this.#paramOids !== undefined) {
      preparing.describedAs(this.#paramOids, fields);
      return;
    }
    // Describe of the portal: its format codes are the real ones.
    if (fields !== null) {
      this.#plan = makeRowPlan(fields, fields.map((f) => f.format), this.#o.lookup);
    }
  }

  #planForRows(): RowPlan {
    if (this.#plan !== undefined) return this.#plan;
    const st = this.#o.statement ?? this.#o.preparing;
    if (st === undefined || st.fields === undefined || st.fields === null) {
      throw new ProtocolError("DataRow without a row description");
    }
    if (this.#o.preferredFormats) {
      st.plan ??= makeRowPlan(st.fields, st.resultFormats ?? [], this.#o.lookup);
      this.#plan = st.plan;
    } else {
      st.textPlan ??= makeRowPlan(st.fields, [], this.#o.lookup);
      this.#plan = st.textPlan;
    }
    return this.#plan;
  }

  #dataRow(row: DataRow): void {
    if (this.#error !== undefined) return;
    try {
      const plan = this.#planForRows();
      const values = decodeRowValues(row, plan);
      const out = this.#o.rowMode === "array" ? values : rowObject(values, plan);
      if (this.#o.onRow !== undefined) this.#o.onRow(out);
      else this.#rows.push(out);
    } catch (err) {
      // A value the codec cannot read fails this query; the rest is drained to ReadyForQuery.
      this.#error = err instanceof Error ? err : new TypeError(String(err));
    }
  }

  #finish(status: TransactionStatus): void {
    const st = this.#o.statement ?? this.#o.preparing;
    const fields = this.#plan !== undefined || (st?.fields ?? null) !== null
      ? this.#planForRows().fields
      : NO_FIELDS;
    this.#resolve({
      result: {
        command: commandOf(this.#tag),
        tag: this.#tag,
        rowCount: rowCountOf(this.#tag),
        rows: this.#rows,
        fields,
      },
      error: this.#error,
      status,
    });
  }
}
