/**
 * Catalog introspection for user types: the SQL that reads from `pg_catalog` what a
 * `TypeRegistry` needs to build codecs for enums, composites, domains, ranges, multiranges
 * and their arrays, and the parsing of that statement's rows into {@link Derivation}s.
 *
 * The registry exposes both through `introspectionQuery` and `applyIntrospection`; this module
 * holds no state, and turning derivations into codecs is the registry's job.
 *
 * @module
 */

import { arrayCodec } from "./array.ts";
import { type CompositeField, unknownCodec } from "./composite.ts";

/**
 * How a codec is made from other codecs; kept by the registry so it can be rebuilt when one of
 * those changes, and read from the catalog by {@link parseIntrospectionRow}.
 */
export type Derivation =
  | { kind: "array"; oid: number; name: string; elementOid: number; delimiter: string }
  | { kind: "range"; oid: number; arrayOid: number; name: string; subtypeOid: number }
  | { kind: "multirange"; oid: number; arrayOid: number; name: string; rangeOid: number }
  | { kind: "domain"; oid: number; arrayOid: number; name: string; baseOid: number }
  | {
    kind: "composite";
    oid: number;
    arrayOid: number;
    name: string;
    fields: CompositeField[] | undefined;
  }
  | { kind: "enum"; oid: number; arrayOid: number; name: string };

/** One type read from a row of the introspection statement. */
export interface IntrospectedType {
  /** The type's schema, `pg_namespace.nspname` (`pg_catalog`, `public`, ...). */
  schema: string;
  /** How to build the type's codec. */
  derivation: Derivation;
}

/** Writes a string as an `E'...'` literal: valid whatever `standard_conforming_strings` is. */
function sqlLiteral(text: string): string {
  if (text.includes("\0")) {
    throw new TypeError("Cannot introspect a type name containing a NUL character");
  }
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/**
 * The introspection statement. The recursive part follows each type to what its codec is made
 * of (array element, domain base, composite attributes, range subtype, multirange range) and to
 * its array type; `union` drops repeats, so element/array cycles end. `rngmultitypid` is read
 * through `to_jsonb` because the column only exists on PostgreSQL 14+, and naming it would make
 * the statement fail on older servers.
 *
 * Its columns, in order: oid, schema, name, typtype, delimiter, typarray, element, base type,
 * range subtype, multirange's range, composite attribute names, composite attribute types.
 *
 * @param namesOrOids Type OIDs, or names as `::regtype` reads them, resolved with the session's
 * `search_path`; unknown names are skipped.
 * @returns The query text: one self-contained statement, safe for the simple query protocol.
 * @throws {RangeError} for an OID that is not an integer in 0..2^32-1.
 * @throws {TypeError} for a name containing a NUL character, or a value of another type.
 *
 * @example Names are inlined as escaped literals
 * ```ts
 * import { introspectionSql } from "./introspect.ts";
 * console.assert(introspectionSql(["it's"]).includes("E'it''s'"));
 * ```
 */
export function introspectionSql(namesOrOids: readonly (string | number)[]): string {
  const oids: number[] = [];
  const names: string[] = [];
  for (const item of namesOrOids) {
    if (typeof item === "number") {
      if (!Number.isInteger(item) || item < 0 || item > 0xffffffff) {
        throw new RangeError(`Cannot introspect type OID ${item}: not an integer in 0..2^32-1`);
      }
      oids.push(item);
    } else if (typeof item === "string") {
      names.push(sqlLiteral(item));
    } else {
      throw new TypeError(`Cannot introspect a ${typeof item}: expected a type name or OID`);
    }
  }
  const nameArray = names.length === 0 ? "'{}'" : `ARRAY[${names.join(",")}]`;
  const multirangeOf = (alias: string): string =>
    `(pg_catalog.to_jsonb(${alias}) OPERATOR(pg_catalog.->>) 'rngmultitypid')::pg_catalog.oid`;
  const attributes = (column: string): string =>
    `(SELECT pg_catalog.array_agg(a.${column} ORDER BY a.attnum) FROM pg_catalog.pg_attribute a ` +
    `WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)`;
  return `WITH RECURSIVE wanted(oid) AS (
  SELECT t.oid FROM pg_catalog.pg_type t
  WHERE t.oid = ANY ('{${oids.join(",")}}'::pg_catalog.oid[])
     OR t.oid = ANY (ARRAY(SELECT pg_catalog.to_regtype(u.n)::pg_catalog.oid
                           FROM pg_catalog.unnest(${nameArray}::pg_catalog.text[]) AS u(n)))
  UNION
  SELECT d.oid FROM wanted w
  JOIN pg_catalog.pg_type t ON t.oid = w.oid
  CROSS JOIN LATERAL (
    SELECT e.oid FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid
    UNION ALL SELECT t.typbasetype WHERE t.typbasetype <> 0
    UNION ALL SELECT t.typarray WHERE t.typarray <> 0
    UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
      WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid
    UNION ALL SELECT r.rngtypid FROM pg_catalog.pg_range r
      WHERE t.typtype = 'm' AND ${multirangeOf("r")} = t.oid
    UNION ALL SELECT ${multirangeOf("r")} FROM pg_catalog.pg_range r
      WHERE r.rngtypid = t.oid AND ${multirangeOf("r")} IS NOT NULL
  ) AS d(oid)
)
SELECT t.oid, n.nspname, t.typname, t.typtype,
  COALESCE(e.typdelim, t.typdelim), t.typarray, COALESCE(e.oid, 0), t.typbasetype,
  r.rngsubtype,
  (SELECT m.rngtypid FROM pg_catalog.pg_range m WHERE t.typtype = 'm' AND ${
    multirangeOf("m")
  } = t.oid),
  CASE WHEN t.typtype = 'c' THEN COALESCE(${attributes("attname")}, '{}') END,
  CASE WHEN t.typtype = 'c' THEN COALESCE(${attributes("atttypid")}, '{}') END
FROM wanted w
JOIN pg_catalog.pg_type t ON t.oid = w.oid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND e.typarray = t.oid
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
ORDER BY t.oid`;
}

/** Reads the composite attribute lists (`name[]`, `oid[]`) as arrays of strings. */
const stringArray = arrayCodec(unknownCodec(25, "text"), 1009);

function rowOid(row: readonly (string | null)[], column: number): number {
  const text = row[column];
  const oid = text === null || text === undefined || !/^\d+$/.test(text) ? NaN : Number(text);
  if (!(oid <= 0xffffffff)) {
    throw new TypeError(`Cannot apply introspection row: column ${column + 1} is not an OID`);
  }
  return oid;
}

/**
 * Reads one row of the introspection statement (text values, as the simple query protocol
 * returns them).
 *
 * @param row The row's columns, as listed in {@link introspectionSql}.
 * @returns The type's schema and derivation, or undefined for types it makes no codec for (base
 * types and pseudo-types).
 * @throws {TypeError} when the row does not have the statement's shape.
 *
 * @example An enum
 * ```ts
 * import { parseIntrospectionRow } from "./introspect.ts";
 * const type = parseIntrospectionRow(
 *   ["16390", "public", "mood", "e", ",", "16389", "0", "0", null, null, null, null],
 * );
 * console.assert(type?.derivation.kind === "enum" && type.derivation.arrayOid === 16389);
 * ```
 */
export function parseIntrospectionRow(
  row: readonly (string | null)[],
): IntrospectedType | undefined {
  if (row.length < 12) {
    throw new TypeError(`Cannot apply introspection row: ${row.length} columns, expected 12`);
  }
  const oid = rowOid(row, 0);
  const schema = row[1] ?? "";
  const name = row[2] ?? "";
  const arrayOid = rowOid(row, 5);
  let derivation: Derivation;
  switch (row[3]) {
    case "e":
      derivation = { kind: "enum", oid, arrayOid, name };
      break;
    case "d":
      derivation = { kind: "domain", oid, arrayOid, name, baseOid: rowOid(row, 7) };
      break;
    case "r":
      derivation = { kind: "range", oid, arrayOid, name, subtypeOid: rowOid(row, 8) };
      break;
    case "m":
      derivation = { kind: "multirange", oid, arrayOid, name, rangeOid: rowOid(row, 9) };
      break;
    case "c": {
      const names = stringArray.parseText(row[10] ?? "{}") as (string | null)[];
      const types = stringArray.parseText(row[11] ?? "{}") as (string | null)[];
      if (names.length !== types.length) {
        throw new TypeError(`Cannot apply introspection row: ${name} attribute lists differ`);
      }
      const fields = names.map((field, k) => ({ name: field ?? "", typeOid: rowOid(types, k) }));
      derivation = { kind: "composite", oid, arrayOid, name, fields };
      break;
    }
    default: {
      const elementOid = rowOid(row, 6);
      if (row[3] !== "b" || elementOid === 0) return undefined;
      derivation = { kind: "array", oid, name, elementOid, delimiter: row[4] ?? "," };
    }
  }
  return { schema, derivation };
}
