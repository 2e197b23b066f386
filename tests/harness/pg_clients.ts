/**
 * Finds PostgreSQL's client programs (psql, pgbench) for tests that drive them: first in
 * `/usr/lib/postgresql/<major>/bin` (Debian's layout), newest major first, then on `PATH`.
 * Returns undefined when a program is absent, so a test can be ignored with a reason.
 *
 * Uses only `node:fs`, `node:path` and `node:process`, so it works on Deno, Bun and Node.
 *
 * @module
 */

import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";

/** The client programs the tests look for. */
export type PgClientProgram = "psql" | "pgbench";

/** Debian's (and Ubuntu's) directory of versioned PostgreSQL installations. */
const DEBIAN_ROOT = "/usr/lib/postgresql";

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `/usr/lib/postgresql/<major>/bin` directories, newest major first. */
function debianBinDirs(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(DEBIAN_ROOT);
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((name) => join(DEBIAN_ROOT, name, "bin"));
}

function pathDirs(): string[] {
  let path: string | undefined;
  try {
    path = process.env.PATH;
  } catch {
    return []; // No permission to read the environment.
  }
  return (path ?? "").split(delimiter).filter((dir) => dir !== "");
}

const found = new Map<PgClientProgram, string | undefined>();

/**
 * The full path of a PostgreSQL client program, or undefined when it is not installed.
 *
 * @param program `psql` or `pgbench`.
 * @returns Its path: from the newest `/usr/lib/postgresql/<major>/bin` that has it, else from
 * `PATH`.
 *
 * @example Skipping a test without psql
 * ```ts ignore
 * const psql = findPgClient("psql");
 * test({ name: "psql works", ignore: psql === undefined }, () => {});
 * ```
 */
export function findPgClient(program: PgClientProgram): string | undefined {
  if (found.has(program)) return found.get(program);
  let path: string | undefined;
  for (const dir of [...debianBinDirs(), ...pathDirs()]) {
    const candidate = join(dir, program);
    if (isExecutable(candidate)) {
      path = candidate;
      break;
    }
  }
  found.set(program, path);
  return path;
}

/**
 * Why a test needing `program` is skipped, for its name; empty when the program is installed.
 *
 * @param program `psql` or `pgbench`.
 * @returns `" (ignored: no psql found)"` or `""`.
 */
export function missingReason(program: PgClientProgram): string {
  return findPgClient(program) === undefined
    ? ` (ignored: no ${program} in ${DEBIAN_ROOT}/*/bin or on PATH)`
    : "";
}
