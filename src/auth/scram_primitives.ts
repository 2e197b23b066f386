/**
 * Building blocks shared by the SCRAM client and server: strict base64, HMAC-SHA-256, PBKDF2 and
 * attribute parsing. Internal to `src/auth/`; not part of the public API.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import { scramPassword } from "./saslprep.ts";

/** Random bytes in a nonce, as libpq and the backend use (`SCRAM_RAW_NONCE_LEN`). */
export const NONCE_BYTES = 18;
/** Length of SHA-256 keys, signatures and proofs. */
export const KEY_LENGTH = 32;
/** The only channel binding type PostgreSQL supports. */
export const CHANNEL_BINDING_TYPE = "tls-server-end-point";

/** Shared UTF-8 encoder (stateless). */
export const encoder: TextEncoder = new TextEncoder();
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A nonce: `printable = %x21-2B / %x2D-7E` (RFC 5802 section 7), visible ASCII except `,`. */
export const NONCE_PATTERN: RegExp = /^[\x21-\x2b\x2d-\x7e]+$/;

/** Base64 with padding (RFC 4648 section 4). */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[chunk >>> 18]! + B64[(chunk >>> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(chunk >>> 6) & 63]! : "=";
    out += i + 2 < bytes.length ? B64[chunk & 63]! : "=";
  }
  return out;
}

/** Strict RFC 4648 base64: padded, canonical, no whitespace. `undefined` when malformed. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!B64_PATTERN.test(text)) return undefined;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let chunk = 0;
    for (let j = 0; j < 4; j++) chunk = (chunk << 6) | Math.max(0, B64.indexOf(text[i + j]!));
    for (let j = 2; j >= 0 && o < out.length; j--) {
      out[o++] = (chunk >>> (8 * j)) & 0xff;
    }
  }
  // Non-zero padding bits would let two strings stand for the same bytes.
  return toBase64(out) === text ? out : undefined;
}

/** Concatenates two byte arrays. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Compares without an early exit, so timing does not reveal how many leading bytes match. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** XOR of two byte arrays of the same length. */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** `length` random bytes, base64: a nonce or a salt. */
export function randomBase64(length: number): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(length)));
}

/** HMAC-SHA-256 of the UTF-8 encoded `data` under `key` (non-empty). */
export async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(data)));
}

/** SHA-256 digest. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
}

/** SaltedPassword := Hi(Normalize(password), salt, i), RFC 5802 section 3, via WebCrypto PBKDF2. */
export async function saltedPassword(
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(scramPassword(password)),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(salt), iterations },
    key,
    KEY_LENGTH * 8,
  );
  return new Uint8Array(bits);
}

/** Splits `a=x,b=y` into attribute/value pairs; `undefined` when an item is not `letter=value`. */
export function parseAttributes(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const item of text.split(",")) {
    if (!/^[A-Za-z]=/.test(item)) return undefined;
    pairs.push([item[0]!, item.slice(2)]);
  }
  return pairs;
}

/** Decodes a SCRAM message as strict UTF-8, failing with an AuthenticationError. */
export function decodeMessage(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new AuthenticationError(`Invalid SCRAM ${what}: not valid UTF-8`);
  }
}
