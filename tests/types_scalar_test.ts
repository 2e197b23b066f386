/**
 * The scalar codecs (`numeric.ts`, `text.ts`) against real servers. For many literals of each
 * type (extremes, NaN and the infinities, −0, numerics with thousands of digits, unicode, every
 * byte value, IPv6 forms, random values) on every test server:
 *
 * - `parseText(text the server prints)` deep-equals `parseBinary(bytes its send function gives)`;
 * - `serializeBinary(value)` equals those bytes, where the codec writes binary;
 * - the server reads `serializeText(value)` back as the same value, compared by `=` and by its
 *   printed text (so −0, numeric scale and jsonb normalization count).
 *
 * Values are read with the connection's raw simple query (text only, no codecs involved) and the
 * send bytes as `\x` hex, decoded here independently of the bytea codec.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { connect } from "../mod.ts";
import { hexBytes, quoteLiteral as q } from "./harness/clients.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import type { Codec, TypeOptions } from "../src/types/codec.ts";
import { numericCodecs } from "../src/types/numeric.ts";
import { textCodecs } from "../src/types/text.ts";
import { prng } from "../src/testdata/prng.ts";

type Client = Awaited<ReturnType<typeof connect>>;

const servers = loadTestServers();

/** One way of building a codec, and what to expect of it. */
interface Variant {
  options: TypeOptions;
  /** serializeText(parseText(x)) reads back as x (false where the JS form rounds). */
  exact: boolean;
  /** serializeBinary(parseText(x)) gives the send bytes (false where the JS form drops layout). */
  binaryEqual: boolean;
}

interface Case {
  /** Codec name. */
  name: string;
  /** SQL type for casts, when it differs from the name (`bit(8)`). */
  sqlType?: string;
  /** The type's send function. */
  send: string;
  /** Input literals. */
  literals: string[];
  /** How the round trip is compared: `=` and text, text only, or as jsonb. */
  compare?: "both" | "text" | "jsonb";
  variants?: Variant[];
}

const EXACT: Variant[] = [{ options: {}, exact: true, binaryEqual: true }];

function codecFor(name: string, options: TypeOptions): Codec {
  const c = [...numericCodecs(options), ...textCodecs(options)].find((c) => c.name === name);
  assert.ok(c, name);
  return c;
}

/** Runs SQL with the raw simple query protocol: the last statement's rows, as text. */
async function rawRows(db: Client, sql: string): Promise<(string | null)[][]> {
  const results = await db.connection.simpleQuery(sql);
  return results[results.length - 1]!.rows;
}

function errorKind(fn: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: (err as Error).name };
  }
}

async function runCase(db: Client, c: Case): Promise<number> {
  const sqlType = c.sqlType ?? `"${c.name}"`;
  const values = c.literals.map((l) => `(${q(l)}::${sqlType})`).join(", ");
  const rows = await rawRows(db, `select x, ${c.send}(x) from (values ${values}) as v(x)`);
  assert.equal(rows.length, c.literals.length);
  let checks = 0;
  const pairs: [string, string][] = [];
  for (const variant of c.variants ?? EXACT) {
    const codec = codecFor(c.name, variant.options);
    rows.forEach(([text, sendHex], i) => {
      const literal = c.literals[i]!;
      const where = `${c.name} ${JSON.stringify(variant.options)} ${JSON.stringify(literal)} ` +
        `(server text ${JSON.stringify(text)?.slice(0, 80)})`;
      assert.ok(text !== null && text !== undefined, where);
      const bytes = hexBytes(sendHex ?? null);
      const fromText = errorKind(() => codec.parseText(text));
      if (codec.parseBinary !== undefined) {
        const fromBinary = errorKind(() => codec.parseBinary!(bytes));
        assert.deepStrictEqual(fromBinary, fromText, where);
        checks++;
      }
      if (fromText.error !== undefined) return;
      if (codec.serializeBinary !== undefined && variant.binaryEqual) {
        assert.deepStrictEqual(codec.serializeBinary(fromText.value), bytes, where);
        checks++;
      }
      // A JSON string value cannot come back through serializeText, which takes a string to be
      // JSON text already (the documented contract); JSON.stringify it first.
      const value = c.compare === "jsonb" && typeof fromText.value === "string" &&
          variant.options.parseJson !== false
        ? JSON.stringify(fromText.value)
        : fromText.value;
      if (variant.exact) pairs.push([codec.serializeText(value), literal]);
    });
  }
  if (pairs.length === 0) return checks;
  const t = sqlType;
  const compare = (s: string, l: string): string => {
    switch (c.compare ?? "both") {
      case "text":
        return `${q(s)}::${t}::text = ${q(l)}::${t}::text`;
      case "jsonb":
        return `${q(s)}::${t}::jsonb = ${q(l)}::${t}::jsonb`;
      default:
        return `${q(s)}::${t} is not distinct from ${q(l)}::${t} and ` +
          `${q(s)}::${t}::text is not distinct from ${q(l)}::${t}::text`;
    }
  };
  const oks = await rawRows(
    db,
    `select ok from (values ${pairs.map(([s, l]) => `(${compare(s, l)})`).join(", ")}) as v(ok)`,
  );
  oks.forEach(([ok], i) => {
    const [s, l] = pairs[i]!;
    assert.equal(ok, "t", `${c.name}: serializeText gave ${JSON.stringify(s)} for ${l}`);
  });
  return checks + oks.length;
}

const rand = prng(20240611);
const randInt = (n: number): number => Math.floor(rand() * n);
const randBits32 = (): number => (rand() * 4294967296) >>> 0;
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

function randomFloat64s(n: number): string[] {
  const f = new Float64Array(1);
  const w = new Uint32Array(f.buffer);
  return times(n, () => {
    do {
      w[0] = randBits32();
      w[1] = randBits32();
    } while (!Number.isFinite(f[0]!));
    return String(f[0]);
  });
}

function float32Literals(): string[] {
  const f = new Float32Array(1);
  const w = new Uint32Array(f.buffer);
  const out: string[] = [];
  for (let e = -149; e <= 127; e++) out.push((2 ** e).toPrecision(9));
  for (let i = 0; i < 600; i++) {
    w[0] = randBits32() & 0x7f7fffff | (i & 1 ? 0x80000000 : 0);
    out.push(f[0]!.toPrecision(9));
  }
  // Few binary fraction digits: where two shortest decimals can tie.
  for (let i = 0; i < 300; i++) {
    out.push(Math.fround(randInt(2 ** 24) / 2 ** (1 + randInt(14))).toPrecision(9));
  }
  return out;
}

function randomDecimal(): string {
  const digits = (n: number): string => times(n, () => randInt(10)).join("");
  const int = digits(randInt(40)).replace(/^0+/, "") || "0";
  const frac = digits(randInt(40));
  return (rand() < 0.5 ? "-" : "") + int + (frac === "" ? "" : "." + frac);
}

function randomInt8(): string {
  const v = BigInt.asIntN(64, (BigInt(randBits32()) << 32n) | BigInt(randBits32()));
  return String(v >> BigInt(randInt(64)));
}

function randomIpv6(): string {
  return times(8, () => (rand() < 0.5 ? 0 : randInt(0x10000)).toString(16)).join(":");
}

function randomCidr(): string {
  const v6 = rand() < 0.7;
  const bits = v6 ? 128 : 32;
  const mask = randInt(bits + 1);
  let v = 0n;
  for (let i = 0; i < bits / 32; i++) v = (v << 32n) | BigInt(rand() < 0.3 ? 0 : randBits32());
  v &= ((1n << BigInt(mask)) - 1n) << BigInt(bits - mask);
  if (!v6) return `${times(4, (i) => Number((v >> BigInt(24 - 8 * i)) & 255n)).join(".")}/${mask}`;
  return `${
    times(8, (i) => ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(":")
  }/${mask}`;
}

/** Space-separated literals (for lists of literals without spaces). */
const words = (text: string): string[] => text.trim().split(/\s+/);

const INT8_LITERALS = [
  ...words(`0 1 -1 9223372036854775807 -9223372036854775808 4294967296 -4294967296 4294967295
    9007199254740991 -9007199254740991 9007199254740992 -9007199254740992 9007199254740993`),
  ...times(200, randomInt8),
];

const TEXTS = [
  "",
  "hello",
  "héllo wörld",
  "日本語テキスト",
  "😀🎉 👩‍👩‍👧",
  "it's",
  "back\\slash \\x41",
  "tab\there\nline\r\nbreak",
  "  spaces  ",
  "\x01\x1f\x7f control",
  "\ufeffbom",
  "x".repeat(10000),
];

const NUMERICS = [
  ...words(`NaN Infinity -Infinity 0 0.00 -0.00 1 -1 1.500 0.0001 0.00001 -0.000000001 9999.9999
    10000 99999999 100000000 123.4500000 12345678901234567890.0987654321 1e100 1e-100 -1.5e-7
    0.000000000000000000000000000000000000000000000000000000000001`),
  "1" + "0".repeat(1000) + "1",
  "9".repeat(5000) + "." + "9".repeat(300),
  "0." + "0".repeat(16382) + "1",
  ...times(150, randomDecimal),
];

const INETS = [
  ...words(`1.2.3.4 1.2.3.4/24 10.1.2.3/8 0.0.0.0/0 255.255.255.255 :: ::/0 ::1 ::2 1:: ::0.0.0.1
    ::1.2.3.4 ::0.1.0.0 ::ffff:1.2.3.4 ::ffff:1.2.3.4/120 ::ffff:0.0.0.0 ::ffff:0:1.2.3.4 ::1:0:0:0
    2001:db8::1 2001:db8:0:0:1:0:0:1 1:0:0:1:0:0:0:1 1:2:3:4:5:6:7:8 1:0:2:0:3:0:4:0 fe80::1/64
    FE80::ABCD:0:0:1/10 0:0:0:0:0:1:0:0 0:0:0:0:1:0:0:0`),
  ...times(60, () => randomIpv6() + (rand() < 0.5 ? "" : `/${randInt(129)}`)),
  ...times(20, () => times(4, () => randInt(256)).join(".") + `/${randInt(33)}`),
];

const JSONS = [
  '{"a":1,"b":[true,false,null]}',
  '"str"',
  ...words(`123 -0 1.5e3 [] {} null {"a":1,"a":2} {"b":1,"a":2,"aa":3}`),
  '"unicode ☃ é 😀 \\u00e9 \\n"',
  ' { "a" : 1 , "nested": {"x": [1, {"y": "z"}]} } ',
];

const GEOMETRIC: [string, string, string[]][] = [
  ["point", "point_send", ["(1,2)", "(-1.5,2.25)", "(1e+300,-0)"]],
  ["lseg", "lseg_send", ["[(1,2),(3,4)]"]],
  ["path", "path_send", ["((0,0),(1,1),(2,0))", "[(0,0),(1,1)]"]],
  ["box", "box_send", ["(1,1),(0,0)", "(0.5,-1),(2,3)"]],
  ["polygon", "poly_send", ["((0,0),(1,1),(1,0))"]],
  ["line", "line_send", ["{1,-1,0}"]],
  ["circle", "circle_send", ["<(0,0),5>", "<(1.5,-2),0.25>"]],
];

const ALL_BYTES = "\\x" + times(256, (i) => i.toString(16).padStart(2, "0")).join("");

const CASES: Case[] = [
  { name: "bool", send: "boolsend", literals: words("t f true no on 0") },
  { name: "int2", send: "int2send", literals: words("0 1 -1 32767 -32768 255 256 -256") },
  {
    name: "int4",
    send: "int4send",
    literals: words("0 1 -1 2147483647 -2147483648 65536 1234567"),
  },
  { name: "oid", send: "oidsend", literals: words("0 1 4294967295 2147483648 2147483647") },
  {
    name: "int8",
    send: "int8send",
    literals: INT8_LITERALS,
    variants: (["bigint", "string", "number"] as const).map((int8) => ({
      options: { int8 },
      exact: true,
      binaryEqual: true,
    })),
  },
  {
    name: "float8",
    send: "float8send",
    literals: [
      ...words(`NaN Infinity -Infinity 0 -0 1.1 0.1 1e308 1.7976931348623157e308 5e-324 -123.456
        2.2250738585072014e-308 1e21 1e-7 123456789012345680000`),
      String(Math.PI),
      ...randomFloat64s(300),
    ],
  },
  {
    name: "float4",
    send: "float4send",
    literals: [
      ...words(`NaN Infinity -Infinity 0 -0 1.1 0.1 3.4028235e38 1e-45 1.17549435e-38 2097152.25
        2097152.75 16777217 50331648 1048418432`),
      ...float32Literals(),
    ],
  },
  {
    name: "numeric",
    send: "numeric_send",
    literals: NUMERICS,
    variants: [
      { options: {}, exact: true, binaryEqual: true },
      { options: { numeric: "number" }, exact: false, binaryEqual: false },
    ],
  },
  {
    name: "money",
    send: "cash_send",
    literals: words("0 1234.5 -0.01 92233720368547758.07 -92233720368547758.08 $1,000"),
  },
  { name: "text", send: "textsend", literals: TEXTS },
  { name: "varchar", send: "varcharsend", literals: TEXTS },
  { name: "bpchar", send: "bpcharsend", literals: [...TEXTS, "abc  ", "é  "] },
  { name: "name", send: "namesend", literals: ["pg_catalog", "ñame", "a".repeat(70), ""] },
  {
    name: "char",
    send: "charsend",
    literals: ["a", "", "\\351", "\\", " ", "\\001", "\\177", "\\200", "\\377", "'"],
  },
  {
    name: "bit",
    sqlType: "bit(8)",
    send: "bit_send",
    literals: words("00000000 11111111 00000001"),
  },
  {
    name: "varbit",
    send: "varbit_send",
    literals: ["", "1", "0101", "1".repeat(65), "100000001", "0".repeat(16)],
  },
  ...GEOMETRIC.map(([name, send, literals]): Case => ({ name, send, literals, compare: "text" })),
  {
    name: "bytea",
    send: "byteasend",
    literals: ["\\x", "\\x00", "\\xdeadbeef", ALL_BYTES, "abc", "\\\\", "\\000\\377"],
  },
  ...(["json", "jsonb"] as const).map((name): Case => ({
    name,
    send: `${name}_send`,
    compare: "jsonb",
    literals: JSONS,
    variants: [
      { options: {}, exact: true, binaryEqual: false },
      { options: { parseJson: false }, exact: true, binaryEqual: true },
    ],
  })),
  {
    name: "uuid",
    send: "uuid_send",
    literals: [
      ...words(`a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11
        {a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11} 00000000-0000-0000-0000-000000000000
        ffffffff-ffff-ffff-ffff-ffffffffffff`),
      ...times(40, () => crypto.randomUUID()),
    ],
  },
  { name: "inet", send: "inet_send", literals: INETS },
  {
    name: "cidr",
    send: "cidr_send",
    literals: [
      ...words(`10.0.0.0/8 10/8 192.168.1 1.2.3.4/32 0.0.0.0/0 ::/0 2001:db8::/32 ::1/128
        ::ffff:1.2.3.0/120`),
      ...times(80, randomCidr),
    ],
  },
  {
    name: "macaddr",
    send: "macaddr_send",
    literals: words("08:00:2b:01:02:03 08-00-2B-01-02-03 0800.2b01.0203 ff:ff:ff:ff:ff:ff"),
  },
  {
    name: "macaddr8",
    send: "macaddr8_send",
    literals: words("08:00:2b:01:02:03:04:05 08:00:2b:01:02:03 ffffffffffffffff"),
  },
];

async function byteaEscapeFormat(db: Client): Promise<number> {
  const codec = codecFor("bytea", {});
  const literals = ["\\x", "\\x5c", "\\x5c5c30", ALL_BYTES, "\\x00ff7f80205c"];
  const got = await rawRows(
    db,
    `set bytea_output = 'escape'; select x::bytea, '\\x' || encode(byteasend(x::bytea), 'hex') from ` +
      `(values ${literals.map((l) => `(${q(l)})`).join(", ")}) as v(x)`,
  );
  await rawRows(db, "reset bytea_output");
  assert.equal(got.length, literals.length);
  for (const [text, hex] of got) {
    assert.ok(typeof text === "string" && !text.startsWith("\\x"), `escape format: ${text}`);
    assert.deepStrictEqual(codec.parseText(text), hexBytes(hex ?? null), text);
  }
  return got.length;
}

function serverTest(s: TestServer): void {
  test(`scalar codecs agree with PostgreSQL ${s.version} (${s.name})`, async (t) => {
    const db = await connect({
      host: s.host,
      port: s.port,
      database: s.database,
      user: "trust_user",
      sslMode: "disable",
    });
    try {
      const version = (await rawRows(db, "show server_version_num"))[0]?.[0];
      assert.ok(Number(version) >= 120000, "shortest-exact float output needs PostgreSQL 12+");
      for (const c of CASES) {
        await t.step(c.name, async () => {
          assert.ok((await runCase(db, c)) > 0);
        });
      }
      await t.step("bytea escape output", async () => {
        assert.ok((await byteaEscapeFormat(db)) > 0);
      });
    } finally {
      await db.close();
    }
  });
}

if (servers === undefined) {
  test({ name: "scalar codecs agree with PostgreSQL", ignore: true, fn() {} });
} else {
  for (const s of servers.servers) serverTest(s);
}
