/**
 * The server side of authentication: trust, cleartext password, MD5 and SCRAM-SHA-256(-PLUS),
 * with PostgreSQL's messages and SQLSTATEs when a client fails.
 *
 * @module
 */

import { tlsServerEndPoint } from "../auth/channel_binding.ts";
import { md5Hex, md5Salted } from "../auth/md5.ts";
import { ScramServer, scramVerifier } from "../auth/scram_server.ts";
import { AuthenticationError, ConnectionError } from "../errors.ts";
import type { BackendConnection } from "./backend_connection.ts";

/**
 * How a server checks a client, as a `pg_hba.conf` method with the role's secret:
 *
 * - `trust`: anyone gets in;
 * - `password`: the password in clear text (use TLS);
 * - `md5`: the MD5 challenge, with the clear password or the stored `md5…` hash;
 * - `scram-sha-256`: SCRAM, with the clear password or a stored `SCRAM-SHA-256$…` verifier;
 *   over TLS `SCRAM-SHA-256-PLUS` (channel binding) is offered too unless `channelBinding` is
 *   false.
 *
 * @example One method per user
 * ```ts
 * import type { AuthMethod } from "@pgline/pgline/server";
 * const byUser = (user: string): AuthMethod =>
 *   user === "app" ? { method: "scram-sha-256", password: "secret" } : { method: "trust" };
 * console.assert(byUser("app").method === "scram-sha-256");
 * ```
 */
export type AuthMethod =
  | { method: "trust" }
  | { method: "password"; password: string }
  | { method: "md5"; password: string }
  | {
    method: "scram-sha-256";
    /** The clear password, or `verifier` instead. */
    password?: string;
    /** A `pg_authid`-style verifier, `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. */
    verifier?: string;
    /**
     * Offer SCRAM-SHA-256-PLUS over TLS.
     *
     * @default {true}
     */
    channelBinding?: boolean;
  };

/**
 * Runs one authentication exchange and sends AuthenticationOk; on failure sends the client a
 * FATAL as PostgreSQL would (28P01 for a wrong password, 08P01 for a broken exchange), closes,
 * and throws.
 *
 * @param conn The client, past its StartupMessage.
 * @param user The user name it sent.
 * @param auth The method and secret.
 * @throws {AuthenticationError} when the client failed.
 * @throws {ConnectionError} when the client hung up.
 *
 * @example Running the startup phase by hand, with MD5
 * ```ts
 * import { authenticate, listen } from "@pgline/pgline/server";
 * const server = await listen({ port: 0 }, async (conn) => {
 *   const { message } = await conn.readStartupPacket();
 *   if (message.type !== "StartupMessage") return conn.close();
 *   const user = message.parameters.user ?? "";
 *   await authenticate(conn, user, { method: "md5", password: "secret" });
 *   await conn.send(
 *     { type: "BackendKeyData", processId: 1, secretKey: new Uint8Array(4) },
 *     { type: "ReadyForQuery", status: "I" },
 *   );
 * });
 * await server.close();
 * ```
 */
export async function authenticate(
  conn: BackendConnection,
  user: string,
  auth: AuthMethod,
): Promise<void> {
  const failed = `password authentication failed for user "${user}"`;
  try {
    switch (auth.method) {
      case "trust":
        break;
      case "password": {
        conn.passwordKind = "PasswordMessage";
        await conn.send({ type: "AuthenticationCleartextPassword" });
        const reply = await conn.expect("PasswordMessage");
        if (reply.password !== auth.password) throw new AuthenticationError(failed);
        break;
      }
      case "md5": {
        const salt = crypto.getRandomValues(new Uint8Array(4));
        conn.passwordKind = "PasswordMessage";
        await conn.send({ type: "AuthenticationMD5Password", salt });
        const reply = await conn.expect("PasswordMessage");
        if (reply.password !== md5Answer(user, auth.password, salt)) {
          throw new AuthenticationError(failed);
        }
        break;
      }
      case "scram-sha-256":
        await scram(conn, auth);
        break;
      default:
        throw new TypeError(`Unknown authentication method ${(auth as { method: string }).method}`);
    }
    await conn.send({ type: "AuthenticationOk" });
  } catch (err) {
    if (err instanceof ConnectionError) throw err;
    if (err instanceof AuthenticationError) {
      const wrongPassword = err.message === failed || /wrong password/.test(err.message);
      await conn.fatal(
        wrongPassword ? "28P01" : "08P01",
        wrongPassword ? failed : err.message,
      ).catch(() => {});
      throw wrongPassword ? new AuthenticationError(failed, { cause: err }) : err;
    }
    await conn.fatal("08P01", (err as Error).message).catch(() => {});
    throw err;
  }
}

/** What an MD5 client must answer: `md5` + md5(md5(password + user) + salt). */
function md5Answer(user: string, secret: string, salt: Uint8Array): string {
  // A stored pg_authid hash is `md5` + md5(password + user) already.
  const stored = /^md5[0-9a-f]{32}$/.test(secret)
    ? secret.slice(3)
    : md5Hex(new TextEncoder().encode(secret + user));
  return md5Salted(stored, salt);
}

async function scram(
  conn: BackendConnection,
  auth: Extract<AuthMethod, { method: "scram-sha-256" }>,
): Promise<void> {
  const verifier = auth.verifier ??
    (auth.password !== undefined ? await scramVerifier(auth.password) : undefined);
  if (verifier === undefined) {
    throw new TypeError("scram-sha-256 needs a password or a verifier");
  }
  const certificate = conn.tls?.localCertificate;
  const binding = auth.channelBinding !== false && certificate !== undefined
    ? await tlsServerEndPoint(certificate)
    : undefined;
  const mechanisms = binding === undefined
    ? ["SCRAM-SHA-256"]
    : ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"];
  const server = new ScramServer(
    verifier,
    binding === undefined ? undefined : { channelBindingData: binding },
  );
  conn.passwordKind = "SASLInitialResponse";
  await conn.send({ type: "AuthenticationSASL", mechanisms });
  const initial = await conn.expect("SASLInitialResponse");
  if (!mechanisms.includes(initial.mechanism)) {
    throw new AuthenticationError(
      "client selected an invalid SASL authentication mechanism",
    );
  }
  if (initial.data === null) {
    throw new AuthenticationError("client sent an empty SASLInitialResponse");
  }
  const first = server.serverFirstMessage(initial.data, initial.mechanism);
  conn.passwordKind = "SASLResponse";
  await conn.send({ type: "AuthenticationSASLContinue", data: first });
  const response = await conn.expect("SASLResponse");
  const final = await server.serverFinalMessage(response.data);
  await conn.send({ type: "AuthenticationSASLFinal", data: final });
}
