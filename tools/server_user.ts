/**
 * Runs PostgreSQL's programs as an unprivileged user, because `initdb` and `postgres` refuse to
 * run as root.
 *
 * @module
 */

import { dirname } from "node:path";

/** The identity PostgreSQL's programs run as. */
export interface ServerUser {
  /** User name, for messages. */
  name: string;
  /** Numeric user id. */
  uid: number;
  /** Numeric primary group id. */
  gid: number;
  /** True when the current process is root and commands are wrapped in `setpriv`/`runuser`. */
  switched: boolean;
}

/** The result of {@linkcode runAs}. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Captured standard output. */
  stdout: string;
  /** Captured standard error. */
  stderr: string;
}

/** Options for {@linkcode runAs}. */
export interface RunAsOptions {
  /** Working directory; must be reachable by the user. */
  cwd?: string;
  /** Text written to standard input. */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kills the program (SIGTERM) when aborted. */
  signal?: AbortSignal;
}

async function idOf(flag: "-u" | "-g", name: string): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("id", { args: [flag, name], stderr: "null" }).output();
    if (!out.success) return undefined;
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function commandExists(name: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

let switcher: Promise<"setpriv" | "runuser"> | undefined;

async function findSwitcher(): Promise<"setpriv" | "runuser"> {
  if (await commandExists("setpriv")) return "setpriv";
  if (await commandExists("runuser")) return "runuser";
  throw new Error("Cannot run PostgreSQL as root: neither setpriv nor runuser is installed");
}

/**
 * Picks the identity PostgreSQL runs as: the current user, or `nobody` when running as root.
 *
 * @param name The unprivileged account to use when running as root.
 * @returns The identity.
 * @throws {Error} When running as root and the account or a privilege-dropping tool is missing.
 *
 * @example Pick the server user
 * ```ts ignore
 * const user = await resolveServerUser();
 * console.log(user.name, user.uid);
 * ```
 */
export async function resolveServerUser(name = "nobody"): Promise<ServerUser> {
  const uid = Deno.uid();
  const gid = Deno.gid();
  if (uid === null || gid === null) throw new Error("Cannot determine the current user id");
  if (uid !== 0) return { name: String(uid), uid, gid, switched: false };
  const [otherUid, otherGid] = await Promise.all([idOf("-u", name), idOf("-g", name)]);
  if (otherUid === undefined || otherGid === undefined) {
    throw new Error(`Cannot run PostgreSQL as root: user ${name} does not exist`);
  }
  switcher ??= findSwitcher();
  await switcher;
  return { name, uid: otherUid, gid: otherGid, switched: true };
}

/**
 * Builds the argv that runs `command` as `user`.
 *
 * @param user The identity.
 * @param command Program path.
 * @param args Its arguments.
 * @returns Program and arguments to hand to `Deno.Command`.
 *
 * @example Wrap a command
 * ```ts ignore
 * const [cmd, args] = await wrapCommand(user, "/bin/id", []);
 * ```
 */
export async function wrapCommand(
  user: ServerUser,
  command: string,
  args: readonly string[],
): Promise<[string, string[]]> {
  if (!user.switched) return [command, [...args]];
  switcher ??= findSwitcher();
  if (await switcher === "setpriv") {
    return [
      "setpriv",
      [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", command, ...args],
    ];
  }
  return ["runuser", ["-u", user.name, "--", command, ...args]];
}

/**
 * Runs a command as `user` and captures its output.
 *
 * @param user The identity.
 * @param command Program path.
 * @param args Its arguments.
 * @param options Working directory, input and environment.
 * @returns Exit code and output.
 * @throws {Error} When the program cannot be started.
 *
 * @example Run initdb
 * ```ts ignore
 * const result = await runAs(user, "/usr/lib/postgresql/15/bin/initdb", ["--version"]);
 * ```
 */
export async function runAs(
  user: ServerUser,
  command: string,
  args: readonly string[],
  options: RunAsOptions = {},
): Promise<RunResult> {
  options.signal?.throwIfAborted();
  const [cmd, argv] = await wrapCommand(user, command, args);
  const child = new Deno.Command(cmd, {
    args: argv,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    env: { LC_ALL: "C", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * Checks that `user` can reach `path`: when running as root, every directory from `/` down to
 * `path` must have the others-execute bit (`/root` is mode 0700, so nothing below it qualifies).
 *
 * @param user The identity.
 * @param path A directory the server must read or traverse.
 * @param what What the path is, for the message.
 * @returns Resolves when reachable.
 * @throws {Error} When a directory on the way is not traversable by others.
 *
 * @example Check the binaries
 * ```ts ignore
 * await assertReachable(user, "/work/main/.cache/pgline", "PostgreSQL binaries");
 * ```
 */
export async function assertReachable(user: ServerUser, path: string, what: string): Promise<void> {
  if (!user.switched) return;
  let current = path;
  for (;;) {
    const info = await Deno.stat(current);
    if (info.mode !== null && (info.mode & 0o001) === 0) {
      throw new Error(
        `Cannot run PostgreSQL as ${user.name}: ${what} at ${path} are unreachable because ` +
          `${current} is not traversable by others; choose a directory outside it`,
      );
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/**
 * Gives `path` to `user` when running as root; does nothing otherwise.
 *
 * @param user The identity.
 * @param path File or directory (not recursive).
 * @returns Resolves when done.
 *
 * @example Hand over a key file
 * ```ts ignore
 * await giveTo(user, "/tmp/pgline-x/data/server.key");
 * ```
 */
export async function giveTo(user: ServerUser, path: string): Promise<void> {
  if (user.switched) await Deno.chown(path, user.uid, user.gid);
}
