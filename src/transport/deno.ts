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

import net from "node:net";
import tls from "node:tls";
import type { ConfigHost } from "../config/host.ts";
import { ChunkQueue } from "./async_queue.ts";
import type {
  Socket,
  SocketOptions,
  TlsInfo,
  TlsOptions,
  Transport,
  TransportTarget,
} from "./transport.ts";

/** Size of the buffer given to each `Deno.Conn.read`. */
const READ_SIZE = 64 * 1024;
/** Reads this short are copied out so the 64 KiB read buffer can be reused. */
const COPY_LIMIT = 4 * 1024;
/** Queued bytes above which a `node:net` socket is paused until the reader catches up. */
const HIGH_WATER_MARK = 1024 * 1024;
/** Queued bytes at or below which a paused socket is resumed. */
const LOW_WATER_MARK = 256 * 1024;

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
 * ```ts ignore
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
    capabilities: {
      unixSockets: true,
      peerCertificate: true,
      clientCertificates: true,
      verificationControl: true,
      directTls: true,
    },
    connect: (target, options) =>
      options.mayUpgrade ? connectNode(target, options) : connectDeno(target, options),
    connectTls,
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

function describe(target: TransportTarget): string {
  return target.kind === "tcp" ? `${target.host}:${target.port}` : target.path;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The connect was aborted", "AbortError");
}

// ---------------------------------------------------------------------------------------------
// Deno.connect: plain connections that are never upgraded.

async function connectDeno(target: TransportTarget, options: SocketOptions): Promise<Socket> {
  const signal = options.signal;
  if (signal?.aborted) throw abortReason(signal);
  const pending: Promise<Deno.Conn> = target.kind === "tcp"
    ? Deno.connect({ transport: "tcp", hostname: target.host, port: target.port })
    : Deno.connect({ transport: "unix", path: target.path });
  let conn: Deno.Conn;
  try {
    conn = await abortable(pending, signal, (late) => late.close());
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw new Error(`Cannot connect to ${describe(target)}: ${message(error)}`, { cause: error });
  }
  if (target.kind === "tcp") {
    const tcp = conn as Deno.TcpConn;
    tcp.setNoDelay(options.noDelay);
    if (options.keepAlive !== undefined) tcp.setKeepAlive(options.keepAlive.enabled);
  }
  return new DenoConnSocket(conn, describe(target));
}

/** Races a connect against a signal; a connection that arrives after the abort is disposed. */
function abortable<T>(
  pending: Promise<T>,
  signal: AbortSignal | undefined,
  dispose: (late: T) => void,
): Promise<T> {
  if (signal === undefined) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
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
      throw new Error(`Cannot read from ${this.#label}: ${message(error)}`, { cause: error });
    }
    if (n === null) return null;
    if (n > COPY_LIMIT) return buffer.subarray(0, n);
    this.#buffer = buffer;
    return buffer.slice(0, n);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`Cannot write to ${this.#label}: the connection is closed`);
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += await this.#conn.write(bytes.subarray(offset));
      }
    } catch (error) {
      throw new Error(`Cannot write to ${this.#label}: ${message(error)}`, { cause: error });
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

// ---------------------------------------------------------------------------------------------
// node:net and node:tls: connections that may be upgraded, and direct TLS.

function connectNode(target: TransportTarget, options: SocketOptions): Promise<NodeSocket> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const label = describe(target);
  const raw = target.kind === "tcp"
    ? net.connect({ host: target.host, port: target.port })
    : net.connect({ path: target.path });
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      raw.off("connect", onConnect);
      raw.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const onConnect = (): void => {
      cleanup();
      if (target.kind === "tcp") {
        raw.setNoDelay(options.noDelay);
        const keepAlive = options.keepAlive;
        if (keepAlive !== undefined) {
          raw.setKeepAlive(keepAlive.enabled, (keepAlive.idleSeconds ?? 0) * 1000);
        }
      }
      resolve(new NodeSocket(raw, label));
    };
    const onError = (error: Error): void => {
      cleanup();
      raw.destroy();
      reject(new Error(`Cannot connect to ${label}: ${error.message}`, { cause: error }));
    };
    const onAbort = (): void => {
      cleanup();
      raw.on("error", ignore);
      raw.destroy();
      reject(abortReason(signal!));
    };
    raw.once("connect", onConnect);
    raw.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function connectTls(
  target: TransportTarget,
  options: SocketOptions,
  tlsOptions: TlsOptions,
): Promise<{ socket: Socket; info: TlsInfo }> {
  if (target.kind === "unix") {
    throw new Error(
      `Cannot open a direct TLS connection to ${target.path}: TLS is not used over Unix-domain sockets`,
    );
  }
  const socket = await connectNode(target, options);
  try {
    const info = await socket.upgrade(tlsOptions, options.signal);
    return { socket, info };
  } catch (error) {
    socket.close();
    throw error;
  }
}

function ignore(): void {}

type Stream = net.Socket | tls.TLSSocket;

class NodeSocket implements Socket {
  #raw: net.Socket;
  #stream: Stream;
  #label: string;
  #queue: ChunkQueue;
  #closed = false;
  #paused = false;
  #upgraded = false;
  #detach: () => void = ignore;

  constructor(raw: net.Socket, label: string) {
    this.#raw = raw;
    this.#stream = raw;
    this.#label = label;
    this.#queue = new ChunkQueue({ lowWaterMark: LOW_WATER_MARK, onDrain: () => this.#resume() });
    // An 'error' event without a listener would be thrown; the raw socket keeps one for its life.
    raw.on("error", (error: Error) => this.#fail(error));
    this.#attach(raw);
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  write(bytes: Uint8Array): Promise<void> {
    const stream = this.#stream;
    if (this.#closed || stream.destroyed) {
      return Promise.reject(new Error(`Cannot write to ${this.#label}: the connection is closed`));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        stream.off("drain", onDrain);
        stream.off("close", onClose);
        if (error === undefined) resolve();
        else {reject(
            new Error(`Cannot write to ${this.#label}: ${error.message}`, { cause: error }),
          );}
      };
      const onDrain = (): void => settle();
      const onClose = (): void => settle(new Error("the connection was closed"));
      // The stream keeps a reference to what it was given until it is sent; copy so that the
      // caller may reuse its buffer as soon as this promise resolves.
      const accepted = stream.write(bytes.slice(), (error?: Error | null) => {
        if (error) settle(error);
      });
      if (accepted) {
        settle();
      } else {
        stream.on("drain", onDrain);
        stream.on("close", onClose);
      }
    });
  }

  startTls(options: TlsOptions): Promise<TlsInfo> {
    return this.upgrade(options, undefined);
  }

  /**
   * Runs the TLS handshake over the current socket and switches reads and writes to it.
   *
   * @param options TLS settings.
   * @param signal Aborts the handshake (direct TLS connects).
   * @returns What the handshake negotiated.
   */
  async upgrade(options: TlsOptions, signal: AbortSignal | undefined): Promise<TlsInfo> {
    if (this.#closed) {
      throw new Error(`Cannot upgrade ${this.#label} to TLS: the connection is closed`);
    }
    if (this.#upgraded) {
      throw new Error(`Cannot upgrade ${this.#label} to TLS: it already uses TLS`);
    }
    if (this.#queue.queuedBytes > 0 || this.#queue.done) {
      throw new Error(
        `Cannot upgrade ${this.#label} to TLS: unread bytes are buffered or the stream has ended`,
      );
    }
    this.#upgraded = true;
    // Synchronously hand the raw socket to node:tls, so no ciphertext reaches the plain listeners.
    this.#detach();
    const secure = tls.connect({ socket: this.#raw, ...nodeTlsOptions(options) });
    this.#stream = secure;
    secure.on("error", (error: Error) => this.#fail(error));
    try {
      await handshake(secure, signal);
    } catch (error) {
      this.close();
      if (signal?.aborted) throw abortReason(signal);
      throw new Error(`TLS handshake with ${this.#label} failed: ${message(error)}`, {
        cause: error,
      });
    }
    this.#attach(secure);
    return tlsInfo(secure);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.#detach();
    this.#stream.destroy();
    if (this.#stream !== this.#raw) this.#raw.destroy();
  }

  #attach(stream: Stream): void {
    const queue = this.#queue;
    const onData = (chunk: Uint8Array): void => {
      // node gives a fresh Buffer for every read, so a view of it is the caller's to keep.
      queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (!this.#paused && queue.queuedBytes > HIGH_WATER_MARK) {
        this.#paused = true;
        stream.pause();
      }
    };
    const onEnd = (): void => queue.end();
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    this.#detach = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      this.#detach = ignore;
    };
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#stream.resume();
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#queue.fail(
      new Error(`Connection to ${this.#label} failed: ${error.message}`, { cause: error }),
    );
  }
}

function handshake(secure: tls.TLSSocket, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      secure.off("secureConnect", onSecure);
      secure.off("error", onError);
      secure.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onSecure = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("the connection was closed during the handshake"));
    };
    const onAbort = (): void => {
      cleanup();
      reject(abortReason(signal!));
    };
    secure.once("secureConnect", onSecure);
    secure.once("error", onError);
    secure.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function nodeTlsOptions(options: TlsOptions): tls.ConnectionOptions {
  const hostname = options.hostname;
  const result: tls.ConnectionOptions = {
    rejectUnauthorized: options.verify !== "none",
    // node:tls checks the name against `servername`, which is unset for IP addresses and when SNI
    // is off; check against the configured host name instead, and not at all below verify-full.
    checkServerIdentity: options.verify === "full"
      ? (_host, cert) => tls.checkServerIdentity(hostname, cert)
      : () => undefined,
  };
  if (options.sni && net.isIP(hostname) === 0) result.servername = hostname;
  // "system" leaves `ca` unset: the runtime's default root store.
  if (Array.isArray(options.caCerts)) result.ca = options.caCerts;
  if (options.cert !== undefined) result.cert = options.cert;
  if (options.key !== undefined) result.key = options.key;
  if (options.keyPassword !== undefined) result.passphrase = options.keyPassword;
  if (options.alpnProtocols !== undefined) result.ALPNProtocols = options.alpnProtocols;
  if (options.minVersion !== undefined) result.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) result.maxVersion = options.maxVersion;
  return result;
}

function tlsInfo(secure: tls.TLSSocket): TlsInfo {
  const info: TlsInfo = {};
  const raw: Uint8Array | undefined = secure.getPeerCertificate(true)?.raw;
  if (raw !== undefined && raw.length > 0) info.peerCertificate = new Uint8Array(raw);
  const alpn: unknown = secure.alpnProtocol;
  if (typeof alpn === "string" && alpn !== "") info.alpnProtocol = alpn;
  const protocol = secure.getProtocol();
  if (typeof protocol === "string") info.protocol = protocol;
  return info;
}
