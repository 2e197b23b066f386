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
 *
 * @example Connecting with an explicit runtime
 * ```ts
 * import { bunRuntime, connectWith } from "@pgline/pgline/bun";
 * const db = await connectWith(bunRuntime, "postgres://app@localhost/app");
 * await db.close();
 * ```
 */
export const bunRuntime: Runtime = { transport: bunTransport, host: nodeConfigHost() };

/**
 * Opens a connection over Bun's sockets, with libpq's semantics for the configuration, TLS and
 * authentication. See `connect` in the main entry for the parameters and errors.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Client-side settings with no libpq keyword.
 * @returns An open connection.
 *
 * @example Connecting from a Bun app
 * ```ts
 * import { connect } from "@pgline/pgline/bun";
 * await using db = await connect("postgres://app@localhost/app?sslmode=require");
 * const [row] = await db.sql`select version() as version`;
 * console.log(row?.version);
 * ```
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
 *
 * @example A pool for a Bun server
 * ```ts
 * import { createPool } from "@pgline/pgline/bun";
 * await using pool = createPool("postgres://app@localhost/app", { max: 10 });
 * const { rows } = await pool.query("select count(*)::int as n from users");
 * console.log(rows[0]?.n);
 * ```
 */
export function createPool(
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  return createPoolWith(bunRuntime, config, options);
}
