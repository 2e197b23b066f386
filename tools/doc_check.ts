/**
 * Checks the documentation of the published entries (deno.json "exports"): every exported symbol
 * needs JSDoc with at least one `@example`, and every public member of an exported class or
 * interface needs JSDoc. Symbols re-exported by several entries are checked once. Members marked
 * `@internal` or `@ignore` are skipped; `private` class members are not public.
 *
 * Usage: `deno run --allow-read --allow-run tools/doc_check.ts [entry ...]`; with no arguments
 * the entries are read from deno.json. Exits with status 1 and a list of the gaps when any.
 *
 * @module
 */

interface JsDocTag {
  kind: string;
  doc?: string;
}
interface JsDoc {
  doc?: string;
  tags?: JsDocTag[];
}
interface Location {
  filename: string;
  line: number;
  col?: number;
}
interface Member {
  name: string;
  kind?: string;
  accessibility?: "public" | "protected" | "private";
  jsDoc?: JsDoc;
  location: Location;
  isStatic?: boolean;
}
interface Declaration {
  declarationKind: string;
  kind: string;
  jsDoc?: JsDoc;
  location: Location;
  def?: {
    constructors?: Member[];
    properties?: Member[];
    methods?: Member[];
    target?: Location;
  };
}
interface DocSymbol {
  name: string;
  declarations: Declaration[];
}
interface DocOutput {
  nodes: Record<string, { module_doc?: JsDoc; symbols?: DocSymbol[] }>;
}

const root = new URL("../", import.meta.url);

async function entries(): Promise<string[]> {
  if (Deno.args.length > 0) return [...Deno.args];
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    exports: string | Record<string, string>;
  };
  const exports = typeof config.exports === "string"
    ? [config.exports]
    : Object.values(config.exports);
  return exports.map((path) => new URL(path, root).pathname);
}

async function docJson(files: string[]): Promise<DocOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...files],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`deno doc --json failed (${output.code})`);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as DocOutput;
}

function hasText(doc: JsDoc | undefined): boolean {
  return (doc?.doc ?? "").trim() !== "";
}

function hasTag(doc: JsDoc | undefined, kind: string): boolean {
  return doc?.tags?.some((tag) => tag.kind === kind) ?? false;
}

let examples = 0;

/** What is wrong with the examples of one JSDoc block, if anything (and counts them). */
function exampleProblems(doc: JsDoc | undefined): string[] {
  const problems: string[] = [];
  for (const tag of doc?.tags ?? []) {
    if (tag.kind !== "example") continue;
    examples++;
    const text = tag.doc ?? "";
    if (!text.includes("```")) problems.push("an @example without a code block");
    // `ignore` takes the block out of type checking: examples that need a server declare
    // placeholders instead.
    if (/```[a-z]*[ \t]+[^\n]*\bignore\b/.test(text)) problems.push("an `ignore`d example");
    // Readers copy examples: they must import the package's entries, not its files.
    if (/\bfrom\s+["']\.\.?\//.test(text)) problems.push("an example importing a relative path");
  }
  return problems;
}

function skipped(doc: JsDoc | undefined): boolean {
  return hasTag(doc, "internal") || hasTag(doc, "ignore");
}

function where(location: Location): string {
  const file = location.filename.startsWith(root.href)
    ? location.filename.slice(root.href.length)
    : location.filename;
  return `${file}:${location.line}`;
}

function key(location: Location): string {
  return `${location.filename}:${location.line}:${location.col ?? 0}`;
}

const files = await entries();
const output = await docJson(files);
const problems: string[] = [];
const seen = new Set<string>();
// `export *` from a module already documented by another entry shows up as a reference to the
// declaration; each reference must land on a declaration checked here.
const references = new Map<string, string>();
let symbols = 0;
let members = 0;

for (const [file, node] of Object.entries(output.nodes)) {
  for (const problem of exampleProblems(node.module_doc)) {
    problems.push(`${where({ filename: file, line: 1 })}: module documentation: ${problem}`);
  }
  for (const symbol of node.symbols ?? []) {
    const exported = symbol.declarations.filter((d) => d.declarationKind === "export");
    for (const declaration of exported) {
      const target = declaration.kind === "reference" ? declaration.def?.target : undefined;
      if (target !== undefined) references.set(key(target), `${where(target)}: ${symbol.name}`);
    }
    const declarations = exported.filter((d) => d.kind !== "reference" && d.kind !== "import");
    const first = declarations[0];
    if (first === undefined) continue;
    if (seen.has(key(first.location))) continue;
    for (const declaration of declarations) seen.add(key(declaration.location));
    if (declarations.some((d) => skipped(d.jsDoc))) continue;
    symbols++;
    // Overloads and merged declarations share one entry: one JSDoc block may cover them.
    if (!declarations.some((d) => hasText(d.jsDoc))) {
      problems.push(`${where(first.location)}: ${symbol.name}: no JSDoc`);
    }
    if (!declarations.some((d) => hasTag(d.jsDoc, "example"))) {
      problems.push(`${where(first.location)}: ${symbol.name}: no @example`);
    }
    for (const declaration of declarations) {
      for (const problem of exampleProblems(declaration.jsDoc)) {
        problems.push(`${where(declaration.location)}: ${symbol.name}: ${problem}`);
      }
    }
    for (const declaration of declarations) {
      if (declaration.kind !== "class" && declaration.kind !== "interface") continue;
      const def = declaration.def ?? {};
      const named = [
        ...(def.constructors ?? []),
        ...(def.properties ?? []),
        ...(def.methods ?? []),
      ];
      const documented = new Set<string>();
      for (const member of named) {
        if (hasText(member.jsDoc)) {
          documented.add(`${member.isStatic ? "static " : ""}${member.name}`);
        }
      }
      for (const member of named) {
        if (member.accessibility === "private" || member.name.startsWith("#")) continue;
        if (skipped(member.jsDoc)) continue;
        const memberKey = `${member.isStatic ? "static " : ""}${member.name}`;
        members++;
        // A getter/setter pair or overloads need only one block between them.
        if (!documented.has(memberKey)) {
          problems.push(`${where(member.location)}: ${symbol.name}.${member.name}: no JSDoc`);
          documented.add(memberKey);
        }
        for (const problem of exampleProblems(member.jsDoc)) {
          problems.push(`${where(member.location)}: ${symbol.name}.${member.name}: ${problem}`);
        }
      }
    }
  }
}

for (const [target, name] of references) {
  if (!seen.has(target)) problems.push(`${name}: re-exported, but its declaration was not checked`);
}

const summary = `${symbols} exported symbols, ${members} members, ${examples} examples`;
if (problems.length > 0) {
  console.error(problems.sort().join("\n"));
  console.error(`doc_check: ${problems.length} problem(s) in ${summary}`);
  Deno.exit(1);
}
console.log(`doc_check: ok (${summary})`);
