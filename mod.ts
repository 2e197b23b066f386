/**
 * pgline: a zero-dependency PostgreSQL client and wire-protocol toolkit for Deno, Bun and Node.
 *
 * This entry works on Deno, Bun and Node: `connect` and `createPool` use the sockets and
 * environment of the runtime they run on (Deno's own sockets, Bun's own sockets, or `node:net` and
 * `node:tls`), loading only that runtime's adapter. `@pgline/pgline/node` and
 * `@pgline/pgline/bun` export the same API bound to one adapter. The protocol codec is at
 * `@pgline/pgline/protocol`.
 *
 * @example Connecting and running queries
 * ```ts
 * import { connect } from "@pgline/pgline";
 * await using db = await connect("postgres://app@localhost/app?sslmode=verify-full");
 * const { rows } = await db.query("select $1::int + 1 as n", [41]); // [{ n: 42 }]
 * const id = 7;
 * const users = await db.sql`select * from users where id = ${id}`;
 * for await (const row of db.stream("select * from big")) console.log(row);
 * await db.transaction(async (tx) => {
 *   await tx.sql`update users set seen = now() where id = ${id}`;
 * });
 * ```
 *
 * @module
 */

import { type Client, type ConnectClientOptions, connectWith, type Runtime } from "./src/client.ts";
import type { ConnectOptions } from "./src/config.ts";
import { createPoolWith, type Pool, type PoolOptions } from "./src/pool/pool.ts";

export * from "./src/api.ts";

let loading: Promise<Runtime> | undefined;

/**
 * The adapter for the runtime this code runs on, loaded on first use: Deno's own sockets on Deno,
 * Bun's on Bun, `node:net`/`node:tls` elsewhere. Only the chosen adapter's module is loaded. This
 * entry is the one place that looks at the runtime; the core never does, and `compat/node.ts`
 * and `compat/bun.ts` bind their adapter without looking.
 */
function defaultRuntime(): Promise<Runtime> {
  return loading ??= loadRuntime();
}

async function loadRuntime(): Promise<Runtime> {
  const global = globalThis as { Deno?: unknown; Bun?: unknown };
  if (global.Deno !== undefined) {
    const { denoTransport, denoConfigHost } = await import("./src/transport/deno.ts");
    return { transport: denoTransport, host: denoConfigHost() };
  }
  if (global.Bun !== undefined) return (await import("./compat/bun.ts")).bunRuntime;
  return (await import("./compat/node.ts")).nodeRuntime;
}

/**
 * Opens a connection, with libpq's semantics for the configuration, TLS and authentication.
 *
 * @param config A URL (`postgres://user:pass@host:5432/db?sslmode=require`), a libpq keyword/value
 * string (`host=... dbname=...`), or an options object; gaps are filled from the `PG*`
 * environment variables, the service file and the password file, as libpq does.
 * @param options Client-side settings with no libpq keyword (`connectTimeout` in ms, a password
 * function, `onNotice`, `onTrace`, a transport); they override `config`.
 * @returns An open connection.
 * @throws {TypeError|RangeError|SyntaxError} for a bad configuration (the password is redacted).
 * @throws {PostgresError} when the server refuses (e.g. SQLSTATE 28P01, wrong password).
 * @throws {AuthenticationError} when the client refuses (bad server signature, channel binding).
 * @throws {ConnectionError} when no server could be reached.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * declare function fetchToken(): Promise<string>; // e.g. a cloud IAM token
 * const db = await connect({ host: "localhost", database: "app", user: "app" }, {
 *   password: async () => await fetchToken(),
 * });
 * await db.close();
 * ```
 */
export function connect(
  config?: string | URL | ConnectOptions,
  options?: ConnectClientOptions,
): Promise<Client> {
  return connectWith(defaultRuntime, config, options);
}

/**
 * Creates a connection pool (see {@link Pool}): connections are opened on demand, up to `max`,
 * with the same configuration semantics as {@link connect}.
 *
 * @param config A URL, a libpq keyword/value string, or an options object.
 * @param options Pool settings (`max`, `min`, `idleTimeout`, `maxLifetime`, `acquireTimeout`)
 * and client settings for every connection.
 * @returns The pool; close it with `close()` or `await using`.
 * @throws {RangeError} for a bad pool setting.
 *
 * @example
 * ```ts
 * import { createPool } from "@pgline/pgline";
 * await using pool = createPool("postgres://app@localhost/app", { max: 20, acquireTimeout: 5000 });
 * const [row] = await pool.sql`select count(*)::int as n from users`;
 * ```
 */
export function createPool(
  config?: string | URL | ConnectOptions,
  options?: PoolOptions,
): Pool {
  return createPoolWith(defaultRuntime, config, options);
}
