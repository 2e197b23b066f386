/**
 * Turns merged raw settings into a validated {@linkcode ResolvedConfig}, applying libpq's defaults
 * and cross-checks. Error messages name the keyword and where its value came from, and never
 * contain a secret.
 *
 * @module
 */

import { type ConfigHost, DEFAULT_PORT, DEFAULT_SOCKET_DIR, DEFAULT_TCP_HOST } from "./host.ts";
import { isSecretKeyword } from "./keywords.ts";
import type { Layer, Setting } from "./layer.ts";
import { parseRequireAuth } from "./require_auth.ts";
import type { HostEntry, ProtocolVersion, ResolvedConfig, SslMode, TlsVersion } from "./types.ts";

/** The fields the resolver adds itself. */
type ClientFields = "onNotice" | "transport" | "startupParams";

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
const TLS_VERSIONS = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;
const STRONG_SSL_MODES: readonly SslMode[] = ["require", "verify-ca", "verify-full"];

class Reader {
  readonly #layer: Layer;
  constructor(layer: Layer) {
    this.#layer = layer;
  }

  setting(key: string): Setting | undefined {
    return this.#layer.get(key);
  }

  #from(key: string): string {
    const source = this.#layer.get(key)?.source;
    return source === undefined ? "" : ` (from ${source})`;
  }

  /** The raw string value; option-object-only values are handled by their own readers. */
  string(key: string): string | undefined {
    const value = this.#layer.get(key)?.value;
    return typeof value === "string" ? value : undefined;
  }

  /** A string where an empty value means unset, as libpq treats file paths and names. */
  optional(key: string): string | undefined {
    const value = this.string(key);
    return value === "" ? undefined : value;
  }

  invalid(key: string, value: string, expected: string): RangeError {
    const shown = isSecretKeyword(key) ? "" : ` "${value}"`;
    return new RangeError(
      `Invalid value${shown} for connection option "${key}"${
        this.#from(key)
      }: expected ${expected}`,
    );
  }

  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(key);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a === value);
    if (found === undefined) throw this.invalid(key, value, `one of ${allowed.join(", ")}`);
    return found;
  }

  /** libpq's pqParseIntParam: an optionally signed decimal integer, surrounding whitespace allowed. */
  integer(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
      throw this.invalid(key, value, "an integer");
    }
    return n;
  }

  nonNegative(key: string): number | undefined {
    const n = this.integer(key);
    return n === undefined ? undefined : Math.max(0, n);
  }

  flag(key: string, fallback: boolean): boolean {
    const value = this.string(key);
    if (value === undefined) return fallback;
    if (value === "0" || value === "1") return value === "1";
    throw this.invalid(key, value, '"0" or "1"');
  }

  error(message: string): RangeError {
    return new RangeError(message);
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isNumericAddress(text: string): boolean {
  const v4 = IPV4.exec(text);
  if (v4 !== null) return v4.slice(1).every((part) => Number(part) <= 255);
  const [address = "", zone] = text.split("%", 2);
  if (zone === "") return false;
  return /^[0-9A-Fa-f:.]+$/.test(address) && address.includes(":") &&
    address.split("::").length <= 2;
}

function isUnixPath(host: string): boolean {
  return host.startsWith("/") || host.startsWith("@");
}

function resolveHosts(r: Reader, host: ConfigHost): HostEntry[] {
  const split = (key: string): string[] => {
    const value = r.string(key) ?? "";
    return value === "" ? [] : value.split(",");
  };
  const names = split("host");
  const addrs = split("hostaddr");
  const ports = split("port");
  const count = addrs.length > 0 ? addrs.length : Math.max(names.length, 1);
  if (addrs.length > 0 && names.length > 0 && names.length !== addrs.length) {
    throw r.error(`Could not match ${names.length} host names to ${addrs.length} hostaddr values`);
  }
  if (ports.length > 1 && ports.length !== count) {
    throw r.error(`Could not match ${ports.length} port numbers to ${count} hosts`);
  }
  const entries: HostEntry[] = [];
  for (let i = 0; i < count; i++) {
    const portText = (ports.length === 1 ? ports[0] : ports[i]) ?? "";
    let port = DEFAULT_PORT;
    if (portText.trim() !== "") {
      port = /^\s*\d+\s*$/.test(portText) ? Number(portText) : NaN;
      if (!(port >= 1 && port <= 65535)) throw r.invalid("port", portText, "a port number 1-65535");
    }
    const addr = addrs[i] ?? "";
    const name = names[i] ?? "";
    if (addr !== "") {
      if (!isNumericAddress(addr)) throw r.invalid("hostaddr", addr, "a numeric IP address");
      entries.push({ host: name === "" ? addr : name, hostaddr: addr, port, type: "tcp" });
      continue;
    }
    let target = name;
    if (target === "") {
      target = host.unixSockets ? host.defaultSocketDir ?? DEFAULT_SOCKET_DIR : DEFAULT_TCP_HOST;
    }
    entries.push(
      isUnixPath(target)
        ? { host: target, port, type: "unix", socketPath: `${target}/.s.PGSQL.${port}` }
        : { host: target, port, type: "tcp" },
    );
  }
  return entries;
}

function tlsVersion(r: Reader, key: string, fallback: TlsVersion | undefined) {
  const value = r.string(key);
  if (value === undefined) return fallback;
  if (value === "") return undefined;
  const found = TLS_VERSIONS.find((v) => v.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw r.invalid(key, value, `one of ${TLS_VERSIONS.join(", ")}`);
  return found;
}

function protocolVersion(r: Reader, key: string): ProtocolVersion | undefined {
  const value = r.string(key);
  if (value === undefined) return undefined;
  if (value === "3.0" || value === "3.2") return value;
  if (value === "latest") return "3.2";
  throw r.invalid(key, value, '"3.0", "3.2" or "latest"');
}

function connectTimeout(r: Reader): number | undefined {
  const value = r.setting("connect_timeout")?.value;
  if (value !== undefined && typeof value === "object") {
    return value.milliseconds === 0 ? undefined : value.milliseconds;
  }
  const seconds = r.integer("connect_timeout");
  // libpq: zero or negative waits forever; 1 second is raised to 2 because of timer granularity.
  if (seconds === undefined || seconds <= 0) return undefined;
  return Math.max(seconds, 2) * 1000;
}

function replication(r: Reader): boolean | "database" {
  const value = r.string("replication");
  if (value === undefined || value === "") return false;
  const lower = value.toLowerCase();
  if (lower === "database") return "database";
  if (["true", "on", "yes", "1"].includes(lower)) return true;
  if (["false", "off", "no", "0"].includes(lower)) return false;
  throw r.invalid("replication", value, 'a boolean or "database"');
}

/**
 * Validates merged settings and applies libpq's defaults.
 *
 * @param layer The merged settings (options, connection string, service file, environment).
 * @param host The runtime services, for the user name, home directory and `PGREQUIRESSL`.
 * @returns Every field of the resolved configuration except the client-side ones.
 * @throws {RangeError} For an invalid value or an inconsistent combination.
 * @throws {TypeError} When no user name can be determined.
 *
 * @example
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { layerFromStrings } from "./layer.ts";
 * import { validateSettings } from "./validate.ts";
 * const c = validateSettings(
 *   layerFromStrings({ host: "db", user: "u" }, "test"),
 *   staticConfigHost({}),
 * );
 * console.assert(c.database === "u" && c.hosts[0]?.port === 5432);
 * ```
 */
export function validateSettings(
  layer: Layer,
  host: ConfigHost,
): Omit<ResolvedConfig, ClientFields> {
  const r = new Reader(layer);
  const hosts = resolveHosts(r, host);
  const user = r.optional("user") ?? host.userName();
  if (user === undefined || user === "") {
    throw new TypeError("Cannot determine the user name: set user or PGUSER");
  }
  const rawPassword = r.setting("password")?.value;
  const password = typeof rawPassword === "function"
    ? rawPassword
    : typeof rawPassword === "string" && rawPassword !== ""
    ? rawPassword
    : undefined;
  const home = host.homeDir();

  const sslRootCert = r.optional("sslrootcert");
  let sslMode: SslMode;
  if (r.string("sslmode") !== undefined) {
    sslMode = r.choice("sslmode", SSL_MODES, "prefer");
  } else if (host.env("PGREQUIRESSL")?.startsWith("1")) {
    sslMode = "require";
  } else {
    sslMode = sslRootCert === "system" ? "verify-full" : "prefer";
  }
  if (sslRootCert === "system" && sslMode !== "verify-full") {
    throw r.error(
      `Weak sslmode "${sslMode}" may not be used with sslrootcert=system (use "verify-full")`,
    );
  }
  const sslNegotiation = r.choice("sslnegotiation", ["postgres", "direct"], "postgres");
  if (sslNegotiation === "direct" && !STRONG_SSL_MODES.includes(sslMode)) {
    throw r.error(
      `Weak sslmode "${sslMode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`,
    );
  }
  r.flag("sslcompression", false); // Validated, then ignored like libpq 17+.

  const sslMinProtocolVersion = tlsVersion(r, "ssl_min_protocol_version", "TLSv1.2");
  const sslMaxProtocolVersion = tlsVersion(r, "ssl_max_protocol_version", undefined);
  if (
    sslMinProtocolVersion !== undefined && sslMaxProtocolVersion !== undefined &&
    TLS_VERSIONS.indexOf(sslMinProtocolVersion) > TLS_VERSIONS.indexOf(sslMaxProtocolVersion)
  ) {
    throw r.error(
      `Invalid SSL protocol version range: ssl_min_protocol_version ${sslMinProtocolVersion} is above ssl_max_protocol_version ${sslMaxProtocolVersion}`,
    );
  }
  const minProtocolVersion = protocolVersion(r, "min_protocol_version") ?? "3.0";
  const maxProtocolVersion = protocolVersion(r, "max_protocol_version") ??
    (minProtocolVersion === "3.0" ? "3.0" : "3.2");
  if (minProtocolVersion > maxProtocolVersion) {
    throw r.error(
      `min_protocol_version ${minProtocolVersion} is greater than max_protocol_version ${maxProtocolVersion}`,
    );
  }

  const requireAuthText = r.string("require_auth");
  const clientEncoding = r.optional("client_encoding");
  const gssLib = r.optional("gsslib");
  if (gssLib !== undefined && gssLib !== "gssapi" && gssLib !== "sspi") {
    throw r.invalid("gsslib", gssLib, '"gssapi" or "sspi"');
  }

  return {
    hosts,
    database: r.optional("dbname") ?? user,
    user,
    password,
    passfile: r.optional("passfile") ?? (home === undefined ? undefined : `${home}/.pgpass`),
    requireAuth: requireAuthText === undefined ? undefined : parseRequireAuth(requireAuthText),
    channelBinding: r.choice("channel_binding", ["disable", "prefer", "require"], "prefer"),
    connectTimeout: connectTimeout(r),
    // Web runtimes have no locale to derive "auto" from; their text codecs are UTF-8.
    clientEncoding: clientEncoding === "auto" ? "UTF8" : clientEncoding,
    options: r.optional("options"),
    applicationName: r.optional("application_name") ?? r.optional("fallback_application_name"),
    keepalives: (r.integer("keepalives") ?? 1) !== 0,
    keepalivesIdle: r.nonNegative("keepalives_idle"),
    keepalivesInterval: r.nonNegative("keepalives_interval"),
    keepalivesCount: r.nonNegative("keepalives_count"),
    tcpUserTimeout: r.nonNegative("tcp_user_timeout"),
    replication: replication(r),
    gssEncMode: r.choice("gssencmode", ["disable", "prefer", "require"], "prefer"),
    sslMode,
    sslNegotiation,
    sslCert: r.optional("sslcert"),
    sslKey: r.optional("sslkey"),
    sslPassword: r.optional("sslpassword"),
    sslCertMode: r.choice("sslcertmode", ["disable", "allow", "require"], "allow"),
    sslRootCert,
    sslCrl: r.optional("sslcrl"),
    sslCrlDir: r.optional("sslcrldir"),
    sslSni: r.flag("sslsni", true),
    sslKeyLogFile: r.optional("sslkeylogfile"),
    requirePeer: r.optional("requirepeer"),
    sslMinProtocolVersion,
    sslMaxProtocolVersion,
    minProtocolVersion,
    maxProtocolVersion,
    krbSrvName: r.optional("krbsrvname") ?? "postgres",
    gssLib,
    gssDelegation: r.flag("gssdelegation", false),
    service: r.optional("service"),
    targetSessionAttrs: r.choice(
      "target_session_attrs",
      ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
      "any",
    ),
    loadBalanceHosts: r.choice("load_balance_hosts", ["disable", "random"], "disable"),
    oauthIssuer: r.optional("oauth_issuer"),
    oauthClientId: r.optional("oauth_client_id"),
    oauthClientSecret: r.optional("oauth_client_secret"),
    oauthScope: r.optional("oauth_scope"),
  };
}
