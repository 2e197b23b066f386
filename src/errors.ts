/**
 * The error classes pgline throws. Every failure a caller can see is one of these, or a
 * `TypeError`/`RangeError`/`SyntaxError` for a mistake in the configuration.
 *
 * @module
 */

/**
 * The peer broke the PostgreSQL protocol: a malformed, truncated, oversized or unexpected message.
 *
 * @example Catching a protocol error
 * ```ts
 * import { ProtocolError } from "@pgline/pgline";
 * const err = new ProtocolError("Cannot decode DataRow message: column 3 has length -2");
 * console.assert(err instanceof ProtocolError);
 * ```
 */
export class ProtocolError extends Error {
  /** Byte offset in the stream or message where the problem was found, when known. */
  readonly offset: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What failed and why.
   * @param offset Where in the input the problem was found.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, offset?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
    this.offset = offset;
  }
}

/**
 * An I/O failure: the connection could not be made, was closed, or timed out.
 *
 * @example Checking whether a retry is safe
 * ```ts
 * import { ConnectionError } from "@pgline/pgline";
 * const err = new ConnectionError("Connection refused", { retrySafe: true });
 * console.assert(err.retrySafe);
 * ```
 */
export class ConnectionError extends Error {
  /** True when the server cannot have executed the work that failed, so it may be sent again. */
  readonly retrySafe: boolean;

  /**
   * Creates the error; `retrySafe` defaults to false.
   *
   * @param message What failed and why.
   * @param options `retrySafe` and the standard `cause`.
   */
  constructor(message: string, options?: ErrorOptions & { retrySafe?: boolean }) {
    super(message, options);
    this.name = "ConnectionError";
    this.retrySafe = options?.retrySafe ?? false;
  }
}

/**
 * A time limit ran out: a query's `queryTimeout` (the query was cancelled on the server), a pool's
 * `acquireTimeout` (no connection became free), or a cancel the server did not confirm in time.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@pgline/pgline";
 * const err = new TimeoutError("Query timed out after 100 ms", "query", 100);
 * console.assert(err.kind === "query" && err.timeout === 100);
 * ```
 */
export class TimeoutError extends Error {
  /** Which limit ran out. */
  readonly kind: "query" | "acquire" | "cancel";
  /** The limit, in milliseconds. */
  readonly timeout: number;

  /**
   * Creates the error.
   *
   * @param message What timed out.
   * @param kind Which limit.
   * @param timeout The limit in milliseconds.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    kind: "query" | "acquire" | "cancel",
    timeout: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "TimeoutError";
    this.kind = kind;
    this.timeout = timeout;
  }
}

/**
 * The client refused to go on with authentication: a bad server signature, a channel binding
 * requirement that cannot be met, or a method that `require_auth` does not allow.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@pgline/pgline";
 * const err = new AuthenticationError("Server signature does not match");
 * console.assert(err.name === "AuthenticationError");
 * ```
 */
export class AuthenticationError extends Error {
  /**
   * Creates the error.
   *
   * @param message What failed and why.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthenticationError";
  }
}

/**
 * The fields of an ErrorResponse or NoticeResponse, named after their documented meaning.
 *
 * @example The fields of a unique violation
 * ```ts
 * import { PostgresError, type PostgresErrorFields } from "@pgline/pgline";
 * const fields: PostgresErrorFields = {
 *   severity: "ERROR",
 *   code: "23505",
 *   message: "duplicate key value violates unique constraint",
 *   table: "users",
 *   constraint: "users_email_key",
 * };
 * const err = new PostgresError(fields);
 * console.assert(err.code === "23505" && err.constraint === "users_email_key");
 * ```
 */
export interface PostgresErrorFields {
  /** `S`: ERROR, FATAL, PANIC (or WARNING, NOTICE... in a notice), possibly localized. */
  severity?: string;
  /** `V`: the severity, never localized (PostgreSQL 9.6+). */
  severityNonLocalized?: string;
  /** `C`: the SQLSTATE code. */
  code?: string;
  /** `M`: the primary human-readable message. */
  message?: string;
  /** `D`: optional secondary message. */
  detail?: string;
  /** `H`: optional suggestion. */
  hint?: string;
  /** `P`: 1-based character index into the query string. */
  position?: number;
  /** `p`: position into an internally generated command. */
  internalPosition?: number;
  /** `q`: the internally generated command. */
  internalQuery?: string;
  /** `W`: the context (call stack) in which the error occurred. */
  where?: string;
  /** `s`: schema name. */
  schema?: string;
  /** `t`: table name. */
  table?: string;
  /** `c`: column name. */
  column?: string;
  /** `d`: data type name. */
  dataType?: string;
  /** `n`: constraint name. */
  constraint?: string;
  /** `F`: source file name. */
  file?: string;
  /** `L`: source line number. */
  line?: string;
  /** `R`: source routine name. */
  routine?: string;
}

/**
 * An ErrorResponse sent by the server. `code` is the SQLSTATE.
 *
 * @example Reacting to a unique violation
 * ```ts
 * import { PostgresError } from "@pgline/pgline";
 * const err = new PostgresError({ severity: "ERROR", code: "23505", message: "duplicate key" });
 * if (err.code === "23505") console.log("already there");
 * ```
 */
export class PostgresError extends Error implements PostgresErrorFields {
  /** `S` field. */
  readonly severity: string;
  /** SQLSTATE (`C` field). */
  readonly code: string;
  /** `V` field. */
  readonly severityNonLocalized?: string;
  /** `D` field. */
  readonly detail?: string;
  /** `H` field. */
  readonly hint?: string;
  /** `P` field, as a number. */
  readonly position?: number;
  /** `p` field, as a number. */
  readonly internalPosition?: number;
  /** `q` field. */
  readonly internalQuery?: string;
  /** `W` field. */
  readonly where?: string;
  /** `s` field. */
  readonly schema?: string;
  /** `t` field. */
  readonly table?: string;
  /** `c` field. */
  readonly column?: string;
  /** `d` field. */
  readonly dataType?: string;
  /** `n` field. */
  readonly constraint?: string;
  /** `F` field. */
  readonly file?: string;
  /** `L` field. */
  readonly line?: string;
  /** `R` field. */
  readonly routine?: string;
  /** The query text that failed, when there was one. */
  query?: string;

  /**
   * Creates the error from its fields: the message becomes the error's message; `severity` and
   * `code` default to `ERROR` and `XX000`.
   *
   * @param fields The decoded ErrorResponse fields.
   * @param options Standard error options (`cause`).
   */
  constructor(fields: PostgresErrorFields, options?: ErrorOptions) {
    super(fields.message ?? "Unknown server error", options);
    this.name = "PostgresError";
    this.severity = fields.severity ?? "ERROR";
    this.code = fields.code ?? "XX000";
    for (const [key, value] of Object.entries(fields)) {
      if (key === "message" || key === "severity" || key === "code" || value === undefined) {
        continue;
      }
      Object.defineProperty(this, key, { value, enumerable: true });
    }
  }
}
