/**
 * Turns a {@linkcode SqlFragment} into the text and parameter list of one statement.
 *
 * @module
 */

import {
  isSqlFragmentSource,
  SQL_FRAGMENT,
  SqlFragment,
  type SqlFragmentSource,
} from "./fragment.ts";

/**
 * Most parameters one statement can have: the Bind message counts them in an Int16 (unsigned).
 *
 * @example Splitting a bulk insert into statements that fit
 * ```ts
 * import { compileFragment, insertValues, MAX_PARAMETERS, sql } from "@pgline/pgline";
 * const rows = Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `n${i}` }));
 * const perStatement = Math.floor(MAX_PARAMETERS / 2); // two parameters per row
 * const statements = [];
 * for (let i = 0; i < rows.length; i += perStatement) {
 *   statements.push(
 *     compileFragment(sql`insert into t ${insertValues(rows.slice(i, i + perStatement))}`),
 *   );
 * }
 * console.assert(statements.length === 2 && statements[0]!.values.length === 65_534);
 * ```
 */
export const MAX_PARAMETERS = 65535;

/**
 * A statement ready for the extended protocol: `$n` placeholders and their values.
 *
 * @example What a fragment compiles to
 * ```ts
 * import { type CompiledSql, compileFragment, sql } from "@pgline/pgline";
 * const compiled: CompiledSql = compileFragment(sql`select * from users where id = ${7}`);
 * console.assert(
 *   compiled.text === "select * from users where id = $1" && compiled.values[0] === 7,
 * );
 * ```
 */
export interface CompiledSql {
  /** SQL text with `$1`, `$2`, ... placeholders. */
  text: string;
  /** The parameter values, `values[0]` for `$1`; a fresh array the caller may keep. */
  values: unknown[];
}

// Compiled text of templates whose values are all parameters, keyed by the template's frozen
// strings array (one per call site), so a query run in a loop yields the identical text string
// for the statement cache without being rebuilt. A pure memo: entries die with their call sites.
const textCache = new WeakMap<readonly string[], string>();

/**
 * Compiles a fragment: every plain value becomes a parameter `$n`, numbered left to right;
 * nested fragments and helpers are inlined, their parameters renumbered. Values are never spliced
 * into the text.
 *
 * Where a placeholder would touch a character that continues a token (`$1` followed by `2`
 * would read as `$12`; `a` followed by `$1` as the identifier `a$1`), a space is put between them.
 *
 * @param fragment A fragment or any {@linkcode SqlFragmentSource}.
 * @returns The text and the values. For a template with only plain values the text is cached: the
 * same call site always gives the identical string.
 * @throws {RangeError} when the statement would have more than {@linkcode MAX_PARAMETERS}
 * parameters.
 * @throws {TypeError} when a `[SQL_FRAGMENT]` method does not return a `SqlFragment`, or a fragment
 * contains itself.
 *
 * @example Nesting renumbers parameters
 * ```ts
 * import { compileFragment, sql } from "@pgline/pgline";
 * const sub = sql`select id from orders where total > ${100}`;
 * const q = compileFragment(sql`select * from users where id in (${sub}) and name = ${"ann"}`);
 * console.assert(
 *   q.text ===
 *     "select * from users where id in (select id from orders where total > $1) and name = $2",
 * );
 * console.assert(q.values.length === 2);
 * ```
 */
export function compileFragment(fragment: SqlFragment | SqlFragmentSource): CompiledSql {
  const root = resolve(fragment);
  const { strings, values } = root;
  if (!values.some(isSqlFragmentSource)) {
    if (values.length > MAX_PARAMETERS) throw tooManyParameters(values.length);
    let text = textCache.get(strings);
    if (text === undefined) {
      text = compileTree(root, fragment, []);
      if (isTemplateStrings(strings)) textCache.set(strings, text);
    }
    return { text, values: [...values] };
  }
  const out: unknown[] = [];
  return { text: compileTree(root, fragment, out), values: out };
}

interface Frame {
  readonly fragment: SqlFragment;
  /** The object that produced it, to detect a fragment containing itself. */
  readonly source: unknown;
  /** Index of the next value to emit. */
  next: number;
}

// Iterative rather than recursive, so nesting depth is limited by memory, not the call stack.
function compileTree(root: SqlFragment, source: unknown, out: unknown[]): string {
  const w = new TextWriter();
  const stack: Frame[] = [{ fragment: root, source, next: 0 }];
  const path = new Set<unknown>([source]);
  w.append(root.strings[0]!);
  let parameters = 0;
  for (;;) {
    const top = stack[stack.length - 1]!;
    const { strings, values } = top.fragment;
    if (top.next === values.length) {
      stack.pop();
      path.delete(top.source);
      const parent = stack[stack.length - 1];
      if (parent === undefined) return w.text;
      w.append(parent.fragment.strings[parent.next]!);
      continue;
    }
    const value = values[top.next++];
    if (isSqlFragmentSource(value)) {
      if (path.has(value)) {
        throw new TypeError("Cannot compile SQL fragment: it contains itself");
      }
      const nested = resolve(value);
      path.add(value);
      stack.push({ fragment: nested, source: value, next: 0 });
      w.append(nested.strings[0]!);
      continue;
    }
    if (++parameters > MAX_PARAMETERS) throw tooManyParameters(parameters);
    out.push(value);
    w.parameter(parameters);
    w.append(strings[top.next]!);
  }
}

function resolve(source: SqlFragment | SqlFragmentSource): SqlFragment {
  if (source instanceof SqlFragment) return source;
  if (!isSqlFragmentSource(source)) {
    throw new TypeError(
      "Cannot compile SQL fragment: expected a fragment (sql`...`) or an object with a [SQL_FRAGMENT]() method",
    );
  }
  const fragment: unknown = source[SQL_FRAGMENT]();
  if (!(fragment instanceof SqlFragment)) {
    throw new TypeError(
      "Cannot compile SQL fragment: [SQL_FRAGMENT]() did not return a SqlFragment",
    );
  }
  return fragment;
}

function isTemplateStrings(strings: readonly string[]): boolean {
  return Object.isFrozen(strings) && Array.isArray((strings as TemplateStringsArray).raw);
}

function tooManyParameters(count: number): RangeError {
  return new RangeError(
    `Cannot compile SQL fragment: it has ${count} parameters, more than the protocol's limit of ${MAX_PARAMETERS}`,
  );
}

// Characters that continue a token next to `$n`: digits would renumber it, and identifier
// characters (letters, digits, `_`, `$`, anything non-ASCII) would join it to a word or start a
// dollar quote.
const TOKEN_CHAR = /[0-9A-Za-z_$\u0080-\uffff]/;

class TextWriter {
  text = "";
  // Kept apart because indexing into a concatenated string flattens it, which made long texts
  // quadratic.
  #last = "";
  #afterParameter = false;

  append(piece: string): void {
    if (piece === "") return;
    if (this.#afterParameter && TOKEN_CHAR.test(piece[0]!)) this.text += " ";
    this.#afterParameter = false;
    this.text += piece;
    this.#last = piece[piece.length - 1]!;
  }

  parameter(n: number): void {
    if (TOKEN_CHAR.test(this.#last)) this.text += " ";
    this.text += "$" + n;
    this.#last = "0";
    this.#afterParameter = true;
  }
}
