/**
 * The Deno transport and configuration host: the only module of the core that touches `Deno.*`
 * and `node:*`.
 *
 * Plain connections that will never be upgraded use `Deno.connect`. Connections that may be
 * upgraded to TLS use Deno's `node:net` and `node:tls`, because `Deno.startTls` always verifies the
 * server certificate and does not expose it, while libpq's sslmodes need encryption without
 * verification (`require`), verification without a host name check (`verify-ca`) and the server
 * certificate for SCRAM-SHA-256-PLUS channel binding.
 *
 * @module
 */

import type { ConfigHost } from "../config/host.ts";
import { connectAbortReason, describeTarget, errorMessage } from "./labels.ts";
import { connectNode, connectNodeTls } from "./node_socket.ts";
import {
  ALL_CAPABILITIES,
  type Socket,
  type SocketOptions,
  type TlsInfo,
  type Transport,
  type TransportTarget,
} from "./transport.ts";

/** Size of the buffer given to each `Deno.Conn.read`. */
const READ_SIZE = 64 * 1024;
/** Reads this short are copied out so the 64 KiB read buffer can be reused. */
const COPY_LIMIT = 4 * 1024;

/**
 * Creates the Deno transport. Every capability is supported: Unix-domain sockets, the server
 * certificate for channel binding, client certificates, sslmodes below `verify-full`, and direct
 * TLS with ALPN.
 *
 * Needs `--allow-net` for TCP and `--allow-read`/`--allow-write` for Unix-domain sockets.
 *
 * @returns A transport; it holds no state, so one may serve any number of connections.
 *
 * @example Connecting to a server and closing the socket
 * ```ts
 * import { createDenoTransport } from "./deno.ts";
 * const transport = createDenoTransport();
 * const socket = await transport.connect(
 *   { kind: "tcp", host: "localhost", port: 5432 },
 *   { noDelay: true, mayUpgrade: false },
 * );
 * socket.close();
 * ```
 */
export function createDenoTransport(): Transport {
  return {
    capabilities: ALL_CAPABILITIES,
    connect: (target, options) =>
      options.mayUpgrade ? connectNode(target, options) : connectDeno(target, options),
    connectTls: connectNodeTls,
  };
}

/**
 * The shared Deno transport (it holds no state). See {@linkcode createDenoTransport}.
 *
 * @example Checking what the transport can do
 * ```ts
 * import { denoTransport } from "./deno.ts";
 * console.assert(denoTransport.capabilities.peerCertificate);
 * ```
 */
export const denoTransport: Transport = createDenoTransport();

/**
 * The configuration host for Deno: environment variables through `Deno.env` (unreadable ones are
 * treated as unset), files through `Deno.readTextFile` and `Deno.stat` (missing or unreadable
 * ones are `undefined`), the home directory from `HOME` and the user name from `USER` or
 * `LOGNAME`.
 *
 * @returns A host reading the live environment and file system.
 *
 * @example Reading the user name
 * ```ts
 * import { denoConfigHost } from "./deno.ts";
 * const host = denoConfigHost();
 * console.assert(host.unixSockets === (Deno.build.os !== "windows"));
 * ```
 */
export function denoConfigHost(): ConfigHost {
  const env = (name: string): string | undefined => {
    try {
      return Deno.env.get(name);
    } catch (error) {
      if (isAccessError(error)) return undefined;
      throw error;
    }
  };
  return {
    env,
    readTextFile: async (path) => {
      try {
        return await Deno.readTextFile(path);
      } catch (error) {
        if (isAccessError(error) || isMissingError(error)) return undefined;
        throw error;
      }
    },
    fileMode: async (path) => {
      try {
        return (await Deno.stat(path)).mode ?? undefined;
      } catch (error) {
        if (isAccessError(error) || isMissingError(error)) return undefined;
        throw error;
      }
    },
    homeDir: () => env("HOME"),
    userName: () => env("USER") ?? env("LOGNAME"),
    // Deno has no Unix-domain sockets on Windows; libpq then defaults to localhost too.
    unixSockets: Deno.build.os !== "windows",
  };
}

function isAccessError(error: unknown): boolean {
  return error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable;
}

function isMissingError(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.NotADirectory;
}

// ---------------------------------------------------------------------------------------------
// Deno.connect: plain connections that are never upgraded.

async function connectDeno(target: TransportTarget, options: SocketOptions): Promise<Socket> {
  const signal = options.signal;
  if (signal?.aborted) throw connectAbortReason(signal);
  const pending: Promise<Deno.Conn> = target.kind === "tcp"
    ? Deno.connect({ transport: "tcp", hostname: target.host, port: target.port })
    : Deno.connect({ transport: "unix", path: target.path });
  let conn: Deno.Conn;
  try {
    conn = await abortable(pending, signal, (late) => late.close());
  } catch (error) {
    if (signal?.aborted) throw connectAbortReason(signal);
    throw new Error(`Cannot connect to ${describeTarget(target)}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (target.kind === "tcp") {
    const tcp = conn as Deno.TcpConn;
    tcp.setNoDelay(options.noDelay);
    if (options.keepAlive !== undefined) tcp.setKeepAlive(options.keepAlive.enabled);
  }
  return new DenoConnSocket(conn, describeTarget(target));
}

/** Races a connect against a signal; a connection that arrives after the abort is disposed. */
function abortable<T>(
  pending: Promise<T>,
  signal: AbortSignal | undefined,
  dispose: (late: T) => void,
): Promise<T> {
  if (signal === undefined) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(connectAbortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then((value) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) dispose(value);
      else resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

class DenoConnSocket implements Socket {
  #conn: Deno.Conn;
  #label: string;
  #closed = false;
  #buffer: Uint8Array | undefined;
  /** Settles when the last queued write has finished. */
  #writing: Promise<void> | undefined;

  constructor(conn: Deno.Conn, label: string) {
    this.#conn = conn;
    this.#label = label;
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const buffer = this.#buffer ?? new Uint8Array(READ_SIZE);
    this.#buffer = undefined;
    let n: number | null;
    try {
      n = await this.#conn.read(buffer);
    } catch (error) {
      if (this.#closed) return null;
      throw new Error(`Cannot read from ${this.#label}: ${errorMessage(error)}`, { cause: error });
    }
    if (n === null) return null;
    if (n > COPY_LIMIT) return buffer.subarray(0, n);
    this.#buffer = buffer;
    return buffer.slice(0, n);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot write to ${this.#label}: the connection is closed`));
    }
    // `Deno.Conn.write` may take part of the bytes; writes issued without waiting are queued so
    // that one's remainder never interleaves with the next.
    const written = this.#writing === undefined
      ? this.#writeAll(bytes)
      : this.#writing.then(() => this.#writeAll(bytes));
    const settled = written.then(ignore, ignore);
    this.#writing = settled;
    void settled.then(() => {
      if (this.#writing === settled) this.#writing = undefined;
    });
    return written;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`Cannot write to ${this.#label}: the connection is closed`);
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += await this.#conn.write(bytes.subarray(offset));
      }
    } catch (error) {
      throw new Error(`Cannot write to ${this.#label}: ${errorMessage(error)}`, { cause: error });
    }
  }

  startTls(): Promise<TlsInfo> {
    return Promise.reject(
      new Error("Cannot upgrade to TLS: the connection was opened with mayUpgrade false"),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }
}

function ignore(): void {}
