/**
 * pgline for Bun: the whole API, with `connect` and `createPool` bound to a transport on Bun's own
 * sockets (`Bun.connect`).
 *
 * @module
 */

import {
  type Client,
  type ConnectClientOptions,
  connectWith,
  type Runtime,
} from "../src/client.ts";
import type { ConnectOptions } from "../src/config.ts";
import { createPoolWith, type Pool, type PoolOptions } from "../src/pool/pool.ts";
import { nodeConfigHost } from "./node_host.ts";
import { bunTransport } from "./bun_transport.ts";

export * from "../src/api.ts";
export { bunTransport, createBunTransport } from "./bun_transport.ts";

/**
 * The Bun runtime: {@linkcode bunTransport} and the `node:process`/`node:fs` configuration host.
 */
export const bunRuntime: Runtime = { transport: bunTransport, host: nodeConfigHost() };

/**
 * Opens a connection over Bun's sockets, with libpq's semantics for the configuration, TLS and
 * authentication. See `connect` in the main entry for the parameters and errors.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Client-side settings with no libpq keyword.
 * @returns An open connection.
 */
export function connect(
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Client> {
  return connectWith(bunRuntime, config, options);
}

/**
 * Creates a connection pool whose connections use Bun's sockets. See `createPool` in the main
 * entry.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Pool settings and client settings for every connection.
 * @returns The pool.
 */
export function createPool(
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  return createPoolWith(bunRuntime, config, options);
}
