/**
 * The transport interface: how the connection layer reaches a server. The core never touches a
 * runtime's socket API; each runtime supplies an implementation (Deno in `src/transport/deno.ts`,
 * Bun and Node in `compat/`).
 *
 * @module
 */

/** Where to connect: a TCP host and port, or a Unix-domain socket path. */
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

/** Socket options applied right after connecting. */
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

/** How the server's certificate is checked, after libpq's sslmode. */
export type TlsVerification =
  /** Encrypt only (sslmode prefer/require without a root certificate). */
  | "none"
  /** The chain must lead to a trusted root; the host name is not checked (verify-ca). */
  | "ca"
  /** The chain and the host name are checked (verify-full). */
  | "full";

/** Options for a TLS handshake. */
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

/** What a finished handshake tells. */
export interface TlsInfo {
  /** The server's certificate in DER, when the transport can expose it (for channel binding). */
  peerCertificate?: Uint8Array;
  /** The ALPN protocol the server chose, if any. */
  alpnProtocol?: string;
  /** Negotiated TLS version, e.g. `TLSv1.3`, when known. */
  protocol?: string;
}

/** An open byte stream to a server. */
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

/** Optional abilities of a transport, so the connection layer can refuse what cannot be done. */
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

/** A way of opening sockets on some runtime. */
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
