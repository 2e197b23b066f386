/**
 * The configuration host on `node:process`, `node:fs` and `node:os`, shared by the Node and Bun
 * entries: environment variables, the password and service files, the home directory and the
 * user name, read the way the Deno host reads them.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import process from "node:process";
import type { ConfigHost } from "../src/config/host.ts";

const MISSING = new Set([
  "ENOENT",
  "EISDIR",
  "ENOTDIR",
  "EACCES",
  "EPERM",
  "ELOOP",
  "ENAMETOOLONG",
]);

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && MISSING.has(code);
}

/**
 * Creates the configuration host for Node and Bun: `process.env` for the environment (read
 * live), `node:fs/promises` for files (missing or unreadable ones are `undefined`), `HOME` for
 * the home directory, and `USER`, `LOGNAME` or the account's name for the user name.
 *
 * @returns A host reading the live environment and file system.
 *
 * @example Reading the user name the way libpq's default `user` does
 * ```ts
 * import { nodeConfigHost } from "@pgline/pgline/node";
 * const host = nodeConfigHost();
 * console.log(host.userName());
 * ```
 */
export function nodeConfigHost(): ConfigHost {
  const env = (name: string): string | undefined => process.env[name];
  return {
    env,
    readTextFile: async (path) => {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    fileMode: async (path) => {
      if (process.platform === "win32") return undefined;
      try {
        return (await stat(path)).mode;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    homeDir: () => env("HOME"),
    userName: () => {
      const named = env("USER") ?? env("LOGNAME");
      if (named !== undefined) return named;
      try {
        return userInfo().username;
      } catch {
        return undefined;
      }
    },
    unixSockets: process.platform !== "win32",
  };
}
