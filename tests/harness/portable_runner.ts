/**
 * Runs the portable test files on Bun or Node (Deno runs them with `deno test`).
 *
 * ```sh
 * PGLINE_TEST_SERVERS=/tmp/servers.json node tests/harness/portable_runner.ts [--jobs=N] [files...]
 * PGLINE_TEST_SERVERS=/tmp/servers.json bun tests/harness/portable_runner.ts [--jobs=N] [files...]
 * ```
 *
 * The parent starts one child process per test file with the same executable, at most `--jobs`
 * (default 2) at once. Each child imports its file, runs the tests registered through
 * `tests/harness/test.ts` in order (steps nested), attributes unhandled rejections and uncaught
 * exceptions to the test running at the time, and reports to the parent as JSON lines on file
 * descriptor 3; it exits when done even if handles stay open. A child that runs longer than
 * `--timeout` seconds (default 300) fails the test it was running and is stopped.
 *
 * The parent prints each file's outcome, then every failure with its error and stack (and the
 * child's output when the file failed), and ends with one summary line shaped like Deno's:
 * `node: ok | 830 passed (230 steps) | 0 failed | 8 ignored (41 s)`. It exits with status 1 on
 * any failure.
 *
 * Options: `--jobs=N`, `--timeout=SECONDS`, `--filter=TEXT` (only tests whose name contains
 * TEXT), `--verbose` (every test and step, and every child's output).
 *
 * Default files: `tests/*_test.ts` and `src/**\/*_test.ts`, except the Deno-only ones in
 * {@link DENO_ONLY_FILES}.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { readdirSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { registeredTests, runtime, type TestContext } from "./test.ts";

/** Repository root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** This script, for the children. */
const SELF = fileURLToPath(import.meta.url);

/**
 * Test files that exercise Deno itself; the default file list leaves them out.
 * `src/transport/deno_test.ts` tests the transport on `Deno.connect`/`Deno.startTls`.
 */
export const DENO_ONLY_FILES: readonly string[] = ["src/transport/deno_test.ts"];

/** Output kept per child (its tail), shown when the file fails. */
const OUTPUT_LIMIT = 256 * 1024;

/** How long after the child's own time limit the parent kills it. */
const KILL_GRACE_MS = 15_000;

/** File descriptor the child reports on. */
const REPORT_FD = 3;

// ---------------------------------------------------------------------------------------------
// Events from child to parent (one JSON object a line).

type Event =
  | { e: "start"; name: string }
  | { e: "step"; path: string[]; ok: boolean; ms: number; error?: string }
  | {
    e: "end";
    name: string;
    status: "ok" | "failed" | "ignored";
    ms: number;
    error?: string;
    failedSteps?: number;
  }
  | { e: "error"; error: string; fatal?: boolean }
  | { e: "timeout"; running: string | null; seconds: number }
  | { e: "done" };

function describe(error: unknown): string {
  if (error instanceof Error) return inspect(error, { depth: 6 });
  return `Uncaught (not an Error): ${inspect(error, { depth: 6 })}`;
}

// ---------------------------------------------------------------------------------------------
// Child: run one file.

interface Running {
  name: string;
  /** Errors that surfaced outside the test's own promise while it ran. */
  stray: unknown[];
}

async function runChild(file: string, timeoutSeconds: number, filter: string): Promise<void> {
  const send = (event: Event): void => {
    writeSync(REPORT_FD, JSON.stringify(event) + "\n");
  };
  let running: Running | null = null;
  const stray = (error: unknown, event: "uncaughtException" | "unhandledRejection"): void => {
    // A test that listens for these itself (see `captureUncaught`) handles them.
    if (process.listenerCount(event) > 1) return;
    if (running !== null) running.stray.push(error);
    else send({ e: "error", error: `Unhandled error outside any test: ${describe(error)}` });
  };
  process.on("unhandledRejection", (error) => stray(error, "unhandledRejection"));
  process.on("uncaughtException", (error) => stray(error, "uncaughtException"));
  const timer = setTimeout(() => {
    send({ e: "timeout", running: running?.name ?? null, seconds: timeoutSeconds });
    process.exit(1);
  }, timeoutSeconds * 1000);
  // Unreferenced: a test stuck on a promise nothing will settle lets the process end, and the
  // parent reports the test that never finished instead of waiting for the time limit.
  timer.unref?.();

  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    send({ e: "error", error: `Loading the file failed: ${describe(error)}`, fatal: true });
    process.exit(1);
  }

  for (const t of registeredTests()) {
    if (filter !== "" && !t.name.includes(filter)) continue;
    send({ e: "start", name: t.name });
    if (t.ignore) {
      send({ e: "end", name: t.name, status: "ignored", ms: 0 });
      continue;
    }
    const current: Running = { name: t.name, stray: [] };
    running = current;
    const started = performance.now();
    let failedSteps = 0;
    const context = (name: string, path: string[]): TestContext => ({
      name,
      async step(stepName, fn) {
        const stepPath = [...path, stepName];
        const stepStarted = performance.now();
        let error: unknown;
        let failed = false;
        const inner = context(stepName, stepPath);
        const before = failedSteps;
        try {
          await fn(inner);
        } catch (e) {
          failed = true;
          error = e;
        }
        const nestedFailed = failedSteps > before;
        const ok = !failed && !nestedFailed;
        if (!ok) failedSteps++;
        send({
          e: "step",
          path: stepPath,
          ok,
          ms: performance.now() - stepStarted,
          ...(failed
            ? { error: describe(error) }
            : nestedFailed
            ? { error: "a nested step failed" }
            : {}),
        });
        return ok;
      },
    });
    let error: unknown;
    let failed = false;
    try {
      await t.fn(context(t.name, []));
    } catch (e) {
      failed = true;
      error = e;
    }
    // Let rejections the test left unhandled surface while it is still the one running.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await new Promise<void>((resolve) => setImmediate(resolve));
    running = null;
    const errors: string[] = [];
    if (failed) errors.push(describe(error));
    for (const e of current.stray) errors.push(`Unhandled during the test: ${describe(e)}`);
    if (failedSteps > 0 && !failed) errors.push(`due to ${failedSteps} failed step(s)`);
    const ok = errors.length === 0;
    send({
      e: "end",
      name: t.name,
      status: ok ? "ok" : "failed",
      ms: performance.now() - started,
      ...(ok ? {} : { error: errors.join("\n\n") }),
      ...(failedSteps > 0 ? { failedSteps } : {}),
    });
  }
  send({ e: "done" });
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: spawn the children, collect, report.

interface Failure {
  file: string;
  title: string;
  error: string;
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  ignored: number;
  passedSteps: number;
  failedSteps: number;
  failures: Failure[];
  output: string;
  ms: number;
}

function listDefaultFiles(): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(ROOT, "tests"))) {
    if (name.endsWith("_test.ts")) files.push(join(ROOT, "tests", name));
  }
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith("_test.ts")) files.push(path);
    }
  };
  walk(join(ROOT, "src"));
  const skip = new Set(DENO_ONLY_FILES.map((f) => join(ROOT, ...f.split("/"))));
  return files.filter((f) => !skip.has(f)).sort();
}

function display(file: string): string {
  const rel = relative(ROOT, file);
  return rel.startsWith("..") ? file : rel.split(sep).join("/");
}

function runFile(
  file: string,
  timeoutSeconds: number,
  filter: string,
  verbose: boolean,
): Promise<FileResult> {
  const started = performance.now();
  const result: FileResult = {
    file,
    passed: 0,
    failed: 0,
    ignored: 0,
    passedSteps: 0,
    failedSteps: 0,
    failures: [],
    output: "",
    ms: 0,
  };
  const name = display(file);
  const args = [...process.execArgv, SELF, "--child", file, `--timeout=${timeoutSeconds}`];
  if (filter !== "") args.push(`--filter=${filter}`);
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: process.env,
  });
  const keep = (chunk: Buffer | string): void => {
    const text = String(chunk);
    if (verbose) process.stdout.write(text);
    result.output += text;
    if (result.output.length > OUTPUT_LIMIT) result.output = result.output.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);

  let current: string | null = null;
  let done = false;
  let timedOut = false;
  let fatal = false;
  let pending = "";
  const fail = (title: string, error: string): void => {
    result.failed++;
    result.failures.push({ file: name, title, error });
  };
  const handle = (event: Event): void => {
    switch (event.e) {
      case "start":
        current = event.name;
        break;
      case "step": {
        const title = `${current ?? "?"} ... ${event.path.join(" ... ")}`;
        if (event.ok) result.passedSteps++;
        else {
          result.failedSteps++;
          result.failures.push({ file: name, title, error: event.error ?? "failed" });
        }
        if (verbose) {
          const indent = "  ".repeat(event.path.length);
          const label = event.ok ? "ok" : "FAILED";
          console.log(`${indent}${event.path.at(-1)} ... ${label} (${Math.round(event.ms)}ms)`);
        }
        break;
      }
      case "end":
        current = null;
        if (event.status === "ok") result.passed++;
        else if (event.status === "ignored") result.ignored++;
        else fail(event.name, event.error ?? "failed");
        if (verbose) {
          const label = event.status === "ok"
            ? "ok"
            : event.status === "ignored"
            ? "ignored"
            : "FAILED";
          console.log(`${name}: ${event.name} ... ${label} (${Math.round(event.ms)}ms)`);
        }
        break;
      case "error":
        if (event.fatal === true) fatal = true;
        fail("(file)", event.error);
        break;
      case "timeout":
        timedOut = true;
        fail(
          event.running ?? "(file)",
          `The file ran longer than ${event.seconds} s (the time limit)` +
            (event.running === null ? "." : `; this test was running.`),
        );
        current = null;
        break;
      case "done":
        done = true;
        break;
    }
  };
  const report = child.stdio[REPORT_FD] as NodeJS.ReadableStream;
  report.on("data", (chunk: Buffer | string) => {
    pending += String(chunk);
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === "") continue;
      try {
        handle(JSON.parse(line) as Event);
      } catch (error) {
        fail("(runner)", `Unreadable report line ${JSON.stringify(line)}: ${describe(error)}`);
      }
    }
  });

  const killer = setTimeout(() => {
    timedOut = true;
    fail(
      current ?? "(file)",
      `The file ran longer than ${timeoutSeconds} s and did not stop; it was killed.`,
    );
    current = null;
    child.kill("SIGKILL");
  }, timeoutSeconds * 1000 + KILL_GRACE_MS);

  return new Promise((resolve) => {
    let exited = false;
    let reportClosed = false;
    let code: number | null = null;
    let signal: NodeJS.Signals | null = null;
    const finish = (): void => {
      if (!exited || !reportClosed) return;
      clearTimeout(killer);
      if (!done && !timedOut && !fatal) {
        const how = signal !== null ? `signal ${signal}` : `status ${code}`;
        fail(
          current ?? "(file)",
          `The test process ended (${how}) before finishing` +
            (current === null ? "." : "; this test never finished."),
        );
      }
      result.ms = performance.now() - started;
      resolve(result);
    };
    report.on("close", () => {
      reportClosed = true;
      finish();
    });
    child.on("error", (error) => {
      fail("(file)", `Could not start the test process: ${describe(error)}`);
      exited = true;
      reportClosed = true;
      finish();
    });
    child.on("close", (c, s) => {
      code = c;
      signal = s;
      exited = true;
      finish();
    });
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Math.round(ms / 1000)}s`;
}

async function runParent(argv: string[]): Promise<number> {
  let jobs = 2;
  let timeoutSeconds = 300;
  let filter = "";
  let verbose = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith("--jobs=")) jobs = Math.max(1, Number(arg.slice(7)) || 1);
    else if (arg.startsWith("--timeout=")) timeoutSeconds = Math.max(1, Number(arg.slice(10)) || 1);
    else if (arg.startsWith("--filter=")) filter = arg.slice(9);
    else if (arg === "--verbose") verbose = true;
    else if (arg.startsWith("--")) {
      console.error(`unknown option ${arg}`);
      return 2;
    } else files.push(resolve(arg));
  }
  const queue = files.length > 0 ? files : listDefaultFiles();
  const started = performance.now();
  console.log(`${runtime}: running ${plural(queue.length, "file")}, ${jobs} at a time`);

  const results: FileResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const file = queue[next++]!;
      const r = await runFile(file, timeoutSeconds, filter, verbose);
      results.push(r);
      const label = r.failed > 0 ? "FAILED" : "ok";
      const parts = [`${r.passed} passed`];
      if (r.passedSteps > 0) parts.push(plural(r.passedSteps, "step"));
      if (r.failed > 0) parts.push(`${r.failed} failed`);
      if (r.ignored > 0) parts.push(`${r.ignored} ignored`);
      console.log(`${label} ${display(file)} (${parts.join(", ")}) (${formatDuration(r.ms)})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));

  const total = { passed: 0, failed: 0, ignored: 0, passedSteps: 0, failedSteps: 0 };
  for (const r of results) {
    total.passed += r.passed;
    total.failed += r.failed;
    total.ignored += r.ignored;
    total.passedSteps += r.passedSteps;
    total.failedSteps += r.failedSteps;
  }
  const failedFiles = results.filter((r) => r.failures.length > 0);
  if (failedFiles.length > 0) {
    console.log("\n ERRORS \n");
    for (const r of failedFiles) {
      for (const f of r.failures) console.log(`${f.file}: ${f.title}\nerror: ${f.error}\n`);
      if (!verbose && r.output.trim() !== "") {
        console.log(`----- output of ${display(r.file)} -----\n${r.output.trimEnd()}\n-----\n`);
      }
    }
    console.log(" FAILURES \n");
    for (const r of failedFiles) for (const f of r.failures) console.log(`${f.file}: ${f.title}`);
    console.log("");
  }
  const ok = total.failed === 0 && total.failedSteps === 0;
  let line = `${runtime}: ${ok ? "ok" : "FAILED"} | ${total.passed} passed`;
  if (total.passedSteps > 0) line += ` (${plural(total.passedSteps, "step")})`;
  line += ` | ${total.failed} failed`;
  if (total.failedSteps > 0) line += ` (${plural(total.failedSteps, "step")})`;
  if (total.ignored > 0) line += ` | ${total.ignored} ignored`;
  line += ` (${formatDuration(performance.now() - started)})`;
  console.log(line);
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------

if (import.meta.main ?? process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (runtime === "deno") {
    console.error("On Deno, run the tests with `deno test -A --parallel`.");
    process.exit(2);
  }
  if (argv[0] === "--child") {
    const file = argv[1]!;
    const timeout = Number(argv.find((a) => a.startsWith("--timeout="))?.slice(10) ?? 300);
    const filter = argv.find((a) => a.startsWith("--filter="))?.slice(9) ?? "";
    await runChild(file, timeout, filter);
  } else {
    process.exitCode = await runParent(argv);
  }
}
