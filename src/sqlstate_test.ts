import { runtime, test } from "../tests/harness/test.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";
import { SQLSTATE, sqlStateClass, sqlStateName } from "./sqlstate.ts";
import { generateSqlStateModule, nameCodes, parseErrcodes } from "../tools/gen_sqlstate.ts";

test("known codes have their PostgreSQL names and classes", () => {
  const known = [
    ["UNIQUE_VIOLATION", "23505", "Integrity Constraint Violation"],
    ["SERIALIZATION_FAILURE", "40001", "Transaction Rollback"],
    ["DEADLOCK_DETECTED", "40P01", "Transaction Rollback"],
    ["QUERY_CANCELED", "57014", "Operator Intervention"],
    ["INVALID_PASSWORD", "28P01", "Invalid Authorization Specification"],
    ["FEATURE_NOT_SUPPORTED", "0A000", "Feature Not Supported"],
    ["INVALID_SQL_STATEMENT_NAME", "26000", "Invalid SQL Statement Name"],
    ["DUPLICATE_PREPARED_STATEMENT", "42P05", "Syntax Error or Access Rule Violation"],
    ["SUCCESSFUL_COMPLETION", "00000", "Successful Completion"],
    ["INTERNAL_ERROR", "XX000", "Internal Error"],
  ] as const;
  for (const [name, code, cls] of known) {
    assert.equal(SQLSTATE[name], code);
    assert.equal(sqlStateName(code), name);
    assert.equal(sqlStateClass(code), cls);
  }
});

test("a condition name shared by several codes names none of them; macros do", () => {
  assert.equal(SQLSTATE.NULL_VALUE_NOT_ALLOWED, "22004");
  assert.equal(SQLSTATE.E_R_I_E_NULL_VALUE_NOT_ALLOWED, "39004");
  assert.equal(SQLSTATE.STRING_DATA_RIGHT_TRUNCATION, "22001");
  assert.equal(SQLSTATE.WARNING_STRING_DATA_RIGHT_TRUNCATION, "01004");
  assert.equal(SQLSTATE.S_R_E_MODIFYING_SQL_DATA_NOT_PERMITTED, "2F002");
  assert.equal(SQLSTATE.E_R_E_MODIFYING_SQL_DATA_NOT_PERMITTED, "38002");
  assert.ok(!Object.hasOwn(SQLSTATE, "MODIFYING_SQL_DATA_NOT_PERMITTED"));
});

test("a code removed in PostgreSQL 17 is still known for older servers", () => {
  assert.equal(SQLSTATE.SNAPSHOT_TOO_OLD, "72000");
  assert.equal(sqlStateClass("72000"), "Snapshot Failure");
});

test("every code is a well-formed SQLSTATE with one name and a class", () => {
  const codes = Object.values(SQLSTATE);
  assert.ok(codes.length > 250);
  assert.equal(new Set(codes).size, codes.length);
  for (const [name, code] of Object.entries(SQLSTATE)) {
    assert.match(name, /^[A-Z][A-Z0-9_]*$/);
    assert.match(code, /^[0-9A-Z]{5}$/);
    assert.equal(sqlStateName(code), name);
    assert.notEqual(sqlStateClass(code), undefined, code);
  }
});

test("unknown codes and prototype names give undefined", () => {
  for (
    const code of ["99999", "", "2350", "constructor", "__proto__", "toString", "hasOwnProperty"]
  ) {
    assert.equal(sqlStateName(code), undefined);
  }
  assert.equal(sqlStateClass("YY001"), undefined);
  assert.equal(sqlStateClass("40"), "Transaction Rollback");
});

const SAMPLE = `#
# A sample in errcodes.txt's format.
#

Section: Class 01 - Warning

01000    W    ERRCODE_WARNING                                                warning
01004    W    ERRCODE_WARNING_STRING_DATA_RIGHT_TRUNCATION                   string_data_right_truncation

Section: Class 22 - Data Exception

22000    E    ERRCODE_DATA_EXCEPTION                                         data_exception
2202E    E    ERRCODE_ARRAY_ELEMENT_ERROR
# a comment between entries
2202E    E    ERRCODE_ARRAY_SUBSCRIPT_ERROR                                  array_subscript_error
22001    E    ERRCODE_STRING_DATA_RIGHT_TRUNCATION                           string_data_right_truncation

Section: Class 42 - Syntax Error or Access Rule Violation

42P05    E    ERRCODE_DUPLICATE_PSTATEMENT                                   duplicate_prepared_statement
26000    E    ERRCODE_UNDEFINED_PSTATEMENT
42P99    E    ERRCODE_ONLY_A_MACRO

Section: Class 26 - Invalid SQL Statement Name

26000    E    ERRCODE_INVALID_SQL_STATEMENT_NAME                             invalid_sql_statement_name
`;

const OLDER = `Section: Class 72 - Snapshot Failure
72000    E    ERRCODE_SNAPSHOT_TOO_OLD                                       snapshot_too_old
Section: Class 01 - Old Warning Title
01000    W    ERRCODE_WARNING                                                warning
`;

test("parseErrcodes reads sections, entries and optional condition names", () => {
  const parsed = parseErrcodes(SAMPLE);
  assert.deepEqual([...parsed.classes.keys()], ["01", "22", "42", "26"]);
  assert.equal(parsed.classes.get("42"), "Syntax Error or Access Rule Violation");
  assert.equal(parsed.entries.length, 10);
  assert.deepEqual(parsed.entries[3], {
    code: "2202E",
    kind: "E",
    macro: "ERRCODE_ARRAY_ELEMENT_ERROR",
    condition: undefined,
    line: 13,
  });
});

test("parseErrcodes refuses malformed lines, naming them", () => {
  assert.throws(() => parseErrcodes("Section: Class 01 - Warning\n0100 W ERRCODE_X x\n"), {
    name: "SyntaxError",
    message: 'errcodes.txt line 2: cannot parse "0100 W ERRCODE_X x"',
  });
  assert.throws(() => parseErrcodes("Section: Class 1 - Bad\n"), SyntaxError);
  assert.throws(() => parseErrcodes("# only comments\n"), SyntaxError);
});

test("nameCodes: shared condition names fall back to macros, aliases are skipped", () => {
  const { keys, classes } = nameCodes([
    { label: "new", parsed: parseErrcodes(SAMPLE) },
    { label: "old", parsed: parseErrcodes(OLDER) },
  ]);
  assert.deepEqual(keys, [
    { name: "WARNING", code: "01000", from: undefined },
    { name: "WARNING_STRING_DATA_RIGHT_TRUNCATION", code: "01004", from: undefined },
    { name: "DATA_EXCEPTION", code: "22000", from: undefined },
    { name: "STRING_DATA_RIGHT_TRUNCATION", code: "22001", from: undefined },
    { name: "ARRAY_SUBSCRIPT_ERROR", code: "2202E", from: undefined },
    { name: "INVALID_SQL_STATEMENT_NAME", code: "26000", from: undefined },
    { name: "DUPLICATE_PREPARED_STATEMENT", code: "42P05", from: undefined },
    { name: "ONLY_A_MACRO", code: "42P99", from: undefined },
    { name: "SNAPSHOT_TOO_OLD", code: "72000", from: "old" },
  ]);
  assert.deepEqual(classes, [
    ["01", "Warning"],
    ["22", "Data Exception"],
    ["26", "Invalid SQL Statement Name"],
    ["42", "Syntax Error or Access Rule Violation"],
    ["72", "Snapshot Failure"],
  ]);
});

test("nameCodes refuses two codes ending up with one name", () => {
  const text = "Section: Class 01 - W\n01000 W ERRCODE_A dup_name\n01001 W ERRCODE_DUP_NAME\n";
  assert.throws(() => nameCodes([{ label: "x", parsed: parseErrcodes(text) }]), /already names/);
});

test("the generator is deterministic, and independent of line order within the file", () => {
  const sources = [{ label: "PostgreSQL sample", text: SAMPLE, sha256: "ab".repeat(32) }];
  const first = generateSqlStateModule(sources);
  const second = generateSqlStateModule(sources);
  assert.equal(first, second);
  const l = SAMPLE.split("\n");
  const shuffled = [
    ...l.slice(0, 11),
    l[15],
    ...l.slice(11, 15),
    ...l.slice(16, 19),
    l[21],
    l[20],
    l[19],
    ...l.slice(22),
  ].join("\n");
  assert.notEqual(shuffled, SAMPLE);
  assert.equal(generateSqlStateModule([{ ...sources[0]!, text: shuffled }]), first);
  assert.match(first, /^\/\/ Generated by tools\/gen_sqlstate\.ts/);
  assert.match(first, /^\/\/ {3}PostgreSQL sample: the reference$/m);
  assert.match(first, /DO NOT EDIT/);
  assert.match(first, /^ {2}\/\/ Class 22: Data Exception$/m);
  assert.match(first, /^ {2}STRING_DATA_RIGHT_TRUNCATION: "22001",$/m);
});

test("the generated module runs", async () => {
  const text = generateSqlStateModule([
    { label: "new", text: SAMPLE },
    { label: "old", text: OLDER },
  ]);
  assert.match(text, /^ {2}SNAPSHOT_TOO_OLD: "72000", \/\/ not in new; from old$/m);
  const dir = await mkdtemp(join(tmpdir(), "pgline-sqlstate-"));
  try {
    const file = join(dir, "sqlstate.ts");
    await writeFile(file, text);
    const mod = await import(pathToFileURL(file).href);
    assert.equal(mod.SQLSTATE.ARRAY_SUBSCRIPT_ERROR, "2202E");
    assert.equal(mod.sqlStateName("72000"), "SNAPSHOT_TOO_OLD");
    assert.equal(mod.sqlStateClass("26000"), "Invalid SQL Statement Name");
    assert.equal(mod.sqlStateClass("01004"), "Warning");
  } finally {
    await rm(dir, { recursive: true });
  }
});

// Deno-only: it runs `deno fmt` with the running Deno.
test({
  name: "deno fmt leaves the generated module unchanged",
  ignore: runtime !== "deno",
  async fn() {
    const text = generateSqlStateModule([
      { label: "new", text: SAMPLE },
      { label: "old", text: OLDER },
    ]);
    const dir = await mkdtemp(join(tmpdir(), "pgline-sqlstate-"));
    try {
      const file = join(dir, "sqlstate.ts");
      await writeFile(file, text);
      const config = fileURLToPath(new URL("../deno.json", import.meta.url));
      const fmt = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", "--check", `--config=${config}`, file],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(fmt.success, new TextDecoder().decode(fmt.stderr));
    } finally {
      await rm(dir, { recursive: true });
    }
  },
});
