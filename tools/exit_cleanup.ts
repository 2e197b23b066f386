/**
 * Last-resort cleanup of test clusters: on SIGINT/SIGTERM/SIGHUP (optional) and on process exit,
 * so that an interrupted or crashing test run leaves no server behind.
 *
 * @module
 */

import { join } from "node:path";

/** What {@linkcode registerForCleanup} needs to know about a cluster. */
export interface CleanupEntry {
  /** Directory removed on exit. */
  baseDir: string;
  /** Data directories whose postmaster is killed on exit. */
  dataDirs: string[];
  /** The orderly stop, used on signals. */
  stop: () => Promise<void>;
}

// Process-wide by nature: signal and unload handlers are per process.
const live = new Set<CleanupEntry>();
let unloadInstalled = false;
let signalsInstalled = false;

/** Sends SIGQUIT (immediate shutdown) to the postmaster named in `postmaster.pid`. */
function killSync(dataDir: string): void {
  try {
    const pid = Number(Deno.readTextFileSync(join(dataDir, "postmaster.pid")).split("\n")[0]);
    if (Number.isInteger(pid) && pid > 0) Deno.kill(pid, "SIGQUIT");
  } catch {
    // Not running.
  }
}

function onUnload(): void {
  for (const { baseDir, dataDirs } of live) {
    dataDirs.forEach(killSync);
    try {
      Deno.removeSync(baseDir, { recursive: true });
    } catch {
      // Already gone.
    }
  }
}

/**
 * Registers a cluster for cleanup. On process exit its postmasters are killed synchronously and
 * its directory removed; with `handleSignals`, SIGINT/SIGTERM/SIGHUP stop every registered
 * cluster and then exit with 130/143.
 *
 * @param entry The cluster.
 * @param handleSignals Whether to install the signal handlers (once per process).
 * @returns A function that unregisters the cluster, to call after an orderly stop.
 *
 * @example Register
 * ```ts ignore
 * const unregister = registerForCleanup({ baseDir, dataDirs, stop }, true);
 * ```
 */
export function registerForCleanup(entry: CleanupEntry, handleSignals: boolean): () => void {
  live.add(entry);
  if (!unloadInstalled) {
    unloadInstalled = true;
    globalThis.addEventListener("unload", onUnload);
  }
  if (handleSignals && !signalsInstalled) {
    signalsInstalled = true;
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const signal of signals) {
      Deno.addSignalListener(signal, async () => {
        await Promise.allSettled([...live].map((cluster) => cluster.stop()));
        Deno.exit(signal === "SIGINT" ? 130 : 143);
      });
    }
  }
  return () => {
    live.delete(entry);
  };
}
