/**
 * Connection set-up after libpq's `PQconnectPoll`: for each host in turn, connect, negotiate TLS
 * (SSLRequest or direct), send StartupMessage, authenticate, collect ParameterStatus and
 * BackendKeyData until ReadyForQuery, then check `target_session_attrs`.
 *
 * @module
 */

import type { ConfigHost, HostEntry, ResolvedConfig } from "../config.ts";
import { lookupPassword } from "../config.ts";
import { AuthenticationError, ConnectionError, PostgresError, ProtocolError } from "../errors.ts";
import { MAX_CANCEL_KEY_LENGTH, PROTOCOL_3_0 } from "../protocol/constants.ts";
import type { NegotiateProtocolVersion, NoticeFields } from "../protocol/messages.ts";
import type { Transport } from "../transport/transport.ts";
import { authenticate, noticeToErrorFields } from "./auth.ts";
import { AttemptError, hostLabel, openChannel, type TlsPlan, tlsPlans } from "./channel.ts";
import {
  Connection,
  type ConnectionState,
  DEFAULT_TIMEOUTS,
  type SessionInfo,
  type SessionTimeouts,
} from "./connection.ts";
import { describe, type TraceHandler, type Wire } from "./wire.ts";

/** Everything set-up needs besides the configuration. */
export interface EstablishOptions {
  /** Opens sockets. */
  transport: Transport;
  /** Reads files (root certificates, keys, the password file) and the environment. */
  host: ConfigHost;
  /** Sees every message, both directions. */
  onTrace?: TraceHandler;
  /** Sees each state change, for debugging. */
  onState?: (state: ConnectionState, host: HostEntry) => void;
}

function protocolNumber(v: string, fallback: number): number {
  if (v === "3.0") return PROTOCOL_3_0;
  if (v === "3.2" || v === "latest") return (3 << 16) | 2;
  return fallback;
}

/** The session's time limits, from the configuration. */
function sessionTimeouts(config: ResolvedConfig): SessionTimeouts {
  const cancelTimeout = config.connectTimeout ?? DEFAULT_TIMEOUTS.cancelTimeout;
  const fallback = DEFAULT_TIMEOUTS.keepalive!;
  return {
    cancelTimeout,
    cancelGrace: cancelTimeout,
    keepalive: config.keepalives
      ? {
        idle: (config.keepalivesIdle ?? fallback.idle / 1000) * 1000,
        interval: (config.keepalivesInterval ?? fallback.interval / 1000) * 1000,
        count: config.keepalivesCount ?? fallback.count,
      }
      : undefined,
  };
}

/** One connection attempt to one host with one TLS plan. */
async function attempt(
  config: ResolvedConfig,
  entry: HostEntry,
  plan: TlsPlan,
  options: EstablishOptions,
  signal: AbortSignal,
): Promise<Connection> {
  const setState = (state: ConnectionState) => options.onState?.(state, entry);
  let wire: Wire | undefined;
  const onAbort = () => wire?.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const channel = await openChannel(config, entry, plan, options, signal);
    wire = channel.wire;
    const tls = channel.tls;
    setState("CONNECTION_AWAITING_RESPONSE");
    const wanted = protocolNumber(config.maxProtocolVersion, PROTOCOL_3_0);
    const minimum = protocolNumber(config.minProtocolVersion, PROTOCOL_3_0);
    let protocolVersion = wanted;
    const parameters: Record<string, string> = { user: config.user, database: config.database };
    if (config.applicationName !== undefined) parameters.application_name = config.applicationName;
    parameters.client_encoding = config.clientEncoding ?? "UTF8";
    if (config.options !== undefined) parameters.options = config.options;
    if (config.replication !== false) {
      parameters.replication = config.replication === "database" ? "database" : "true";
    }
    for (const [k, v] of Object.entries(config.startupParams)) parameters[k] = v;
    parameters.datestyle = isoDateStyle(parameters.datestyle);
    await wire.send({ type: "StartupMessage", protocolVersion: wanted, parameters });

    // Notices reach the user by field name, as documented for NoticeHandler.
    const userNotice = config.onNotice;
    const onNotice = userNotice === undefined
      ? undefined
      : (fields: NoticeFields) =>
        userNotice(noticeToErrorFields(fields) as unknown as Record<string, string | number>);
    let passwordCache: string | undefined;
    const outcome = await authenticate({
      wire,
      user: config.user,
      password: async () => passwordCache ??= await lookupPassword(config, entry, options.host),
      requireAuth: config.requireAuth,
      channelBinding: config.channelBinding,
      tlsInUse: tls !== undefined,
      peerCertificate: tls?.peerCertificate,
      onNotice,
      onNegotiate: (msg: NegotiateProtocolVersion) => {
        // PostgreSQL sends the whole version word ((3 << 16) | minor), though the protocol
        // documentation names it the minor version; take either, as libpq does.
        const word = msg.newestMinorVersion;
        if (word > 0xffff && word >>> 16 !== 3) {
          throw new ProtocolError(
            `Server offered protocol version ${word >>> 16}.${word & 0xffff}, not 3.x`,
          );
        }
        const minor = word & 0xffff;
        const offered = (3 << 16) | minor;
        if (msg.unrecognizedOptions.length > 0) {
          throw new ProtocolError(
            `Server reported unrecognized protocol options it was not sent: ${
              msg.unrecognizedOptions.join(", ")
            }`,
          );
        }
        if (offered >= wanted) {
          throw new ProtocolError(
            "Server offered a protocol version that was not lower than requested",
          );
        }
        if (offered < minimum) {
          throw new ConnectionError(
            `Server only supports protocol version 3.${minor}, but ` +
              `min_protocol_version was set to ${config.minProtocolVersion}`,
          );
        }
        protocolVersion = offered;
      },
    });

    setState("CONNECTION_AUTH_OK");
    const info: SessionInfo = {
      host: entry,
      protocolVersion,
      parameters: new Map(),
      processId: 0,
      secretKey: new Uint8Array(0),
      tls,
      auth: outcome,
      transactionStatus: "I",
      onNotice,
      // A cancel goes the same way as this connection: TLS as negotiated here, or none.
      reopen: async (cancelSignal, tcpOnly) =>
        (await openChannel(
          config,
          entry,
          tls === undefined ? "none" : plan,
          {
            transport: options.transport,
            host: options.host,
            ...(options.onTrace ? { onTrace: options.onTrace } : {}),
          },
          cancelSignal,
          tls !== undefined,
          tcpOnly,
        ).catch((err) => {
          throw err instanceof AttemptError ? err.error : err;
        })).wire,
    };
    let gotKey = false;
    for (;;) {
      const msg = await wire.receive();
      if (msg.type === "ReadyForQuery") {
        info.transactionStatus = msg.status;
        break;
      }
      switch (msg.type) {
        case "ParameterStatus":
          info.parameters.set(msg.name, msg.value);
          break;
        case "BackendKeyData":
          if (protocolVersion === PROTOCOL_3_0 && msg.secretKey.length !== 4) {
            throw new ProtocolError(
              `Server sent a ${msg.secretKey.length}-byte cancel key under protocol 3.0`,
            );
          }
          if (msg.secretKey.length > MAX_CANCEL_KEY_LENGTH) {
            throw new ProtocolError("Server sent an over-long cancel key");
          }
          info.processId = msg.processId;
          info.secretKey = msg.secretKey;
          gotKey = true;
          break;
        case "NoticeResponse":
          onNotice?.(msg.fields);
          break;
        case "ErrorResponse":
          throw new AttemptError(new PostgresError(noticeToErrorFields(msg.fields)), true);
        default:
          throw new ProtocolError(`Unexpected ${msg.type} message after authentication`);
      }
    }
    void gotKey; // A server may omit BackendKeyData (e.g. some poolers); cancel is then unavailable.
    setState("CONNECTION_CHECK_TARGET");
    const connection = new Connection(wire, info, sessionTimeouts(config));
    await checkTarget(connection, config.targetSessionAttrs, entry).catch(async (err) => {
      await connection.close();
      throw err;
    });
    setState("CONNECTION_OK");
    return connection;
  } catch (err) {
    wire?.close();
    setState("CONNECTION_BAD");
    if (signal.aborted) {
      throw new AttemptError(
        new ConnectionError(`Timeout expired while connecting to ${hostLabel(entry)}`, {
          cause: signal.reason,
          retrySafe: true,
        }),
        false,
      );
    }
    if (err instanceof AttemptError) throw err;
    if (err instanceof PostgresError) throw new AttemptError(err, true);
    if (err instanceof Error) throw new AttemptError(err, false);
    throw new AttemptError(new ConnectionError(describe(err)), false);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

const DATE_OUTPUT_STYLES = new Set(["iso", "sql", "postgres", "german"]);

/**
 * The DateStyle to ask for: ISO output, which the type codecs read, keeping the input field
 * order (`DMY`, `MDY`, ...) of a `PGDATESTYLE` setting.
 */
export function isoDateStyle(requested: string | undefined): string {
  const order = (requested ?? "").split(",").map((t) => t.trim()).filter((t) =>
    t !== "" && !DATE_OUTPUT_STYLES.has(t.toLowerCase())
  );
  return ["ISO", ...order].join(", ");
}

/** Raised when a host works but is not what target_session_attrs asks for. */
class TargetMismatch extends ConnectionError {}

async function checkTarget(
  connection: Connection,
  wanted: ResolvedConfig["targetSessionAttrs"],
  entry: HostEntry,
): Promise<void> {
  if (wanted === "any") return;
  const p = connection.parameters;
  let hotStandby = p.get("in_hot_standby");
  let readOnly = p.get("default_transaction_read_only");
  if (wanted === "read-write" || wanted === "read-only") {
    if (hotStandby === undefined || readOnly === undefined) {
      const [r] = await connection.simpleQuery("SHOW transaction_read_only");
      readOnly = r?.rows[0]?.[0] ?? "off";
      hotStandby = "off";
    }
    const isReadOnly = hotStandby === "on" || readOnly === "on";
    if (wanted === "read-write" && isReadOnly) {
      throw new TargetMismatch(`Session on ${hostLabel(entry)} is read-only`);
    }
    if (wanted === "read-only" && !isReadOnly) {
      throw new TargetMismatch(`Session on ${hostLabel(entry)} is not read-only`);
    }
    return;
  }
  if (hotStandby === undefined) {
    const [r] = await connection.simpleQuery("SELECT pg_catalog.pg_is_in_recovery()");
    hotStandby = r?.rows[0]?.[0] === "t" ? "on" : "off";
  }
  if (wanted === "primary" && hotStandby === "on") {
    throw new TargetMismatch(`Server at ${hostLabel(entry)} is in hot standby mode`);
  }
  if ((wanted === "standby" || wanted === "prefer-standby") && hotStandby !== "on") {
    throw new TargetMismatch(`Server at ${hostLabel(entry)} is not in hot standby mode`);
  }
}

/** Runs the attempts libpq makes for one host under its sslmode (allow and prefer may retry). */
async function connectHost(
  config: ResolvedConfig,
  entry: HostEntry,
  options: EstablishOptions,
  targetAttrs: ResolvedConfig["targetSessionAttrs"],
): Promise<Connection> {
  const plans = tlsPlans(config, entry);
  const cfg = targetAttrs === config.targetSessionAttrs
    ? config
    : { ...config, targetSessionAttrs: targetAttrs };
  let last: AttemptError | undefined;
  for (let i = 0; i < plans.length; i++) {
    const controller = new AbortController();
    const timer = config.connectTimeout === undefined
      ? undefined
      : setTimeout(() => controller.abort(new Error("connect_timeout")), config.connectTimeout);
    try {
      return await attempt(cfg, entry, plans[i]!, options, controller.signal);
    } catch (err) {
      if (!(err instanceof AttemptError)) throw err;
      last = err;
      // libpq retries the other way only when the server answered (an error during startup or
      // authentication) or, for prefer, when the TLS handshake failed.
      const handshakeFailed = err.error instanceof ConnectionError &&
        err.error.message.startsWith("SSL handshake");
      if (!(err.fromServer || (plans[i] === "request" && handshakeFailed))) break;
      if (err.error instanceof TargetMismatch) break;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
  throw last!.error;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Connects to the first suitable host, as libpq does: hosts in order (or shuffled with
 * `load_balance_hosts=random`), `connect_timeout` per attempt, and `target_session_attrs`
 * (`prefer-standby` makes a second pass accepting any server).
 *
 * @throws {PostgresError} the server's error when there was one host (e.g. 28P01).
 * @throws {AuthenticationError} when the client refused to authenticate.
 * @throws {ConnectionError} when no host could be reached; `errors` lists each failure.
 */
export async function establish(
  config: ResolvedConfig,
  options: EstablishOptions,
): Promise<Connection> {
  if (config.gssEncMode === "require") {
    throw new ConnectionError(
      "gssencmode=require, but GSSAPI encryption is not supported by pgline",
    );
  }
  // Security settings that cannot be enforced are refused, never silently dropped.
  if (
    config.sslMode !== "disable" && (config.sslCrl !== undefined || config.sslCrlDir !== undefined)
  ) {
    throw new ConnectionError(
      "sslcrl and sslcrldir are not supported: certificate revocation lists cannot be checked",
    );
  }
  if (config.requirePeer !== undefined) {
    throw new ConnectionError("requirepeer is not supported: the peer's user cannot be checked");
  }
  const hosts = [...config.hosts];
  if (config.loadBalanceHosts === "random") shuffle(hosts);
  const passes: ResolvedConfig["targetSessionAttrs"][] = config.targetSessionAttrs ===
      "prefer-standby"
    ? ["prefer-standby", "any"]
    : [config.targetSessionAttrs];
  const errors: Error[] = [];
  for (const pass of passes) {
    for (const entry of hosts) {
      if (entry.type === "unix" && !options.transport.capabilities.unixSockets) {
        errors.push(new ConnectionError(`This transport cannot reach ${hostLabel(entry)}`));
        continue;
      }
      try {
        return await connectHost(config, entry, options, pass);
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  if (errors.length === 1) throw errors[0]!;
  const last = errors[errors.length - 1];
  if (
    hosts.length === 1 &&
    (last instanceof PostgresError || last instanceof AuthenticationError)
  ) throw last;
  const error = new ConnectionError(
    `Could not connect to any host:\n${errors.map((e) => `  ${e.message}`).join("\n")}`,
    { cause: last, retrySafe: true },
  );
  Object.defineProperty(error, "errors", { value: errors, enumerable: true });
  throw error;
}
