/**
 * `connect`, independent of the runtime: the entry points (`mod.ts`, `compat/*`) bind it to their
 * transport and environment.
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
import type { Transport } from "./transport/transport.ts";

/** Client-side options of {@link connectWith}: {@link ClientOptions} plus debugging hooks. */
export interface ConnectClientOptions extends ClientOptions {
  /** Sees every protocol message in both directions (`[F2B]`/`[B2F]`), e.g. for a wire trace. */
  onTrace?: TraceHandler;
  /** Sees each libpq-style state change of the set-up, per host. */
  onState?: (state: ConnectionState, host: HostEntry) => void;
}

/** What a runtime supplies: a transport and access to its environment and files. */
export interface Runtime {
  /** The default transport. */
  transport: Transport;
  /** Environment variables, files, home directory, user name. */
  host: ConfigHost;
}

/**
 * Connects with an explicit runtime. Most code calls `connect` from `mod.ts` or a compat entry.
 *
 * @param runtime Transport and environment.
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Client-side settings; they override `config`.
 * @returns An open connection.
 * @throws {TypeError|RangeError|SyntaxError} for a bad configuration (the password is redacted).
 * @throws {PostgresError} when the server refuses (e.g. SQLSTATE 28P01, wrong password).
 * @throws {AuthenticationError} when the client refuses (bad server signature, channel binding).
 * @throws {ConnectionError} when no server could be reached.
 *
 * @example
 * ```ts ignore
 * import { connectWith } from "@pgline/pgline/client";
 * const db = await connectWith(myRuntime, "postgres://app@localhost/app");
 * ```
 */
export async function connectWith(
  runtime: Runtime,
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Connection> {
  const { onTrace, onState, ...rest } = options ?? {};
  const resolved = await resolveConfig(config, rest, runtime.host);
  const transport = (resolved.transport as Transport | undefined) ?? runtime.transport;
  const establishOptions: EstablishOptions = { transport, host: runtime.host };
  if (onTrace !== undefined) establishOptions.onTrace = onTrace;
  if (onState !== undefined) establishOptions.onState = onState;
  return await establish(resolved, establishOptions);
}
