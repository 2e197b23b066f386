/**
 * The per-connection cache of named prepared statements: bounded, least recently used first out.
 *
 * @module
 */

import type { FieldDescription } from "../protocol/messages.ts";
import type { PostgresError } from "../errors.ts";
import type { RowPlan } from "./row_plan.ts";

/** A statement prepared (or being prepared) on the server under `name`. */
export class PreparedStatement {
  /** Server-side name. */
  readonly name: string;
  /** SQL text. */
  readonly text: string;
  /** Parameter types from ParameterDescription, once described. */
  paramOids: number[] | undefined;
  /** Result columns: `null` when the statement returns no rows; undefined until described. */
  fields: FieldDescription[] | null | undefined;
  /** Set when Parse failed: requests pipelined behind it report this, not "does not exist". */
  parseError: PostgresError | undefined;
  /** Result format codes to ask for, once described. */
  resultFormats: number[] | undefined;
  /** Plan for rows in the preferred formats. */
  plan: RowPlan | undefined;
  /** Plan for rows all in text (requests sent before the description arrived). */
  textPlan: RowPlan | undefined;
  /** Waiters for the description. */
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** @param name Server-side name. @param text SQL text. */
  constructor(name: string, text: string) {
    this.name = name;
    this.text = text;
  }

  /** True once ParameterDescription and RowDescription/NoData arrived. */
  get described(): boolean {
    return this.fields !== undefined && this.paramOids !== undefined;
  }

  /** Resolves once described; rejects with the Parse error. */
  whenDescribed(): Promise<void> {
    if (this.described) return Promise.resolve();
    if (this.parseError !== undefined) return Promise.reject(this.parseError);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Records the description and wakes the waiters. */
  describedAs(paramOids: number[], fields: FieldDescription[] | null): void {
    this.paramOids = paramOids;
    this.fields = fields;
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  /** Records a failure to prepare (or to describe) and wakes the waiters. */
  failed(error: PostgresError | Error): void {
    if (error instanceof Error && "code" in error) this.parseError = error as PostgresError;
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }
}

/**
 * A bounded LRU of prepared statements keyed by SQL text.
 *
 * @example
 * ```ts
 * import { StatementCache } from "./statement_cache.ts";
 * const cache = new StatementCache(2);
 * const evicted: string[] = [];
 * for (const text of ["a", "b", "c"]) {
 *   const { evicted: e } = cache.create(text);
 *   if (e) evicted.push(e.text);
 * }
 * console.assert(evicted[0] === "a" && cache.get("a") === undefined);
 * ```
 */
export class StatementCache {
  readonly #max: number;
  readonly #map = new Map<string, PreparedStatement>();
  #counter = 0;
  /**
   * A per-connection prefix: behind a pooler that shares server sessions, names from two clients
   * must not collide (`prepared statement "pgline_1" already exists`).
   */
  readonly #prefix = `pgline_${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}_`;

  /** @param max Most statements kept; 0 keeps none. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Statements cached. */
  get size(): number {
    return this.#map.size;
  }

  /** The statement for `text`, marked most recently used. */
  get(text: string): PreparedStatement | undefined {
    const s = this.#map.get(text);
    if (s !== undefined) {
      this.#map.delete(text);
      this.#map.set(text, s);
    }
    return s;
  }

  /** Adds a new statement for `text`; returns it and the one evicted to make room, if any. */
  create(text: string): { statement: PreparedStatement; evicted: PreparedStatement | undefined } {
    const statement = new PreparedStatement(
      `${this.#prefix}${(++this.#counter).toString(36)}`,
      text,
    );
    let evicted: PreparedStatement | undefined;
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) {
        evicted = this.#map.get(oldest.value);
        this.#map.delete(oldest.value);
      }
    }
    this.#map.set(text, statement);
    return { statement, evicted };
  }

  /** Forgets `statement` (after a failed Parse, or an invalidated plan). */
  delete(statement: PreparedStatement): void {
    if (this.#map.get(statement.text) === statement) this.#map.delete(statement.text);
  }

  /** Forgets everything (after `DISCARD ALL`/`DEALLOCATE ALL`, or a reconnect). */
  clear(): void {
    this.#map.clear();
  }
}
