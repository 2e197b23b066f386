/**
 * MD5 (RFC 1321) and PostgreSQL's `md5` password response. WebCrypto has no MD5, and PostgreSQL
 * still offers `AuthenticationMD5Password` to roles whose password is stored as an MD5 hash.
 *
 * MD5 is broken as a general-purpose hash; it is here only because the protocol requires it.
 *
 * @module
 */

// deno-fmt-ignore
const SINES: readonly number[] = [
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

// Left-rotation amounts, four per round.
const SHIFTS: readonly number[] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

const HEX_DIGITS = "0123456789abcdef";

/** Pads the message per RFC 1321 section 3.1-3.2 and returns it as little-endian 32-bit words. */
function padToWords(data: Uint8Array): Uint32Array {
  const blocks = Math.floor((data.length + 8) / 64) + 1;
  const padded = new Uint8Array(blocks * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bitLength = data.length * 8;
  // 64-bit little-endian bit count; split because JS bitwise operators work on 32 bits.
  view.setUint32(padded.length - 8, bitLength >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bitLength / 0x100000000) >>> 0, true);
  const words = new Uint32Array(blocks * 16);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

/**
 * Computes the MD5 digest of `data`.
 *
 * @param data The bytes to hash.
 * @returns The 16-byte digest.
 *
 * @example Hashing bytes
 * ```ts
 * import { md5 } from "./md5.ts";
 * const digest = md5(new TextEncoder().encode("abc"));
 * console.assert(digest.length === 16);
 * ```
 */
export function md5(data: Uint8Array): Uint8Array {
  const words = padToWords(data);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  for (let block = 0; block < words.length; block += 16) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      const round = i >>> 4;
      let f: number;
      let g: number;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + SINES[i]! + words[block + g]!) | 0;
      const shift = SHIFTS[(round << 2) | (i & 3)]!;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, a0, true);
  view.setUint32(4, b0, true);
  view.setUint32(8, c0, true);
  view.setUint32(12, d0, true);
  return out;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX_DIGITS[byte >>> 4]! + HEX_DIGITS[byte & 15]!;
  return hex;
}

/**
 * Computes the MD5 digest of `data` as 32 lowercase hexadecimal digits.
 *
 * @param data The bytes to hash.
 * @returns The digest in lowercase hex.
 *
 * @example The RFC 1321 test vector for "abc"
 * ```ts
 * import { md5Hex } from "./md5.ts";
 * const hex = md5Hex(new TextEncoder().encode("abc"));
 * console.assert(hex === "900150983cd24fb0d6963f7d28e17f72");
 * ```
 */
export function md5Hex(data: Uint8Array): string {
  return toHex(md5(data));
}

/**
 * Builds the PasswordMessage payload answering `AuthenticationMD5Password`:
 * `"md5" + md5hex(md5hex(password + user) + salt)`, with strings UTF-8 encoded.
 *
 * See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 *
 * @param user The role name sent in the StartupMessage.
 * @param password The password in clear text.
 * @param salt The 4 random bytes of the AuthenticationMD5Password message.
 * @returns The 35-character string to send, without the trailing NUL.
 * @throws {RangeError} When `salt` is not 4 bytes long.
 *
 * @example Answering an MD5 challenge
 * ```ts
 * import { md5PasswordMessage } from "./md5.ts";
 * const reply = md5PasswordMessage("alice", "secret", new Uint8Array([1, 2, 3, 4]));
 * console.assert(reply.startsWith("md5") && reply.length === 35);
 * ```
 */
export function md5PasswordMessage(user: string, password: string, salt: Uint8Array): string {
  if (salt.length !== 4) {
    throw new RangeError(`Cannot build MD5 password message: salt has ${salt.length} bytes, not 4`);
  }
  return md5Salted(md5Hex(new TextEncoder().encode(password + user)), salt);
}

/**
 * The second step of the MD5 answer: `md5` + md5(stored hash + salt), where the stored hash is
 * the hex of md5(password + user) as `pg_authid` keeps it (without its `md5` prefix). A server
 * holding only the stored hash checks a client with it.
 *
 * @example Same answer from the stored hash
 * ```ts
 * import { md5Hex, md5PasswordMessage, md5Salted } from "./md5.ts";
 * const salt = new Uint8Array([1, 2, 3, 4]);
 * const stored = md5Hex(new TextEncoder().encode("secret" + "alice"));
 * console.assert(md5Salted(stored, salt) === md5PasswordMessage("alice", "secret", salt));
 * ```
 */
export function md5Salted(storedHex: string, salt: Uint8Array): string {
  const innerBytes = new TextEncoder().encode(storedHex);
  const outer = new Uint8Array(innerBytes.length + salt.length);
  outer.set(innerBytes);
  outer.set(salt, innerBytes.length);
  return "md5" + md5Hex(outer);
}
