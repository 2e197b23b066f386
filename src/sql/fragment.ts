/**
 * The `sql` tagged template: an immutable piece of SQL text with the values interpolated into it.
 *
 * A fragment is connection-independent; `compileFragment` turns it into the text and parameter
 * list of one statement, and the client binds it to a connection.
 *
 * @module
 */

/**
 * The symbol by which a value declares itself SQL to be inlined rather than a parameter.
 *
 * An object whose `[SQL_FRAGMENT]` property is a function returning a {@linkcode SqlFragment} is
 * inlined (its parameters renumbered) wherever it is interpolated; the client's lazy query objects
 * carry it so that one query can be used as a subquery of another. It is a symbol, so no value
 * decoded from JSON or read from a database can carry it: user data is always a parameter.
 *
 * It is registered (`Symbol.for("pgline.sql.fragment")`), so two copies of pgline loaded in one
 * program recognise each other's query objects.
 *
 * @example Making an object usable inside `sql`
 * ```ts
 * import { compileFragment, sql, SQL_FRAGMENT } from "@pgline/pgline";
 * const activeUsers = { [SQL_FRAGMENT]: () => sql`select id from users where active = ${true}` };
 * const { text } = compileFragment(sql`select count(*) from (${activeUsers}) s`);
 * console.assert(text === "select count(*) from (select id from users where active = $1) s");
 * ```
 */
export const SQL_FRAGMENT: unique symbol = Symbol.for("pgline.sql.fragment");

/**
 * Anything that renders as SQL when interpolated into `sql`: a {@linkcode SqlFragment}, a helper's
 * result, or a lazy query object.
 *
 * @example An object that renders as SQL
 * ```ts
 * import {
 *   compileFragment,
 *   sql,
 *   SQL_FRAGMENT,
 *   type SqlFragment,
 *   type SqlFragmentSource,
 * } from "@pgline/pgline";
 * class Page implements SqlFragmentSource {
 *   size: number;
 *   index: number;
 *   constructor(size: number, index: number) {
 *     this.size = size;
 *     this.index = index;
 *   }
 *   [SQL_FRAGMENT](): SqlFragment {
 *     return sql`limit ${this.size} offset ${this.size * this.index}`;
 *   }
 * }
 * const { text, values } = compileFragment(
 *   sql`select * from users order by id ${new Page(10, 2)}`,
 * );
 * console.assert(
 *   text === "select * from users order by id limit $1 offset $2" && values[1] === 20,
 * );
 * ```
 */
export interface SqlFragmentSource {
  /**
   * Returns the SQL this object stands for.
   *
   * @returns The fragment to inline.
   */
  [SQL_FRAGMENT](): SqlFragment;
}

/**
 * An immutable piece of SQL: the literal text pieces of a template and the values between them.
 *
 * `strings` always has one more element than `values`: the text is `strings[0]`, then
 * `values[0]`, then `strings[1]`, and so on. A value that is itself a fragment (or a
 * {@linkcode SqlFragmentSource}) is inlined when compiled; every other value becomes a parameter.
 * Build fragments with the {@linkcode sql} tag or the helpers rather than with the constructor.
 *
 * @example Building and inspecting a fragment
 * ```ts
 * import { sql, SqlFragment } from "@pgline/pgline";
 * const f = sql`select * from users where id = ${42}`;
 * console.assert(f instanceof SqlFragment);
 * console.assert(f.strings.length === 2 && f.values[0] === 42);
 * ```
 */
export class SqlFragment implements SqlFragmentSource {
  /** The literal text pieces, one more than `values`; frozen. */
  readonly strings: readonly string[];
  /** The interpolated values; frozen (the values themselves are not copied). */
  readonly values: readonly unknown[];

  /**
   * Creates a fragment from text pieces and the values between them.
   *
   * @param strings The text pieces. A frozen array (such as a template's `TemplateStringsArray`) is
   * kept as it is, so it can key the compiled-text cache; any other array is copied and frozen.
   * @param values The values between the pieces; copied and frozen.
   * @throws {TypeError} when a piece is not a string (a template with an invalid escape sequence
   * gives `undefined`), or `strings.length !== values.length + 1`.
   */
  constructor(strings: readonly string[], values: readonly unknown[]) {
    if (!Array.isArray(strings)) {
      throw new TypeError("Cannot create SQL fragment: the text pieces must be an array");
    }
    if (!Array.isArray(values)) {
      throw new TypeError("Cannot create SQL fragment: the values must be an array");
    }
    if (strings.length !== values.length + 1) {
      throw new TypeError(
        `Cannot create SQL fragment: ${strings.length} text pieces need ${
          strings.length - 1
        } values, got ${values.length}`,
      );
    }
    for (let i = 0; i < strings.length; i++) {
      if (typeof strings[i] !== "string") {
        throw new TypeError(
          `Cannot create SQL fragment: text piece ${i} is not a string (an invalid escape sequence in the template?)`,
        );
      }
    }
    this.strings = Object.isFrozen(strings) ? strings : Object.freeze([...strings]);
    this.values = Object.freeze([...values]);
    Object.freeze(this);
  }

  /**
   * Returns this fragment, so that a fragment is a {@linkcode SqlFragmentSource}.
   *
   * @returns `this`.
   */
  [SQL_FRAGMENT](): SqlFragment {
    return this;
  }
}

/**
 * The tagged template that builds a {@linkcode SqlFragment}.
 *
 * Each interpolated value becomes a query parameter (`$1`, `$2`, ...): it is sent apart from the
 * text, so no value can change the statement. Fragments and helpers (`identifier`, `inList`,
 * `join`, `insertValues`, `updateSet`, `unsafe`) are inlined instead. Interpolate only where a
 * parameter may stand, never inside quotes: `sql\`... like ${pattern}\``, not `'%${x}%'`.
 *
 * @param strings The template's text pieces.
 * @param values The interpolated values.
 * @returns The fragment.
 * @throws {TypeError} when called as a plain function (`sql("select ...")`) or when the template
 * has an invalid escape sequence.
 *
 * @example Parameters and composition
 * ```ts
 * import { compileFragment, sql } from "@pgline/pgline";
 * const byName = sql`name = ${"O'Brien"}`;
 * const q = compileFragment(sql`select id from users where ${byName} and age > ${30}`);
 * console.assert(q.text === "select id from users where name = $1 and age > $2");
 * console.assert(q.values[0] === "O'Brien" && q.values[1] === 30);
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  if (!Array.isArray(strings)) {
    throw new TypeError(
      "sql must be used as a tagged template (sql`select ...`); for trusted raw text use unsafe()",
    );
  }
  return new SqlFragment(strings, values);
}

/**
 * Tells whether a value is inlined as SQL (a {@linkcode SqlFragment} or any object carrying a
 * {@linkcode SQL_FRAGMENT} method) rather than sent as a parameter. It does not call the method.
 *
 * @param value Any value.
 * @returns True when `value` is a fragment source.
 *
 * @example
 * ```ts
 * import { isSqlFragmentSource, sql } from "@pgline/pgline";
 * console.assert(isSqlFragmentSource(sql`now()`));
 * console.assert(!isSqlFragmentSource("now()"));
 * ```
 */
export function isSqlFragmentSource(value: unknown): value is SqlFragmentSource {
  if (value instanceof SqlFragment) return true;
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  return typeof (value as { [SQL_FRAGMENT]?: unknown })[SQL_FRAGMENT] === "function";
}
