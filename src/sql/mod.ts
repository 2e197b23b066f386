/**
 * The connection-independent part of the `sql` tagged template: fragments, their compilation to
 * `$n` text and parameter values, and the helpers that render identifiers and lists.
 *
 * @example Composing a query
 * ```ts
 * import { compileFragment, identifier, inList, sql } from "@pgline/pgline";
 * const table = identifier("public", "users");
 * const q = compileFragment(sql`select * from ${table} where id in ${inList([1, 2])}`);
 * console.assert(q.text === 'select * from "public"."users" where id in ($1, $2)');
 * console.assert(q.values.length === 2);
 * ```
 *
 * @module
 */

export { type CompiledSql, compileFragment, MAX_PARAMETERS } from "./compile.ts";
export {
  isSqlFragmentSource,
  sql,
  SQL_FRAGMENT,
  SqlFragment,
  type SqlFragmentSource,
} from "./fragment.ts";
export { identifier, inList, insertValues, join, unsafe, updateSet } from "./helpers.ts";
