/**
 * Runs every example against the harness's PostgreSQL 18: the Deno script and the `Deno.serve`
 * function from the repository, and the Node and Bun apps as their users get them (a copy of the
 * app with the built npm package installed), each served on a random port, asked over HTTP, and
 * stopped with SIGTERM. Deno-only (it drives the other runtimes).
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNpmPackage } from "../../tools/build_npm.ts";
import { ensureBun, ensureNode } from "../../tools/runtimes.ts";
import { loadTestServers } from "../harness/servers.ts";

const servers = loadTestServers();
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function databaseUrl(): string {
  const server = servers!.servers[0]!;
  const user = server.users.scram_user;
  return `postgres://${user.name}:${user.password}@${server.host}:${server.port}/` +
    `${server.database}?sslmode=disable`;
}

function environment(): Record<string, string> {
  return { DATABASE_URL: databaseUrl(), PORT: "0", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
}

/** Starts an app, waits for its "listening on <url>" line, checks two visits, stops it. */
async function checkServer(command: string, args: string[], cwd: string): Promise<void> {
  const child = new Deno.Command(command, {
    args,
    cwd,
    env: environment(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | undefined;
  try {
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      while (url === undefined) {
        const { value, done } = await lines.read();
        if (done) break;
        seen += value;
        url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      }
    } finally {
      clearTimeout(deadline);
    }
    // (stderr is complete only once the child has exited, so it is read only on failure.)
    if (url === undefined) assert.fail(`${args.join(" ")} did not start:\n${seen}${await stderr}`);
    const name = `visitor-${crypto.randomUUID()}`;
    for (const expected of [1, 2]) {
      const response: Response = await fetch(`${url}?name=${name}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { name, visits: expected });
    }
  } finally {
    child.kill("SIGTERM");
    lines.releaseLock();
    await child.stdout.cancel().catch(() => {});
  }
  const status = await child.status;
  assert.equal(status.code, 0, `exit after SIGTERM: ${JSON.stringify(status)}\n${await stderr}`);
}

Deno.test({
  name: "examples: the Deno script runs",
  ignore: servers === undefined,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "examples/deno_script.ts"],
      cwd: ROOT,
      env: environment(),
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.match(text, /notes: 3\n {2}1: first\n {2}2: second\n {2}3: third\n/);
    assert.match(text, /refused as expected: 428C9/);
  },
});

Deno.test({
  name: "examples: the Deno.serve function with a pool answers and stops on SIGTERM",
  ignore: servers === undefined,
  async fn() {
    await checkServer(Deno.execPath(), ["run", "-A", "examples/deno_edge.ts"], ROOT);
  },
});

Deno.test({
  name: "examples: the Node app and the Bun app, with the npm package installed",
  ignore: servers === undefined,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "pgline-examples-" });
    try {
      const [tarball, node, bun] = await Promise.all([
        buildNpmPackage(join(dir, "dist")),
        ensureNode(),
        ensureBun(),
      ]);
      for (const [app, runtime] of [["node_app", node.path], ["bun_app", bun.path]] as const) {
        await t.step(app, async () => {
          const project = join(dir, app);
          await Deno.mkdir(project);
          for (const file of ["package.json", "server.js"]) {
            await Deno.copyFile(join(ROOT, "examples", app, file), join(project, file));
          }
          const installed = await new Deno.Command("npm", {
            args: ["install", "--offline", "--no-audit", "--no-fund", tarball],
            cwd: project,
            stdin: "null",
          }).output();
          assert.ok(installed.success, new TextDecoder().decode(installed.stderr));
          await checkServer(runtime, ["server.js"], project);
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
