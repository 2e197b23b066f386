/**
 * Assertions for the configuration tests, on top of `node:assert/strict` (JSR is unreachable, so
 * `@std/assert` is not available).
 *
 * @module
 */

import * as nodeAssert from "node:assert/strict";

/**
 * Asserts that a value is truthy.
 *
 * @param value The value.
 * @param message What failed.
 *
 * @example
 * ```ts
 * import { assert } from "./assert.ts";
 * assert(1 + 1 === 2);
 * ```
 */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/**
 * Asserts deep, strict equality.
 *
 * @param actual The value produced.
 * @param expected The value wanted.
 *
 * @example
 * ```ts
 * import { assertEquals } from "./assert.ts";
 * assertEquals({ a: 1 }, { a: 1 });
 * ```
 */
export function assertEquals<T>(actual: unknown, expected: T): void {
  nodeAssert.deepStrictEqual(actual, expected);
}

/**
 * Asserts that `fn` throws an instance of `type` whose message contains `includes`.
 *
 * @param fn The code that should throw.
 * @param type The expected error class.
 * @param includes Text the message must contain.
 * @returns The error.
 *
 * @example
 * ```ts
 * import { assertThrows } from "./assert.ts";
 * assertThrows(() => { throw new RangeError("bad port"); }, RangeError, "port");
 * ```
 */
export function assertThrows(
  fn: () => unknown,
  type: new (...args: never[]) => Error,
  includes = "",
): Error {
  try {
    fn();
  } catch (e) {
    nodeAssert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    nodeAssert.ok(e.message.includes(includes), `message "${e.message}" lacks "${includes}"`);
    return e;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} to be thrown` });
}

/**
 * Asserts that a promise rejects with an instance of `type` whose message contains `includes`.
 *
 * @param promise The promise, or a function returning it.
 * @param type The expected error class.
 * @param includes Text the message must contain.
 * @returns The error.
 *
 * @example
 * ```ts
 * import { assertRejects } from "./assert.ts";
 * await assertRejects(Promise.reject(new TypeError("x")), TypeError, "x");
 * ```
 */
export async function assertRejects(
  promise: Promise<unknown> | (() => Promise<unknown>),
  type: new (...args: never[]) => Error,
  includes = "",
): Promise<Error> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (e) {
    nodeAssert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    nodeAssert.ok(e.message.includes(includes), `message "${e.message}" lacks "${includes}"`);
    return e;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} rejection` });
}
