/**
 * `resolveConfig`: merges options, the connection string or object, the service file and the
 * environment with libpq's precedence, then validates.
 *
 * @module
 */

import { parseConnectionString } from "./conninfo.ts";
import type { ConfigHost } from "./host.ts";
import { KEYWORDS, REDACTED } from "./keywords.ts";
import { type Layer, layerFromObject, layerFromStrings, mergeLayers } from "./layer.ts";
import { readService } from "./service_file.ts";
import type { ClientOptions, ConnectOptions, NoticeHandler, ResolvedConfig } from "./types.ts";
import { validateSettings } from "./validate.ts";

/**
 * Environment variables libpq sends as startup parameters rather than keywords; the value
 * `default` (any case) means "do not send".
 */
const STARTUP_ENV: readonly (readonly [string, string])[] = [
  ["PGDATESTYLE", "datestyle"],
  ["PGTZ", "timezone"],
  ["PGGEQO", "geqo"],
];

function configLayer(config: string | URL | ConnectOptions | undefined): Layer {
  if (config === undefined) return new Map();
  if (typeof config === "string") {
    return layerFromStrings(parseConnectionString(config), "connection string");
  }
  if (config instanceof URL) {
    return layerFromStrings(parseConnectionString(config.href), "connection string");
  }
  return layerFromObject(config, "config object");
}

function envLayer(host: ConfigHost): Layer {
  const layer: Layer = new Map();
  for (const spec of KEYWORDS) {
    // PGSERVICE and PGSERVICEFILE only choose the service file; they are read there.
    if (spec.env === undefined || spec.keyword === "service") continue;
    const value = host.env(spec.env);
    if (value !== undefined) {
      layer.set(spec.keyword, { value, source: `environment variable ${spec.env}` });
    }
  }
  return layer;
}

function clientField<T>(
  key: "onNotice" | "transport",
  ...objects: readonly (object | undefined)[]
): T | undefined {
  for (const object of objects) {
    const value = object === undefined ? undefined : (object as Record<string, unknown>)[key];
    if (value !== undefined) return value as T;
  }
  return undefined;
}

/**
 * Resolves a connection configuration with libpq's precedence: `options` first, then `config`
 * (a URI, a `keyword=value` string or a {@linkcode ConnectOptions} object), then the service
 * named by `service` or `PGSERVICE`, then `PG*` environment variables, then libpq's defaults. A
 * service file entry beats an environment variable, as in libpq.
 *
 * @param config A connection string or option object.
 * @param options Client options; they override `config`.
 * @param host The runtime services (environment, files, user).
 * @returns The validated configuration. Its `toString()`, `toJSON()` and console inspection hide
 *   secrets.
 * @throws {SyntaxError} For a malformed connection string or service file.
 * @throws {TypeError} For an unknown keyword or option, or a value of the wrong type.
 * @throws {RangeError} For an invalid value, a port/host count mismatch, a weak `sslmode` with
 *   `sslrootcert=system` or `sslnegotiation=direct`, or an undefined service.
 *
 * @example Options override the connection string
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { resolveConfig } from "./resolve.ts";
 * const host = staticConfigHost({ USER: "alice", PGSSLMODE: "disable" });
 * const c = await resolveConfig("postgres://db1,db2:6000/app", { sslMode: "require" }, host);
 * console.assert(c.hosts.length === 2 && c.hosts[1]?.port === 6000);
 * console.assert(c.sslMode === "require" && c.user === "alice");
 * ```
 */
export async function resolveConfig(
  config: string | URL | ConnectOptions | undefined,
  options: ClientOptions | undefined,
  host: ConfigHost,
): Promise<ResolvedConfig> {
  const explicit = mergeLayers([
    options === undefined ? new Map() : layerFromObject(options, "options"),
    configLayer(config),
  ]);
  const layers: Layer[] = [explicit];
  const serviceSetting = explicit.get("service")?.value;
  const service = typeof serviceSetting === "string" ? serviceSetting : host.env("PGSERVICE");
  if (service !== undefined && service !== "") {
    const fileSetting = explicit.get("servicefile")?.value;
    const { values, path } = await readService(
      service,
      typeof fileSetting === "string" && fileSetting !== "" ? fileSetting : undefined,
      host,
    );
    const layer = layerFromStrings(values, `service file "${path}"`);
    layer.set("service", { value: service, source: "service" });
    layers.push(layer);
  }
  layers.push(envLayer(host));

  const settings = validateSettings(mergeLayers(layers), host);
  const startupParams: Record<string, string> = {};
  for (const [env, param] of STARTUP_ENV) {
    const value = host.env(env);
    if (value !== undefined && value.toLowerCase() !== "default") startupParams[param] = value;
  }
  const resolved: ResolvedConfig = {
    ...settings,
    startupParams,
    onNotice: clientField<NoticeHandler>("onNotice", options, config as object | undefined),
    transport: clientField<unknown>("transport", options, config as object | undefined),
  };
  return hideSecrets(resolved);
}

const INSPECT_SYMBOLS = [
  Symbol.for("Deno.customInspect"),
  Symbol.for("nodejs.util.inspect.custom"),
];

function hideSecrets(config: ResolvedConfig): ResolvedConfig {
  const describe = (): string => formatConfig(config);
  const json = (): Record<string, unknown> => redactConfig(config);
  Object.defineProperty(config, "toString", { value: describe });
  Object.defineProperty(config, "toJSON", { value: json });
  for (const symbol of INSPECT_SYMBOLS) {
    Object.defineProperty(config, symbol, { value: () => `ResolvedConfig { ${describe()} }` });
  }
  return config;
}

const SECRET_FIELDS = ["password", "sslPassword", "oauthClientSecret"] as const;

/**
 * A copy of a resolved configuration that is safe to log: secrets become `********`, sets become
 * arrays, and functions are dropped.
 *
 * @param config The resolved configuration.
 * @returns A plain, JSON-friendly object.
 *
 * @example
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { redactConfig, resolveConfig } from "./resolve.ts";
 * const c = await resolveConfig("host=h user=u password=hunter2", undefined, staticConfigHost({}));
 * console.assert(redactConfig(c).password === "********");
 * ```
 */
export function redactConfig(config: ResolvedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "function" && !SECRET_FIELDS.includes(key as never)) continue;
    if (key === "transport") continue;
    out[key] = value;
  }
  for (const key of SECRET_FIELDS) if (config[key] !== undefined) out[key] = REDACTED;
  if (config.requireAuth !== undefined) {
    out.requireAuth = { ...config.requireAuth, allowed: [...config.requireAuth.allowed] };
  }
  return out;
}

/**
 * A one-line, libpq-style summary of a resolved configuration, with secrets masked.
 *
 * @param config The resolved configuration.
 * @returns Such as `host=db port=5432 dbname=app user=alice password=******** sslmode=prefer`.
 *
 * @example
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { formatConfig, resolveConfig } from "./resolve.ts";
 * const c = await resolveConfig("host=db user=u password=pw", undefined, staticConfigHost({}));
 * console.assert(
 *   formatConfig(c) === "host=db port=5432 dbname=u user=u password=******** sslmode=prefer",
 * );
 * ```
 */
export function formatConfig(config: ResolvedConfig): string {
  const parts = [
    `host=${config.hosts.map((h) => h.host).join(",")}`,
    `port=${config.hosts.map((h) => h.port).join(",")}`,
    `dbname=${config.database}`,
    `user=${config.user}`,
  ];
  if (config.password !== undefined) parts.push(`password=${REDACTED}`);
  parts.push(`sslmode=${config.sslMode}`);
  if (config.targetSessionAttrs !== "any") {
    parts.push(`target_session_attrs=${config.targetSessionAttrs}`);
  }
  return parts.join(" ");
}
