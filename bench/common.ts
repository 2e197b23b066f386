/**
 * Helpers shared by the benchmark workers and drivers. Runtime-neutral: only `node:` modules and
 * web globals, so the same file loads on Deno, Node (type stripping) and Bun.
 *
 * @module
 */

import process from "node:process";

/** The runtime a worker ran on. */
export interface RuntimeInfo {
  /** `"Deno"`, `"Node"` or `"Bun"`. */
  name: string;
  /** Its version, e.g. `"26.10.0"`. */
  version: string;
  /** JavaScript engine and version, e.g. `"V8 14.6"` or `"JavaScriptCore"`. */
  engine: string;
  /** Operating system and architecture, e.g. `"linux x64"`. */
  platform: string;
}

/**
 * Describes the running runtime.
 *
 * @returns Name, version, engine and platform.
 */
export function runtimeInfo(): RuntimeInfo {
  const versions = process.versions as Record<string, string | undefined>;
  const v8 = versions.v8?.split(".").slice(0, 2).join(".");
  const platform = `${process.platform} ${process.arch}`;
  if (versions.bun !== undefined) {
    return { name: "Bun", version: versions.bun, engine: "JavaScriptCore", platform };
  }
  if (versions.deno !== undefined) {
    return { name: "Deno", version: versions.deno, engine: `V8 ${v8}`, platform };
  }
  return { name: "Node", version: versions.node ?? "?", engine: `V8 ${v8}`, platform };
}

/**
 * `"Node 26.10.0 (V8 14.6)"`.
 *
 * @param info A runtime.
 * @returns A short label.
 */
export function runtimeLabel(info: RuntimeInfo): string {
  return `${info.name} ${info.version} (${info.engine})`;
}

/** True on Deno, where `npm:` specifiers load the peer packages. */
export const isDeno: boolean = (globalThis as { Deno?: unknown }).Deno !== undefined;

/**
 * Command-line options: `--name=value`, `--name value` or a bare `--flag` (value `""`).
 *
 * @param argv Arguments after the script.
 * @returns Options by name, with the leading dashes.
 */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      options.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) {
      options.set(arg, argv[++i]!);
    } else {
      options.set(arg, "");
    }
  }
  return options;
}

/**
 * A numeric option.
 *
 * @param options Parsed options.
 * @param name Option name, e.g. `"--runs"`.
 * @param fallback Value when absent.
 * @returns The value.
 * @throws {RangeError} When it is not a positive number.
 */
export function numberOption(options: Map<string, string>, name: string, fallback: number): number {
  const raw = options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new RangeError(`${name} wants a positive number, not ${raw}`);
  return value;
}

/**
 * The median.
 *
 * @param values At least one number.
 * @returns Their median.
 */
export function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A Markdown table.
 *
 * @param header Column names.
 * @param rows Cells.
 * @param textColumns How many leading columns are left-aligned; the rest are right-aligned.
 * @returns The table's lines.
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly string[][],
  textColumns = 1,
): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => i < textColumns ? "---" : "---:").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/** Prefix of the one stdout line a worker writes in `--json` mode. */
export const RESULT_MARKER = "PGLINE_BENCH_RESULT ";

/**
 * Writes a worker's result for the driver.
 *
 * @param result Anything JSON can carry.
 */
export function emitResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** One client or case a worker could not run, and why. */
export interface Skipped {
  /** Client or case name. */
  name: string;
  /** The error message. */
  reason: string;
}
