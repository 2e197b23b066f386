/**
 * Requests whose caller may give up with an AbortSignal.
 *
 * @module
 */

import type { BackendMessage } from "../protocol/messages.ts";
import { abortReason, type Request, type Waiting } from "./session.ts";

/** What an abortable request needs from its connection. */
export interface AbortHost {
  /** Takes unsent work out of the waiting list; false when it already ran. */
  unwait(entry: Waiting): boolean;
  /** Cancels a sent request on the server once it is the one running. */
  cancelWhenRunning(request: Request): void;
  /** Forgets a pending cancel of a request that finished. */
  settled(request: Request): void;
}

/**
 * A request whose caller may give up: unsent, it is taken out of the waiting list; sent, it is
 * cancelled on the server once it is the one running. Replies still reach it (the statement
 * cache must see them); the caller's promise is rejected by whoever raced it against the signal.
 */
export class Abortable implements Request {
  readonly #inner: Request;
  readonly #signal: AbortSignal;
  readonly #connection: AbortHost;
  #entry: Waiting | undefined;
  #sent = false;
  #done = false;
  readonly #onAbort = (): void => this.#abort();

  constructor(inner: Request, signal: AbortSignal, connection: AbortHost) {
    this.#inner = inner;
    this.#signal = signal;
    this.#connection = connection;
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  waiting(entry: Waiting): void {
    this.#entry = entry;
  }

  sent(): void {
    this.#entry = undefined;
    this.#sent = true;
  }

  #abort(): void {
    if (this.#done) return;
    if (this.#sent) {
      this.#connection.cancelWhenRunning(this);
      return;
    }
    if (this.#entry !== undefined && this.#connection.unwait(this.#entry)) {
      this.#finish();
      this.#inner.onFailure(abortReason(this.#signal) as Error);
    }
  }

  #finish(): void {
    this.#done = true;
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#connection.settled(this);
  }

  onMessage(message: BackendMessage): void | Promise<void> {
    if (message.type === "ReadyForQuery") this.#finish();
    return this.#inner.onMessage(message);
  }

  onFailure(error: Error): void {
    this.#finish();
    this.#inner.onFailure(error);
  }
}
