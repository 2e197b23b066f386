/**
 * Runs benchmark workers under Deno, Node and Bun. Deno only: the drivers use it, the workers
 * never do. Node and Bun are the pinned executables of `tools/runtimes.ts`; their copies of the
 * peer packages are npm installs from `tools/npm_cache.ts` (Deno loads the same versions through
 * `npm:`), passed to the workers in `PGLINE_BENCH_PACKAGES`. Each worker is a child process, run
 * one at a time, that prints one result line (`--json`); its stderr (progress) passes through.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBun, ensureNode } from "../tools/runtimes.ts";
import { ensureNpmPackage } from "../tools/npm_cache.ts";
import { ensureEmbeddedPostgres, startCluster } from "../tools/pg_cluster.ts";
import { createTlsFixtures } from "../tools/tls_fixtures.ts";
import { RESULT_MARKER } from "./common.ts";
import type { QueryReport } from "./report.ts";
import {
  type BenchServer,
  PACKAGES_ENV,
  PEER_PACKAGES,
  serverFromUrl,
  serverUrl,
} from "./peers.ts";

/** The runtimes a driver can run workers on. */
export const RUNTIMES = ["deno", "node", "bun"] as const;
/** One of {@linkcode RUNTIMES}. */
export type RuntimeName = typeof RUNTIMES[number];

/** The repository root. */
export const REPO_ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

/** How to start a script under one runtime. */
export interface RuntimeCommand {
  /** Which runtime. */
  name: RuntimeName;
  /** Executable. */
  command: string;
  /** Arguments before the script. */
  prefix: string[];
  /** Extra environment for the worker. */
  env: Record<string, string>;
}

/**
 * Reads a `--runtimes=deno,node,bun` option.
 *
 * @param value The option's value, or undefined when absent.
 * @param fallback Runtimes when absent.
 * @returns The runtimes, in the order given.
 * @throws {RangeError} For an unknown runtime.
 */
export function parseRuntimes(
  value: string | undefined,
  fallback: readonly RuntimeName[],
): RuntimeName[] {
  if (value === undefined || value === "") return [...fallback];
  return value.split(",").map((name) => {
    const trimmed = name.trim().toLowerCase();
    if (!(RUNTIMES as readonly string[]).includes(trimmed)) {
      throw new RangeError(`Unknown runtime ${name}; choose from ${RUNTIMES.join(", ")}`);
    }
    return trimmed as RuntimeName;
  });
}

/**
 * Installs (on first use) what each runtime needs and returns how to start it.
 *
 * @param names Runtimes.
 * @returns One command per runtime, in the same order.
 */
export async function resolveRuntimes(names: readonly RuntimeName[]): Promise<RuntimeCommand[]> {
  const log = (message: string): void => console.error(message);
  let packages: Promise<string> | undefined;
  const packagesEnv = (): Promise<string> =>
    packages ??= (async () => {
      const dirs: Record<string, string> = {};
      for (const [name, version] of Object.entries(PEER_PACKAGES)) {
        dirs[name] = await ensureNpmPackage(name, version, { dependencies: true, log });
      }
      return JSON.stringify(dirs);
    })();
  const commands: RuntimeCommand[] = [];
  for (const name of names) {
    if (name === "deno") {
      commands.push({ name, command: Deno.execPath(), prefix: ["run", "-A"], env: {} });
    } else {
      const binary = name === "node" ? await ensureNode({ log }) : await ensureBun({ log });
      commands.push({
        name,
        command: binary.path,
        prefix: [],
        env: { [PACKAGES_ENV]: await packagesEnv() },
      });
    }
  }
  return commands;
}

/**
 * Runs `bench/<script>` under one runtime and returns the result line it printed.
 *
 * @param runtime How to start the runtime.
 * @param script File name inside `bench/`.
 * @param args Arguments for the worker (`--json` is added).
 * @param env Extra environment.
 * @returns The parsed result.
 * @throws {Error} When the worker fails or prints no result.
 */
export async function runWorker<T>(
  runtime: RuntimeCommand,
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<T> {
  const output = await new Deno.Command(runtime.command, {
    args: [...runtime.prefix, join(REPO_ROOT, "bench", script), ...args, "--json"],
    cwd: REPO_ROOT,
    env: { ...runtime.env, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(output.stdout).split("\n");
  const result = lines.findLast((line) => line.startsWith(RESULT_MARKER));
  for (const line of lines) if (line !== result && line !== "") console.error(line);
  if (!output.success || result === undefined) {
    throw new Error(`${script} on ${runtime.name} failed (exit code ${output.code})`);
  }
  return JSON.parse(result.slice(RESULT_MARKER.length)) as T;
}

/**
 * The server for query benchmarks: `DATABASE_URL` when set (plain TCP, no TLS), otherwise a
 * private PostgreSQL 18 started with `tools/pg_cluster.ts`, logged into as `scram_user`.
 *
 * @returns The server, its URL, and how to stop it (a no-op for `DATABASE_URL`).
 */
export async function benchServer(): Promise<
  { server: BenchServer; url: string; stop: () => Promise<void> }
> {
  const url = Deno.env.get("DATABASE_URL");
  if (url !== undefined && url !== "") {
    return { server: serverFromUrl(url), url, stop: () => Promise.resolve() };
  }
  const tls = await createTlsFixtures();
  const cluster = await startCluster({ binaries: await ensureEmbeddedPostgres(), tls });
  const user = cluster.users.scram_user;
  const server: BenchServer = {
    host: "127.0.0.1",
    port: cluster.port,
    database: cluster.database,
    user: user.name,
    password: user.password,
  };
  return {
    server,
    url: serverUrl(server),
    stop: async () => {
      await cluster.stop();
      await tls.remove();
    },
  };
}

/** Results of one worker script on several runtimes. */
export interface RuntimeResults<T> {
  /** One per runtime whose worker succeeded, in run order. */
  reports: T[];
  /** `"<runtime>: <message>"` for each worker that failed. */
  failures: string[];
}

/**
 * Runs a worker on each runtime in turn; a failing runtime is reported, not fatal.
 *
 * @param runtimes How to start each runtime.
 * @param script File name inside `bench/`.
 * @param args Arguments for the worker.
 * @param env Extra environment.
 * @returns The reports and the failures.
 */
export async function runOnRuntimes<T>(
  runtimes: readonly RuntimeCommand[],
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RuntimeResults<T>> {
  const results: RuntimeResults<T> = { reports: [], failures: [] };
  for (const runtime of runtimes) {
    console.error(`${script} on ${runtime.name}...`);
    try {
      results.reports.push(await runWorker<T>(runtime, script, args, env));
    } catch (error) {
      results.failures.push(`${runtime.name}: ${(error as Error).message}`);
    }
  }
  return results;
}

/**
 * Runs `bench/query_worker.ts` on each runtime against one server (see
 * {@linkcode benchServer}), started once and stopped afterwards.
 *
 * @param runtimes How to start each runtime.
 * @param args Arguments for the worker (`--rounds=N`, `--quick`).
 * @returns The reports and the failures.
 */
export async function runQueryBench(
  runtimes: readonly RuntimeCommand[],
  args: readonly string[],
): Promise<RuntimeResults<QueryReport>> {
  const { url, stop } = await benchServer();
  try {
    return await runOnRuntimes<QueryReport>(runtimes, "query_worker.ts", args, {
      DATABASE_URL: url,
    });
  } finally {
    await stop();
  }
}

/**
 * Prints a table and, below it, the runtimes whose worker failed.
 *
 * @param table The table.
 * @param results From {@linkcode runOnRuntimes}.
 * @returns False when a worker failed or skipped a contender (the table names it).
 */
export function printTable(
  table: string,
  results: RuntimeResults<{ skipped: readonly unknown[] }>,
): boolean {
  console.log(table);
  for (const failure of results.failures) console.log(`FAILED ${failure}`);
  return results.failures.length === 0 &&
    results.reports.every((report) => report.skipped.length === 0);
}
