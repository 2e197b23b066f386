/**
 * The transport interface: how the connection layer reaches a server. The core never touches a
 * runtime's socket API; each runtime supplies an implementation (Deno in `src/transport/deno.ts`,
 * Bun and Node in `compat/`).
 *
 * @module
 */

/**
 * Where to connect: a TCP host and port, or a Unix-domain socket path.
 *
 * @example Where a connection goes
 * ```ts
 * import type { TransportTarget } from "@pgline/pgline";
 * const tcp: TransportTarget = { kind: "tcp", host: "db.internal", port: 5432 };
 * const unix: TransportTarget = { kind: "unix", path: "/var/run/postgresql/.s.PGSQL.5432" };
 * const describe = (t: TransportTarget) => (t.kind === "tcp" ? `${t.host}:${t.port}` : t.path);
 * console.assert(describe(tcp) === "db.internal:5432" && describe(unix).endsWith(".5432"));
 * ```
 */
export type TransportTarget =
  | {
    /** TCP. */
    kind: "tcp";
    /** Host name or numeric address to connect to. */
    host: string;
    /** Port. */
    port: number;
  }
  | {
    /** A Unix-domain socket. */
    kind: "unix";
    /** Full socket path, e.g. `/tmp/.s.PGSQL.5432`. */
    path: string;
  };

/**
 * Socket options applied right after connecting.
 *
 * @example Opening a socket directly
 * ```ts
 * import type { SocketOptions } from "@pgline/pgline";
 * import { nodeTransport } from "@pgline/pgline/node";
 * const options: SocketOptions = {
 *   noDelay: true,
 *   keepAlive: { enabled: true, idleSeconds: 60 },
 *   mayUpgrade: false,
 *   signal: AbortSignal.timeout(5_000),
 * };
 * const socket = await nodeTransport.connect(
 *   { kind: "tcp", host: "localhost", port: 5432 },
 *   options,
 * );
 * socket.close();
 * ```
 */
export interface SocketOptions {
  /** Disable Nagle's algorithm (TCP only). pgline always sets this. */
  noDelay: boolean;
  /** TCP keepalive: undefined leaves the system default; otherwise on/off and idle seconds. */
  keepAlive?: { enabled: boolean; idleSeconds?: number };
  /** Aborts a connect that is still under way. */
  signal?: AbortSignal;
  /**
   * Whether the connection may be upgraded to TLS later (SSLRequest). A transport may pick a
   * different socket implementation when this is true.
   */
  mayUpgrade: boolean;
}

/**
 * How the server's certificate is checked, after libpq's sslmode.
 *
 * @example The checks of sslmode=verify-full
 * ```ts
 * import type { TlsOptions, TlsVerification } from "@pgline/pgline";
 * const verify: TlsVerification = "full";
 * const options: TlsOptions = { verify, hostname: "db.example.com", sni: true, caCerts: "system" };
 * console.assert(options.verify === "full");
 * ```
 */
export type TlsVerification =
  /** Encrypt only (sslmode prefer/require without a root certificate). */
  | "none"
  /** The chain must lead to a trusted root; the host name is not checked (verify-ca). */
  | "ca"
  /** The chain and the host name are checked (verify-full). */
  | "full";

/**
 * Options for a TLS handshake.
 *
 * @example Upgrading a socket after the server accepted SSLRequest
 * ```ts
 * import type { Socket, TlsOptions } from "@pgline/pgline";
 * declare const socket: Socket;
 * const options: TlsOptions = {
 *   verify: "full",
 *   hostname: "db.example.com",
 *   sni: true,
 *   caCerts: "system",
 *   minVersion: "TLSv1.2",
 * };
 * const info = await socket.startTls(options);
 * console.log(info.protocol);
 * ```
 */
export interface TlsOptions {
  /** Certificate checks. */
  verify: TlsVerification;
  /** Host name to check the certificate against (verify-full) and, if not an IP, to send as SNI. */
  hostname: string;
  /** Send SNI (libpq's `sslsni`, default on); never sent for IP addresses. */
  sni: boolean;
  /** Trusted roots as PEM texts; `"system"` for the runtime's store; undefined for none. */
  caCerts?: string[] | "system";
  /** Client certificate chain (PEM). */
  cert?: string;
  /** Client private key (PEM). */
  key?: string;
  /** Passphrase for an encrypted client key. */
  keyPassword?: string;
  /** ALPN protocols to offer (`["postgresql"]` for direct TLS). */
  alpnProtocols?: string[];
  /** Lowest TLS version accepted, e.g. `"TLSv1.2"`. */
  minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  /** Highest TLS version accepted. */
  maxVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
}

/**
 * What a finished handshake tells.
 *
 * @example Reporting how a connection is protected
 * ```ts
 * import type { Client, TlsInfo } from "@pgline/pgline";
 * declare const db: Client;
 * const tls: TlsInfo | undefined = db.tls;
 * if (tls === undefined) console.warn("not encrypted");
 * else console.log(`${tls.protocol}, channel binding: ${db.authentication.channelBound}`);
 * ```
 */
export interface TlsInfo {
  /** The server's certificate in DER, when the transport can expose it (for channel binding). */
  peerCertificate?: Uint8Array;
  /** The ALPN protocol the server chose, if any. */
  alpnProtocol?: string;
  /** Negotiated TLS version, e.g. `TLSv1.3`, when known. */
  protocol?: string;
  /** On the server side: its own certificate in DER (the channel binding hash is taken of it). */
  localCertificate?: Uint8Array;
}

/**
 * The TLS settings of the server side of a connection (a fake server, or a proxy terminating
 * its clients' TLS).
 *
 * @example A certificate and key
 * ```ts
 * import type { ServerTlsOptions } from "@pgline/pgline/server";
 * const tls: ServerTlsOptions = {
 *   cert: "-----BEGIN CERTIFICATE-----\n...",
 *   key: "-----BEGIN PRIVATE KEY-----\n...",
 * };
 * console.assert(tls.requestCert === undefined);
 * ```
 */
export interface ServerTlsOptions {
  /** The server's certificate chain (PEM). */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** Passphrase of an encrypted key. */
  keyPassword?: string;
  /** Roots trusted for client certificates (PEM texts). */
  caCerts?: string[];
  /** Ask clients for a certificate. */
  requestCert?: boolean;
  /**
   * With `requestCert`: refuse clients without a valid certificate.
   *
   * @default {true}
   */
  rejectUnauthorized?: boolean;
  /** ALPN protocols accepted (`["postgresql"]` for direct TLS). */
  alpnProtocols?: string[];
  /** Lowest TLS version accepted. */
  minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  /** Highest TLS version accepted. */
  maxVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
}

/**
 * An open byte stream to a server.
 *
 * @example A socket that counts the bytes it moves
 * ```ts
 * import type { Socket } from "@pgline/pgline";
 * function counting(socket: Socket, stats: { read: number; written: number }): Socket {
 *   return {
 *     async read() {
 *       const chunk = await socket.read();
 *       if (chunk !== null) stats.read += chunk.length;
 *       return chunk;
 *     },
 *     write(bytes) {
 *       stats.written += bytes.length;
 *       return socket.write(bytes);
 *     },
 *     startTls: (options) => socket.startTls(options),
 *     close: () => socket.close(),
 *   };
 * }
 * ```
 */
export interface Socket {
  /**
   * Reads the next chunk of bytes; null at end of stream. The returned chunk belongs to the caller
   * and is never overwritten by the transport.
   *
   * @throws {Error} on an I/O failure.
   */
  read(): Promise<Uint8Array | null>;
  /** Writes bytes; resolves when the transport has accepted them (back-pressure). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Upgrades this connection to TLS in place (after the server answered 'S' to SSLRequest).
   * Must only be called when no read is pending and nothing unread is buffered.
   *
   * @throws {Error} if the handshake or the certificate checks fail.
   */
  startTls(options: TlsOptions): Promise<TlsInfo>;
  /** Closes the connection; pending reads resolve to null. Safe to call twice. */
  close(): void;
}

/**
 * Optional abilities of a transport, so the connection layer can refuse what cannot be done.
 *
 * @example Checking for channel binding support
 * ```ts
 * import type { TransportCapabilities } from "@pgline/pgline";
 * import { nodeTransport } from "@pgline/pgline/node";
 * const can: TransportCapabilities = nodeTransport.capabilities;
 * if (!can.peerCertificate) console.warn("SCRAM-SHA-256-PLUS is unavailable");
 * ```
 */
export interface TransportCapabilities {
  /** Can connect to Unix-domain sockets. */
  unixSockets: boolean;
  /** Exposes the server certificate (needed for SCRAM-SHA-256-PLUS). */
  peerCertificate: boolean;
  /** Can present a client certificate. */
  clientCertificates: boolean;
  /** Can skip chain and/or host name verification (sslmode prefer/require/verify-ca). */
  verificationControl: boolean;
  /** Can open a TLS connection directly with ALPN (sslnegotiation=direct). */
  directTls: boolean;
}

/**
 * Every capability: what the Deno, Bun and Node transports all have.
 *
 * @example
 * ```ts
 * import { ALL_CAPABILITIES } from "./transport.ts";
 * console.assert(ALL_CAPABILITIES.peerCertificate);
 * ```
 */
export const ALL_CAPABILITIES: Readonly<TransportCapabilities> = Object.freeze({
  unixSockets: true,
  peerCertificate: true,
  clientCertificates: true,
  verificationControl: true,
  directTls: true,
});

/**
 * A way of opening sockets on some runtime.
 *
 * @example A transport that logs where it connects
 * ```ts
 * import { connect, type Transport } from "@pgline/pgline";
 * import { nodeTransport } from "@pgline/pgline/node";
 * const logging: Transport = {
 *   capabilities: nodeTransport.capabilities,
 *   connect(target, options) {
 *     console.log(
 *       "connecting to",
 *       target.kind === "tcp" ? `${target.host}:${target.port}` : target.path,
 *     );
 *     return nodeTransport.connect(target, options);
 *   },
 * };
 * await using db = await connect("postgres://app@localhost/app", { transport: logging });
 * ```
 */
export interface Transport {
  /** What this transport can do. */
  readonly capabilities: TransportCapabilities;
  /**
   * Opens a plain connection.
   *
   * @throws {Error} if the connection cannot be made.
   */
  connect(target: TransportTarget, options: SocketOptions): Promise<Socket>;
  /**
   * Opens a connection that starts with a TLS handshake (sslnegotiation=direct).
   *
   * @throws {Error} if the connection or the handshake fails.
   */
  connectTls?(
    target: TransportTarget,
    options: SocketOptions,
    tls: TlsOptions,
  ): Promise<{ socket: Socket; info: TlsInfo }>;
}
