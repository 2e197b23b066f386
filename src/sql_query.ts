/**
 * What the `sql` tag of a client or transaction returns: a lazy query that runs when awaited and
 * inlines when interpolated into another `sql` template.
 *
 * @module
 */

import type { QueryOptions } from "./query/engine.ts";
import type { QueryResult } from "./query/extended.ts";
import {
  compileFragment,
  identifier,
  inList,
  insertValues,
  join,
  SQL_FRAGMENT,
  SqlFragment,
  type SqlFragmentSource,
  unsafe,
  updateSet,
} from "./sql/mod.ts";

/**
 * What runs a {@link SqlQuery}: a client or a transaction.
 *
 * @example Code that runs on a client, a transaction, a pool or a lease
 * ```ts
 * import type { Pool, QueryRunner } from "@pgline/pgline";
 * async function* userIds(runner: QueryRunner): AsyncIterable<number> {
 *   for await (const row of runner.stream<{ id: number }>("select id from users order by id")) {
 *     yield row.id;
 *   }
 * }
 * declare const pool: Pool;
 * for await (const id of userIds(pool)) console.log(id);
 * ```
 */
export interface QueryRunner {
  /** Runs compiled SQL; errors get `origin`'s stack. */
  runQuery<R>(
    text: string,
    values: readonly unknown[],
    options: QueryOptions | undefined,
    origin: Error,
  ): Promise<QueryResult<R>>;
  /** Streams a query's rows. */
  stream<R>(
    text: string | SqlFragmentSource,
    values?: readonly unknown[],
    options?: StreamOptions,
  ): AsyncIterable<R>;
}

/**
 * A row as an object keyed by column name.
 *
 * @example The default shape of a row
 * ```ts
 * import type { Client, Row } from "@pgline/pgline";
 * declare const db: Client;
 * const { rows } = await db.query("select 1 as one");
 * const first: Row | undefined = rows[0];
 * console.log(first?.one); // 1
 * ```
 */
export type Row = Record<string, unknown>;

/**
 * Options of a client's or transaction's `stream`.
 *
 * @example Reading a large table 500 rows at a time
 * ```ts
 * import type { Client, StreamOptions } from "@pgline/pgline";
 * declare const db: Client;
 * const options: StreamOptions = { batchSize: 500, signal: AbortSignal.timeout(60_000) };
 * for await (const row of db.stream("select * from events", [], options)) console.log(row);
 * ```
 */
export interface StreamOptions extends QueryOptions {
  /**
   * Rows fetched per round trip (Execute's row limit): memory stays bounded by this.
   *
   * @default {1000}
   */
  batchSize?: number;
}

/**
 * The `sql` tag of a client or transaction: interpolated values become parameters, never text.
 * Awaiting the query runs it and gives its rows. Helpers build identifiers, `IN` lists, joined
 * fragments, `INSERT` value lists and `UPDATE` assignments.
 *
 * @example Values, identifiers, lists, inserts and updates
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * const table = db.sql.ident("public", "users");
 * const found = await db.sql`select * from ${table} where id in ${db.sql.in([1, 2, 3])}`;
 * await db.sql`insert into users ${db.sql.insert([{ name: "ann" }, { name: "bob" }])}`;
 * await db.sql`update users set ${db.sql.set({ name: "cy" })} where id = ${1}`;
 * const order = db.sql.unsafe("order by id desc"); // trusted text only
 * const latest = await db.sql`select * from users ${order} limit ${10}`;
 * ```
 */
export interface SqlTag {
  /** Builds a query; it runs when awaited (or streamed), and composes when interpolated. */
  <R = Row>(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery<R>;
  /** A quoted identifier, e.g. `sql.ident("public", "users")` → `"public"."users"`. */
  ident: typeof identifier;
  /** `($1, $2, ...)` for `x IN ${sql.in(list)}`. */
  in: typeof inList;
  /** Items joined by a separator fragment (default `, `). */
  join: typeof join;
  /** Trusted SQL text, inlined as is. Never pass user input. */
  unsafe: typeof unsafe;
  /** `("a", "b") values ($1, $2), ...` from objects, for `INSERT INTO t ${sql.insert(rows)}`. */
  insert: typeof insertValues;
  /** `"a" = $1, "b" = $2` from an object, for `UPDATE t SET ${sql.set(row)}`. */
  set: typeof updateSet;
  /** A fragment that runs nowhere: for composing (the same as the standalone `sql`). */
  fragment: (strings: TemplateStringsArray, ...values: unknown[]) => SqlFragment;
}

/**
 * A query built by a `sql` tag. Await it for its rows; it runs once, on the first `then`.
 * Interpolated into another `sql` template, it is inlined and does not run.
 *
 * @example Running, inspecting and composing a query
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * const active = db.sql<{ id: number }>`select id from users where active`;
 * const rows = await active; // runs it, once
 * const { rowCount } = await db.sql`delete from sessions where expires < now()`.result();
 * const arrays = await db.sql`select 1, 2`.arrays(); // [[1, 2]]
 * for await (const row of db.sql`select * from events`.stream({ batchSize: 100 })) {
 *   console.log(row);
 * }
 * const [count] = await db.sql`select count(*) from (${active}) s`; // inlined, not run
 * ```
 */
export class SqlQuery<R = Row> implements PromiseLike<R[]>, SqlFragmentSource {
  readonly #owner: QueryRunner;
  readonly #fragment: SqlFragment;
  readonly #origin: Error;
  #run: Promise<QueryResult<R>> | undefined;

  /**
   * Created by a `sql` tag only.
   *
   * @internal
   * @ignore
   */
  constructor(owner: QueryRunner, fragment: SqlFragment, origin: Error) {
    this.#owner = owner;
    this.#fragment = fragment;
    this.#origin = origin;
  }

  /** The fragment, for composition. */
  [SQL_FRAGMENT](): SqlFragment {
    return this.#fragment;
  }

  /** The whole result (rows, fields, command tag, row count). */
  result(): Promise<QueryResult<R>> {
    if (this.#run === undefined) {
      const { text, values } = compileFragment(this.#fragment);
      this.#run = this.#owner.runQuery<R>(text, values, undefined, this.#origin);
    }
    return this.#run;
  }

  /** The rows as arrays in column order. */
  async arrays(): Promise<unknown[][]> {
    const { text, values } = compileFragment(this.#fragment);
    const r = await this.#owner.runQuery<unknown[]>(
      text,
      values,
      { rowMode: "array" },
      this.#origin,
    );
    return r.rows;
  }

  /** Streams the rows through a portal, `batchSize` at a time. */
  stream(options?: StreamOptions): AsyncIterable<R> {
    return this.#owner.stream<R>(this.#fragment, [], options);
  }

  /** Runs the query (once) and settles with its rows. */
  then<T1 = R[], T2 = never>(
    onfulfilled?: ((rows: R[]) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.result().then((r) => r.rows).then(onfulfilled, onrejected);
  }

  /** Like a promise's `catch`. */
  catch<T = never>(
    onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null,
  ): Promise<R[] | T> {
    return this.then(undefined, onrejected);
  }
}

/**
 * Builds a `sql` tag whose queries run on `runner`. The call stack given to a query's errors is
 * taken once per template call site and kept in `origins`.
 *
 * @param runner Runs the compiled queries.
 * @param origins Call stacks by template, owned by the caller.
 * @returns The tag, with its helpers.
 */
export function makeSqlTag(
  runner: QueryRunner,
  origins: WeakMap<TemplateStringsArray, Error>,
): SqlTag {
  const tag = <R = Row>(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery<R> => {
    let origin = origins.get(strings);
    if (origin === undefined) {
      origin = new Error("query");
      origins.set(strings, origin);
    }
    return new SqlQuery<R>(runner, new SqlFragment(strings, values), origin);
  };
  return Object.assign(tag, {
    ident: identifier,
    in: inList,
    join,
    unsafe,
    insert: insertValues,
    set: updateSet,
    fragment: (strings: TemplateStringsArray, ...values: unknown[]) =>
      new SqlFragment(strings, values),
  });
}
