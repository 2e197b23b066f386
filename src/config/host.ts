/**
 * The runtime services configuration needs (environment, files, user identity), behind an
 * interface so the resolver itself touches no runtime API.
 *
 * @module
 */

/**
 * The directory libpq looks in for a Unix-domain socket when no host is given. pgline uses the
 * upstream PostgreSQL default, `/tmp`; Debian and Ubuntu builds of libpq use `/var/run/postgresql`
 * instead, which a {@linkcode ConfigHost} can select through `defaultSocketDir`.
 *
 * @example
 * ```ts
 * import { DEFAULT_SOCKET_DIR } from "./host.ts";
 * console.assert(DEFAULT_SOCKET_DIR === "/tmp");
 * ```
 */
export const DEFAULT_SOCKET_DIR = "/tmp";

/**
 * The host name used when no host is given and Unix-domain sockets are unavailable, as libpq does
 * on platforms without them.
 *
 * @example
 * ```ts
 * import { DEFAULT_TCP_HOST } from "./host.ts";
 * console.assert(DEFAULT_TCP_HOST === "localhost");
 * ```
 */
export const DEFAULT_TCP_HOST = "localhost";

/**
 * The port libpq uses when none is given.
 *
 * @example
 * ```ts
 * import { DEFAULT_PORT } from "./host.ts";
 * console.assert(DEFAULT_PORT === 5432);
 * ```
 */
export const DEFAULT_PORT = 5432;

/**
 * The directory searched for the system-wide `pg_service.conf` when `PGSYSCONFDIR` is unset:
 * upstream libpq's compiled-in `sysconfdir` for the default installation prefix.
 *
 * @example
 * ```ts
 * import { DEFAULT_SYSCONF_DIR } from "./host.ts";
 * console.assert(DEFAULT_SYSCONF_DIR.endsWith("/etc"));
 * ```
 */
export const DEFAULT_SYSCONF_DIR = "/usr/local/pgsql/etc";

/**
 * What the configuration layer needs from the runtime. `src/transport/deno.ts` (or a compat entry)
 * provides the real one; {@linkcode staticConfigHost} provides a fixed one for tests and edge
 * runtimes.
 *
 * @example A host with no environment and no files
 * ```ts
 * import { staticConfigHost } from "@pgline/pgline";
 * const host = staticConfigHost({ USER: "alice" });
 * console.assert(host.userName() === "alice");
 * ```
 */
export interface ConfigHost {
  /** Reads an environment variable; `undefined` when unset. */
  env(name: string): string | undefined;
  /** Reads a whole text file; `undefined` when it does not exist or cannot be read. */
  readTextFile(path: string): Promise<string | undefined>;
  /**
   * The file's `st_mode` (type and permission bits); `undefined` when unknown (Windows) or when
   * the file does not exist.
   */
  fileMode(path: string): Promise<number | undefined>;
  /** The user's home directory, for `~/.pgpass` and `~/.pg_service.conf`. */
  homeDir(): string | undefined;
  /** The operating-system user name, the default `user`. */
  userName(): string | undefined;
  /** Whether the transport can reach Unix-domain sockets; without them the default host is `localhost`. */
  unixSockets: boolean;
  /**
   * Overrides {@linkcode DEFAULT_SOCKET_DIR}.
   *
   * @default {"/tmp"}
   */
  defaultSocketDir?: string;
  /**
   * Overrides {@linkcode DEFAULT_SYSCONF_DIR} (the `PGSYSCONFDIR` environment variable wins over both).
   *
   * @default {"/usr/local/pgsql/etc"}
   */
  sysConfDir?: string;
}

/**
 * A file given to {@linkcode staticConfigHost}: its text, or its text and mode.
 *
 * @example A password file with the permissions libpq requires
 * ```ts
 * import { staticConfigHost, type StaticFile } from "@pgline/pgline";
 * const pgpass: StaticFile = { text: "db.internal:5432:app:app:secret\n", mode: 0o600 };
 * const host = staticConfigHost({ HOME: "/home/app" }, { "/home/app/.pgpass": pgpass });
 * console.assert(
 *   (await host.readTextFile("/home/app/.pgpass"))?.startsWith("db.internal") === true,
 * );
 * ```
 */
export type StaticFile = string | { readonly text: string; readonly mode?: number };

/**
 * Settings of {@linkcode staticConfigHost} beyond the environment and files.
 *
 * @example A fixed user and a Debian-style socket directory
 * ```ts
 * import { staticConfigHost, type StaticConfigHostOptions } from "@pgline/pgline";
 * const options: StaticConfigHostOptions = {
 *   userName: "app",
 *   unixSockets: true,
 *   defaultSocketDir: "/var/run/postgresql",
 * };
 * const host = staticConfigHost({}, {}, options);
 * console.assert(host.userName() === "app" && host.defaultSocketDir === "/var/run/postgresql");
 * ```
 */
export interface StaticConfigHostOptions {
  /**
   * The home directory.
   *
   * @default {env.HOME}
   */
  homeDir?: string;
  /**
   * The operating-system user name.
   *
   * @default {env.USER ?? env.LOGNAME ?? env.USERNAME}
   */
  userName?: string;
  /**
   * Whether Unix-domain sockets are reachable.
   *
   * @default {false}
   */
  unixSockets?: boolean;
  /**
   * Overrides {@linkcode DEFAULT_SOCKET_DIR}.
   *
   * @default {"/tmp"}
   */
  defaultSocketDir?: string;
  /**
   * Overrides {@linkcode DEFAULT_SYSCONF_DIR}.
   *
   * @default {"/usr/local/pgsql/etc"}
   */
  sysConfDir?: string;
}

const REGULAR_FILE = 0o100000;

/**
 * Builds a {@linkcode ConfigHost} from fixed data: an environment record and a map of file paths
 * to contents. Files given as plain strings have mode `0o600`; give `{ text, mode }` to test the
 * password file permission rule. Useful in tests and in edge runtimes with no file system.
 *
 * @param env The environment variables.
 * @param files File contents by absolute path.
 * @param options Home directory, user name and socket support.
 * @returns A host that reads only from the given data.
 *
 * @example A host with a password file
 * ```ts
 * import { staticConfigHost } from "@pgline/pgline";
 * const host = staticConfigHost({ HOME: "/home/a" }, {
 *   "/home/a/.pgpass": { text: "*:*:*:*:secret\n", mode: 0o600 },
 * });
 * console.assert((await host.fileMode("/home/a/.pgpass")) === 0o100600);
 * ```
 */
export function staticConfigHost(
  env: Readonly<Record<string, string | undefined>>,
  files: Readonly<Record<string, StaticFile>> = {},
  options: StaticConfigHostOptions = {},
): ConfigHost {
  const lookup = (path: string): StaticFile | undefined =>
    Object.hasOwn(files, path) ? files[path] : undefined;
  const home = options.homeDir ?? env.HOME;
  const user = options.userName ?? env.USER ?? env.LOGNAME ?? env.USERNAME;
  return {
    env: (name) => (Object.hasOwn(env, name) ? env[name] : undefined),
    readTextFile: (path) => {
      const file = lookup(path);
      return Promise.resolve(typeof file === "string" ? file : file?.text);
    },
    fileMode: (path) => {
      const file = lookup(path);
      if (file === undefined) return Promise.resolve(undefined);
      const mode = typeof file === "string" ? 0o600 : file.mode ?? 0o600;
      // A bare permission mode is taken to describe a regular file.
      return Promise.resolve(mode < 0o1000 ? REGULAR_FILE | mode : mode);
    },
    homeDir: () => home,
    userName: () => user,
    unixSockets: options.unixSockets ?? false,
    ...(options.defaultSocketDir === undefined
      ? {}
      : { defaultSocketDir: options.defaultSocketDir }),
    ...(options.sysConfDir === undefined ? {} : { sysConfDir: options.sysConfDir }),
  };
}
