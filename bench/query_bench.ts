/**
 * End-to-end query speed of pgline against postgres.js and node-postgres, each client on a
 * single plain-TCP connection, on one server: the cases are in `bench/query_worker.ts`, which
 * this runs under each runtime asked for (by default Deno only) and whose results it prints as
 * one table, ratios = peer time / pgline time on the same runtime (above 1 means pgline is
 * faster).
 *
 * The server is `DATABASE_URL` when set (plain TCP, no TLS), otherwise a private PostgreSQL 18
 * started with `tools/pg_cluster.ts` and logged into as `scram_user`.
 *
 * Run: `deno task bench:query` (`--rounds=N`, default 7; `--quick` divides every size by 10;
 * `--runtimes=deno,node,bun`). `bench/all_runtimes.ts` runs this and the frame bench on all three.
 *
 * @module
 */

import { numberOption, parseArgs } from "./common.ts";
import { parseRuntimes, printTable, resolveRuntimes, runQueryBench } from "./driver.ts";
import { queryTable } from "./report.ts";

const args = parseArgs(Deno.args);
const runtimes = await resolveRuntimes(parseRuntimes(args.get("--runtimes"), ["deno"]));
const workerArgs = [`--rounds=${numberOption(args, "--rounds", 7)}`];
if (args.has("--quick")) workerArgs.push("--quick");
const results = await runQueryBench(runtimes, workerArgs);
if (!printTable(queryTable(results.reports), results)) Deno.exitCode = 1;
