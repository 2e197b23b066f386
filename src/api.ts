/**
 * Everything pgline exports apart from `connect` and `createPool`, which each entry binds to its
 * runtime (`mod.ts` picks one on first use; `compat/node.ts` and `compat/bun.ts` bind their own).
 *
 * @module
 */

export {
  Client,
  type ConnectClientOptions,
  connectWith,
  type Runtime,
  type RuntimeSource,
} from "./client.ts";
export {
  type AcquireOptions,
  createPoolWith,
  type ListenerStatus,
  Pool,
  type PoolOptions,
} from "./pool/pool.ts";
export { PoolLease } from "./pool/lease.ts";
export type { Notification, NotificationHandler, Subscription } from "./listen.ts";
export { Queryable, Transaction, type TransactionOptions } from "./queryable.ts";
export type { CopyChunk, CopyOptions, CopySource } from "./query/copy.ts";
export {
  type QueryRunner,
  type Row,
  SqlQuery,
  type SqlTag,
  type StreamOptions,
} from "./sql_query.ts";
export type { QueryOptions } from "./query/engine.ts";
export type { QueryResult, RowMode } from "./query/extended.ts";
export type { FieldInfo } from "./query/row_plan.ts";
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
} from "./sql/mod.ts";
export type {
  Codec,
  CodecLookup,
  PgDate,
  PgInterval,
  PgRange,
  PgTimestamp,
  TypeOptions,
} from "./types/codec.ts";
export {
  formatPgDate,
  formatPgInterval,
  formatPgTimestamp,
  pgDateFromDate,
  pgDateToDate,
  pgTimestampFromDate,
  pgTimestampToDate,
} from "./types/datetime.ts";
export { TypeRegistry } from "./types/registry.ts";
export {
  SQLSTATE,
  type SqlState,
  sqlStateClass,
  type SqlStateName,
  sqlStateName,
} from "./sqlstate.ts";
export {
  type ChannelBinding,
  type ClientOptions,
  type ConfigHost,
  type ConnectOptions,
  type GssEncMode,
  type HostEntry,
  type LoadBalanceHosts,
  type NoticeHandler,
  type PasswordProvider,
  type ProtocolVersion,
  type SslCertMode,
  type SslMode,
  type SslNegotiation,
  staticConfigHost,
  type StaticConfigHostOptions,
  type StaticFile,
  type TargetSessionAttrs,
  type TlsVersion,
} from "./config.ts";
export type { Connection, ConnectionState, SimpleResult } from "./connection/connection.ts";
export type { TraceHandler } from "./connection/wire.ts";
export type {
  Socket,
  SocketOptions,
  TlsInfo,
  TlsOptions,
  TlsVerification,
  Transport,
  TransportCapabilities,
  TransportTarget,
} from "./transport/transport.ts";
export {
  AuthenticationError,
  ConnectionError,
  PostgresError,
  type PostgresErrorFields,
  ProtocolError,
  TimeoutError,
} from "./errors.ts";
