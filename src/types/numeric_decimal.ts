/**
 * The `numeric` codec: arbitrary-precision decimals, kept exact as strings.
 *
 * Binary format (`numeric_send`): int16 ndigits, int16 weight, uint16 sign (0x0000 positive,
 * 0x4000 negative, 0xC000 NaN, 0xD000 Infinity, 0xF000 -Infinity), int16 dscale, then ndigits
 * base-10000 digits as int16. The value is Σ digit[i] × 10000^(weight − i), shown with exactly
 * dscale fraction digits.
 *
 * @module
 */

import type { Codec } from "./codec.ts";
import { builtinIds, readInt16, readUint16, serializeError, textError } from "./scalar_util.ts";

const POS = 0x0000;
const NEG = 0x4000;
const NAN = 0xc000;
const PINF = 0xd000;
const NINF = 0xf000;
/** Largest display scale the server stores (`NUMERIC_DSCALE_MAX`). */
const DSCALE_MAX = 0x3fff;

/** True for `-?[0-9]+(\.[0-9]+)?`, what `numeric_out` prints for a finite value. */
function isPlainDecimal(text: string): boolean {
  const len = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot && digits > 0 && i + 1 < len) dot = true;
    else return false;
  }
  return digits > 0;
}

function checkText(text: string): string {
  if (isPlainDecimal(text) || text === "NaN" || text === "Infinity" || text === "-Infinity") {
    return text;
  }
  throw textError("numeric", text);
}

function pad4(d: number): string {
  return d >= 1000 ? String(d) : d >= 100 ? "0" + d : d >= 10 ? "00" + d : "000" + d;
}

/**
 * Decodes `numeric_send` bytes to exactly the text `numeric_out` prints for the same value.
 */
function decodeNumeric(b: Uint8Array): string {
  if (b.length < 8) {
    throw new RangeError(`Cannot decode numeric: expected at least 8 bytes, got ${b.length}`);
  }
  const ndigits = readInt16(b, 0);
  const weight = readInt16(b, 2);
  const sign = readUint16(b, 4);
  const dscale = readUint16(b, 6);
  if (ndigits < 0 || b.length !== 8 + 2 * ndigits) {
    throw new RangeError(
      `Cannot decode numeric: ${ndigits} digits do not fit a value of ${b.length} bytes`,
    );
  }
  if (sign === NAN) return "NaN";
  if (sign === PINF) return "Infinity";
  if (sign === NINF) return "-Infinity";
  if ((sign !== POS && sign !== NEG) || dscale > DSCALE_MAX) {
    throw new RangeError(
      `Cannot decode numeric: invalid sign 0x${sign.toString(16)} or scale ${dscale}`,
    );
  }
  for (let i = 8; i < b.length; i += 2) {
    if (readUint16(b, i) > 9999) throw new RangeError("Cannot decode numeric: digit beyond 9999");
  }
  const digit = (d: number): number => (d >= 0 && d < ndigits ? readUint16(b, 8 + 2 * d) : 0);
  let s = sign === NEG && ndigits > 0 ? "-" : "";
  if (weight < 0) s += "0";
  else {
    s += String(digit(0));
    for (let d = 1; d <= weight; d++) s += pad4(digit(d));
  }
  if (dscale > 0) {
    let frac = "";
    for (let d = weight + 1, n = 0; n < dscale; d++, n += 4) frac += pad4(digit(d));
    s += "." + (frac.length > dscale ? frac.slice(0, dscale) : frac);
  }
  return s;
}

/** A decimal parameter, taken apart: `digits × 10^(point − digits.length)`. */
interface Decimal {
  /** POS, NEG, NAN, PINF or NINF. */
  sign: number;
  /** All mantissa digits, point removed. */
  digits: string;
  /** How many of `digits` stand before the decimal point, after applying the exponent. */
  point: number;
  /** Fraction digits the server will keep (`dscale`). */
  dscale: number;
}

/**
 * Parses what `numeric_in` accepts (save PostgreSQL 16's underscores and non-decimal integers):
 * `[+-]?(d+[.d*]|.d+)([eE][+-]?d+)?`, or NaN/Infinity/inf in any case, spaces around allowed.
 */
function parseDecimal(input: string): Decimal | undefined {
  const s = input.trim();
  const lower = s.toLowerCase();
  if (lower === "nan") return { sign: NAN, digits: "", point: 0, dscale: 0 };
  const c0 = s.charCodeAt(0);
  const neg = c0 === 45;
  const start = neg || c0 === 43 ? 1 : 0;
  const name = lower.slice(start);
  if (name === "infinity" || name === "inf") {
    return { sign: neg ? NINF : PINF, digits: "", point: 0, dscale: 0 };
  }
  let i = start;
  let intLen = -1;
  let digits = "";
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && intLen < 0) intLen = digits.length;
    else if (c >= 48 && c <= 57) digits += s[i];
    else break;
  }
  if (digits === "") return undefined;
  if (intLen < 0) intLen = digits.length;
  let exp = 0;
  if (i < s.length) {
    if ((s.charCodeAt(i) | 0x20) !== 101) return undefined;
    const e = s.slice(i + 1);
    const first = e.charCodeAt(0);
    const body = first === 43 || first === 45 ? e.slice(1) : e;
    if (body === "" || !isPlainDecimal(body) || body.includes(".")) return undefined;
    exp = Number(e);
  }
  const dscale = Math.max(0, digits.length - intLen - exp);
  return { sign: neg ? NEG : POS, digits, point: intLen + exp, dscale };
}

function toDecimalText(value: unknown): string {
  if (typeof value === "number") {
    if (value !== value) return "NaN";
    if (value === Infinity) return "Infinity";
    if (value === -Infinity) return "-Infinity";
    return String(value);
  }
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string" && parseDecimal(value) !== undefined) return value.trim();
  throw serializeError("numeric", value);
}

/** Encodes a decimal as `numeric_send` would send the value `numeric_in` reads from it. */
function encodeNumeric(value: unknown): Uint8Array {
  const d = parseDecimal(toDecimalText(value));
  if (d === undefined) throw serializeError("numeric", value);
  let { digits, point, sign } = d;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  let end = digits.length;
  while (end > lead && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(lead, end);
  point -= lead;
  let weight = 0;
  let ndigits = 0;
  if (digits === "") {
    if (sign === NEG) sign = POS;
  } else {
    weight = Math.floor((point - 1) / 4);
    ndigits = weight - Math.floor((point - digits.length) / 4) + 1;
  }
  if (d.dscale > DSCALE_MAX || weight > 32767 || weight < -32768 || ndigits > 32767) {
    throw serializeError("numeric", value, "beyond the range of numeric");
  }
  const out = new Uint8Array(8 + 2 * ndigits);
  const groups = new Uint16Array(ndigits);
  for (let i = 0; i < digits.length; i++) {
    const e = point - 1 - i;
    const g = Math.floor(e / 4);
    groups[weight - g]! += (digits.charCodeAt(i) - 48) * 10 ** (e - 4 * g);
  }
  out[0] = ndigits >> 8;
  out[1] = ndigits;
  out[2] = weight >> 8;
  out[3] = weight;
  out[4] = sign >> 8;
  // For the infinities the server sends the dscale bits of its short header (0xD000/0xF000
  // masked with 0x1F80, shifted by 7): 32. Match it; the server ignores it on input.
  const dscale = sign === PINF || sign === NINF ? 32 : d.dscale;
  out[6] = dscale >> 8;
  out[7] = dscale;
  for (let i = 0; i < ndigits; i++) {
    out[8 + 2 * i] = groups[i]! >> 8;
    out[9 + 2 * i] = groups[i]!;
  }
  return out;
}

/**
 * The `numeric` codec.
 *
 * `"string"` mode returns exactly the server's text (`"1.50"`, `"NaN"`, `"-Infinity"`), from
 * either format; `"number"` mode returns `Number()` of it (may round). Parameters may be strings
 * (what `numeric_in` accepts, exponents included), numbers or bigints.
 *
 * @param mode `"string"` (exact) or `"number"`.
 * @returns The codec (`preferBinary: false`).
 * @throws {RangeError|TypeError} Not itself; the codec's binary decoder throws a RangeError for
 * malformed bytes (bad length, sign, scale or digit), its text decoder a TypeError for text
 * `numeric_out` cannot print, its serializers a TypeError for anything but a number, bigint or
 * decimal string within numeric's range.
 *
 * @example Binary keeps the display scale
 * ```ts
 * import { numericCodec } from "./numeric_decimal.ts";
 * const c = numericCodec("string");
 * // ndigits 2, weight 0, sign +, dscale 3, digits 1 and 5000: 1.500
 * const bytes = new Uint8Array([0, 2, 0, 0, 0, 0, 0, 3, 0, 1, 0x13, 0x88]);
 * console.assert(c.parseBinary!(bytes) === "1.500");
 * console.assert(c.parseText("1.500") === "1.500");
 * ```
 */
export function numericCodec(mode: "string" | "number"): Codec {
  const asString = mode === "string";
  return {
    ...builtinIds("numeric"),
    preferBinary: false,
    parseText: asString ? checkText : (text: string): number => Number(checkText(text)),
    parseBinary: asString ? decodeNumeric : (bytes: Uint8Array): number => {
      return Number(decodeNumeric(bytes));
    },
    serializeText: toDecimalText,
    serializeBinary: encodeNumeric,
  };
}
