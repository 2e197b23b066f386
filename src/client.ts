/**
 * The client users hold: `connect` (independent of the runtime: the entry points `mod.ts` and
 * `compat/*` bind it to their transport and environment) and the {@link Client} it returns.
 *
 * @module
 */

import {
  type ClientOptions,
  type ConfigHost,
  type ConnectOptions,
  resolveConfig,
} from "./config.ts";
import type { Connection, ConnectionState } from "./connection/connection.ts";
import { establish, type EstablishOptions } from "./connection/establish.ts";
import type { TraceHandler } from "./connection/wire.ts";
import type { HostEntry } from "./config.ts";
import type { TlsInfo, Transport } from "./transport/transport.ts";
import type { TransactionStatus } from "./protocol/messages.ts";
import { QueryEngine } from "./query/engine.ts";
import { checkTimeout } from "./query/deadline.ts";
import { Queryable } from "./queryable.ts";
import type { TypeOptions } from "./types/codec.ts";
import { createTypeRegistry } from "./types/builtins.ts";
import type { TypeRegistry } from "./types/registry.ts";
import { ListenRegistry, type NotificationHandler, type Subscription } from "./listen.ts";

/**
 * Client-side options of {@link connectWith}: {@link ClientOptions} plus query and debug settings.
 *
 * @example Settings for a client behind PgBouncer
 * ```ts
 * import { connect, type ConnectClientOptions } from "@pgline/pgline";
 * const options: ConnectClientOptions = {
 *   statementCacheSize: 0, // PgBouncer in transaction mode
 *   queryTimeout: 10_000,
 *   types: { int8: "number", dates: "lossless" },
 *   onParameterStatus: (name, value) => console.log(`${name} is now ${value}`),
 * };
 * await using db = await connect("postgres://app@pgbouncer.internal/app", options);
 * ```
 */
export interface ConnectClientOptions extends ClientOptions {
  /** Sees every protocol message in both directions (`[F2B]`/`[B2F]`), e.g. for a wire trace. */
  onTrace?: TraceHandler;
  /** Sees each libpq-style state change of the set-up, per host. */
  onState?: (state: ConnectionState, host: HostEntry) => void;
  /** How int8, numeric, dates and json come back. */
  types?: TypeOptions;
  /**
   * Named prepared statements kept per connection (least recently used dropped first). 0 uses the
   * unnamed statement only: needed behind PgBouncer in transaction mode and similar poolers.
   *
   * @default {256}
   */
  statementCacheSize?: number;
  /** Called for each ParameterStatus the server sends after start-up (e.g. after a `SET`). */
  onParameterStatus?: (name: string, value: string) => void;
  /**
   * Default time limit of each query in ms, counted from the call (queued time counts): the query
   * is cancelled on the server and rejects with a `TimeoutError`. A query's own `queryTimeout`
   * overrides it; streams and COPY use only their own. 0 means none.
   *
   * @default {0}
   */
  queryTimeout?: number;
  /**
   * Closes the connection after it has been idle (nothing running or queued) this many ms, e.g.
   * so that a script can exit; later queries fail with a `ConnectionError` (`retrySafe`). 0 means
   * never.
   *
   * @default {0}
   */
  idleTimeout?: number;
}

/**
 * What a runtime supplies: a transport and access to its environment and files.
 *
 * @example The Node runtime with a fixed environment
 * ```ts
 * import { connectWith, type Runtime, staticConfigHost } from "@pgline/pgline";
 * import { nodeTransport } from "@pgline/pgline/node";
 * const runtime: Runtime = {
 *   transport: nodeTransport,
 *   host: staticConfigHost({ PGHOST: "db.internal", PGUSER: "app", PGDATABASE: "app" }),
 * };
 * await using db = await connectWith(runtime);
 * ```
 */
export interface Runtime {
  /** The default transport. */
  transport: Transport;
  /** Environment variables, files, home directory, user name. */
  host: ConfigHost;
}

/**
 * A runtime, or a function that loads one on first use (how the main entry picks the runtime's
 * adapter without loading the others).
 *
 * @example Loading the runtime on first connect
 * ```ts
 * import { connectWith, type RuntimeSource } from "@pgline/pgline";
 * const lazy: RuntimeSource = async () => (await import("@pgline/pgline/node")).nodeRuntime;
 * await using db = await connectWith(lazy, "postgres://app@localhost/app");
 * ```
 */
export type RuntimeSource = Runtime | (() => Promise<Runtime>);

/**
 * An open connection with the query API: `query`, `sql`, `stream`, `simpleQuery`, `transaction`.
 * Queries issued without waiting are pipelined; results come back in order.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * await using db = await connect("postgres://app@localhost/app");
 * const id = 7;
 * const users = await db.sql`select * from users where id = ${id}`;
 * console.log(db.processId, db.parameters.get("server_version"), users.length);
 * ```
 */
export class Client extends Queryable {
  readonly #connection: Connection;

  /**
   * Created by `connect` only.
   *
   * @internal
   * @ignore
   */
  constructor(
    connection: Connection,
    types: TypeRegistry,
    statementCacheSize: number,
    queryTimeout = 0,
  ) {
    super(new QueryEngine(connection, types, { statementCacheSize, queryTimeout }), undefined, 0);
    this.#connection = connection;
  }

  /** The session underneath: parameters, process ID, TLS details, raw simple queries. */
  get connection(): Connection {
    return this.#connection;
  }
  /** libpq-style state: CONNECTION_OK while usable, CONNECTION_BAD after. */
  get state(): ConnectionState {
    return this.#connection.state;
  }
  /** Server-reported run-time parameters (server_version, TimeZone, ...). */
  get parameters(): ReadonlyMap<string, string> {
    return this.#connection.parameters;
  }
  /** Backend process ID. */
  get processId(): number {
    return this.#connection.processId;
  }
  /** Cancel key (4 bytes in protocol 3.0, longer in 3.2). */
  get secretKey(): Uint8Array {
    return this.#connection.secretKey;
  }
  /** Protocol version in use as `major.minor`. */
  get protocolVersion(): string {
    return this.#connection.protocolVersion;
  }
  /** The host this client is connected to. */
  get host(): HostEntry {
    return this.#connection.host;
  }
  /** TLS details, or undefined for an unencrypted connection. */
  get tls(): TlsInfo | undefined {
    return this.#connection.tls;
  }
  /** The authentication method used and whether SCRAM was bound to the TLS channel. */
  get authentication(): { method: string; channelBound: boolean } {
    return this.#connection.authentication;
  }
  /** Transaction status after the last reply: I idle, T in a transaction, E failed. */
  get transactionStatus(): TransactionStatus {
    return this.#connection.transactionStatus;
  }
  /** The type registry: register codecs for custom types here. */
  get types(): TypeRegistry {
    return this.engine.types;
  }

  /**
   * Loads codecs for user-defined types (enums, composites, domains, ranges, and their arrays)
   * from the catalog, by name (`"mood"`, `"myschema.point3d"`) or OID.
   *
   * @param types Type names or OIDs.
   * @throws {PostgresError} if the catalog query fails.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * await db.loadTypes(["mood", "address"]);
   * const [row] = await db.sql`select ${"happy"}::mood as m, ('Main St', 1)::address as a`;
   * ```
   */
  async loadTypes(types: readonly (string | number)[]): Promise<void> {
    const registry = this.engine.types;
    const [result] = await this.#connection.simpleQuery(registry.introspectionQuery(types));
    registry.applyIntrospection(result?.rows ?? []);
  }

  /** Forgets the cached prepared statements (after `DISCARD ALL` or `DEALLOCATE ALL`). */
  forgetStatements(): void {
    this.engine.forgetStatements();
  }

  /** Waits for queries in flight, then sends Terminate and closes. Safe to call twice. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** Closes the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // LISTEN/NOTIFY (src/listen.ts).
  #listeners: ListenRegistry | undefined;

  /**
   * Calls `handler` for each notification on `channel`, in the order the server sends them.
   * `LISTEN` is sent once per channel, `UNLISTEN` when its last handler goes. A handler's
   * exception does not affect the connection: it is reported as uncaught (see
   * {@link NotificationHandler}).
   *
   * @param channel The channel: an identifier, used with its exact case.
   * @param handler Receives the payload and the whole notification.
   * @returns The subscription, once `LISTEN` is confirmed; dispose of it to stop.
   * @throws {TypeError|RangeError} for an empty channel name, or one over 63 bytes.
   * @throws {ConnectionError} when the connection fails.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * await using sub = await db.listen("jobs", (payload) => console.log("job", payload));
   * await db.notify("jobs", "42");
   * ```
   */
  listen(channel: string, handler: NotificationHandler): Promise<Subscription> {
    if (this.#listeners === undefined) {
      const registry = new ListenRegistry(async (command, channel) => {
        await this.#connection.simpleQuery(`${command} ${channel}`);
      });
      this.#connection.onNotification = (n) => registry.dispatch(n);
      this.#listeners = registry;
    }
    return this.#listeners.subscribe(channel, handler);
  }

  /**
   * Sends a notification (`select pg_notify($1, $2)`); listeners get it when the sending
   * transaction commits (at once here, outside a transaction).
   *
   * @param channel The channel, exact case.
   * @param payload The payload (under 8000 bytes).
   * @throws {PostgresError} e.g. when the payload is too long.
   *
   * @example
   * ```ts
   * import type { Client } from "@pgline/pgline";
   * declare const db: Client;
   * await db.notify("jobs", JSON.stringify({ id: 42 }));
   * ```
   */
  async notify(channel: string, payload = ""): Promise<void> {
    await this.query("select pg_notify($1, $2)", [channel, payload]);
  }
}

/**
 * Connects with an explicit runtime. Most code calls `connect` from `mod.ts` or a compat entry.
 *
 * @param source Transport and environment, or a function that loads them.
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Client-side settings; they override `config`.
 * @returns An open client.
 * @throws {TypeError|RangeError|SyntaxError} for a bad configuration (the password is redacted).
 * @throws {PostgresError} when the server refuses (e.g. SQLSTATE 28P01, wrong password).
 * @throws {AuthenticationError} when the client refuses (bad server signature, channel binding).
 * @throws {ConnectionError} when no server could be reached.
 *
 * @example A runtime with no environment and no files (an edge function, say)
 * ```ts
 * import { connectWith, type Runtime, staticConfigHost } from "@pgline/pgline";
 * import { nodeTransport } from "@pgline/pgline/node";
 * const runtime: Runtime = { transport: nodeTransport, host: staticConfigHost({}) };
 * const db = await connectWith(runtime, "postgres://app:secret@db.internal/app");
 * await db.close();
 * ```
 */
export async function connectWith(
  source: RuntimeSource,
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Client> {
  const {
    onTrace,
    onState,
    types,
    statementCacheSize,
    onParameterStatus,
    queryTimeout,
    idleTimeout,
    ...rest
  } = options ?? {};
  const cacheSize = statementCacheSize ?? 256;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new RangeError(`statementCacheSize must be a non-negative integer, got ${cacheSize}`);
  }
  checkTimeout("queryTimeout", queryTimeout);
  checkTimeout("idleTimeout", idleTimeout);
  const registry = createTypeRegistry(types);
  const runtime = typeof source === "function" ? await source() : source;
  const resolved = await resolveConfig(config, rest, runtime.host);
  const transport = (resolved.transport as Transport | undefined) ?? runtime.transport;
  const establishOptions: EstablishOptions = { transport, host: runtime.host };
  if (onTrace !== undefined) establishOptions.onTrace = onTrace;
  if (onState !== undefined) establishOptions.onState = onState;
  const connection = await establish(resolved, establishOptions);
  if (onParameterStatus !== undefined) connection.onParameterStatus = onParameterStatus;
  if (idleTimeout) connection.setIdleTimeout(idleTimeout);
  return new Client(connection, registry, cacheSize, queryTimeout ?? 0);
}
