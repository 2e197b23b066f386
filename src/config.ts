/**
 * Connection configuration with libpq's semantics: connection URIs and `keyword=value` strings,
 * option objects with camelCase twins of every libpq keyword, the connection service file, `PG*`
 * environment variables, and the password file. Runtime access (environment, files, user name)
 * comes through an injected {@linkcode ConfigHost}, so this module uses web platform APIs only.
 *
 * Precedence, highest first: client options, the connection string or object, the service file,
 * environment variables, libpq's defaults.
 *
 * @example Resolving a configuration
 * ```ts
 * import { resolveConfig, staticConfigHost } from "./config.ts";
 * const host = staticConfigHost({ USER: "alice" });
 * const config = await resolveConfig("postgres://db.example/app?sslmode=require", undefined, host);
 * console.assert(config.hosts[0]?.host === "db.example" && config.database === "app");
 * ```
 *
 * @module
 */

export {
  isConnectionUri,
  parseConnectionString,
  redactConnectionString,
} from "./config/conninfo.ts";
export {
  type ConfigHost,
  DEFAULT_PORT,
  DEFAULT_SOCKET_DIR,
  DEFAULT_SYSCONF_DIR,
  DEFAULT_TCP_HOST,
  staticConfigHost,
  type StaticConfigHostOptions,
  type StaticFile,
} from "./config/host.ts";
export { KEYWORDS, type KeywordSpec, type OptionKind } from "./config/keywords.ts";
export {
  findPgpassPassword,
  lookupPassword,
  type LookupPasswordOptions,
  type PgpassTarget,
} from "./config/pgpass.ts";
export { AUTH_METHODS, parseRequireAuth } from "./config/require_auth.ts";
export { formatConfig, redactConfig, resolveConfig } from "./config/resolve.ts";
export { parseServiceFile, readService, type ServiceSection } from "./config/service_file.ts";
export type {
  AuthMethod,
  ChannelBinding,
  ClientOptions,
  ConnectOptions,
  GssEncMode,
  HostEntry,
  LoadBalanceHosts,
  NoticeHandler,
  PasswordProvider,
  ProtocolVersion,
  RequireAuth,
  ResolvedConfig,
  SslCertMode,
  SslMode,
  SslNegotiation,
  TargetSessionAttrs,
  TlsVersion,
} from "./config/types.ts";
