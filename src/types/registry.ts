/**
 * The type registry: codecs by OID and by name, with the containers (arrays, ranges,
 * multiranges, `record`) derived from the base codecs, and catalog introspection for user types
 * (enums, composites, domains, ranges, multiranges and their arrays), whose SQL and row parsing
 * live in `introspect.ts`.
 *
 * @module
 */

import { arrayCodec } from "./array.ts";
import type { Codec, CodecLookup } from "./codec.ts";
import { compositeCodec, unknownCodec } from "./composite.ts";
import { type Derivation, introspectionSql, parseIntrospectionRow } from "./introspect.ts";
import { BUILTIN_TYPES, OID } from "./oids.ts";
import { multirangeCodec, rangeCodec } from "./range.ts";

type MutableCodec = { -readonly [K in keyof Codec]: Codec[K] };

function arrayDerivation(element: { oid: number; name: string }, arrayOid: number): Derivation {
  return {
    kind: "array",
    oid: arrayOid,
    name: `_${element.name}`,
    elementOid: element.oid,
    // `box` is the one built-in type whose `typdelim` is not a comma.
    delimiter: element.oid === OID.box ? ";" : ",",
  };
}

/** A codec with another type's behaviour under a domain's OID and name. */
function aliasCodec(base: Codec, oid: number, name: string, arrayOid: number): Codec {
  const codec: MutableCodec = {
    name,
    oid,
    arrayOid,
    preferBinary: base.preferBinary,
    parseText: (text) => base.parseText(text),
    serializeText: (value) => base.serializeText(value),
  };
  const parseBinary = base.parseBinary?.bind(base);
  if (parseBinary !== undefined) codec.parseBinary = parseBinary;
  const serializeBinary = base.serializeBinary?.bind(base);
  if (serializeBinary !== undefined) codec.serializeBinary = serializeBinary;
  return codec;
}

/** An enum: its label is the value, in text and in binary (`enum_send` sends the label). */
function enumCodec(oid: number, name: string, arrayOid: number): Codec {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  return {
    name,
    oid,
    arrayOid,
    preferBinary: false,
    parseText: (text) => text,
    parseBinary: (bytes) => decoder.decode(bytes),
    serializeText: (value) => {
      if (typeof value !== "string") {
        throw new TypeError(`Cannot serialize a ${typeof value} as ${name}: expected a label`);
      }
      return value;
    },
  };
}

/**
 * Codecs by OID and by name: the base codecs it is given, the containers derived from them, and
 * user types learned from the catalog. Each instance owns its codecs; nothing is shared between
 * registries.
 *
 * Derived codecs (arrays, ranges, multiranges, domains, composites, enums) are rebuilt whenever
 * `register` or `applyIntrospection` changes a codec they are made from, so re-registering `int4`
 * also changes `int4[]`, `int4range` and `int4multirange`. A codec passed to the constructor or to
 * `register` is never replaced by a derived one.
 *
 * @example Arrays and ranges come for free
 * ```ts
 * import { TypeRegistry } from "@pgline/pgline";
 * const int4 = {
 *   name: "int4",
 *   oid: 23,
 *   arrayOid: 1007,
 *   preferBinary: false,
 *   parseText: Number,
 *   serializeText: String,
 * };
 * const types = new TypeRegistry([int4]);
 * console.assert(types.byName("_int4")?.oid === 1007);
 * console.assert(JSON.stringify(types.byOid(1007)?.parseText("{1,2}")) === "[1,2]");
 * console.assert(types.byOid(3904)?.name === "int4range");
 * ```
 */
export class TypeRegistry implements CodecLookup {
  /** Codecs given by the caller, by OID (never replaced by derived ones). */
  #explicit = new Map<number, Codec>();
  /** Codecs given by the caller with OID 0: known by name only. */
  #namedOnly = new Map<string, Codec>();
  /** How to build every other codec. */
  #derivations = new Map<number, Derivation>();
  /** Extra names (`schema.type`) by OID, from introspection. */
  #aliases = new Map<number, string[]>();
  /** The current codecs, explicit and derived. */
  #byOid = new Map<number, Codec>();
  #byName = new Map<string, Codec>();

  /**
   * Makes a registry from base codecs and derives arrays (for each codec with an `arrayOid`), the
   * built-in ranges and multiranges (over whichever subtype codecs there are, a subtype without
   * a codec reading as strings) and their arrays, and the anonymous `record` type and `record[]`.
   *
   * @param codecs Base codecs; a later one with the same OID or name wins.
   */
  constructor(codecs: readonly Codec[]) {
    for (const type of BUILTIN_TYPES) {
      if (type.kind === "r") {
        this.#derivations.set(type.oid, {
          kind: "range",
          oid: type.oid,
          arrayOid: type.arrayOid,
          name: type.name,
          subtypeOid: type.partOid,
        });
      } else if (type.kind === "m") {
        this.#derivations.set(type.oid, {
          kind: "multirange",
          oid: type.oid,
          arrayOid: type.arrayOid,
          name: type.name,
          rangeOid: type.partOid,
        });
      } else if (type.oid === OID.record) {
        this.#derivations.set(type.oid, {
          kind: "composite",
          oid: type.oid,
          arrayOid: type.arrayOid,
          name: type.name,
          fields: undefined,
        });
      } else continue;
      this.#derivations.set(type.arrayOid, arrayDerivation(type, type.arrayOid));
    }
    for (const codec of codecs) this.#add(codec);
    this.#rebuild();
  }

  /**
   * The codec for a type OID.
   *
   * @param oid A `pg_type` OID.
   * @returns The codec, or undefined when the type is unknown (read it as text).
   */
  byOid(oid: number): Codec | undefined {
    return this.#byOid.get(oid);
  }

  /**
   * The codec for a type name: `pg_type.typname` (`int4`, `_int4` for its array, `mood`), or
   * `schema.typname` for types learned by introspection outside `pg_catalog`.
   *
   * @param name The type's name.
   * @returns The codec, or undefined.
   */
  byName(name: string): Codec | undefined {
    return this.#byName.get(name);
  }

  /**
   * Adds a codec or replaces the one with the same OID (or, for OID 0, the same name), derives
   * its array codec when it has an `arrayOid`, and rebuilds the codecs derived from it.
   *
   * @param codec The codec.
   */
  register(codec: Codec): void {
    this.#add(codec);
    this.#rebuild();
  }

  /**
   * SQL that reads from `pg_catalog` what `applyIntrospection` needs to build codecs for the given
   * types and everything they depend on: enums, composites (attribute names and types in order,
   * dropped columns left out), domains (their base type), ranges and multiranges over any
   * subtype, and the array types of all of these. It is one self-contained statement with the
   * names and OIDs inlined as escaped literals, safe for the simple query protocol.
   *
   * @param namesOrOids Type OIDs, or names as `::regtype` reads them (`mood`, `app.mood`,
   * `"Mixed Case"`, `mood[]`), resolved with the session's `search_path`; unknown names are
   * skipped.
   * @returns The query text.
   * @throws {RangeError} for an OID that is not an integer in 0..2^32-1.
   * @throws {TypeError} for a name containing a NUL character, or a value of another type.
   *
   * @example
   * ```ts
   * import { TypeRegistry } from "@pgline/pgline";
   * const sql = new TypeRegistry([]).introspectionQuery(["mood", 16_384]);
   * console.assert(sql.includes("E'mood'"));
   * ```
   */
  introspectionQuery(namesOrOids: readonly (string | number)[]): string {
    return introspectionSql(namesOrOids);
  }

  /**
   * Builds codecs from the rows of {@link introspectionQuery} (text values, as the simple query
   * protocol returns them), resolving dependencies between them in any order. Codecs the caller
   * registered are kept; a codec registered with OID 0 under a type's name is given that type's
   * OID (and an array codec). Base types and pseudo-types need codecs of their own and are
   * skipped (without one they read as strings).
   *
   * @param rows The query's rows.
   * @returns The codecs built for the rows' types.
   * @throws {TypeError} when a row does not have the query's shape.
   *
   * @example
   * ```ts
   * import { TypeRegistry } from "@pgline/pgline";
   * const types = new TypeRegistry([]);
   * // oid, schema, name, typtype, delimiter, typarray, element, base, subtype, range, names, types
   * types.applyIntrospection([
   *   ["16390", "public", "mood", "e", ",", "16389", "0", "0", null, null, null, null],
   *   ["16389", "public", "_mood", "b", ",", "0", "16390", "0", null, null, null, null],
   * ]);
   * console.assert(
   *   JSON.stringify(types.byName("_mood")?.parseText("{ok,sad}")) === '["ok","sad"]',
   * );
   * ```
   */
  applyIntrospection(rows: readonly (readonly (string | null)[])[]): Codec[] {
    const learned: number[] = [];
    for (const row of rows) {
      const parsed = parseIntrospectionRow(row);
      if (parsed === undefined || this.#explicit.has(parsed.derivation.oid)) continue;
      const d = parsed.derivation;
      const named = this.#namedOnly.get(d.name) ??
        this.#namedOnly.get(`${parsed.schema}.${d.name}`);
      if (named !== undefined && d.kind !== "array") {
        // A codec registered by name before its OID was known now gets the OID.
        this.#namedOnly.delete(named.name);
        this.#add(aliasCodec(named, d.oid, d.name, d.arrayOid));
        learned.push(d.oid);
        continue;
      }
      this.#derivations.set(parsed.derivation.oid, parsed.derivation);
      if (parsed.schema !== "pg_catalog") {
        this.#aliases.set(parsed.derivation.oid, [`${parsed.schema}.${parsed.derivation.name}`]);
      }
      learned.push(parsed.derivation.oid);
    }
    this.#rebuild();
    return learned.map((oid) => this.#byOid.get(oid)!);
  }

  #add(codec: Codec): void {
    if (codec.oid === 0) {
      this.#namedOnly.set(codec.name, codec);
      return;
    }
    this.#explicit.set(codec.oid, codec);
    this.#derivations.delete(codec.oid);
    if (codec.arrayOid !== 0 && !this.#explicit.has(codec.arrayOid)) {
      this.#derivations.set(codec.arrayOid, arrayDerivation(codec, codec.arrayOid));
    }
  }

  /** Rebuilds every derived codec, dependencies first. */
  #rebuild(): void {
    const built = new Map<number, Codec>(this.#explicit);
    const building = new Set<number>();
    const build = (oid: number): Codec => {
      const done = built.get(oid);
      if (done !== undefined) return done;
      const derivation = this.#derivations.get(oid);
      // A missing dependency, or a cycle (which the catalog does not allow), reads as text.
      if (derivation === undefined || building.has(oid)) return unknownCodec(oid);
      building.add(oid);
      const codec = this.#derive(derivation, build);
      building.delete(oid);
      built.set(oid, codec);
      return codec;
    };
    for (const oid of this.#derivations.keys()) build(oid);

    const byName = new Map<string, Codec>();
    for (const [oid, derivation] of this.#derivations) {
      const codec = built.get(oid)!;
      byName.set(derivation.name, codec);
      for (const alias of this.#aliases.get(oid) ?? []) byName.set(alias, codec);
    }
    for (const codec of this.#explicit.values()) byName.set(codec.name, codec);
    for (const codec of this.#namedOnly.values()) byName.set(codec.name, codec);
    this.#byOid = built;
    this.#byName = byName;
  }

  /** Whether a derived type's values are JS arrays (so its arrays nest one level deeper). */
  #valuesAreArrays(oid: number, depth = 0): boolean {
    const d = this.#explicit.has(oid) ? undefined : this.#derivations.get(oid);
    if (d === undefined || depth > 8) return false;
    switch (d.kind) {
      case "array":
      case "multirange":
        return true;
      case "composite":
        return d.fields === undefined;
      case "domain":
        return this.#valuesAreArrays(d.baseOid, depth + 1);
      default:
        return false;
    }
  }

  #derive(d: Derivation, build: (oid: number) => Codec): Codec {
    switch (d.kind) {
      case "array":
        return arrayCodec(build(d.elementOid), d.oid, d.name, {
          delimiter: d.delimiter,
          elementsAreArrays: this.#valuesAreArrays(d.elementOid),
        });
      case "range":
        return rangeCodec(build(d.subtypeOid), d.oid, d.arrayOid, d.name);
      case "multirange":
        return multirangeCodec(build(d.rangeOid), d.oid, d.arrayOid, d.name);
      case "domain":
        return aliasCodec(build(d.baseOid), d.oid, d.name, d.arrayOid);
      case "composite":
        // Field codecs are looked up lazily through the registry, so fields may be of types
        // built later (or never: they read as strings).
        return compositeCodec(d.oid, d.name, d.fields, this, d.arrayOid);
      case "enum":
        return enumCodec(d.oid, d.name, d.arrayOid);
    }
  }
}
