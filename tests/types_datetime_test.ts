/**
 * Date/time codecs against real servers: for hundreds of values of each type (the extremes, BC,
 * 294276 AD, the infinities, microseconds, LMT offsets with seconds, every IntervalStyle), the
 * text the server prints and the bytes its send function gives must decode to the same value
 * under both `dates` options, and what `serializeText` writes must read back as the same value.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect } from "../mod.ts";
import { hexBytes, quoteLiteral as q } from "./harness/clients.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import type { Codec, PgDate, PgInterval, PgTimestamp } from "../src/types/codec.ts";
import {
  dateTimeCodecs,
  formatPgDate,
  formatPgTimestamp,
  pgDateToDate,
  pgTimestampToDate,
} from "../src/types/datetime.ts";
import { prng } from "../src/testdata/prng.ts";

type Connection = Awaited<ReturnType<typeof connect>>;

const servers = loadTestServers();
const ignore = servers === undefined;

const DATE_CODECS = dateTimeCodecs({});
const LOSSLESS_CODECS = dateTimeCodecs({ dates: "lossless" });

function codec(set: Codec[], name: string): Codec {
  const c = set.find((x) => x.name === name);
  assert.ok(c, name);
  return c;
}

/** Microseconds since 1970 of 4714-11-24 00:00:00 BC and 294276-12-31 23:59:59.999999. */
const MIN_TS = -210866803200000000n;
const MAX_TS = 9224318015999999999n;
/** Days since 1970 of 4714-11-24 BC and 5874897-12-31. */
const MIN_DAY = -2440588;
const MAX_DAY = 2145042905;

const ZONES = [
  "UTC",
  "Asia/Kolkata",
  "Europe/Amsterdam",
  "Europe/Dublin",
  "America/New_York",
  "America/St_Johns",
  "Africa/Monrovia",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "Pacific/Kiritimati",
  "Australia/Lord_Howe",
  "<+0545>-05:45",
];

const INTERVAL_STYLES = ["postgres", "postgres_verbose", "sql_standard", "iso_8601"];

/** Runs statements; the last one's rows. Select only text columns (`::text`), read as strings. */
async function rows(db: Connection, sql: string): Promise<(string | null)[][]> {
  const results = await db.simpleQuery(sql, { rowMode: "array" });
  const rows = results[results.length - 1]!.rows as unknown as unknown[][];
  return rows.map((row) =>
    row.map((cell) => {
      assert.ok(cell === null || typeof cell === "string", `expected text, got ${typeof cell}`);
      return cell;
    })
  );
}

async function withServer(server: TestServer, fn: (db: Connection) => Promise<void>) {
  const db = await connect({
    host: server.host,
    port: server.port,
    database: server.database,
    user: "trust_user",
    sslMode: "disable",
  });
  try {
    await db.simpleQuery("set datestyle = ISO");
    await fn(db);
  } finally {
    await db.close();
  }
}

/** A uniform random bigint in [lo, hi]. */
function randomBig(random: () => number, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  let r = 0n;
  for (let i = 0; i < 3; i++) r = (r << 30n) | BigInt(Math.floor(random() * 2 ** 30));
  return lo + r % span;
}

function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/**
 * Decodes text and bytes with one codec; they must agree (both a value, deep-equal, or both the
 * same error). Returns the value, or the error.
 */
function decodeBoth(c: Codec, text: string, bytes: Uint8Array, what: string): unknown {
  let a: unknown;
  let b: unknown;
  let ea: unknown;
  let eb: unknown;
  try {
    a = c.parseText(text);
  } catch (e) {
    ea = e;
  }
  try {
    b = c.parseBinary!(bytes);
  } catch (e) {
    eb = e;
  }
  if (ea !== undefined || eb !== undefined) {
    assert.ok(ea instanceof RangeError && eb instanceof RangeError, `${what}: ${ea} / ${eb}`);
    assert.equal(ea.message, eb.message, what);
    return ea;
  }
  assert.deepStrictEqual(a, b, `${what}: text ${text}`);
  return a;
}

/** The literals of a table: SQL expressions of the type, one per row. */
async function fill(db: Connection, type: string, exprs: string[]): Promise<void> {
  await db.simpleQuery(
    `drop table if exists t; create temp table t (i int primary key, v ${type});` +
      `insert into t values ${exprs.map((e, i) => `(${i}, ${e})`).join(", ")}`,
  );
}

/** Checks every serialized text against the stored value, by the send bytes. */
async function roundTrip(db: Connection, type: string, texts: Map<number, string>, what: string) {
  if (texts.size === 0) return;
  const values = [...texts].map(([i, s]) => `(${i}, ${q(s)})`).join(", ");
  const bad = await rows(
    db,
    `select i::text, s, v::text from t join (values ${values}) x(i, s) using (i) ` +
      `where not (s::${type} is not distinct from v and ${type}_send(s::${type}) = ${type}_send(v))`,
  );
  assert.deepStrictEqual(bad, [], `${what}: serialized values that did not read back`);
}

function timestampExprs(withZone: boolean): string[] {
  const type = withZone ? "timestamptz" : "timestamp";
  const z = withZone ? "+00" : "";
  const fixed = [
    "infinity",
    "-infinity",
    `4714-11-24 00:00:00${z} BC`,
    `4714-11-24 00:00:00.000001${z} BC`,
    `4714-11-24 23:59:59.999999${z} BC`,
    `294276-12-31 23:59:59.999999${z}`,
    `294276-12-31 00:00:00${z}`,
    `275760-09-13 00:00:00${z}`,
    `275760-09-13 00:00:00.001${z}`,
    `275760-09-12 23:59:59.999999${z}`,
    `100000-01-01 00:00:00${z}`,
    `10000-01-01 00:00:00${z}`,
    `9999-12-31 23:59:59.999999${z}`,
    `1970-01-01 00:00:00${z}`,
    `1969-12-31 23:59:59.999999${z}`,
    `1969-12-31 23:59:59.9995${z}`,
    `1969-12-31 23:59:59.0005${z}`,
    `2000-01-01 00:00:00${z}`,
    `1999-12-31 23:59:59.999999${z}`,
    `0001-01-01 00:00:00${z}`,
    `0001-12-31 23:59:59.999999${z} BC`,
    `0044-03-15 12:00:00.5${z} BC`,
    `1000-01-01 00:00:00.05${z} BC`,
    `2024-01-02 03:04:05.123456${z}`,
    `2024-02-29 12:00:00.000001${z}`,
    `1600-02-29 00:00:00${z}`,
    `2100-02-28 23:59:59${z}`,
    `2038-01-19 03:14:08${z}`,
    `1901-12-13 20:45:52${z}`,
    `1582-10-10 00:00:00${z}`,
  ].map((s) => `${q(s)}::${type}`);
  if (withZone) {
    fixed.push(
      ...[
        "1900-01-01 00:00:00 Europe/Amsterdam",
        "1937-06-30 12:00:00 Europe/Amsterdam",
        "1800-01-01 00:00:00 Asia/Kolkata",
        "1916-05-21 12:00:00 Europe/Dublin",
        "1971-06-01 00:00:00 Africa/Monrovia",
        "2024-03-10 02:30:00 America/New_York",
        "2024-11-03 01:30:00 America/New_York",
        "2024-01-02 03:04:05+05:30",
        "2024-01-02 03:04:05-09:30",
        "1900-01-01 00:00:00+00:09:21",
        "1850-06-15 12:34:56.789-00:44:30",
      ].map((s) => `${q(s)}::timestamptz`),
    );
  }
  const random = prng(withZone ? 1184 : 1114);
  const base = withZone ? "'1970-01-01 00:00:00+00'::timestamptz" : "'1970-01-01'::timestamp";
  const add = (us: bigint) => `${base} + ${q(`${us} microseconds`)}::interval`;
  for (let i = 0; i < 150; i++) fixed.push(add(randomBig(random, MIN_TS, MAX_TS)));
  // 1800 to 2150, where most data lives and the time zone rules change.
  for (let i = 0; i < 200; i++) {
    fixed.push(add(randomBig(random, -5364662400000000n, 5680281600000000n)));
  }
  return fixed;
}

function checkTimestamps(
  server: TestServer,
  withZone: boolean,
): (db: Connection) => Promise<void> {
  const type = withZone ? "timestamptz" : "timestamp";
  const dateCodec = codec(DATE_CODECS, type);
  const losslessCodec = codec(LOSSLESS_CODECS, type);
  return async (db) => {
    await db.simpleQuery("set timezone = 'UTC'");
    const exprs = timestampExprs(withZone);
    await fill(db, type, exprs);
    // What the texts covered, so that a change of tzdata cannot hollow the test out.
    const seen = { bc: 0, beyondDate: 0, secondsOffset: 0, bigYear: 0, infinity: 0 };
    for (const zone of withZone ? ZONES : ["UTC", "Asia/Kolkata"]) {
      const what = `${server.name} ${type} in ${zone}`;
      const result = await rows(
        db,
        `set timezone = ${
          q(zone)
        }; select i::text, v::text, ${type}_send(v)::text from t order by i`,
      );
      assert.equal(result.length, exprs.length);
      const lossless = new Map<number, string>();
      const dates = new Map<number, string>();
      for (const [i, text, hex] of result) {
        const n = Number(i);
        const bytes = hexBytes(hex!);
        const exact = decodeBoth(losslessCodec, text!, bytes, what) as PgTimestamp;
        assert.equal(exact.kind, "timestamp", `${what}: ${text}`);
        const date = decodeBoth(dateCodec, text!, bytes, what);
        if (text!.endsWith(" BC")) seen.bc++;
        if (/[+-]\d\d:\d\d:\d\d( BC)?$/.test(text!)) seen.secondsOffset++;
        if (/^\d{5}/.test(text!)) seen.bigYear++;
        if (exact.infinity !== 0) seen.infinity++;
        if (date instanceof RangeError) seen.beyondDate++;
        let expected: unknown;
        try {
          expected = pgTimestampToDate(exact);
        } catch (e) {
          expected = e;
        }
        if (expected instanceof Error) {
          assert.ok(date instanceof RangeError, `${what}: ${text} fits no Date`);
          assert.ok(exact.microseconds > 8640000000000000000n, `${what}: ${text}`);
        } else {
          assert.deepStrictEqual(date, expected, `${what}: ${text}`);
          dates.set(n, dateCodec.serializeText(date));
        }
        if (zone === "UTC") assert.equal(formatPgTimestamp(exact, withZone), text, what);
        lossless.set(n, losslessCodec.serializeText(exact));
      }
      await roundTrip(db, type, lossless, `${what} (lossless)`);
      // A Date keeps milliseconds: compare with the value floored to milliseconds.
      const values = [...dates].map(([i, s]) => `(${i}, ${q(s)})`).join(", ");
      const bad = await rows(
        db,
        `select i::text, s, v::text from t join (values ${values}) x(i, s) using (i) ` +
          `where s::${type} is distinct from date_trunc('milliseconds', v)`,
      );
      assert.deepStrictEqual(bad, [], `${what} (Date): serialized values that did not read back`);
    }
    for (const [k, n] of Object.entries(seen)) {
      if (k !== "secondsOffset" || withZone) assert.ok(n > 0, `${type}: no value of ${k}`);
    }
  };
}

function checkDates(server: TestServer): (db: Connection) => Promise<void> {
  const dateCodec = codec(DATE_CODECS, "date");
  const losslessCodec = codec(LOSSLESS_CODECS, "date");
  return async (db) => {
    const exprs = [
      "infinity",
      "-infinity",
      "4714-11-24 BC",
      "4714-11-25 BC",
      "5874897-12-31",
      "275760-09-13",
      "275760-09-14",
      "294276-12-31",
      "10000-01-01",
      "9999-12-31",
      "2024-01-02",
      "2024-02-29",
      "1970-01-01",
      "1969-12-31",
      "2000-01-01",
      "1999-12-31",
      "0001-01-01",
      "0001-12-31 BC",
      "0001-01-01 BC",
      "0044-03-15 BC",
      "0001-02-29 BC",
      "0005-02-29 BC",
      "1600-02-29",
      "1900-02-28",
      "1900-03-01",
    ].map((s) => `${q(s)}::date`);
    const random = prng(1082);
    for (let i = 0; i < 150; i++) {
      exprs.push(`'1970-01-01'::date + ${randomInt(random, MIN_DAY, MAX_DAY)}`);
    }
    for (let i = 0; i < 150; i++) {
      exprs.push(`'1970-01-01'::date + ${randomInt(random, -2440588, 100000000)}`);
    }
    await fill(db, "date", exprs);
    const what = `${server.name} date`;
    const result = await rows(db, "select i::text, v::text, date_send(v)::text from t order by i");
    assert.equal(result.length, exprs.length);
    const lossless = new Map<number, string>();
    const dates = new Map<number, string>();
    for (const [i, text, hex] of result) {
      const bytes = hexBytes(hex!);
      const exact = decodeBoth(losslessCodec, text!, bytes, what) as PgDate;
      assert.equal(formatPgDate(exact), text, what);
      const date = decodeBoth(dateCodec, text!, bytes, what);
      if (exact.infinity === 0 && Math.abs(exact.days) > 100000000) {
        assert.ok(date instanceof RangeError, `${what}: ${text}`);
      } else {
        assert.deepStrictEqual(date, pgDateToDate(exact), `${what}: ${text}`);
        dates.set(Number(i), dateCodec.serializeText(date));
      }
      lossless.set(Number(i), losslessCodec.serializeText(exact));
    }
    await roundTrip(db, "date", lossless, `${what} (lossless)`);
    await roundTrip(db, "date", dates, `${what} (Date)`);
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function checkTimes(server: TestServer, withZone: boolean): (db: Connection) => Promise<void> {
  const type = withZone ? "timetz" : "time";
  return async (db) => {
    const random = prng(withZone ? 1266 : 1083);
    const texts = [
      "00:00:00",
      "24:00:00",
      "23:59:59.999999",
      "00:00:00.000001",
      "04:05:06.789",
      "12:00:00.1",
      "12:34:56.5",
    ];
    const offsets = ["", "+00", "-00", "+05:30", "-03:30", "+15:59:59", "-15:59:59", "+00:09:21"];
    const literals: string[] = [];
    for (const t of texts) {
      for (const o of withZone ? offsets : [""]) literals.push(t + o);
    }
    for (let i = 0; i < 300; i++) {
      const us = randomInt(random, 0, 86400000000);
      const s = Math.floor(us / 1e6);
      const frac = us % 1e6;
      let text = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
      if (random() < 0.7) text += "." + pad(frac, 6);
      if (withZone) {
        const off = random() < 0.5
          ? randomInt(random, -57599, 57599)
          : randomInt(random, -24, 28) * 1800;
        const abs = Math.abs(off);
        text += (off < 0 ? "-" : "+") + pad(Math.floor(abs / 3600)) + ":" +
          pad(Math.floor(abs / 60) % 60) + ":" + pad(abs % 60);
      }
      literals.push(text);
    }
    await db.simpleQuery("set timezone = 'Asia/Kolkata'");
    await fill(db, type, literals.map((s) => `${q(s)}::${type}`));
    const result = await rows(
      db,
      `select i::text, v::text, ${type}_send(v)::text from t order by i`,
    );
    assert.equal(result.length, literals.length);
    const serialized = new Map<number, string>();
    for (const set of [DATE_CODECS, LOSSLESS_CODECS]) {
      const c = codec(set, type);
      for (const [i, text, hex] of result) {
        const value = decodeBoth(c, text!, hexBytes(hex!), `${server.name} ${type}`);
        assert.equal(value, text);
        serialized.set(Number(i), c.serializeText(value));
      }
    }
    await roundTrip(db, type, serialized, `${server.name} ${type}`);
  };
}

function checkIntervals(server: TestServer): (db: Connection) => Promise<void> {
  return async (db) => {
    const literals = [
      "0",
      "1 year 2 mons 3 days 04:05:06.789",
      "-1 days +02:03:00",
      "-1 year -2 mons",
      "1 year -2 mons",
      "-3 days -04:05:06",
      "3 days -04:05:06",
      "-0.5 sec",
      "0.5 sec",
      "1 sec",
      "-1 sec",
      "1.000001 sec",
      "-0.000001 sec",
      "1 mon",
      "-1 mon",
      "1 day",
      "-1 day",
      "1 hour",
      "-1 min",
      "61 sec",
      "1 day 1 sec",
      "-1 mon 1 day -1 sec",
      "-1 mon -1 day +1 sec",
      "1 mon 1 day -0.5 sec",
      "-1 mon 3 sec",
      "-1 year 2 mons",
      "12 mons",
      "-12 mons",
      "13 mons -400 days",
      "178956970 years 7 mons",
      "-178956970 years -8 mons",
      "2147483647 days",
      "-2147483648 days",
      "2562047788:00:54.775807",
      "-2562047788:00:54.775807",
      "-9223372036854775808 microseconds",
      "2147483647 mons -2147483648 days 2562047788:00:54.775807",
      "-2147483648 mons 2147483647 days -9223372036854775808 microseconds",
      "2147483647 mons 2147483647 days 9223372036854775806 microseconds",
      "-2147483648 mons -2147483648 days -9223372036854775807 microseconds",
    ].map((s) => `${q(s)}::interval`);
    if (server.major >= 17) literals.push("'infinity'::interval", "'-infinity'::interval");
    else {
      // The values PostgreSQL 17 took for ±infinity were finite before.
      literals.push(
        "'2147483647 mons 2147483647 days 9223372036854775807 microseconds'::interval",
        "'-2147483648 mons -2147483648 days -9223372036854775808 microseconds'::interval",
      );
    }
    const random = prng(1186);
    for (let i = 0; i < 250; i++) {
      const wide = i < 100;
      const months = wide ? randomInt(random, -2147483648, 2147483647) : randomInt(random, -30, 30);
      const days = wide ? randomInt(random, -2147483648, 2147483647) : randomInt(random, -40, 40);
      const us = wide
        ? randomBig(random, -9223372036854775807n, 9223372036854775806n)
        : BigInt(randomInt(random, -200000000000, 200000000000));
      const parts = [
        random() < 0.8 ? `'${months} mons'::interval` : "'0'::interval",
        random() < 0.8 ? `'${days} days'` : "'0'",
        random() < 0.8 ? `'${us} microseconds'` : "'0'",
      ];
      literals.push(parts.join(" + "));
    }
    await db.simpleQuery("set intervalstyle = postgres");
    await fill(db, "interval", literals);
    const intervalCodec = codec(LOSSLESS_CODECS, "interval");
    for (const style of INTERVAL_STYLES) {
      const what = `${server.name} interval (${style})`;
      const result = await rows(
        db,
        `set intervalstyle = ${style}; select i::text, v::text, interval_send(v)::text from t order by i`,
      );
      assert.equal(result.length, literals.length);
      const serialized = new Map<number, string>();
      for (const [i, text, hex] of result) {
        const bytes = hexBytes(hex!);
        const value = decodeBoth(intervalCodec, text!, bytes, what) as PgInterval;
        assert.deepStrictEqual(codec(DATE_CODECS, "interval").parseText(text!), value);
        serialized.set(Number(i), intervalCodec.serializeText(value));
      }
      // Read back under the same style: sql_standard reads an unsigned field after a negative
      // one as negative, which the explicit signs must defeat.
      await roundTrip(db, "interval", serialized, what);
    }
  };
}

for (const server of servers?.servers ?? [{ name: "none" } as TestServer]) {
  const name = server.name;
  test({
    name: `${name}: timestamptz text and binary agree and round-trip in ${ZONES.length} zones`,
    ignore,
    fn: () => withServer(server, checkTimestamps(server, true)),
  });
  test({
    name: `${name}: timestamp text and binary agree and round-trip`,
    ignore,
    fn: () => withServer(server, checkTimestamps(server, false)),
  });
  test({
    name: `${name}: date text and binary agree and round-trip`,
    ignore,
    fn: () => withServer(server, checkDates(server)),
  });
  test({
    name: `${name}: time text and binary agree`,
    ignore,
    fn: () => withServer(server, checkTimes(server, false)),
  });
  test({
    name: `${name}: timetz text and binary agree`,
    ignore,
    fn: () => withServer(server, checkTimes(server, true)),
  });
  test({
    name: `${name}: interval text (every IntervalStyle) and binary agree and round-trip`,
    ignore,
    fn: () => withServer(server, checkIntervals(server)),
  });
}
