/**
 * Container codecs against real servers: for arrays, ranges, multiranges, records and user types
 * (an enum, a domain, a composite, a range, made by catalog introspection), the text a server
 * prints and the bytes its `*_send` function returns decode to the same value, and what
 * `serializeText` writes reads back on the server as the same value. Parameters inferred from
 * JavaScript values are checked the same way, through the server's binary form.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect } from "../mod.ts";
import type { Client as Connection } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { TypeRegistry } from "../src/types/registry.ts";
import { serializeParam } from "../src/types/params.ts";
import type { Codec, PgDate, PgInterval, PgTimestamp } from "../src/types/codec.ts";
import { hex, TEST_CODECS, unhex } from "../src/types/testdata/codecs.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

async function one(db: Connection, sql: string): Promise<(string | null)[]> {
  const [result] = await db.connection.simpleQuery(sql);
  const row = result?.rows[0];
  assert.ok(row !== undefined, `no row from ${sql}`);
  return row;
}

/** A standard string literal (`standard_conforming_strings` is on; checked below). */
function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A subtype codec for types the container tests have no real codec for (numeric, dates): text
 * and binary forms are paired by asking the server, so a range's text and binary decode to the
 * same value exactly when the container codec pairs its bounds correctly.
 */
function pairedCodec(oid: number, name: string, arrayOid: number) {
  const hexByText = new Map<string, string>();
  const textByHex = new Map<string, string>();
  const codec: Codec = {
    name,
    oid,
    arrayOid,
    preferBinary: true,
    parseText: (text) => {
      const h = hexByText.get(text);
      if (h === undefined) throw new Error(`No binary form known for ${name} ${text}`);
      return h;
    },
    parseBinary: (bytes) => hex(bytes),
    serializeText: (value) => textByHex.get(value as string)!,
  };
  const learn = async (db: Connection, sql: string): Promise<void> => {
    const [result] = await db.connection.simpleQuery(sql);
    for (const [t, h] of result!.rows) {
      if (t != null && h != null) {
        hexByText.set(t, h);
        textByHex.set(h, t);
      }
    }
  };
  return { codec, learn };
}

const PAIRED = {
  numeric: { oid: 1700, arrayOid: 1231, send: "numeric_send" },
  timestamptz: { oid: 1184, arrayOid: 1185, send: "timestamptz_send" },
  timestamp: { oid: 1114, arrayOid: 1115, send: "timestamp_send" },
  date: { oid: 1082, arrayOid: 1182, send: "date_send" },
} as const;
type PairedName = keyof typeof PAIRED;

interface Case {
  /** SQL type of the value. */
  type: string;
  /** SQL expression. */
  expr: string;
  /** The send function for the binary form. */
  send: "array_send" | "range_send" | "multirange_send" | "record_send";
  /** Expected decoded value (from text). */
  value?: unknown;
  /** Server text the serialized value reads back as, when not the original's (lower bounds). */
  readsBackAs?: string;
  /** Anonymous records cannot be read back by the server. */
  noReadBack?: boolean;
  /** Makes binary-decoded values comparable with text-decoded ones (anonymous records). */
  normalize?: (value: unknown) => unknown;
  /** Subtype whose bounds must be paired first (ranges/multiranges of types without codecs). */
  bounds?: PairedName;
  /** Only on servers of at least this major version. */
  minMajor?: number;
}

const NASTY = [
  "",
  "NULL",
  "null",
  "a b",
  'x"y',
  "back\\slash",
  "{",
  "}",
  ",",
  ";",
  "(",
  ")",
  "[x]",
  "tab\there",
  "new\nline",
  "é",
  "😀",
  "中文",
  " lead",
  "trail ",
  "it's",
];
const nastySql = `array[${
  NASTY.map((s) =>
    `E'${
      s.replaceAll("\\", "\\\\").replaceAll("'", "''").replaceAll("\t", "\\t").replaceAll(
        "\n",
        "\\n",
      )
    }'`
  ).join(",")
}, NULL]`;

function range(lower: unknown, upper: unknown, lowerInclusive = true, upperInclusive = false) {
  return { kind: "range", empty: false, lower, upper, lowerInclusive, upperInclusive };
}
const EMPTY = {
  kind: "range",
  empty: true,
  lower: null,
  upper: null,
  lowerInclusive: false,
  upperInclusive: false,
};

/** Binary-decoded record fields as the text form shows them. */
function recordAsText(value: unknown): unknown {
  return (value as unknown[]).map((v) => {
    if (v === null || typeof v === "string") return v;
    if (typeof v === "boolean") return v ? "t" : "f";
    if (Array.isArray(v)) return v;
    return String(v);
  });
}

const CASES: Case[] = [
  // Arrays.
  { type: "int4[]", expr: "'{1,2,3}'", send: "array_send", value: [1, 2, 3] },
  { type: "int4[]", expr: "'{}'", send: "array_send", value: [] },
  { type: "int4[]", expr: "'{NULL}'", send: "array_send", value: [null] },
  { type: "int4[]", expr: "'{1,NULL,-2147483648,2147483647}'", send: "array_send" },
  { type: "int4[]", expr: "'{{1,2},{3,4}}'", send: "array_send", value: [[1, 2], [3, 4]] },
  {
    type: "int4[]",
    expr: "'{{{1,2},{3,4}},{{5,6},{7,NULL}}}'",
    send: "array_send",
    value: [[[1, 2], [3, 4]], [[5, 6], [7, null]]],
  },
  {
    type: "int4[]",
    expr: "'[0:2]={7,8,9}'",
    send: "array_send",
    value: [7, 8, 9],
    readsBackAs: "{7,8,9}",
  },
  {
    type: "int4[]",
    expr: "'[-1:0][3:4]={{1,2},{3,4}}'",
    send: "array_send",
    value: [[1, 2], [3, 4]],
    readsBackAs: "{{1,2},{3,4}}",
  },
  { type: "int4[]", expr: "array_fill(7, array[2,3])", send: "array_send" },
  {
    type: "int4[]",
    expr: "(select array_agg(g) from generate_series(-3000, 3000) g)",
    send: "array_send",
  },
  { type: "int4[]", expr: "array[[[[[[1]]]]]]", send: "array_send", value: [[[[[[1]]]]]] },
  { type: "text[]", expr: nastySql, send: "array_send", value: [...NASTY, null] },
  {
    type: "text[]",
    expr: "array[['a','b'],['c d',NULL]]",
    send: "array_send",
    value: [["a", "b"], ["c d", null]],
  },
  { type: "text[]", expr: "'{}'", send: "array_send", value: [] },
  {
    type: "text[]",
    expr:
      "(select array_agg(repeat(chr(65 + g % 26), g % 7) || ' \"\\' || g) from generate_series(1, 2000) g)",
    send: "array_send",
  },
  { type: "int8[]", expr: "'{9223372036854775807,-9223372036854775808,NULL}'", send: "array_send" },
  { type: "bool[]", expr: "'{t,f,NULL}'", send: "array_send", value: [true, false, null] },
  {
    type: "bytea[]",
    expr: "array['\\x00ff'::bytea, ''::bytea, NULL]",
    send: "array_send",
    value: [Uint8Array.of(0, 255), new Uint8Array(), null],
  },
  {
    type: "box[]",
    expr: "array[box '((0,0),(1,1))', box '((2,2),(3,3))']",
    send: "array_send",
    value: ["(1,1),(0,0)", "(3,3),(2,2)"],
  },
  // Ranges.
  { type: "int4range", expr: "'[1,5)'", send: "range_send", value: range(1, 5) },
  { type: "int4range", expr: "'(1,5]'", send: "range_send", value: range(2, 6) },
  { type: "int4range", expr: "'empty'", send: "range_send", value: EMPTY },
  { type: "int4range", expr: "'(,5]'", send: "range_send", value: range(null, 6, false) },
  { type: "int4range", expr: "'[,)'", send: "range_send", value: range(null, null, false) },
  { type: "int4range", expr: "'[3,)'", send: "range_send", value: range(3, null) },
  { type: "int8range", expr: "'[-9223372036854775808,9223372036854775807)'", send: "range_send" },
  { type: "numrange", expr: "'[1.5,2.25]'", send: "range_send", bounds: "numeric" },
  { type: "numrange", expr: "'(,)'", send: "range_send", bounds: "numeric" },
  { type: "numrange", expr: "'empty'", send: "range_send", bounds: "numeric" },
  { type: "numrange", expr: "numrange(NULL, 3.14159)", send: "range_send", bounds: "numeric" },
  { type: "numrange", expr: "'[-1e-20, 1e20)'", send: "range_send", bounds: "numeric" },
  {
    type: "tstzrange",
    expr: '\'["2024-01-01 00:00:00+00","2024-02-01 00:00:00+00")\'',
    send: "range_send",
    bounds: "timestamptz",
  },
  { type: "tstzrange", expr: "'[-infinity,infinity]'", send: "range_send", bounds: "timestamptz" },
  { type: "tstzrange", expr: "'empty'", send: "range_send", bounds: "timestamptz" },
  {
    type: "tstzrange",
    expr: "'(2000-01-01 12:34:56.789+02,)'",
    send: "range_send",
    bounds: "timestamptz",
  },
  {
    type: "tsrange",
    expr: "'[2024-01-01 00:00:00,2024-01-02 00:00:00.000001)'",
    send: "range_send",
    bounds: "timestamp",
  },
  { type: "daterange", expr: "'[2024-01-01,2024-02-01)'", send: "range_send", bounds: "date" },
  { type: "daterange", expr: "'(,2024-01-01]'", send: "range_send", bounds: "date" },
  { type: "daterange", expr: "'[0044-03-15 BC,2000-01-01)'", send: "range_send", bounds: "date" },
  { type: "daterange", expr: "'empty'", send: "range_send", bounds: "date" },
  {
    type: "int4range[]",
    expr: "array['[1,2)'::int4range, 'empty', '(,)']",
    send: "array_send",
    value: [range(1, 2), EMPTY, range(null, null, false)],
  },
  // Multiranges (PostgreSQL 14+).
  {
    type: "int4multirange",
    expr: "'{[1,3),[5,7)}'",
    send: "multirange_send",
    value: [range(1, 3), range(5, 7)],
    minMajor: 14,
  },
  { type: "int4multirange", expr: "'{}'", send: "multirange_send", value: [], minMajor: 14 },
  {
    type: "int4multirange",
    expr: "'{(,3),[10,), empty}'",
    send: "multirange_send",
    value: [range(null, 3, false), range(10, null)],
    minMajor: 14,
  },
  {
    type: "nummultirange",
    expr: "'{[1.5,2),(3,4]}'",
    send: "multirange_send",
    bounds: "numeric",
    minMajor: 14,
  },
  {
    type: "datemultirange",
    expr: "'{[2024-01-01,2024-01-05),[2024-02-01,)}'",
    send: "multirange_send",
    bounds: "date",
    minMajor: 14,
  },
  {
    type: "tstzmultirange",
    expr: "'{[2024-01-01 00:00+00,2024-01-05 00:00+00),[2024-02-01 00:00+00,infinity)}'",
    send: "multirange_send",
    bounds: "timestamptz",
    minMajor: 14,
  },
  {
    type: "int4multirange[]",
    expr: "array['{[1,3)}'::int4multirange, '{}']",
    send: "array_send",
    value: [[range(1, 3)], []],
    minMajor: 14,
  },
  // Anonymous records: text has no types, so binary values are compared as text.
  {
    type: "record",
    expr: "row(1, 'a b'::text, null::text, ''::text, 'x\"y\\'::text, '(,)'::text, true)",
    send: "record_send",
    value: ["1", "a b", null, "", 'x"y\\', "(,)", "t"],
    normalize: recordAsText,
    noReadBack: true,
  },
  {
    type: "record",
    expr: "row(null::int4)",
    send: "record_send",
    value: [null],
    normalize: recordAsText,
    noReadBack: true,
  },
  {
    type: "record[]",
    expr: "array[row(1, 'a'::text), row(2, 'b c'::text)]",
    send: "array_send",
    value: [["1", "a"], ["2", "b c"]],
    normalize: (v) => (v as unknown[]).map(recordAsText),
    noReadBack: true,
  },
];

/** The user types, created in the session's temporary schema (dropped with the session). */
const USER_TYPES_SQL = `
create type pg_temp.mood as enum ('ok', 'not ok', 'it''s "quoted"', 'é,{}');
create type pg_temp."we'ird ""type""" as enum ('x');
create domain pg_temp.posint as int4 check (value > 0);
create type pg_temp.irange as range (subtype = int4);
create type pg_temp.pair as (
  "__proto__" int4, dropme int4, "constructor" pg_temp.mood, moods pg_temp.mood[], "x y" text,
  d pg_temp.posint, r int4range, ir pg_temp.irange
);
alter type pg_temp.pair drop attribute dropme;
`;

const PAIR_SQL =
  "row(1, 'ok', array['ok','not ok','it''s \"quoted\"','é,{}'], 'a \"b\" (c)', 5, '[1,3)', '[2,4]')";

const USER_CASES: Case[] = [
  {
    type: "pg_temp.mood[]",
    expr: "array['ok','not ok','it''s \"quoted\"','é,{}', NULL]",
    send: "array_send",
    value: ["ok", "not ok", 'it\'s "quoted"', "é,{}", null],
  },
  { type: "pg_temp.posint[]", expr: "'{1,2,NULL}'", send: "array_send", value: [1, 2, null] },
  { type: "pg_temp.irange", expr: "'[2,4]'", send: "range_send", value: range(2, 4, true, true) },
  { type: "pg_temp.pair", expr: PAIR_SQL, send: "record_send" },
  {
    type: "pg_temp.pair",
    expr: "row(null, null, '{}', '', null, 'empty', '(,)')",
    send: "record_send",
  },
  { type: "pg_temp.pair[]", expr: `array[${PAIR_SQL}::pg_temp.pair, null]`, send: "array_send" },
];

async function checkCase(
  db: Connection,
  types: TypeRegistry,
  paired: Map<PairedName, Awaited<ReturnType<typeof pairedCodec>>>,
  c: Case,
): Promise<void> {
  const label = `${c.expr}::${c.type}`;
  const value = `(${c.expr})::${c.type}`;
  if (c.bounds !== undefined) {
    const p = paired.get(c.bounds)!;
    const send = PAIRED[c.bounds].send;
    const ranges = c.send === "multirange_send"
      ? `pg_catalog.unnest(${value}) as x`
      : `(select ${value} as x) s`;
    await p.learn(
      db,
      `select lower(x)::text, encode(${send}(lower(x)), 'hex') from ${ranges}
       union all select upper(x)::text, encode(${send}(upper(x)), 'hex') from ${ranges}`,
    );
  }
  const [text, sent, oid] = await one(
    db,
    `select ${value}::text, encode(${c.send}(${value}), 'hex'), ${lit(c.type)}::regtype::oid`,
  );
  const codec = types.byOid(Number(oid));
  assert.ok(codec !== undefined, `no codec for ${c.type} (${oid})`);
  const fromText = codec.parseText(text!);
  if (c.value !== undefined) assert.deepEqual(fromText, c.value, label);
  if (codec.parseBinary !== undefined) {
    const fromBinary = codec.parseBinary(unhex(sent!));
    assert.deepEqual(fromText, c.normalize ? c.normalize(fromBinary) : fromBinary, label);
  } else {
    assert.equal(c.type, "box[]", `${c.type} should read binary`);
  }
  if (c.noReadBack) return;
  const serialized = codec.serializeText(fromText);
  const [readBack, expected] = await one(
    db,
    `select (${lit(serialized)}::${c.type})::text, ${
      c.readsBackAs === undefined ? `${value}::text` : lit(c.readsBackAs)
    }`,
  );
  assert.equal(readBack, expected, `${label} serialized as ${serialized}`);
}

function registryFor(): {
  types: TypeRegistry;
  paired: Map<PairedName, Awaited<ReturnType<typeof pairedCodec>>>;
} {
  const paired = new Map<PairedName, ReturnType<typeof pairedCodec>>();
  for (const name of Object.keys(PAIRED) as PairedName[]) {
    const { oid, arrayOid } = PAIRED[name];
    paired.set(name, pairedCodec(oid, name, arrayOid));
  }
  const box: Codec = {
    name: "box",
    oid: 603,
    arrayOid: 1020,
    preferBinary: false,
    parseText: (t) => t,
    serializeText: (v) => String(v),
  };
  const types = new TypeRegistry([
    ...TEST_CODECS,
    box,
    ...[...paired.values()].map((p) => p.codec),
  ]);
  return { types, paired };
}

async function open(server: TestServer): Promise<Connection> {
  const db = await connect({
    host: server.host,
    port: server.port,
    database: server.database,
    user: "trust_user",
    sslMode: "disable",
  });
  const [scs] = await one(db, "show standard_conforming_strings");
  assert.equal(scs, "on");
  return db;
}

for (const server of servers?.servers ?? [{ name: "none", major: 0 } as TestServer]) {
  test({
    name: `containers on ${server.name}: text and binary agree, serializeText reads back`,
    ignore,
    fn: async (t) => {
      const db = await open(server);
      try {
        const { types, paired } = registryFor();
        for (const c of CASES) {
          if (c.minMajor !== undefined && server.major < c.minMajor) continue;
          await t.step(`${c.type} ${c.expr.slice(0, 60)}`, () => checkCase(db, types, paired, c));
        }
      } finally {
        await db.close();
      }
    },
  });

  test({
    name:
      `user types on ${server.name}: introspection builds enum, domain, range, composite codecs`,
    ignore,
    fn: async () => {
      const db = await open(server);
      try {
        await db.connection.simpleQuery(USER_TYPES_SQL);
        const { types, paired } = registryFor();
        const sql = types.introspectionQuery([
          "pg_temp.pair",
          `pg_temp."we'ird ""type"""`,
          "pg_temp.mood[]",
          "no_such_type",
        ]);
        const [result] = await db.connection.simpleQuery(sql);
        const learned = types.applyIntrospection(result!.rows);
        const names = new Set(learned.map((c) => c.name));
        for (
          const name of [
            "pair",
            "_pair",
            "mood",
            "_mood",
            "posint",
            "_posint",
            "irange",
            "_irange",
            `we'ird "type"`,
          ]
        ) {
          assert.ok(names.has(name), `${name} in ${[...names].join(", ")}`);
        }
        if (server.major >= 14) {
          assert.ok(names.has("imultirange") && names.has("_imultirange"), [...names].join());
        }
        // Built-in types the user types depend on came back too but were not replaced.
        assert.equal(types.byOid(23), TEST_CODECS[0]);
        assert.equal(types.byName(`we'ird "type"`)!.parseText("x"), "x");

        const [pairOid] = await one(db, "select 'pg_temp.pair'::regtype::oid");
        assert.equal(types.byName("pair")!.oid, Number(pairOid));
        const [text] = await one(db, `select ${PAIR_SQL}::pg_temp.pair::text`);
        const pair = types.byName("pair")!.parseText(text!) as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(pair), Object.prototype);
        assert.deepEqual(Object.keys(pair), [
          "__proto__",
          "constructor",
          "moods",
          "x y",
          "d",
          "r",
          "ir",
        ]);
        assert.equal(Object.getOwnPropertyDescriptor(pair, "__proto__")?.value, 1);
        assert.equal(pair.constructor, "ok");
        assert.deepEqual(pair.moods, ["ok", "not ok", 'it\'s "quoted"', "é,{}"]);
        assert.equal(pair["x y"], 'a "b" (c)');
        assert.equal(pair.d, 5);
        assert.deepEqual(pair.r, range(1, 3));
        assert.deepEqual(pair.ir, range(2, 4, true, true));

        for (const c of USER_CASES) await checkCase(db, types, paired, c);
        if (server.major >= 14) {
          await checkCase(db, types, paired, {
            type: "pg_temp.imultirange",
            expr: "'{[1,3),[5,7]}'",
            send: "multirange_send",
            value: [range(1, 3), range(5, 7, true, true)],
          });
        }
      } finally {
        await db.close();
      }
    },
  });

  test({
    name: `inferred parameters on ${server.name}: the server reads what was meant`,
    ignore,
    fn: async () => {
      const db = await open(server);
      const none = { byOid: () => undefined };
      const text = (value: unknown): string => serializeParam(value, 0, none).value as string;
      const i64 = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, "0");
      const i32 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");
      /** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
      const PG_EPOCH = 946_684_800_000_000n;
      try {
        for (const styles of ["postgres", "sql_standard", "iso_8601"]) {
          await db.connection.simpleQuery(
            `set intervalstyle = ${styles}; set timezone = 'America/St_Johns'`,
          );
          // Dates: microseconds since 2000-01-01 as timestamptz_send gives them.
          const dates = [
            0,
            -1,
            8.64e15,
            Date.UTC(-4000, 0, 1),
            Date.UTC(10_000, 0, 1),
            Date.UTC(-44, 2, 15, 12),
          ];
          for (const ms of dates) {
            const [sent] = await one(
              db,
              `select encode(timestamptz_send(${lit(text(new Date(ms)))}), 'hex')`,
            );
            assert.equal(sent, i64(BigInt(ms) * 1000n - PG_EPOCH), `Date ${ms}`);
          }
          const stamps: PgTimestamp[] = [
            { kind: "timestamp", microseconds: 1n, infinity: 0 },
            { kind: "timestamp", microseconds: -210_866_803_200_000_000n, infinity: 0 },
            { kind: "timestamp", microseconds: 9_224_318_015_999_999_999n, infinity: 0 },
          ];
          for (const ts of stamps) {
            for (const type of ["timestamptz", "timestamp"]) {
              const [sent] = await one(db, `select encode(${type}_send(${lit(text(ts))}), 'hex')`);
              assert.equal(sent, i64(ts.microseconds - PG_EPOCH), `${type} ${ts.microseconds}`);
            }
          }
          const [inf] = await one(
            db,
            `select ${
              lit(text({ kind: "timestamp", microseconds: 0n, infinity: -1 }))
            }::timestamptz = '-infinity'`,
          );
          assert.equal(inf, "t");
          for (const days of [0, -719_528, -719_163, 19_782, -2_440_588, 2_000_000]) {
            const d: PgDate = { kind: "date", days, infinity: 0 };
            const [sent] = await one(db, `select encode(date_send(${lit(text(d))}), 'hex')`);
            assert.equal(sent, i32(days - 10_957), `date ${days}`);
          }
          const intervals: PgInterval[] = [
            { kind: "interval", months: 14, days: -3, microseconds: 3_723_000_004n },
            { kind: "interval", months: -1, days: 0, microseconds: -1n },
            { kind: "interval", months: 0, days: 1, microseconds: 0n },
            { kind: "interval", months: 0, days: 0, microseconds: -9_223_372_036_854_775_807n },
            { kind: "interval", months: -2, days: -2, microseconds: 9_223_372_036_854_775_807n },
          ];
          for (const iv of intervals) {
            const [sent] = await one(db, `select encode(interval_send(${lit(text(iv))}), 'hex')`);
            assert.equal(
              sent,
              i64(iv.microseconds) + i32(iv.days) + i32(iv.months),
              `${styles}: ${text(iv)}`,
            );
          }
        }
        const checks: [unknown, string, string][] = [
          [[1, null, "a b", 'q"\\'], "text[]", `array['1', null, 'a b', 'q"\\']`],
          [[[1, 2], [3, 4]], "int4[]", "'{{1,2},{3,4}}'"],
          [[], "int4[]", "'{}'"],
          [{ a: [1, "x"], "it's": null }, "jsonb", `'{"a": [1, "x"], "it''s": null}'`],
          [Uint8Array.of(0, 0x27, 0xff), "bytea", "'\\x0027ff'"],
          [[Uint8Array.of(1)], "bytea[]", "array['\\x01'::bytea]"],
          [range(1, 5), "int4range", "'[1,5)'"],
          [range(null, new Date(0), false, true), "tstzrange", "'(,1970-01-01 00:00:00+00]'"],
          [EMPTY, "numrange", "'empty'"],
          [-0, "float8", "'-0'"],
          [NaN, "float8", "'NaN'"],
          [-Infinity, "float8", "'-Infinity'"],
          [0.1, "float8", "0.1::float8"],
          [2n ** 63n - 1n, "int8", "9223372036854775807"],
          [true, "bool", "true"],
          [
            [new Date(0), null],
            "timestamptz[]",
            "array['1970-01-01 00:00:00+00'::timestamptz, null]",
          ],
        ];
        for (const [value, type, expected] of checks) {
          const [same] = await one(
            db,
            `select (${lit(text(value))}::${type})::text = (${expected}::${type})::text`,
          );
          assert.equal(same, "t", `${text(value)} as ${type}`);
        }
      } finally {
        await db.close();
      }
    },
  });
}
