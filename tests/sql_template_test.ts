/**
 * The `sql` template's compiled text against real servers: it parses, and the helpers mean what
 * they say (IN lists, INSERT values with DEFAULT, UPDATE set, quoted identifiers), with values
 * that try to break out of their parameters.
 *
 * Parameters are rendered here, in the test only, as `PREPARE s AS <text>; EXECUTE s(<literals>)`
 * through the simple query protocol: the server infers each `$n`'s type from the text, as it does
 * for an unnamed Parse, and the quoted literals are coerced to those types.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect, PostgresError } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { compileFragment } from "../src/sql/compile.ts";
import { sql, SQL_FRAGMENT, type SqlFragment } from "../src/sql/fragment.ts";
import { identifier, inList, insertValues, join, unsafe, updateSet } from "../src/sql/helpers.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

type Rows = (string | null)[][];

interface Session {
  /** Runs raw SQL text; returns the last statement's rows as text. */
  raw(text: string): Promise<Rows>;
  /** Compiles a fragment and runs it with its parameters rendered as literals. */
  run(fragment: SqlFragment): Promise<Rows>;
}

/** A literal for EXECUTE: quoted text (standard_conforming_strings is on), arrays as `{...}`. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  const text = Array.isArray(value) ? arrayLiteral(value) : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null ? "NULL" : `"${String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
  );
  return `{${items.join(",")}}`;
}

async function withSession(server: TestServer, fn: (s: Session) => Promise<void>): Promise<void> {
  const db = await connect({
    host: server.host,
    port: server.port,
    database: server.database,
    user: "trust_user",
    sslMode: "disable",
  });
  let statements = 0;
  const raw = async (text: string): Promise<Rows> => {
    const results = await db.connection.simpleQuery(text);
    return results[results.length - 1]?.rows ?? [];
  };
  try {
    await fn({
      raw,
      async run(fragment) {
        const { text, values } = compileFragment(fragment);
        if (values.length === 0) return await raw(text);
        const name = `pgline_sql_test_${++statements}`;
        const results = await db.connection.simpleQuery(
          `prepare ${name} as ${text}; execute ${name}(${values.map(literal).join(", ")}); ` +
            `deallocate ${name}`,
        );
        return results[1]!.rows;
      },
    });
  } finally {
    await db.close();
  }
}

const ATTACKS = [
  "'; drop table sentinel; --",
  "$1",
  "$2 or true",
  "-- comment",
  "/* open comment",
  "a; select pg_sleep(10)",
  '" or ""="',
  "\\'; drop table sentinel; --",
  "$$ dollar $$",
  "$q$ tagged $q$",
  "E'\\x00'",
  "\u00e9\u{1f418}",
];

for (const server of servers?.servers ?? [{ name: "none" } as TestServer]) {
  const name = (what: string) => `sql template on ${server.name}: ${what}`;

  test({
    name: name("values that look like SQL come back unchanged and change nothing"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        await s.raw("create temp table sentinel (x int)");
        const q = (v: unknown) => sql`select ${v}::text, ${v}::text = ${v}::text, ${1}::int`;
        for (const attack of ATTACKS) {
          assert.deepEqual(await s.run(q(attack)), [[attack, "t", "1"]]);
          const nested = sql`select v from (${q(attack)}) as s(v, eq, one) where one = ${1}::int`;
          assert.deepEqual(await s.run(nested), [[attack]]);
        }
        assert.deepEqual(await s.raw("select count(*) from sentinel"), [["0"]]);
      }),
  });

  test({
    name: name("nested fragments and lazy sources are renumbered correctly"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const odd = sql`g % ${2}::int = ${1}::int`;
        const sub = sql`select g from generate_series(${1}::int, ${9}::int) g where ${odd}`;
        const lazy = { [SQL_FRAGMENT]: () => sub };
        const q = sql`select string_agg(g::text, ',' order by g) from (${lazy}) s
          where g > ${3}::int and g not in ${inList([sql`${7}::int`, 8])}`;
        assert.deepEqual(await s.run(q), [["5,9"]]);
      }),
  });

  test({
    name: name("one call site gives one text for different values"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const q = (n: number) => sql`select ${n}::int * ${2}::int`;
        assert.equal(compileFragment(q(1)).text, compileFragment(q(5)).text);
        assert.deepEqual(await s.run(q(1)), [["2"]]);
        assert.deepEqual(await s.run(q(5)), [["10"]]);
      }),
  });

  test({
    name: name("inList filters int and text columns, for IN and NOT IN"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const ints = sql`select count(*) from generate_series(1, 10) g`;
        assert.deepEqual(await s.run(sql`${ints} where g in ${inList([2, 3, 99])}`), [["2"]]);
        assert.deepEqual(await s.run(sql`${ints} where g not in ${inList([2, 3, 99])}`), [["8"]]);
        const texts = sql`select string_agg(t, ',' order by t)
          from unnest(array['a', 'b''c', 'd', '$1']) t`;
        assert.deepEqual(await s.run(sql`${texts} where t in ${inList(["b'c", "$1", "x"])}`), [[
          "$1,b'c",
        ]]);
        assert.deepEqual(await s.run(sql`${texts} where t not in ${inList(["b'c", "$1"])}`), [[
          "a,d",
        ]]);
      }),
  });

  test({
    name: name("a large inList runs"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const ids = Array.from({ length: 3000 }, (_, i) => i * 2);
        const q = sql`select count(*) from generate_series(1, 10000) g where g in ${inList(ids)}`;
        assert.deepEqual(await s.run(q), [["2999"]]);
      }),
  });

  test({
    name: name("no empty IN list works for every type, so inList([]) throws; = any() does"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        assert.throws(() => inList([]), { name: "RangeError", message: /any\(/ });
        // The best candidate is typed text: right for text columns, an error for int columns.
        const candidate = "(select null where false)";
        assert.deepEqual(
          await s.raw(`select 'a'::text in ${candidate}, 'a'::text not in ${candidate}`),
          [["f", "t"]],
        );
        await assert.rejects(
          s.raw(`select 1::int in ${candidate}`),
          (err) => err instanceof PostgresError && err.code === "42883",
        );
        await assert.rejects(
          s.raw("select 1::int in (select where false)"),
          (err) => err instanceof PostgresError && err.code === "42601",
        );
        // The advice in the error: one array parameter.
        for (
          const [column, series] of [["g", "generate_series(1, 3) g"], [
            "t",
            "unnest(array['a', 'b', 'c']) t",
          ]]
        ) {
          const c = unsafe(column!);
          const from = unsafe(series!);
          assert.deepEqual(await s.run(sql`select count(*) from ${from} where ${c} = any(${[]})`), [
            ["0"],
          ]);
          assert.deepEqual(
            await s.run(sql`select count(*) from ${from} where ${c} <> all(${[]})`),
            [["3"]],
          );
          assert.deepEqual(
            await s.run(sql`select count(*) from ${from} where ${c}::text = any(${["1", "b"]})`),
            [["1"]],
          );
        }
      }),
  });

  test({
    name: name("identifier, insertValues and updateSet on awkward names"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const table = identifier('we"ird; table');
        const cols = ["__proto__", "constructor", "Mixed Case", "note", "x; drop"];
        const defs = join(cols.map((c) => sql`${identifier(c)} text`));
        await s.run(sql`create temp table ${table} (
          id int generated by default as identity primary key,
          ${defs},
          created text default 'dflt'
        )`);
        const rows = [
          JSON.parse('{"__proto__": "p1", "constructor": "c1", "Mixed Case": "m1", "note": null}'),
          { "__proto__": undefined, "Mixed Case": "m2", note: "it's" },
        ];
        rows[0]["x; drop"] = "'); drop table sentinel; --";
        const inserted = await s.run(
          sql`insert into ${table} ${insertValues(rows, [...cols, "created"])}
            returning id, ${join(cols.map((c) => identifier(c)))}, created`,
        );
        assert.deepEqual(inserted, [
          ["1", "p1", "c1", "m1", null, "'); drop table sentinel; --", "dflt"],
          ["2", null, null, "m2", "it's", null, "dflt"],
        ]);

        const patch = JSON.parse('{"constructor": "c2", "note": null, "__proto__": "p2"}');
        const updated = await s.run(
          sql`update ${table} set ${updateSet(patch)}, ${
            updateSet({ created: sql`upper(${"x"}::text)` })
          } where id = ${2}::int returning id, ${identifier("__proto__")}, ${
            identifier("constructor")
          }, note, created`,
        );
        assert.deepEqual(updated, [["2", "p2", "c2", null, "X"]]);

        const single = await s.run(sql`insert into ${table} ${insertValues({ note: "only" })}
          returning note, created`);
        assert.deepEqual(single, [["only", "dflt"]]);
        assert.deepEqual(await s.run(sql`select count(*) from ${table}`), [["3"]]);
      }),
  });

  test({
    name: name("join and unsafe compose conditions and ordering"),
    ignore,
    fn: () =>
      withSession(server, async (s) => {
        const conds = join(
          [sql`g > ${2}::int`, sql`g < ${6}::int`, sql`g <> ${4}::int`],
          sql` and `,
        );
        const order = unsafe("desc");
        const q = sql`select string_agg(g::text, ',' order by g ${order})
          from generate_series(1, 9) g where ${conds}`;
        assert.deepEqual(await s.run(q), [["5,3"]]);
        const sum = join([1, 2, 3].map((n) => sql`${n}::int`), sql` + `);
        assert.deepEqual(await s.run(sql`select ${sum}`), [["6"]]);
        assert.deepEqual(await s.run(sql`select ${join([sql`1`, sql`2`])}`), [["1", "2"]]);
      }),
  });
}
