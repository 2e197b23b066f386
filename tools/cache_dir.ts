/**
 * The tools' download cache: where fetched binaries live, and the checks that keep another user
 * from planting files there.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

/** True when every directory from `/` to `path` has the others-execute bit. */
async function traversableByOthers(path: string): Promise<boolean> {
  let current = resolve(path);
  for (;;) {
    try {
      const info = await Deno.stat(current);
      if (info.mode === null || (info.mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: its parent decides.
    }
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * Cache directories to try, best first: the repository's `.cache/`, then the OS temp dir.
 *
 * @returns Candidate directories.
 */
export async function defaultCacheDirs(): Promise<string[]> {
  const uid = Deno.uid() ?? 0;
  const dirs: string[] = [];
  if (new URL(import.meta.url).protocol === "file:") {
    const repoCache = join(dirname(dirname(fileURLToPath(import.meta.url))), ".cache", "pgline");
    if (uid !== 0 || await traversableByOthers(repoCache)) dirs.push(repoCache);
  }
  dirs.push(join(tmpdir(), `pgline-cache-${uid}`));
  return dirs;
}

/** Creates `path` if needed and checks that this user owns it and others cannot write to it. */
export async function ensureOwnedDir(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true, mode: 0o755 });
  const info = await Deno.lstat(path);
  if (!info.isDirectory || info.uid !== Deno.uid()) {
    throw new Error(`Cannot use cache directory ${path}: not a directory owned by this user`);
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) await Deno.chmod(path, 0o755);
}
