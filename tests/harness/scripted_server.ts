/**
 * The scripted fake server for tests, built on pgline's own backend API (`src/server/mod.ts`):
 * {@linkcode listen} accepts the client's connections and each one is a
 * {@linkcode BackendConnection}; a test scripts, message by message or byte by byte, what the
 * server says, including what no real server says (bytes after 'S', truncated or malformed
 * messages, a cut in the middle of a message, an answer dripped one byte at a time, silence).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, ConnectionError } from "../../mod.ts";
 * import { encode, scripted } from "./scripted_server.ts";
 * const server = await scripted(async (peer) => {
 *   await peer.handshake(); // a trust startup, by BackendConnection.startup
 *   const query = await peer.expect("Query"); // typed; anything else fails the script
 *   assert.equal(query.sql, "select 1");
 *   // The first 3 bytes of a CommandComplete, then the end of the stream.
 *   await peer.cut(encode({ type: "CommandComplete", tag: "SELECT 1" }).subarray(0, 3));
 * });
 * const db = await connect(server.url(), { connectTimeout: 5000 });
 * await assert.rejects(db.simpleQuery("select 1"), ConnectionError);
 * await db.close();
 * await server.done; // rejects with the script's failure, if any
 * ```
 *
 * Rules of a script:
 * - When the client hangs up, the script's next read or write throws a `ConnectionError`; the
 *   script ends there and that is not a failure. Any other error (an assertion, a
 *   {@linkcode ScriptError} from {@linkcode Peer.expect}) makes `done` reject with it.
 * - When the script returns, the connection is ended: what was written is sent, then the
 *   connection is closed.
 * - A script that runs longer than `timeoutMs` is stopped (its connections closed, so the client
 *   sees a closed connection) and `done` rejects: a test can fail, but not hang.
 * - The first connection runs the script; with `connections: n`, the script takes the next ones
 *   with {@linkcode Peer.accept} (a cancel request, say). Connections over the limit are closed
 *   at once.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  type BackendConnection,
  listen,
  type Listener,
  type Session,
  type StartupOptions,
  type StartupPacket,
} from "../../src/server/mod.ts";
import { ConnectionError } from "../../src/errors.ts";
import {
  encodeBackendMessage,
  type FrontendMessage,
  type PasswordPacketKind,
} from "../../src/protocol/mod.ts";
import type { BackendMessage, FieldDescription } from "../../src/protocol/messages.ts";
import { DataRow } from "../../src/protocol/data_row.ts";

/** A message from the client: a startup-phase packet or a regular message. */
export type ClientMessage = FrontendMessage | StartupPacket;

/** What a script sends: a message, or raw bytes sent as they are. */
export type Outgoing = BackendMessage | Uint8Array;

/** How {@linkcode Peer.drip} slices bytes. */
export interface DripOptions {
  /**
   * Bytes per write.
   *
   * @default {1}
   */
  chunk?: number;
  /**
   * Pause after each write, in ms; 0 yields to the event loop once (a macrotask) instead.
   *
   * @default {1}
   */
  delayMs?: number;
}

/** Options of {@linkcode scripted}. */
export interface ScriptOptions {
  /**
   * How many connections are accepted: the first runs the script, the script takes the others
   * with {@linkcode Peer.accept}.
   *
   * @default {1}
   */
  connections?: number;
  /**
   * Stop the script, close its connections and fail `done` after this many ms.
   *
   * @default {20000}
   */
  timeoutMs?: number;
  /** The largest message accepted from the client (BackendConnection's `maxMessageSize`). */
  maxMessageSize?: number;
}

/** A scripted server, listening on a random loopback port. */
export interface ScriptedServer {
  /** The TCP port. */
  readonly port: number;
  /**
   * Settles when the script is done and every connection closed; rejects with the script's
   * failure (never with the client's hang-up). Every test must await it.
   */
  readonly done: Promise<void>;
  /**
   * A connection URL for this server: user `u`, database `d`.
   *
   * @param params The query string, without `?`.
   */
  url(params?: string): string;
}

/** A script did not see what it expected from the client. */
export class ScriptError extends Error {
  /**
   * @param message What went wrong.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(`fake server script: ${message}`, options);
    this.name = "ScriptError";
  }
}

/** Startup replies of a server that lets anyone in (protocol 3.0, no ParameterStatus). */
export const READY: BackendMessage[] = [
  { type: "AuthenticationOk" },
  { type: "BackendKeyData", processId: 1, secretKey: new Uint8Array(4) },
  { type: "ReadyForQuery", status: "I" },
];

/**
 * A RowDescription field of no table, in text format.
 *
 * @param name The column name.
 * @param typeOid Its type (25 text, 23 int4 ...).
 * @returns The field.
 */
export function column(name: string, typeOid = 25): FieldDescription {
  const sizes: Record<number, number> = { 16: 1, 20: 8, 21: 2, 23: 4, 26: 4, 700: 4, 701: 8 };
  return {
    name,
    tableOid: 0,
    columnAttribute: 0,
    typeOid,
    typeSize: sizes[typeOid] ?? -1,
    typeModifier: -1,
    format: 0,
  };
}

/**
 * The server's answer to one extended-protocol query whose statement is prepared with it
 * (Parse, Describe S, Bind, Execute, Sync): what `db.query(text)` sends the first time.
 *
 * @param fields The columns.
 * @param rows The rows, as text (null for NULL).
 * @returns The messages, ReadyForQuery last.
 */
export function queryAnswer(
  fields: FieldDescription[],
  rows: (string | null)[][],
): BackendMessage[] {
  return [
    { type: "ParseComplete" },
    { type: "ParameterDescription", parameterTypes: [] },
    { type: "RowDescription", fields },
    { type: "BindComplete" },
    ...rows.map((r) => DataRow.from(r)),
    { type: "CommandComplete", tag: `SELECT ${rows.length}` },
    { type: "ReadyForQuery", status: "I" },
  ];
}

/**
 * The wire bytes of messages, concatenated (to cut them short, drip them, or splice them).
 *
 * @param items Messages, or raw bytes taken as they are.
 * @returns The bytes.
 */
export function encode(...items: Outgoing[]): Uint8Array {
  const parts = items.map((m) => m instanceof Uint8Array ? m : encodeBackendMessage(m));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Whether `error` says the client went away (the script then ends quietly). */
function isHangUp(error: unknown): boolean {
  return error instanceof ConnectionError;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve));
}

/** Connections accepted and not yet taken by {@linkcode Peer.accept}. */
class Mailbox {
  readonly #items: Peer[] = [];
  readonly #waiters: ((peer: Peer) => void)[] = [];
  put(peer: Peer): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(peer);
    else waiter(peer);
  }
  take(): Promise<Peer> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** What the peers of one server share. */
interface Hub {
  readonly max: number;
  readonly extra: Mailbox;
}

/** How long {@linkcode Peer.finish} waits for the client to close its side. */
const CLOSE_WAIT_MS = 2000;

/** One accepted connection, and the helpers to script it. */
export class Peer {
  /** The connection, for what the helpers do not cover. */
  readonly conn: BackendConnection;
  readonly #hub: Hub;
  /** Whether the startup phase is over (a StartupMessage was read). */
  #tagged = false;
  /** Slicing of every write, from {@linkcode Peer.dripWrites}. */
  #drip: Required<DripOptions> | undefined;
  #finishing: Promise<void> | undefined;
  #finished!: () => void;
  /** Resolves once the connection is finished (the listener may then close it). */
  readonly finished: Promise<void> = new Promise((resolve) => this.#finished = resolve);

  /**
   * @param conn The accepted connection.
   * @param hub What the server's peers share.
   */
  constructor(conn: BackendConnection, hub: Hub) {
    this.conn = conn;
    this.#hub = hub;
    // Every write, including those of BackendConnection.startup, goes through the socket: slice
    // it there while dripWrites is on.
    const socket = conn.socket;
    const write = socket.write.bind(socket);
    socket.write = async (bytes: Uint8Array): Promise<void> => {
      const drip = this.#drip;
      if (drip === undefined || bytes.length <= drip.chunk) return await write(bytes);
      for (let at = 0; at < bytes.length; at += drip.chunk) {
        await write(bytes.subarray(at, at + drip.chunk));
        await pause(drip.delayMs);
      }
    };
  }

  /**
   * The next packet or message from the client: a startup packet until a StartupMessage was
   * read, then a tagged message.
   *
   * @param kind How a 'p' message is to be read (SASLInitialResponse, SASLResponse ...).
   * @returns The message.
   * @throws {ConnectionError} when the client hung up (the script ends there, quietly).
   */
  async receive(kind?: PasswordPacketKind): Promise<ClientMessage> {
    if (!this.#tagged) {
      const { message } = await this.conn.readStartupPacket();
      if (message.type === "StartupMessage") this.#tagged = true;
      return message;
    }
    if (kind !== undefined) this.conn.passwordKind = kind;
    return await this.conn.receive();
  }

  /**
   * The next message, which must be of type `type`.
   *
   * @param type The type expected.
   * @param kind How a 'p' message is to be read.
   * @returns The message, typed.
   * @throws {ScriptError} when another message arrives, or the client hangs up instead.
   */
  async expect<T extends ClientMessage["type"]>(
    type: T,
    kind?: PasswordPacketKind,
  ): Promise<Extract<ClientMessage, { type: T }>> {
    let msg: ClientMessage;
    try {
      msg = await this.receive(kind);
    } catch (err) {
      throw new ScriptError(`expected ${type} from the client, but: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (msg.type !== type) {
      throw new ScriptError(`expected ${type} from the client, got ${msg.type}`);
    }
    return msg as Extract<ClientMessage, { type: T }>;
  }

  /**
   * Messages up to and including the first one of type `type`.
   *
   * @param type The last type, e.g. `Sync`.
   * @returns The messages.
   * @throws {ScriptError} when the client hangs up first.
   */
  async receiveUntil(type: ClientMessage["type"]): Promise<ClientMessage[]> {
    const seen: ClientMessage[] = [];
    for (;;) {
      let msg: ClientMessage;
      try {
        msg = await this.receive();
      } catch (err) {
        const got = seen.map((m) => m.type).join(", ") || "nothing";
        throw new ScriptError(
          `expected messages up to ${type}, got ${got}, then: ${(err as Error).message}`,
          { cause: err },
        );
      }
      seen.push(msg);
      if (msg.type === type) return seen;
    }
  }

  /**
   * Sends messages and raw bytes, in order.
   *
   * @param items Messages, or bytes sent as they are.
   */
  async send(...items: Outgoing[]): Promise<void> {
    await this.conn.send(...items);
  }

  /**
   * Writes raw bytes.
   *
   * @param bytes What to write.
   */
  async write(bytes: Uint8Array): Promise<void> {
    await this.conn.write(bytes);
  }

  /**
   * A trust startup in one call, on `BackendConnection.startup`: answers an SSLRequest with 'N',
   * reads the StartupMessage, sends AuthenticationOk, ParameterStatus, BackendKeyData and
   * ReadyForQuery.
   *
   * @param options More startup settings (another auth method, protocol version, key ...).
   * @returns The session.
   * @throws {ScriptError} when the client sent a CancelRequest instead.
   */
  async handshake(options: StartupOptions = {}): Promise<Session> {
    if (this.#tagged) throw new ScriptError("handshake(): the startup phase is already over");
    const session = await this.conn.startup({ auth: { method: "trust" }, ...options });
    if (session.type !== "StartupMessage") {
      throw new ScriptError(`expected a StartupMessage, got ${session.type}`);
    }
    this.#tagged = true;
    return session;
  }

  /**
   * Writes bytes slowly, in small pieces, so the client receives them a few at a time.
   *
   * @param what The bytes, or messages to encode.
   * @param options Piece size and pause.
   */
  async drip(what: Uint8Array | Outgoing[], options: DripOptions = {}): Promise<void> {
    const bytes = what instanceof Uint8Array ? what : encode(...what);
    const chunk = options.chunk ?? 1;
    const delayMs = options.delayMs ?? 1;
    for (let at = 0; at < bytes.length; at += chunk) {
      await this.conn.write(bytes.subarray(at, at + chunk));
      await pause(delayMs);
    }
  }

  /**
   * Makes every later write, including those of {@linkcode Peer.handshake} and
   * {@linkcode Peer.send}, drip as {@linkcode Peer.drip} does; `undefined` turns it off.
   *
   * @param options Piece size and pause.
   */
  dripWrites(options: DripOptions | undefined): void {
    this.#drip = options === undefined
      ? undefined
      : { chunk: options.chunk ?? 1, delayMs: options.delayMs ?? 1 };
  }

  /**
   * Closes the connection now, after writing `bytes` (e.g. the first bytes of a message, to cut
   * it in the middle). The client sees the end of the stream right after them.
   *
   * @param bytes Written first.
   */
  async cut(bytes?: Uint8Array): Promise<void> {
    if (bytes !== undefined && bytes.length > 0) await this.conn.write(bytes);
    await this.finish();
  }

  /**
   * Never answers: reads and drops whatever the client sends until it closes the connection.
   *
   * @returns How many bytes the client sent meanwhile.
   */
  async stall(): Promise<number> {
    let received = this.conn.takeBuffered().length;
    const socket = this.conn.socket;
    for (;;) {
      const chunk = await socket.read().catch(() => null);
      if (chunk === null) return received;
      received += chunk.length;
    }
  }

  /**
   * The server's next connection (its first message not yet read). Needs `connections` over 1.
   *
   * @returns Its peer.
   */
  accept(): Promise<Peer> {
    if (this.#hub.max < 2) {
      return Promise.reject(
        new ScriptError("accept(): this server takes one connection; pass { connections: n }"),
      );
    }
    return this.#hub.extra.take();
  }

  /**
   * Ends the connection: sends what was written, then the end of the stream, waits (a moment
   * at most) for the client to close its side, and closes.
   *
   * BackendConnection.write resolves once node:net has taken the bytes, not once they are sent;
   * closing at once would drop them (on Deno it does, every time), so this ends gracefully.
   */
  finish(): Promise<void> {
    return this.#finishing ??= (async () => {
      const socket = this.conn.socket;
      try {
        socket.end();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waited = new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_WAIT_MS));
        const drained = (async () => {
          try {
            while ((await socket.read()) !== null) { /* drop what the client still sends */ }
          } catch { /* reset, or a read already pending: closed either way */ }
        })();
        await Promise.race([drained, waited]);
        clearTimeout(timer);
      } finally {
        this.conn.close();
        this.#finished();
      }
    })();
  }
}

/**
 * Starts a scripted server on a random loopback port.
 *
 * @param script What the server does with its first connection.
 * @param options More connections, a time limit, a message size cap.
 * @returns The server, once it listens.
 */
export async function scripted(
  script: (peer: Peer) => Promise<void>,
  options: ScriptOptions = {},
): Promise<ScriptedServer> {
  const hub: Hub = { max: options.connections ?? 1, extra: new Mailbox() };
  const timeoutMs = options.timeoutMs ?? 20_000;
  const peers: Peer[] = [];
  let closing = false;
  let arrived: (peer: Peer) => void;
  const first = new Promise<Peer>((resolve) => arrived = resolve);
  const listener: Listener = await listen(
    {
      hostname: "127.0.0.1",
      port: 0,
      ...(options.maxMessageSize !== undefined ? { maxMessageSize: options.maxMessageSize } : {}),
    },
    async (conn) => {
      if (closing || peers.length >= hub.max) {
        conn.close();
        return;
      }
      const peer = new Peer(conn, hub);
      peers.push(peer);
      if (peers.length === 1) arrived(peer);
      else hub.extra.put(peer);
      // listen closes the connection when this returns: keep it open until the peer is done.
      await peer.finished;
    },
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const peer of peers) peer.conn.close();
      reject(new ScriptError(`still running after ${timeoutMs} ms (timeoutMs): stopped`));
    }, timeoutMs);
  });
  const run = first.then((peer) => script(peer));
  const done = (async () => {
    try {
      await Promise.race([run, timedOut]);
    } catch (err) {
      if (!isHangUp(err)) throw err;
    } finally {
      clearTimeout(timer);
      closing = true;
      run.catch(() => {}); // after a timeout, whatever it ends with
      timedOut.catch(() => {});
      await Promise.all(peers.map((peer) => peer.finish()));
      await listener.close();
    }
  })();
  // Marked handled so that a test that fails before awaiting it reports its own error only.
  done.catch(() => {});
  return {
    port: listener.port,
    done,
    url: (params = "sslmode=disable") => `postgres://u@127.0.0.1:${listener.port}/d?${params}`,
  };
}
