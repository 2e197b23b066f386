/**
 * End-to-end query speed of pgline against postgres.js and node-postgres, in one run on one
 * server, each client on a single plain-TCP connection:
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
 * The server is `DATABASE_URL` when set (plain TCP, no TLS), otherwise a private PostgreSQL 18
 * started with `tools/pg_cluster.ts` and logged into as `scram_user`.
 *
 * Run: `deno task bench:query` (`--rounds=N`, default 7; `--quick` divides every size by 10).
 *
 * @module
 */

import { connect } from "../mod.ts";
import { ensureEmbeddedPostgres, startCluster } from "../tools/pg_cluster.ts";
import { createTlsFixtures } from "../tools/tls_fixtures.ts";
import { type BenchClient, type BenchServer, nodePostgres, postgresJs } from "./peers.ts";

/** pgline's extended-protocol API, as the bench uses it. */
interface PglineQueries {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** Thrown by the pgline adapter when this build has no parameterized `query`. */
class Unavailable extends Error {}

function pgline(): BenchClient {
  let db: PglineQueries | undefined;
  const q = (): PglineQueries => {
    if (db === undefined) throw new Error("pgline: not connected");
    return db;
  };
  return {
    name: "pgline",
    async connect(server) {
      const connection = await connect({
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        ...(server.password === undefined ? {} : { password: server.password }),
        sslMode: "disable",
      });
      const candidate = connection as unknown as Partial<PglineQueries>;
      let works = false;
      if (typeof candidate.query === "function") {
        try {
          const { rows } = await candidate.query("select $1::int as n", [41]);
          works = rows.length === 1 && rows[0]?.n === 41;
        } catch {
          // Not the extended-protocol query yet.
        }
      }
      if (!works) {
        await connection.close();
        throw new Unavailable("pgline: not available (no parameterized db.query yet)");
      }
      db = candidate as PglineQueries;
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

const args = new Set(Deno.args);
const scale = args.has("--quick") ? 10 : 1;
const rounds = Number(Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 7);
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

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeOnce(client: BenchClient, c: Case): Promise<number> {
  await c.before?.(client);
  const began = performance.now();
  await c.run(client);
  return performance.now() - began;
}

async function serverFromEnv(): Promise<{ server: BenchServer; stop: () => Promise<void> }> {
  const url = Deno.env.get("DATABASE_URL");
  if (url !== undefined && url !== "") {
    const parsed = new URL(url);
    const password = decodeURIComponent(parsed.password);
    return {
      server: {
        host: decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
        port: Number(parsed.port || 5432),
        database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
        user: decodeURIComponent(parsed.username) || "postgres",
        password: password === "" ? undefined : password,
      },
      stop: () => Promise.resolve(),
    };
  }
  const tls = await createTlsFixtures();
  const cluster = await startCluster({ binaries: await ensureEmbeddedPostgres(), tls });
  const user = cluster.users.scram_user;
  return {
    server: {
      host: "127.0.0.1",
      port: cluster.port,
      database: cluster.database,
      user: user.name,
      password: user.password,
    },
    stop: async () => {
      await cluster.stop();
      await tls.remove();
    },
  };
}

const { server, stop } = await serverFromEnv();
const clients: BenchClient[] = [];
try {
  for (const client of [pgline(), postgresJs(), nodePostgres()]) {
    try {
      await client.connect(server);
      await client.exec("create temp table t (a int, b text)");
      clients.push(client);
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      console.log(error.message);
    }
  }
  const probe = clients.at(-1);
  const [version] = probe === undefined ? [] : await probe.fetchRows("show server_version");
  console.log(
    `${new Date().toISOString()} | Deno ${Deno.version.deno} (V8 ${Deno.version.v8}) | ` +
      `${Deno.build.target} | PostgreSQL ${version?.server_version ?? "?"}`,
  );
  console.log(`clients: ${clients.map((client) => client.name).join(", ")}`);
  console.log(`median of ${rounds} rounds after one warm-up, rotated order; times in ms\n`);

  const results = new Map<string, number[]>(); // "case\0client" -> times
  for (const c of CASES) {
    for (const client of clients) await timeOnce(client, c);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < clients.length; i++) {
        const client = clients[(i + round) % clients.length]!;
        const key = `${c.name}\0${client.name}`;
        results.set(key, [...results.get(key) ?? [], await timeOnce(client, c)]);
      }
    }
  }

  const ours = clients.find((client) => client.name === "pgline");
  const peers = clients.filter((client) => client !== ours);
  const header = ["case", ...clients.map((client) => client.name)];
  if (ours !== undefined) header.push(...peers.map((peer) => `vs ${peer.name.split(" ")[0]}`));
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|---|${header.slice(1).map(() => "---:").join("|")}|`);
  for (const c of CASES) {
    const time = (client: BenchClient): number => median(results.get(`${c.name}\0${client.name}`)!);
    const cells = [c.name, ...clients.map((client) => time(client).toFixed(1))];
    if (ours !== undefined) {
      cells.push(...peers.map((peer) => `${(time(peer) / time(ours)).toFixed(2)}x`));
    }
    console.log(`| ${cells.join(" | ")} |`);
  }
} finally {
  await Promise.allSettled(clients.map((client) => client.close()));
  await stop();
}
