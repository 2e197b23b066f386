/**
 * Generates `src/sqlstate.ts` from PostgreSQL's `src/backend/utils/errcodes.txt`.
 *
 * ```sh
 * deno run -A tools/gen_sqlstate.ts [--out=src/sqlstate.ts] <errcodes.txt>[=<label>]...
 * ```
 *
 * The label names where a file came from (`"PostgreSQL 18.4"`); it goes into the generated
 * header with the file's SHA-256. The first file is the reference. Later files (older releases)
 * only add codes the reference lacks, so that codes PostgreSQL has since removed (72000
 * `snapshot_too_old`, gone in 17) are still known when an older server sends them.
 *
 * Naming, deterministic for a given input:
 * - Each code is named after its condition name (the fourth field) in upper case:
 *   `unique_violation` → `UNIQUE_VIOLATION`.
 * - A condition name that belongs to more than one code (`null_value_not_allowed` is 22004 and
 *   39004; `string_data_right_truncation` is 01004 and 22001) names none of them: each such code
 *   takes its C macro name without `ERRCODE_` instead, PostgreSQL's own unique spelling
 *   (`NULL_VALUE_NOT_ALLOWED` 22004, `E_R_I_E_NULL_VALUE_NOT_ALLOWED` 39004,
 *   `WARNING_STRING_DATA_RIGHT_TRUNCATION` 01004, `STRING_DATA_RIGHT_TRUNCATION` 22001).
 * - Lines without a condition name are C-only aliases of a code listed elsewhere
 *   (`ERRCODE_UNDEFINED_DATABASE` is 3D000 `invalid_catalog_name`) and are skipped; a code that has
 *   no condition name on any line is named after its first macro.
 * - A code with several condition names gets one key per name; {@linkcode sqlStateName} returns
 *   the first in file order.
 * - Entries are sorted by code (the file's order within a class is kept for equal codes), so a
 *   class's codes sit together under a comment naming the class.
 *
 * @module
 */

/** One errcodes.txt file and where it came from. */
export interface ErrcodesSource {
  /** Where it came from, e.g. `"PostgreSQL 18.4"`. */
  label: string;
  /** The file's text. */
  text: string;
  /** Hex SHA-256 of the file, recorded in the header when given. */
  sha256?: string;
  /**
   * Git blob ID of the file, recorded in the header when given, so it can be checked against a
   * release tag: `git rev-parse REL_18_4:src/backend/utils/errcodes.txt`.
   */
  gitBlob?: string;
}

/** One code line of errcodes.txt. */
export interface ErrcodeEntry {
  /** Five-character SQLSTATE. */
  code: string;
  /** `E` error, `W` warning, `S` success. */
  kind: "E" | "W" | "S";
  /** The C macro, `ERRCODE_...`. */
  macro: string;
  /** The PL/pgSQL condition name, when the line has one. */
  condition: string | undefined;
  /** 1-based line number. */
  line: number;
}

/** The parsed content of one errcodes.txt. */
export interface Errcodes {
  /** Code lines in file order. */
  entries: ErrcodeEntry[];
  /** Class descriptions from the `Section:` lines, by two-character class, in file order. */
  classes: Map<string, string>;
}

const SECTION = /^Section:\s*Class\s+([0-9A-Z]{2})\s+-\s+(\S.*)$/;
const ENTRY = /^([0-9A-Z]{5})\s+([EWS])\s+(ERRCODE_[A-Z0-9_]+)(?:\s+([a-z][a-z0-9_]*))?$/;

/**
 * Parses errcodes.txt: `Section: Class XX - Description` lines and
 * `sqlstate E/W/S ERRCODE_MACRO [condition_name]` lines; blank lines and `#` comments are skipped.
 *
 * @param text The file's text.
 * @returns The entries and class descriptions.
 * @throws {SyntaxError} for any other line, naming its number.
 *
 * @example
 * ```ts ignore
 * const { entries } = parseErrcodes("Section: Class 23 - Integrity\n23505 E ERRCODE_UNIQUE_VIOLATION unique_violation\n");
 * ```
 */
export function parseErrcodes(text: string): Errcodes {
  const entries: ErrcodeEntry[] = [];
  const classes = new Map<string, string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const section = SECTION.exec(line);
    if (section !== null) {
      const [, cls, description] = section;
      if (classes.has(cls!)) {
        throw new SyntaxError(`errcodes.txt line ${i + 1}: class ${cls} has a second Section line`);
      }
      classes.set(cls!, description!.trim());
      return;
    }
    const entry = ENTRY.exec(line);
    if (entry === null) {
      throw new SyntaxError(`errcodes.txt line ${i + 1}: cannot parse ${JSON.stringify(line)}`);
    }
    const [, code, kind, macro, condition] = entry;
    entries.push({
      code: code!,
      kind: kind as ErrcodeEntry["kind"],
      macro: macro!,
      condition,
      line: i + 1,
    });
  });
  if (entries.length === 0) throw new SyntaxError("errcodes.txt has no codes");
  return { entries, classes };
}

/** A key of the generated `SQLSTATE` object. */
export interface SqlStateKey {
  /** UPPER_SNAKE name. */
  name: string;
  /** Its SQLSTATE. */
  code: string;
  /** Label of the source it came from, when not the first source. */
  from: string | undefined;
}

/**
 * Merges sources (the first is the reference; later ones only add unknown codes and classes) and
 * names every code as the module documentation describes.
 *
 * @param sources The parsed files with their labels, reference first.
 * @returns The keys sorted by code, and the class descriptions sorted by class.
 * @throws {Error} if two codes end up with one name.
 *
 * @example
 * ```ts ignore
 * const { keys } = nameCodes([{ label: "PostgreSQL 18.4", parsed: parseErrcodes(text) }]);
 * ```
 */
export function nameCodes(
  sources: readonly { label: string; parsed: Errcodes }[],
): { keys: SqlStateKey[]; classes: [string, string][] } {
  const entries: (ErrcodeEntry & { from: string | undefined })[] = [];
  const classes = new Map<string, string>();
  const seenCodes = new Set<string>();
  sources.forEach(({ label, parsed }, i) => {
    const from = i === 0 ? undefined : label;
    const added = parsed.entries.filter((e) => !seenCodes.has(e.code));
    for (const e of added) entries.push({ ...e, from });
    for (const e of parsed.entries) seenCodes.add(e.code);
    for (const [cls, description] of parsed.classes) {
      if (!classes.has(cls)) classes.set(cls, description);
    }
  });

  const codesByCondition = new Map<string, Set<string>>();
  for (const e of entries) {
    if (e.condition === undefined) continue;
    const codes = codesByCondition.get(e.condition) ?? new Set();
    codes.add(e.code);
    codesByCondition.set(e.condition, codes);
  }
  const named = new Set(entries.filter((e) => e.condition !== undefined).map((e) => e.code));

  const keys: SqlStateKey[] = [];
  const codeOfName = new Map<string, string>();
  for (const e of entries) {
    let name: string;
    if (e.condition !== undefined) {
      const shared = codesByCondition.get(e.condition)!.size > 1;
      name = shared ? e.macro.slice("ERRCODE_".length) : e.condition.toUpperCase();
    } else if (!named.has(e.code) && !keys.some((k) => k.code === e.code)) {
      name = e.macro.slice("ERRCODE_".length);
    } else {
      continue;
    }
    const previous = codeOfName.get(name);
    if (previous === e.code) continue;
    if (previous !== undefined) {
      throw new Error(`Cannot name SQLSTATE ${e.code}: ${name} already names ${previous}`);
    }
    codeOfName.set(name, e.code);
    keys.push({ name, code: e.code, from: e.from });
  }
  keys.sort((a, b) => compareAscii(a.code, b.code));
  return { keys, classes: [...classes].sort(([a], [b]) => compareAscii(a, b)) };
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Renders `src/sqlstate.ts` from errcodes.txt sources. A pure function: the same sources always
 * give the same text.
 *
 * @param sources The files, reference first.
 * @returns The module's source text, formatted as `deno fmt` would.
 * @throws {SyntaxError} for a malformed file; {@linkcode nameCodes}' errors.
 *
 * @example
 * ```ts ignore
 * const text = generateSqlStateModule([{ label: "PostgreSQL 18.4", text: errcodesTxt }]);
 * ```
 */
export function generateSqlStateModule(sources: readonly ErrcodesSource[]): string {
  if (sources.length === 0) throw new TypeError("No errcodes.txt source given");
  const { keys, classes } = nameCodes(
    sources.map((s) => ({ label: s.label, parsed: parseErrcodes(s.text) })),
  );
  const classNames = new Map(classes);
  const reference = sources[0]!.label;
  const out: string[] = [];
  out.push(
    "// Generated by tools/gen_sqlstate.ts from PostgreSQL's src/backend/utils/errcodes.txt of:",
  );
  sources.forEach((s, i) => {
    const role = i === 0 ? "the reference" : "only the codes the reference lacks";
    out.push(`//   ${s.label}: ${role}`);
    if (s.gitBlob !== undefined) out.push(`//     git blob ${s.gitBlob}`);
    if (s.sha256 !== undefined) out.push(`//     sha256 ${s.sha256}`);
  });
  out.push(
    "// DO NOT EDIT. Regenerate with: deno run -A tools/gen_sqlstate.ts <errcodes.txt>[=<label>]...",
    "",
    "/**",
    " * SQLSTATE error codes, as PostgreSQL reports them in the `code` field of an ErrorResponse",
    " * (`PostgresError.code`), named after PostgreSQL's condition names.",
    " *",
    " * @module",
    " */",
    "",
    "/**",
    " * Every SQLSTATE PostgreSQL defines, by UPPER_SNAKE condition name (`unique_violation` →",
    " * `UNIQUE_VIOLATION`), class codes (`XX000`) included. Where one condition name belongs to",
    " * several codes, each of them is named after its C macro instead",
    " * (`NULL_VALUE_NOT_ALLOWED` 22004, `E_R_I_E_NULL_VALUE_NOT_ALLOWED` 39004).",
    " *",
    " * @example Telling a unique violation apart",
    " * ```ts",
    ' * import { SQLSTATE } from "@pgline/pgline";',
    ' * const err = { code: "23505" };',
    " * console.assert(err.code === SQLSTATE.UNIQUE_VIOLATION);",
    " * ```",
    " */",
    "export const SQLSTATE = {",
  );
  let currentClass: string | undefined;
  for (const key of keys) {
    const cls = key.code.slice(0, 2);
    if (cls !== currentClass) {
      currentClass = cls;
      out.push(`  // Class ${cls}: ${classNames.get(cls) ?? "(no Section line)"}`);
    }
    const note = key.from === undefined ? "" : ` // not in ${reference}; from ${key.from}`;
    out.push(`  ${key.name}: "${key.code}",${note}`);
  }
  out.push(
    "} as const;",
    "",
    "/**",
    ' * A key of {@linkcode SQLSTATE}, such as `"UNIQUE_VIOLATION"`.',
    " *",
    " * @example",
    " * ```ts",
    ' * import type { SqlStateName } from "@pgline/pgline";',
    ' * const name: SqlStateName = "SERIALIZATION_FAILURE";',
    " * ```",
    " */",
    "export type SqlStateName = keyof typeof SQLSTATE;",
    "",
    "/**",
    ' * A SQLSTATE PostgreSQL defines, such as `"23505"`. Servers may send codes outside this union',
    " * (from extensions, or a newer release), so `PostgresError.code` stays a `string`.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { SQLSTATE, type SqlState } from "@pgline/pgline";',
    " * const retryable: readonly SqlState[] = [SQLSTATE.SERIALIZATION_FAILURE, SQLSTATE.DEADLOCK_DETECTED];",
    ' * console.assert(retryable.includes("40001"));',
    " * ```",
    " */",
    "export type SqlState = (typeof SQLSTATE)[SqlStateName];",
    "",
    "const CLASSES: ReadonlyMap<string, string> = new Map([",
  );
  for (const [cls, description] of classes) {
    out.push(`  ["${cls}", ${JSON.stringify(description)}],`);
  }
  out.push(
    "]);",
    "",
    "// Code → its first name in SQLSTATE's order.",
    "const NAMES: ReadonlyMap<string, SqlStateName> = new Map(",
    "  (Object.entries(SQLSTATE) as [SqlStateName, SqlState][]).reverse().map(([name, code]) => [",
    "    code,",
    "    name,",
    "  ]),",
    ");",
    "",
    "/**",
    " * Names a SQLSTATE: the key of {@linkcode SQLSTATE} for the code.",
    " *",
    " * @param code A five-character SQLSTATE, e.g. from `PostgresError.code`.",
    " * @returns The name, or undefined for a code PostgreSQL does not define.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { sqlStateName } from "@pgline/pgline";',
    ' * console.assert(sqlStateName("40P01") === "DEADLOCK_DETECTED");',
    ' * console.assert(sqlStateName("99999") === undefined);',
    " * ```",
    " */",
    "export function sqlStateName(code: string): SqlStateName | undefined {",
    "  return NAMES.get(code);",
    "}",
    "",
    "/**",
    " * Describes a SQLSTATE's class (its first two characters), as PostgreSQL's documentation titles",
    " * it.",
    " *",
    " * @param code A SQLSTATE, or just its two-character class.",
    " * @returns The class description, or undefined for a class PostgreSQL does not define.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { sqlStateClass } from "@pgline/pgline";',
    ' * console.assert(sqlStateClass("23505") === "Integrity Constraint Violation");',
    ' * console.assert(sqlStateClass("40") === "Transaction Rollback");',
    " * ```",
    " */",
    "export function sqlStateClass(code: string): string | undefined {",
    "  return CLASSES.get(code.slice(0, 2));",
    "}",
    "",
  );
  return out.join("\n");
}

async function hex(algorithm: string, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Git's object ID of a file: SHA-1 of "blob <length>\0" and the bytes.
function gitBlobBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(`blob ${bytes.length}\0`);
  const all = new Uint8Array(head.length + bytes.length);
  all.set(head);
  all.set(bytes, head.length);
  return all;
}

async function main(args: string[]): Promise<void> {
  let out = new URL("../src/sqlstate.ts", import.meta.url).pathname;
  const sources: ErrcodesSource[] = [];
  for (const arg of args) {
    if (arg.startsWith("--out=")) {
      out = arg.slice("--out=".length);
      continue;
    }
    const eq = arg.lastIndexOf("=");
    const path = eq === -1 ? arg : arg.slice(0, eq);
    const label = eq === -1 ? path : arg.slice(eq + 1);
    const bytes = await Deno.readFile(path);
    sources.push({
      label,
      text: new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      sha256: await hex("SHA-256", bytes),
      gitBlob: await hex("SHA-1", gitBlobBytes(bytes)),
    });
  }
  if (sources.length === 0) {
    console.error(
      "Usage: deno run -A tools/gen_sqlstate.ts [--out=src/sqlstate.ts] <errcodes.txt>[=<label>]...",
    );
    Deno.exit(2);
  }
  await Deno.writeTextFile(out, generateSqlStateModule(sources));
  console.log(`Wrote ${out}`);
}

if (import.meta.main) await main(Deno.args);
