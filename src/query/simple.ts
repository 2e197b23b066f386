/**
 * A simple-protocol Query as a request in the connection's FIFO: one result per statement,
 * decoded with the type codecs (the simple protocol always returns text).
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { Request } from "../connection/connection.ts";
import { rowCountOf } from "../connection/connection.ts";
import type { BackendMessage } from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import type { CodecLookup } from "../types/codec.ts";
import { commandOf, type QueryResult, type RowMode, serverError } from "./extended.ts";
import { decodeRowValues, makeRowPlan, rowObject, type RowPlan } from "./row_plan.ts";

/** What a simple request reports to. */
export interface SimpleCallbacks {
  /** Answers CopyInResponse. */
  refuseCopyIn: () => void;
  /** Receives the results at ReadyForQuery. */
  resolve: (results: QueryResult<unknown>[]) => void;
  /** Receives the first error at ReadyForQuery, or a connection failure. */
  reject: (error: Error) => void;
}

/** Collects the results of one Query message. */
export class SimpleRequest implements Request {
  readonly #text: string;
  readonly #rowMode: RowMode;
  readonly #lookup: CodecLookup;
  readonly #cb: SimpleCallbacks;
  readonly #results: QueryResult<unknown>[] = [];
  #plan: RowPlan | undefined;
  #rows: unknown[] = [];
  #error: Error | undefined;

  /**
   * @param text The SQL text.
   * @param rowMode Row shape.
   * @param lookup Codecs.
   * @param callbacks Where the outcome goes.
   */
  constructor(text: string, rowMode: RowMode, lookup: CodecLookup, callbacks: SimpleCallbacks) {
    this.#text = text;
    this.#rowMode = rowMode;
    this.#lookup = lookup;
    this.#cb = callbacks;
  }

  onMessage(msg: BackendMessage): void {
    switch (msg.type) {
      case "RowDescription":
        this.#plan = makeRowPlan(msg.fields, [], this.#lookup);
        this.#rows = [];
        return;
      case "DataRow": {
        if (this.#error !== undefined) return;
        const plan = this.#plan;
        if (plan === undefined) {
          this.#error = new ProtocolError("DataRow without RowDescription");
          return;
        }
        try {
          const values = decodeRowValues(msg as DataRow, plan);
          this.#rows.push(this.#rowMode === "array" ? values : rowObject(values, plan));
        } catch (err) {
          this.#error = err instanceof Error ? err : new TypeError(String(err));
        }
        return;
      }
      case "CommandComplete":
        this.#push(msg.tag);
        return;
      case "EmptyQueryResponse":
        this.#push("");
        return;
      case "ErrorResponse":
        this.#error ??= serverError(msg, this.#text);
        return;
      case "CopyInResponse":
        this.#cb.refuseCopyIn();
        return;
      case "CopyOutResponse":
        this.#error ??= new TypeError("COPY TO STDOUT cannot run through simpleQuery()");
        return;
      case "CopyData":
      case "CopyDone":
        return;
      case "ReadyForQuery":
        if (this.#error !== undefined) this.#cb.reject(this.#error);
        else this.#cb.resolve(this.#results);
        return;
      default:
        // No place in this exchange: the stream cannot be trusted further (the connection fails).
        throw new ProtocolError(`Unexpected ${msg.type} message in a simple query`);
    }
  }

  onFailure(error: Error): void {
    this.#cb.reject(error);
  }

  #push(tag: string): void {
    this.#results.push({
      command: commandOf(tag),
      tag,
      rowCount: rowCountOf(tag),
      rows: this.#rows,
      fields: this.#plan?.fields ?? [],
    });
    this.#plan = undefined;
    this.#rows = [];
  }
}
