/**
 * The server side of one connection: the startup phase (SSLRequest, GSSENCRequest, direct TLS,
 * CancelRequest, StartupMessage and protocol negotiation), authentication, and then messages
 * both ways, on the two-sided codec.
 *
 * @module
 */

import { ConnectionError, ProtocolError } from "../errors.ts";
import { BufferWriter } from "../protocol/buffer_writer.ts";
import { writeBackendMessage } from "../protocol/backend.ts";
import { decodeStartupPacket, type PasswordPacketKind } from "../protocol/frontend.ts";
import { MAX_STARTUP_PACKET_LENGTH, PROTOCOL_3_0, PROTOCOL_3_2 } from "../protocol/constants.ts";
import type {
  BackendMessage,
  CancelRequest,
  FrontendMessage,
  GSSENCRequest,
  NoticeFields,
  SSLRequest,
  StartupMessage,
} from "../protocol/messages.ts";
import { FrontendStreamReader } from "../protocol/stream_reader.ts";
import type { ServerTlsOptions, TlsInfo } from "../transport/transport.ts";
import { authenticate, type AuthMethod } from "./auth.ts";

/**
 * What a server connection needs of its socket: a `node:net` socket wrapped by
 * {@linkcode listen} provides it.
 *
 * @example The shape
 * ```ts
 * import type { ServerSocket } from "@pgline/pgline/server";
 * const describe = (s: ServerSocket): string => `${s.buffered} bytes buffered`;
 * console.assert(typeof describe === "function");
 * ```
 */
export interface ServerSocket {
  /** The next chunk received; null at end of stream. */
  read(): Promise<Uint8Array | null>;
  /** Writes bytes; resolves once the socket accepted them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Runs the TLS handshake as the server; `replay` are handshake bytes already read. */
  acceptTls(options: ServerTlsOptions, replay?: Uint8Array): Promise<TlsInfo>;
  /** Bytes received and not yet read. */
  readonly buffered: number;
  /** The client's address, when known. */
  readonly remote: { address: string; port: number } | undefined;
  /** Sends what is queued, then closes the sending side. */
  end(): void;
  /** Closes at once. Safe to call twice. */
  close(): void;
}

/**
 * A packet of the startup phase, as the client sent it.
 *
 * @example Telling them apart
 * ```ts
 * import type { StartupPacket } from "@pgline/pgline/server";
 * const wantsTls = (p: StartupPacket): boolean => p.type === "SSLRequest";
 * console.assert(wantsTls({ type: "SSLRequest" }));
 * ```
 */
export type StartupPacket = SSLRequest | GSSENCRequest | CancelRequest | StartupMessage;

/**
 * Options of every connection a {@linkcode listen} accepts.
 *
 * @example A cap on message size
 * ```ts
 * import type { BackendConnectionOptions } from "@pgline/pgline/server";
 * const options: BackendConnectionOptions = { maxMessageSize: 1 << 20 };
 * console.assert(options.maxMessageSize === 1048576);
 * ```
 */
export interface BackendConnectionOptions {
  /**
   * The largest message accepted from the client, length word included.
   *
   * @default {1073741824}
   */
  maxMessageSize?: number;
}

/**
 * Options of {@linkcode BackendConnection.startup}: what the server offers and asks.
 *
 * @example TLS required, SCRAM, and protocol 3.0 only
 * ```ts
 * import type { StartupOptions } from "@pgline/pgline/server";
 * const options: StartupOptions = {
 *   requireTls: true,
 *   auth: { method: "scram-sha-256", password: "secret" },
 *   newestMinorVersion: 0,
 * };
 * console.assert(options.requireTls);
 * ```
 */
export interface StartupOptions {
  /** Accept TLS (after SSLRequest, or direct TLS) with this certificate; without it, 'N'. */
  tls?: ServerTlsOptions;
  /** Refuse clients that did not switch to TLS, as a `hostssl` line in `pg_hba.conf` does. */
  requireTls?: boolean;
  /**
   * How clients prove who they are: one method, or a function choosing one from the startup
   * parameters (per user, say).
   *
   * @default {{ method: "trust" }}
   */
  auth?: AuthMethod | ((startup: StartupMessage, tls: TlsInfo | undefined) => AuthMethod);
  /** ParameterStatus values sent after authentication, over the defaults (server_version …). */
  parameters?: Record<string, string>;
  /**
   * The newest minor version of protocol 3 served: 2 (3.2, PostgreSQL 18) or 0 (3.0). A client
   * asking for more gets NegotiateProtocolVersion.
   *
   * @default {2}
   */
  newestMinorVersion?: 0 | 2;
  /** The process ID sent in BackendKeyData. @default {a random positive 31-bit number} */
  processId?: number;
  /** The cancel key: 4 bytes under 3.0; 32 random bytes under 3.2 by default. */
  secretKey?: Uint8Array;
}

/**
 * The outcome of {@linkcode BackendConnection.startup} for a client that logged in.
 *
 * @example Reading it
 * ```ts
 * import type { Session } from "@pgline/pgline/server";
 * const greet = (s: Session): string => `${s.user} on ${s.database}`;
 * console.assert(typeof greet === "function");
 * ```
 */
export interface Session {
  /** Discriminator (the client sent a StartupMessage). */
  type: "StartupMessage";
  /** The `user` parameter. */
  user: string;
  /** The `database` parameter, or the user name when none was sent. */
  database: string;
  /** Every startup parameter, in the client's order. */
  parameters: Record<string, string>;
  /** The protocol version in use after negotiation, e.g. {@link PROTOCOL_3_2}. */
  protocolVersion: number;
  /** What was sent in BackendKeyData. */
  processId: number;
  /** The cancel key sent in BackendKeyData. */
  secretKey: Uint8Array;
  /** The TLS session, when the client switched to TLS. */
  tls: TlsInfo | undefined;
}

/** ParameterStatus values a PostgreSQL 18 server reports, for clients that expect them. */
const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
  server_version: "18.0",
  server_encoding: "UTF8",
  client_encoding: "UTF8",
  DateStyle: "ISO, MDY",
  IntervalStyle: "postgres",
  TimeZone: "UTC",
  integer_datetimes: "on",
  standard_conforming_strings: "on",
  is_superuser: "off",
  in_hot_standby: "off",
  default_transaction_read_only: "off",
  scram_iterations: "4096",
};

const TLS_HANDSHAKE = 0x16;
const EMPTY = new Uint8Array(0);

/**
 * One client connection, seen from the server: read the startup phase, answer TLS requests,
 * authenticate, then exchange messages. Build fake servers, proxies and test doubles on it.
 *
 * @example Accepting a client by hand
 * ```ts
 * import { listen } from "@pgline/pgline/server";
 * const server = await listen({ port: 0 }, async (conn) => {
 *   const first = await conn.readStartupPacket();
 *   if (first.message.type === "SSLRequest") await conn.answerSsl(undefined); // 'N'
 *   conn.close();
 * });
 * await server.close();
 * ```
 */
export class BackendConnection {
  readonly #socket: ServerSocket;
  readonly #maxMessageSize: number | undefined;
  /** Startup-phase bytes read and not yet used. */
  #pending: Uint8Array = EMPTY;
  /** The tagged-message reader, once a StartupMessage was read. */
  #reader: FrontendStreamReader | undefined;
  readonly #writer = new BufferWriter(1024);
  #tls: TlsInfo | undefined;
  #closed = false;

  /**
   * Wraps a connected socket.
   *
   * @param socket The client's connection.
   * @param options The message size cap.
   */
  constructor(socket: ServerSocket, options?: BackendConnectionOptions) {
    this.#socket = socket;
    this.#maxMessageSize = options?.maxMessageSize;
  }

  /** The socket, for proxies that take over the byte stream after the startup phase. */
  get socket(): ServerSocket {
    return this.#socket;
  }

  /** The TLS session, once one was accepted. */
  get tls(): TlsInfo | undefined {
    return this.#tls;
  }

  /** The client's address and port, when known. */
  get remote(): { address: string; port: number } | undefined {
    return this.#socket.remote;
  }

  /** True after {@linkcode BackendConnection.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How the next 'p' message is decoded; set from the authentication request last sent. */
  set passwordKind(kind: PasswordPacketKind) {
    this.#tagged().passwordKind = kind;
  }

  /**
   * Reads one startup-phase packet, with its bytes exactly as received. If TLS options are given
   * and the client starts a TLS handshake instead (direct TLS, PostgreSQL 17+), the handshake is
   * run first, requiring ALPN `postgresql`, and the packet is read from inside TLS.
   *
   * @param directTls Accept direct TLS with these settings.
   * @returns The packet decoded, and its bytes.
   * @throws {ProtocolError} for a malformed or oversized packet.
   * @throws {ConnectionError} when the client hangs up first.
   */
  async readStartupPacket(
    directTls?: ServerTlsOptions,
  ): Promise<{ message: StartupPacket; bytes: Uint8Array }> {
    if (this.#reader !== undefined) {
      throw new ProtocolError("The startup phase is over: a StartupMessage was already read");
    }
    await this.#fillTo(1);
    if (this.#pending[0] === TLS_HANDSHAKE && directTls !== undefined && this.#tls === undefined) {
      // Every byte received so far belongs to the handshake (a ClientHello can arrive in several
      // segments): take what the socket has queued too, with no wait between the last check and
      // the hand-over to TLS, or it would be lost.
      while (this.#socket.buffered > 0) await this.#fillTo(this.#pending.length + 1);
      const replay = this.#pending;
      this.#pending = EMPTY;
      this.#tls = await this.#socket.acceptTls(
        { ...directTls, alpnProtocols: ["postgresql"] },
        replay,
      );
      if (this.#tls.alpnProtocol !== "postgresql") {
        this.close();
        throw new ProtocolError(
          'Direct TLS connection without ALPN protocol "postgresql" refused',
        );
      }
    }
    await this.#fillTo(4);
    const view = new DataView(this.#pending.buffer, this.#pending.byteOffset, 4);
    const length = view.getInt32(0);
    if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) {
      throw new ProtocolError(`invalid length of startup packet: ${length}`, 0);
    }
    await this.#fillTo(length);
    const bytes = this.#pending.slice(0, length);
    this.#pending = this.#pending.subarray(length);
    const message = decodeStartupPacket(bytes, 4, length) as StartupPacket;
    if (message.type === "StartupMessage") {
      const reader = this.#tagged();
      reader.push(bytes);
      reader.next(); // the StartupMessage itself: it moves the reader to tagged framing
    }
    return { message, bytes };
  }

  /**
   * Answers an SSLRequest: with `tls`, 'S' and the TLS handshake as the server; without, 'N'.
   *
   * @param tls The server's certificate, or undefined to decline.
   * @returns The TLS session, or undefined when declined.
   * @throws {ProtocolError} when the client sent bytes after its SSLRequest before the answer
   * (they could be spliced into the encrypted session, CVE-2021-23222).
   */
  async answerSsl(tls: ServerTlsOptions | undefined): Promise<TlsInfo | undefined> {
    if (tls === undefined || this.#tls !== undefined) {
      await this.write(new Uint8Array([0x4e]));
      return undefined;
    }
    if (this.#pending.length > 0 || this.#socket.buffered > 0) {
      throw new ProtocolError("received unencrypted data after SSL request");
    }
    await this.write(new Uint8Array([0x53]));
    // With a socket whose writes resolve late, the ClientHello may be here already: it goes to
    // TLS (as OpenSSL reads whatever follows 'S' in PostgreSQL), with no wait between the last
    // check and the hand-over.
    while (this.#socket.buffered > 0) await this.#fillTo(this.#pending.length + 1);
    const replay = this.#pending;
    this.#pending = EMPTY;
    this.#tls = await this.#socket.acceptTls(tls, replay);
    return this.#tls;
  }

  /**
   * Runs the whole startup phase as PostgreSQL does: answers SSLRequest and GSSENCRequest
   * (GSSAPI encryption is declined), accepts direct TLS when `tls` is set, negotiates the
   * protocol version, authenticates, and sends ParameterStatus, BackendKeyData and
   * ReadyForQuery. A CancelRequest ends the phase and is returned for the caller to act on.
   *
   * @param options What the server offers and asks.
   * @returns The session, or the CancelRequest.
   * @throws {AuthenticationError} when the client failed to authenticate (it was sent a FATAL).
   * @throws {ProtocolError} when the client broke the protocol (it was sent a FATAL if possible).
   * @throws {ConnectionError} when the client hung up.
   */
  async startup(options: StartupOptions = {}): Promise<Session | CancelRequest> {
    let startup: StartupMessage | undefined;
    try {
      for (let first = true; startup === undefined; first = false) {
        const { message } = await this.readStartupPacket(first ? options.tls : undefined);
        switch (message.type) {
          case "SSLRequest":
            await this.answerSsl(options.tls);
            break;
          case "GSSENCRequest":
            await this.write(new Uint8Array([0x4e]));
            break;
          case "CancelRequest":
            this.close();
            return message;
          case "StartupMessage":
            startup = message;
        }
      }
    } catch (err) {
      if (err instanceof ProtocolError) await this.fatal("08P01", err.message).catch(() => {});
      throw err;
    }
    const user = startup.parameters.user;
    if (user === undefined || user === "") {
      await this.fatal("28000", "no PostgreSQL user name specified in startup packet");
      throw new ProtocolError("no PostgreSQL user name specified in startup packet");
    }
    if (options.requireTls && this.#tls === undefined) {
      const message = `connection for user "${user}" refused: TLS is required`;
      await this.fatal("28000", message);
      throw new ProtocolError(message);
    }
    const protocolVersion = await this.#negotiate(startup, options.newestMinorVersion ?? 2);
    const method = typeof options.auth === "function"
      ? options.auth(startup, this.#tls)
      : options.auth ?? { method: "trust" };
    await authenticate(this, user, method);

    const processId = options.processId ?? 1 + Math.floor(Math.random() * 0x7ffffffe);
    const secretKey = options.secretKey ??
      crypto.getRandomValues(new Uint8Array(protocolVersion >= PROTOCOL_3_2 ? 32 : 4));
    const parameters: Record<string, string> = {
      ...DEFAULT_PARAMETERS,
      application_name: startup.parameters.application_name ?? "",
      session_authorization: user,
      ...options.parameters,
    };
    for (const [name, value] of Object.entries(parameters)) {
      this.queue({ type: "ParameterStatus", name, value });
    }
    this.queue({ type: "BackendKeyData", processId, secretKey });
    this.queue({ type: "ReadyForQuery", status: "I" });
    await this.flush();
    return {
      type: "StartupMessage",
      user,
      database: startup.parameters.database || user,
      parameters: startup.parameters,
      protocolVersion,
      processId,
      secretKey,
      tls: this.#tls,
    };
  }

  /**
   * Answers the requested protocol version: 3.0 up to 3.`newest`; a newer minor or `_pq_.`
   * options get NegotiateProtocolVersion, as PostgreSQL sends it: with the whole version word
   * (`3 << 16 | minor`, which libpq 18 checks), not the minor alone. 3.1, never released, is
   * served like PostgreSQL 18 serves it: as itself, with a 4-byte cancel key.
   */
  async #negotiate(startup: StartupMessage, newest: number): Promise<number> {
    const minor = startup.protocolVersion & 0xffff;
    const version = PROTOCOL_3_0 + Math.min(minor, newest);
    const unrecognized = Object.keys(startup.parameters).filter((k) => k.startsWith("_pq_."));
    if (minor > newest || unrecognized.length > 0) {
      await this.send({
        type: "NegotiateProtocolVersion",
        newestMinorVersion: version,
        unrecognizedOptions: unrecognized,
      });
    }
    return version;
  }

  /**
   * The next message from the client (after the startup phase).
   *
   * @returns The message.
   * @throws {ConnectionError} when the client hangs up first.
   * @throws {ProtocolError} when its bytes are not a valid message.
   */
  async receive(): Promise<FrontendMessage> {
    const reader = this.#tagged();
    if (this.#pending.length > 0) {
      reader.push(this.#pending);
      this.#pending = EMPTY;
    }
    for (;;) {
      const msg = reader.next();
      if (msg !== undefined) return msg;
      const chunk = await this.#read();
      reader.push(chunk);
    }
  }

  /**
   * Receives the next message and checks its type.
   *
   * @param type The message type expected.
   * @returns The message.
   * @throws {ProtocolError} when another message arrives.
   */
  async expect<T extends FrontendMessage["type"]>(
    type: T,
  ): Promise<Extract<FrontendMessage, { type: T }>> {
    const msg = await this.receive();
    if (msg.type !== type) {
      throw new ProtocolError(`expected ${type} from the client, got ${msg.type}`);
    }
    return msg as Extract<FrontendMessage, { type: T }>;
  }

  /** Appends a message to the outgoing buffer (sent by {@linkcode BackendConnection.flush}). */
  queue(message: BackendMessage): void {
    writeBackendMessage(this.#writer, message);
  }

  /** Sends everything queued. */
  async flush(): Promise<void> {
    if (this.#writer.length === 0) return;
    await this.write(this.#writer.take());
  }

  /**
   * Queues and sends messages.
   *
   * @param messages The messages, in order; raw bytes are sent as they are.
   */
  async send(...messages: (BackendMessage | Uint8Array)[]): Promise<void> {
    for (const m of messages) {
      if (m instanceof Uint8Array) {
        await this.flush();
        await this.write(m);
      } else this.queue(m);
    }
    await this.flush();
  }

  /**
   * Writes raw bytes.
   *
   * @throws {ConnectionError} when the connection is closed.
   */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#socket.write(bytes);
    } catch (err) {
      throw new ConnectionError(`Cannot write to the client: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /**
   * Sends a FATAL ErrorResponse and closes the connection, as PostgreSQL ends a session.
   *
   * @param code SQLSTATE.
   * @param message The primary message.
   * @param fields More fields (`D` detail, `H` hint …).
   */
  async fatal(code: string, message: string, fields?: NoticeFields): Promise<void> {
    try {
      await this.send({
        type: "ErrorResponse",
        fields: { S: "FATAL", V: "FATAL", C: code, M: message, ...fields },
      });
    } finally {
      this.end();
    }
  }

  /**
   * Bytes already read past the startup phase and not yet returned as messages; a proxy forwards
   * them before piping the socket. Only bytes read by {@linkcode BackendConnection.readStartupPacket}
   * are here: once {@linkcode BackendConnection.receive} has run (authentication runs it), the
   * start of a message not yet complete is held by the message reader instead.
   *
   * @returns The bytes; the reader no longer holds them.
   */
  takeBuffered(): Uint8Array {
    const pending = this.#pending;
    this.#pending = EMPTY;
    return pending;
  }

  /** Sends what is queued and closes the sending side. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
  }

  /** Closes the connection at once. Safe to call twice. */
  close(): void {
    this.#closed = true;
    this.#socket.close();
  }

  #tagged(): FrontendStreamReader {
    return this.#reader ??= new FrontendStreamReader(
      this.#maxMessageSize === undefined ? undefined : { maxMessageSize: this.#maxMessageSize },
    );
  }

  async #read(): Promise<Uint8Array> {
    let chunk: Uint8Array | null;
    try {
      chunk = await this.#socket.read();
    } catch (err) {
      throw new ConnectionError(`Cannot read from the client: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (chunk === null) throw new ConnectionError("The client closed the connection");
    return chunk;
  }

  /** Reads until at least `n` startup-phase bytes are pending. */
  async #fillTo(n: number): Promise<void> {
    while (this.#pending.length < n) {
      const chunk = await this.#read();
      if (this.#pending.length === 0) this.#pending = chunk;
      else {
        const joined = new Uint8Array(this.#pending.length + chunk.length);
        joined.set(this.#pending);
        joined.set(chunk, this.#pending.length);
        this.#pending = joined;
      }
    }
  }
}
