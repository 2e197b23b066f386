/**
 * Codecs for the network address types `inet`, `cidr`, `macaddr` and `macaddr8`, as the strings
 * the server prints.
 *
 * Binary `inet`/`cidr` (`inet_send`): family (2 = IPv4, 3 = IPv6), mask bits, is-cidr flag,
 * address length (4 or 16), then the address bytes. The decoder formats them exactly as
 * `inet_out`/`cidr_out` do: IPv4 as four decimal octets, IPv6 in lowercase hex with the longest
 * run (first on a tie) of two or more zero groups written `::`, `::a.b.c.d` and `::ffff:a.b.c.d`
 * for IPv4-compatible and IPv4-mapped addresses; `/bits` always for `cidr`, and for `inet` only
 * when the mask is shorter than the address.
 *
 * @module
 */

import type { Codec } from "./codec.ts";
import { builtinIds, HEX_BYTE, serializeError, textError } from "./scalar_util.ts";

const AF_INET = 2;
const AF_INET6 = 3;

function formatIpv6(b: Uint8Array): string {
  // Longest run of zero 16-bit groups; the first wins a tie; a single group is not a run.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (b[4 + 2 * i] === 0 && b[5 + 2 * i] === 0) {
      let j = i + 1;
      while (j < 8 && b[4 + 2 * j] === 0 && b[5 + 2 * j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  if (bestLen < 2) best = -1;
  const dotted = (): string => `${b[16]}.${b[17]}.${b[18]}.${b[19]}`;
  if (best === 0) {
    if (bestLen === 6) return "::" + dotted();
    if (bestLen === 5 && b[14] === 0xff && b[15] === 0xff) return "::ffff:" + dotted();
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      s += ":";
      i += bestLen - 1;
      if (i === 7) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    s += ((b[4 + 2 * i]! << 8) | b[5 + 2 * i]!).toString(16);
  }
  return s;
}

function decodeNetwork(type: string, cidr: boolean, b: Uint8Array): string {
  if (b.length < 4) {
    throw new RangeError(`Cannot decode ${type}: expected at least 4 bytes, got ${b.length}`);
  }
  const family = b[0];
  const bits = b[1]!;
  const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (size === 0 || b[3] !== size || b[2]! > 1 || bits > size * 8) {
    throw new RangeError(
      `Cannot decode ${type}: invalid header (family ${family}, bits ${bits}, length ${b[3]})`,
    );
  }
  if (b.length !== 4 + size) {
    throw new RangeError(`Cannot decode ${type}: expected ${4 + size} bytes, got ${b.length}`);
  }
  const ip = size === 4 ? `${b[4]}.${b[5]}.${b[6]}.${b[7]}` : formatIpv6(b);
  return cidr || bits !== size * 8 ? `${ip}/${bits}` : ip;
}

/** Characters an address may contain, in any format the server reads or prints. */
function isAddressChar(c: number, macaddr: boolean): boolean {
  return (c >= 48 && c <= 58) || ((c | 0x20) >= 97 && (c | 0x20) <= 102) || c === 46 ||
    (macaddr ? c === 45 : c === 47);
}

function checkAddress(text: string, macaddr: boolean): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    if (!isAddressChar(text.charCodeAt(i), macaddr)) return false;
  }
  return true;
}

function addressText(type: string, value: unknown, macaddr: boolean): string {
  if (typeof value === "string") {
    const s = value.trim();
    if (checkAddress(s, macaddr)) return s;
  }
  throw serializeError(type, value);
}

function networkCodec(name: "inet" | "cidr"): Codec {
  const cidr = name === "cidr";
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText(text: string): string {
      if (!checkAddress(text, false)) throw textError(name, text);
      return text;
    },
    parseBinary: (bytes: Uint8Array): string => decodeNetwork(name, cidr, bytes),
    serializeText: (value: unknown): string => addressText(name, value, false),
  };
}

/** True for `xx:xx:...` with `groups` lowercase hex pairs, what `macaddr_out` prints. */
function isMacText(text: string, groups: number): boolean {
  if (text.length !== groups * 3 - 1) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (i % 3 === 2 ? c !== 58 : !((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function macCodec(name: "macaddr" | "macaddr8", size: number): Codec {
  return {
    ...builtinIds(name),
    preferBinary: false,
    parseText(text: string): string {
      if (!isMacText(text, size)) throw textError(name, text);
      return text;
    },
    parseBinary(bytes: Uint8Array): string {
      if (bytes.length !== size) {
        throw new RangeError(`Cannot decode ${name}: expected ${size} bytes, got ${bytes.length}`);
      }
      let s = HEX_BYTE[bytes[0]!]!;
      for (let i = 1; i < size; i++) s += ":" + HEX_BYTE[bytes[i]!]!;
      return s;
    },
    serializeText: (value: unknown): string => addressText(name, value, true),
  };
}

/**
 * The codecs for `inet`, `cidr`, `macaddr` and `macaddr8`: strings exactly as the server prints
 * them, from either format. Parameters are strings in any form the server reads (checked only
 * for stray characters; the server validates them).
 *
 * @returns The four codecs (`preferBinary: false`; binary parameters are not written).
 * @throws {RangeError|TypeError} Not itself; the codecs' binary decoders throw a RangeError for a
 * bad header or length, the text decoders and serializers a TypeError for stray characters.
 *
 * @example An IPv4-mapped IPv6 address
 * ```ts
 * import { networkCodecs } from "./text_network.ts";
 * const inet = networkCodecs()[0]!;
 * const bytes = new Uint8Array([
 *   3,
 *   128,
 *   0,
 *   16,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0,
 *   0xff,
 *   0xff,
 *   1,
 *   2,
 *   3,
 *   4,
 * ]);
 * console.assert(inet.parseBinary!(bytes) === "::ffff:1.2.3.4");
 * ```
 */
export function networkCodecs(): Codec[] {
  return [
    networkCodec("inet"),
    networkCodec("cidr"),
    macCodec("macaddr", 6),
    macCodec("macaddr8", 8),
  ];
}
