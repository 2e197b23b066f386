/**
 * The peers `bench/query_bench.ts` measures pgline against, each behind the same adapter:
 * postgres.js and node-postgres, pinned to exact versions, used the way their documentation
 * shows (postgres.js tagged templates, prepared by default; node-postgres `client.query(text,
 * values)`, unnamed statements). Each adapter holds one connection.
 *
 * @module
 */

import postgres from "npm:postgres@3.4.9";
import pg from "npm:pg@8.23.1";

/** Exact version of `npm:postgres` imported above. */
export const POSTGRES_JS_VERSION = "3.4.9";
/** Exact version of `npm:pg` imported above. */
export const NODE_POSTGRES_VERSION = "8.23.1";

/** Where to connect: plain TCP, no TLS. */
export interface BenchServer {
  /** Host name or address. */
  host: string;
  /** TCP port. */
  port: number;
  /** Database. */
  database: string;
  /** Role. */
  user: string;
  /** Password, if the server asks for one. */
  password: string | undefined;
}

/** One client under test; every method runs on the adapter's single connection. */
export interface BenchClient {
  /** Display name, e.g. `"postgres.js 3.4.9"`. */
  name: string;
  /** Opens the connection. */
  connect(server: BenchServer): Promise<void>;
  /** Runs a statement for set-up (untimed), discarding any rows. */
  exec(sql: string): Promise<void>;
  /** `select 1`. */
  select1(): Promise<void>;
  /** `select $1::int as n` with `n`; returns the value read back. */
  selectParam(n: number): Promise<number>;
  /** Runs `sql` and returns its rows as objects. */
  fetchRows(sql: string): Promise<Record<string, unknown>[]>;
  /** `insert into t values ($1, $2)`. */
  insert(a: number, b: string): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** The slice of node-postgres' `Client` used here (the package ships no types). */
interface PgClient {
  connect(): Promise<void>;
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/**
 * postgres.js with `max: 1` (one connection, so queries pipeline on it like pgline's).
 *
 * @returns A fresh adapter.
 *
 * @example Run a query
 * ```ts ignore
 * const client = postgresJs();
 * await client.connect(server);
 * console.log(await client.selectParam(41));
 * ```
 */
export function postgresJs(): BenchClient {
  let sql: postgres.Sql | undefined;
  const db = (): postgres.Sql => {
    if (sql === undefined) throw new Error("postgres.js: not connected");
    return sql;
  };
  return {
    name: `postgres.js ${POSTGRES_JS_VERSION}`,
    async connect(server) {
      sql = postgres({
        host: server.host,
        port: server.port,
        database: server.database,
        username: server.user,
        ...(server.password === undefined ? {} : { password: server.password }),
        ssl: false,
        max: 1,
        onnotice: () => {},
      });
      await sql`select 1`;
    },
    async exec(text) {
      await db().unsafe(text);
    },
    async select1() {
      await db()`select 1`;
    },
    async selectParam(n) {
      const [row] = await db()`select ${n}::int as n`;
      return row?.n as number;
    },
    async fetchRows(text) {
      return [...await db().unsafe(text)];
    },
    async insert(a, b) {
      await db()`insert into t values (${a}, ${b})`;
    },
    async close() {
      await sql?.end({ timeout: 5 });
    },
  };
}

/**
 * node-postgres `Client` (one connection; queries queue inside the client, one in flight).
 *
 * @returns A fresh adapter.
 *
 * @example Run a query
 * ```ts ignore
 * const client = nodePostgres();
 * await client.connect(server);
 * console.log(await client.selectParam(41));
 * ```
 */
export function nodePostgres(): BenchClient {
  let client: PgClient | undefined;
  const db = (): PgClient => {
    if (client === undefined) throw new Error("node-postgres: not connected");
    return client;
  };
  return {
    name: `node-postgres ${NODE_POSTGRES_VERSION}`,
    async connect(server) {
      const Client = (pg as unknown as { Client: new (config: object) => PgClient }).Client;
      client = new Client({
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        ...(server.password === undefined ? {} : { password: server.password }),
        ssl: false,
      });
      await client.connect();
    },
    async exec(text) {
      await db().query(text);
    },
    async select1() {
      await db().query("select 1");
    },
    async selectParam(n) {
      const { rows } = await db().query("select $1::int as n", [n]);
      return rows[0]?.n as number;
    },
    async fetchRows(text) {
      return (await db().query(text)).rows;
    },
    async insert(a, b) {
      await db().query("insert into t values ($1, $2)", [a, b]);
    },
    async close() {
      await client?.end();
    },
  };
}
