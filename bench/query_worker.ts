/**
 * End-to-end query speed of pgline against postgres.js and node-postgres on the runtime this
 * runs on, each client on a single plain-TCP connection:
 *
 * 1. sequential `select 1`, each awaited before the next;
 * 2. 16 workers each awaiting parameterized `select $1::int` in a loop (16 queries in flight);
 * 3. a 100k-row x 5-column fetch, rows as objects;
 * 4. 10k parameterized inserts into a temporary table, all started at once (`Promise.all`).
 *
 * Each case is warmed up once per client, then run several rounds; within a round every client
 * runs it once, in an order rotated each round. The table shows the median round in
 * milliseconds, and ratios = peer time / pgline time (above 1 means pgline is faster).
 *
 * Runtime-neutral (Deno, Node, Bun). The server is `DATABASE_URL` (plain TCP, no TLS). Usually
 * started by `bench/query_bench.ts` or `bench/all_runtimes.ts`, which start a server when
 * `DATABASE_URL` is unset and pass `--json`; alone it prints a table for its runtime:
 * `DATABASE_URL=postgres://... deno run -A bench/query_worker.ts [--rounds=7] [--quick]`.
 *
 * @module
 */

import process from "node:process";
import { connect } from "../mod.ts";
import { emitResult, numberOption, parseArgs, runtimeInfo, type Skipped } from "./common.ts";
import {
  type BenchClient,
  type BenchServer,
  nodePostgres,
  postgresJs,
  serverFromUrl,
} from "./peers.ts";
import { type QueryReport, queryTable } from "./report.ts";

/** pgline's extended-protocol API, as the bench uses it. */
interface PglineQueries {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

function pgline(): BenchClient {
  let db: PglineQueries | undefined;
  const q = (): PglineQueries => {
    if (db === undefined) throw new Error("pgline: not connected");
    return db;
  };
  return {
    name: "pgline",
    async connect(server: BenchServer) {
      db = await connect({
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        ...(server.password === undefined ? {} : { password: server.password }),
        sslMode: "disable",
      });
    },
    async exec(text) {
      await q().query(text);
    },
    async select1() {
      await q().query("select 1");
    },
    async selectParam(n) {
      const { rows } = await q().query("select $1::int as n", [n]);
      return rows[0]?.n as number;
    },
    async fetchRows(text) {
      return (await q().query(text)).rows;
    },
    async insert(a, b) {
      await q().query("insert into t values ($1, $2)", [a, b]);
    },
    async close() {
      await db?.close();
    },
  };
}

const args = parseArgs();
const scale = args.has("--quick") ? 10 : 1;
const rounds = numberOption(args, "--rounds", 7);
const SELECTS = 5000 / scale;
const PARAM_QUERIES = 20_000 / scale;
const IN_FLIGHT = 16;
const ROWS = 100_000 / scale;
const INSERTS = 10_000 / scale;
// Aliased: as objects, the two `?column?` columns would collapse into one key.
const FETCH_SQL = "select i, i::text as t, i * 1.5::float8 as f, now() as ts, i % 2 = 0 as even " +
  `from generate_series(1, ${ROWS}) i`;

interface Case {
  name: string;
  /** Untimed preparation before each run. */
  before?: (client: BenchClient) => Promise<void>;
  run: (client: BenchClient) => Promise<void>;
}

const CASES: Case[] = [
  {
    name: `sequential select 1 (${SELECTS})`,
    async run(client) {
      for (let i = 0; i < SELECTS; i++) await client.select1();
    },
  },
  {
    name: `${IN_FLIGHT} in flight, select $1::int (${PARAM_QUERIES})`,
    async run(client) {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < PARAM_QUERIES) {
          const n = next++;
          const got = await client.selectParam(n);
          if (got !== n) throw new Error(`${client.name}: select $1::int gave ${got}, not ${n}`);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    },
  },
  {
    name: `fetch ${ROWS / 1000}k rows x 5 columns`,
    async run(client) {
      const rows = await client.fetchRows(FETCH_SQL);
      if (rows.length !== ROWS || Object.keys(rows[0] ?? {}).length !== 5) {
        throw new Error(`${client.name}: fetched ${rows.length} rows`);
      }
    },
  },
  {
    name: `${INSERTS / 1000}k pipelined inserts`,
    before: (client) => client.exec("truncate t"),
    async run(client) {
      await Promise.all(
        Array.from({ length: INSERTS }, (_, i) => client.insert(i, `row ${i}`)),
      );
    },
  },
];

async function timeOnce(client: BenchClient, c: Case): Promise<number> {
  await c.before?.(client);
  const began = performance.now();
  await c.run(client);
  return performance.now() - began;
}

const url = process.env.DATABASE_URL;
if (url === undefined || url === "") {
  throw new Error("Set DATABASE_URL, or run bench/query_bench.ts, which starts a server");
}
const server = serverFromUrl(url);
const runtime = runtimeInfo();
const log = (message: string): void => void process.stderr.write(`[${runtime.name}] ${message}\n`);
const clients: BenchClient[] = [];
const skipped: Skipped[] = [];
try {
  for (const client of [pgline(), postgresJs(), nodePostgres()]) {
    try {
      await client.connect(server);
      await client.exec("create temp table t (a int, b text)");
      clients.push(client);
    } catch (error) {
      skipped.push({ name: client.name, reason: (error as Error).message });
      await client.close().catch(() => {});
    }
  }
  const probe = clients[0];
  const [version] = probe === undefined ? [] : await probe.fetchRows("show server_version");
  const report: QueryReport = {
    runtime,
    serverVersion: String(version?.server_version ?? "?"),
    rounds,
    clients: clients.map((client) => client.name),
    cases: CASES.map((c) => c.name),
    times: {},
    skipped,
  };
  for (const c of CASES) {
    log(c.name);
    const times: Record<string, number[]> = report.times[c.name] = {};
    for (const client of clients) await timeOnce(client, c);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < clients.length; i++) {
        const client = clients[(i + round) % clients.length]!;
        (times[client.name] ??= []).push(await timeOnce(client, c));
      }
    }
  }
  if (args.has("--json")) {
    emitResult(report);
  } else {
    console.log(queryTable([report]));
    if (skipped.length > 0) process.exitCode = 1;
  }
} finally {
  await Promise.allSettled(clients.map((client) => client.close()));
}
