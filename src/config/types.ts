/**
 * The types of the configuration layer: the option objects callers write and the resolved,
 * validated configuration the connection reads.
 *
 * @module
 */

/**
 * Supplies a password at connect time: a fixed string, or a function called on every connection
 * attempt (for rotating tokens such as cloud IAM credentials).
 *
 * @example A rotating token
 * ```ts
 * import type { PasswordProvider } from "@pgline/pgline";
 * const token: PasswordProvider = async () => await Promise.resolve("token-" + Date.now());
 * console.assert(typeof token === "function");
 * ```
 */
export type PasswordProvider = string | (() => string | Promise<string>);

/**
 * `sslmode` values.
 *
 * @example Requiring a verified server certificate
 * ```ts
 * import type { ConnectOptions, SslMode } from "@pgline/pgline";
 * const value: SslMode = "verify-full";
 * const options: ConnectOptions = { sslMode: value, sslRootCert: "system" };
 * console.assert(options.sslMode === "verify-full");
 * ```
 */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";
/**
 * `sslnegotiation` values.
 *
 * @example Starting TLS without an SSLRequest round trip (PostgreSQL 17+)
 * ```ts
 * import type { ConnectOptions, SslNegotiation } from "@pgline/pgline";
 * const value: SslNegotiation = "direct";
 * const options: ConnectOptions = { sslNegotiation: value, sslMode: "require" };
 * console.assert(options.sslNegotiation === "direct");
 * ```
 */
export type SslNegotiation = "postgres" | "direct";
/**
 * `sslcertmode` values.
 *
 * @example Insisting on sending a client certificate
 * ```ts
 * import type { ConnectOptions, SslCertMode } from "@pgline/pgline";
 * const value: SslCertMode = "require";
 * const options: ConnectOptions = {
 *   sslCertMode: value,
 *   sslCert: "/etc/app/client.crt",
 *   sslKey: "/etc/app/client.key",
 * };
 * console.assert(options.sslCertMode === "require");
 * ```
 */
export type SslCertMode = "disable" | "allow" | "require";
/**
 * `channel_binding` values.
 *
 * @example Refusing SCRAM without channel binding
 * ```ts
 * import type { ConnectOptions, ChannelBinding } from "@pgline/pgline";
 * const value: ChannelBinding = "require";
 * const options: ConnectOptions = { channelBinding: value, sslMode: "require" };
 * console.assert(options.channelBinding === "require");
 * ```
 */
export type ChannelBinding = "disable" | "prefer" | "require";
/**
 * `gssencmode` values.
 *
 * @example Never trying GSSAPI encryption
 * ```ts
 * import type { ConnectOptions, GssEncMode } from "@pgline/pgline";
 * const value: GssEncMode = "disable";
 * const options: ConnectOptions = { gssEncMode: value };
 * console.assert(options.gssEncMode === "disable");
 * ```
 */
export type GssEncMode = "disable" | "prefer" | "require";
/**
 * `target_session_attrs` values.
 *
 * @example Connecting to whichever host is the primary
 * ```ts
 * import type { ConnectOptions, TargetSessionAttrs } from "@pgline/pgline";
 * const value: TargetSessionAttrs = "read-write";
 * const options: ConnectOptions = {
 *   targetSessionAttrs: value,
 *   host: ["db1.internal", "db2.internal"],
 * };
 * console.assert(options.targetSessionAttrs === "read-write");
 * ```
 */
export type TargetSessionAttrs =
  | "any"
  | "read-write"
  | "read-only"
  | "primary"
  | "standby"
  | "prefer-standby";
/**
 * `load_balance_hosts` values.
 *
 * @example Spreading connections over replicas
 * ```ts
 * import type { ConnectOptions, LoadBalanceHosts } from "@pgline/pgline";
 * const value: LoadBalanceHosts = "random";
 * const options: ConnectOptions = { loadBalanceHosts: value, host: ["replica1", "replica2"] };
 * console.assert(options.loadBalanceHosts === "random");
 * ```
 */
export type LoadBalanceHosts = "disable" | "random";
/**
 * `ssl_min_protocol_version` / `ssl_max_protocol_version` values.
 *
 * @example Allowing TLS 1.3 only
 * ```ts
 * import type { ConnectOptions, TlsVersion } from "@pgline/pgline";
 * const value: TlsVersion = "TLSv1.3";
 * const options: ConnectOptions = { sslMinProtocolVersion: value };
 * console.assert(options.sslMinProtocolVersion === "TLSv1.3");
 * ```
 */
export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
/**
 * Frontend/backend protocol versions (`latest` resolves to the newest, 3.2).
 *
 * @example Requiring protocol 3.2 (PostgreSQL 18)
 * ```ts
 * import type { ConnectOptions, ProtocolVersion } from "@pgline/pgline";
 * const value: ProtocolVersion = "3.2";
 * const options: ConnectOptions = { minProtocolVersion: value };
 * console.assert(options.minProtocolVersion === "3.2");
 * ```
 */
export type ProtocolVersion = "3.0" | "3.2";
/** Authentication methods named by `require_auth`. */
export type AuthMethod = "password" | "md5" | "gss" | "sspi" | "scram-sha-256" | "oauth" | "none";

/**
 * `require_auth`, parsed. `allowed` is what the connection enforces; `methods` and `negated` keep
 * what was written.
 *
 * @example
 * ```ts
 * import type { RequireAuth } from "./types.ts";
 * const ra: RequireAuth = { methods: ["md5"], negated: true, allowed: new Set(["password"]) };
 * console.assert(!ra.allowed.has("md5"));
 * ```
 */
export interface RequireAuth {
  /** The methods listed, without `!`. */
  readonly methods: readonly AuthMethod[];
  /** True when every method was written with `!` (a deny list). */
  readonly negated: boolean;
  /** The methods the server may use; `none` means the server may skip authentication. */
  readonly allowed: ReadonlySet<AuthMethod>;
}

/**
 * One server to try, in order.
 *
 * @example
 * ```ts
 * import type { HostEntry } from "@pgline/pgline";
 * const h: HostEntry = {
 *   host: "/tmp",
 *   port: 5432,
 *   type: "unix",
 *   socketPath: "/tmp/.s.PGSQL.5432",
 * };
 * console.assert(h.type === "unix");
 * ```
 */
export interface HostEntry {
  /**
   * The host name or socket directory; when only `hostaddr` was given, the address (as libpq's
   * `PQhost` reports it).
   */
  readonly host: string;
  /** The numeric address to connect to instead of resolving `host`. */
  readonly hostaddr?: string;
  /** The TCP port, or the number in the socket file name. */
  readonly port: number;
  /** `unix` when `host` is an absolute path (or `@` abstract name) and no `hostaddr` is set. */
  readonly type: "tcp" | "unix";
  /** For `unix`: `${host}/.s.PGSQL.${port}`. An abstract socket keeps its leading `@`. */
  readonly socketPath?: string;
}

/**
 * The configuration as an object: the camelCase twin of every libpq keyword. The mapping is one
 * to one (`sslmode` → `sslMode`, `target_session_attrs` → `targetSessionAttrs`), except that
 * `dbname` is `database`; snake_case keys and `dbname` are refused with a hint. Units are libpq's
 * (seconds for keepalives, milliseconds for `tcpUserTimeout`), except `connectTimeout`, which is
 * in milliseconds here (libpq's `connect_timeout` string is in seconds).
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@pgline/pgline";
 * const opts: ConnectOptions = { host: ["a", "b"], port: 5432, sslMode: "verify-full" };
 * console.assert(opts.sslMode === "verify-full");
 * ```
 */
export interface ConnectOptions {
  /** Host names or socket directories (a comma list or an array). @default {"/tmp" socket, or "localhost"} */
  host?: string | readonly string[];
  /** Numeric addresses, one per host. @default {undefined} */
  hostaddr?: string | readonly string[];
  /** One port for every host, or one per host. @default {5432} */
  port?: number | string | readonly (number | string)[];
  /** The database (`dbname`). @default {the user name} */
  database?: string;
  /** The role to connect as. @default {the operating-system user} */
  user?: string;
  /** A password or a function returning one. @default {looked up in the password file} */
  password?: PasswordProvider;
  /** The password file. @default {"~/.pgpass"} */
  passfile?: string;
  /** Allowed authentication methods in libpq syntax (`"scram-sha-256,none"`, `"!md5"`). @default {undefined} */
  requireAuth?: string | readonly string[];
  /** Whether SCRAM channel binding is used (`channel_binding`). @default {"prefer"} */
  channelBinding?: ChannelBinding;
  /** Milliseconds to wait for each connection attempt; 0 waits forever. @default {0} */
  connectTimeout?: number;
  /** The client encoding to request; `auto` becomes `UTF8` (`client_encoding`). @default {undefined} */
  clientEncoding?: string;
  /** Command-line options sent to the server (`-c key=value`). @default {undefined} */
  options?: string;
  /** The application name reported to the server (`application_name`). @default {undefined} */
  applicationName?: string;
  /** The application name used when `applicationName` is unset (`fallback_application_name`). @default {undefined} */
  fallbackApplicationName?: string;
  /** Whether TCP keepalives are enabled (`keepalives`). @default {true} */
  keepalives?: boolean;
  /** Seconds. @default {undefined} */
  keepalivesIdle?: number;
  /** Seconds. @default {undefined} */
  keepalivesInterval?: number;
  /** Lost keepalive probes before the connection is dropped (`keepalives_count`). @default {undefined} */
  keepalivesCount?: number;
  /** Milliseconds. @default {undefined} */
  tcpUserTimeout?: number;
  /** `true` for physical replication, `"database"` for logical. @default {false} */
  replication?: boolean | "database";
  /** Whether GSSAPI encryption is attempted (`gssencmode`). @default {"prefer"} */
  gssEncMode?: GssEncMode;
  /** Whether and how TLS is used (`sslmode`). @default {"prefer" ("verify-full" with sslRootCert "system")} */
  sslMode?: SslMode;
  /** How TLS is started: SSLRequest (`postgres`) or directly (`sslnegotiation`). @default {"postgres"} */
  sslNegotiation?: SslNegotiation;
  /** Accepted and ignored, as in libpq 17+. @default {false} */
  sslCompression?: boolean;
  /** Client certificate file (`sslcert`). @default {"~/.postgresql/postgresql.crt"} */
  sslCert?: string;
  /** Client private key file (`sslkey`). @default {"~/.postgresql/postgresql.key"} */
  sslKey?: string;
  /** Passphrase of the client key; a secret (`sslpassword`). @default {undefined} */
  sslPassword?: string;
  /** Whether a client certificate may or must be sent (`sslcertmode`). @default {"allow"} */
  sslCertMode?: SslCertMode;
  /** A CA file, or `"system"` for the platform's trust store. @default {"~/.postgresql/root.crt"} */
  sslRootCert?: string;
  /** Certificate revocation list file (`sslcrl`). @default {"~/.postgresql/root.crl"} */
  sslCrl?: string;
  /** Certificate revocation list directory (`sslcrldir`). @default {undefined} */
  sslCrlDir?: string;
  /** Whether the TLS SNI extension is sent (`sslsni`). @default {true} */
  sslSni?: boolean;
  /** File to append TLS key material to, for debugging (`sslkeylogfile`). @default {undefined} */
  sslKeyLogFile?: string;
  /** Required operating-system user of a Unix-socket server (`requirepeer`). @default {undefined} */
  requirePeer?: string;
  /** Lowest TLS version allowed (`ssl_min_protocol_version`). @default {"TLSv1.2"} */
  sslMinProtocolVersion?: TlsVersion;
  /** Highest TLS version allowed (`ssl_max_protocol_version`). @default {undefined} */
  sslMaxProtocolVersion?: TlsVersion;
  /** Lowest protocol version accepted (`min_protocol_version`). @default {"3.0"} */
  minProtocolVersion?: ProtocolVersion | "latest";
  /** Protocol version requested (`max_protocol_version`). @default {"3.0", or "latest" when minProtocolVersion is above 3.0} */
  maxProtocolVersion?: ProtocolVersion | "latest";
  /** Kerberos service name (`krbsrvname`). @default {"postgres"} */
  krbSrvName?: string;
  /** GSS library on Windows (`gsslib`). @default {undefined} */
  gssLib?: "gssapi" | "sspi";
  /** Whether GSS credentials are delegated (`gssdelegation`). @default {false} */
  gssDelegation?: boolean;
  /** A section of the connection service file. @default {undefined} */
  service?: string;
  /** The per-user service file. @default {"~/.pg_service.conf"} */
  serviceFile?: string;
  /** Which kind of server is acceptable (`target_session_attrs`). @default {"any"} */
  targetSessionAttrs?: TargetSessionAttrs;
  /** Whether hosts are tried in random order (`load_balance_hosts`). @default {"disable"} */
  loadBalanceHosts?: LoadBalanceHosts;
  /** OAuth issuer URL (`oauth_issuer`). @default {undefined} */
  oauthIssuer?: string;
  /** OAuth client ID (`oauth_client_id`). @default {undefined} */
  oauthClientId?: string;
  /** OAuth client secret; a secret (`oauth_client_secret`). @default {undefined} */
  oauthClientSecret?: string;
  /** OAuth scope (`oauth_scope`). @default {undefined} */
  oauthScope?: string;
}

/**
 * Receives a server notice: its fields by name (`severity`, `code`, `message`, …), `position`
 * as a number.
 *
 * @example Logging the server's notices
 * ```ts
 * import type { ClientOptions, NoticeHandler } from "@pgline/pgline";
 * const onNotice: NoticeHandler = (notice) =>
 *   console.warn(`${notice.severity}: ${notice.message}`);
 * const options: ClientOptions = { onNotice };
 * console.assert(options.onNotice === onNotice);
 * ```
 */
export type NoticeHandler = (notice: Record<string, string | number>) => void;

/**
 * Client-side settings with no libpq keyword, plus every {@linkcode ConnectOptions} field. Given
 * as `connect()`'s second argument, they override the connection string or object.
 *
 * @example
 * ```ts
 * import type { ClientOptions } from "@pgline/pgline";
 * const opts: ClientOptions = { connectTimeout: 5_000, onNotice: (n) => void n.message };
 * console.assert(opts.connectTimeout === 5_000);
 * ```
 */
export interface ClientOptions extends ConnectOptions {
  /** Called for every NoticeResponse; notices are dropped without it. @default {undefined} */
  onNotice?: NoticeHandler;
  /**
   * The transport that opens sockets. TODO(#3): type this once the Transport interface lands.
   *
   * @default {the runtime's transport}
   */
  transport?: unknown;
}

/**
 * The validated configuration, with every default applied. Secrets are hidden from
 * `toString()`, `JSON.stringify()` and console inspection; see `redactConfig`.
 *
 * @example
 * ```ts
 * import type { ResolvedConfig } from "./types.ts";
 * const port = (c: ResolvedConfig): number => c.hosts[0]?.port ?? 5432;
 * console.assert(typeof port === "function");
 * ```
 */
export interface ResolvedConfig {
  /** The servers to try, in order (`host`, `hostaddr`, `port`). */
  readonly hosts: readonly HostEntry[];
  /** The database to connect to (`dbname`). */
  readonly database: string;
  /** The role to connect as (`user`). */
  readonly user: string;
  /** The explicit password; when absent, `lookupPassword` reads the password file per host. */
  readonly password: PasswordProvider | undefined;
  /** The password file path, when one could be determined. */
  readonly passfile: string | undefined;
  /** The authentication methods the server may use (`require_auth`). */
  readonly requireAuth: RequireAuth | undefined;
  /** Whether SCRAM channel binding is used (`channel_binding`). */
  readonly channelBinding: ChannelBinding;
  /** Milliseconds; `undefined` waits forever. */
  readonly connectTimeout: number | undefined;
  /** The client encoding to request; `auto` becomes `UTF8` (`client_encoding`). */
  readonly clientEncoding: string | undefined;
  /** Command-line options sent to the server (`options`). */
  readonly options: string | undefined;
  /** `application_name`, or `fallback_application_name` when that is unset. */
  readonly applicationName: string | undefined;
  /** Whether TCP keepalives are enabled (`keepalives`). */
  readonly keepalives: boolean;
  /** Seconds of idleness before the first keepalive probe (`keepalives_idle`). */
  readonly keepalivesIdle: number | undefined;
  /** Seconds between keepalive probes (`keepalives_interval`). */
  readonly keepalivesInterval: number | undefined;
  /** Lost keepalive probes before the connection is dropped (`keepalives_count`). */
  readonly keepalivesCount: number | undefined;
  /** Milliseconds transmitted data may stay unacknowledged (`tcp_user_timeout`). */
  readonly tcpUserTimeout: number | undefined;
  /** Replication mode: `true` physical, `"database"` logical (`replication`). */
  readonly replication: boolean | "database";
  /** Whether GSSAPI encryption is attempted (`gssencmode`). */
  readonly gssEncMode: GssEncMode;
  /** Whether and how TLS is used (`sslmode`). */
  readonly sslMode: SslMode;
  /** How TLS is started: SSLRequest (`postgres`) or directly (`sslnegotiation`). */
  readonly sslNegotiation: SslNegotiation;
  /** Client certificate file (`sslcert`). */
  readonly sslCert: string | undefined;
  /** Client private key file (`sslkey`). */
  readonly sslKey: string | undefined;
  /** Passphrase of the client key; a secret (`sslpassword`). */
  readonly sslPassword: string | undefined;
  /** Whether a client certificate may or must be sent (`sslcertmode`). */
  readonly sslCertMode: SslCertMode;
  /** Trusted CA file, or `system` (`sslrootcert`). */
  readonly sslRootCert: string | undefined;
  /** Certificate revocation list file (`sslcrl`). */
  readonly sslCrl: string | undefined;
  /** Certificate revocation list directory (`sslcrldir`). */
  readonly sslCrlDir: string | undefined;
  /** Whether the TLS SNI extension is sent (`sslsni`). */
  readonly sslSni: boolean;
  /** File to append TLS key material to, for debugging (`sslkeylogfile`). */
  readonly sslKeyLogFile: string | undefined;
  /** Required operating-system user of a Unix-socket server (`requirepeer`). */
  readonly requirePeer: string | undefined;
  /** Lowest TLS version allowed (`ssl_min_protocol_version`). */
  readonly sslMinProtocolVersion: TlsVersion | undefined;
  /** Highest TLS version allowed (`ssl_max_protocol_version`). */
  readonly sslMaxProtocolVersion: TlsVersion | undefined;
  /** Lowest protocol version accepted (`min_protocol_version`). */
  readonly minProtocolVersion: ProtocolVersion;
  /** Protocol version requested (`max_protocol_version`). */
  readonly maxProtocolVersion: ProtocolVersion;
  /** Kerberos service name (`krbsrvname`). */
  readonly krbSrvName: string | undefined;
  /** GSS library on Windows (`gsslib`). */
  readonly gssLib: "gssapi" | "sspi" | undefined;
  /** Whether GSS credentials are delegated (`gssdelegation`). */
  readonly gssDelegation: boolean;
  /** The service-file section used (`service`). */
  readonly service: string | undefined;
  /** Which kind of server is acceptable (`target_session_attrs`). */
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** Whether hosts are tried in random order (`load_balance_hosts`). */
  readonly loadBalanceHosts: LoadBalanceHosts;
  /** OAuth issuer URL (`oauth_issuer`). */
  readonly oauthIssuer: string | undefined;
  /** OAuth client ID (`oauth_client_id`). */
  readonly oauthClientId: string | undefined;
  /** OAuth client secret; a secret (`oauth_client_secret`). */
  readonly oauthClientSecret: string | undefined;
  /** OAuth scope (`oauth_scope`). */
  readonly oauthScope: string | undefined;
  /** Startup parameters libpq takes from `PGDATESTYLE`, `PGTZ` and `PGGEQO`. */
  readonly startupParams: Readonly<Record<string, string>>;
  /** The notice callback from the options. */
  readonly onNotice: NoticeHandler | undefined;
  /** TODO(#3): the Transport type. */
  readonly transport: unknown;
}
