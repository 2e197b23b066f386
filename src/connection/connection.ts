/**
 * An established session: parameters the server reported, the cancel key, and a minimal simple
 * query. The extended protocol and the full query API build on this (issue 4).
 *
 * @module
 */

import { ConnectionError, PostgresError, ProtocolError } from "../errors.ts";
import type { FieldDescription, NoticeFields, TransactionStatus } from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import type { HostEntry } from "../config.ts";
import type { TlsInfo } from "../transport/transport.ts";
import { noticeToErrorFields } from "./auth.ts";
import type { Wire } from "./wire.ts";

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

/** One result of a simple query: each statement in the text gives one. */
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
}

/**
 * A connected session. Queries are serialized: each waits for the previous one's ReadyForQuery.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@pgline/pgline";
 * await using db = await connect("postgres://app@localhost/app");
 * const [result] = await db.simpleQuery("select current_user");
 * console.log(result?.rows);
 * ```
 */
export class Connection {
  readonly #wire: Wire;
  readonly #info: SessionInfo;
  #state: ConnectionState = "CONNECTION_OK";
  #queue: Promise<unknown> = Promise.resolve();

  /** @param wire The channel. @param info What set-up learned. */
  constructor(wire: Wire, info: SessionInfo) {
    this.#wire = wire;
    this.#info = info;
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
  /** Transaction status after the last query: I idle, T in a transaction, E failed transaction. */
  get transactionStatus(): TransactionStatus {
    return this.#info.transactionStatus;
  }

  /**
   * Runs SQL text with the simple query protocol. Several statements give several results.
   *
   * @param sql SQL text; no parameters (the extended protocol comes with the query layer).
   * @returns One result per statement.
   * @throws {PostgresError} for the first statement that failed (later ones were not run).
   * @throws {ConnectionError} if the connection fails.
   */
  simpleQuery(sql: string): Promise<SimpleResult[]> {
    const run = this.#queue.then(() => this.#simpleQuery(sql));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #simpleQuery(sql: string): Promise<SimpleResult[]> {
    if (this.#state !== "CONNECTION_OK") {
      throw new ConnectionError("Connection is closed", { retrySafe: true });
    }
    const results: SimpleResult[] = [];
    let current: SimpleResult | undefined;
    let error: PostgresError | undefined;
    try {
      await this.#wire.send({ type: "Query", sql });
      for (;;) {
        const msg = await this.#wire.receive();
        switch (msg.type) {
          case "RowDescription":
            current = { command: "", rowCount: undefined, fields: msg.fields, rows: [] };
            break;
          case "DataRow":
            if (current === undefined) throw new ProtocolError("DataRow without RowDescription");
            current.rows.push((msg as DataRow).values());
            break;
          case "CommandComplete": {
            const result = current ?? { command: "", rowCount: undefined, fields: [], rows: [] };
            result.command = msg.tag;
            const count = Number(msg.tag.slice(msg.tag.lastIndexOf(" ") + 1));
            result.rowCount = Number.isInteger(count) && msg.tag.includes(" ") ? count : undefined;
            results.push(result);
            current = undefined;
            break;
          }
          case "EmptyQueryResponse":
            results.push({ command: "", rowCount: undefined, fields: [], rows: [] });
            break;
          case "ErrorResponse":
            error = new PostgresError(noticeToErrorFields(msg.fields));
            error.query = sql;
            break;
          case "NoticeResponse":
            this.#info.onNotice?.(msg.fields);
            break;
          case "ParameterStatus":
            this.#info.parameters.set(msg.name, msg.value);
            break;
          case "NotificationResponse":
            break;
          case "CopyInResponse":
            await this.#wire.send({
              type: "CopyFail",
              message: "COPY FROM STDIN is not supported by query()",
            });
            break;
          case "CopyOutResponse":
          case "CopyData":
          case "CopyDone":
            break;
          case "ReadyForQuery":
            this.#info.transactionStatus = msg.status;
            if (error !== undefined) throw error;
            return results;
          default:
            throw new ProtocolError(`Unexpected ${msg.type} message in a simple query`);
        }
      }
    } catch (err) {
      if (!(err instanceof PostgresError)) this.#fail();
      throw err;
    }
  }

  #fail(): void {
    this.#state = "CONNECTION_BAD";
    this.#wire.close();
  }

  /** Sends Terminate and closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#state === "CONNECTION_BAD") return;
    this.#state = "CONNECTION_BAD";
    try {
      await this.#wire.send({ type: "Terminate" });
    } catch {
      // Already gone: nothing to tell the server.
    }
    this.#wire.close();
  }

  /** Closes the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
