/**
 * Turns decoded messages into plain data for deep comparison: null-prototype objects become plain
 * objects, byte arrays become number arrays, and a DataRow becomes its values.
 *
 * @module
 */

import { DataRow } from "../data_row.ts";

/** Plain-data form of a decoded message or golden expectation. */
export function normalize(value: unknown): unknown {
  if (value instanceof DataRow) return { type: "DataRow", values: value.values() };
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
    return out;
  }
  return value;
}
