/**
 * A simple-protocol query whose values stay raw text: what set-up checks and catalog loading use
 * before (or without) the type codecs.
 *
 * @module
 */

import { PostgresError, ProtocolError } from "../errors.ts";
import type { BackendMessage } from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import { noticeToErrorFields } from "./auth.ts";
import { type Request, rowCountOf, type SimpleResult } from "./session.ts";

/** Collects the results of one Query message as raw text rows. */
export class RawSimpleRequest implements Request {
  readonly #sql: string;
  readonly #resolve: (results: SimpleResult[]) => void;
  readonly #reject: (error: Error) => void;
  readonly #refuseCopyIn: () => void;
  readonly #results: SimpleResult[] = [];
  #current: SimpleResult | undefined;
  #error: Error | undefined;

  /**
   * @param sql The text, for errors.
   * @param resolve Gets the results at ReadyForQuery.
   * @param reject Gets the first error.
   * @param refuseCopyIn Answers a CopyInResponse (this request has no data to send).
   */
  constructor(
    sql: string,
    resolve: (results: SimpleResult[]) => void,
    reject: (error: Error) => void,
    refuseCopyIn: () => void,
  ) {
    this.#sql = sql;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#refuseCopyIn = refuseCopyIn;
  }

  onMessage(msg: BackendMessage): void {
    switch (msg.type) {
      case "RowDescription":
        this.#current = { command: "", rowCount: undefined, fields: msg.fields, rows: [] };
        break;
      case "DataRow":
        if (this.#current === undefined) {
          this.#error ??= new ProtocolError("DataRow without RowDescription");
        } else this.#current.rows.push((msg as DataRow).values());
        break;
      case "CommandComplete": {
        const result = this.#current ?? { command: "", rowCount: undefined, fields: [], rows: [] };
        result.command = msg.tag;
        result.rowCount = rowCountOf(msg.tag);
        this.#results.push(result);
        this.#current = undefined;
        break;
      }
      case "EmptyQueryResponse":
        this.#results.push({ command: "", rowCount: undefined, fields: [], rows: [] });
        break;
      case "ErrorResponse": {
        const e = new PostgresError(noticeToErrorFields(msg.fields));
        e.query = this.#sql;
        this.#error ??= e;
        break;
      }
      case "CopyInResponse":
        this.#refuseCopyIn();
        break;
      case "ReadyForQuery":
        if (this.#error !== undefined) this.#reject(this.#error);
        else this.#resolve(this.#results);
        break;
      default:
        break; // CopyOutResponse/CopyData/CopyDone: drained
    }
  }

  onFailure(error: Error): void {
    this.#reject(error);
  }
}
