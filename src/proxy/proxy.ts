/**
 * A tracing proxy for the PostgreSQL protocol: accepts clients, connects each one to the
 * upstream server with its own sslmode, forwards bytes both ways unchanged, and prints every
 * message with its direction and time. It answers the client's SSLRequest itself (declining, or
 * terminating TLS with a certificate it is given) and passes CancelRequests to the upstream
 * connection they belong to.
 *
 * @module
 */

import { type ConfigHost, type HostEntry, resolveConfig, type ResolvedConfig } from "../config.ts";
import type { ConnectOptions } from "../config/types.ts";
import { ConnectionError, ProtocolError } from "../errors.ts";
import { openChannel, type TlsPlan, tlsPlans } from "../connection/channel.ts";
import { BackendStreamReader, FrontendStreamReader } from "../protocol/stream_reader.ts";
import type { BackendMessage, FrontendMessage } from "../protocol/messages.ts";
import { decodeBackendMessage, encodeBackendMessage } from "../protocol/backend.ts";
import { type Direction, type FormatOptions, traceJson, traceLine } from "../protocol/trace.ts";
import type { BackendConnection } from "../server/backend_connection.ts";
import { listen, type Listener } from "../server/listen.ts";
import type { ServerTlsOptions, Socket, TlsInfo, Transport } from "../transport/transport.ts";

/**
 * Options of {@linkcode startProxy}.
 *
 * @example Tracing as JSON lines into an array
 * ```ts
 * import type { ProxyOptions } from "@pgline/pgline/proxy";
 * const lines: string[] = [];
 * const options: ProxyOptions = {
 *   upstream: "127.0.0.1:5432",
 *   listen: { hostname: "127.0.0.1", port: 6432 },
 *   format: "json",
 *   output: (line) => lines.push(line),
 * };
 * console.assert(options.format === "json");
 * ```
 */
export interface ProxyOptions {
  /**
   * The server: `host:port` (`[::1]:5432` for IPv6), or a connection string or URI whose host,
   * port and TLS settings (sslmode, sslrootcert, sslnegotiation …) are used for the upstream
   * connections. The client's own StartupMessage (user, database …) is forwarded unchanged.
   */
  upstream: string | ConnectOptions;
  /**
   * Where to listen.
   *
   * @default {{ hostname: "127.0.0.1", port: 6432 }}
   */
  listen?: { hostname?: string; port?: number };
  /**
   * Terminate the clients' TLS with this certificate. Without it, SSLRequests are declined
   * ('N') and clients that require TLS cannot connect. Channel binding (SCRAM-SHA-256-PLUS)
   * cannot pass a proxy that terminates TLS: the client binds to the proxy's certificate, the
   * server checks against its own. Such a client gets a FATAL error saying so; connect it with
   * `channel_binding=disable`, or without TLS to the proxy.
   */
  tls?: ServerTlsOptions;
  /**
   * Trace format: `text` (one readable line per message), `json` (one JSON object per line),
   * or `none`.
   *
   * @default {"text"}
   */
  format?: "text" | "json" | "none";
  /**
   * Where trace lines go.
   *
   * @default {console.log}
   */
  output?: (line: string) => void;
  /**
   * Remove SCRAM-SHA-256-PLUS from the server's list of SASL mechanisms (the only change the
   * proxy ever makes to what it forwards, and only when asked). Channel binding cannot work
   * through the proxy; without this, a server on TLS offers it, and libpq refuses the offer on a
   * connection without TLS ("server offered SCRAM-SHA-256-PLUS authentication over a non-SSL
   * connection") or, over TLS to the proxy, picks it and fails. With it, clients without TLS to
   * the proxy use SCRAM-SHA-256 without binding. A client with TLS to the proxy must also connect
   * with `channel_binding=disable`: otherwise it tells the server it could have bound (gs2 flag
   * `y`), and a server on TLS refuses that as a downgrade; the proxy refuses such a client with a
   * FATAL error saying so.
   *
   * @default {false}
   */
  stripChannelBinding?: boolean;
  /** Show passwords and cancel keys in the trace (they are redacted by default). */
  showSecrets?: boolean;
  /**
   * Longest value shown before it is cut.
   *
   * @default {120}
   */
  maxValueLength?: number;
}

/**
 * A running proxy, from {@linkcode startProxy}.
 *
 * @example Stopping it
 * ```ts
 * import { type Proxy, startProxy } from "@pgline/pgline/proxy";
 * const proxy: Proxy = await startProxy({
 *   upstream: "127.0.0.1:5432",
 *   listen: { port: 0 },
 *   format: "none",
 * });
 * console.assert(proxy.port > 0);
 * await proxy.close();
 * ```
 */
export interface Proxy {
  /** The address listened on. */
  readonly hostname: string;
  /** The port listened on. */
  readonly port: number;
  /** Client sessions currently open. */
  readonly sessions: number;
  /** Closes the listener and every session. */
  close(): Promise<void>;
}

/**
 * How the proxy opens its upstream connections: a transport and a config host, as in the
 * runtimes the client entries bind (`nodeRuntime` from `@pgline/pgline/node` is one).
 *
 * @example The `node:net` runtime
 * ```ts
 * import type { ProxyRuntime } from "@pgline/pgline/proxy";
 * import { nodeRuntime } from "@pgline/pgline/node";
 * const runtime: ProxyRuntime = nodeRuntime;
 * console.assert(runtime.transport.capabilities.directTls);
 * ```
 */
export interface ProxyRuntime {
  /** Opens sockets to the server. */
  transport: Transport;
  /** Reads certificate files and the environment, for the upstream settings. */
  host: ConfigHost;
}

/** The SQLSTATE PostgreSQL uses when it cannot reach what it needs: connection failure. */
const CONNECTION_FAILURE = "08006";

/** Registered cancel keys: `pid:hexkey` → the upstream the session runs on. */
type CancelTarget = { entry: HostEntry; plan: TlsPlan; tls: boolean };

/**
 * Starts a proxy bound to a runtime's transport (the `./proxy` entry binds one).
 *
 * @param runtime How upstream sockets are opened.
 * @param options What to listen on, where to forward, and how to trace.
 * @returns The proxy, once it listens.
 * @throws {Error} when the upstream setting is invalid or the address cannot be listened on.
 *
 * @example A proxy on an explicit runtime
 * ```ts
 * import { startProxyWith } from "@pgline/pgline/proxy";
 * import { nodeRuntime } from "@pgline/pgline/node";
 * const proxy = await startProxyWith(nodeRuntime, {
 *   upstream: "host=127.0.0.1 port=5432 sslmode=disable",
 *   listen: { port: 0 },
 *   format: "none",
 * });
 * console.assert(proxy.sessions === 0);
 * await proxy.close();
 * ```
 */
export async function startProxyWith(runtime: ProxyRuntime, options: ProxyOptions): Promise<Proxy> {
  const config = await resolveConfig(upstreamConfig(options.upstream), undefined, runtime.host);
  const format = options.format ?? "text";
  const output = options.output ?? ((line: string) => console.log(line));
  const formatOptions: FormatOptions = {
    showSecrets: options.showSecrets ?? false,
    maxValueLength: options.maxValueLength ?? 120,
  };
  const cancelKeys = new Map<string, CancelTarget>();
  let nextSession = 0;
  /** Sessions under way, and what their handlers return, so that `close` can end them all. */
  const sessions = new Map<ProxySession, Promise<void>>();

  const listener: Listener = await listen(
    { hostname: options.listen?.hostname ?? "127.0.0.1", port: options.listen?.port ?? 6432 },
    async (conn) => {
      const session = ++nextSession;
      const proxySession = new ProxySession(session, conn, {
        config,
        runtime,
        tls: options.tls,
        strip: options.stripChannelBinding ?? false,
        cancelKeys,
        emit: format === "none" ? undefined : (dir, message, t, note) => {
          if (format === "json") {
            // Notes have the same leading keys as messages: dir, type, session, t.
            output(
              message === undefined
                ? JSON.stringify({ dir, type: "note", session, t: round(t), note })
                : traceJson(dir as Direction, message, { session, t: round(t) }, formatOptions),
            );
          } else {
            const prefix = `#${session} +${t.toFixed(3)}ms`;
            output(
              message === undefined
                ? `${prefix} [${dir}] -- ${note}`
                : `${prefix} ${traceLine(dir as Direction, message, formatOptions)}`,
            );
          }
        },
      });
      const running = proxySession.run();
      sessions.set(proxySession, running);
      try {
        await running;
      } finally {
        sessions.delete(proxySession);
      }
    },
  );
  let closing: Promise<void> | undefined;
  return {
    hostname: listener.hostname,
    port: listener.port,
    get sessions() {
      return sessions.size;
    },
    close: () =>
      closing ??= (async () => {
        // The listener closes the clients' sockets only: end each session's upstream too (and any
        // upstream connect under way), and wait for the sessions to finish.
        const running = [...sessions];
        for (const [session] of running) session.close();
        await listener.close();
        await Promise.allSettled(running.map(([, done]) => done));
      })(),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** `host:port` and `[v6]:port` become a configuration; anything else is a connection string. */
function upstreamConfig(upstream: string | ConnectOptions): string | ConnectOptions {
  if (typeof upstream !== "string") return upstream;
  const target = parseHostPort(upstream.trim());
  return target === undefined ? upstream : { host: target.hostname, port: target.port };
}

/**
 * `host:port` or `[v6]:port` split, or undefined when `text` is not of that form (or the port is
 * out of range).
 */
export function parseHostPort(text: string): { hostname: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s=:/]+)):(\d{1,5})$/.exec(text);
  if (match === null || Number(match[3]) > 65535) return undefined;
  return { hostname: match[1] ?? match[2]!, port: Number(match[3]) };
}

/** Where a trace line goes: a message, or (with `message` undefined) a note. */
type Emit = (
  dir: Direction | "proxy",
  message: FrontendMessage | BackendMessage | undefined,
  t: number,
  note?: string,
) => void;

interface SessionContext {
  config: ResolvedConfig;
  runtime: ProxyRuntime;
  tls: ServerTlsOptions | undefined;
  strip: boolean;
  cancelKeys: Map<string, CancelTarget>;
  emit: Emit | undefined;
}

function keyOf(processId: number, secretKey: Uint8Array): string {
  let hex = "";
  for (const b of secretKey) hex += b.toString(16).padStart(2, "0");
  return `${processId}:${hex}`;
}

/**
 * Why a client with TLS to the proxy is refused at its SASLInitialResponse, or undefined when it
 * is not: it chose SCRAM-SHA-256-PLUS (its binding is to the proxy's certificate, the server checks
 * against its own), or, after the proxy removed PLUS from the offer, it says it could have bound
 * (gs2 flag `y`), which a server on TLS refuses as a downgrade ("SCRAM channel binding negotiation
 * error").
 */
function channelBindingRefusal(
  mechanism: string,
  data: Uint8Array | null,
  stripped: boolean,
): { message: string; hint: string } | undefined {
  if (mechanism.endsWith("-PLUS")) {
    return {
      message: "pgline proxy: channel binding (SCRAM-SHA-256-PLUS) cannot pass through this " +
        "proxy: the client's TLS ends at the proxy, so the binding it computes cannot match the " +
        "server's",
      hint: "Connect with channel_binding=disable; or without TLS to the proxy, which must then " +
        "run with --strip-channel-binding; or run the proxy with an upstream sslmode=disable.",
    };
  }
  if (stripped && data !== null && data[0] === 0x79 /* y */) {
    return {
      message: "pgline proxy: the client supports channel binding and the proxy removed " +
        "SCRAM-SHA-256-PLUS from the server's offer (--strip-channel-binding); the server, on " +
        "TLS, would refuse that as a downgrade: channel binding cannot pass through this proxy",
      hint: "Connect with channel_binding=disable, or without TLS to the proxy.",
    };
  }
  return undefined;
}

/** One client, from its first packet to the end of its upstream connection. */
class ProxySession {
  readonly #id: number;
  readonly #conn: BackendConnection;
  readonly #ctx: SessionContext;
  readonly #start = performance.now();
  /** Aborts an upstream connect under way when the proxy closes. */
  readonly #abort = new AbortController();
  /** The upstream socket, once open (the session's, or a cancel's). */
  #upstream: Socket | undefined;
  #cancelKey: string | undefined;

  constructor(id: number, conn: BackendConnection, ctx: SessionContext) {
    this.#id = id;
    this.#conn = conn;
    this.#ctx = ctx;
  }

  #emit(
    dir: Direction | "proxy",
    message: FrontendMessage | BackendMessage | undefined,
    note?: string,
  ): void {
    this.#ctx.emit?.(dir, message, performance.now() - this.#start, note);
  }

  /** Ends the session at once: the client's socket, the upstream one, or the connect under way. */
  close(): void {
    this.#abort.abort(new ConnectionError("the proxy is closing"));
    this.#upstream?.close();
    this.#conn.close();
  }

  async run(): Promise<void> {
    const conn = this.#conn;
    const remote = conn.remote;
    this.#emit(
      "proxy",
      undefined,
      `client ${remote ? `${remote.address}:${remote.port}` : ""} connected`,
    );
    let startupBytes: Uint8Array | undefined;
    try {
      for (let first = true; startupBytes === undefined; first = false) {
        const { message, bytes } = await conn.readStartupPacket(first ? this.#ctx.tls : undefined);
        if (first && conn.tls !== undefined) {
          this.#emit(
            "proxy",
            undefined,
            `direct TLS with the client (${conn.tls.protocol ?? "TLS"})`,
          );
        }
        this.#emit("F2B", message);
        switch (message.type) {
          case "SSLRequest": {
            const tls = await conn.answerSsl(this.#ctx.tls);
            this.#emit(
              "B2F",
              undefined,
              tls === undefined
                ? "'N': TLS declined by the proxy"
                : `'S': TLS terminated at the proxy (${tls.protocol ?? "TLS"})`,
            );
            break;
          }
          case "GSSENCRequest":
            await conn.write(new Uint8Array([0x4e]));
            this.#emit("B2F", undefined, "'N': GSSAPI encryption declined by the proxy");
            break;
          case "CancelRequest":
            await this.#cancel(message.processId, message.secretKey, bytes);
            return;
          case "StartupMessage":
            startupBytes = bytes;
        }
      }
    } catch (err) {
      this.#emit("proxy", undefined, `startup phase failed: ${(err as Error).message}`);
      if (err instanceof ProtocolError) await conn.fatal("08P01", err.message).catch(() => {});
      return;
    }

    let upstream: { socket: Socket; tls: TlsInfo | undefined; target: CancelTarget };
    try {
      upstream = await this.#openUpstream(false);
    } catch (err) {
      const message = `pgline proxy: cannot connect to the upstream server: ${
        (err as Error).message
      }`;
      this.#emit("proxy", undefined, message);
      await conn.fatal(CONNECTION_FAILURE, message).catch(() => {});
      return;
    }
    try {
      await upstream.socket.write(startupBytes);
      // Bytes the client sent right after its StartupMessage go through the pipe like the rest,
      // so that they are traced (and checked) too.
      await this.#pipe(upstream.socket, upstream.target, startupBytes, conn.takeBuffered());
    } catch (err) {
      this.#emit("proxy", undefined, `session failed: ${(err as Error).message}`);
    } finally {
      if (this.#cancelKey !== undefined) this.#ctx.cancelKeys.delete(this.#cancelKey);
      upstream.socket.close();
      conn.close();
    }
  }

  /** Opens a connection to the first upstream host that answers, TLS per its sslmode. */
  async #openUpstream(
    requireTls: boolean,
    only?: CancelTarget,
  ): Promise<{ socket: Socket; tls: TlsInfo | undefined; target: CancelTarget }> {
    const { config, runtime } = this.#ctx;
    const closing = this.#abort.signal;
    let last: unknown;
    const entries = only === undefined ? config.hosts : [only.entry];
    for (const entry of entries) {
      const plans = only === undefined ? tlsPlans(config, entry) : [only.plan];
      for (const plan of plans) {
        if (closing.aborted) throw closing.reason;
        const controller = new AbortController();
        const timer = setTimeout(
          () => controller.abort(new Error("timeout expired")),
          config.connectTimeout ?? 30_000,
        );
        const onClose = () => controller.abort(closing.reason);
        closing.addEventListener("abort", onClose, { once: true });
        try {
          const channel = await openChannel(
            config,
            entry,
            plan,
            { transport: runtime.transport, host: runtime.host },
            controller.signal,
            requireTls,
          );
          const tls = channel.tls !== undefined;
          if (closing.aborted) {
            channel.wire.socket.close();
            throw closing.reason;
          }
          this.#upstream = channel.wire.socket;
          this.#emit(
            "proxy",
            undefined,
            `upstream ${entry.host}:${entry.port} connected${
              tls ? ` over TLS (${channel.tls?.protocol ?? "TLS"})` : " without TLS"
            }`,
          );
          return { socket: channel.wire.socket, tls: channel.tls, target: { entry, plan, tls } };
        } catch (err) {
          if (closing.aborted) throw closing.reason;
          last = (err as { error?: unknown }).error ?? err;
        } finally {
          clearTimeout(timer);
          closing.removeEventListener("abort", onClose);
        }
      }
    }
    throw last instanceof Error ? last : new ConnectionError(String(last));
  }

  /** Forwards a CancelRequest to the upstream connection whose BackendKeyData it carries. */
  async #cancel(processId: number, secretKey: Uint8Array, bytes: Uint8Array): Promise<void> {
    const target = this.#ctx.cancelKeys.get(keyOf(processId, secretKey));
    if (target === undefined) {
      this.#emit("proxy", undefined, "CancelRequest for no session of this proxy: dropped");
      return;
    }
    try {
      // The cancel goes encrypted when the session's connection is (as libpq 17+ sends it).
      const { socket } = await this.#openUpstream(target.tls, target);
      // The server closes once it has read it; a server that does not is not waited for long.
      const timer = setTimeout(() => socket.close(), 5_000);
      try {
        await socket.write(bytes);
        this.#emit("proxy", undefined, `CancelRequest forwarded to backend ${processId}`);
        while (await socket.read() !== null) { /* nothing is expected */ }
      } finally {
        clearTimeout(timer);
        socket.close();
      }
    } catch (err) {
      this.#emit(
        "proxy",
        undefined,
        `CancelRequest could not be forwarded: ${(err as Error).message}`,
      );
    }
  }

  /** Copies bytes both ways until either side ends, decoding them for the trace. */
  async #pipe(
    server: Socket,
    target: CancelTarget,
    startupBytes: Uint8Array,
    early: Uint8Array,
  ): Promise<void> {
    const conn = this.#conn;
    const client = conn.socket;
    const tracing = this.#ctx.emit !== undefined;
    let f2b: FrontendStreamReader | undefined = new FrontendStreamReader();
    f2b.push(startupBytes);
    f2b.next();
    let b2f: BackendStreamReader | undefined = new BackendStreamReader();
    const clientTls = conn.tls !== undefined;

    /** Why the client is refused (its message is then not forwarded), once it is. */
    let refusal: { message: string; hint: string } | undefined;
    /** Whether SCRAM-SHA-256-PLUS was removed from this session's offer. */
    let stripped = false;

    const fromServer = (chunk: Uint8Array): Uint8Array | false => {
      const forward = this.#ctx.strip && authPhase ? stripPlus(chunk) : chunk;
      inspectServer(chunk);
      return forward;
    };

    // With stripChannelBinding, the server's messages are forwarded whole until its first
    // ReadyForQuery, so that an AuthenticationSASL can be rewritten; then chunks as they come.
    let authPhase = true;
    let held: Uint8Array = new Uint8Array(0);
    const stripPlus = (chunk: Uint8Array): Uint8Array => {
      held = concat([held, chunk]);
      const out: Uint8Array[] = [];
      while (authPhase && held.length >= 5) {
        const length = new DataView(held.buffer, held.byteOffset + 1, 4).getInt32(0);
        if (length < 4 || held.length < 1 + length) break;
        let frame: Uint8Array = held.subarray(0, 1 + length);
        held = held.subarray(1 + length);
        if (frame[0] === 0x52 && length >= 8) {
          try {
            const msg = decodeBackendMessage(0x52, frame, 5, 1 + length);
            if (
              msg.type === "AuthenticationSASL" && msg.mechanisms.some((m) => m.endsWith("-PLUS"))
            ) {
              frame = encodeBackendMessage({
                type: "AuthenticationSASL",
                mechanisms: msg.mechanisms.filter((m) => !m.endsWith("-PLUS")),
              });
              stripped = true;
              this.#emit(
                "proxy",
                undefined,
                "removed SCRAM-SHA-256-PLUS from the server's offer (stripChannelBinding)",
              );
            }
          } catch {
            // Not decodable: forwarded as it is; the client will say what is wrong.
          }
        } else if (frame[0] === 0x5a) authPhase = false;
        out.push(frame);
      }
      if (!authPhase && held.length > 0) {
        out.push(held);
        held = new Uint8Array(0);
      }
      return concat(out);
    };

    const inspectServer = (chunk: Uint8Array): void => {
      if (b2f === undefined) return;
      try {
        b2f.push(chunk);
        for (let msg = b2f.next(); msg !== undefined; msg = b2f.next()) {
          if (tracing) this.#emit("B2F", msg);
          switch (msg.type) {
            case "AuthenticationSASL":
              if (f2b) f2b.passwordKind = "SASLInitialResponse";
              break;
            case "AuthenticationSASLContinue":
              if (f2b) f2b.passwordKind = "SASLResponse";
              break;
            case "AuthenticationCleartextPassword":
            case "AuthenticationMD5Password":
              if (f2b) f2b.passwordKind = "PasswordMessage";
              break;
            case "AuthenticationGSS":
            case "AuthenticationSSPI":
            case "AuthenticationGSSContinue":
              if (f2b) f2b.passwordKind = "GSSResponse";
              break;
            case "BackendKeyData":
              this.#cancelKey = keyOf(msg.processId, msg.secretKey);
              this.#ctx.cancelKeys.set(this.#cancelKey, target);
              break;
          }
        }
      } catch (err) {
        this.#emit(
          "proxy",
          undefined,
          `cannot decode what the server sent (${(err as Error).message}); forwarding it unread`,
        );
        b2f = undefined;
      }
    };

    const fromClient = (chunk: Uint8Array): Uint8Array | false => {
      if (f2b === undefined) return chunk;
      try {
        f2b.push(chunk);
        for (let msg = f2b.next(); msg !== undefined; msg = f2b.next()) {
          if (tracing) this.#emit("F2B", msg);
          if (msg.type === "SASLInitialResponse" && clientTls) {
            refusal = channelBindingRefusal(msg.mechanism, msg.data, stripped);
            if (refusal !== undefined) return false;
          }
        }
      } catch (err) {
        this.#emit(
          "proxy",
          undefined,
          `cannot decode what the client sent (${(err as Error).message}); forwarding it unread`,
        );
        f2b = undefined;
      }
      return chunk;
    };

    // Never rejects: a failed read or write ends the pump (a rejection left unobserved while the
    // other side is awaited would be an unhandled one, fatal on Node).
    const pump = async (
      read: () => Promise<Uint8Array | null>,
      write: (bytes: Uint8Array) => Promise<void>,
      inspect: (chunk: Uint8Array) => Uint8Array | false,
      side: string,
      first?: Uint8Array,
    ): Promise<"end" | "refused"> => {
      for (let pending = first;; pending = undefined) {
        let chunk: Uint8Array | null;
        try {
          chunk = pending !== undefined && pending.length > 0 ? pending : await read();
        } catch (err) {
          this.#emit("proxy", undefined, `${side}: ${(err as Error).message}`);
          return "end";
        }
        if (chunk === null) {
          this.#emit("proxy", undefined, `${side} closed the connection`);
          return "end";
        }
        const forward = inspect(chunk);
        if (forward === false) return "refused";
        if (forward.length === 0) continue;
        try {
          await write(forward);
        } catch (err) {
          this.#emit(
            "proxy",
            undefined,
            `forwarding what the ${side} sent failed: ${(err as Error).message}`,
          );
          return "end";
        }
      }
    };

    const upstreamDone = pump(() => server.read(), (b) => conn.write(b), fromServer, "server");
    const clientDone = pump(
      () => client.read(),
      (b) => server.write(b),
      fromClient,
      "client",
      early,
    );
    const first = await Promise.race([upstreamDone, clientDone]);
    if (first === "refused" && refusal !== undefined) {
      this.#emit("proxy", undefined, refusal.message);
      await conn.fatal("08P01", refusal.message, { H: refusal.hint }).catch(() => {});
    }
    // One side ended: let what is in flight drain, end the other side, and give both pumps a
    // moment to see the end before the sockets are closed.
    conn.end();
    (server as { end?: () => void }).end?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([upstreamDone, clientDone]),
      new Promise((resolve) => timer = setTimeout(resolve, 2_000)),
    ]);
    clearTimeout(timer);
  }
}
