/**
 * Choosing a SASL mechanism after AuthenticationSASL, the way libpq's `pg_SASL_init` does, and
 * starting the SCRAM client that goes with it.
 *
 * See https://www.postgresql.org/docs/current/sasl-authentication.html
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import { tlsServerEndPoint } from "./channel_binding.ts";
import { type ChannelBindingFlag, ScramClient, type ScramClientOptions } from "./scram.ts";

/** libpq's `channel_binding` connection parameter. */
export type ChannelBindingMode = "disable" | "prefer" | "require";

/** What {@linkcode selectSaslMechanism} needs to know. */
export interface SaslSelectionInput {
  /** The mechanism names listed in AuthenticationSASL, in the server's order. */
  serverMechanisms: readonly string[];
  /** The `channel_binding` setting. */
  channelBinding: ChannelBindingMode;
  /** Whether the connection is encrypted with TLS. */
  tlsInUse: boolean;
  /**
   * Whether the server's DER certificate can be had from the TLS layer. Without it the client
   * cannot bind, exactly like a libpq built without channel binding support.
   */
  peerCertificateAvailable: boolean;
}

/** The mechanism to name in SASLInitialResponse, and the GS2 flag that goes with it. */
export interface SaslSelection {
  /** `SCRAM-SHA-256-PLUS` exactly when `flag` is `"p"`. */
  mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-256-PLUS";
  /** The GS2 channel binding flag for {@linkcode ScramClientOptions.channelBinding}. */
  flag: ChannelBindingFlag;
}

const SCRAM = "SCRAM-SHA-256";
const SCRAM_PLUS = "SCRAM-SHA-256-PLUS";

/**
 * Picks the SASL mechanism and channel binding flag, following libpq's `pg_SASL_init` and
 * `build_client_first_message`:
 *
 * - SCRAM-SHA-256-PLUS offered over a connection without TLS is refused (a proxy stripped TLS);
 * - SCRAM-SHA-256-PLUS is chosen when offered, TLS is in use, `channel_binding` is not `disable`
 *   and the server certificate is available, whatever the order of the list;
 * - otherwise SCRAM-SHA-256, with flag `"y"` when the client could have bound (TLS in use,
 *   certificate available, `channel_binding` not `disable`) and `"n"` when it could not;
 * - `channel_binding=require` without PLUS is refused.
 *
 * @param input The server's offer and the connection's state and settings.
 * @returns The mechanism and flag.
 * @throws {AuthenticationError} With libpq's message when no acceptable mechanism is left.
 *
 * @example Binding when the server offers it
 * ```ts
 * import { selectSaslMechanism } from "./sasl.ts";
 * const choice = selectSaslMechanism({
 *   serverMechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"],
 *   channelBinding: "prefer",
 *   tlsInUse: true,
 *   peerCertificateAvailable: true,
 * });
 * console.assert(choice.mechanism === "SCRAM-SHA-256-PLUS" && choice.flag === "p");
 * ```
 */
export function selectSaslMechanism(input: SaslSelectionInput): SaslSelection {
  const { serverMechanisms, channelBinding, tlsInUse, peerCertificateAvailable } = input;
  const clientCanBind = tlsInUse && peerCertificateAvailable;
  let selected: SaslSelection["mechanism"] | undefined;
  for (const mechanism of serverMechanisms) {
    if (mechanism === SCRAM_PLUS) {
      if (!tlsInUse) {
        throw new AuthenticationError(
          "server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection",
        );
      }
      if (!peerCertificateAvailable) {
        // libpq without channel binding support complains here rather than with the
        // confusing "server did not offer" below, since the server does offer PLUS.
        if (channelBinding === "require") {
          throw new AuthenticationError(
            "channel binding is required, but client does not support it",
          );
        }
      } else if (channelBinding !== "disable") {
        selected = SCRAM_PLUS;
      }
    } else if (mechanism === SCRAM && selected === undefined) {
      selected = SCRAM;
    }
  }
  if (selected === undefined) {
    throw new AuthenticationError(
      "none of the server's SASL authentication mechanisms are supported",
    );
  }
  if (channelBinding === "require" && selected !== SCRAM_PLUS) {
    throw new AuthenticationError(
      "channel binding is required, but server did not offer an authentication method that supports channel binding",
    );
  }
  if (selected === SCRAM_PLUS) return { mechanism: selected, flag: "p" };
  return { mechanism: selected, flag: clientCanBind && channelBinding !== "disable" ? "y" : "n" };
}

/** What {@linkcode createScramClient} needs: the selection input, the password, the certificate. */
export interface CreateScramClientOptions
  extends Omit<SaslSelectionInput, "peerCertificateAvailable"> {
  /** The password in clear text. */
  password: string;
  /** The server's DER certificate, when the TLS layer exposes it. */
  peerCertificate?: Uint8Array;
  /** Passed to {@linkcode ScramClientOptions.maxIterations}. */
  maxIterations?: number;
}

/**
 * Selects the mechanism with {@linkcode selectSaslMechanism} and builds the {@linkcode ScramClient},
 * computing the `tls-server-end-point` data when it binds. As in libpq, a certificate whose
 * binding is undefined (Ed25519, Ed448) fails the authentication when PLUS was chosen, even with
 * `channel_binding=prefer`: quietly falling back would hand a man in the middle a downgrade.
 *
 * @param options The server's offer, the connection's state, the password and certificate.
 * @returns A client ready for {@linkcode ScramClient.clientFirstMessage}; its `mechanism` goes in
 * SASLInitialResponse.
 * @throws {AuthenticationError} When no mechanism fits or the binding data cannot be computed.
 *
 * @example Starting SCRAM without TLS
 * ```ts
 * import { createScramClient } from "./sasl.ts";
 * const client = await createScramClient({
 *   serverMechanisms: ["SCRAM-SHA-256"],
 *   channelBinding: "prefer",
 *   tlsInUse: false,
 *   password: "secret",
 * });
 * console.assert(client.mechanism === "SCRAM-SHA-256");
 * ```
 */
export async function createScramClient(options: CreateScramClientOptions): Promise<ScramClient> {
  const { peerCertificate, password, maxIterations } = options;
  const selection = selectSaslMechanism({
    serverMechanisms: options.serverMechanisms,
    channelBinding: options.channelBinding,
    tlsInUse: options.tlsInUse,
    peerCertificateAvailable: peerCertificate !== undefined,
  });
  const clientOptions: ScramClientOptions = {
    password,
    channelBinding: selection.flag === "p" && peerCertificate !== undefined
      ? { flag: "p", data: await tlsServerEndPoint(peerCertificate) }
      : { flag: selection.flag },
  };
  if (maxIterations !== undefined) clientOptions.maxIterations = maxIterations;
  return new ScramClient(clientOptions);
}
