/**
 * SASLprep (RFC 4013), the stringprep (RFC 3454) profile SCRAM applies to passwords, and the way
 * libpq uses it: a password SASLprep rejects is used as it is.
 *
 * @module
 */

import { STRINGPREP_TABLES } from "./saslprep_tables.ts";

/** The outcome of {@linkcode saslprep}: the prepared string, or why the input was rejected. */
export type SaslprepResult = { ok: true; value: string } | { ok: false; reason: string };

/** Binary search over flat inclusive `[first, last, ...]` ranges. */
function inTable(table: readonly number[], codePoint: number): boolean {
  let low = 0;
  let high = (table.length >>> 1) - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (codePoint < table[middle * 2]!) high = middle - 1;
    else if (codePoint > table[middle * 2 + 1]!) low = middle + 1;
    else return true;
  }
  return false;
}

function codePointName(codePoint: number): string {
  return "U+" + codePoint.toString(16).toUpperCase().padStart(4, "0");
}

/** Splits a string into code points; `undefined` when it holds an unpaired surrogate. */
function toCodePoints(input: string): number[] | undefined {
  const codePoints: number[] = [];
  for (const char of input) {
    const codePoint = char.codePointAt(0)!;
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) return undefined;
    codePoints.push(codePoint);
  }
  return codePoints;
}

/** Step 1, mapping (RFC 4013 section 2.1). Non-ASCII spaces win over B.1 for U+200B, as in PostgreSQL. */
function map(codePoints: readonly number[]): number[] {
  const mapped: number[] = [];
  for (const codePoint of codePoints) {
    if (inTable(STRINGPREP_TABLES.nonAsciiSpace, codePoint)) mapped.push(0x20);
    else if (!inTable(STRINGPREP_TABLES.mappedToNothing, codePoint)) mapped.push(codePoint);
  }
  return mapped;
}

/** Steps 3 and 4, prohibited output (section 2.3) and bidi (section 2.4, RFC 3454 section 6). */
function checkProhibitedAndBidi(codePoints: readonly number[]): string | undefined {
  for (const codePoint of codePoints) {
    if (inTable(STRINGPREP_TABLES.prohibited, codePoint)) {
      return `prohibited character ${codePointName(codePoint)}`;
    }
  }
  if (!codePoints.some((codePoint) => inTable(STRINGPREP_TABLES.randAlCat, codePoint))) {
    return undefined;
  }
  const lCat = codePoints.find((codePoint) => inTable(STRINGPREP_TABLES.lCat, codePoint));
  if (lCat !== undefined) {
    return `bidirectional check failed: right-to-left text mixed with left-to-right character ${
      codePointName(lCat)
    }`;
  }
  const first = codePoints[0]!;
  const last = codePoints[codePoints.length - 1]!;
  if (!inTable(STRINGPREP_TABLES.randAlCat, first) || !inTable(STRINGPREP_TABLES.randAlCat, last)) {
    return "bidirectional check failed: right-to-left text must start and end with a right-to-left character";
  }
  return undefined;
}

/** Builds a string in slices, so a long input cannot overflow the stack of a spread call. */
function fromCodePoints(codePoints: readonly number[]): string {
  let text = "";
  for (let start = 0; start < codePoints.length; start += 4096) {
    text += String.fromCodePoint(...codePoints.slice(start, start + 4096));
  }
  return text;
}

function checkUnassigned(codePoints: readonly number[]): string | undefined {
  const unassigned = codePoints.find((codePoint) =>
    inTable(STRINGPREP_TABLES.unassigned, codePoint)
  );
  return unassigned === undefined
    ? undefined
    : `unassigned code point ${codePointName(unassigned)} (Unicode 3.2)`;
}

/**
 * Prepares a string with SASLprep (RFC 4013) for a stored string: maps non-ASCII spaces to
 * SPACE and the characters of table B.1 to nothing, normalizes with NFKC, then rejects
 * prohibited characters, strings that break the bidirectional rules and, since a password is a
 * stored string, code points unassigned in Unicode 3.2 (table A.1). Prohibited characters and the
 * bidirectional rules are checked on the normalized output, unassigned code points on the
 * mapped input, as RFC 3454 sections 3 and 7 describe.
 *
 * NFKC is `String.prototype.normalize`, so it follows the runtime's Unicode version; characters
 * that differ from Unicode 3.2 are unassigned there, and so rejected, anyway.
 *
 * @param input The string to prepare.
 * @returns `{ ok: true, value }` with the prepared string, or `{ ok: false, reason }`.
 *
 * @example The examples of RFC 4013 section 3
 * ```ts
 * import { saslprep } from "./saslprep.ts";
 * console.assert(JSON.stringify(saslprep("I\u00ADX")) === '{"ok":true,"value":"IX"}');
 * console.assert(JSON.stringify(saslprep("\u2168")) === '{"ok":true,"value":"IX"}');
 * console.assert(saslprep("\u0007").ok === false);
 * ```
 */
export function saslprep(input: string): SaslprepResult {
  const codePoints = toCodePoints(input);
  if (codePoints === undefined) return { ok: false, reason: "unpaired surrogate" };
  const mapped = map(codePoints);
  const unassigned = checkUnassigned(mapped);
  if (unassigned !== undefined) return { ok: false, reason: unassigned };
  const value = fromCodePoints(mapped).normalize("NFKC");
  const reason = checkProhibitedAndBidi(toCodePoints(value) ?? []);
  return reason === undefined ? { ok: true, value } : { ok: false, reason };
}

// deno-lint-ignore no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/**
 * Prepares a password the way PostgreSQL's `pg_saslprep` does, the same code in libpq and in the
 * server, so the result is byte for byte what they hash:
 *
 * - a pure ASCII password is used unchanged (even with control characters);
 * - characters are mapped as in {@linkcode saslprep} and normalized with NFKC;
 * - a password that maps to nothing, or that holds a prohibited or unassigned character, or that
 *   breaks the bidirectional rules is used as given: PostgreSQL runs those checks on the mapped,
 *   not yet normalized characters, and so does this function;
 * - a string with an unpaired surrogate (not valid UTF-16, so never valid UTF-8) is used as given.
 *
 * @param password The password as the user typed it.
 * @returns The string to UTF-8 encode and feed to PBKDF2.
 *
 * @example Falling back to the raw password
 * ```ts
 * import { scramPassword } from "./saslprep.ts";
 * console.assert(scramPassword("I\u00ADX") === "IX");
 * console.assert(scramPassword("\u0627\u0031") === "\u0627\u0031");
 * ```
 */
export function scramPassword(password: string): string {
  if (ASCII_ONLY.test(password)) return password;
  const codePoints = toCodePoints(password);
  if (codePoints === undefined) return password;
  const mapped = map(codePoints);
  if (mapped.length === 0) return password;
  if (checkUnassigned(mapped) !== undefined || checkProhibitedAndBidi(mapped) !== undefined) {
    return password;
  }
  return fromCodePoints(mapped).normalize("NFKC");
}
