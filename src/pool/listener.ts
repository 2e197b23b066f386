/**
 * The pool's listening connection: one dedicated session (outside the pool's `max`) that holds
 * every `LISTEN`, and that is re-opened, with every channel listened to again, when it dies.
 *
 * @module
 */

import type { Client } from "../client.ts";
import { ConnectionError } from "../errors.ts";
import { ListenRegistry, type NotificationHandler, type Subscription } from "../listen.ts";

/** First wait before re-opening a dead listening connection, in ms; it doubles per failure. */
const FIRST_BACKOFF = 100;
/** Longest wait between attempts to re-open it, in ms. */
const MAX_BACKOFF = 5_000;
/**
 * How often the listening connection is checked, in ms. A connection only learns it died when it
 * reads; an idle one says so through its `failure`, which is looked at this often.
 */
const WATCH_INTERVAL = 250;
/** Longest time limit of the heartbeat query, in ms (a shorter heartbeat interval wins). */
const HEARTBEAT_TIMEOUT = 10_000;

/** Whether a client can still be used. */
export function isHealthy(client: Client): boolean {
  return client.state === "CONNECTION_OK" && client.connection.failure === undefined;
}

/**
 * Keeps the pool's subscriptions on one connection. Notifications sent while it is down (between
 * its death and the end of the re-`LISTEN`) are lost, as for any LISTEN session that reconnects.
 *
 * @example
 * ```ts
 * import { connect } from "@pgline/pgline";
 * import { PoolListener } from "./listener.ts";
 * const config = "postgres://app@localhost/app";
 * const listener = new PoolListener(() => connect(config));
 * await using sub = await listener.subscribe("jobs", (payload) => console.log(payload));
 * await listener.close();
 * ```
 */
export class PoolListener {
  readonly #connect: () => Promise<Client>;
  readonly #registry: ListenRegistry;
  #client: Client | undefined;
  #attempt: Promise<Client> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchTimer: ReturnType<typeof setInterval> | undefined;
  #backoff = FIRST_BACKOFF;
  #closed = false;
  readonly #heartbeat: number;
  #lastBeat = 0;
  /** Time limit of LISTEN, UNLISTEN and the heartbeat, in ms. */
  get #commandTimeout(): number {
    return this.#heartbeat === 0 ? HEARTBEAT_TIMEOUT : Math.min(HEARTBEAT_TIMEOUT, this.#heartbeat);
  }
  #beating = false;
  /** Connections opened after the first (re-opens), for statistics. */
  reconnects = 0;

  /**
   * @param connect Opens a connection with the pool's settings.
   * @param heartbeat How often (ms) an idle listening connection runs `select 1`, so that a
   *   vanished server is noticed (an idle session reads nothing, so it cannot tell); 0: never.
   */
  constructor(connect: () => Promise<Client>, heartbeat = 30_000) {
    this.#connect = connect;
    this.#heartbeat = heartbeat;
    this.#registry = new ListenRegistry((command, channel) => this.#send(command, channel));
  }

  /** The listening session's backend process ID, when it is up. */
  get processId(): number | undefined {
    const client = this.#client;
    return client !== undefined && isHealthy(client) ? client.processId : undefined;
  }

  /** Channels with at least one handler. */
  get channels(): string[] {
    return this.#registry.channels;
  }

  /**
   * Adds a handler (see {@link ListenRegistry.subscribe}); opens the listening connection if
   * needed.
   *
   * @throws {ConnectionError} when the listening connection cannot be opened.
   */
  subscribe(channel: string, handler: NotificationHandler): Promise<Subscription> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#registry.subscribe(channel, handler);
  }

  async #send(command: "LISTEN" | "UNLISTEN", channel: string): Promise<void> {
    for (let tries = 0;; tries++) {
      const current = this.#client;
      // A new session listens to nothing: an UNLISTEN has nothing to undo there.
      if (command === "UNLISTEN" && (current === undefined || !isHealthy(current))) return;
      const client = await this.#ready();
      try {
        // Time-limited like the heartbeat: a session whose peer vanished must not hang it.
        await client.simpleQuery(`${command} ${channel}`, { queryTimeout: this.#commandTimeout });
        return;
      } catch (err) {
        // The session died under the command: once more on a new one (it re-listens anyway).
        if (!(err instanceof ConnectionError) || tries > 0 || this.#closed) throw err;
      }
    }
  }

  /** The live listening client, opening one now if there is none. */
  #ready(): Promise<Client> {
    if (this.#closed) return Promise.reject(closedError());
    const client = this.#client;
    if (client !== undefined && isHealthy(client)) return Promise.resolve(client);
    return this.#startAttempt();
  }

  #startAttempt(): Promise<Client> {
    if (this.#attempt !== undefined) return this.#attempt;
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    const attempt = this.#open().finally(() => {
      if (this.#attempt === attempt) this.#attempt = undefined;
    });
    this.#attempt = attempt;
    attempt.then(undefined, () => this.#retryLater());
    return attempt;
  }

  async #open(): Promise<Client> {
    await Promise.resolve(); // Settle asynchronously even if connecting throws at once.
    const old = this.#client;
    this.#client = undefined;
    if (old !== undefined) {
      this.reconnects++;
      void old.close().catch(() => {});
    }
    const client = await this.#connect();
    client.connection.onNotification = (n) => this.#registry.dispatch(n);
    try {
      const sql = this.#registry.listenAllSql();
      if (sql !== undefined) {
        await client.simpleQuery(sql, { queryTimeout: this.#commandTimeout });
      }
      if (this.#closed) throw closedError();
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    this.#client = client;
    this.#lastBeat = Date.now();
    this.#backoff = FIRST_BACKOFF;
    this.#watch();
    return client;
  }

  /** Re-opens the listening connection after a wait, while any channel has a handler. */
  #retryLater(): void {
    if (this.#closed || this.#attempt !== undefined || this.#retryTimer !== undefined) return;
    if (this.#registry.channels.length === 0) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(delay * 2, MAX_BACKOFF);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed) return;
      const client = this.#client;
      if (client !== undefined && isHealthy(client)) return;
      void this.#startAttempt().catch(() => {}); // A failure schedules the next try.
    }, delay);
  }

  #watch(): void {
    if (this.#watchTimer !== undefined) return;
    this.#watchTimer = setInterval(() => {
      const client = this.#client;
      if (client === undefined) return;
      if (isHealthy(client)) {
        this.#beat(client);
        return;
      }
      // Dead: re-open now if anyone listens (later attempts back off), else just let it go.
      if (this.#registry.channels.length === 0) {
        this.#client = undefined;
        void client.close().catch(() => {});
        return;
      }
      if (this.#attempt === undefined && this.#retryTimer === undefined) this.#retryLater();
    }, WATCH_INTERVAL);
  }

  /**
   * Runs `select 1` when the heartbeat is due. With a time limit, an answer that never comes
   * cancels it and, if the server stays silent or cannot be reached, fails the connection, which
   * the watch then re-opens.
   */
  #beat(client: Client): void {
    if (this.#heartbeat === 0 || this.#beating) return;
    const now = Date.now();
    if (this.#lastBeat === 0) this.#lastBeat = now;
    if (now - this.#lastBeat < this.#heartbeat) return;
    this.#lastBeat = now;
    this.#beating = true;
    client.query("select 1", [], { queryTimeout: this.#commandTimeout }).catch(() => {
      // A timeout left the connection to the cancel logic, which fails it if the server is gone.
    }).finally(() => (this.#beating = false));
  }

  /** Stops re-opening and closes the listening connection. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#watchTimer !== undefined) clearInterval(this.#watchTimer);
    this.#retryTimer = undefined;
    this.#watchTimer = undefined;
    await this.#attempt?.catch(() => {});
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => {});
  }
}

/** The error for work given to a closed pool. */
export function closedError(): ConnectionError {
  return new ConnectionError("Pool is closed", { retrySafe: true });
}
