/**
 * The server side of SCRAM-SHA-256(-PLUS), for fake servers and proxies: {@linkcode scramVerifier}
 * builds a `pg_authid` secret and {@linkcode ScramServer} checks a client against it, as
 * PostgreSQL's backend does.
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
  KEY_LENGTH,
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

/** PostgreSQL's `scram_iterations` default and its salt length (`SCRAM_DEFAULT_SALT_LEN`). */
const DEFAULT_ITERATIONS = 4096;
const DEFAULT_SALT_LENGTH = 16;

/**
 * Builds a SCRAM-SHA-256 secret in the format of `pg_authid.rolpassword`:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64.
 *
 * @param password The password in clear text; it goes through `scramPassword` (saslprep.ts) first.
 * @param options `salt` (default 16 random bytes) and `iterations` (default 4096, as PostgreSQL).
 * @returns The verifier string.
 * @throws {RangeError} When `iterations` is not a positive integer or `salt` is empty.
 *
 * @example Making a verifier
 * ```ts
 * import { scramVerifier } from "@pgline/pgline/server";
 * const verifier = await scramVerifier("pencil", { iterations: 4096 });
 * console.assert(verifier.startsWith("SCRAM-SHA-256$4096:"));
 * ```
 */
export async function scramVerifier(
  password: string,
  options?: { salt?: Uint8Array; iterations?: number },
): Promise<string> {
  const salt = options?.salt ?? crypto.getRandomValues(new Uint8Array(DEFAULT_SALT_LENGTH));
  const iterations = options?.iterations ?? DEFAULT_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 0x7fffffff) {
    throw new RangeError(`SCRAM iterations must be a positive 32-bit integer, not ${iterations}`);
  }
  if (salt.length === 0) throw new RangeError("SCRAM salt must not be empty");
  const salted = await saltedPassword(password, salt, iterations);
  const storedKey = await sha256(await hmac(salted, "Client Key"));
  const serverKey = await hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${toBase64(salt)}$${toBase64(storedKey)}:${
    toBase64(serverKey)
  }`;
}

const VERIFIER_PATTERN = /^SCRAM-SHA-256\$([1-9][0-9]{0,9}):([^$:]+)\$([^$:]+):([^$:]+)$/;

/**
 * The server side of a SCRAM-SHA-256(-PLUS) exchange, checking a client against a verifier as
 * PostgreSQL's backend does, for fake servers and proxies.
 *
 * @example Answering a client
 * ```ts
 * import { ScramClient, ScramServer, scramVerifier } from "./scram.ts";
 * const server = new ScramServer(await scramVerifier("secret"));
 * const client = new ScramClient({ password: "secret" });
 * const serverFirst = server.serverFirstMessage(client.clientFirstMessage());
 * const serverFinal = await server.serverFinalMessage(
 *   await client.clientFinalMessage(serverFirst),
 * );
 * console.assert(new TextDecoder().decode(serverFinal).startsWith("v="));
 * ```
 */
export class ScramServer {
  #iterations: number;
  #salt: string;
  #storedKey: Uint8Array;
  #serverKey: Uint8Array;
  #serverNonce: string;
  #bindingData: Uint8Array | undefined;
  #state: "initial" | "first" | "done" = "initial";
  #clientFirstBare = "";
  #serverFirst = "";
  #expectedBinding: Uint8Array = new Uint8Array(0);
  #nonce = "";

  /**
   * Creates a server for one exchange against a stored verifier.
   *
   * @param verifier A `SCRAM-SHA-256$...` secret, as {@linkcode scramVerifier} builds it.
   * @param options The server nonce (tests only; default 18 random bytes, base64) and, when the
   * server offers SCRAM-SHA-256-PLUS, its `tls-server-end-point` data.
   * @throws {SyntaxError} When the verifier is malformed.
   * @throws {TypeError} When the nonce is not printable ASCII without `,`.
   */
  constructor(verifier: string, options?: { nonce?: string; channelBindingData?: Uint8Array }) {
    const match = VERIFIER_PATTERN.exec(verifier);
    const salt = match && fromBase64(match[2]!);
    const storedKey = match && fromBase64(match[3]!);
    const serverKey = match && fromBase64(match[4]!);
    if (
      !match || !salt?.length || storedKey?.length !== KEY_LENGTH ||
      serverKey?.length !== KEY_LENGTH || Number(match[1]) > 0x7fffffff
    ) {
      throw new SyntaxError("Invalid SCRAM-SHA-256 verifier");
    }
    const nonce = options?.nonce ?? randomBase64(NONCE_BYTES);
    if (!NONCE_PATTERN.test(nonce)) {
      throw new TypeError("SCRAM nonce must be printable ASCII without commas");
    }
    this.#iterations = Number(match[1]);
    this.#salt = match[2]!;
    this.#storedKey = storedKey;
    this.#serverKey = serverKey;
    this.#serverNonce = nonce;
    this.#bindingData = options?.channelBindingData;
  }

  /**
   * Checks client-first-message and builds server-first-message.
   *
   * @param clientFirst The data of SASLInitialResponse.
   * @param mechanism The mechanism the client chose, when known: PLUS requires flag `p`, and
   * plain SCRAM-SHA-256 forbids it.
   * @returns The UTF-8 bytes of server-first-message, for AuthenticationSASLContinue.
   * @throws {AuthenticationError} When the message is malformed, uses an authorization identity
   * or a mandatory extension, or its channel binding flag does not fit what the server offers.
   */
  serverFirstMessage(clientFirst: Uint8Array, mechanism?: string): Uint8Array {
    if (this.#state !== "initial") {
      throw new AuthenticationError("SCRAM exchange out of order: client-first-message unexpected");
    }
    this.#state = "first";
    const text = decodeMessage(clientFirst, "client-first-message");
    const header = /^(n|y|p=[A-Za-z0-9.-]+),(a=[^,]*)?,/.exec(text);
    if (!header) {
      throw new AuthenticationError("Invalid SCRAM client-first-message: bad GS2 header");
    }
    if (header[2] !== undefined) {
      throw new AuthenticationError("SCRAM authorization identity is not supported");
    }
    const flag = header[1]!;
    if (flag.startsWith("p=") && flag !== `p=${CHANNEL_BINDING_TYPE}`) {
      throw new AuthenticationError(`Unsupported SCRAM channel binding type ${flag.slice(2)}`);
    }
    if (flag.startsWith("p") && this.#bindingData === undefined) {
      throw new AuthenticationError(
        "SCRAM client requires channel binding the server does not offer",
      );
    }
    if (flag === "y" && this.#bindingData !== undefined) {
      throw new AuthenticationError(
        "SCRAM channel binding negotiation error: the client thinks the server does not support it",
      );
    }
    if (
      mechanism !== undefined &&
      (mechanism === "SCRAM-SHA-256-PLUS") !== flag.startsWith("p")
    ) {
      throw new AuthenticationError(
        `SCRAM channel binding flag does not fit mechanism ${mechanism}`,
      );
    }
    this.#clientFirstBare = text.slice(header[0].length);
    const [user, nonce] = parseAttributes(this.#clientFirstBare) ?? [];
    if (user?.[0] === "m") {
      throw new AuthenticationError("SCRAM client requires an unsupported mandatory extension");
    }
    if (user?.[0] !== "n" || nonce?.[0] !== "r" || !NONCE_PATTERN.test(nonce[1])) {
      throw new AuthenticationError(
        "Invalid SCRAM client-first-message: expected attributes n and r",
      );
    }
    this.#expectedBinding = concat(
      encoder.encode(header[0]),
      flag.startsWith("p") ? this.#bindingData ?? new Uint8Array(0) : new Uint8Array(0),
    );
    this.#nonce = nonce[1] + this.#serverNonce;
    this.#serverFirst = `r=${this.#nonce},s=${this.#salt},i=${this.#iterations}`;
    return encoder.encode(this.#serverFirst);
  }

  /**
   * Checks client-final-message (channel binding, nonce, proof) and builds server-final-message.
   *
   * @param clientFinal The data of SASLResponse.
   * @returns The UTF-8 bytes of `v=<ServerSignature>`, for AuthenticationSASLFinal.
   * @throws {AuthenticationError} When the message is malformed, the channel binding or nonce
   * differ, or the proof is wrong (the client does not know the password).
   */
  async serverFinalMessage(clientFinal: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== "first") {
      throw new AuthenticationError("SCRAM exchange out of order: client-final-message unexpected");
    }
    this.#state = "done";
    const text = decodeMessage(clientFinal, "client-final-message");
    const attributes = parseAttributes(text);
    const [binding, nonce] = attributes ?? [];
    const proof = attributes?.[attributes.length - 1];
    if (binding?.[0] !== "c" || nonce?.[0] !== "r" || proof?.[0] !== "p" || proof === nonce) {
      throw new AuthenticationError(
        "Invalid SCRAM client-final-message: expected attributes c, r and p",
      );
    }
    const bindingBytes = fromBase64(binding[1]);
    if (bindingBytes === undefined || !timingSafeEqual(bindingBytes, this.#expectedBinding)) {
      throw new AuthenticationError("SCRAM channel binding check failed");
    }
    if (nonce[1] !== this.#nonce) throw new AuthenticationError("SCRAM nonce mismatch");
    const proofBytes = fromBase64(proof[1]);
    if (proofBytes?.length !== KEY_LENGTH) {
      throw new AuthenticationError("Invalid SCRAM client-final-message: malformed proof");
    }
    const withoutProof = text.slice(0, text.lastIndexOf(",p="));
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = await hmac(this.#storedKey, authMessage);
    const clientKey = xor(proofBytes, clientSignature);
    if (!timingSafeEqual(await sha256(clientKey), this.#storedKey)) {
      throw new AuthenticationError("SCRAM client proof is invalid: wrong password");
    }
    return encoder.encode(`v=${toBase64(await hmac(this.#serverKey, authMessage))}`);
  }
}
