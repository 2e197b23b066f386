/**
 * The authentication exchange after StartupMessage, as libpq's `pg_fe_sendauth` and pgjdbc's
 * authentication loop run it: answer each Authentication request until AuthenticationOk, enforcing
 * `require_auth` and `channel_binding` on the client's side.
 *
 * @module
 */

import { md5PasswordMessage } from "../auth/md5.ts";
import { createScramClient } from "../auth/sasl.ts";
import type { ScramClient } from "../auth/scram.ts";
import type { AuthMethod, ChannelBinding, RequireAuth } from "../config.ts";
import { AuthenticationError, PostgresError, ProtocolError } from "../errors.ts";
import type {
  BackendMessage,
  NegotiateProtocolVersion,
  NoticeFields,
} from "../protocol/messages.ts";
import type { Wire } from "./wire.ts";

/** What the authentication exchange needs to know. */
export interface AuthContext {
  /** The channel to the server. */
  wire: Wire;
  /** Role name (for MD5). */
  user: string;
  /** Resolves the password when the server asks for one. */
  password: () => Promise<string | undefined>;
  /** `require_auth`, parsed. */
  requireAuth: RequireAuth | undefined;
  /** `channel_binding`. */
  channelBinding: ChannelBinding;
  /** Whether the connection is encrypted. */
  tlsInUse: boolean;
  /** The server certificate, when the transport exposes it. */
  peerCertificate: Uint8Array | undefined;
  /** Called for each NoticeResponse. */
  onNotice: ((fields: NoticeFields) => void) | undefined;
  /** Checks a NegotiateProtocolVersion (only allowed before the first authentication request). */
  onNegotiate: (msg: NegotiateProtocolVersion) => void;
}

/** How authentication ended: the method used and whether channel binding was used. */
export interface AuthOutcome {
  /** The method the server asked for, or "none" for trust. */
  method: AuthMethod;
  /** True when SCRAM-SHA-256-PLUS bound the exchange to the TLS channel. */
  channelBound: boolean;
}

function allow(ctx: AuthContext, method: AuthMethod, what: string): void {
  const required = ctx.requireAuth;
  if (required !== undefined && !required.allowed.has(method)) {
    throw new AuthenticationError(
      `Authentication method requirement "${required.negated ? "!" : ""}${
        required.methods.join(",")
      }" failed: server requested ${what}`,
    );
  }
  if (ctx.channelBinding === "require" && method !== "scram-sha-256") {
    throw new AuthenticationError(
      `Channel binding is required, but server requested ${what}, which cannot bind to the TLS channel`,
    );
  }
}

async function needPassword(ctx: AuthContext): Promise<string> {
  const password = await ctx.password();
  if (password === undefined || password === "") {
    throw new AuthenticationError("The server requested a password, but none was supplied");
  }
  return password;
}

/**
 * Runs the exchange until AuthenticationOk.
 *
 * @throws {PostgresError} if the server refuses (e.g. SQLSTATE 28P01).
 * @throws {AuthenticationError} if the client refuses to go on.
 * @throws {ProtocolError} if the server sends something out of place.
 */
export async function authenticate(ctx: AuthContext): Promise<AuthOutcome> {
  let method: AuthMethod = "none";
  let scram: ScramClient | undefined;
  let scramDone = false;
  let channelBound = false;
  let first = true;
  for (;;) {
    const msg: BackendMessage = await ctx.wire.receive();
    const isFirst = first;
    first = false;
    switch (msg.type) {
      case "AuthenticationOk":
        if (scram !== undefined && !scramDone) {
          throw new AuthenticationError(
            "Server sent AuthenticationOk before the SASL exchange was complete",
          );
        }
        if (method === "none") {
          const required = ctx.requireAuth;
          if (required !== undefined && !required.allowed.has("none")) {
            throw new AuthenticationError(
              `Authentication method requirement "${required.negated ? "!" : ""}${
                required.methods.join(",")
              }" failed: server did not complete authentication`,
            );
          }
          if (ctx.channelBinding === "require") {
            throw new AuthenticationError(
              "Channel binding required, but server authenticated client without channel binding",
            );
          }
        }
        if (ctx.channelBinding === "require" && !channelBound) {
          throw new AuthenticationError(
            "Channel binding required, but server authenticated client without channel binding",
          );
        }
        return { method, channelBound };
      case "AuthenticationCleartextPassword":
        allow(ctx, "password", "a cleartext password");
        method = "password";
        await ctx.wire.send({ type: "PasswordMessage", password: await needPassword(ctx) });
        break;
      case "AuthenticationMD5Password":
        allow(ctx, "md5", "an MD5-hashed password");
        method = "md5";
        await ctx.wire.send({
          type: "PasswordMessage",
          password: md5PasswordMessage(ctx.user, await needPassword(ctx), msg.salt),
        });
        break;
      case "AuthenticationSASL": {
        allow(ctx, "scram-sha-256", "SASL authentication");
        if (scram !== undefined) throw new ProtocolError("Server started a second SASL exchange");
        method = "scram-sha-256";
        const options: Parameters<typeof createScramClient>[0] = {
          serverMechanisms: msg.mechanisms,
          channelBinding: ctx.channelBinding,
          tlsInUse: ctx.tlsInUse,
          password: await needPassword(ctx),
        };
        if (ctx.peerCertificate !== undefined) options.peerCertificate = ctx.peerCertificate;
        scram = await createScramClient(options);
        channelBound = scram.mechanism === "SCRAM-SHA-256-PLUS";
        await ctx.wire.send({
          type: "SASLInitialResponse",
          mechanism: scram.mechanism,
          data: scram.clientFirstMessage(),
        });
        break;
      }
      case "AuthenticationSASLContinue":
        if (scram === undefined) {
          throw new ProtocolError("Server sent SASLContinue outside a SASL exchange");
        }
        await ctx.wire.send({
          type: "SASLResponse",
          data: await scram.clientFinalMessage(msg.data),
        });
        break;
      case "AuthenticationSASLFinal":
        if (scram === undefined) {
          throw new ProtocolError("Server sent SASLFinal outside a SASL exchange");
        }
        await scram.verifyServerFinal(msg.data);
        scramDone = true;
        break;
      case "AuthenticationGSS":
      case "AuthenticationGSSContinue":
      case "AuthenticationKerberosV5":
        allow(ctx, "gss", "GSSAPI authentication");
        throw new AuthenticationError("GSSAPI/Kerberos authentication is not supported by pgline");
      case "AuthenticationSSPI":
        allow(ctx, "sspi", "SSPI authentication");
        throw new AuthenticationError("SSPI authentication is not supported by pgline");
      case "ErrorResponse":
        throw new PostgresError(noticeToErrorFields(msg.fields));
      case "NoticeResponse":
        ctx.onNotice?.(msg.fields);
        break;
      case "NegotiateProtocolVersion":
        if (!isFirst) {
          throw new ProtocolError("Server sent NegotiateProtocolVersion during authentication");
        }
        ctx.onNegotiate(msg);
        first = true;
        break;
      default:
        throw new ProtocolError(`Unexpected ${msg.type} message during authentication`);
    }
  }
}

const FIELD_NAMES: Record<string, string> = {
  S: "severity",
  V: "severityNonLocalized",
  C: "code",
  M: "message",
  D: "detail",
  H: "hint",
  P: "position",
  p: "internalPosition",
  q: "internalQuery",
  W: "where",
  s: "schema",
  t: "table",
  c: "column",
  d: "dataType",
  n: "constraint",
  F: "file",
  L: "line",
  R: "routine",
};

/** Maps ErrorResponse/NoticeResponse fields by code to named fields (positions as numbers). */
export function noticeToErrorFields(fields: NoticeFields): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const code in fields) {
    const name = FIELD_NAMES[code];
    if (name === undefined) continue;
    const value = fields[code]!;
    out[name] = name === "position" || name === "internalPosition" ? Number(value) : value;
  }
  return out;
}
