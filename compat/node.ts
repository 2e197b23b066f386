/**
 * pgline for Node (and any runtime with `node:net` and `node:tls`): the whole API, with `connect`
 * and `createPool` bound to a transport on `node:net` and `node:tls`.
 *
 * The package's main entry picks this adapter by itself on Node; import this entry to use it
 * explicitly (for example on Deno or Bun, to compare transports).
 *
 * @example Connecting from a Node app
 * ```ts
 * import { connect } from "@pgline/pgline/node";
 * const db = await connect("postgres://app@localhost/app");
 * const [row] = await db.sql`select 1 + 1 as two`;
 * await db.close();
 * ```
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
import { connectNode, connectNodeTls } from "../src/transport/node_socket.ts";
import { ALL_CAPABILITIES, type Transport } from "../src/transport/transport.ts";
import { nodeConfigHost } from "./node_host.ts";

export * from "../src/api.ts";
export { nodeConfigHost } from "./node_host.ts";

/**
 * Creates the `node:net`/`node:tls` transport. Every capability is supported: Unix-domain
 * sockets, the server certificate for channel binding, client certificates, sslmodes below
 * `verify-full`, and direct TLS with ALPN.
 *
 * @returns A transport; it holds no state, so one may serve any number of connections.
 *
 * @example Checking what the transport can do
 * ```ts
 * import { createNodeTransport } from "@pgline/pgline/node";
 * console.assert(createNodeTransport().capabilities.directTls);
 * ```
 */
export function createNodeTransport(): Transport {
  return {
    capabilities: ALL_CAPABILITIES,
    connect: connectNode,
    connectTls: connectNodeTls,
  };
}

/**
 * The shared `node:net`/`node:tls` transport (it holds no state).
 *
 * @example Passing the transport explicitly
 * ```ts
 * import { connect, nodeTransport } from "@pgline/pgline/node";
 * const db = await connect("postgres://app@localhost/app", { transport: nodeTransport });
 * ```
 */
export const nodeTransport: Transport = createNodeTransport();

/**
 * The Node runtime: {@linkcode nodeTransport} and {@linkcode nodeConfigHost}.
 *
 * @example Connecting with an explicit runtime
 * ```ts
 * import { connectWith, nodeRuntime } from "@pgline/pgline/node";
 * const db = await connectWith(nodeRuntime, "postgres://app@localhost/app");
 * ```
 */
export const nodeRuntime: Runtime = { transport: nodeTransport, host: nodeConfigHost() };

/**
 * Opens a connection over `node:net`/`node:tls`, with libpq's semantics for the configuration,
 * TLS and authentication. See `connect` in the main entry for the parameters and errors.
 *
 * @param config A URL, a libpq keyword/value string, or an options object; gaps are filled from
 * the `PG*` environment variables, the service file and the password file.
 * @param options Client-side settings with no libpq keyword.
 * @returns An open connection.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline/node";
 * await using db = await connect("postgres://app@localhost/app?sslmode=require");
 * const { rows } = await db.query("select $1::int + 1 as n", [41]);
 * ```
 */
export function connect(
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Client> {
  return connectWith(nodeRuntime, config, options);
}

/**
 * Creates a connection pool whose connections use `node:net`/`node:tls`. See `createPool` in the
 * main entry.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Pool settings and client settings for every connection.
 * @returns The pool.
 *
 * @example
 * ```ts
 * import { createPool } from "@pgline/pgline/node";
 * await using pool = createPool("postgres://app@localhost/app", { max: 10 });
 * const [row] = await pool.sql`select count(*)::int as n from users`;
 * ```
 */
export function createPool(
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  return createPoolWith(nodeRuntime, config, options);
}
