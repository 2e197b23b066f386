/**
 * What the benchmark workers report, and the tables made from one or more reports (one per
 * runtime). Runtime-neutral and side-effect free, so workers and drivers share it.
 *
 * Ratios are always between results of one report: contenders measured in the same process, on
 * the same runtime, in the same run.
 *
 * @module
 */

import { markdownTable, median, type RuntimeInfo, runtimeLabel, type Skipped } from "./common.ts";

/** A `bench/frame_bench.ts` run on one runtime. */
export interface FrameReport {
  /** Where it ran. */
  runtime: RuntimeInfo;
  /** Size of the server stream in bytes. */
  streamBytes: number;
  /** Messages in it. */
  messages: number;
  /** Number of chunks it was fed in. */
  chunks: number;
  /** Bytes per chunk. */
  chunkBytes: number;
  /** Runs per case. */
  runs: number;
  /** Name of the case the ratios are against. */
  baseline: string;
  /** Best run of each case, in ms. */
  cases: { name: string; bestMs: number }[];
  /** Cases that could not run. */
  skipped: Skipped[];
}

/** A `bench/query_worker.ts` run on one runtime. */
export interface QueryReport {
  /** Where it ran. */
  runtime: RuntimeInfo;
  /** `server_version` as the server reports it. */
  serverVersion: string;
  /** Timed rounds per case (after one warm-up). */
  rounds: number;
  /** Clients in the order of the table, pgline first. */
  clients: string[];
  /** Case names, in run order. */
  cases: string[];
  /** Times in ms by case, then client: one per round. */
  times: Record<string, Record<string, number[]>>;
  /** Clients that could not load or connect. */
  skipped: Skipped[];
}

const DASH = "–";

function ratio(peerMs: number | undefined, oursMs: number | undefined): string {
  return peerMs === undefined || oursMs === undefined ? DASH : `${(peerMs / oursMs).toFixed(2)}x`;
}

function union(lists: readonly string[][]): string[] {
  return [...new Set(lists.flat())];
}

function skippedLines(reports: readonly { runtime: RuntimeInfo; skipped: Skipped[] }[]): string[] {
  return reports.flatMap((report) =>
    report.skipped.map((s) => `${report.runtime.name}: ${s.name} skipped: ${s.reason}`)
  );
}

/**
 * The frame-parsing table: one row per case, or with several runtimes one row per case and
 * runtime, grouped by case.
 *
 * @param reports One report per runtime, all over the same stream.
 * @returns Heading lines and the Markdown table.
 */
export function frameTable(reports: readonly FrameReport[]): string {
  const first = reports[0];
  if (first === undefined) return "Frame parsing: no results";
  const lines = [
    `Frame parsing: ${(first.streamBytes / 1048576).toFixed(1)} MiB, ${first.messages} messages, ` +
    `${first.chunks} chunks of ${first.chunkBytes / 1024} KiB; best of ${first.runs} runs; ` +
    reports.map((report) => runtimeLabel(report.runtime)).join(", "),
    ...skippedLines(reports),
  ];
  const several = reports.length > 1;
  const header = ["case", ...(several ? ["runtime"] : []), "MB/s", "messages/s"];
  header.push(`vs ${first.baseline.split(" ")[0]}`);
  const rows: string[][] = [];
  for (const name of union(reports.map((report) => report.cases.map((c) => c.name)))) {
    reports.forEach((report, i) => {
      const ms = report.cases.find((c) => c.name === name)?.bestMs;
      const baseline = report.cases.find((c) => c.name === report.baseline)?.bestMs;
      const label = several && i > 0 ? "" : name;
      const row = [label, ...(several ? [`${report.runtime.name} ${report.runtime.version}`] : [])];
      if (ms === undefined) {
        row.push(DASH, DASH, DASH);
      } else {
        const seconds = ms / 1000;
        row.push(
          (report.streamBytes / 1e6 / seconds).toFixed(0),
          `${(report.messages / seconds / 1e6).toFixed(2)}M`,
          ratio(baseline, ms),
        );
      }
      rows.push(row);
    });
  }
  return `${lines.join("\n")}\n${markdownTable(header, rows, several ? 2 : 1)}`;
}

/**
 * The query table: median round per case and client in ms, and each peer's median over
 * pgline's (above 1 means pgline is faster); with several runtimes one row per case and runtime,
 * grouped by case.
 *
 * @param reports One report per runtime, all against the same server with the same sizes.
 * @returns Heading lines and the Markdown table.
 */
export function queryTable(reports: readonly QueryReport[]): string {
  const first = reports[0];
  if (first === undefined) return "Queries: no results";
  const lines = [
    `${
      new Date().toISOString()
    } | PostgreSQL ${first.serverVersion} | ${first.runtime.platform} | ` +
    reports.map((report) => runtimeLabel(report.runtime)).join(", "),
    `clients: ${union(reports.map((report) => report.clients)).join(", ")}`,
    ...skippedLines(reports),
    `median of ${first.rounds} rounds after one warm-up, rotated order; times in ms\n`,
  ];
  const clients = union(reports.map((report) => report.clients));
  const ours = clients.find((name) => name === "pgline");
  const peers = clients.filter((name) => name !== ours);
  const several = reports.length > 1;
  const header = ["case", ...(several ? ["runtime"] : []), ...clients];
  if (ours !== undefined) header.push(...peers.map((peer) => `vs ${peer.split(" ")[0]}`));
  const rows: string[][] = [];
  for (const name of union(reports.map((report) => report.cases))) {
    reports.forEach((report, i) => {
      const time = (client: string | undefined): number | undefined => {
        const times = client === undefined ? undefined : report.times[name]?.[client];
        return times === undefined || times.length === 0 ? undefined : median(times);
      };
      const row = [several && i > 0 ? "" : name];
      if (several) row.push(`${report.runtime.name} ${report.runtime.version}`);
      row.push(...clients.map((client) => time(client)?.toFixed(1) ?? DASH));
      if (ours !== undefined) row.push(...peers.map((peer) => ratio(time(peer), time(ours))));
      rows.push(row);
    });
  }
  return `${lines.join("\n")}\n${markdownTable(header, rows, several ? 2 : 1)}`;
}
