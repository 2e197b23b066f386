/**
 * The vocabulary of a session shared by the connection and the layers around it: its states,
 * what set-up learned, its time limits, and the request interface of the FIFO.
 *
 * @module
 */

import type {
  BackendMessage,
  FieldDescription,
  NoticeFields,
  TransactionStatus,
} from "../protocol/messages.ts";
import type { HostEntry } from "../config.ts";
import type { TlsInfo } from "../transport/transport.ts";
import type { Wire } from "./wire.ts";

/**
 * libpq's connection states, in the order a connection passes through them.
 *
 * @example Watching a connection being set up
 * ```ts
 * import { connect, type ConnectionState } from "@pgline/pgline";
 * const states: ConnectionState[] = [];
 * await using db = await connect("postgres://app@localhost/app", {
 *   onState: (state) => states.push(state),
 * });
 * console.log(states.join(" → "), db.state); // ... → CONNECTION_OK CONNECTION_OK
 * ```
 */
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

/**
 * One result of a simple query with raw text values: each statement in the text gives one.
 *
 * @example Raw text results of several statements
 * ```ts
 * import type { Client, SimpleResult } from "@pgline/pgline";
 * declare const db: Client;
 * const results: SimpleResult[] = await db.connection.simpleQuery("select 1; select 'a', null");
 * console.log(results[1]?.rows); // [["a", null]]
 * ```
 */
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
  /**
   * Opens a new channel to the same server the same way (TLS when this connection uses it), for a
   * CancelRequest; with `tcpOnly`, just the TCP connection (a reachability probe).
   */
  reopen?: (signal: AbortSignal, tcpOnly: boolean) => Promise<Wire>;
}

/** Time limits of a session, in milliseconds. */
export interface SessionTimeouts {
  /** How long a cancel may take to connect and be confirmed. */
  cancelTimeout: number;
  /**
   * After a cancel was delivered, how long the server may stay silent before the connection is
   * presumed dead.
   */
  cancelGrace: number;
  /**
   * Dead-peer detection while replies are awaited: after `idle` ms of silence the server is probed
   * (a new TCP connection to it) every `interval` ms; after `count` failed probes in a row the
   * connection fails. Undefined turns it off.
   */
  keepalive: { idle: number; interval: number; count: number } | undefined;
}

/** Limits used when set-up gives none. */
export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  cancelTimeout: 10_000,
  cancelGrace: 10_000,
  keepalive: { idle: 60_000, interval: 10_000, count: 3 },
};

/** Work waiting, unsent, for the holder of the connection to let go. */
export interface Waiting {
  /** The lane it belongs to. */
  lane: Lane | undefined;
  /** Sends it. */
  run: () => void;
}

/** The reason to reject with when `signal` aborted. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** Lets a timer not keep the process alive (Deno, Node and Bun differ). */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}

/**
 * A request in the FIFO: it receives every reply that is not asynchronous, up to and including
 * its ReadyForQuery.
 */
export interface Request {
  /**
   * A reply for this request. ReadyForQuery is the last one it gets. A returned promise pauses
   * reading from the server until it settles (back-pressure, e.g. for a slow COPY consumer).
   */
  onMessage(message: BackendMessage): void | Promise<void>;
  /**
   * The request failed without a ReadyForQuery: the connection failed (a ConnectionError whose
   * `retrySafe` is true when nothing of this request reached the server), or its messages could
   * not be encoded (nothing was sent).
   */
  onFailure(error: Error): void;
}

/**
 * Identifies who may write while the connection is held: a transaction, or a portal being read a
 * batch at a time. Requests from anyone else wait, unsent, until it is released.
 */
export type Lane = object;

/** The row count at the end of a command tag (`INSERT 0 5` → 5), or undefined. */
export function rowCountOf(tag: string): number | undefined {
  const space = tag.lastIndexOf(" ");
  if (space < 0) return undefined;
  const count = Number(tag.slice(space + 1));
  return Number.isInteger(count) ? count : undefined;
}
