/**
 * A tiny portable test API: the subset of `Deno.test` that the test files use, so the same files
 * run on Deno, Bun and Node.
 *
 * On Deno, {@link test} hands every definition to `Deno.test` unchanged, so `deno test` behaves
 * exactly as with `Deno.test` (counts, filters, sanitizers). On Bun and Node it records the
 * definition in a registry that `tests/harness/portable_runner.ts` runs.
 *
 * @module
 */

import process from "node:process";

/** The runtime the tests run on. */
export type TestRuntime = "deno" | "bun" | "node";

/** The runtime this module was loaded on. */
export const runtime: TestRuntime = (() => {
  const global = globalThis as { Deno?: unknown; Bun?: unknown };
  if (global.Deno !== undefined) return "deno";
  if (global.Bun !== undefined) return "bun";
  return "node";
})();

/** What a test (or a step) receives: its name, and a way to run nested steps. */
export interface TestContext {
  /** The test's or step's name. */
  readonly name: string;
  /**
   * Runs a nested step. A failing step fails the enclosing test; the step itself resolves with
   * `false` rather than throwing, as with `Deno.test`.
   *
   * @param name The step's name.
   * @param fn Its body.
   * @returns Whether the step passed.
   */
  step(name: string, fn: (t: TestContext) => void | Promise<void>): Promise<boolean>;
}

/** A test body. */
export type TestFunction = (t: TestContext) => void | Promise<void>;

/** A test's settings. */
export interface TestOptions {
  /** The test's name. */
  name: string;
  /** Skip the test (reported as ignored). */
  ignore?: boolean;
}

/** A complete test definition. */
export interface TestDefinition extends TestOptions {
  /** The test body. */
  fn: TestFunction;
}

/** A test recorded for the portable runner. */
export interface RegisteredTest {
  /** The test's name. */
  readonly name: string;
  /** Whether it is skipped. */
  readonly ignore: boolean;
  /** Its body. */
  readonly fn: TestFunction;
}

const registry: RegisteredTest[] = [];

/**
 * Registers a test.
 *
 * @param name The test's name.
 * @param fn Its body.
 */
export function test(name: string, fn: TestFunction): void;
/**
 * Registers a test.
 *
 * @param definition Name, body and settings.
 */
export function test(definition: TestDefinition): void;
/**
 * Registers a test.
 *
 * @param options Name and settings.
 * @param fn Its body.
 */
export function test(options: TestOptions, fn: TestFunction): void;
export function test(first: string | TestOptions | TestDefinition, second?: TestFunction): void {
  let definition: TestDefinition;
  if (typeof first === "string") {
    if (second === undefined) throw new TypeError(`test "${first}" has no body`);
    definition = { name: first, fn: second };
  } else {
    const fn = second ?? (first as Partial<TestDefinition>).fn;
    if (fn === undefined) throw new TypeError(`test "${first.name}" has no body`);
    definition = { ...first, fn };
  }
  if (runtime === "deno") {
    Deno.test(definition as Deno.TestDefinition);
    return;
  }
  registry.push({ name: definition.name, ignore: definition.ignore === true, fn: definition.fn });
}

/**
 * The tests registered so far on Bun or Node, in registration order (always empty on Deno).
 *
 * @returns The registry (a copy).
 */
export function registeredTests(): RegisteredTest[] {
  return [...registry];
}

/**
 * Catches what the runtime would report as uncaught while `capture` is active: exceptions thrown
 * outside any promise chain (e.g. from a microtask) and unhandled rejections. On Deno these are
 * the `error` and `unhandledrejection` events on `globalThis` (their default is prevented); on
 * Bun and Node, the process's `uncaughtException` and `unhandledRejection` events (the portable
 * runner leaves an error to the test while the test listens for it).
 *
 * @param onError Receives each error or rejection reason.
 * @returns A function that stops capturing.
 */
export function captureUncaught(onError: (error: unknown) => void): () => void {
  if (runtime === "deno") {
    const onErrorEvent = (e: ErrorEvent): void => {
      e.preventDefault();
      onError(e.error);
    };
    const onRejection = (e: PromiseRejectionEvent): void => {
      e.preventDefault();
      onError(e.reason);
    };
    globalThis.addEventListener("error", onErrorEvent);
    globalThis.addEventListener("unhandledrejection", onRejection);
    return () => {
      globalThis.removeEventListener("error", onErrorEvent);
      globalThis.removeEventListener("unhandledrejection", onRejection);
    };
  }
  const listener = (error: unknown): void => onError(error);
  process.on("uncaughtException", listener);
  process.on("unhandledRejection", listener);
  return () => {
    process.off("uncaughtException", listener);
    process.off("unhandledRejection", listener);
  };
}
