/**
 * Both benchmarks on Deno, Node and Bun, one table each: `bench/frame_bench.ts` (frame parsing
 * against node-postgres's pg-protocol) and `bench/query_worker.ts` (queries against postgres.js
 * and node-postgres, on one server started once; see `bench/query_bench.ts`). Every worker runs
 * as its own child process, one at a time; ratios compare contenders measured in the same
 * process, so each runtime's peers are measured on that runtime in the same run.
 *
 * Run: `deno run -A bench/all_runtimes.ts` with, optionally, `--runtimes=deno,node,bun` (the
 * default), `--only=frame` or `--only=query`, `--quick` (a smoke test: 5 MiB and 3 runs for
 * frames, every query size divided by 10), `--rounds=N` (queries, default 7), `--mb=N` and
 * `--runs=N` (frames, default 50 and 7). Node and Bun are the pinned ones from
 * `tools/runtimes.ts`; the server is `DATABASE_URL` when set, else a private PostgreSQL 18.
 *
 * @module
 */

import { parseArgs } from "./common.ts";
import {
  parseRuntimes,
  printTable,
  resolveRuntimes,
  runOnRuntimes,
  runQueryBench,
  RUNTIMES,
} from "./driver.ts";
import { type FrameReport, frameTable, queryTable } from "./report.ts";

const args = parseArgs(Deno.args);
const only = args.get("--only");
if (only !== undefined && only !== "frame" && only !== "query") {
  throw new RangeError(`--only wants frame or query, not ${only}`);
}
const runtimes = await resolveRuntimes(parseRuntimes(args.get("--runtimes"), RUNTIMES));
const quick = args.has("--quick") ? ["--quick"] : [];
const pass = (name: string): string[] => {
  const value = args.get(name);
  return value === undefined ? [] : [`${name}=${value}`];
};
const began = performance.now();
let failed = false;

if (only !== "query") {
  const results = await runOnRuntimes<FrameReport>(runtimes, "frame_bench.ts", [
    ...quick,
    ...pass("--mb"),
    ...pass("--runs"),
  ]);
  if (!printTable(frameTable(results.reports), results)) failed = true;
}
if (only !== "frame") {
  if (only !== "query") console.log();
  const results = await runQueryBench(runtimes, [...quick, ...pass("--rounds")]);
  if (!printTable(queryTable(results.reports), results)) failed = true;
}
console.error(`all_runtimes: ${((performance.now() - began) / 1000).toFixed(0)} s`);
if (failed) Deno.exitCode = 1;
