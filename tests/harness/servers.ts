/**
 * The description of the test servers that `tests/harness/run.ts` started, for test files.
 *
 * Uses only `node:fs` and `node:process`, so the same test files run on Deno, Bun and Node.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

/** Environment variable holding the path of the JSON description. */
export const TEST_SERVERS_ENV = "PGLINE_TEST_SERVERS";

/** Authentication method of a role, as spelled in `pg_hba.conf`. */
export type TestAuthMethod = "trust" | "password" | "md5" | "scram-sha-256" | "cert";

/** Names of the test roles, one per authentication method. */
export type TestUserName =
  | "trust_user"
  | "password_user"
  | "md5_user"
  | "scram_user"
  | "ssl_user"
  | "cert_user";

/** A login role. */
export interface TestServerUser {
  /** Role name. */
  name: string;
  /** Its password; `null` for `cert_user`. */
  password: string | null;
  /** `pg_hba.conf` method for TCP and the Unix socket. */
  auth: TestAuthMethod;
  /** Only `hostssl` accepts it; plain TCP and the Unix socket reject it. */
  sslOnly: boolean;
  /** A database it owns (named after it). */
  database: string;
}

/** Where a server listens. */
export interface TestEndpoint {
  /** `"127.0.0.1"`. */
  host: string;
  /** `"::1"` when the server also listens there, else `null`. */
  ipv6Host: string | null;
  /** TCP port (same on both addresses). */
  port: number;
  /** Directory of the Unix socket `.s.PGSQL.<port>`. */
  socketDir: string;
}

/** One running primary server. */
export interface TestServer extends TestEndpoint {
  /** Short name, e.g. `"pg18"`. */
  name: string;
  /** Server version, e.g. `"18.4"`. */
  version: string;
  /** Major version. */
  major: number;
  /** Database every role may use: `"pgline"`. */
  database: string;
  /** One role per authentication method. */
  users: Record<TestUserName, TestServerUser>;
  /** The superuser `postgres` (scram-sha-256). */
  superuser: TestServerUser;
  /** A hot standby streaming from this server, or `null`. */
  standby: TestEndpoint | null;
}

/** Paths of the TLS material shared by all servers. */
export interface TestTls {
  /** CA that signed the server and client certificates (use as `sslrootcert`). */
  caCert: string;
  /** The server certificate (SAN localhost, 127.0.0.1, ::1). */
  serverCert: string;
  /** Client certificate with CN=cert_user. */
  clientCert: string;
  /** Its key, mode 0600. */
  clientKey: string;
  /** A CA that signed nothing here, for negative `verify-ca` tests. */
  otherCaCert: string;
}

/**
 * PgBouncer in transaction pooling mode in front of the newest primary's `pgline` database.
 * Clients log in with SCRAM-SHA-256 as `user`; PgBouncer logs in upstream as the same role.
 */
export interface TestPgBouncer {
  /** `"127.0.0.1"`. */
  host: string;
  /** TCP port. */
  port: number;
  /** Database name to connect to (`"pgline"`, the same name upstream). */
  database: string;
  /** Login role: the upstream server's `scram_user`. */
  user: string;
  /** Its password. */
  password: string;
  /** Pooling mode: a server connection is held only for the duration of a transaction. */
  poolMode: "transaction";
  /** At most this many server connections serve all clients (`default_pool_size`). */
  poolSize: number;
  /** PgBouncer version, e.g. `"1.18.0"`. */
  version: string;
}

/** Everything `tests/harness/run.ts` started. */
export interface TestServers {
  /** Primaries, newest major first. */
  servers: TestServer[];
  /**
   * PgBouncer in front of `servers[0]`, or `null` when it could not be obtained (never under
   * `CI=true`, where that fails the run).
   */
  pgbouncer: TestPgBouncer | null;
  /** TLS material. */
  tls: TestTls;
}

/**
 * Reads the test servers' description named by `PGLINE_TEST_SERVERS`.
 *
 * @returns The description, or `undefined` when the variable is unset (unit tests run alone).
 * @throws {Error} When the variable is set but the file is unreadable or not valid JSON.
 *
 * @example Skip integration tests without servers
 * ```ts ignore
 * const servers = loadTestServers();
 * Deno.test({ name: "query", ignore: servers === undefined, fn: () => {} });
 * ```
 */
export function loadTestServers(): TestServers | undefined {
  let path: string | undefined;
  try {
    path = process.env[TEST_SERVERS_ENV];
  } catch {
    return undefined; // No permission to read the environment.
  }
  if (path === undefined || path === "") return undefined;
  const text = readFileSync(path, "utf8");
  return JSON.parse(text) as TestServers;
}
