/**
 * pgline: a zero-dependency PostgreSQL client and wire-protocol toolkit for Deno, Bun and Node.
 *
 * This is the Deno entry: `connect` uses Deno's sockets and environment. The protocol codec is at
 * `@pgline/pgline/protocol`.
 *
 * @example Connecting and running queries
 * ```ts ignore
 * import { connect } from "@pgline/pgline";
 * await using db = await connect("postgres://app@localhost/app?sslmode=verify-full");
 * const { rows } = await db.query("select $1::int + 1 as n", [41]); // [{ n: 42 }]
 * const id = 7;
 * const users = await db.sql`select * from users where id = ${id}`;
 * for await (const row of db.stream("select * from big")) console.log(row);
 * await db.transaction(async (tx) => {
 *   await tx.sql`update users set seen = now() where id = ${id}`;
 * });
 * ```
 *
 * @module
 */

import { type ConnectClientOptions, connectWith } from "./src/client.ts";
import type { ConnectOptions } from "./src/config.ts";
import type { Client } from "./src/client.ts";
import { denoConfigHost, denoTransport } from "./src/transport/deno.ts";
import { createPoolWith, type Pool, type PoolOptions } from "./src/pool/pool.ts";

/**
 * Opens a connection, with libpq's semantics for the configuration, TLS and authentication.
 *
 * @param config A URL (`postgres://user:pass@host:5432/db?sslmode=require`), a libpq keyword/value
 * string (`host=... dbname=...`), or an options object; gaps are filled from the `PG*`
 * environment variables, the service file and the password file, as libpq does.
 * @param options Client-side settings with no libpq keyword (`connectTimeout` in ms, a password
 * function, `onNotice`, `onTrace`, a transport); they override `config`.
 * @returns An open connection.
 * @throws {TypeError|RangeError|SyntaxError} for a bad configuration (the password is redacted).
 * @throws {PostgresError} when the server refuses (e.g. SQLSTATE 28P01, wrong password).
 * @throws {AuthenticationError} when the client refuses (bad server signature, channel binding).
 * @throws {ConnectionError} when no server could be reached.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@pgline/pgline";
 * const db = await connect({ host: "localhost", database: "app", user: "app" }, {
 *   password: async () => await fetchToken(),
 * });
 * await db.close();
 * ```
 */
export function connect(
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Client> {
  return connectWith({ transport: denoTransport, host: denoConfigHost() }, config, options);
}

/**
 * Creates a connection pool (see {@link Pool}): connections are opened on demand, up to `max`,
 * with the same configuration semantics as {@link connect}.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Pool settings (`max`, `min`, `idleTimeout`, `maxLifetime`, `acquireTimeout`)
 * and client settings for every connection.
 * @returns The pool; close it with `close()` or `await using`.
 * @throws {RangeError} for a bad pool setting.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@pgline/pgline";
 * await using pool = createPool("postgres://app@localhost/app", { max: 20, acquireTimeout: 5000 });
 * const [row] = await pool.sql`select count(*)::int as n from users`;
 * ```
 */
export function createPool(
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  return createPoolWith({ transport: denoTransport, host: denoConfigHost() }, config, options);
}

export { Client, type ConnectClientOptions, type Runtime } from "./src/client.ts";
export {
  type AcquireOptions,
  type ListenerStatus,
  Pool,
  type PoolOptions,
} from "./src/pool/pool.ts";
export { PoolLease } from "./src/pool/lease.ts";
export type { Notification, NotificationHandler, Subscription } from "./src/listen.ts";
export { Queryable, Transaction, type TransactionOptions } from "./src/queryable.ts";
export type { CopyChunk, CopyOptions, CopySource } from "./src/query/copy.ts";
export {
  type QueryRunner,
  type Row,
  SqlQuery,
  type SqlTag,
  type StreamOptions,
} from "./src/sql_query.ts";
export type { QueryOptions } from "./src/query/engine.ts";
export type { QueryResult, RowMode } from "./src/query/extended.ts";
export type { FieldInfo } from "./src/query/row_plan.ts";
export {
  type CompiledSql,
  compileFragment,
  identifier,
  inList,
  insertValues,
  isSqlFragmentSource,
  join,
  MAX_PARAMETERS,
  sql,
  SQL_FRAGMENT,
  SqlFragment,
  type SqlFragmentSource,
  unsafe,
  updateSet,
} from "./src/sql/mod.ts";
export type {
  Codec,
  CodecLookup,
  PgDate,
  PgInterval,
  PgRange,
  PgTimestamp,
  TypeOptions,
} from "./src/types/codec.ts";
export { TypeRegistry } from "./src/types/registry.ts";
export {
  SQLSTATE,
  type SqlState,
  sqlStateClass,
  type SqlStateName,
  sqlStateName,
} from "./src/sqlstate.ts";
export type { ClientOptions, ConnectOptions } from "./src/config.ts";
export type { Connection, ConnectionState, SimpleResult } from "./src/connection/connection.ts";
export type {
  Socket,
  TlsInfo,
  TlsOptions,
  Transport,
  TransportTarget,
} from "./src/transport/transport.ts";
export {
  AuthenticationError,
  ConnectionError,
  PostgresError,
  type PostgresErrorFields,
  ProtocolError,
  TimeoutError,
} from "./src/errors.ts";
