/**
 * PgBouncer for integration tests: finds the binary (on `PATH`, `/usr/sbin`, or Debian's package
 * unpacked into a cache without a root install) and starts it in front of a test server, loopback
 * only, on a random free port, in transaction pooling mode with SCRAM authentication.
 *
 * @example Put PgBouncer in front of a cluster
 * ```ts ignore
 * import { ensurePgBouncer, startPgBouncer } from "./pgbouncer.ts";
 *
 * const binary = await ensurePgBouncer();
 * await using bouncer = await startPgBouncer({
 *   binary,
 *   upstream: { host: "127.0.0.1", port: 5432, database: "pgline" },
 *   user: { name: "scram_user", password: "secret" },
 * });
 * console.log(bouncer.port);
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { defaultCacheDirs, ensureOwnedDir } from "./cache_dir.ts";
import { registerForCleanup } from "./exit_cleanup.ts";
import { assertReachable, giveTo, resolveServerUser, wrapCommand } from "./server_user.ts";

/** Debian packages unpacked into the cache: PgBouncer and the one library hosts rarely have. */
export const PGBOUNCER_DEBIAN_PACKAGES: readonly string[] = ["pgbouncer", "libc-ares2"];

/** A runnable PgBouncer. */
export interface PgBouncerBinary {
  /** Absolute path of the executable. */
  path: string;
  /** Version as `pgbouncer --version` prints it, e.g. `"1.18.0"`. */
  version: string;
  /** Directory of unpacked shared libraries to put on `LD_LIBRARY_PATH`, if any. */
  libraryDir: string | undefined;
  /** Where it came from, for messages. */
  source: string;
}

/** Options for {@linkcode ensurePgBouncer}. */
export interface EnsurePgBouncerOptions {
  /**
   * Cache directory for the unpacked Debian packages. When running as root it must be
   * traversable by everyone, because PgBouncer runs as `nobody`.
   * @default {"<repo>/.cache/pgline", or "<os tmpdir>/pgline-cache-<uid>" when that is not traversable by others"}
   */
  cacheDir?: string;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** Options for {@linkcode startPgBouncer}. */
export interface StartPgBouncerOptions {
  /** The PgBouncer to run. */
  binary: PgBouncerBinary;
  /** The PostgreSQL server to pool connections to (plain TCP). */
  upstream: { host: string; port: number; database: string };
  /** The only login role: clients authenticate as it, and PgBouncer logs in upstream as it. */
  user: { name: string; password: string };
  /**
   * Database name clients use.
   * @default {upstream.database}
   */
  database?: string;
  /**
   * Server connections per user and database (`default_pool_size`); small, so that clients
   * really share server connections.
   * @default {3}
   */
  poolSize?: number;
  /**
   * Parent of PgBouncer's directory; must be traversable by `nobody` when running as root.
   * @default {os.tmpdir()}
   */
  parentDir?: string;
  /**
   * How long to wait for PgBouncer to accept connections, in milliseconds.
   * @default {10000}
   */
  startTimeoutMs?: number;
  /**
   * Stop on SIGINT/SIGTERM/SIGHUP and then exit (see `tools/exit_cleanup.ts`); PgBouncer is
   * killed on process exit either way.
   * @default {true}
   */
  handleSignals?: boolean;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** A running PgBouncer, returned by {@linkcode startPgBouncer}. */
export interface PgBouncer {
  /** Listen address. */
  host: "127.0.0.1";
  /** Listen port. */
  port: number;
  /** Database name clients use. */
  database: string;
  /** Login role. */
  user: string;
  /** Its password (SCRAM-SHA-256). */
  password: string;
  /** Pooling mode. */
  poolMode: "transaction";
  /** Maximum server connections for the database (`default_pool_size`). */
  poolSize: number;
  /** PgBouncer version, e.g. `"1.18.0"`. */
  version: string;
  /** Directory holding the configuration and log; removed by `stop()`. */
  baseDir: string;
  /** PgBouncer's log file. */
  logFile: string;
  /** Kills PgBouncer and removes `baseDir`. Idempotent. */
  stop(): Promise<void>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const decoder = new TextDecoder();

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ ok: boolean; out: string; missing?: true }> {
  try {
    const result = await new Deno.Command(command, {
      args,
      ...options,
      stdin: "null",
    }).output();
    const out = `${decoder.decode(result.stdout)}${decoder.decode(result.stderr)}`.trim();
    return { ok: result.success, out };
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound ? { missing: true as const } : {};
    return { ok: false, out: (error as Error).message, ...missing };
  }
}

/** Runs `pgbouncer --version`; the first line reads `PgBouncer 1.18.0`. */
async function describe(
  path: string,
  libraryDir: string | undefined,
  source: string,
): Promise<PgBouncerBinary> {
  const env = libraryDir === undefined ? undefined : { LD_LIBRARY_PATH: libraryDir };
  const result = await run(path, ["--version"], env === undefined ? {} : { env });
  const version = /^PgBouncer (\d+\.\d+(?:\.\d+)?)/m.exec(result.out)?.[1];
  if (!result.ok || version === undefined) {
    throw new Error(`Cannot run ${path} --version: ${result.out}`);
  }
  return { path, version, libraryDir, source };
}

async function findOnPath(): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
  for (const dir of [...dirs, "/usr/sbin", "/usr/local/sbin"]) {
    const path = join(dir, "pgbouncer");
    try {
      const info = await Deno.stat(path);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/**
 * Downloads the Debian packages into a staging directory, unpacks them with `dpkg -x`, checks
 * the binary runs, then renames the tree into the cache in one step, so concurrent runs never
 * see a half-unpacked copy (the loser of the race discards its own).
 */
async function fetchDebian(cacheDir: string, leaf: string, log: (m: string) => void) {
  const target = join(cacheDir, leaf);
  const staging = await Deno.makeTempDir({ dir: cacheDir, prefix: ".staging-pgbouncer-" });
  try {
    log(`Fetching ${PGBOUNCER_DEBIAN_PACKAGES.join(", ")} with apt-get download into ${cacheDir}`);
    const download = await run("apt-get", ["download", ...PGBOUNCER_DEBIAN_PACKAGES], {
      cwd: staging,
    });
    if (download.missing) throw new Error("PgBouncer is not installed, and apt-get is missing");
    if (!download.ok) {
      throw new Error(
        `apt-get download ${PGBOUNCER_DEBIAN_PACKAGES.join(" ")} failed ` +
          `(are the package lists present? apt-get update): ${download.out}`,
      );
    }
    const tree = join(staging, "tree");
    await Deno.mkdir(tree, { mode: 0o755 });
    await Deno.chmod(tree, 0o755);
    for await (const entry of Deno.readDir(staging)) {
      if (!entry.isFile || !entry.name.endsWith(".deb")) continue;
      const unpack = await run("dpkg", ["-x", join(staging, entry.name), tree]);
      if (!unpack.ok) throw new Error(`dpkg -x ${entry.name} failed: ${unpack.out}`);
    }
    const binary = await describe(
      join(tree, "usr", "sbin", "pgbouncer"),
      join(tree, "usr", "lib", `${Deno.build.arch}-linux-gnu`),
      "",
    );
    await Deno.writeTextFile(join(tree, ".pgline-complete"), `${binary.version}\n`);
    try {
      await Deno.rename(tree, target);
    } catch (error) {
      if (!await exists(join(target, ".pgline-complete"))) throw error;
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/**
 * Returns a runnable PgBouncer: `pgbouncer` on `PATH` or in `/usr/sbin`, else Debian's package
 * unpacked into the cache (fetched with `apt-get download` and `dpkg -x` on first use; no root
 * needed, nothing installed system-wide).
 *
 * @param options Cache location and a progress callback.
 * @returns The binary.
 * @throws {Error} When there is none and it cannot be fetched (not Debian, no package lists, no
 * network, or a shared library missing on this host).
 *
 * @example Find PgBouncer
 * ```ts ignore
 * const binary = await ensurePgBouncer({ log: console.error });
 * console.log(binary.version, binary.source);
 * ```
 */
export async function ensurePgBouncer(
  options: EnsurePgBouncerOptions = {},
): Promise<PgBouncerBinary> {
  const log = options.log ?? (() => {});
  const system = await findOnPath();
  if (system !== undefined) return await describe(system, undefined, system);
  if (Deno.build.os !== "linux") {
    throw new Error("PgBouncer is not installed, and fetching it needs Debian's apt-get");
  }
  const leaf = `pgbouncer-debian-${Deno.build.arch}`;
  const candidates = options.cacheDir === undefined ? await defaultCacheDirs() : [options.cacheDir];
  const fromCache = (dir: string): Promise<PgBouncerBinary> =>
    describe(
      join(dir, leaf, "usr", "sbin", "pgbouncer"),
      join(dir, leaf, "usr", "lib", `${Deno.build.arch}-linux-gnu`),
      `Debian package in ${join(dir, leaf)}`,
    );
  for (const dir of candidates) {
    if (await exists(join(dir, leaf, ".pgline-complete"))) return await fromCache(dir);
  }
  const failures: string[] = [];
  for (const dir of candidates) {
    try {
      await ensureOwnedDir(dir);
    } catch (error) {
      failures.push((error as Error).message);
      continue;
    }
    await fetchDebian(dir, leaf, log);
    return await fromCache(dir);
  }
  throw new Error(`No usable cache directory: ${failures.join("; ")}`);
}

/** Finds a port free on 127.0.0.1 by binding port 0. */
function pickPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function buildIni(options: StartPgBouncerOptions, dir: string, port: number): string {
  const { upstream } = options;
  const database = options.database ?? upstream.database;
  return [
    "; Generated by tools/pgbouncer.ts",
    "[databases]",
    `${database} = host=${upstream.host} port=${upstream.port} dbname=${upstream.database}`,
    "",
    "[pgbouncer]",
    // First, so that errors in the lines below reach the log too.
    `logfile = ${join(dir, "pgbouncer.log")}`,
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "auth_type = scram-sha-256",
    `auth_file = ${join(dir, "userlist.txt")}`,
    "pool_mode = transaction",
    `default_pool_size = ${options.poolSize ?? 3}`,
    "min_pool_size = 0",
    "reserve_pool_size = 0",
    "max_client_conn = 200",
    "ignore_startup_parameters = extra_float_digits,options",
    "server_tls_sslmode = disable",
    "client_tls_sslmode = disable",
    "",
  ].join("\n");
}

/** `"name" "password"`, with `"` doubled as PgBouncer's auth_file expects. */
function userlistLine(name: string, password: string): string {
  const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;
  return `${quote(name)} ${quote(password)}\n`;
}

/**
 * Sends a StartupMessage and expects an authentication request: proves PgBouncer listens, knows
 * the database and the user. Returns an error text, or `undefined` when the request came.
 */
async function probe(port: number, user: string, database: string): Promise<string | undefined> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const body = new TextEncoder().encode(`user\0${user}\0database\0${database}\0\0`);
    const message = new Uint8Array(8 + body.length);
    const view = new DataView(message.buffer);
    view.setInt32(0, message.length);
    view.setInt32(4, 196608); // Protocol 3.0.
    message.set(body, 8);
    await conn.write(message);
    const reply = new Uint8Array(4096);
    const n = await conn.read(reply);
    if (n === null || n < 1) return "connection closed before an authentication request";
    if (reply[0] === 0x52) return undefined; // 'R' AuthenticationRequest.
    return decoder.decode(reply.subarray(5, n)).replaceAll("\0", " ").trim();
  } finally {
    conn.close();
  }
}

/**
 * Waits for PgBouncer's log to say it listens on `port` (so a probe cannot reach some other
 * server that took the port meanwhile), then probes it.
 */
async function waitUntilReady(
  child: Deno.ChildProcess,
  exited: () => boolean,
  port: number,
  logFile: string,
  options: StartPgBouncerOptions,
): Promise<"ready" | "exited"> {
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const database = options.database ?? options.upstream.database;
  const listening = `listening on 127.0.0.1:${port}\n`;
  while (Date.now() < deadline) {
    if (exited()) return "exited";
    const text = await Deno.readTextFile(logFile).catch(() => "");
    if (text.includes(listening)) {
      try {
        const problem = await probe(port, options.user.name, database);
        if (problem === undefined) return "ready";
        throw new Error(`PgBouncer refused a login: ${problem}`);
      } catch (error) {
        if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // Exited meanwhile.
  }
  throw new Error(`PgBouncer did not accept connections within ${timeoutMs} ms`);
}

/**
 * Starts PgBouncer in front of `options.upstream`: `pool_mode = transaction`, SCRAM-SHA-256 with
 * the user's password in `auth_file` (plaintext, which PgBouncer allows for SCRAM), a small pool,
 * listening on 127.0.0.1 only. Runs as `nobody` when the process is root (PgBouncer refuses
 * root). Resolves once a StartupMessage gets an authentication request.
 *
 * @param options Binary, upstream server, role and pool size.
 * @returns The running PgBouncer; call `stop()` when done.
 * @throws {Error} When it does not start; the message includes its output.
 *
 * @example Start and stop
 * ```ts ignore
 * const bouncer = await startPgBouncer({ binary, upstream, user: { name, password } });
 * await bouncer.stop();
 * ```
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<PgBouncer> {
  const log = options.log ?? (() => {});
  const user = await resolveServerUser();
  const parentDir = options.parentDir ?? tmpdir();
  await assertReachable(user, dirname(options.binary.path), "the PgBouncer binary");
  await assertReachable(user, parentDir, "PgBouncer's directory");
  const baseDir = await Deno.makeTempDir({ dir: parentDir, prefix: "pgline-pgbouncer-" });
  await Deno.chmod(baseDir, 0o700);
  const logFile = join(baseDir, "pgbouncer.log");
  let child: Deno.ChildProcess | undefined;
  let exited = false;

  const kill = (): void => {
    if (child === undefined || exited) return;
    try {
      child.kill("SIGTERM"); // Immediate shutdown.
    } catch {
      // Already gone.
    }
  };
  globalThis.addEventListener("unload", kill);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child?.ref();
      kill();
      await child?.status;
      globalThis.removeEventListener("unload", kill);
      await Deno.remove(baseDir, { recursive: true }).catch(() => {});
      unregister();
    })();
    return stopping;
  };
  const unregister = registerForCleanup(
    { baseDir, dataDirs: [], stop },
    options.handleSignals ?? true,
  );

  try {
    const userlist = join(baseDir, "userlist.txt");
    await Deno.writeTextFile(userlist, userlistLine(options.user.name, options.user.password), {
      mode: 0o600,
    });
    await giveTo(user, userlist);
    await giveTo(user, baseDir);
    const env: Record<string, string> = { LC_ALL: "C" };
    if (options.binary.libraryDir !== undefined) env.LD_LIBRARY_PATH = options.binary.libraryDir;
    for (let attempt = 1;; attempt++) {
      const port = pickPort();
      await Deno.remove(logFile).catch(() => {}); // Only this attempt's lines count.
      const ini = join(baseDir, "pgbouncer.ini");
      await Deno.writeTextFile(ini, buildIni(options, baseDir, port), { mode: 0o644 });
      const [command, args] = await wrapCommand(user, options.binary.path, [ini]);
      exited = false;
      child = new Deno.Command(command, {
        args,
        cwd: baseDir,
        env,
        // It logs everything to the log file too. A pipe would keep this process alive, and
        // PgBouncer would die of SIGPIPE once nobody reads it.
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const current = child;
      current.status.then(() => {
        if (child === current) exited = true;
      });
      const state = await waitUntilReady(child, () => exited, port, logFile, options);
      if (state === "ready") {
        // Like the daemonized PostgreSQL servers, a forgotten stop() does not keep the process
        // alive; the unload handler kills PgBouncer then.
        child.unref();
        log(`PgBouncer ${options.binary.version} listening on port ${port}`);
        return {
          host: "127.0.0.1",
          port,
          database: options.database ?? options.upstream.database,
          user: options.user.name,
          password: options.user.password,
          poolMode: "transaction",
          poolSize: options.poolSize ?? 3,
          version: options.binary.version,
          baseDir,
          logFile,
          stop,
          [Symbol.asyncDispose]: stop,
        };
      }
      await current.status;
      const text = await Deno.readTextFile(logFile).catch(() => "(no log)");
      if (!/Address already in use/.test(text) || attempt >= 8) {
        throw new Error(`PgBouncer exited while starting:\n${text}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
