/**
 * Shared helpers for integration tests: opening a client on a harness server, SQL quoting and
 * bytea hex parsing for cross-checks.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Client,
  connect,
  type ConnectClientOptions,
  type ConnectOptions,
  createPool,
  type Pool,
  type PoolOptions,
} from "../../mod.ts";
import type { TestServer, TestUserName } from "./servers.ts";

/**
 * Opens a plain-TCP client on `server` as `user` (its password from the harness).
 *
 * @param server The harness server.
 * @param user The role, `scram_user` by default.
 * @param options Client options (types, statement cache size, ...).
 * @param database The database, the server's shared one by default.
 * @returns An open client.
 */
export function openClient(
  server: TestServer,
  user: TestUserName = "scram_user",
  options?: ConnectClientOptions,
  database: string = server.database,
): Promise<Client> {
  return connect({ ...plainConfig(server, server.port, user), database }, options);
}

/**
 * Plain-TCP settings for `user` on `server`, or on a proxy in front of it at `port` on loopback.
 *
 * @param server The harness server.
 * @param port The server's port, or a proxy's.
 * @param user The role, `scram_user` by default.
 * @returns Settings for `connect` or `createPool`.
 */
export function plainConfig(
  server: TestServer,
  port: number = server.port,
  user: TestUserName = "scram_user",
): ConnectOptions {
  const role = server.users[user];
  return {
    host: port === server.port ? server.host : "127.0.0.1",
    port,
    database: server.database,
    user: role.name,
    ...(role.password === null ? {} : { password: role.password }),
    sslMode: "disable",
  };
}

/**
 * A pool of plain-TCP `scram_user` connections on `server`, or on a proxy at `port`.
 *
 * @param server The harness server.
 * @param options Pool settings.
 * @param port The server's port, or a proxy's.
 * @returns The pool.
 */
export function openPool(server: TestServer, options?: PoolOptions, port = server.port): Pool {
  return createPool(plainConfig(server, port), options);
}

/** `text` as a SQL string literal. */
export function quoteLiteral(text: string): string {
  return "'" + text.replaceAll("'", "''") + "'";
}

/** The bytes of a bytea value printed in hex (`\x...`). */
export function hexBytes(hex: string | null): Uint8Array {
  assert.ok(hex !== null && hex.startsWith("\\x"), `bytea hex: ${hex}`);
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + i * 2, 4 + i * 2), 16);
  return out;
}
