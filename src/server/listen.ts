/**
 * Accepting connections for a PostgreSQL-speaking server, on `node:net` (which Deno, Bun and
 * Node all provide; Deno's own API cannot turn an accepted plain connection into a TLS server
 * connection after an SSLRequest, and `node:tls` can).
 *
 * @module
 */

import net from "node:net";
import { NodeSocket } from "../transport/node_socket.ts";
import { BackendConnection, type BackendConnectionOptions } from "./backend_connection.ts";

/**
 * Where {@linkcode listen} accepts connections: TCP (`port` 0 picks a free one), or a Unix socket
 * path.
 *
 * @example A random loopback port
 * ```ts
 * import type { ListenOptions } from "@pgline/pgline/server";
 * const where: ListenOptions = { hostname: "127.0.0.1", port: 0 };
 * console.assert(where.port === 0);
 * ```
 */
export type ListenOptions =
  & ({
    /**
     * Address to listen on.
     *
     * @default {"127.0.0.1"}
     */
    hostname?: string;
    /**
     * TCP port; 0 for any free port.
     *
     * @default {0}
     */
    port?: number;
    path?: undefined;
  } | {
    /** A Unix-domain socket path, such as `/tmp/.s.PGSQL.5432`. */
    path: string;
  })
  & BackendConnectionOptions;

/**
 * A listening server, from {@linkcode listen}.
 *
 * @example Closing it
 * ```ts
 * import { listen, type Listener } from "@pgline/pgline/server";
 * const server: Listener = await listen({ port: 0 }, (conn) => conn.close());
 * console.assert(server.port > 0);
 * await server.close();
 * ```
 */
export interface Listener {
  /** The address listened on (the socket path for a Unix socket). */
  readonly hostname: string;
  /** The TCP port (0 for a Unix socket). */
  readonly port: number;
  /** Connections accepted and not yet closed. */
  readonly connections: ReadonlySet<BackendConnection>;
  /**
   * Stops accepting, closes every open connection, and resolves when the listener is closed.
   * Safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Listens for PostgreSQL clients and hands each one, as a {@linkcode BackendConnection}, to
 * `handler`. A handler that throws or rejects has its connection closed; nothing else is
 * affected.
 *
 * @param options Where to listen, and options for each connection.
 * @param handler Runs the conversation with one client.
 * @returns The listener, once it listens.
 * @throws {Error} when the address cannot be listened on.
 *
 * @example A server that lets anyone in and answers every query with nothing
 * ```ts
 * import { listen } from "@pgline/pgline/server";
 * const server = await listen({ hostname: "127.0.0.1", port: 0 }, async (conn) => {
 *   const session = await conn.startup({ auth: { method: "trust" } });
 *   if (session.type !== "StartupMessage") return;
 *   for (;;) {
 *     const msg = await conn.receive();
 *     if (msg.type === "Terminate") return;
 *     if (msg.type === "Query") {
 *       await conn.send({ type: "EmptyQueryResponse" }, { type: "ReadyForQuery", status: "I" });
 *     }
 *   }
 * });
 * console.assert(server.port > 0);
 * await server.close();
 * ```
 */
export async function listen(
  options: ListenOptions,
  handler: (connection: BackendConnection) => void | Promise<void>,
): Promise<Listener> {
  const connections = new Set<BackendConnection>();
  const server = net.createServer({ noDelay: true }, (raw) => {
    const label = raw.remoteAddress === undefined
      ? "client"
      : `client ${raw.remoteAddress}:${raw.remotePort}`;
    if (raw.remoteAddress !== undefined) raw.setNoDelay(true);
    const connection = new BackendConnection(new NodeSocket(raw, label), options);
    connections.add(connection);
    raw.once("close", () => connections.delete(connection));
    const closed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    (async () => {
      try {
        await handler(connection);
      } catch {
        // The handler's failure ends its connection only.
      } finally {
        // A write resolves once the socket took the bytes, not once they were sent: end
        // gracefully (what is queued, then FIN), and destroy only if the client does not close
        // within 2 s, so that a handler's last words (a FATAL, say) reach the client.
        connection.end();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise((r) => timer = setTimeout(r, 2_000))]);
        clearTimeout(timer);
        connection.close();
        connections.delete(connection);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const ready = () => {
      server.off("error", reject);
      resolve();
    };
    if (options.path !== undefined) server.listen(options.path, ready);
    else server.listen(options.port ?? 0, options.hostname ?? "127.0.0.1", ready);
  });
  // Later errors (none expected once listening) must not crash the process.
  server.on("error", () => {});
  const address = server.address();
  const hostname = typeof address === "string" ? address : address?.address ?? "";
  const port = typeof address === "object" && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    hostname,
    port,
    connections,
    close() {
      return closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of connections) connection.close();
      });
    },
  };
}
