/**
 * pgline: a zero-dependency PostgreSQL client and wire-protocol toolkit for Deno, Bun and Node.
 *
 * This entry exports the error classes; the protocol codec is at `@pgline/pgline/protocol`.
 *
 * @example Catching a server error
 * ```ts
 * import { PostgresError } from "@pgline/pgline";
 * try {
 *   throw new PostgresError({ code: "42P01", message: 'relation "nope" does not exist' });
 * } catch (err) {
 *   if (err instanceof PostgresError && err.code === "42P01") console.log("no such table");
 * }
 * ```
 *
 * @module
 */

export {
  AuthenticationError,
  ConnectionError,
  PostgresError,
  type PostgresErrorFields,
  ProtocolError,
} from "./src/errors.ts";
