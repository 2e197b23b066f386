/**
 * The password file (`~/.pgpass`, `PGPASSFILE`, `passfile`), read per host at connect time.
 *
 * @module
 */

import { type ConfigHost, DEFAULT_SOCKET_DIR, DEFAULT_TCP_HOST } from "./host.ts";
import type { HostEntry, ResolvedConfig } from "./types.ts";

/** What a password file line is matched against. */
export interface PgpassTarget {
  /** The host name, `localhost` for the default socket directory. */
  readonly host: string;
  /** The port, as text. */
  readonly port: string;
  /** The database name. */
  readonly database: string;
  /** The user name. */
  readonly user: string;
}

/**
 * Matches one field of a password file line at `pos`: `*` alone matches anything, otherwise the
 * text must equal `value` with `\` escaping the next character. Returns the offset just past the
 * field's closing `:`, or -1.
 */
function matchField(line: string, pos: number, value: string): number {
  if (line[pos] === "*" && line[pos + 1] === ":") return pos + 2;
  let i = pos;
  let j = 0;
  while (i < line.length && line[i] !== ":") {
    if (line[i] === "\\" && i + 1 < line.length) i++;
    if (j >= value.length || line[i] !== value[j]) return -1;
    i++;
    j++;
  }
  return line[i] === ":" && j === value.length ? i + 1 : -1;
}

/**
 * Finds the password for a connection in the text of a password file, as libpq does: lines are
 * `hostname:port:database:username:password`, `#` lines are comments, the first matching line
 * wins, and the password ends at the first unescaped `:`.
 *
 * @param text The file's contents.
 * @param target The host (already mapped to `localhost` for the default socket), port, database
 *   and user to match.
 * @returns The password, or `undefined` when no line matches or the password is empty.
 *
 * @example
 * ```ts
 * import { findPgpassPassword } from "./pgpass.ts";
 * const text = "db:*:*:alice:s3cret\n*:*:*:*:fallback\n";
 * const target = { host: "db", port: "5432", database: "app", user: "alice" };
 * console.assert(findPgpassPassword(text, target) === "s3cret");
 * ```
 */
export function findPgpassPassword(text: string, target: PgpassTarget): string | undefined {
  for (const rawLine of text.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line === "" || line.startsWith("#")) continue;
    let pos = 0;
    for (const value of [target.host, target.port, target.database, target.user]) {
      pos = matchField(line, pos, value);
      if (pos < 0) break;
    }
    if (pos < 0) continue;
    let password = "";
    for (let i = pos; i < line.length && line[i] !== ":"; i++) {
      if (line[i] === "\\" && i + 1 < line.length) i++;
      password += line[i];
    }
    return password === "" ? undefined : password;
  }
  return undefined;
}

/** Options of {@linkcode lookupPassword}. */
export interface LookupPasswordOptions {
  /**
   * Receives the warnings libpq would print (an ignored password file). The library prints nothing.
   *
   * @default {undefined}
   */
  warn?: (message: string) => void;
}

const FILE_TYPE_MASK = 0o170000;
const REGULAR_FILE = 0o100000;

/**
 * The password for one host: the explicit password (calling it when it is a function), else the
 * password file's first matching line. As in libpq, the host matched is the host name (the address
 * when no name was given), and `localhost` also stands for the default Unix socket directory. On
 * POSIX, a password file that is not a regular file, or that the group or others can access
 * (`mode & 0o077`), is ignored with a warning.
 *
 * @param config The resolved configuration.
 * @param entry The host about to be tried.
 * @param host The runtime services that read the file.
 * @param options A `warn` callback.
 * @returns The password, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { lookupPassword } from "./pgpass.ts";
 * import { resolveConfig } from "./resolve.ts";
 * const host = staticConfigHost({ HOME: "/h", USER: "u" }, { "/h/.pgpass": "db:*:*:u:pw\n" });
 * const config = await resolveConfig("host=db", undefined, host);
 * console.assert((await lookupPassword(config, config.hosts[0]!, host)) === "pw");
 * ```
 */
export async function lookupPassword(
  config: ResolvedConfig,
  entry: HostEntry,
  host: ConfigHost,
  options: LookupPasswordOptions = {},
): Promise<string | undefined> {
  const { password, passfile } = config;
  if (typeof password === "function") return await password();
  if (password !== undefined) return password;
  if (passfile === undefined) return undefined;

  const mode = await host.fileMode(passfile);
  if (mode !== undefined) {
    if ((mode & FILE_TYPE_MASK) !== 0 && (mode & FILE_TYPE_MASK) !== REGULAR_FILE) {
      options.warn?.(`Password file "${passfile}" is not a plain file`);
      return undefined;
    }
    if ((mode & 0o077) !== 0) {
      options.warn?.(
        `Password file "${passfile}" has group or world access; permissions should be u=rw (0600) or less`,
      );
      return undefined;
    }
  }
  const text = await host.readTextFile(passfile);
  if (text === undefined) return undefined;

  const socketDir = host.defaultSocketDir ?? DEFAULT_SOCKET_DIR;
  let name = entry.host;
  if (name === "" || (entry.type === "unix" && name === socketDir)) name = DEFAULT_TCP_HOST;
  return findPgpassPassword(text, {
    host: name,
    port: String(entry.port),
    database: config.database,
    user: config.user,
  });
}
