/**
 * The npm package, as a Node or Bun project gets it: built with `tools/build_npm.ts`, installed
 * from its tarball into a new project, imported by its name, and used for a query; its
 * declarations type-check a TypeScript consumer. Deno-only (it drives the other runtimes).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { buildNpmPackage, NODE_TYPES_VERSION, TYPESCRIPT_VERSION } from "../../tools/build_npm.ts";
import { ensureNpmPackage } from "../../tools/npm_cache.ts";
import { ensureBun, ensureNode } from "../../tools/runtimes.ts";
import { loadTestServers } from "../harness/servers.ts";

const servers = loadTestServers();

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  const out = await new Deno.Command(command, { args, cwd, env, stdin: "null" }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `${command} ${args.join(" ")} failed (${out.code}):\n${stdout}${stderr}`);
  return stdout;
}

// Runs in the consumer project: resolves the package as the runtime does, then queries.
const APP = `
import { connect, PostgresError, sql } from "@pgline/pgline";
import { encodeFrontendMessage } from "@pgline/pgline/protocol";
const resolved = import.meta.resolve("@pgline/pgline");
const db = await connect(process.env.DATABASE_URL);
try {
  const [row] = await db.sql\`select \${41}::int + 1 as n, current_user as who\`;
  let code = "";
  try {
    await db.query("select 1/0");
  } catch (error) {
    if (error instanceof PostgresError) code = error.code;
  }
  const bytes = encodeFrontendMessage({ type: "Sync" });
  console.log(JSON.stringify({ resolved, row, code, frame: Array.from(bytes), fragment: typeof sql }));
} finally {
  await db.close();
}
`;

// Type-checked against the package's declarations; the mistake on the last line must be caught.
const CONSUMER_TS = `
import { type Client, connect, createPool, type Pool, type QueryResult } from "@pgline/pgline";
import { connect as connectNode } from "@pgline/pgline/node";
const db: Client = await connect("postgres://app@localhost/app");
const result: QueryResult = await db.query("select 1 as n");
const n: unknown = result.rows[0]?.["n"];
const pool: Pool = createPool({ host: "localhost" }, { max: 2 });
const other: Promise<Client> = connectNode({ host: "localhost" });
void n; void pool; void other;
`;

Deno.test({
  name: "npm package: installs into a Node project, imports by name and queries on Node and Bun",
  ignore: servers === undefined,
  sanitizeResources: false,
  async fn() {
    const server = servers!.servers[0]!;
    const user = server.users.scram_user;
    const dir = await Deno.makeTempDir({ prefix: "pgline-consumer-" });
    try {
      const [tarball, node, bun, typescript, nodeTypes] = await Promise.all([
        buildNpmPackage(join(dir, "dist")),
        ensureNode(),
        ensureBun(),
        ensureNpmPackage("typescript", TYPESCRIPT_VERSION),
        ensureNpmPackage("@types/node", NODE_TYPES_VERSION, { dependencies: true }),
      ]);
      const project = join(dir, "app");
      await Deno.mkdir(project);
      await Deno.writeTextFile(
        join(project, "package.json"),
        JSON.stringify({ name: "consumer", private: true, type: "module" }),
      );
      // A local tarball with no dependencies: npm needs no registry for it.
      await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], project);
      await Deno.writeTextFile(join(project, "app.js"), APP);
      const url = `postgres://${user.name}:${user.password}@${server.host}:${server.port}/` +
        `${server.database}?sslmode=disable`;
      const env = { DATABASE_URL: url, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
      for (
        const [runtime, executable, entry] of [
          ["node", node.path, "compat/node.js"],
          ["bun", bun.path, "compat/bun.js"],
        ] as const
      ) {
        const out = JSON.parse(await run(executable, ["app.js"], project, env));
        assert.ok(
          String(out.resolved).endsWith(`node_modules/@pgline/pgline/${entry}`),
          `${runtime} resolved ${out.resolved}`,
        );
        assert.deepEqual(out.row, { n: 42, who: user.name }, runtime);
        assert.equal(out.code, "22012", runtime);
        assert.deepEqual(out.frame, [0x53, 0, 0, 0, 4], runtime);
        assert.equal(out.fragment, "function", runtime);
      }

      // The declarations: a correct consumer compiles, a wrong one does not.
      await Deno.writeTextFile(join(project, "consumer.ts"), CONSUMER_TS);
      const tsc = join(typescript, "lib", "tsc.js");
      // A Node project's usual set-up: strict, Node's module resolution, Node's type declarations.
      const compilerOptions = {
        noEmit: true,
        strict: true,
        exactOptionalPropertyTypes: true,
        module: "nodenext",
        target: "es2022",
        lib: ["es2024", "dom"],
        types: ["node"],
        typeRoots: [join(nodeTypes, "..")],
      };
      for (const file of ["consumer", "wrong"]) {
        await Deno.writeTextFile(
          join(project, `${file}.json`),
          JSON.stringify({ compilerOptions, files: [`${file}.ts`] }),
        );
      }
      const flags = ["-p"];
      await run(node.path, [tsc, ...flags, "consumer.json"], project);
      await Deno.writeTextFile(
        join(project, "wrong.ts"),
        `${CONSUMER_TS}\nconst wrong: number = await connect("x");\n`,
      );
      const failed = await new Deno.Command(node.path, {
        args: [tsc, ...flags, "wrong.json"],
        cwd: project,
        stdin: "null",
      }).output();
      const text = new TextDecoder().decode(failed.stdout);
      assert.ok(!failed.success && /wrong\.ts.*TS2322/.test(text), text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
