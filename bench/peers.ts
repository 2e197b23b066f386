/**
 * The peers the benchmarks measure pgline against, pinned to exact versions: postgres.js and
 * node-postgres behind one adapter for `bench/query_worker.ts`, used the way their documentation
 * shows (postgres.js tagged templates, prepared by default; node-postgres `client.query(text,
 * values)`, unnamed statements), each adapter on one connection; and node-postgres's frame parser
 * (`pg-protocol`) for `bench/frame_bench.ts`.
 *
 * Runtime-neutral. On Deno the packages load through `npm:` specifiers; on Node and Bun from the
 * npm installs whose directories the driver passes in `PGLINE_BENCH_PACKAGES` (a JSON object,
 * package name to directory; see `bench/driver.ts`), through each package's ESM entry, the one
 * `import pkg from "pkg"` picks on those runtimes. Bench only: never a dependency of the library.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import type postgresModule from "npm:postgres@3.4.9";
import type { Parser as PgProtocolParser } from "npm:pg-protocol@1.16.1/dist/parser.js";
import { isDeno } from "./common.ts";

/** Exact version of `postgres` (postgres.js). */
export const POSTGRES_JS_VERSION = "3.4.9";
/** Exact version of `pg` (node-postgres). */
export const NODE_POSTGRES_VERSION = "8.23.1";
/** Exact version of `pg-protocol`, node-postgres's parser (the one `pg` 8.23.1 depends on). */
export const PG_PROTOCOL_VERSION = "1.16.1";

/** The pinned peer packages, name to version: what the driver installs for Node and Bun. */
export const PEER_PACKAGES: Readonly<Record<string, string>> = {
  postgres: POSTGRES_JS_VERSION,
  pg: NODE_POSTGRES_VERSION,
  "pg-protocol": PG_PROTOCOL_VERSION,
};

/** Environment variable holding the package directories for Node and Bun. */
export const PACKAGES_ENV = "PGLINE_BENCH_PACKAGES";

/** postgres.js's default export. */
export type PostgresFactory = typeof postgresModule;
/** The `Parser` class of `pg-protocol/dist/parser.js`. */
export type PgProtocolParserClass = typeof PgProtocolParser;

/** The slice of node-postgres's module used here (the package ships no types). */
interface PgModule {
  Client: new (config: object) => PgClient;
}

/** Imports `file` inside the installed package `name` (Node and Bun). */
async function importInstalled(name: string, file: string): Promise<Record<string, unknown>> {
  const raw = process.env[PACKAGES_ENV];
  const dirs = raw === undefined ? {} : JSON.parse(raw) as Record<string, string>;
  const dir = dirs[name];
  if (dir === undefined) {
    throw new Error(
      `${name}: no package directory in ${PACKAGES_ENV}; run through bench/all_runtimes.ts`,
    );
  }
  return await import(pathToFileURL(`${dir}/${file}`).href);
}

/**
 * Loads postgres.js.
 *
 * @returns Its `postgres()` factory.
 */
export async function loadPostgresJs(): Promise<PostgresFactory> {
  if (isDeno) return (await import("npm:postgres@3.4.9")).default;
  // package.json exports: "bun" and "import" are both ./src/index.js.
  return (await importInstalled("postgres", "src/index.js")).default as PostgresFactory;
}

/**
 * Loads node-postgres.
 *
 * @returns The module (its `Client`).
 */
async function loadNodePostgres(): Promise<PgModule> {
  if (isDeno) return (await import("npm:pg@8.23.1")).default as unknown as PgModule;
  // package.json exports: "import" is ./esm/index.mjs, a wrapper around the CommonJS ./lib.
  return (await importInstalled("pg", "esm/index.mjs")).default as PgModule;
}

/**
 * Loads node-postgres's frame parser.
 *
 * @returns The `Parser` class.
 */
export async function loadPgProtocolParser(): Promise<PgProtocolParserClass> {
  if (isDeno) return (await import("npm:pg-protocol@1.16.1/dist/parser.js")).Parser;
  // Not in the package's root exports; "./dist/*" maps to the CommonJS build.
  return (await importInstalled("pg-protocol", "dist/parser.js")).Parser as PgProtocolParserClass;
}

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

/**
 * Reads a `postgres://` URL (plain TCP; `sslmode` and other parameters are ignored).
 *
 * @param url The URL, e.g. `DATABASE_URL`.
 * @returns The server.
 */
export function serverFromUrl(url: string): BenchServer {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  return {
    host: decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    user: decodeURIComponent(parsed.username) || "postgres",
    password: password === "" ? undefined : password,
  };
}

/**
 * The inverse of {@linkcode serverFromUrl}, with `sslmode=disable`.
 *
 * @param server A server.
 * @returns Its URL.
 */
export function serverUrl(server: BenchServer): string {
  const host = server.host.includes(":") ? `[${server.host}]` : server.host;
  const auth = encodeURIComponent(server.user) +
    (server.password === undefined ? "" : `:${encodeURIComponent(server.password)}`);
  return `postgres://${auth}@${host}:${server.port}/${encodeURIComponent(server.database)}` +
    "?sslmode=disable";
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

/** The slice of node-postgres's `Client` used here. */
interface PgClient {
  connect(): Promise<void>;
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/**
 * postgres.js with `max: 1` (one connection, so queries pipeline on it like pgline's). The
 * package loads on `connect`.
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
  let sql: postgresModule.Sql | undefined;
  const db = (): postgresModule.Sql => {
    if (sql === undefined) throw new Error("postgres.js: not connected");
    return sql;
  };
  return {
    name: `postgres.js ${POSTGRES_JS_VERSION}`,
    async connect(server) {
      const postgres = await loadPostgresJs();
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
 * node-postgres `Client` (one connection; queries queue inside the client, one in flight). The
 * package loads on `connect`.
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
      const { Client } = await loadNodePostgres();
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
