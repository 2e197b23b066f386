/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL uses them, for both
 * ends: {@linkcode ScramClient} for the connection, {@linkcode ScramServer} and
 * {@linkcode scramVerifier} for a fake server or a proxy.
 *
 * See https://www.postgresql.org/docs/current/sasl-authentication.html
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import {
  CHANNEL_BINDING_TYPE,
  concat,
  decodeMessage,
  encoder,
  fromBase64,
  hmac,
  NONCE_BYTES,
  NONCE_PATTERN,
  parseAttributes,
  randomBase64,
  saltedPassword,
  sha256,
  timingSafeEqual,
  toBase64,
  xor,
} from "./scram_primitives.ts";

export { ScramServer, scramVerifier } from "./scram_server.ts";

/**
 * The GS2 channel binding flag: `"n"` the client does not support channel binding, `"y"` it does
 * but believes the server does not, `"p"` it binds to `tls-server-end-point`.
 */
export type ChannelBindingFlag = "n" | "y" | "p";

/** Options of {@linkcode ScramClient}. */
export interface ScramClientOptions {
  /** The password in clear text; it goes through `scramPassword` (saslprep.ts) first. */
  password: string;
  /**
   * The channel binding flag and, with flag `"p"`, the `tls-server-end-point` data.
   * @default {{ flag: "n" }}
   */
  channelBinding?: { flag: ChannelBindingFlag; data?: Uint8Array };
  /**
   * The user name of client-first-message. PostgreSQL ignores it and libpq sends it empty; set it
   * only to reproduce the RFC examples.
   * @default {""}
   */
  username?: string;
  /** The client nonce, printable ASCII without `,`. For tests only. @default 18 random bytes, base64 */
  nonce?: string;
  /**
   * The highest iteration count accepted from the server. A hostile server could otherwise make
   * the client spin on PBKDF2: 10,000,000 takes a second or two, while PostgreSQL's default is
   * 4096 and OWASP's 2023 advice for PBKDF2-SHA256 is 600,000.
   * @default {10_000_000}
   */
  maxIterations?: number;
}

/** The default {@linkcode ScramClientOptions.maxIterations}. */
const DEFAULT_MAX_ITERATIONS = 10_000_000;

function gs2Header(flag: ChannelBindingFlag): string {
  return flag === "p" ? `p=${CHANNEL_BINDING_TYPE},,` : `${flag},,`;
}

/** saslname escaping of RFC 5802 section 5.1. */
function escapeUsername(username: string): string {
  return username.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

/**
 * The client side of a SCRAM-SHA-256(-PLUS) exchange. Call {@linkcode clientFirstMessage},
 * then {@linkcode clientFinalMessage} with the AuthenticationSASLContinue data, then
 * {@linkcode verifyServerFinal} with the AuthenticationSASLFinal data.
 *
 * @example A full exchange against {@linkcode ScramServer}
 * ```ts
 * import { ScramClient, ScramServer, scramVerifier } from "./scram.ts";
 * const server = new ScramServer(await scramVerifier("pencil"));
 * const client = new ScramClient({ password: "pencil" });
 * const serverFirst = server.serverFirstMessage(client.clientFirstMessage());
 * const clientFinal = await client.clientFinalMessage(serverFirst);
 * await client.verifyServerFinal(await server.serverFinalMessage(clientFinal));
 * ```
 */
export class ScramClient {
  #password: string;
  #flag: ChannelBindingFlag;
  #bindingData: Uint8Array;
  #username: string;
  #nonce: string;
  #maxIterations: number;
  #state: "initial" | "first" | "final" | "done" = "initial";
  #serverSignature: Uint8Array | undefined;

  /**
   * Creates a client for one exchange; nothing is sent until {@linkcode clientFirstMessage}.
   *
   * @param options The password, channel binding and limits.
   * @throws {TypeError} When flag `"p"` comes without data, data comes with another flag, or the
   * nonce is not printable ASCII without `,`.
   * @throws {RangeError} When `maxIterations` is not a positive integer.
   */
  constructor(options: ScramClientOptions) {
    const { flag = "n", data } = options.channelBinding ?? {};
    if (flag === "p" && data === undefined) {
      throw new TypeError("Channel binding flag p needs the tls-server-end-point data");
    }
    if (flag !== "p" && data !== undefined) {
      throw new TypeError(`Channel binding data is only sent with flag p, not ${flag}`);
    }
    const nonce = options.nonce ?? randomBase64(NONCE_BYTES);
    if (!NONCE_PATTERN.test(nonce)) {
      throw new TypeError("SCRAM nonce must be printable ASCII without commas");
    }
    const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
    if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
      throw new RangeError(`maxIterations must be a positive integer, not ${maxIterations}`);
    }
    this.#password = options.password;
    this.#flag = flag;
    this.#bindingData = data ?? new Uint8Array(0);
    this.#username = escapeUsername(options.username ?? "");
    this.#nonce = nonce;
    this.#maxIterations = maxIterations;
  }

  /** The SASL mechanism name to put in SASLInitialResponse: PLUS exactly when binding. */
  get mechanism(): "SCRAM-SHA-256" | "SCRAM-SHA-256-PLUS" {
    return this.#flag === "p" ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256";
  }

  get #clientFirstBare(): string {
    return `n=${this.#username},r=${this.#nonce}`;
  }

  /**
   * Builds client-first-message, GS2 header included, for SASLInitialResponse.
   *
   * @returns The UTF-8 bytes of, for example, `n,,n=,r=<nonce>`.
   */
  clientFirstMessage(): Uint8Array {
    if (this.#state === "initial") this.#state = "first";
    return encoder.encode(gs2Header(this.#flag) + this.#clientFirstBare);
  }

  /**
   * Checks server-first-message and builds client-final-message, with the proof.
   *
   * @param serverFirst The data of AuthenticationSASLContinue.
   * @returns The UTF-8 bytes of client-final-message, for SASLResponse.
   * @throws {AuthenticationError} When the message is malformed, the nonce does not extend ours,
   * the salt is not base64, the iteration count is out of range, or a mandatory extension is
   * present; and when called out of order.
   */
  async clientFinalMessage(serverFirst: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== "first") {
      throw new AuthenticationError("SCRAM exchange out of order: server-first-message unexpected");
    }
    this.#state = "final";
    const text = decodeMessage(serverFirst, "server-first-message");
    const attributes = parseAttributes(text);
    if (attributes === undefined) {
      throw new AuthenticationError("Invalid SCRAM server-first-message: malformed attribute");
    }
    const [nonce, salt, iterations] = attributes;
    if (nonce?.[0] === "m") {
      throw new AuthenticationError("SCRAM server requires an unsupported mandatory extension");
    }
    if (nonce?.[0] !== "r" || salt?.[0] !== "s" || iterations?.[0] !== "i") {
      throw new AuthenticationError(
        "Invalid SCRAM server-first-message: expected attributes r, s and i",
      );
    }
    if (
      !NONCE_PATTERN.test(nonce[1]) || !nonce[1].startsWith(this.#nonce) ||
      nonce[1].length <= this.#nonce.length
    ) {
      throw new AuthenticationError(
        "Invalid SCRAM server-first-message: nonce does not extend ours",
      );
    }
    const saltBytes = fromBase64(salt[1]);
    if (saltBytes === undefined || saltBytes.length === 0) {
      throw new AuthenticationError("Invalid SCRAM server-first-message: salt is not base64");
    }
    const count = /^[1-9][0-9]{0,15}$/.test(iterations[1]) ? Number(iterations[1]) : 0;
    if (count < 1 || count > this.#maxIterations) {
      throw new AuthenticationError(
        `Invalid SCRAM server-first-message: iteration count ${
          iterations[1].slice(0, 20)
        } is not between 1 and ${this.#maxIterations}`,
      );
    }
    const binding = concat(encoder.encode(gs2Header(this.#flag)), this.#bindingData);
    const withoutProof = `c=${toBase64(binding)},r=${nonce[1]}`;
    const authMessage = `${this.#clientFirstBare},${text},${withoutProof}`;
    try {
      const salted = await saltedPassword(this.#password, saltBytes, count);
      const clientKey = await hmac(salted, "Client Key");
      const clientSignature = await hmac(await sha256(clientKey), authMessage);
      this.#serverSignature = await hmac(await hmac(salted, "Server Key"), authMessage);
      return encoder.encode(`${withoutProof},p=${toBase64(xor(clientKey, clientSignature))}`);
    } catch (error) {
      throw new AuthenticationError("Cannot compute the SCRAM client proof", { cause: error });
    }
  }

  /**
   * Checks server-final-message: the server signature proves the server knows the password.
   *
   * @param serverFinal The data of AuthenticationSASLFinal.
   * @throws {AuthenticationError} When the server reports an error (`e=`), the signature does not
   * match, the message is malformed, or {@linkcode clientFinalMessage} has not run.
   */
  // deno-lint-ignore require-await
  async verifyServerFinal(serverFinal: Uint8Array): Promise<void> {
    const expected = this.#serverSignature;
    if (this.#state !== "final" || expected === undefined) {
      throw new AuthenticationError("SCRAM exchange out of order: server-final-message unexpected");
    }
    this.#state = "done";
    this.#serverSignature = undefined;
    const text = decodeMessage(serverFinal, "server-final-message");
    if (text.startsWith("e=")) {
      // server-error-value holds no comma; extensions may follow. Capped: the server chose it.
      const reason = text.slice(2).split(",", 1)[0]!.slice(0, 200);
      throw new AuthenticationError(`SCRAM authentication failed on the server: ${reason}`);
    }
    const [first] = parseAttributes(text) ?? [];
    if (first?.[0] !== "v") {
      throw new AuthenticationError("Invalid SCRAM server-final-message: expected attribute v");
    }
    const signature = fromBase64(first[1]);
    if (signature === undefined || !timingSafeEqual(signature, expected)) {
      throw new AuthenticationError("SCRAM server signature does not match");
    }
  }
}
