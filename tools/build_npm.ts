/**
 * Builds the npm package: JavaScript and declarations compiled from the same sources JSR
 * publishes, with conditional exports so that the main entry binds the right adapter on each
 * runtime without looking (`deno` → `mod.js`, `bun` → `compat/bun.js`, `node` → `compat/node.js`),
 * then packs it with `npm pack`.
 *
 * ```sh
 * deno run -A tools/build_npm.ts [outDir]   # default outDir: dist; prints the tarball's path
 * ```
 *
 * The compiler is the pinned `typescript` package run on the pinned Node (see `runtimes.ts`);
 * neither is a dependency of the package, which has none.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNpmPackage } from "./npm_cache.ts";
import { ensureNode } from "./runtimes.ts";

/** Exact version of the TypeScript compiler used for the build. */
export const TYPESCRIPT_VERSION = "5.9.3";
/** Exact version of Node's type declarations used for the build. */
export const NODE_TYPES_VERSION = "26.6.6";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The members of the `Deno` namespace that `src/transport/deno.ts` uses, declared for the
 * compiler: the module is compiled so that the package's main entry can load it on Deno, and none
 * of these types appear in its exports.
 */
const DENO_DECLARATIONS = `declare namespace Deno {
  interface Conn {
    read(p: Uint8Array): Promise<number | null>;
    write(p: Uint8Array): Promise<number>;
    close(): void;
  }
  interface TcpConn extends Conn {
    setNoDelay(noDelay?: boolean): void;
    setKeepAlive(keepAlive?: boolean): void;
  }
  function connect(options: { transport: "tcp"; hostname: string; port: number }): Promise<TcpConn>;
  function connect(options: { transport: "unix"; path: string }): Promise<Conn>;
  const env: { get(name: string): string | undefined };
  function readTextFile(path: string): Promise<string>;
  function stat(path: string): Promise<{ mode: number | null }>;
  const build: { os: string };
  namespace errors {
    class PermissionDenied extends Error {}
    class NotCapable extends Error {}
    class NotFound extends Error {}
    class IsADirectory extends Error {}
    class NotADirectory extends Error {}
  }
}
`;

interface DenoJson {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string>;
  compilerOptions: Record<string, unknown>;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name !== "testdata") yield* sources(path);
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      yield path;
    }
  }
}

async function run(command: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(command, { args, cwd, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr);
    throw new Error(`${command} ${args.join(" ")} failed:\n${text}${stderr}`);
  }
  return text;
}

/**
 * Builds and packs the package.
 *
 * @param outDir Where the unpacked package (`outDir/npm`) and the tarball go.
 * @param log Progress messages.
 * @returns The tarball's absolute path.
 *
 * @example
 * ```ts ignore
 * const tarball = await buildNpmPackage("dist");
 * ```
 */
export async function buildNpmPackage(
  outDir: string,
  log: (message: string) => void = () => {},
): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))) as DenoJson;
  const [node, typescript, nodeTypes] = await Promise.all([
    ensureNode({ log }),
    ensureNpmPackage("typescript", TYPESCRIPT_VERSION, { log }),
    ensureNpmPackage("@types/node", NODE_TYPES_VERSION, { log, dependencies: true }),
  ]);
  const stage = await Deno.makeTempDir({ prefix: "pgline-npm-" });
  try {
    const files = ["mod.ts"];
    for (const dir of ["src", "compat"]) {
      for await (const path of sources(dir)) files.push(path);
    }
    for (const path of files) {
      await Deno.mkdir(dirname(join(stage, path)), { recursive: true });
      await Deno.copyFile(join(ROOT, path), join(stage, path));
    }
    await Deno.writeTextFile(join(stage, "deno.d.ts"), DENO_DECLARATIONS);
    await Deno.writeTextFile(join(stage, "package.json"), '{ "type": "module" }\n');
    const packageDir = resolve(outDir, "npm");
    await Deno.remove(packageDir, { recursive: true }).catch(() => {});
    const { lib: _lib, ...strictness } = config.compilerOptions;
    await Deno.writeTextFile(
      join(stage, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          ...strictness,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2024", "DOM"],
          types: ["node"],
          typeRoots: [resolve(nodeTypes, "..")],
          declaration: true,
          rewriteRelativeImportExtensions: true,
          skipLibCheck: true,
          rootDir: ".",
          outDir: packageDir,
        },
        files: [...files, "deno.d.ts"],
      }),
    );
    log(`Compiling ${files.length} modules with TypeScript ${TYPESCRIPT_VERSION}`);
    await run(node.path, [join(typescript, "lib", "tsc.js"), "-p", "tsconfig.json"], stage);
    await Deno.remove(join(packageDir, "deno.d.ts")).catch(() => {});
    const entry = (path: string): string =>
      `./${path.replace(/^\.\//, "").replace(/\.ts$/, ".js")}`;
    const types = (path: string): string => entry(path).replace(/\.js$/, ".d.ts");
    const exports: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(config.exports)) {
      exports[name] = name === "."
        ? {
          types: types(path),
          deno: entry(path),
          bun: entry(config.exports["./bun"]!),
          node: entry(config.exports["./node"]!),
          default: entry(path),
        }
        : { types: types(path), default: entry(path) };
    }
    const manifest = {
      name: config.name,
      version: config.version,
      description:
        "A zero-dependency PostgreSQL client and wire-protocol toolkit for Deno, Bun and Node",
      license: config.license,
      type: "module",
      exports,
      engines: { node: ">=22" },
      sideEffects: false,
      keywords: ["postgres", "postgresql", "pg", "database", "sql", "deno", "bun"],
    };
    await Deno.writeTextFile(join(packageDir, "package.json"), JSON.stringify(manifest, null, 2));
    for (const file of ["README.md", "LICENSE"]) {
      await Deno.copyFile(join(ROOT, file), join(packageDir, file));
    }
    const packed = await run(
      "npm",
      ["pack", "--json", "--pack-destination", resolve(outDir)],
      packageDir,
    );
    const filename = (JSON.parse(packed) as { filename: string }[])[0]!
      .filename;
    const tarball = resolve(outDir, filename);
    log(`Packed ${relative(Deno.cwd(), tarball)}`);
    return tarball;
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  console.log(await buildNpmPackage(Deno.args[0] ?? "dist", (m) => console.error(m)));
}
