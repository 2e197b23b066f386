/**
 * The Bun transport, on Bun's own sockets: `Bun.connect` for TCP and Unix-domain sockets,
 * `socket.upgradeTLS` for the TLS upgrade after SSLRequest, and `Bun.connect` with `tls` for
 * direct TLS.
 *
 * Bun's TLS options have no `checkServerIdentity`, `minVersion` or `maxVersion`. The server
 * certificate is therefore checked here, in the `handshake` callback, before the handshake promise
 * resolves: Bun always runs with `rejectUnauthorized: false` and reports the chain check in
 * `authorizationError`, which this module enforces for `verify: "ca"` and `"full"`; the host name
 * is checked with `node:tls`'s `checkServerIdentity` against the configured host name (not the SNI
 * name). Protocol versions are limited with the `SSL_OP_NO_TLS*` bits of `secureOptions`.
 *
 * @module
 */

import { constants as cryptoConstants } from "node:crypto";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { ChunkQueue } from "../src/transport/async_queue.ts";
import { connectAbortReason, describeTarget, directTlsTarget } from "../src/transport/labels.ts";
import {
  ALL_CAPABILITIES,
  type Socket,
  type SocketOptions,
  type TlsInfo,
  type TlsOptions,
  type Transport,
  type TransportTarget,
} from "../src/transport/transport.ts";

// ---------------------------------------------------------------------------------------------
// The part of Bun's socket API this module uses (declared here: the project has no dependencies).

/** Event handlers of a Bun socket; `binaryType: "uint8array"` gives a fresh Uint8Array per read. */
interface BunSocketHandler {
  binaryType: "uint8array";
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
  handshake?(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}

/** Bun's TLS options (the subset used). */
interface BunTlsOptions {
  rejectUnauthorized: boolean;
  /** The SNI name; the empty string sends none (by default Bun sends the connect host name). */
  serverName: string;
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  /** ALPN protocols in wire format (length-prefixed names). */
  ALPNProtocols?: Uint8Array;
  /** `SSL_OP_*` bits. */
  secureOptions?: number;
}

/** A Bun TCP, Unix-domain or TLS socket (the subset used). */
interface BunSocket {
  /** Writes what the kernel (or TLS layer) takes now: the count, or -1 once closed. */
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
  setKeepAlive(enable?: boolean, initialDelay?: number): boolean;
  upgradeTLS(options: { tls: BunTlsOptions; socket: BunSocketHandler }): [BunSocket, BunSocket];
  getPeerCertificate(): PeerCertificate | null;
  getCipher(): { name: string | null } | null;
  getTLSVersion(): string | null;
  readonly alpnProtocol: string | false | null;
}

type BunConnectOptions =
  & { socket: BunSocketHandler; tls?: BunTlsOptions }
  & ({ hostname: string; port: number } | { unix: string });

interface BunApi {
  connect(options: BunConnectOptions): Promise<BunSocket>;
}

function bunApi(): BunApi {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (bun === undefined || typeof bun.connect !== "function") {
    throw new Error("The Bun transport needs Bun: Bun.connect is not available in this runtime");
  }
  return bun;
}

// ---------------------------------------------------------------------------------------------
// The transport.

/** Queued bytes above which the socket is paused until the reader catches up. */
const HIGH_WATER_MARK = 1024 * 1024;
/** Queued bytes at or below which a paused socket is resumed. */
const LOW_WATER_MARK = 256 * 1024;

/**
 * Creates the transport on Bun's own sockets (`Bun.connect`, `socket.upgradeTLS`). Every
 * capability is supported: Unix-domain sockets, the server certificate for channel binding,
 * client certificates, sslmodes below `verify-full`, and direct TLS with ALPN.
 *
 * Only works on Bun; the functions throw elsewhere.
 *
 * @returns A transport; it holds no state, so one may serve any number of connections.
 *
 * @example Connecting with a transport of its own
 * ```ts
 * import { bunRuntime, connectWith, createBunTransport } from "@pgline/pgline/bun";
 * const runtime = { ...bunRuntime, transport: createBunTransport() };
 * await using db = await connectWith(runtime, "postgres://app@localhost/app?sslmode=require");
 * console.log(db.tls?.protocol);
 * ```
 */
export function createBunTransport(): Transport {
  return {
    capabilities: ALL_CAPABILITIES,
    connect: connectBun,
    connectTls: connectBunTls,
  };
}

/**
 * The shared Bun transport (it holds no state). See {@linkcode createBunTransport}.
 *
 * @example Checking what the transport can do
 * ```ts
 * import { bunTransport } from "@pgline/pgline/bun";
 * console.assert(bunTransport.capabilities.directTls);
 * ```
 */
export const bunTransport: Transport = createBunTransport();

/** An error's message, with Bun's `code` (e.g. `ECONNREFUSED`) when the message lacks it. */
function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === "string" && code !== "" && !error.message.includes(code)
    ? `${error.message} (${code})`
    : error.message;
}

function connectBun(target: TransportTarget, options: SocketOptions): Promise<Socket> {
  const socket = new BunStream(describeTarget(target), undefined);
  return socket.open(target, options, undefined).then(() => socket);
}

async function connectBunTls(
  target: TransportTarget,
  options: SocketOptions,
  tls: TlsOptions,
): Promise<{ socket: Socket; info: TlsInfo }> {
  directTlsTarget(target);
  const socket = new BunStream(describeTarget(target), tls);
  const bunTls = bunTlsOptions(tls);
  await socket.open(target, options, bunTls);
  const info = await socket.handshake(options.signal);
  return { socket, info };
}

/** A write not yet fully taken by the socket. */
interface PendingWrite {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A TLS handshake under way. */
interface PendingHandshake {
  options: TlsOptions;
  /** Resolved or rejected already. */
  readonly settled: boolean;
  promise: Promise<TlsInfo>;
  resolve: (info: TlsInfo) => void;
  reject: (error: Error) => void;
}

function ignore(): void {}

class BunStream implements Socket {
  #label: string;
  #queue: ChunkQueue;
  /** The socket reads and writes go to: the plain one, then the TLS one after an upgrade. */
  #socket: BunSocket | undefined;
  /** Every Bun socket of this connection, to close them all. */
  #sockets: BunSocket[] = [];
  #writes: PendingWrite[] = [];
  #handshake: PendingHandshake | undefined;
  #closed = false;
  #paused = false;
  /** TLS is in use or being negotiated. */
  #secure = false;
  /** The plain socket was upgraded: its handlers now see ciphertext and ignore it. */
  #upgraded = false;

  /**
   * @param label `host:port` or the socket path, for error messages.
   * @param tls Set for a direct TLS connection: the handshake to check.
   */
  constructor(label: string, tls: TlsOptions | undefined) {
    this.#label = label;
    this.#queue = new ChunkQueue({ lowWaterMark: LOW_WATER_MARK, onDrain: () => this.#resume() });
    if (tls !== undefined) {
      this.#secure = true;
      this.#handshake = pendingHandshake(tls);
    }
  }

  /** Connects; `tls` set for a direct TLS connection (the handshake then follows). */
  open(
    target: TransportTarget,
    options: SocketOptions,
    tls: BunTlsOptions | undefined,
  ): Promise<void> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(connectAbortReason(signal));
    const handlers = this.#handlers(tls !== undefined);
    let pending: Promise<BunSocket>;
    try {
      const where = target.kind === "tcp"
        ? { hostname: target.host, port: target.port }
        : { unix: target.path };
      pending = bunApi().connect({ ...where, socket: handlers, ...(tls ? { tls } : {}) });
    } catch (error) {
      return Promise.reject(this.#connectError(error));
    }
    return new Promise((resolve, reject) => {
      let done = false;
      const onAbort = (): void => {
        if (done) return;
        done = true;
        this.close();
        reject(connectAbortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.then((socket) => {
        signal?.removeEventListener("abort", onAbort);
        // Aborted while connecting: adopting the late connection closes it.
        this.#adopt(socket);
        if (done) return;
        done = true;
        if (target.kind === "tcp") {
          socket.setNoDelay(options.noDelay);
          const keepAlive = options.keepAlive;
          if (keepAlive !== undefined) {
            socket.setKeepAlive(keepAlive.enabled, (keepAlive.idleSeconds ?? 0) * 1000);
          }
        }
        resolve();
      }, (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        if (done) return;
        done = true;
        this.close();
        reject(this.#connectError(error));
      });
    });
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  write(bytes: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (this.#closed || socket === undefined) {
      return Promise.reject(this.#closedWriteError());
    }
    if (bytes.length === 0) return Promise.resolve();
    let rest = bytes;
    if (this.#writes.length === 0) {
      // Nothing waits for the socket: write now. Bun takes what fits and returns the count.
      const written = socket.write(bytes);
      if (written < 0) return Promise.reject(this.#closedWriteError());
      if (written === bytes.length) return Promise.resolve();
      rest = bytes.subarray(written);
    }
    // The rest goes out in order on 'drain'. Bun keeps no copy of what it did not take, and the
    // caller keeps its buffer until the promise resolves, so no copy is made here either.
    return new Promise((resolve, reject) => this.#writes.push({ bytes: rest, resolve, reject }));
  }

  startTls(options: TlsOptions): Promise<TlsInfo> {
    if (this.#closed) {
      return Promise.reject(
        new Error(`Cannot upgrade ${this.#label} to TLS: the connection is closed`),
      );
    }
    if (this.#secure) {
      return Promise.reject(
        new Error(`Cannot upgrade ${this.#label} to TLS: it already uses TLS`),
      );
    }
    if (this.#queue.queuedBytes > 0 || this.#queue.done || this.#writes.length > 0) {
      return Promise.reject(
        new Error(
          `Cannot upgrade ${this.#label} to TLS: unread bytes are buffered, writes are pending or the stream has ended`,
        ),
      );
    }
    const raw = this.#socket!;
    let tls: BunTlsOptions;
    try {
      tls = bunTlsOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#secure = true;
    this.#handshake = pendingHandshake(options);
    // From here on the plain socket's handlers ignore what they see: it is ciphertext.
    this.#upgraded = true;
    if (this.#paused) {
      this.#paused = false;
      raw.resume();
    }
    let secure: BunSocket;
    try {
      [, secure] = raw.upgradeTLS({ tls, socket: this.#handlers(true) });
    } catch (error) {
      this.#handshake = undefined;
      this.close();
      return Promise.reject(
        new Error(`TLS handshake with ${this.#label} failed: ${errorMessage(error)}`, {
          cause: error,
        }),
      );
    }
    this.#adopt(secure);
    return this.handshake(undefined);
  }

  /** Waits for the TLS handshake (and the certificate checks) to finish. */
  async handshake(signal: AbortSignal | undefined): Promise<TlsInfo> {
    const pending = this.#handshake!;
    let onAbort = ignore;
    const aborted = new Promise<never>((_, reject) => {
      if (signal === undefined) return;
      onAbort = () => reject(connectAbortReason(signal));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([pending.promise, aborted]);
    } catch (error) {
      this.close();
      if (signal?.aborted) throw connectAbortReason(signal);
      throw new Error(`TLS handshake with ${this.#label} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.#failWrites(this.#closedWriteError());
    this.#handshake?.reject(new Error("the connection was closed during the handshake"));
    // end() sends what Bun holds, a TLS close_notify and a FIN, and releases the descriptor.
    for (const socket of this.#sockets.toReversed()) socket.end();
  }

  #adopt(socket: BunSocket): void {
    if (!this.#sockets.includes(socket)) this.#sockets.push(socket);
    this.#socket = socket;
    if (this.#closed) socket.end();
  }

  /**
   * The handlers for the plain socket (`tls` false) or the TLS socket (`tls` true). Once the plain
   * socket is upgraded, its handlers see the ciphertext and ignore it.
   */
  #handlers(tls: boolean): BunSocketHandler {
    const live = (): boolean => tls || !this.#upgraded;
    const handlers: BunSocketHandler = {
      binaryType: "uint8array",
      open: (socket) => {
        if (live()) this.#socket = socket;
      },
      data: (socket, data) => {
        if (live()) this.#onData(socket, data);
      },
      drain: (socket) => {
        if (live()) this.#flushWrites(socket);
      },
      end: () => {
        if (!live()) return;
        this.#queue.end();
        this.#handshake?.reject(new Error("the server closed the connection"));
      },
      close: (_socket, error) => {
        if (!live()) return;
        if (error !== undefined) this.#fail(error);
        else this.#queue.end();
        this.#handshake?.reject(error ?? new Error("the connection was closed"));
        this.#failWrites(this.#closedWriteError(error));
      },
      error: (_socket, error) => {
        if (!live()) return;
        this.#fail(error);
        this.#handshake?.reject(error);
      },
      connectError: ignore, // The promise of Bun.connect rejects too.
    };
    if (tls) {
      handlers.handshake = (socket, _success, authorizationError) => {
        const pending = this.#handshake;
        if (pending === undefined || pending.settled) return;
        let info: TlsInfo;
        try {
          info = checkHandshake(socket, authorizationError, pending.options);
        } catch (error) {
          pending.reject(error instanceof Error ? error : new Error(String(error)));
          // Refuse the server before any application data (or, on TLS 1.3, the client
          // certificate) is sent. This runs the close handler at once, so reject first.
          socket.terminate();
          return;
        }
        pending.resolve(info);
      };
    }
    return handlers;
  }

  #onData(socket: BunSocket, data: Uint8Array): void {
    // Bun hands out a new buffer for every read, so the chunk is the caller's to keep.
    const queue = this.#queue;
    queue.push(data);
    if (!this.#paused && queue.queuedBytes > HIGH_WATER_MARK) {
      this.#paused = true;
      socket.pause();
    }
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  #flushWrites(socket: BunSocket): void {
    const writes = this.#writes;
    while (writes.length > 0) {
      const next = writes[0]!;
      const written = socket.write(next.bytes);
      if (written < 0) {
        this.#failWrites(this.#closedWriteError());
        return;
      }
      if (written < next.bytes.length) {
        next.bytes = next.bytes.subarray(written);
        return; // Wait for the next 'drain'.
      }
      writes.shift();
      next.resolve();
    }
  }

  #failWrites(error: Error): void {
    const writes = this.#writes;
    this.#writes = [];
    for (const write of writes) write.reject(error);
  }

  #closedWriteError(cause?: Error): Error {
    return new Error(
      `Cannot write to ${this.#label}: the connection is closed`,
      cause === undefined ? undefined : { cause },
    );
  }

  #connectError(error: unknown): Error {
    return new Error(`Cannot connect to ${this.#label}: ${errorMessage(error)}`, { cause: error });
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#queue.fail(
      new Error(`Connection to ${this.#label} failed: ${errorMessage(error)}`, { cause: error }),
    );
  }
}

function pendingHandshake(options: TlsOptions): PendingHandshake {
  let settled = false;
  let resolve!: (info: TlsInfo) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<TlsInfo>((res, rej) => {
    resolve = (info) => {
      if (settled) return;
      settled = true;
      res(info);
    };
    reject = (error) => {
      if (settled) return;
      settled = true;
      rej(error);
    };
  });
  // A handshake nobody waits for any more (the connection was closed) must not be reported.
  promise.catch(ignore);
  return {
    options,
    get settled() {
      return settled;
    },
    promise,
    resolve,
    reject,
  };
}

// ---------------------------------------------------------------------------------------------
// TLS options and checks.

const TLS_VERSIONS = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;

/** The `SSL_OP_NO_*` bit that disables each version, from `node:crypto` (OpenSSL's values). */
function disableBits(): readonly number[] {
  const c = cryptoConstants;
  return [c.SSL_OP_NO_TLSv1, c.SSL_OP_NO_TLSv1_1, c.SSL_OP_NO_TLSv1_2, c.SSL_OP_NO_TLSv1_3];
}

function bunTlsOptions(options: TlsOptions): BunTlsOptions {
  const hostname = options.hostname;
  const result: BunTlsOptions = {
    // Checked in the handshake callback (checkHandshake): Bun has no checkServerIdentity, and
    // with a server name its own check would test the host name even for verify-ca.
    rejectUnauthorized: false,
    serverName: options.sni && !isIpAddress(hostname) ? hostname : "",
  };
  // "system" leaves `ca` unset: Bun's default root store.
  if (Array.isArray(options.caCerts)) result.ca = options.caCerts;
  if (options.cert !== undefined) result.cert = options.cert;
  if (options.key !== undefined) result.key = options.key;
  if (options.keyPassword !== undefined) result.passphrase = options.keyPassword;
  if (options.alpnProtocols !== undefined) {
    result.ALPNProtocols = alpnWireFormat(options.alpnProtocols);
  }
  if (options.minVersion !== undefined || options.maxVersion !== undefined) {
    const min = TLS_VERSIONS.indexOf(options.minVersion ?? "TLSv1");
    const max = TLS_VERSIONS.indexOf(options.maxVersion ?? "TLSv1.3");
    const bits = disableBits();
    let mask = 0;
    for (let i = 0; i < TLS_VERSIONS.length; i++) {
      if (i >= min && i <= max) continue;
      const bit = bits[i];
      if (typeof bit !== "number") {
        throw new Error(
          `Cannot limit the TLS versions to ${TLS_VERSIONS[min]}..${
            TLS_VERSIONS[max]
          } on this runtime: node:crypto has no SSL_OP_NO_* constants`,
        );
      }
      mask |= bit;
    }
    if (mask !== 0) result.secureOptions = mask;
  }
  return result;
}

/** ALPN protocol names in the TLS wire format: each name preceded by its length. */
function alpnWireFormat(protocols: string[]): Uint8Array {
  const names = protocols.map((p) => new TextEncoder().encode(p));
  const out = new Uint8Array(names.reduce((n, name) => n + 1 + name.length, 0));
  let offset = 0;
  for (const name of names) {
    if (name.length === 0 || name.length > 255) {
      throw new Error(`Invalid ALPN protocol name: ${JSON.stringify(protocols)}`);
    }
    out[offset++] = name.length;
    out.set(name, offset);
    offset += name.length;
  }
  return out;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Whether `host` is a numeric address (no SNI is sent for those). Host names never hold ':'. */
function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.includes(":");
}

/**
 * Decides whether a finished handshake is acceptable, after libpq's sslmode.
 *
 * @returns What the handshake negotiated.
 * @throws {Error} if the handshake failed or a certificate check fails.
 */
function checkHandshake(
  socket: BunSocket,
  authorizationError: Error | null,
  options: TlsOptions,
): TlsInfo {
  const code: unknown = (authorizationError as { code?: unknown } | null)?.code;
  // Bun calls the handshake handler for a failed handshake too, with an errno-style code such as
  // EPROTO; certificate verification codes look like UNABLE_TO_VERIFY_LEAF_SIGNATURE.
  const cipher = socket.getCipher()?.name;
  const certificate = socket.getPeerCertificate();
  if (
    typeof cipher !== "string" || cipher === "" ||
    (typeof code === "string" && /^E[A-Z0-9]+$/.test(code))
  ) {
    throw authorizationError ?? new Error("the handshake did not complete");
  }
  const raw = certificate?.raw;
  if (certificate === null || raw === undefined || raw.length === 0) {
    throw new Error("the server sent no certificate");
  }
  if (options.verify !== "none") {
    // Bun checks the chain against `ca` and, when a server name is set, that name; the name is
    // checked below against the configured host name instead, and only for verify-full.
    if (authorizationError !== null && code !== "ERR_TLS_CERT_ALTNAME_INVALID") {
      throw new Error(`certificate verify failed: ${errorMessage(authorizationError)}`, {
        cause: authorizationError,
      });
    }
    if (options.verify === "full") {
      const mismatch = checkServerIdentity(options.hostname, certificate);
      if (mismatch !== undefined) throw mismatch;
    }
  }
  const info: TlsInfo = { peerCertificate: new Uint8Array(raw) };
  const alpn = socket.alpnProtocol;
  if (typeof alpn === "string" && alpn !== "") info.alpnProtocol = alpn;
  const protocol = socket.getTLSVersion();
  if (typeof protocol === "string" && protocol !== "" && protocol !== "unknown") {
    info.protocol = protocol;
  }
  return info;
}
