/**
 * The whole test suite on the three runtimes, against the servers that `run.ts` started:
 * `deno test -A --parallel` (every test, including the Deno-only packaging and example tests),
 * then the portable test files on the pinned Node and on the pinned Bun through
 * `portable_runner.ts`. Each runtime's summary line is repeated at the end, and the exit code is
 * non-zero when any runtime failed.
 *
 * ```sh
 * deno run -A tests/harness/run.ts -- deno run -A tests/harness/suite.ts [--runtimes=deno,node,bun]
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBun, ensureNode } from "../../tools/runtimes.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RUNNER = "tests/harness/portable_runner.ts";

interface Outcome {
  runtime: string;
  code: number;
  summary: string;
  seconds: number;
}

/** Runs a command with its output passed through, keeping the last summary-shaped line. */
async function run(runtime: string, command: string, args: string[]): Promise<Outcome> {
  const began = performance.now();
  console.log(`\n=== ${runtime}: ${[command, ...args].join(" ")}\n`);
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let summary = "";
  let pending = "";
  // Strips terminal colours (ESC [ ... m).
  const plain = (line: string): string => line.replace(new RegExp("\u001b\\[[0-9;]*m", "g"), "");
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    Deno.stdout.writeSync(new TextEncoder().encode(chunk));
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (/(^|: )(ok|FAILED) \| \d+ passed/.test(plain(line))) summary = plain(line);
    }
  }
  const { code } = await child.status;
  const seconds = (performance.now() - began) / 1000;
  return { runtime, code, summary: summary || `(no summary; exit code ${code})`, seconds };
}

async function main(): Promise<number> {
  const selected = (Deno.args.find((arg) => arg.startsWith("--runtimes="))?.slice(11) ??
    "deno,node,bun").split(",");
  const log = (message: string): void => console.error(`[suite] ${message}`);
  const [node, bun] = await Promise.all([ensureNode({ log }), ensureBun({ log })]);
  const outcomes: Outcome[] = [];
  for (const runtime of selected) {
    if (runtime === "deno") {
      outcomes.push(
        await run(`deno ${Deno.version.deno}`, Deno.execPath(), ["test", "-A", "--parallel"]),
      );
    } else if (runtime === "node") {
      outcomes.push(await run(`node ${node.version}`, node.path, [RUNNER]));
    } else if (runtime === "bun") {
      outcomes.push(await run(`bun ${bun.version}`, bun.path, [RUNNER]));
    } else {
      throw new Error(`Unknown runtime ${runtime}; expected deno, node or bun`);
    }
  }
  console.log("\n=== summary");
  for (const outcome of outcomes) {
    const summary = outcome.summary.replace(/^(node|bun): /, "");
    console.log(`${outcome.runtime.padEnd(12)} ${summary} [${outcome.seconds.toFixed(0)} s]`);
  }
  return outcomes.some((outcome) => outcome.code !== 0) ? 1 : 0;
}

Deno.exit(await main());
