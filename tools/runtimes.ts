/**
 * Pinned Node and Bun executables for the test suite and benchmarks, from the npm registry's
 * platform packages (`node-<os>-<arch>` and `@oven/bun-<os>-<arch>`, which hold the binary
 * itself), installed once into the tools' cache. The machine's own `node` is never used, so a run
 * today and a run next month use the same runtimes.
 *
 * ```sh
 * deno run -A tools/runtimes.ts        # prints {"node": "<path>", "bun": "<path>"}
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { ensureNpmPackage, type NpmPackageOptions } from "./npm_cache.ts";

/** Exact Node version (an LTS line) the suite runs on. */
export const NODE_VERSION = "26.10.0";
/** Exact Bun version the suite runs on. */
export const BUN_VERSION = "1.4.5";

/** A runtime executable and its version. */
export interface RuntimeBinary {
  /** Absolute path of the executable. */
  path: string;
  /** Its pinned version. */
  version: string;
}

function platform(): { os: string; arch: string } {
  const os = Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "linux" ? "linux" : "";
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  if (os === "") throw new Error(`No pinned Node or Bun package for ${Deno.build.os}`);
  return { os, arch };
}

/** Bun's x64 builds need AVX2; older CPUs take the "baseline" build. */
async function hasAvx2(): Promise<boolean> {
  if (Deno.build.os !== "linux") return true;
  try {
    return /\bavx2\b/.test(await Deno.readTextFile("/proc/cpuinfo"));
  } catch {
    return false;
  }
}

/**
 * The pinned Node executable, installed on first use.
 *
 * @param options Cache location, npm executable and a progress callback.
 * @returns The executable.
 *
 * @example
 * ```ts ignore
 * const node = await ensureNode();
 * console.log(node.path);
 * ```
 */
export async function ensureNode(options: NpmPackageOptions = {}): Promise<RuntimeBinary> {
  const { os, arch } = platform();
  const dir = await ensureNpmPackage(`node-${os}-${arch}`, NODE_VERSION, options);
  return { path: join(dir, "bin", "node"), version: NODE_VERSION };
}

/**
 * The pinned Bun executable, installed on first use.
 *
 * @param options Cache location, npm executable and a progress callback.
 * @returns The executable.
 *
 * @example
 * ```ts ignore
 * const bun = await ensureBun();
 * console.log(bun.path);
 * ```
 */
export async function ensureBun(options: NpmPackageOptions = {}): Promise<RuntimeBinary> {
  const { os, arch } = platform();
  const suffix = arch === "x64" && !await hasAvx2() ? "-baseline" : "";
  const name = `@oven/bun-${os}-${arch === "arm64" ? "aarch64" : arch}${suffix}`;
  const dir = await ensureNpmPackage(name, BUN_VERSION, options);
  return { path: join(dir, "bin", "bun"), version: BUN_VERSION };
}

if (import.meta.main) {
  const log = (message: string): void => console.error(message);
  const [node, bun] = await Promise.all([ensureNode({ log }), ensureBun({ log })]);
  console.log(JSON.stringify({ node: node.path, bun: bun.path }));
}
