/**
 * Time limits and abort signals of one call: what a query is sent with, and how its promise gives
 * up early.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { abortReason, unrefTimer } from "../connection/connection.ts";

/** What a call may carry to be given up. */
export interface AbortOptions {
  /** Gives the call up. */
  signal?: AbortSignal;
  /** Milliseconds before it is given up with a {@link TimeoutError}; 0 for none. */
  queryTimeout?: number;
}

/** A signal to send a query with, and what to call when the query settles. */
export interface Deadline {
  signal: AbortSignal;
  done: () => void;
}

const NOTHING = (): void => {};

/** `promise`, or the signal's reason as soon as it aborts (the work goes on, unobserved). */
export function guard<T>(promise: Promise<T>, deadline: Deadline): Promise<T> {
  const { signal, done } = deadline;
  if (signal.aborted) {
    done();
    promise.catch(NOTHING);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      done();
      promise.catch(NOTHING);
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener("abort", onAbort);
      done();
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      done();
      reject(error);
    });
  });
}

/** Validates a time limit option. */
export function checkTimeout(name: string, ms: number | undefined): void {
  if (ms !== undefined && (!Number.isFinite(ms) || ms < 0)) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${ms}`);
  }
}

/**
 * The signal for one call: the caller's, a timer's, or both; undefined (no cost) when neither.
 *
 * @param options The call's signal and time limit.
 * @param fallback The time limit when the call gives none.
 */
export function deadlineFor(
  options: AbortOptions | undefined,
  fallback: number,
): Deadline | undefined {
  const user = options?.signal;
  const ms = options?.queryTimeout ?? fallback;
  if (ms === 0 || ms === undefined) {
    return user === undefined ? undefined : { signal: user, done: NOTHING };
  }
  checkTimeout("queryTimeout", ms);
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new TimeoutError(
          `Query timed out after ${ms} ms (queryTimeout); it was cancelled`,
          "query",
          ms,
        ),
      ),
    ms,
  );
  unrefTimer(timer);
  let onUser: (() => void) | undefined;
  if (user !== undefined) {
    if (user.aborted) controller.abort(abortReason(user));
    else {
      onUser = () => controller.abort(abortReason(user));
      user.addEventListener("abort", onUser, { once: true });
    }
  }
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      if (onUser !== undefined) user!.removeEventListener("abort", onUser);
    },
  };
}
