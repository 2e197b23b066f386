import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import type { Codec, PgDate, PgTimestamp } from "./codec.ts";
import {
  dateTimeCodecs,
  formatPgDate,
  formatPgInterval,
  formatPgTimestamp,
  pgDateFromDate,
  pgDateToDate,
  pgTimestampFromDate,
  pgTimestampToDate,
} from "./datetime.ts";

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
}

const byName = (codecs: Codec[]) => (name: string): Codec => {
  const c = codecs.find((x) => x.name === name);
  assert.ok(c, name);
  return c;
};
const asDate = byName(dateTimeCodecs({}));
const lossless = byName(dateTimeCodecs({ dates: "lossless" }));

function ts(microseconds: bigint): PgTimestamp {
  return { kind: "timestamp", microseconds, infinity: 0 };
}

function day(days: number): PgDate {
  return { kind: "date", days, infinity: 0 };
}

/** A Date for any year, including 0 to 99 and negative ones. */
function utc(year: number, month: number, d: number, h = 0, m = 0, s = 0, ms = 0): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, d);
  date.setUTCHours(h, m, s, ms);
  return date;
}

test("codec table: names, OIDs, array OIDs, binary preference", () => {
  const table = dateTimeCodecs({}).map((c) => [c.name, c.oid, c.arrayOid, c.preferBinary]);
  assert.deepStrictEqual(table, [
    ["date", 1082, 1182, true],
    ["time", 1083, 1183, false],
    ["timetz", 1266, 1270, false],
    ["timestamp", 1114, 1115, true],
    ["timestamptz", 1184, 1185, true],
    ["interval", 1186, 1187, true],
  ]);
  for (const c of dateTimeCodecs({ dates: "lossless" })) {
    assert.ok(c.parseBinary !== undefined, c.name);
    assert.equal(c.serializeBinary, undefined, c.name);
  }
});

test('timestamptz, dates: "date": a Date, floored to milliseconds', () => {
  const c = asDate("timestamptz");
  const expected = new Date("2024-01-01T21:34:05.123Z");
  assert.deepStrictEqual(c.parseText("2024-01-02 03:04:05.123999+05:30"), expected);
  // The same instant in binary: 757460045123999 µs since 2000-01-01.
  assert.deepStrictEqual(c.parseBinary!(hex("0002b0e7e8ebd19f")), expected);
  assert.deepStrictEqual(c.parseText("1900-01-01 00:00:00+00:09:21"), new Date(-2208989361000));
  assert.deepStrictEqual(
    c.parseText("0044-03-15 12:00:00.5+00 BC"),
    utc(-43, 3, 15, 12, 0, 0, 500),
  );
  assert.deepStrictEqual(c.parseText("4714-11-24 00:00:00+00 BC"), utc(-4713, 11, 24));
  assert.equal(c.parseText("infinity"), Infinity);
  assert.equal(c.parseText("-infinity"), -Infinity);
  assert.equal(c.parseBinary!(hex("7fffffffffffffff")), Infinity);
  assert.equal(c.parseBinary!(hex("8000000000000000")), -Infinity);
  assert.throws(() => c.parseText("294276-12-31 23:59:59.999999+00"), RangeError);
  assert.throws(() => c.parseBinary!(hex("7fffff5bb3b29fff")), RangeError);
});

test("timestamp (without time zone) is read as UTC", () => {
  const c = asDate("timestamp");
  assert.deepStrictEqual(c.parseText("2024-01-02 03:04:05.123456"), utc(2024, 1, 2, 3, 4, 5, 123));
  assert.deepStrictEqual(c.parseBinary!(hex("0002b0ec8517d580")), utc(2024, 1, 2, 3, 4, 5, 123));
  assert.deepStrictEqual(c.parseText("1969-12-31 23:59:59.9999"), new Date(-1));
  assert.deepStrictEqual(c.parseBinary!(hex("fffca2fec4c81fff")), new Date(-1));
});

test('timestamps, dates: "lossless": a PgTimestamp', () => {
  const c = lossless("timestamptz");
  assert.deepStrictEqual(c.parseText("2024-01-02 03:04:05.123999+05:30"), ts(1704144845123999n));
  assert.deepStrictEqual(c.parseBinary!(hex("0002b0e7e8ebd19f")), ts(1704144845123999n));
  const max = ts(9224318015999999999n);
  assert.deepStrictEqual(lossless("timestamp").parseText("294276-12-31 23:59:59.999999"), max);
  assert.deepStrictEqual(lossless("timestamp").parseBinary!(hex("7fffff5bb3b29fff")), max);
  assert.deepStrictEqual(c.parseText("294277-01-01 13:59:59.999999+14"), max);
  const inf = { kind: "timestamp", microseconds: 9224318721654775807n, infinity: 1 };
  assert.deepStrictEqual(c.parseText("infinity"), inf);
  assert.deepStrictEqual(c.parseBinary!(hex("7fffffffffffffff")), inf);
  assert.deepStrictEqual(c.parseBinary!(hex("8000000000000000")), {
    kind: "timestamp",
    microseconds: -9224318721654775807n,
    infinity: -1,
  });
});

test("date for both options", () => {
  assert.deepStrictEqual(asDate("date").parseText("2024-01-02"), utc(2024, 1, 2));
  assert.deepStrictEqual(asDate("date").parseBinary!(hex("00000001")), utc(2000, 1, 2));
  assert.deepStrictEqual(asDate("date").parseText("0044-03-15 BC"), utc(-43, 3, 15));
  assert.equal(asDate("date").parseBinary!(hex("7fffffff")), Infinity);
  assert.throws(() => asDate("date").parseText("5874897-12-31"), RangeError);
  assert.deepStrictEqual(lossless("date").parseText("5874897-12-31"), day(2145042905));
  assert.deepStrictEqual(lossless("date").parseBinary!(hex("fff49d7b")), day(-735160));
  assert.deepStrictEqual(lossless("date").parseText("-infinity"), {
    kind: "date",
    days: -Infinity,
    infinity: -1,
  });
});

test("time and timetz: the server's text, from text and binary", () => {
  for (const set of [asDate, lossless]) {
    assert.equal(set("time").parseText("04:05:06.789"), "04:05:06.789");
    assert.equal(set("time").parseBinary!(hex("000000036c97ca88")), "04:05:06.789");
    assert.equal(set("timetz").parseText("04:05:06+05:30"), "04:05:06+05:30");
    assert.equal(set("timetz").parseBinary!(hex("000000036c8bc080ffffb2a8")), "04:05:06+05:30");
  }
});

test("interval: a PgInterval for both options", () => {
  const expected = { kind: "interval", months: 14, days: 3, microseconds: 14706789000n };
  for (const set of [asDate, lossless]) {
    assert.deepStrictEqual(
      set("interval").parseText("1 year 2 mons 3 days 04:05:06.789"),
      expected,
    );
    assert.deepStrictEqual(
      set("interval").parseBinary!(hex("000000036c97ca88000000030000000e")),
      expected,
    );
  }
});

test("malformed input throws with the type's name", () => {
  for (const name of ["date", "time", "timetz", "timestamp", "timestamptz", "interval"]) {
    for (const set of [asDate, lossless]) {
      const c = set(name);
      assert.throws(() => c.parseText("garbage"), TypeError, name);
      assert.throws(() => c.parseBinary!(new Uint8Array(3)), {
        name: "TypeError",
        message: new RegExp(`^Cannot decode ${name}: expected \\d+ bytes, got 3$`),
      });
    }
  }
});

test("timestamptz serializeText: UTC with an explicit offset, BC and big years", () => {
  const c = asDate("timestamptz");
  assert.equal(c.serializeText(new Date("2024-01-02T03:04:05.678Z")), "2024-01-02 03:04:05.678+00");
  assert.equal(c.serializeText(new Date(0)), "1970-01-01 00:00:00+00");
  assert.equal(c.serializeText(utc(0, 1, 1)), "0001-01-01 00:00:00+00 BC"); // JS year 0 is 1 BC
  assert.equal(c.serializeText(utc(-43, 3, 15, 12)), "0044-03-15 12:00:00+00 BC");
  assert.equal(c.serializeText(utc(1, 1, 1)), "0001-01-01 00:00:00+00");
  assert.equal(c.serializeText(utc(99, 12, 31)), "0099-12-31 00:00:00+00");
  assert.equal(c.serializeText(utc(12345, 6, 7)), "12345-06-07 00:00:00+00");
  assert.equal(c.serializeText(new Date(8.64e15)), "275760-09-13 00:00:00+00");
  assert.equal(c.serializeText(Infinity), "infinity");
  assert.equal(c.serializeText(-Infinity), "-infinity");
  assert.equal(c.serializeText("now"), "now");
  assert.equal(c.serializeText(ts(-1n)), "1969-12-31 23:59:59.999999+00");
  assert.equal(c.serializeText({ ...ts(0n), infinity: 1 }), "infinity");
  assert.equal(c.serializeText({ ...ts(0n), infinity: -1 }), "-infinity");
  assert.equal(asDate("timestamp").serializeText(ts(1n)), "1970-01-01 00:00:00.000001");
  assert.equal(asDate("timestamp").serializeText(utc(-43, 3, 15)), "0044-03-15 00:00:00 BC");
});

test("timestamp serializeText: rejects an invalid Date and other values", () => {
  for (const name of ["timestamp", "timestamptz"]) {
    const c = asDate(name);
    assert.throws(() => c.serializeText(new Date(NaN)), {
      name: "TypeError",
      message: `Cannot encode ${name}: invalid Date`,
    });
    for (
      const bad of [0, 1.5, NaN, null, undefined, {}, 5n, day(0), { kind: "timestamp" }, {
        kind: "timestamp",
        microseconds: 5,
        infinity: 0,
      }]
    ) {
      assert.throws(() => c.serializeText(bad), TypeError);
    }
  }
});

test("date serializeText: the Date's UTC calendar day", () => {
  const c = lossless("date");
  assert.equal(c.serializeText(new Date("2024-01-02T23:59:59.999Z")), "2024-01-02");
  assert.equal(c.serializeText(new Date(-1)), "1969-12-31");
  assert.equal(c.serializeText(utc(0, 2, 29)), "0001-02-29 BC");
  assert.equal(c.serializeText(utc(-4713, 11, 24)), "4714-11-24 BC");
  assert.equal(c.serializeText(utc(275760, 9, 13)), "275760-09-13");
  assert.equal(c.serializeText(day(2145042905)), "5874897-12-31");
  assert.equal(c.serializeText({ kind: "date", days: Infinity, infinity: 1 }), "infinity");
  assert.equal(c.serializeText(-Infinity), "-infinity");
  assert.equal(c.serializeText("today"), "today");
  assert.throws(() => c.serializeText(new Date(NaN)), {
    message: "Cannot encode date: invalid Date",
  });
  for (const bad of [0, null, ts(0n), day(0.5), { kind: "date", days: 0 }]) {
    assert.throws(() => c.serializeText(bad), TypeError);
  }
});

test("time and interval serializeText", () => {
  assert.equal(asDate("time").serializeText("04:05:06"), "04:05:06");
  assert.equal(
    asDate("timetz").serializeText(new Date(Date.UTC(2024, 0, 1, 4, 5, 6))),
    "04:05:06+00",
  );
  const i = asDate("interval");
  assert.equal(
    i.serializeText({ kind: "interval", months: -1, days: 3, microseconds: -1n }),
    "-1 mons +3 days -00:00:00.000001",
  );
  assert.equal(i.serializeText("1 day"), "1 day");
  assert.equal(i.serializeText(Infinity), "infinity");
  assert.throws(() => i.serializeText(5), TypeError);
});

test("helpers: PgTimestamp and PgDate to and from Date", () => {
  assert.deepStrictEqual(pgTimestampToDate(ts(-1n)), new Date(-1));
  assert.deepStrictEqual(pgTimestampToDate(ts(1999n)), new Date(1));
  assert.equal(pgTimestampToDate({ ...ts(0n), infinity: 1 }), Infinity);
  assert.equal(pgTimestampToDate({ ...ts(0n), infinity: -1 }), -Infinity);
  assert.throws(() => pgTimestampToDate(ts(8640000000000001000n)), RangeError);
  assert.deepStrictEqual(pgTimestampFromDate(new Date(-1)), ts(-1000n));
  assert.deepStrictEqual(
    pgTimestampFromDate(Infinity),
    { kind: "timestamp", microseconds: 9224318721654775807n, infinity: 1 },
  );
  assert.throws(() => pgTimestampFromDate(new Date(NaN)), TypeError);
  assert.throws(() => pgTimestampFromDate(0), TypeError);
  assert.deepStrictEqual(pgDateToDate(day(-1)), new Date(-86400000));
  assert.equal(pgDateToDate({ kind: "date", days: -Infinity, infinity: -1 }), -Infinity);
  assert.throws(() => pgDateToDate(day(100000001)), RangeError);
  assert.deepStrictEqual(pgDateFromDate(new Date(-1)), day(-1));
  assert.deepStrictEqual(pgDateFromDate(new Date(86399999)), day(0));
  assert.deepStrictEqual(pgDateFromDate(-Infinity), {
    kind: "date",
    days: -Infinity,
    infinity: -1,
  });
  assert.throws(() => pgDateFromDate(new Date(NaN)), TypeError);
});

test("helpers: formatters", () => {
  assert.equal(formatPgTimestamp(ts(0n)), "1970-01-01 00:00:00");
  assert.equal(formatPgTimestamp(ts(-62167219200000000n), true), "0001-01-01 00:00:00+00 BC");
  assert.equal(formatPgTimestamp({ ...ts(0n), infinity: -1 }, true), "-infinity");
  assert.throws(() => formatPgTimestamp(day(0) as unknown as PgTimestamp), TypeError);
  assert.equal(formatPgDate(day(-735160)), "0044-03-15 BC");
  assert.equal(formatPgDate({ kind: "date", days: Infinity, infinity: 1 }), "infinity");
  assert.equal(
    formatPgInterval({ kind: "interval", months: 0, days: 0, microseconds: 3600000000n }),
    "+01:00:00",
  );
});

test("text and binary agree on random timestamps and dates", () => {
  // Bytes built by hand from microseconds since 2000; text from Date's own ISO formatting.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 2000; i++) {
    const ms = Math.floor((next() * 2 - 1) * 8e15);
    const extra = Math.floor(next() * 1000);
    const since2000 = BigInt(ms) * 1000n + BigInt(extra) - 946684800000000n;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, since2000);
    const d = new Date(ms);
    const y = d.getUTCFullYear();
    const iso = d.toISOString();
    const tail = iso.slice(iso.indexOf("-", 1) + 1, iso.indexOf("T")) + " " +
      iso.slice(iso.indexOf("T") + 1, iso.indexOf(".")) + "." + iso.slice(-4, -1) +
      String(extra).padStart(3, "0");
    const year = y <= 0 ? 1 - y : y;
    const text = String(year).padStart(4, "0") + "-" + tail + "+00" + (y <= 0 ? " BC" : "");
    const want = ts(BigInt(ms) * 1000n + BigInt(extra));
    assert.deepStrictEqual(lossless("timestamptz").parseText(text), want, text);
    assert.deepStrictEqual(lossless("timestamptz").parseBinary!(bytes), want, text);
    assert.deepStrictEqual(asDate("timestamptz").parseText(text), d, text);
    assert.deepStrictEqual(asDate("timestamptz").parseBinary!(bytes), d, text);
    assert.equal(formatPgTimestamp(want, true), text.replace(/\.?0+\+/, "+").replace(/\.\+/, "+"));
  }
});

test("mutated text and random bytes give a value or a TypeError/RangeError, nothing else", () => {
  const samples: Record<string, string[]> = {
    date: ["2024-01-02", "0044-03-15 BC", "294276-12-31", "infinity"],
    time: ["04:05:06.789", "24:00:00"],
    timetz: ["04:05:06+05:30", "00:00:00+00:09:21"],
    timestamp: ["2024-01-02 03:04:05.123456", "4714-11-24 00:00:00 BC"],
    timestamptz: ["2024-01-02 03:04:05+05:30", "1900-01-01 00:00:00+00:09:21", "-infinity"],
    interval: [
      "1 year 2 mons 3 days 04:05:06.789",
      "@ 1 day -2 hours ago",
      "+1-2 -3 +4:05:06",
      "P1Y2M3DT4H5M6.789S",
    ],
  };
  const alphabet = "0123456789-+:. @PTYMDHSBCagoinfty";
  let seed = 99;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const set of [asDate, lossless]) {
    for (const [name, texts] of Object.entries(samples)) {
      const c = set(name);
      for (let i = 0; i < 3000; i++) {
        const base = texts[i % texts.length]!;
        const at = Math.floor(next() * base.length);
        const ch = alphabet[Math.floor(next() * alphabet.length)]!;
        const mode = Math.floor(next() * 3);
        const text = mode === 0
          ? base.slice(0, at) + ch + base.slice(at + 1)
          : mode === 1
          ? base.slice(0, at) + ch + base.slice(at)
          : base.slice(0, at) + base.slice(at + 1);
        try {
          const v = c.parseText(text);
          if (name === "time" || name === "timetz") assert.equal(v, text);
        } catch (e) {
          assert.ok(e instanceof TypeError || e instanceof RangeError, `${name} ${text}: ${e}`);
        }
      }
      for (let i = 0; i < 2000; i++) {
        const bytes = new Uint8Array(Math.floor(next() * 18));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
        try {
          c.parseBinary!(bytes);
        } catch (e) {
          assert.ok(e instanceof TypeError || e instanceof RangeError, `${name}: ${e}`);
        }
      }
    }
  }
});
