/**
 * Turning DataRows into JavaScript values: the codecs for a RowDescription are looked up once,
 * into a plan, and every row of the result is decoded with that plan (never a type lookup per
 * cell).
 *
 * @module
 */

import type { Codec, CodecLookup } from "../types/codec.ts";
import type { FieldDescription } from "../protocol/messages.ts";
import type { DataRow } from "../protocol/data_row.ts";
import { decodeText } from "../protocol/body_reader.ts";

/**
 * Column metadata of a result, as the user sees it.
 *
 * @example Column names and types of a result
 * ```ts
 * import type { Client, FieldInfo } from "@pgline/pgline";
 * declare const db: Client;
 * const { fields } = await db.query("select 1::int4 as n, 'a'::text as s");
 * const describe = (f: FieldInfo) => `${f.name} (type ${f.typeOid})`;
 * console.log(fields.map(describe)); // ["n (type 23)", "s (type 25)"]
 * ```
 */
export interface FieldInfo {
  /** Column name (or `?column?`). */
  readonly name: string;
  /** OID of the column's data type. */
  readonly typeOid: number;
  /** OID of the source table, or 0. */
  readonly tableOid: number;
  /** Attribute number in the source table, or 0. */
  readonly columnAttribute: number;
  /** `pg_type.typlen` (negative for variable width). */
  readonly typeSize: number;
  /** `atttypmod` (e.g. varchar length + 4), or -1. */
  readonly typeModifier: number;
  /** 0 text, 1 binary: how the value travelled. */
  readonly format: number;
}

/** How to decode the rows of one RowDescription. */
export interface RowPlan {
  /** Column metadata. */
  readonly fields: readonly FieldInfo[];
  /** Column names, in order. */
  readonly names: readonly string[];
  /** Per column: true when the value arrives in binary. */
  readonly binary: readonly boolean[];
  /** Per column: the codec, or undefined for an unknown type (text → string, binary → bytes). */
  readonly codecs: readonly (Codec | undefined)[];
  /** True when no column is binary (the row's bulk text decoding applies). */
  readonly allText: boolean;
  /** True when a column name would be unsafe as a plain property (`__proto__`). */
  readonly unsafeNames: boolean;
}

/**
 * Builds the plan for a RowDescription.
 *
 * @param fields The RowDescription's fields.
 * @param formats Format of each column (the RowDescription's own codes when they are real; a
 * statement's RowDescription says 0 for all, so the caller passes what Bind asked for).
 * @param lookup Codecs by OID.
 * @returns The plan.
 */
export function makeRowPlan(
  fields: readonly FieldDescription[],
  formats: readonly number[],
  lookup: CodecLookup,
): RowPlan {
  const infos: FieldInfo[] = [];
  const names: string[] = [];
  const binary: boolean[] = [];
  const codecs: (Codec | undefined)[] = [];
  let unsafeNames = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const format = formats[i] ?? 0;
    infos.push({
      name: f.name,
      typeOid: f.typeOid,
      tableOid: f.tableOid,
      columnAttribute: f.columnAttribute,
      typeSize: f.typeSize,
      typeModifier: f.typeModifier,
      format,
    });
    names.push(f.name);
    binary.push(format === 1);
    const codec = lookup.byOid(f.typeOid);
    codecs.push(format === 1 && codec?.parseBinary === undefined ? undefined : codec);
    if (f.name === "__proto__") unsafeNames = true;
  }
  return {
    fields: infos,
    names,
    binary,
    codecs,
    allText: !binary.includes(true),
    unsafeNames,
  };
}

/**
 * Decodes one row into an array of values.
 *
 * @throws {Error} whatever a codec throws for a value it cannot read (the caller fails the one
 * query, not the connection).
 */
export function decodeRowValues(row: DataRow, plan: RowPlan): unknown[] {
  const codecs = plan.codecs;
  const n = row.columnCount;
  if (n !== codecs.length) {
    throw new TypeError(`DataRow has ${n} columns, but the RowDescription has ${codecs.length}`);
  }
  if (plan.allText) {
    const out: unknown[] = row.values();
    for (let i = 0; i < n; i++) {
      const text = out[i];
      const codec = codecs[i];
      if (text !== null && codec !== undefined) out[i] = codec.parseText(text as string);
    }
    return out;
  }
  const out = new Array<unknown>(n);
  const b = row.bytes;
  const binary = plan.binary;
  let p = row.start;
  for (let i = 0; i < n; i++) {
    const length = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    if (length < 0) {
      out[i] = null;
      continue;
    }
    const codec = codecs[i];
    if (binary[i]) {
      const view = b.subarray(p, p + length);
      out[i] = codec === undefined ? view.slice() : codec.parseBinary!(view);
    } else {
      const text = decodeText(b, p, p + length);
      out[i] = codec === undefined ? text : codec.parseText(text);
    }
    p += length;
  }
  return out;
}

/**
 * Makes a row object from decoded values: plain objects with the column names as own
 * properties. A column named `__proto__` becomes an own property too, never the prototype. When
 * two columns share a name, the later one wins (use array rows to see both).
 */
export function rowObject(values: unknown[], plan: RowPlan): Record<string, unknown> {
  const names = plan.names;
  const row: Record<string, unknown> = {};
  if (plan.unsafeNames) {
    for (let i = 0; i < names.length; i++) {
      Object.defineProperty(row, names[i]!, {
        value: values[i],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return row;
  }
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
  return row;
}
