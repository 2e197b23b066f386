/**
 * The round-trip property, against real servers: for every type, a value read from the server and
 * sent back as a parameter compares equal on the server.
 *
 * For each literal `L` of type `T` (see `testdata/roundtrip_literals.ts`), on every test server,
 * with named prepared statements (the default cache) and with unnamed statements only
 * (`statementCacheSize: 0`), under each type-option profile the literal belongs to:
 *
 * 1. `select L::T` runs twice. With named statements the first run reads text and the second
 *    asks for binary wherever the codec prefers it (checked through `fields[0].format`); with
 *    unnamed statements both read text. The two values must deep-equal.
 * 2. `select $1::T is not distinct from L::T, $1::T::text, L::T::text` with the value read must
 *    give true and the same text (the text catches what `=` forgives: `-0`, numeric scale,
 *    `1 day` against `24:00:00`). With named statements it runs twice: the first run writes the
 *    parameter by inference from the JavaScript value (the text-path value), the second with
 *    the parameter type's codec (the binary-path value); unnamed statements run it once.
 *
 * Each connection sets a different `TimeZone` (some with historical offsets in seconds:
 * `America/St_Johns` prints 1800 as `-03:30:52`), `IntervalStyle`, `bytea_output` and date input
 * order. A `forceBinary` profile re-registers every codec that has a binary decoder as
 * preferring binary, so that decoders otherwise reached only inside containers meet real bytes.
 * User-defined types (an enum, domains, ranges, composites) are made per session in `pg_temp`
 * and loaded with `loadTypes`.
 *
 * Failures are collected, not thrown one by one, and compared with {@link KNOWN_FAILURES} at the
 * end: an unexpected failure fails the test, and so does a known failure that no longer happens
 * (remove it from the list). Set `PGLINE_ROUNDTRIP_STATS=1` to print the counts.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import process from "node:process";
import { connect } from "../mod.ts";
import type { Client } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { BUILTIN_TYPES } from "../src/types/oids.ts";
import {
  type Literal,
  pgArray,
  type ProfileName,
  PROFILES,
  ROUNDTRIP_CASES,
  type RoundtripCase,
  USER_TYPE_CASES,
  USER_TYPE_NAMES,
  USER_TYPES_DDL,
  USER_TYPES_DROP,
} from "./testdata/roundtrip_literals.ts";

const servers = loadTestServers();

type Mode = "named" | "unnamed";

/** The stage of the round trip a failure happened in. */
type Stage =
  | "read-1"
  | "read-2"
  | "format"
  | "text-vs-binary"
  | "compare-1"
  | "compare-2";

interface Failure {
  server: string;
  mode: Mode;
  profile: ProfileName;
  type: string;
  literal: string;
  stage: Stage;
  detail: string;
}

/** A library bug this test found, kept here until it is fixed. */
interface KnownFailure {
  /** The SQL type, exactly as in the case (`int4[]`, `"char"`). */
  type: string;
  /** The literal as shown in failures (`JSON.stringify` of the text, `NULL`, `sql:...`). */
  literal: string;
  /** Restricts the entry; unset matches any. */
  stage?: Stage;
  mode?: Mode;
  profile?: ProfileName;
  /** Only on servers of at least this major version. */
  minMajor?: number;
  /** What goes wrong, and where. */
  why: string;
}

/**
 * Library bugs this test found. Each one fails only where it says; once fixed, the test fails
 * until the entry is removed.
 */
const KNOWN_FAILURES: readonly KnownFailure[] = [
  // None. (Fixed: an interval with an int64-minimum time part, and -infinity, written by inference.)
];

interface Job {
  /** SQL type. */
  type: string;
  /** The literal, cast: `'...'::T`. */
  expr: string;
  /** Compare as this type on the server. */
  compareAs: string | undefined;
  /** How failures name the literal. */
  shown: string;
}

interface Stats {
  reads: number;
  binaryReads: number;
  compares: number;
  assertions: number;
  /** Distinct literals per type, over all profiles. */
  literals: Map<string, Set<string>>;
}

/** Session settings of a connection. */
interface Session {
  TimeZone: string;
  IntervalStyle: "postgres" | "postgres_verbose" | "sql_standard" | "iso_8601";
  bytea_output: "hex" | "escape";
  /** The client keeps ISO output; the input field order may still differ. */
  DateStyle: "ISO, MDY" | "ISO, DMY" | "ISO, YMD";
}

const PLAIN: Session = {
  TimeZone: "UTC",
  IntervalStyle: "postgres",
  bytea_output: "hex",
  DateStyle: "ISO, MDY",
};

/**
 * Each connection its own settings, to exercise the text path: offsets (some historical, in
 * seconds), every IntervalStyle, both bytea output formats, and the date input field order.
 */
const SESSIONS: Record<Mode, Record<ProfileName, Session>> = {
  named: {
    default: { ...PLAIN, TimeZone: "America/St_Johns" },
    lossless: {
      TimeZone: "Pacific/Chatham",
      IntervalStyle: "iso_8601",
      bytea_output: "escape",
      DateStyle: "ISO, YMD",
    },
    int8String: PLAIN,
    int8Number: PLAIN,
    numericNumber: PLAIN,
    jsonText: PLAIN,
    forceBinary: {
      TimeZone: "Asia/Kathmandu",
      IntervalStyle: "sql_standard",
      bytea_output: "escape",
      DateStyle: "ISO, DMY",
    },
  },
  unnamed: {
    default: {
      TimeZone: "Asia/Kolkata",
      IntervalStyle: "sql_standard",
      bytea_output: "escape",
      DateStyle: "ISO, DMY",
    },
    lossless: { ...PLAIN, TimeZone: "America/St_Johns", IntervalStyle: "postgres_verbose" },
    int8String: PLAIN,
    int8Number: PLAIN,
    numericNumber: PLAIN,
    jsonText: PLAIN,
    forceBinary: PLAIN,
  },
};

/** Literals per pipelined batch: its read and compare texts (2 × this) fit the cache of 256. */
const BATCH = 100;

function literalSql(literal: Literal): string {
  if (literal === null) return "NULL";
  if (typeof literal === "string") return `'${literal.replaceAll("'", "''")}'`;
  return `(${literal.sql})`;
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

function showLiteral(literal: Literal): string {
  if (literal === null) return "NULL";
  if (typeof literal === "string") return shorten(JSON.stringify(literal), 120);
  return shorten(`sql:${literal.sql.replace(/\s+/g, " ")}`, 120);
}

/** A value for a failure message: JSON with bigints, bytes, dates and non-finite numbers shown. */
function show(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (typeof v === "number" && Object.is(v, -0)) return "-0";
    if (v instanceof Uint8Array) return `bytes(${v.length}):${[...v.slice(0, 24)].join(",")}`;
    return v;
  }) ?? String(value);
  return shorten(text);
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${shorten(reason.message, 300)}` : show(reason);
}

/** The `T[]` literals of a case. */
function arrayLiterals(c: RoundtripCase): readonly Literal[] {
  if (c.arrays === false) return [];
  if (c.arrays !== "auto") return c.arrays;
  const s = c.literals.filter((l): l is string => typeof l === "string");
  const out: Literal[] = ["{}", "{NULL}", pgArray([...s, null])];
  if (s.length >= 3) out.push(pgArray([[s[0], s[1]], [s[2], null]]));
  if (s.length >= 2) out.push(pgArray([[[s[0]]], [[s[1]]]]));
  return out;
}

/** Every (type, literal) pair a profile runs on a server, without repeats. */
function jobsFor(profile: ProfileName, major: number): Job[] {
  const jobs = new Map<string, Job>();
  const add = (type: string, literal: Literal, compareAs: string | undefined): void => {
    const expr = `${literalSql(literal)}::${type}`;
    if (!jobs.has(expr)) jobs.set(expr, { type, expr, compareAs, shown: showLiteral(literal) });
  };
  const runs = (c: RoundtripCase): boolean =>
    profile === "forceBinary"
      ? c.profiles.includes("default") || c.profiles.includes("lossless")
      : c.profiles.includes(profile);
  for (const c of [...ROUNDTRIP_CASES, ...USER_TYPE_CASES]) {
    if (!runs(c) || (c.minMajor ?? 0) > major) continue;
    for (const literal of c.literals) add(c.type, literal, c.compareAs);
    const arrayCompare = c.compareAs === undefined || c.compareAs === "text"
      ? c.compareAs
      : `${c.compareAs}[]`;
    for (const literal of arrayLiterals(c)) add(`${c.type}[]`, literal, arrayCompare);
  }
  return [...jobs.values()];
}

/** Calls `fn`, turning a synchronous throw into a rejection. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

function wantsBinary(db: Client, typeOid: number): boolean {
  const codec = db.types.byOid(typeOid);
  return codec !== undefined && codec.preferBinary && codec.parseBinary !== undefined;
}

/**
 * Re-registers every codec of a built-in base type or a user type that has a binary decoder as
 * preferring binary; arrays, ranges, multiranges and domains over them follow.
 */
function preferBinaryEverywhere(db: Client): void {
  const oids = BUILTIN_TYPES.filter((t) => t.kind === "b").map((t) => t.oid);
  // After the built-ins, so that derived user types (ranges, domains) already follow them. Not
  // rt_wide: its money field has no binary decoder, so in binary that field reads as bytes
  // (documented; the reason composites never prefer binary).
  for (const name of USER_TYPE_NAMES) {
    if (name !== "rt_wide") oids.push(db.types.byName(name)!.oid);
  }
  for (const oid of oids) {
    const codec = db.types.byOid(oid);
    if (codec?.parseBinary !== undefined && !codec.preferBinary) {
      db.types.register({ ...codec, preferBinary: true });
    }
  }
}

async function open(server: TestServer, mode: Mode, profile: ProfileName): Promise<Client> {
  const user = server.users.trust_user;
  const db = await connect({
    host: server.host,
    port: server.port,
    database: user.database,
    user: user.name,
    password: user.password ?? "",
    sslMode: "disable",
  }, {
    types: PROFILES[profile],
    statementCacheSize: mode === "named" ? 256 : 0,
  });
  try {
    for (const [name, value] of Object.entries(SESSIONS[mode][profile])) {
      await db.simpleQuery(`set ${name} = '${value}'`);
    }
    for (const ddl of USER_TYPES_DDL) await db.simpleQuery(ddl);
    await db.loadTypes(USER_TYPE_NAMES);
    if (profile === "forceBinary") preferBinaryEverywhere(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Runs every job of a profile on one connection; returns the failures. */
async function runConnection(
  server: TestServer,
  mode: Mode,
  profile: ProfileName,
  stats: Stats,
): Promise<Failure[]> {
  const failures: Failure[] = [];
  const db = await open(server, mode, profile);
  try {
    const jobs = jobsFor(profile, server.major);
    for (let start = 0; start < jobs.length; start += BATCH) {
      await runBatch(db, jobs.slice(start, start + BATCH), mode, (job, stage, detail) => {
        failures.push({
          server: server.name,
          mode,
          profile,
          type: job.type,
          literal: job.shown,
          stage,
          detail,
        });
      }, stats);
    }
    for (const job of jobs) {
      let set = stats.literals.get(job.type);
      if (set === undefined) stats.literals.set(job.type, set = new Set());
      set.add(job.expr);
    }
    await db.simpleQuery(USER_TYPES_DROP);
  } finally {
    await db.close();
  }
  return failures;
}

type Fail = (job: Job, stage: Stage, detail: string) => void;

async function runBatch(
  db: Client,
  jobs: readonly Job[],
  mode: Mode,
  fail: Fail,
  stats: Stats,
): Promise<void> {
  const read = () =>
    Promise.allSettled(
      jobs.map((job) =>
        attempt(() => db.query<unknown[]>(`select ${job.expr} as v`, [], { rowMode: "array" }))
      ),
    );
  const first = await read();
  const second = await read();
  stats.reads += 2 * jobs.length;

  /** Per job that read fine: the text-path value and the (named: binary-path) second value. */
  const values: ({ v1: unknown; v2: unknown } | undefined)[] = jobs.map((job, i) => {
    const r1 = first[i]!;
    const r2 = second[i]!;
    if (r1.status === "rejected") {
      fail(job, "read-1", errorText(r1.reason));
      return undefined;
    }
    if (r2.status === "rejected") {
      fail(job, "read-2", errorText(r2.reason));
      return undefined;
    }
    const f1 = r1.value.fields[0]!;
    const f2 = r2.value.fields[0]!;
    const want2 = mode === "named" && wantsBinary(db, f2.typeOid) ? 1 : 0;
    stats.assertions += 2;
    if (f1.format !== 0 || f2.format !== want2) {
      fail(job, "format", `formats ${f1.format}, ${f2.format}; expected 0, ${want2}`);
    }
    if (f2.format === 1) stats.binaryReads++;
    const v1 = r1.value.rows[0]![0];
    const v2 = r2.value.rows[0]![0];
    stats.assertions++;
    try {
      assert.deepStrictEqual(v2, v1);
    } catch {
      fail(
        job,
        "text-vs-binary",
        `run 1 (text) read ${show(v1)}; run 2 (format ${f2.format}) read ${show(v2)}`,
      );
    }
    return { v1, v2 };
  });

  const rounds: { stage: Stage; pick: (v: { v1: unknown; v2: unknown }) => unknown }[] =
    mode === "named"
      ? [{ stage: "compare-1", pick: (v) => v.v1 }, { stage: "compare-2", pick: (v) => v.v2 }]
      : [{ stage: "compare-1", pick: (v) => v.v1 }];
  for (const round of rounds) {
    const live = jobs.flatMap((job, i) => {
      const v = values[i];
      return v === undefined ? [] : [{ job, value: round.pick(v) }];
    });
    const results = await Promise.allSettled(live.map(({ job, value }) => {
      const p = job.compareAs === undefined
        ? `$1::${job.type}`
        : `$1::${job.type}::${job.compareAs}`;
      const l = job.compareAs === undefined ? job.expr : `${job.expr}::${job.compareAs}`;
      const text = `select ${p} is not distinct from ${l} as eq, (${p})::text as got, ` +
        `(${l})::text as want`;
      return attempt(() => db.query<unknown[]>(text, [value], { rowMode: "array" }));
    }));
    stats.compares += live.length;
    results.forEach((r, i) => {
      const { job, value } = live[i]!;
      stats.assertions += 2;
      if (r.status === "rejected") {
        fail(job, round.stage, `sent ${show(value)}: ${errorText(r.reason)}`);
        return;
      }
      const [eq, got, want] = r.value.rows[0]!;
      if (eq !== true || got !== want) {
        fail(
          job,
          round.stage,
          `sent ${show(value)}: equal ${eq}, server read ${show(got)}, literal is ${show(want)}`,
        );
      }
    });
  }
}

function matches(known: KnownFailure, failure: Failure, major: number): boolean {
  return known.type === failure.type && known.literal === failure.literal &&
    (known.stage === undefined || known.stage === failure.stage) &&
    (known.mode === undefined || known.mode === failure.mode) &&
    (known.profile === undefined || known.profile === failure.profile) &&
    (known.minMajor === undefined || known.minMajor <= major);
}

function describeFailure(f: Failure): string {
  return `${f.server} ${f.mode} ${f.profile} ${f.type} ${f.literal} [${f.stage}]: ${f.detail}`;
}

if (servers === undefined) {
  test({ name: "types round trip (needs PGLINE_TEST_SERVERS)", ignore: true, fn() {} });
}

for (const server of servers?.servers ?? []) {
  test(`types round trip: ${server.name}`, async () => {
    const stats: Stats = {
      reads: 0,
      binaryReads: 0,
      compares: 0,
      assertions: 0,
      literals: new Map(),
    };
    const runs: Promise<Failure[]>[] = [];
    for (const mode of ["named", "unnamed"] as const) {
      for (const profile of Object.keys(PROFILES) as ProfileName[]) {
        // Unnamed statements read text only, so forcing binary changes nothing there.
        if (mode === "unnamed" && profile === "forceBinary") continue;
        runs.push(runConnection(server, mode, profile, stats));
      }
    }
    const failures = (await Promise.all(runs)).flat();

    if (process.env.PGLINE_ROUNDTRIP_STATS) {
      const perType = [...stats.literals].map(([type, set]) => `${type}:${set.size}`).join(" ");
      const total = [...stats.literals.values()].reduce((n, s) => n + s.size, 0);
      // deno-lint-ignore no-console
      console.log(
        `${server.name}: ${total} distinct literals over ${stats.literals.size} types; ` +
          `${stats.reads} reads (${stats.binaryReads} binary), ${stats.compares} compares, ` +
          `${stats.assertions} assertions, ${failures.length} failures\n${perType}`,
      );
    }

    // The binary path must really have been taken, for scalars, arrays, ranges and user types.
    assert.ok(stats.binaryReads > 300, `only ${stats.binaryReads} binary reads`);
    const unexpected = failures.filter((f) =>
      !KNOWN_FAILURES.some((k) => matches(k, f, server.major))
    );
    assert.deepStrictEqual(unexpected.map(describeFailure), [], "unexpected round-trip failures");
    const fixed = KNOWN_FAILURES.filter((k) =>
      (k.minMajor === undefined || k.minMajor <= server.major) &&
      !failures.some((f) => matches(k, f, server.major))
    );
    assert.deepStrictEqual(
      fixed.map((k) => `${k.type} ${k.literal}: ${k.why}`),
      [],
      "known failures that no longer fail: remove them from KNOWN_FAILURES",
    );
  });
}
