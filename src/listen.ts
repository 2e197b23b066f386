/**
 * LISTEN/NOTIFY: the registry of notification handlers behind `client.listen` and `pool.listen`.
 * It sends `LISTEN` once per channel (when its first handler comes) and `UNLISTEN` when its last
 * handler goes, and hands each NotificationResponse to the channel's handlers in arrival order.
 *
 * @module
 */

import type { NotificationResponse } from "./protocol/messages.ts";
import { compileFragment, identifier } from "./sql/mod.ts";

/**
 * A notification as the server delivered it.
 *
 * @example Reading who sent a notification
 * ```ts
 * import type { Client, Notification } from "@pgline/pgline";
 * declare const db: Client;
 * const seen: Notification[] = [];
 * await using sub = await db.listen("jobs", (_payload, notification) => {
 *   seen.push(notification);
 * });
 * await db.notify("jobs", "42");
 * ```
 */
export interface Notification {
  /** Process ID of the backend that sent it (`pg_backend_pid()` of the notifier). */
  processId: number;
  /** The channel, exactly as the notifier named it. */
  channel: string;
  /** The payload (`''` when none was given). */
  payload: string;
}

/**
 * Receives the notifications of one channel, in the order the server sent them. An exception
 * (or a rejected promise) from a handler does not reach the connection or the other handlers: it
 * is reported as an uncaught error, as an `EventTarget` listener's would be (the global `error`
 * event in Deno and browsers, `uncaughtException` in Node).
 *
 * @example A handler that does asynchronous work
 * ```ts
 * import type { NotificationHandler, Pool } from "@pgline/pgline";
 * declare const pool: Pool;
 * const onJob: NotificationHandler = async (payload) => {
 *   await pool.query("update jobs set seen = true where id = $1", [Number(payload)]);
 * };
 * await using sub = await pool.listen("jobs", onJob);
 * ```
 */
export type NotificationHandler = (
  payload: string,
  notification: Notification,
) => void | Promise<void>;

/**
 * A registered handler. Dispose of it (`await using`) or call {@link Subscription.unlisten} to
 * stop receiving; the channel is `UNLISTEN`ed when its last handler goes.
 *
 * @example
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * await using sub = await db.listen("jobs", (payload) => console.log(payload));
 * await db.notify("jobs", "42");
 * ```
 */
export interface Subscription {
  /** The channel listened to. */
  readonly channel: string;
  /**
   * Removes the handler; sends `UNLISTEN` if it was the channel's last. Safe to call twice.
   *
   * @throws {ConnectionError} if the connection failed while sending `UNLISTEN` (the handler is
   * removed anyway).
   */
  unlisten(): Promise<void>;
  /** Same as {@link Subscription.unlisten} (`await using`). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Identifiers longer than this (in UTF-8 bytes) are truncated by the server (NAMEDATALEN - 1). */
const MAX_CHANNEL_BYTES = 63;

const encoder = new TextEncoder();

/**
 * Checks a channel name and quotes it as an identifier (exact case; `"` doubled).
 *
 * @param channel The channel name.
 * @returns The quoted identifier.
 * @throws {TypeError} for an empty name or one containing NUL.
 * @throws {RangeError} for a name longer than 63 bytes (the server would truncate it).
 *
 * @example
 * ```ts
 * import { quoteChannel } from "./listen.ts";
 * console.assert(quoteChannel('My "Jobs"') === '"My ""Jobs"""');
 * ```
 */
export function quoteChannel(channel: string): string {
  const quoted = compileFragment(identifier(channel)).text;
  const bytes = encoder.encode(channel).length;
  if (bytes > MAX_CHANNEL_BYTES) {
    throw new RangeError(
      `Cannot listen on channel "${channel}": ${bytes} bytes is more than the server's ` +
        `${MAX_CHANNEL_BYTES}-byte identifier limit`,
    );
  }
  return quoted;
}

/** Reports a handler's failure without letting it reach the connection's read loop. */
function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * Runs `LISTEN` or `UNLISTEN` for one channel (already quoted as an identifier) and settles when
 * the server has answered.
 */
export type ListenSender = (command: "LISTEN" | "UNLISTEN", quotedChannel: string) => Promise<void>;

/** One channel's handlers and whether its `LISTEN` has been confirmed. */
interface ChannelState {
  handlers: Set<NotificationHandler>;
  /** Settles when the `LISTEN` sent for the current set of handlers is answered. */
  ready: Promise<void>;
}

/**
 * Handlers by channel, and the `LISTEN`/`UNLISTEN` commands that keep the server in step. The
 * commands go through `send`, in call order (a connection runs them in that order), so a
 * `LISTEN` after an `UNLISTEN` of the same channel wins.
 *
 * @example
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * import { ListenRegistry } from "./listen.ts";
 * declare const client: Client;
 * const registry = new ListenRegistry(async (command, channel) => {
 *   await client.simpleQuery(`${command} ${channel}`);
 * });
 * client.connection.onNotification = (n) => registry.dispatch(n);
 * const sub = await registry.subscribe("jobs", (payload) => console.log(payload));
 * ```
 */
export class ListenRegistry {
  readonly #send: ListenSender;
  readonly #channels = new Map<string, ChannelState>();

  /** @param send Runs `LISTEN`/`UNLISTEN` on the listening connection. */
  constructor(send: ListenSender) {
    this.#send = send;
  }

  /** Channels that have at least one handler. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * The statement that listens on every channel with a handler, for a new connection (e.g. after
   * a reconnect), or undefined when there are none.
   */
  listenAllSql(): string | undefined {
    if (this.#channels.size === 0) return undefined;
    return this.channels.map((c) => `LISTEN ${quoteChannel(c)}`).join("; ");
  }

  /**
   * Adds a handler; sends `LISTEN` when it is the channel's first.
   *
   * @param channel The channel (an identifier: exact case, any characters but NUL).
   * @param handler Called with each notification's payload.
   * @returns The subscription, once the server has confirmed the `LISTEN`.
   * @throws {TypeError|RangeError} for a bad channel name.
   * @throws {ConnectionError|PostgresError} when `LISTEN` fails (the handler is not kept).
   */
  async subscribe(channel: string, handler: NotificationHandler): Promise<Subscription> {
    if (typeof handler !== "function") {
      throw new TypeError("Cannot listen: the handler is not a function");
    }
    const quoted = quoteChannel(channel);
    // Each subscription gets its own wrapper, so one function may be added twice and removed once.
    const own: NotificationHandler = (payload, n) => handler(payload, n);
    let state = this.#channels.get(channel);
    if (state === undefined) {
      state = { handlers: new Set(), ready: this.#send("LISTEN", quoted) };
      this.#channels.set(channel, state);
    }
    state.handlers.add(own);
    try {
      await state.ready;
    } catch (err) {
      this.#remove(channel, own, false);
      throw err;
    }
    let done: Promise<void> | undefined;
    const unlisten = (): Promise<void> => done ??= this.#remove(channel, own, true);
    return { channel, unlisten, [Symbol.asyncDispose]: unlisten };
  }

  /** Drops a handler; the last one of a channel takes the `LISTEN` with it. */
  #remove(channel: string, handler: NotificationHandler, sendUnlisten: boolean): Promise<void> {
    const state = this.#channels.get(channel);
    if (state === undefined || !state.handlers.delete(handler)) return Promise.resolve();
    if (state.handlers.size > 0) return Promise.resolve();
    this.#channels.delete(channel);
    if (!sendUnlisten) return Promise.resolve();
    return this.#send("UNLISTEN", quoteChannel(channel));
  }

  /**
   * Hands a notification to its channel's handlers, in the order they subscribed. A handler's
   * exception is reported as uncaught, after the others have run.
   *
   * @param message The NotificationResponse.
   */
  dispatch(message: NotificationResponse): void {
    const state = this.#channels.get(message.channel);
    if (state === undefined) return; // Arrived between UNLISTEN and its reply.
    const notification: Notification = {
      processId: message.processId,
      channel: message.channel,
      payload: message.payload,
    };
    for (const handler of [...state.handlers]) {
      try {
        const result = handler(message.payload, notification);
        if (result !== undefined && typeof result.then === "function") {
          result.then(undefined, report);
        }
      } catch (err) {
        report(err);
      }
    }
  }
}
