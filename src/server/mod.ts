/**
 * The server side of the PostgreSQL protocol, on pgline's two-sided codec: accept clients,
 * answer their TLS requests with a certificate, authenticate them (trust, cleartext, MD5,
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS), then exchange messages. Enough to write a
 * PostgreSQL-speaking server, a proxy, or a fake server for tests.
 *
 * Sockets come from `node:net` and `node:tls`, which Deno, Bun and Node all provide.
 *
 * @example A server answering `select 1` to any client with any password
 * ```ts
 * import { DataRow } from "@pgline/pgline/protocol";
 * import { listen } from "@pgline/pgline/server";
 * const server = await listen({ hostname: "127.0.0.1", port: 0 }, async (conn) => {
 *   const session = await conn.startup({ auth: { method: "password", password: "any" } });
 *   if (session.type !== "StartupMessage") return; // a CancelRequest
 *   for (let msg = await conn.receive(); msg.type !== "Terminate"; msg = await conn.receive()) {
 *     if (msg.type !== "Query") continue;
 *     await conn.send(
 *       {
 *         type: "RowDescription",
 *         fields: [{
 *           name: "?column?",
 *           tableOid: 0,
 *           columnAttribute: 0,
 *           typeOid: 23,
 *           typeSize: 4,
 *           typeModifier: -1,
 *           format: 0,
 *         }],
 *       },
 *       DataRow.from(["1"]),
 *       { type: "CommandComplete", tag: "SELECT 1" },
 *       { type: "ReadyForQuery", status: "I" },
 *     );
 *   }
 * });
 * console.assert(server.port > 0);
 * await server.close();
 * ```
 *
 * @module
 */

export {
  BackendConnection,
  type BackendConnectionOptions,
  type ServerSocket,
  type Session,
  type StartupOptions,
  type StartupPacket,
} from "./backend_connection.ts";
export { authenticate, type AuthMethod } from "./auth.ts";
export { listen, type Listener, type ListenOptions } from "./listen.ts";
export type { ServerTlsOptions, TlsInfo } from "../transport/transport.ts";
export { scramVerifier } from "../auth/scram_server.ts";
