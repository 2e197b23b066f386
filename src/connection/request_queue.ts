/**
 * A first-in first-out queue with O(1) push and shift, for the requests in flight on a connection
 * (an array's `shift` is O(n), which thousands of pipelined queries would feel).
 *
 * @module
 */

/**
 * A FIFO queue.
 *
 * @example
 * ```ts
 * import { RequestQueue } from "./request_queue.ts";
 * const q = new RequestQueue<number>();
 * q.push(1);
 * q.push(2);
 * console.assert(q.shift() === 1 && q.peek() === 2 && q.length === 1);
 * ```
 */
export class RequestQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Number of items queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends an item. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }

  /** Whether `item` is still queued (a linear scan: for rare checks only). */
  includes(item: T): boolean {
    for (let i = this.#head; i < this.#items.length; i++) if (this.#items[i] === item) return true;
    return false;
  }
}
