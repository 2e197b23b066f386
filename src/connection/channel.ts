/**
 * Opening a channel to a server: the socket, then TLS by libpq's rules (SSLRequest or direct
 * TLS with ALPN, certificate checks by sslmode). Set-up sends a StartupMessage on it; a cancel
 * sends a CancelRequest on a second one.
 *
 * @module
 */

import type { ConfigHost, HostEntry, ResolvedConfig } from "../config.ts";
import { ConnectionError, ProtocolError } from "../errors.ts";
import { FRAMES } from "../protocol/frontend.ts";
import type {
  Socket,
  TlsInfo,
  TlsOptions,
  Transport,
  TransportTarget,
} from "../transport/transport.ts";
import type { ConnectionState } from "./session.ts";
import { describe, type TraceHandler, Wire } from "./wire.ts";

/** What opening a channel needs besides the configuration. */
export interface ChannelOptions {
  /** Opens sockets. */
  transport: Transport;
  /** Reads files (root certificates, keys) and the environment. */
  host: ConfigHost;
  /** Sees every message, both directions. */
  onTrace?: TraceHandler;
  /** Sees each state change, for debugging. */
  onState?: (state: ConnectionState, host: HostEntry) => void;
}

export const SSL_REQUIRED = new Set(["require", "verify-ca", "verify-full"]);

/** How one attempt uses TLS. */
export type TlsPlan = "none" | "request" | "direct";

/**
 * The TLS plans libpq tries for one host, in order: never TLS over a Unix socket or with
 * sslmode=disable; direct TLS alone with sslnegotiation=direct; plain first for allow, TLS first
 * for prefer; TLS only otherwise.
 */
export function tlsPlans(config: ResolvedConfig, entry: HostEntry): TlsPlan[] {
  if (entry.type === "unix" || config.sslMode === "disable") return ["none"];
  if (config.sslNegotiation === "direct") return ["direct"];
  if (config.sslMode === "allow") return ["none", "request"];
  if (config.sslMode === "prefer") return ["request", "none"];
  return ["request"];
}

export function targetOf(entry: HostEntry): TransportTarget {
  if (entry.type === "unix") {
    return { kind: "unix", path: entry.socketPath ?? `${entry.host}/.s.PGSQL.${entry.port}` };
  }
  return { kind: "tcp", host: entry.hostaddr ?? entry.host, port: entry.port };
}

export function hostLabel(entry: HostEntry): string {
  if (entry.type === "unix") return `socket "${entry.socketPath ?? entry.host}"`;
  const addr = entry.hostaddr !== undefined && entry.hostaddr !== entry.host
    ? ` (${entry.hostaddr})`
    : "";
  return `server at "${entry.host}"${addr}, port ${entry.port}`;
}

async function readPem(
  host: ConfigHost,
  value: string,
  what: string,
): Promise<string> {
  if (value.includes("-----BEGIN")) return value;
  const text = await host.readTextFile(value);
  if (text === undefined) {
    throw new ConnectionError(`Cannot read ${what} file "${value}"`, { retrySafe: false });
  }
  return text;
}

/** Works out libpq's certificate checks for the sslmode and files. */
async function tlsOptions(
  config: ResolvedConfig,
  entry: HostEntry,
  host: ConfigHost,
  direct: boolean,
): Promise<TlsOptions> {
  const home = host.homeDir();
  let rootCert = config.sslRootCert;
  let haveRoot = rootCert !== undefined;
  if (rootCert === undefined && home !== undefined) {
    const fallback = `${home}/.postgresql/root.crt`;
    if ((await host.fileMode(fallback)) !== undefined) {
      rootCert = fallback;
      haveRoot = true;
    }
  }
  let verify: TlsOptions["verify"] = "none";
  if (config.sslMode === "verify-full") verify = "full";
  else if (config.sslMode === "verify-ca") verify = "ca";
  // libpq: with sslmode=require, a root certificate file that exists means verify-ca.
  else if (config.sslMode === "require" && haveRoot && rootCert !== "system") verify = "ca";
  const options: TlsOptions = {
    verify,
    hostname: entry.host,
    sni: config.sslSni,
  };
  if (verify !== "none") {
    if (rootCert === "system") {
      options.caCerts = "system";
    } else if (rootCert !== undefined) {
      options.caCerts = [await readPem(host, rootCert, "root certificate")];
    } else {
      throw new ConnectionError(
        `Root certificate file "${
          home ?? "~"
        }/.postgresql/root.crt" does not exist: either provide the file, use the system's trusted ` +
          `roots with sslrootcert=system, or change sslmode to disable server certificate verification`,
      );
    }
  }
  const certPath = config.sslCert ??
    (home !== undefined && (await host.fileMode(`${home}/.postgresql/postgresql.crt`)) !== undefined
      ? `${home}/.postgresql/postgresql.crt`
      : undefined);
  if (certPath !== undefined && config.sslCertMode !== "disable") {
    const keyPath = config.sslKey ?? `${home ?? ""}/.postgresql/postgresql.key`;
    options.cert = await readPem(host, certPath, "client certificate");
    options.key = await readPem(host, keyPath, "client key");
    if (config.sslPassword !== undefined) options.keyPassword = config.sslPassword;
  } else if (config.sslCertMode === "require") {
    throw new ConnectionError("sslcertmode=require, but no client certificate was configured");
  }
  if (config.sslMinProtocolVersion !== undefined) {
    options.minVersion = config.sslMinProtocolVersion as NonNullable<TlsOptions["minVersion"]>;
  } else {
    options.minVersion = "TLSv1.2"; // libpq's default ssl_min_protocol_version
  }
  if (config.sslMaxProtocolVersion !== undefined) {
    options.maxVersion = config.sslMaxProtocolVersion as NonNullable<TlsOptions["maxVersion"]>;
  }
  if (direct) options.alpnProtocols = ["postgresql"];
  return options;
}

/** A failure from one attempt, and whether libpq would retry the same host another way. */
export class AttemptError extends Error {
  /** The failure itself. */
  readonly error: Error;
  /** True when the server answered (an ErrorResponse), false for a network or TLS failure. */
  readonly fromServer: boolean;

  constructor(error: Error, fromServer: boolean) {
    super(error.message, { cause: error });
    this.error = error;
    this.fromServer = fromServer;
  }
}

/** An open channel to a server, TLS negotiated, ready for a startup or cancel packet. */
export interface Channel {
  wire: Wire;
  tls: TlsInfo | undefined;
}

/**
 * Opens a socket to `entry` and negotiates TLS by `plan`. `requireTls` refuses a server that
 * declines TLS whatever the sslmode (a cancel for a connection that is encrypted). With
 * `tcpOnly` the socket is returned as soon as it is connected (a reachability probe).
 */
export async function openChannel(
  config: ResolvedConfig,
  entry: HostEntry,
  plan: TlsPlan,
  options: ChannelOptions,
  signal: AbortSignal,
  requireTls = false,
  tcpOnly = false,
): Promise<Channel> {
  const setState = (state: ConnectionState) => options.onState?.(state, entry);
  const { transport, host } = options;
  const target = targetOf(entry);
  const socketOptions = {
    noDelay: true,
    mayUpgrade: plan === "request",
    signal,
    ...(config.keepalives
      ? {
        keepAlive: {
          enabled: true,
          ...(config.keepalivesIdle !== undefined ? { idleSeconds: config.keepalivesIdle } : {}),
        },
      }
      : { keepAlive: { enabled: false } }),
  };
  setState("CONNECTION_NEEDED");
  let socket: Socket;
  let tls: TlsInfo | undefined;
  try {
    if (plan === "direct" && !tcpOnly) {
      if (transport.connectTls === undefined || !transport.capabilities.directTls) {
        throw new ConnectionError("sslnegotiation=direct is not supported by this transport");
      }
      setState("CONNECTION_STARTED");
      const opened = await transport.connectTls(
        target,
        socketOptions,
        await tlsOptions(config, entry, host, true),
      );
      socket = opened.socket;
      tls = opened.info;
      if (tls.alpnProtocol !== "postgresql") {
        socket.close();
        throw new ConnectionError(
          "Direct SSL connection was established without ALPN protocol negotiation extension",
        );
      }
    } else {
      setState("CONNECTION_STARTED");
      socket = await transport.connect(target, socketOptions);
    }
  } catch (err) {
    if (err instanceof ConnectionError) throw new AttemptError(err, false);
    throw new AttemptError(
      new ConnectionError(`Connection to ${hostLabel(entry)} failed: ${describe(err)}`, {
        cause: err,
        retrySafe: true,
      }),
      false,
    );
  }
  setState("CONNECTION_MADE");
  const wire = new Wire(socket, options.onTrace);
  if (tcpOnly) return { wire, tls: undefined };
  const onAbort = () => wire.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (plan === "request") {
      setState("CONNECTION_SSL_STARTUP");
      await wire.sendRaw(FRAMES.SSLRequest);
      options.onTrace?.("F2B", { type: "SSLRequest" });
      const answer = await wire.readRaw();
      if (answer === null || answer.length === 0) {
        throw new ConnectionError("Server closed the connection during SSL negotiation");
      }
      const code = answer[0]!;
      if (code === 0x53) { // 'S'
        if (answer.length > 1) {
          // CVE-2021-23222: bytes sent before the handshake could be spliced into the session.
          throw new ProtocolError("Received unencrypted data after SSL response");
        }
        tls = await socket.startTls(await tlsOptions(config, entry, host, false)).catch(
          (err) => {
            throw new AttemptError(
              new ConnectionError(
                `SSL handshake with ${hostLabel(entry)} failed: ${describe(err)}`,
                {
                  cause: err,
                  retrySafe: true,
                },
              ),
              false,
            );
          },
        );
      } else if (code === 0x4e) { // 'N'
        if (answer.length > 1) {
          throw new ProtocolError("Received unexpected data after SSL response");
        }
        if (requireTls || SSL_REQUIRED.has(config.sslMode)) {
          throw new ConnectionError("Server does not support SSL, but SSL was required");
        }
      } else if (code === 0x45) { // 'E'
        // CVE-2024-10977: an unencrypted error could be forged; its text is not shown.
        throw new AttemptError(
          new ConnectionError(
            "Server rejected the SSL request with an error (its text is not shown: it was not encrypted)",
          ),
          true,
        );
      } else {
        throw new ProtocolError(
          `Received invalid response to SSL negotiation: ${
            code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}'` : code
          }`,
        );
      }
    }
    return { wire, tls };
  } catch (err) {
    wire.close();
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
