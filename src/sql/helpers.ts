/**
 * Helpers that render their own SQL inside the `sql` tagged template: quoted identifiers, IN lists,
 * joined lists, INSERT values, UPDATE assignments and (for trusted text only) raw SQL.
 *
 * Each returns a {@linkcode SqlFragment}; the values they carry are still sent as parameters.
 *
 * @module
 */

import { isSqlFragmentSource, sql, SqlFragment, type SqlFragmentSource } from "./fragment.ts";

/**
 * Quotes a name, or a dotted path of names, as an SQL identifier: `"schema"."table"`.
 *
 * Each part is wrapped in double quotes with any `"` doubled, so it is taken verbatim and
 * case-sensitively (`identifier("Users")` is `"Users"`, not `users`). Names longer than 63 bytes
 * are truncated by the server, as for any identifier.
 *
 * It takes the parts as separate arguments and rejects an array: for a comma-separated column list
 * write `join(columns.map((c) => identifier(c)))`, so that a list is never mistaken for a path.
 *
 * @param parts The name's parts, outermost first (`"schema", "table", "column"`).
 * @returns The quoted identifier.
 * @throws {TypeError} when there are no parts, or a part is not a string, is empty or contains NUL.
 *
 * @example Quoting a table name
 * ```ts
 * import { compileFragment, identifier, sql } from "@pgline/pgline";
 * const q = compileFragment(sql`select * from ${identifier("app", 'my"table')}`);
 * console.assert(q.text === 'select * from "app"."my""table"');
 * ```
 */
export function identifier(...parts: string[]): SqlFragment {
  if (parts.length === 0) throw new TypeError("Cannot quote identifier: no name given");
  const quoted = parts.map((part) => {
    if (Array.isArray(part)) {
      throw new TypeError(
        "Cannot quote identifier: got an array; pass the parts as arguments, or for a column list use join(names.map((n) => identifier(n)))",
      );
    }
    return quoteIdentifier(part, "identifier");
  });
  return new SqlFragment([quoted.join(".")], []);
}

/**
 * Renders a parenthesised list of parameters for `IN`: `($1, $2, $3)`.
 *
 * An empty list is refused: no SQL text placed after `IN` is false for `IN`, true for `NOT IN`
 * and accepted for columns of every type (`(select null where false)` has type `text`, so it
 * fails against an `int` column). Send the list as one array parameter instead:
 * `id = any(${ids})` (and `id <> all(${ids})` for `NOT IN`), which handles `[]` correctly.
 *
 * @param values The list's elements; fragments among them are inlined.
 * @returns The list.
 * @throws {RangeError} when `values` is empty.
 * @throws {TypeError} when `values` is not an array.
 *
 * @example Filtering by a list of ids
 * ```ts
 * import { compileFragment, inList, sql } from "@pgline/pgline";
 * const q = compileFragment(sql`select * from users where id in ${inList([1, 2, 3])}`);
 * console.assert(q.text === "select * from users where id in ($1, $2, $3)");
 * ```
 */
export function inList(values: readonly unknown[]): SqlFragment {
  if (!Array.isArray(values)) throw new TypeError("Cannot build IN list: values must be an array");
  if (values.length === 0) {
    throw new RangeError(
      "Cannot build IN list: it is empty, and no SQL list is both false for IN and true for NOT IN " +
        "for every column type; use `column = any(${array})` or `column <> all(${array})` instead",
    );
  }
  const b = new Builder("(");
  values.forEach((value, i) => {
    if (i > 0) b.text(", ");
    b.value(value);
  });
  return b.text(")").build();
}

const COMMA: SqlFragment = sql`, `;

/**
 * Joins items with a separator: fragments are inlined, other items become parameters.
 *
 * @param items The items; an empty list gives empty SQL.
 * @param separator A fragment put between items.
 * @returns The joined list.
 * @throws {TypeError} when `items` is not an array or `separator` is not a fragment (a string
 * would be a parameter; wrap trusted text in {@linkcode sql} or {@linkcode unsafe}).
 *
 * @example A column list and a condition list
 * ```ts
 * import { compileFragment, identifier, join, sql } from "@pgline/pgline";
 * const cols = join(["id", "name"].map((c) => identifier(c)));
 * const where = join([sql`a = ${1}`, sql`b = ${2}`], sql` and `);
 * const q = compileFragment(sql`select ${cols} from t where ${where}`);
 * console.assert(q.text === 'select "id", "name" from t where a = $1 and b = $2');
 * ```
 */
export function join(
  items: readonly unknown[],
  separator: SqlFragmentSource = COMMA,
): SqlFragment {
  if (!Array.isArray(items)) throw new TypeError("Cannot join SQL: items must be an array");
  if (!isSqlFragmentSource(separator)) {
    throw new TypeError(
      "Cannot join SQL: the separator must be a fragment, e.g. sql` and `, not a plain value",
    );
  }
  const b = new Builder("");
  items.forEach((item, i) => {
    if (i > 0) b.value(separator);
    b.value(item);
  });
  return b.build();
}

/**
 * Wraps text to be inlined verbatim. **Dangerous**: the text is not escaped or checked, so it
 * must never contain anything a user can influence; use it only for trusted SQL written by the
 * program (a sort direction chosen from a fixed list, generated DDL).
 *
 * @param text Trusted SQL text.
 * @returns A fragment of exactly that text.
 * @throws {TypeError} when `text` is not a string.
 *
 * @example Choosing a sort direction from a fixed set
 * ```ts
 * import { compileFragment, sql, unsafe } from "@pgline/pgline";
 * const direction = true ? "asc" : "desc";
 * const q = compileFragment(sql`select * from t order by id ${unsafe(direction)}`);
 * console.assert(q.text === "select * from t order by id asc");
 * ```
 */
export function unsafe(text: string): SqlFragment {
  if (typeof text !== "string") {
    throw new TypeError("Cannot build unsafe SQL: text must be a string");
  }
  return new SqlFragment([text], []);
}

/**
 * Renders the column list and `values` clause of an INSERT: `("a", "b") values ($1, $2), ($3, $4)`.
 *
 * The columns default to the own enumerable keys of the first row (`Object.keys`), in order. A
 * row's value for a column is read only from its own properties (so columns named `__proto__` or
 * `constructor` work); a missing or `undefined` value is written as the keyword `DEFAULT`, a
 * `null` as a NULL parameter. Fragments among the values are inlined (`sql\`now()\``).
 *
 * When the columns are defaulted, a later row with a defined value under a key the first row lacks
 * is refused rather than silently dropped; pass `columns` to choose a subset deliberately.
 *
 * @param rows One row object, or a non-empty array of them.
 * @param columns The columns to insert, in order.
 * @returns The clause, to follow `insert into <table>`.
 * @throws {RangeError} when there are no rows or no columns.
 * @throws {TypeError} when a row is not a plain object (or is an array), a column name is empty,
 * contains NUL or is repeated, or a later row has a key outside the defaulted columns.
 *
 * @example Inserting two rows
 * ```ts
 * import { compileFragment, insertValues, sql } from "@pgline/pgline";
 * const rows = [{ name: "ann", age: 30 }, { name: "bob" }];
 * const q = compileFragment(sql`insert into users ${insertValues(rows)}`);
 * console.assert(q.text === 'insert into users ("name", "age") values ($1, $2), ($3, DEFAULT)');
 * ```
 */
export function insertValues(
  rows: object | readonly object[],
  columns?: readonly string[],
): SqlFragment {
  const list: readonly unknown[] = Array.isArray(rows) ? rows : [rows];
  if (list.length === 0) throw new RangeError("Cannot build INSERT values: there are no rows");
  const records = list.map((row, i) => asRecord(row, `INSERT values: row ${i}`));
  const cols = columnNames(columns ?? Object.keys(records[0]!), "INSERT values");
  if (columns === undefined) {
    const known = new Set(cols);
    records.forEach((row, i) => {
      for (const key of Object.keys(row)) {
        if (!known.has(key) && row[key] !== undefined) {
          throw new TypeError(
            `Cannot build INSERT values: row ${i} has column "${key}", which row 0 lacks; pass the columns explicitly`,
          );
        }
      }
    });
  }
  const b = new Builder(
    `(${cols.map((c) => quoteIdentifier(c, "INSERT values")).join(", ")}) values `,
  );
  records.forEach((row, i) => {
    b.text(i === 0 ? "(" : ", (");
    cols.forEach((col, j) => {
      if (j > 0) b.text(", ");
      const value = Object.hasOwn(row, col) ? row[col] : undefined;
      if (value === undefined) b.text("DEFAULT");
      else b.value(value);
    });
    b.text(")");
  });
  return b.build();
}

/**
 * Renders the assignments of an UPDATE's `set` clause: `"a" = $1, "b" = $2`.
 *
 * The columns default to the row's own enumerable keys (`Object.keys`), in order. Columns whose
 * value is missing or `undefined` are skipped (leaving the column unchanged); `null` sets NULL.
 * Fragments among the values are inlined (`sql\`now()\``).
 *
 * @param row The new values by column name.
 * @param columns The columns to set, in order.
 * @returns The assignments, to follow `update <table> set`.
 * @throws {RangeError} when no column has a defined value.
 * @throws {TypeError} when `row` is not a plain object, or a column name is empty, contains NUL or
 * is repeated.
 *
 * @example Updating a row
 * ```ts
 * import { compileFragment, sql, updateSet } from "@pgline/pgline";
 * const q = compileFragment(
 *   sql`update users set ${updateSet({ name: "ann", age: undefined })} where id = ${7}`,
 * );
 * console.assert(q.text === 'update users set "name" = $1 where id = $2');
 * ```
 */
export function updateSet(row: object, columns?: readonly string[]): SqlFragment {
  const record = asRecord(row, "UPDATE set: the row");
  const cols = columnNames(columns ?? Object.keys(record), "UPDATE set");
  const b = new Builder("");
  let assigned = 0;
  for (const col of cols) {
    const value = Object.hasOwn(record, col) ? record[col] : undefined;
    if (value === undefined) continue;
    b.text(`${assigned++ === 0 ? "" : ", "}${quoteIdentifier(col, "UPDATE set")} = `);
    b.value(value);
  }
  if (assigned === 0) {
    throw new RangeError("Cannot build UPDATE set: no column has a defined value");
  }
  return b.build();
}

function quoteIdentifier(name: unknown, what: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`Cannot build ${what}: a name is ${typeof name}, not a string`);
  }
  if (name === "") throw new TypeError(`Cannot build ${what}: a name is empty`);
  if (name.includes("\0")) {
    throw new TypeError(`Cannot build ${what}: name ${JSON.stringify(name)} contains NUL`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

function columnNames(columns: readonly string[], what: string): readonly string[] {
  if (!Array.isArray(columns)) {
    throw new TypeError(`Cannot build ${what}: columns must be an array`);
  }
  if (columns.length === 0) throw new RangeError(`Cannot build ${what}: there are no columns`);
  const seen = new Set<string>();
  for (const col of columns) {
    quoteIdentifier(col, what);
    if (seen.has(col)) throw new TypeError(`Cannot build ${what}: column "${col}" is listed twice`);
    seen.add(col);
  }
  return columns;
}

function asRecord(row: unknown, what: string): Record<string, unknown> {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new TypeError(`Cannot build ${what} is not an object`);
  }
  return row as Record<string, unknown>;
}

/** Accumulates text pieces and values into a fragment. */
class Builder {
  readonly #strings: string[];
  readonly #values: unknown[] = [];

  constructor(text: string) {
    this.#strings = [text];
  }

  text(text: string): this {
    this.#strings[this.#strings.length - 1] += text;
    return this;
  }

  value(value: unknown): this {
    this.#values.push(value);
    this.#strings.push("");
    return this;
  }

  build(): SqlFragment {
    return new SqlFragment(this.#strings, this.#values);
  }
}
