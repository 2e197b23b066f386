/**
 * Shared helpers for integration tests: opening a client on a harness server, SQL quoting and
 * bytea hex parsing for cross-checks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Client, connect, type ConnectClientOptions } from "../../mod.ts";
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
  const role = server.users[user];
  return connect({
    host: server.host,
    port: server.port,
    database,
    user: role.name,
    ...(role.password === null ? {} : { password: role.password }),
    sslMode: "disable",
  }, options);
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
