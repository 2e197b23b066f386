/**
 * A message channel over one socket: frames outgoing messages, decodes incoming ones, and reports
 * both directions to an optional trace callback.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { BackendStreamReader } from "../protocol/stream_reader.ts";
import { BufferWriter } from "../protocol/buffer_writer.ts";
import { writeFrontendMessage } from "../protocol/frontend.ts";
import type { BackendMessage, FrontendMessage } from "../protocol/messages.ts";
import type { Direction } from "../protocol/trace.ts";
import type { Socket } from "../transport/transport.ts";

/**
 * Receives every message sent and received, for tracing.
 *
 * @example Printing a wire trace
 * ```ts
 * import { connect, type TraceHandler } from "@pgline/pgline";
 * import { traceLine } from "@pgline/pgline/protocol";
 * const onTrace: TraceHandler = (direction, message) =>
 *   console.error(traceLine(direction, message));
 * await using db = await connect("postgres://app@localhost/app", { onTrace });
 * ```
 */
export type TraceHandler = (
  direction: Direction,
  message: FrontendMessage | BackendMessage,
) => void;

/** Frames and parses the messages of one connection. */
export class Wire {
  socket: Socket;
  readonly #reader: BackendStreamReader;
  readonly #writer = new BufferWriter(4096);
  readonly #trace: TraceHandler | undefined;
  #closed = false;

  /**
   * @param socket The connected socket.
   * @param trace Optional trace callback.
   * @param maxMessageSize Cap on one incoming message.
   */
  constructor(socket: Socket, trace?: TraceHandler, maxMessageSize?: number) {
    this.socket = socket;
    this.#trace = trace;
    this.#reader = new BackendStreamReader(
      maxMessageSize === undefined ? undefined : { maxMessageSize },
    );
  }

  /** Appends a message to the outgoing buffer (sent by {@link flush}). */
  queue(message: FrontendMessage): void {
    this.#trace?.("F2B", message);
    writeFrontendMessage(this.#writer, message);
  }

  /**
   * Appends a precomputed frame (a constant message such as Sync) to the outgoing buffer.
   *
   * @param bytes The framed message.
   * @param message The same message as an object, for the trace.
   */
  queueRaw(bytes: Uint8Array, message: FrontendMessage): void {
    this.#trace?.("F2B", message);
    this.#writer.bytes(bytes);
  }

  /** Bytes queued and not yet sent. */
  get queuedLength(): number {
    return this.#writer.length;
  }

  /** Drops queued bytes after the first `length` (undoes a message that failed to encode). */
  truncateQueued(length: number): void {
    this.#writer.truncate(length);
  }

  /** The next message already received, or undefined when more bytes must be read first. */
  poll(): BackendMessage | undefined {
    const msg = this.#reader.next();
    if (msg !== undefined) this.#trace?.("B2F", msg);
    return msg;
  }

  /**
   * Reads one more chunk from the socket into the parser.
   *
   * @throws {ConnectionError} if the connection ends or fails.
   */
  async fill(): Promise<void> {
    const chunk = await this.readRaw();
    if (chunk === null) {
      this.#closed = true;
      throw new ConnectionError(
        this.#reader.buffered > 0
          ? "Server closed the connection in the middle of a message"
          : "Server closed the connection unexpectedly",
      );
    }
    this.#reader.push(chunk);
  }

  /** Sends everything queued. */
  async flush(): Promise<void> {
    if (this.#writer.length === 0) return;
    const bytes = this.#writer.take();
    try {
      await this.socket.write(bytes);
    } catch (err) {
      throw new ConnectionError(`Cannot write to the server: ${describe(err)}`, { cause: err });
    }
  }

  /** Queues and sends one message. */
  send(message: FrontendMessage): Promise<void> {
    this.queue(message);
    return this.flush();
  }

  /** Sends raw bytes (already framed). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    try {
      await this.socket.write(bytes);
    } catch (err) {
      throw new ConnectionError(`Cannot write to the server: ${describe(err)}`, { cause: err });
    }
  }

  /** Reads one raw chunk (used for the single-byte answer to SSLRequest). */
  async readRaw(): Promise<Uint8Array | null> {
    try {
      return await this.socket.read();
    } catch (err) {
      throw new ConnectionError(`Cannot read from the server: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Returns the next message from the server.
   *
   * @throws {ConnectionError} if the connection ends or fails first.
   * @throws {ProtocolError} if the server breaks the protocol.
   */
  async receive(): Promise<BackendMessage> {
    for (;;) {
      const msg = this.poll();
      if (msg !== undefined) return msg;
      await this.fill();
    }
  }

  /** True once the server closed the stream. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket. */
  close(): void {
    this.#closed = true;
    this.socket.close();
  }
}

/** A short description of an unknown thrown value. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
