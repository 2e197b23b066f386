/**
 * Codecs for `float4` and `float8`: numbers, with NaN, ±Infinity and −0 kept exactly.
 *
 * Since PostgreSQL 12 the server prints floats as the shortest decimal that reads back as the
 * same value (with the default `extra_float_digits = 1`). For `float8` that decimal and the binary
 * value are the same JavaScript number. For `float4` they are not: text `1.1` reads as the double
 * 1.1, binary gives the float32 nearest to 1.1 (1.100000023841858). So the `float4` binary decoder
 * returns the shortest decimal that rounds to the same float32, as the server would print it, and
 * the codec still prefers text.
 *
 * @module
 */

import type { Codec } from "./codec.ts";
import {
  builtinIds,
  checkLength,
  LITTLE_ENDIAN,
  readInt32,
  serializeError,
  textError,
} from "./scalar_util.ts";

const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** Reusable views for reinterpreting bits as floats; one per codec, never shared. */
class FloatScratch {
  readonly f32 = new Float32Array(1);
  readonly u32 = new Uint32Array(this.f32.buffer);
  readonly f64 = new Float64Array(1);
  readonly w64 = new Uint32Array(this.f64.buffer);

  float32(bits: number): number {
    this.u32[0] = bits;
    return this.f32[0]!;
  }

  float32Bits(x: number): number {
    this.f32[0] = x;
    return this.u32[0]!;
  }

  float64(hi: number, lo: number): number {
    this.w64[HI] = hi;
    this.w64[LO] = lo;
    return this.f64[0]!;
  }
}

/**
 * Reads a float as the server prints it (`1.5`, `-0`, `1e+21`, `NaN`, `Infinity`, `-Infinity`),
 * rejecting what `Number()` would accept but the server never prints (empty, spaces, `0x1f`).
 */
function parseFloatText(type: string, text: string): number {
  const n = Number(text);
  if (n === n) {
    const len = text.length;
    if (len !== 0) {
      const first = text.charCodeAt(0);
      const last = text.charCodeAt(len - 1);
      const second = len > 1 ? text.charCodeAt(1) | 0x20 : 0;
      if (
        ((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46 ||
          first === 73) &&
        ((last >= 48 && last <= 57) || last === 46 || last === 121) &&
        !(first === 48 && (second === 120 || second === 98 || second === 111))
      ) return n;
    }
  } else if (text === "NaN") return NaN;
  throw textError(type, text);
}

/** A float parameter as text `float4in`/`float8in` read back exactly. */
function floatText(type: string, value: unknown): string {
  if (typeof value === "number") {
    if (value === 0 && 1 / value < 0) return "-0";
    return String(value);
  }
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string") {
    const s = value.trim();
    const lower = s.toLowerCase();
    const name = lower.charCodeAt(0) === 45 || lower.charCodeAt(0) === 43 ? lower.slice(1) : lower;
    if (name === "nan" || name === "infinity" || name === "inf") return s;
    try {
      parseFloatText(type, s);
      return s;
    } catch {
      // Fall through to the error below.
    }
  }
  throw serializeError(type, value);
}

function floatNumber(type: string, value: unknown): number {
  if (typeof value === "number") return value;
  const s = floatText(type, value);
  const n = Number(s);
  if (n === n || s.toLowerCase().endsWith("nan")) return n;
  return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
}

/** `m × 10^k` for a decimal string from `toPrecision` (or any `[d.d]e±n`). */
function decimalParts(str: string): { m: number; k: number } {
  let k = 0;
  let mant = str;
  const e = str.indexOf("e");
  if (e >= 0) {
    k = Number(str.slice(e + 1));
    mant = str.slice(0, e);
  }
  const dot = mant.indexOf(".");
  if (dot >= 0) {
    k -= mant.length - dot - 1;
    mant = mant.slice(0, dot) + mant.slice(dot + 1);
  }
  return { m: Number(mant), k };
}

/** Sign of `m × 10^k − x`, exactly, for an integer `m ≥ 0` and a positive normal double `x`. */
function compareExact(m: number, k: number, x: number, s: FloatScratch): number {
  s.f64[0] = x;
  const hi = s.w64[HI]!;
  const e2 = ((hi >>> 20) & 0x7ff) - 1075;
  let a = BigInt(m);
  let b = (BigInt((hi & 0xfffff) | 0x100000) << 32n) | BigInt(s.w64[LO]!);
  if (k >= 0) a *= 10n ** BigInt(k);
  else b *= 10n ** BigInt(-k);
  if (e2 >= 0) b <<= BigInt(e2);
  else a <<= BigInt(-e2);
  return a > b ? 1 : a < b ? -1 : 0;
}

/**
 * The shortest decimal (as a double) strictly inside the rounding interval of the positive
 * float32 with bits `bits`, the nearest one when there are several, ties going to the even last
 * digit: what PostgreSQL's `float4out` (Ryu) prints since version 12.
 */
function shortestFloat32Bits(bits: number, s: FloatScratch): number {
  const a = s.float32(bits);
  const prev = s.float32(bits - 1);
  const next = s.float32(bits + 1);
  // The float32 rounding interval: midpoints to the neighbours, exact as doubles. PostgreSQL
  // builds Ryu without STRICTLY_SHORTEST, so the midpoints themselves never count (even where
  // round-half-even would read them back correctly).
  const lo = (a + prev) / 2;
  const hi = next === Infinity ? a + (a - prev) / 2 : (a + next) / 2;
  const inside = (v: number, str: string): boolean => {
    if (v > lo && v < hi) return true;
    if (v !== lo && v !== hi) return false;
    const { m, k } = decimalParts(str);
    const c = compareExact(m, k, v, s);
    return v === lo ? c > 0 : c < 0;
  };
  // Ties at p digits need a to have exactly p + 1 significant digits; a float32 with more than
  // 14 binary fraction digits has more than 10 decimal ones, and an integer float32 cannot sit
  // halfway between two candidates inside its own interval.
  const tieable = a % 1 !== 0 && (a * 16384) % 1 === 0;
  // The nearest p-digit decimal (at a power of two, where the interval is narrower below, else
  // the one above it) is inside the interval for every p from the shortest length on: search.
  const candidate = (p: number): number | undefined => {
    const str = a.toPrecision(p);
    const v = Number(str);
    if (inside(v, str)) return v;
    if (v < a && (bits & 0x7fffff) === 0) {
      const { m, k } = decimalParts(str);
      const up = `${m + 1}e${k}`;
      const uv = Number(up);
      if (inside(uv, up)) return uv;
    }
    return undefined;
  };
  let low = 1;
  let high = 9; // Nine digits always identify a float32.
  let best: number | undefined;
  while (low < high) {
    const mid = (low + high) >> 1;
    const v = candidate(mid);
    if (v === undefined) low = mid + 1;
    else {
      high = mid;
      best = v;
    }
  }
  best ??= candidate(9) ?? a;
  if (tieable) {
    const t = decimalParts(a.toPrecision(high + 1));
    if (t.m % 10 === 5 && compareExact(t.m, t.k, a, s) === 0) {
      // toPrecision rounds half up; the server rounds half to even.
      const down = (t.m - 5) / 10;
      if (down % 2 === 0) {
        const ds = `${down}e${t.k + 1}`;
        const dv = Number(ds);
        if (inside(dv, ds)) return dv;
      }
    }
  }
  return best;
}

/**
 * The shortest decimal that reads back as the same float32 as `value`, as a number: what
 * PostgreSQL (12 and later) prints for a `float4`, read by JavaScript.
 *
 * @param value Any number; it is first rounded to float32.
 * @returns E.g. 1.1 for `Math.fround(1.1)`; NaN, ±Infinity, ±0 unchanged.
 *
 * @example Undoing float32 noise
 * ```ts
 * import { shortestFloat32 } from "./numeric_float.ts";
 * console.assert(Math.fround(1.1) === 1.100000023841858);
 * console.assert(shortestFloat32(Math.fround(1.1)) === 1.1);
 * ```
 */
export function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  if (f === 0 || f !== f || f === Infinity || f === -Infinity) return f;
  const s = new FloatScratch();
  const v = shortestFloat32Bits(s.float32Bits(f) & 0x7fffffff, s);
  return f < 0 ? -v : v;
}

/**
 * The `float4` codec: a number. The binary decoder returns the shortest decimal that rounds to
 * the same float32 (what the text format gives), so text and binary agree.
 *
 * @returns The codec (`preferBinary: false`).
 * @throws {RangeError|TypeError} Not itself; the codec's decoders throw a RangeError for a value
 * that is not 4 bytes and a TypeError for text that is not a float, its serializers a TypeError for
 * a value that is not a number, bigint or float string.
 *
 * @example Text and binary agree
 * ```ts
 * import { float4Codec } from "./numeric_float.ts";
 * const c = float4Codec();
 * console.assert(c.parseText("1.1") === 1.1);
 * console.assert(c.parseBinary!(new Uint8Array([0x3f, 0x8c, 0xcc, 0xcd])) === 1.1);
 * ```
 */
export function float4Codec(): Codec {
  const s = new FloatScratch();
  return {
    ...builtinIds("float4"),
    preferBinary: false,
    parseText: (text: string): number => parseFloatText("float4", text),
    parseBinary(bytes: Uint8Array): number {
      checkLength("float4", bytes, 4);
      const bits = readInt32(bytes, 0);
      const abs = bits & 0x7fffffff;
      if (abs === 0 || abs >= 0x7f800000) return s.float32(bits >>> 0);
      const v = shortestFloat32Bits(abs, s);
      return bits < 0 ? -v : v;
    },
    serializeText: (value: unknown): string => floatText("float4", value),
    serializeBinary(value: unknown): Uint8Array {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, floatNumber("float4", value));
      return b;
    },
  };
}

/**
 * The `float8` codec: a number, exact both ways.
 *
 * @returns The codec (`preferBinary: true`).
 * @throws {RangeError|TypeError} Not itself; the codec's decoders throw a RangeError for a value
 * that is not 8 bytes and a TypeError for text that is not a float, its serializers a TypeError for
 * a value that is not a number, bigint or float string.
 *
 * @example Negative zero survives
 * ```ts
 * import { float8Codec } from "./numeric_float.ts";
 * const c = float8Codec();
 * console.assert(Object.is(c.parseText("-0"), -0));
 * console.assert(c.serializeText(-0) === "-0");
 * ```
 */
export function float8Codec(): Codec {
  const s = new FloatScratch();
  return {
    ...builtinIds("float8"),
    preferBinary: true,
    parseText: (text: string): number => parseFloatText("float8", text),
    parseBinary(bytes: Uint8Array): number {
      checkLength("float8", bytes, 8);
      return s.float64(readInt32(bytes, 0), readInt32(bytes, 4));
    },
    serializeText: (value: unknown): string => floatText("float8", value),
    serializeBinary(value: unknown): Uint8Array {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, floatNumber("float8", value));
      return b;
    },
  };
}
