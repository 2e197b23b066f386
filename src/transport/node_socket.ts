/**
 * Sockets on `node:net` and `node:tls`, which Deno, Bun and Node all provide: the Node transport
 * (`compat/node.ts`) uses them for every connection, the Deno transport for connections that may
 * be upgraded to TLS.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import { ChunkQueue } from "./async_queue.ts";
import { connectAbortReason, describeTarget, directTlsTarget, errorMessage } from "./labels.ts";
import type {
  ServerTlsOptions,
  Socket,
  SocketOptions,
  TlsInfo,
  TlsOptions,
  TransportTarget,
} from "./transport.ts";

/** Queued bytes above which a `node:net` socket is paused until the reader catches up. */
const HIGH_WATER_MARK = 1024 * 1024;
/** Queued bytes at or below which a paused socket is resumed. */
const LOW_WATER_MARK = 256 * 1024;

export function connectNode(target: TransportTarget, options: SocketOptions): Promise<NodeSocket> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(connectAbortReason(signal));
  const label = describeTarget(target);
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
      reject(connectAbortReason(signal!));
    };
    raw.once("connect", onConnect);
    raw.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function connectNodeTls(
  target: TransportTarget,
  options: SocketOptions,
  tlsOptions: TlsOptions,
): Promise<{ socket: Socket; info: TlsInfo }> {
  directTlsTarget(target);
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

export class NodeSocket implements Socket {
  #raw: net.Socket;
  #stream: Stream;
  #label: string;
  #queue: ChunkQueue;
  #closed = false;
  #paused = false;
  #upgraded = false;
  #detach: () => void = ignore;
  /** Writes waiting for the stream to drain. */
  #blocked: ((error?: Error) => void)[] = [];
  /** The stream whose `drain` and `close` are being watched for {@linkcode NodeSocket.#blocked}. */
  #watching: Stream | undefined;

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
        if (error === undefined) resolve();
        else {reject(
            new Error(`Cannot write to ${this.#label}: ${error.message}`, { cause: error }),
          );}
      };
      // The stream keeps a reference to what it was given until it is sent; copy so that the
      // caller may reuse its buffer as soon as this promise resolves.
      const accepted = stream.write(bytes.slice(), (error?: Error | null) => {
        if (error) settle(error);
      });
      if (accepted) {
        settle();
      } else {
        this.#blocked.push(settle);
        this.#watch(stream);
      }
    });
  }

  /**
   * Settles the writes waiting for room on `stream` at its next `drain` (or fails them at
   * `close`), with one pair of listeners however many writes wait.
   */
  #watch(stream: Stream): void {
    if (this.#watching === stream) return;
    this.#watching = stream;
    const release = (error?: Error): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      if (this.#watching === stream) this.#watching = undefined;
      const blocked = this.#blocked;
      this.#blocked = [];
      for (const settle of blocked) settle(error);
    };
    const onDrain = (): void => release();
    const onClose = (): void => release(new Error("the connection was closed"));
    stream.on("drain", onDrain);
    stream.on("close", onClose);
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
    this.#checkUpgrade();
    // Synchronously hand the raw socket to node:tls, so no ciphertext reaches the plain listeners.
    this.#detach();
    const secure = tls.connect({ socket: this.#raw, ...nodeTlsOptions(options) });
    return await this.#secure(secure, "secureConnect", signal);
  }

  /**
   * The server side of a TLS upgrade: runs the handshake as the TLS server over the current
   * socket (after answering 'S' to an SSLRequest, or at once for direct TLS) and switches reads
   * and writes to it.
   *
   * @param options The server's certificate and key, and what it asks of clients.
   * @param replay Bytes already read that belong to the handshake (the start of a direct TLS
   * ClientHello); they are handed back to the socket first. Every byte received must have been
   * read by then (none may be {@linkcode NodeSocket.buffered}), or it would be lost.
   * @returns What the handshake negotiated, with the client's certificate if one was sent.
   */
  async acceptTls(options: ServerTlsOptions, replay?: Uint8Array): Promise<TlsInfo> {
    this.#checkUpgrade();
    this.#detach();
    if (replay !== undefined && replay.length > 0) {
      this.#raw.pause();
      this.#raw.unshift(replay);
    }
    const serverOptions: tls.TLSSocketOptions = {
      isServer: true,
      cert: options.cert,
      key: options.key,
    };
    if (options.keyPassword !== undefined) serverOptions.passphrase = options.keyPassword;
    if (options.caCerts !== undefined) serverOptions.ca = options.caCerts;
    if (options.requestCert) {
      serverOptions.requestCert = true;
      serverOptions.rejectUnauthorized = options.rejectUnauthorized ?? true;
    }
    if (options.alpnProtocols !== undefined) serverOptions.ALPNProtocols = options.alpnProtocols;
    if (options.minVersion !== undefined || options.maxVersion !== undefined) {
      serverOptions.secureContext = tls.createSecureContext({
        cert: options.cert,
        key: options.key,
        ...(options.keyPassword !== undefined ? { passphrase: options.keyPassword } : {}),
        ...(options.caCerts !== undefined ? { ca: options.caCerts } : {}),
        ...(options.minVersion !== undefined ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion !== undefined ? { maxVersion: options.maxVersion } : {}),
      });
    }
    const secure = new tls.TLSSocket(this.#raw, serverOptions);
    return await this.#secure(secure, "secure", undefined);
  }

  #checkUpgrade(): void {
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
  }

  /** Waits for the handshake on `secure`, then reads and writes through it. */
  async #secure(
    secure: tls.TLSSocket,
    event: "secure" | "secureConnect",
    signal: AbortSignal | undefined,
  ): Promise<TlsInfo> {
    this.#stream = secure;
    secure.on("error", (error: Error) => this.#fail(error));
    try {
      await handshake(secure, event, signal);
    } catch (error) {
      this.close();
      if (signal?.aborted) throw connectAbortReason(signal);
      throw new Error(`TLS handshake with ${this.#label} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    this.#attach(secure);
    return tlsInfo(secure, event === "secure");
  }

  /** Bytes received and not yet read (a server checks none follow an SSLRequest). */
  get buffered(): number {
    return this.#queue.queuedBytes;
  }

  /** Address and port of the other end, when known (TCP). */
  get remote(): { address: string; port: number } | undefined {
    const { remoteAddress, remotePort } = this.#raw;
    return remoteAddress === undefined || remotePort === undefined
      ? undefined
      : { address: remoteAddress, port: remotePort };
  }

  /** Half-closes: sends what is queued, then FIN, and closes once the peer is done. */
  end(): void {
    if (this.#closed) return;
    this.#stream.end();
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

function handshake(
  secure: tls.TLSSocket,
  event: "secure" | "secureConnect",
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(connectAbortReason(signal));
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      secure.off(event, onSecure);
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
      reject(connectAbortReason(signal!));
    };
    secure.once(event, onSecure);
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

function tlsInfo(secure: tls.TLSSocket, server: boolean): TlsInfo {
  const info: TlsInfo = {};
  const raw: Uint8Array | undefined = secure.getPeerCertificate(true)?.raw;
  if (raw !== undefined && raw.length > 0) info.peerCertificate = new Uint8Array(raw);
  const alpn: unknown = secure.alpnProtocol;
  if (typeof alpn === "string" && alpn !== "") info.alpnProtocol = alpn;
  const protocol = secure.getProtocol();
  if (typeof protocol === "string") info.protocol = protocol;
  if (server) {
    const local: Uint8Array | undefined = (secure.getCertificate() as { raw?: Uint8Array } | null)
      ?.raw;
    if (local !== undefined && local.length > 0) info.localCertificate = new Uint8Array(local);
  }
  return info;
}
