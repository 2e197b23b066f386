/**
 * The libpq connection keywords pgline accepts, their camelCase twins in option objects, and the
 * environment variables that supply their defaults.
 *
 * @module
 */

/** How a keyword is written in an option object (`ConnectOptions`). */
export type OptionKind =
  | "string"
  | "list"
  | "ports"
  | "number"
  | "boolean"
  | "milliseconds"
  | "password"
  | "replication";

/**
 * One libpq connection keyword.
 *
 * @example Looking up the twin of `sslmode`
 * ```ts
 * import { keywordSpec } from "./keywords.ts";
 * console.assert(keywordSpec("sslmode")?.option === "sslMode");
 * ```
 */
export interface KeywordSpec {
  /** The libpq keyword, as written in connection strings, URIs and service files. */
  readonly keyword: string;
  /** The camelCase twin used in option objects. */
  readonly option: string;
  /** The environment variable libpq reads when the keyword is unset, if any. */
  readonly env?: string;
  /** How the option object spells the value. */
  readonly kind: OptionKind;
  /** True for secrets, which never appear in error messages or redacted output. */
  readonly secret?: boolean;
}

function spec(
  keyword: string,
  option: string,
  env: string | undefined,
  kind: OptionKind = "string",
  secret = false,
): KeywordSpec {
  return {
    keyword,
    option,
    kind,
    ...(env === undefined ? {} : { env }),
    ...(secret ? { secret } : {}),
  };
}

/**
 * Every keyword pgline accepts, in libpq's documentation order. The mapping to camelCase is
 * one-to-one; the only renamed keyword is `dbname`, whose twin is `database`.
 *
 * @example Listing the keywords that have an environment variable
 * ```ts
 * import { KEYWORDS } from "./keywords.ts";
 * const withEnv = KEYWORDS.filter((k) => k.env !== undefined).map((k) => k.env);
 * console.assert(withEnv.includes("PGHOST"));
 * ```
 */
export const KEYWORDS: readonly KeywordSpec[] = [
  spec("host", "host", "PGHOST", "list"),
  spec("hostaddr", "hostaddr", "PGHOSTADDR", "list"),
  spec("port", "port", "PGPORT", "ports"),
  spec("dbname", "database", "PGDATABASE"),
  spec("user", "user", "PGUSER"),
  spec("password", "password", "PGPASSWORD", "password", true),
  spec("passfile", "passfile", "PGPASSFILE"),
  spec("require_auth", "requireAuth", "PGREQUIREAUTH", "list"),
  spec("channel_binding", "channelBinding", "PGCHANNELBINDING"),
  spec("connect_timeout", "connectTimeout", "PGCONNECT_TIMEOUT", "milliseconds"),
  spec("client_encoding", "clientEncoding", "PGCLIENTENCODING"),
  spec("options", "options", "PGOPTIONS"),
  spec("application_name", "applicationName", "PGAPPNAME"),
  spec("fallback_application_name", "fallbackApplicationName", undefined),
  spec("keepalives", "keepalives", undefined, "boolean"),
  spec("keepalives_idle", "keepalivesIdle", undefined, "number"),
  spec("keepalives_interval", "keepalivesInterval", undefined, "number"),
  spec("keepalives_count", "keepalivesCount", undefined, "number"),
  spec("tcp_user_timeout", "tcpUserTimeout", undefined, "number"),
  spec("replication", "replication", undefined, "replication"),
  spec("gssencmode", "gssEncMode", "PGGSSENCMODE"),
  spec("sslmode", "sslMode", "PGSSLMODE"),
  spec("sslnegotiation", "sslNegotiation", "PGSSLNEGOTIATION"),
  spec("sslcompression", "sslCompression", "PGSSLCOMPRESSION", "boolean"),
  spec("sslcert", "sslCert", "PGSSLCERT"),
  spec("sslkey", "sslKey", "PGSSLKEY"),
  spec("sslpassword", "sslPassword", undefined, "string", true),
  spec("sslcertmode", "sslCertMode", "PGSSLCERTMODE"),
  spec("sslrootcert", "sslRootCert", "PGSSLROOTCERT"),
  spec("sslcrl", "sslCrl", "PGSSLCRL"),
  spec("sslcrldir", "sslCrlDir", "PGSSLCRLDIR"),
  spec("sslsni", "sslSni", "PGSSLSNI", "boolean"),
  spec("sslkeylogfile", "sslKeyLogFile", undefined),
  spec("requirepeer", "requirePeer", "PGREQUIREPEER"),
  spec("ssl_min_protocol_version", "sslMinProtocolVersion", "PGSSLMINPROTOCOLVERSION"),
  spec("ssl_max_protocol_version", "sslMaxProtocolVersion", "PGSSLMAXPROTOCOLVERSION"),
  spec("min_protocol_version", "minProtocolVersion", "PGMINPROTOCOLVERSION"),
  spec("max_protocol_version", "maxProtocolVersion", "PGMAXPROTOCOLVERSION"),
  spec("krbsrvname", "krbSrvName", "PGKRBSRVNAME"),
  spec("gsslib", "gssLib", "PGGSSLIB"),
  spec("gssdelegation", "gssDelegation", "PGGSSDELEGATION", "boolean"),
  spec("service", "service", "PGSERVICE"),
  spec("servicefile", "serviceFile", "PGSERVICEFILE"),
  spec("target_session_attrs", "targetSessionAttrs", "PGTARGETSESSIONATTRS"),
  spec("load_balance_hosts", "loadBalanceHosts", "PGLOADBALANCEHOSTS"),
  spec("oauth_issuer", "oauthIssuer", undefined),
  spec("oauth_client_id", "oauthClientId", undefined),
  spec("oauth_client_secret", "oauthClientSecret", undefined, "string", true),
  spec("oauth_scope", "oauthScope", undefined),
];

const BY_KEYWORD: ReadonlyMap<string, KeywordSpec> = new Map(KEYWORDS.map((k) => [k.keyword, k]));
const BY_OPTION: ReadonlyMap<string, KeywordSpec> = new Map(KEYWORDS.map((k) => [k.option, k]));

/**
 * Finds a keyword by its libpq spelling.
 *
 * @param keyword A libpq keyword such as `sslmode`.
 * @returns Its specification, or `undefined` when libpq has no such keyword.
 *
 * @example Recognising a keyword
 * ```ts
 * import { keywordSpec } from "./keywords.ts";
 * console.assert(keywordSpec("dbname")?.option === "database");
 * console.assert(keywordSpec("database") === undefined);
 * ```
 */
export function keywordSpec(keyword: string): KeywordSpec | undefined {
  return BY_KEYWORD.get(keyword);
}

/**
 * Finds a keyword by its camelCase option name.
 *
 * @param option An option object key such as `sslMode`.
 * @returns Its specification, or `undefined` when there is no such option.
 *
 * @example Recognising an option
 * ```ts
 * import { optionSpec } from "./keywords.ts";
 * console.assert(optionSpec("database")?.keyword === "dbname");
 * ```
 */
export function optionSpec(option: string): KeywordSpec | undefined {
  return BY_OPTION.get(option);
}

/**
 * Tells whether a keyword holds a secret (`password`, `sslpassword`, `oauth_client_secret`).
 *
 * @param keyword A libpq keyword.
 * @returns True when its value must never be shown.
 *
 * @example
 * ```ts
 * import { isSecretKeyword } from "./keywords.ts";
 * console.assert(isSecretKeyword("password"));
 * console.assert(!isSecretKeyword("host"));
 * ```
 */
export function isSecretKeyword(keyword: string): boolean {
  return BY_KEYWORD.get(keyword)?.secret === true;
}

/** The placeholder shown instead of a secret. */
export const REDACTED = "********";
