/**
 * Literals for `tests/types_roundtrip_test.ts`: for each type, the input texts (or SQL
 * expressions) whose values must survive "read from the server, send back as a parameter". Edge
 * cases first: extremes, NaN and the infinities, −0, BC and far-future dates, unicode, empty
 * strings, every byte value, array elements that need quoting, empty and unbounded ranges.
 *
 * Each case lists the type-option profiles it runs under. A value a JavaScript form cannot hold
 * exactly (a `Date` with microseconds, an int8 past 2^53 as a number, a JSON number past 2^53)
 * is only listed under the profiles that keep it exactly.
 *
 * @module
 */

import type { TypeOptions } from "../../src/types/codec.ts";

/** A literal: input text (cast as `'text'::T`), SQL NULL, or an SQL expression (`(expr)::T`). */
export type Literal = string | null | { readonly sql: string };

/** Type-option sets the round trip runs under. */
export const PROFILES = {
  default: {},
  lossless: { dates: "lossless" },
  int8String: { int8: "string" },
  int8Number: { int8: "number" },
  numericNumber: { numeric: "number" },
  jsonText: { parseJson: false },
  /**
   * Lossless dates, and every codec with a binary decoder made to prefer binary (the test
   * registers the copies), so even decoders only reached through containers meet real bytes.
   * Runs the cases of `default` and `lossless`.
   */
  forceBinary: { dates: "lossless" },
} as const satisfies Record<string, TypeOptions>;

/** A profile's name. */
export type ProfileName = keyof typeof PROFILES;

/** Literals of one type. */
export interface RoundtripCase {
  /** The SQL type the literal is cast to (and the parameter's type). */
  readonly type: string;
  /** The literals. */
  readonly literals: readonly Literal[];
  /** Profiles this case runs under. */
  readonly profiles: readonly ProfileName[];
  /**
   * Literals of `type[]` to run too: `"auto"` builds `{}`, `{NULL}`, one 1-D array of every
   * string literal plus a NULL, a 2-D array with a NULL, and a 3-D array; a list gives them
   * explicitly; `false` runs none.
   */
  readonly arrays: "auto" | false | readonly Literal[];
  /** Compare on the server as this type (`json` has no `=`: compared as `jsonb`). */
  readonly compareAs?: string;
  /** Only on servers of at least this major version. */
  readonly minMajor?: number;
}

const ALL_DATE_PROFILES: readonly ProfileName[] = ["default", "lossless"];
const DEFAULT: readonly ProfileName[] = ["default"];
const LOSSLESS: readonly ProfileName[] = ["lossless"];

function c(
  type: string,
  literals: readonly Literal[],
  more: Partial<Omit<RoundtripCase, "type" | "literals">> = {},
): RoundtripCase {
  return { type, literals, profiles: DEFAULT, arrays: "auto", ...more };
}

/** An array literal with every element quoted (so `NULL` text is a string, `NULL` null). */
export function pgArray(value: readonly unknown[]): string {
  const parts = value.map((v) => {
    if (v === null) return "NULL";
    if (Array.isArray(v)) return pgArray(v);
    return `"${String(v).replace(/[\\"]/g, "\\$&")}"`;
  });
  return `{${parts.join(",")}}`;
}

/** The `"char"` input for a byte: `\ooo` octal, which `charin` reads for any byte (PG 15+). */
function charLiteral(byte: number): string {
  return byte === 0 ? "" : "\\" + byte.toString(8).padStart(3, "0");
}

const ALL_BYTES_HEX = "\\x" +
  Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join("");

const INT8 = [
  "0",
  "1",
  "-1",
  "9223372036854775807",
  "-9223372036854775808",
  "9007199254740991",
  "-9007199254740991",
  "9007199254740992",
  "-9007199254740992",
  "9007199254740993",
  "-9007199254740993",
  "4294967295",
  "4294967296",
  "-4294967296",
  "-4294967297",
  "8796093022208",
  "123456789012345",
  "-123456789012345",
  "1234567890123456",
  "-1234567890123456",
  "2147483648",
  "-2147483649",
  "9007199254740990",
  " 77 ",
];
const INT8_SAFE = INT8.filter((s) => {
  const n = BigInt(s.trim());
  return n <= 9007199254740991n && n >= -9007199254740991n;
});

const TEXTS: readonly Literal[] = [
  "",
  "a",
  "it's",
  "back\\slash",
  '"quoted"',
  "é中文😀",
  "tab\there",
  "new\nline",
  "cr\r\nlf",
  "{a,b}",
  "(a,b)",
  "[a]",
  "NULL",
  "null",
  " spaced ",
  "   ",
  "\u0001\u001f\u007f",
  "\uFEFFbom",
  "e\u0301",
  "👩‍👩‍👧",
  "שלום",
  "\u2028\u2029",
  "\uFFFD\uFFFF",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "a,b;c\\d\"e'f{g}h i",
  { sql: "repeat('x', 100000)" },
  { sql: "repeat('é😀\\\"', 20000)" },
  null,
];

const JSON_EXACT: readonly Literal[] = [
  "{}",
  "[]",
  '{"a":1}',
  ' {"b" : [1, 2.5, {"c": null}], "d": true} ',
  "true",
  "false",
  "123",
  "-1.5e10",
  "0.1",
  "-0",
  "1e-7",
  "9007199254740991",
  '{"k":"é中😀"}',
  '{"e":"\\u00e9\\ud83d\\ude00"}',
  '{"a":1,"a":2}',
  "[[[[[[[[[[1]]]]]]]]]]",
  '{"z":1,"a":{"y":[{}, []]}}',
  '[1,"two",null,false]',
  '{"esc":"quote\\" back\\\\ slash\\n tab\\t \\/"}',
  '{"":""}',
  null,
];
/** JSON values only the text form keeps: top-level strings and null, numbers past 2^53. */
const JSON_TEXT_ONLY: readonly Literal[] = [
  '"str"',
  '""',
  "null",
  "12345678901234567890",
  '{"big": 123456789012345678901234567890}',
  "0.1000000000000000055511151231257827",
  "1e400",
  '"\\ud83d\\ude00"',
];
/** json (not jsonb) keeps text the JSON text form, whitespace and all. */
const JSON_ONLY_TEXT: readonly Literal[] = ['{"a":"\\u0000"}', "[1,\n2]"];
/** `json[]` elements that are neither arrays, strings nor JSON null (which serialize ambiguously). */
const JSON_ARRAYS_DEFAULT: readonly Literal[] = [
  "{}",
  "{NULL}",
  pgArray(['{"a":1}', "1", "true", '{"k":"é😀"}', "-0.5", null]),
  pgArray([["1", "2"], ["{}", null]]),
  pgArray(['{"q":"\\"{,}\\\\"}']),
];

const DATES: readonly Literal[] = [
  "2000-01-01",
  "1970-01-01",
  "1969-12-31",
  "0001-01-01",
  "0001-12-31 BC",
  "0044-03-15 BC",
  "4714-11-24 BC",
  "2024-02-29",
  "1900-02-28",
  "2000-02-29",
  "1582-10-10",
  "2038-01-19",
  "0099-12-31",
  "0050-06-15",
  "0001-03-01 BC",
  "epoch",
  "infinity",
  "-infinity",
  "9999-12-31",
  "10000-01-01",
  "200000-01-01",
  "275760-09-13",
  null,
];
const DATES_LOSSLESS: readonly Literal[] = ["275760-09-14", "5874897-12-31", "1000000-06-15"];

const TIMESTAMPS: readonly Literal[] = [
  "2000-01-01 00:00:00",
  "1970-01-01 00:00:00",
  "1970-01-01 00:00:00.001",
  "1969-12-31 23:59:59.999",
  "1900-01-01 00:00:00.1",
  "1582-10-15 00:00:00",
  "0099-12-31 23:59:59.999",
  "0050-06-15 12:00:00",
  "0001-01-01 00:00:00",
  "0001-12-31 23:59:59.999 BC",
  "0044-03-15 12:00:00 BC",
  "4714-11-24 00:00:00 BC",
  "2024-02-29 12:34:56.789",
  "9999-12-31 23:59:59.999",
  "10000-01-01 00:00:00",
  "275760-09-13 00:00:00",
  "epoch",
  "infinity",
  "-infinity",
  null,
];
const TIMESTAMPS_LOSSLESS: readonly Literal[] = [
  "294276-12-31 23:59:59.999999",
  "1999-12-31 23:59:59.999999",
  "2000-01-01 00:00:00.000001",
  "1969-12-31 23:59:59.999999",
  "1970-01-01 00:00:00.000001",
  "0001-01-01 00:00:00.000001 BC",
  "4714-11-24 00:00:00.000001 BC",
  "275760-09-13 00:00:00.000001",
  "2000-01-01 00:00:00.0000005",
  "100000-06-15 12:00:00.123456",
];
const TIMESTAMPTZS: readonly Literal[] = [
  "2000-01-01 00:00:00+00",
  "2000-01-01 00:00:00+05:30",
  "2000-01-01 00:00:00-15:59",
  "1800-01-01 00:00:00+00",
  "1800-01-01 00:00:00 America/St_Johns",
  "1883-11-18 12:00:00 America/New_York",
  "2024-03-10 02:30:00 America/New_York",
  "2024-11-03 01:30:00 America/New_York",
  "1970-01-01 00:00:00.001+00",
  "1969-12-31 23:59:59.999-01",
  "0001-01-01 00:00:00+00",
  "0099-12-31 23:59:59.999+00",
  "0010-01-01 00:00:00 America/St_Johns",
  "0044-03-15 12:00:00+00 BC",
  "4714-11-24 12:00:00+00 BC",
  "9999-12-31 23:59:59.999+00",
  "10000-01-01 00:00:00+00",
  "275760-09-13 00:00:00+00",
  "275760-09-12 23:00:00-01",
  "infinity",
  "-infinity",
  null,
];
const TIMESTAMPTZS_LOSSLESS: readonly Literal[] = [
  "294276-12-31 23:59:59.999999+00",
  "2000-01-01 00:00:00.000001+00",
  "1969-12-31 23:59:59.999999+00",
  "0001-01-01 00:00:00.000001+00 BC",
  "1800-01-01 00:00:00.123456-03:30:52",
  "275760-09-13 00:00:00.000001+00",
];

const INTERVALS: readonly Literal[] = [
  "0",
  "1 year 2 mons 3 days 04:05:06.789012",
  "-1 year -2 mons +3 days -04:05:06",
  "1 day -1 second",
  "-1 mons +1 day",
  "178956970 years 7 mons",
  "-178956970 years -8 mons",
  "2147483647 days",
  "-2147483648 days",
  "2562047788:00:54.775807",
  "-2562047788:00:54.775807",
  // The time part at its int64 minimum prints as "-2562047788:00:54.775808", which the server's
  // own input function rejects.
  "-9223372036854775808 microseconds",
  "1 day -9223372036854775808 microseconds",
  "1 mon 1 day",
  "00:00:00.000001",
  "-00:00:00.000001",
  "1.5 years",
  "@ 1 minute ago",
  "P1Y2M3DT4H5M6.5S",
  "36:00:00",
  "1 day 25:00:00",
  null,
];

const RANGE_PROFILES = ALL_DATE_PROFILES;

/** The cases. */
export const ROUNDTRIP_CASES: readonly RoundtripCase[] = [
  c("bool", ["true", "false", "t", "f", "yes", "no", "on", "off", "1", "0", " TRUE ", null]),
  c("int2", ["0", "1", "-1", "32767", "-32768", "255", "256", "-256", "-0", "+7", " 42 ", null]),
  c("int4", [
    "0",
    "1",
    "-1",
    "2147483647",
    "-2147483648",
    "65535",
    "65536",
    "16777216",
    "-16777217",
    "+0",
    null,
  ]),
  c("int8", [...INT8, null], { profiles: ["default", "int8String"] }),
  c("int8", [...INT8_SAFE, null], { profiles: ["int8Number"] }),
  c("oid", ["0", "1", "2147483647", "2147483648", "4294967295", "-1", "16384", null]),
  c("float4", [
    "0",
    "-0",
    "1",
    "-1",
    "1.1",
    "0.1",
    "3.4028235e38",
    "-3.4028235e38",
    "1.4e-45",
    "-1.4e-45",
    "1.1754944e-38",
    "1.1754942e-38",
    "NaN",
    "Infinity",
    "-Infinity",
    "16777216",
    "16777217",
    "1e10",
    "123456.79",
    "3.1415927",
    "1e-10",
    "0.3333333",
    "100",
    "1e+20",
    "7e22",
    null,
  ]),
  c("float8", [
    "0",
    "-0",
    "1",
    "0.1",
    "0.30000000000000004",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "5e-324",
    "-5e-324",
    "2.2250738585072014e-308",
    "2.225073858507201e-308",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e21",
    "1e-7",
    "123456789012345680000",
    "9007199254740993",
    "-1.5",
    "3.141592653589793",
    "1e100",
    "123.456",
    "1.5e300",
    null,
  ]),
  c("numeric", [
    "0",
    "-0",
    "1",
    "-1",
    "1.50",
    "0.0000",
    "123.456000",
    "0.0001",
    "0.00001",
    "9999",
    "10000",
    "99999999",
    "100000000",
    "-99999999999999999999.99999999999999999",
    "12345678901234567890.123456789",
    "3.14159265358979323846264338327950288419716939937510",
    "1.000000000000000000000000000001",
    "1e-20",
    "1e100",
    "-0.5",
    "0.5",
    "NaN",
    "Infinity",
    "-Infinity",
    { sql: "repeat('9', 1000)" },
    { sql: "'1' || repeat('0', 5000)" },
    { sql: "'0.' || repeat('0', 16382) || '1'" },
    { sql: "'-' || repeat('1234567890', 100) || '.' || repeat('0987654321', 100)" },
    null,
  ]),
  c("numeric", [
    "0",
    "1.5",
    "-2.25",
    "0.1",
    "123456789.125",
    "1e20",
    "1e21",
    "1e-7",
    "NaN",
    "Infinity",
    "-Infinity",
    null,
  ], { profiles: ["numericNumber"] }),
  c("money", [
    "0",
    "12.34",
    "-12.34",
    "$1,000.00",
    "92233720368547758.07",
    "-92233720368547758.08",
    "0.01",
    "-0.01",
    "1000000",
    "0.001",
    null,
  ]),
  c("text", TEXTS),
  c("varchar", TEXTS),
  c("varchar(3)", ["abcdef", "ab", "", "é😀xyz", null]),
  c("bpchar(5)", ["ab", "", "abcde", "abc  ", "  ab", "é😀", "a b", null]),
  c("bpchar", ["ab  ", "x", "", null]),
  c("bpchar(1)", ["a", "", "é", null]),
  c("name", ["", "abc", "x".repeat(63), "x".repeat(70), "é".repeat(40), "With Space", 'q"t', null]),
  c('"char"', [
    ...Array.from({ length: 256 }, (_, b) => charLiteral(b)),
    "a",
    "ab",
    "\\",
    "é",
    null,
  ]),
  c("bit(8)", ["00000000", "11111111", "10101010", null]),
  c("varbit", ["", "1", "0101", { sql: "repeat('10', 500)" }, null]),
  c("bytea", [
    "\\x",
    "\\x00",
    ALL_BYTES_HEX,
    "abc",
    "a\\\\b",
    "\\000\\377",
    "\\xDEADBEEF",
    { sql: "decode(repeat('00ff', 50000), 'hex')" },
    { sql: "convert_to('é😀', 'UTF8')" },
    null,
  ]),
  c("json", JSON_EXACT, { compareAs: "jsonb", arrays: JSON_ARRAYS_DEFAULT }),
  c("jsonb", JSON_EXACT, { arrays: JSON_ARRAYS_DEFAULT }),
  c("json", [...JSON_EXACT, ...JSON_TEXT_ONLY, ...JSON_ONLY_TEXT], {
    profiles: ["jsonText"],
    compareAs: "text",
  }),
  c("jsonb", [...JSON_EXACT, ...JSON_TEXT_ONLY], { profiles: ["jsonText"] }),
  c("uuid", [
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
    "a0eebc999c0b4ef8bb6d6bb9bd380a11",
    "123e4567-e89b-12d3-a456-426614174000",
    null,
  ]),
  c("date", DATES, { profiles: ALL_DATE_PROFILES }),
  c("date", DATES_LOSSLESS, { profiles: LOSSLESS }),
  c("time", [
    "00:00:00",
    "23:59:59.999999",
    "24:00:00",
    "12:34:56.789",
    "00:00:00.000001",
    "allballs",
    "04:05",
    "13:00:00.5",
    null,
  ], { profiles: ALL_DATE_PROFILES }),
  c("timetz", [
    "00:00:00+00",
    "23:59:59.999999-15:59",
    "12:00:00+05:30",
    "12:00:00-03:30:52",
    "24:00:00-15:59",
    "04:05:06.789+14",
    "00:00:00.000001+15:59:59",
    "12:00:00-00:00:01",
    "12:00:00",
    null,
  ], { profiles: ALL_DATE_PROFILES }),
  c("timestamp", TIMESTAMPS, { profiles: ALL_DATE_PROFILES }),
  c("timestamp", TIMESTAMPS_LOSSLESS, { profiles: LOSSLESS }),
  c("timestamptz", TIMESTAMPTZS, { profiles: ALL_DATE_PROFILES }),
  c("timestamptz", TIMESTAMPTZS_LOSSLESS, { profiles: LOSSLESS }),
  c("interval", INTERVALS, { profiles: ALL_DATE_PROFILES }),
  c("interval", ["infinity", "-infinity"], { profiles: ALL_DATE_PROFILES, minMajor: 17 }),
  c("inet", [
    "127.0.0.1",
    "192.168.1.5/24",
    "10.0.0.0/8",
    "0.0.0.0/0",
    "255.255.255.255",
    "1.2.3.4/32",
    "::1",
    "::",
    "::ffff:1.2.3.4",
    "2001:db8::/32",
    "2001:db8::1/64",
    "2001:db8::1/128",
    "fe80::1:2:3:4",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:0DB8:0000:0000:0000:0000:0000:0001",
    null,
  ]),
  c("cidr", [
    "10.0.0.0/8",
    "192.168.0.0/16",
    "2001:db8::/32",
    "::/0",
    "1.2.3.4/32",
    "10.1",
    "0.0.0.0/0",
    "::1/128",
    "128.0.0.0/1",
    null,
  ]),
  c("macaddr", [
    "08:00:2b:01:02:03",
    "08-00-2B-01-02-03",
    "0800.2b01.0203",
    "ff:ff:ff:ff:ff:ff",
    "00:00:00:00:00:00",
    "08002b010203",
    null,
  ]),
  c("macaddr8", [
    "08:00:2b:01:02:03:04:05",
    "08:00:2b:01:02:03",
    "FF:FF:FF:FF:FF:FF:FF:FF",
    "00:00:00:00:00:00:00:00",
    "0800.2b01.0203.0405",
    null,
  ]),

  // Geometric types (strings, text only) have no `=` worth the name: compared as text.
  c("point", ["(1.5,-0)", "(0,0)", "(1e+300,-1e-300)", "(NaN,Infinity)", " ( 1 , 2 ) ", null], {
    compareAs: "text",
  }),
  c("lseg", ["[(0,0),(1,1)]", "((-1.5,2),(3,4e-10))", null], { compareAs: "text" }),
  c("box", ["(1,2),(0,0)", "(3,3),(1,1)", "((0,0),(0,0))", null], {
    compareAs: "text",
    // `box` is the one built-in type whose array delimiter is `;`.
    arrays: ["{}", "{NULL}", '{"(1,2),(0,0)";"(3,3),(1,1)";NULL}', "{(1,2),(0,0);(3,3),(1,1)}"],
  }),
  c("path", ["[(0,0),(1,1),(2,0)]", "((0,0),(1,1),(2,0))", "(1,2)", null], { compareAs: "text" }),
  c("polygon", ["((0,0),(1,1),(1,0))", "((1,2))", null], { compareAs: "text" }),
  c("line", ["{1,2,3}", "[(0,0),(1,2)]", null], { compareAs: "text" }),
  c("circle", ["<(1,2),3>", "<(0,0),0>", "((-1e-5,1e5),1.5)", null], { compareAs: "text" }),

  // Types without a codec: read and written as their text.
  c("xml", ["<a>é</a>", "", "text only", '<a b="1,2">{x}</a>', null], { compareAs: "text" }),
  c("pg_lsn", ["0/0", "FFFFFFFF/FFFFFFFF", "16/B374D848", null]),
  c("tsvector", ["a:1 b", "'it''s' 'x,y':3A", "", null]),

  // Arrays beyond what "auto" builds.
  c("int4[]", [
    "{{{{{{1}}}}}}",
    "{{{{{{1,2},{3,4}}},{{{5,6},{7,NULL}}}}}}",
    "{ 1 , 2 }",
    "{{1},{2}}",
    { sql: "array(select generate_series(-5000, 5000))" },
    { sql: "array[]::int4[]" },
  ], { arrays: false }),
  c("text[]", [
    '{"",""}',
    '{"\\\\"}',
    '{" "," a ","b "}',
    '{"NULL",NULL,null,"null",Null}',
    "{a b, c }",
    '{"{","}","{}",",",";","\\""}',
    '{{"a,b","c\\"d"},{NULL,"é😀"}}',
    { sql: "array(select repeat(chr(65 + i % 26), i % 50) from generate_series(1, 2000) as i)" },
  ], { arrays: false }),

  // Ranges and multiranges (and their arrays), built-in subtypes.
  c("int4range", [
    "empty",
    "[1,2)",
    "(1,2]",
    "[1,1]",
    "(1,2)",
    "(,)",
    "(,5)",
    "[5,)",
    "(,5]",
    "(-2147483648,2147483646]",
    "[-2147483648,2147483647)",
    "[0,0]",
    "(-1,1)",
    null,
  ]),
  c("int8range", [
    "empty",
    "[1,9223372036854775807)",
    "[-9223372036854775808,0)",
    "(,9007199254740993]",
    "[9007199254740992,)",
    "(,)",
    "[-1,1]",
    null,
  ], { profiles: ["default", "int8String"] }),
  c("int8range", ["empty", "[1,2)", "(,9007199254740990]", "[-9007199254740991,)", "(,)", null], {
    profiles: ["int8Number"],
  }),
  c("numrange", [
    "empty",
    "[1.50,2.5]",
    "(,)",
    "(0.000001,1e20]",
    "[-Infinity,Infinity]",
    "[1,NaN]",
    "(,0)",
    "[0,)",
    "[1.0,1.0]",
    "(-1.5,-1.5]",
    null,
  ]),
  c("numrange", ["[1.5,2.25)", "(,)", "empty", "[-Infinity,0]"], { profiles: ["numericNumber"] }),
  c("tsrange", [
    '["2000-01-01 00:00:00","2000-01-02 00:00:00")',
    "[-infinity,infinity]",
    '(,"2000-01-01 00:00:00")',
    "empty",
    "(,)",
    '["0044-03-15 12:00:00 BC","1970-01-01 00:00:00.001"]',
    '["275760-09-13 00:00:00",)',
    null,
  ], { profiles: RANGE_PROFILES }),
  c("tsrange", [
    '["2000-01-01 00:00:00.000001","294276-12-31 23:59:59.999999"]',
    '("4714-11-24 00:00:00.000001 BC",)',
  ], { profiles: LOSSLESS }),
  c("tstzrange", [
    '["2000-01-01 00:00:00+00","2000-01-02 00:00:00+05:30")',
    "[-infinity,infinity]",
    '(,"2000-01-01 00:00:00-03:30")',
    "empty",
    "(,)",
    '["0044-03-15 12:00:00+00 BC","1970-01-01 00:00:00.001+00"]',
    '["1800-01-01 00:00:00+00",)',
    null,
  ], { profiles: RANGE_PROFILES }),
  c("tstzrange", [
    '["2000-01-01 00:00:00.000001+00","294276-12-31 23:59:59.999999+00"]',
    '("4714-11-24 12:00:00.000001+00 BC",)',
  ], { profiles: LOSSLESS }),
  c("daterange", [
    "[2000-01-01,2000-01-05]",
    "(2000-01-01,2000-01-05)",
    "(-infinity,infinity)",
    "[0044-03-15 BC,0001-01-01)",
    "empty",
    "(,)",
    "[2000-01-01,)",
    "[2000-01-01,2000-01-01]",
    null,
  ], { profiles: RANGE_PROFILES }),
  c("daterange", ["[2000-01-01,5874897-12-31)"], { profiles: LOSSLESS }),
  c("int4multirange", [
    "{}",
    "{[1,2)}",
    "{[1,3), [5,7)}",
    "{[1,3),[2,5)}",
    "{(,)}",
    "{empty}",
    "{(,0),[5,)}",
    "{[-2147483648,-2147483647)}",
    null,
  ]),
  c("int8multirange", [
    "{}",
    "{[1,9223372036854775807)}",
    "{(,-9223372036854775807),[0,1]}",
    null,
  ], { profiles: ["default", "int8String"] }),
  c("int8multirange", ["{}", "{[1,2),[3,9007199254740991)}"], { profiles: ["int8Number"] }),
  c("nummultirange", ["{}", "{[1.50,2.5],(3,)}", "{(,)}", "{[-Infinity,0),[1,NaN]}", null]),
  c("tsmultirange", [
    "{}",
    '{["2000-01-01 00:00:00","2000-01-02 00:00:00"),["2001-01-01 00:00:00",infinity]}',
    "{(,)}",
    '{(,"0044-03-15 12:00:00 BC"]}',
    null,
  ], { profiles: RANGE_PROFILES }),
  c("tsmultirange", ['{["2000-01-01 00:00:00.000001","2000-01-01 00:00:00.000002")}'], {
    profiles: LOSSLESS,
  }),
  c("tstzmultirange", [
    "{}",
    '{["2000-01-01 00:00:00+00","2000-01-02 00:00:00+00"),["2001-01-01 00:00:00+00",infinity]}',
    "{(,)}",
    null,
  ], { profiles: RANGE_PROFILES }),
  c("tstzmultirange", ['{["2000-01-01 00:00:00.000001+00","294276-01-01 00:00:00+00")}'], {
    profiles: LOSSLESS,
  }),
  c("datemultirange", [
    "{}",
    "{[2000-01-01,2000-01-05),[2000-02-01,)}",
    "{(,0044-03-15 BC]}",
    null,
  ], { profiles: RANGE_PROFILES }),
];

/**
 * User-defined types, made per session in `pg_temp` (so they vanish with it, and two sessions
 * never see each other's): an enum with labels that need quoting, domains over a scalar and over
 * an array, a range over float8 (with its multirange), a composite of many kinds of field and a
 * composite nesting it.
 */
export const USER_TYPES_DDL: readonly string[] = [
  `create type pg_temp.rt_mood as enum ('sad', 'ok', 'happy', 'with space', 'quo"te', 'com,ma',
    'back\\slash', 'é😀', 'NULL', '{brace}', '(paren)', '')`,
  "create domain pg_temp.rt_posint as int4 check (value > 0)",
  "create domain pg_temp.rt_ints as int4[]",
  "create type pg_temp.rt_floatrange as range (subtype = float8)",
  'create type pg_temp.rt_textrange as range (subtype = text, collation = "C")',
  "create domain pg_temp.rt_span as int4range check (not isempty(value))",
  `create type pg_temp.rt_comp as (i int4, t text, ts timestamptz, n numeric, b bytea, a int4[],
    r int4range, j jsonb, m rt_mood, d rt_posint)`,
  "create type pg_temp.rt_outer as (c rt_comp, cs rt_comp[], note text)",
  "create domain pg_temp.rt_compdom as rt_comp check ((value).i is distinct from 13)",
  `create type pg_temp.rt_wide as (b bool, i2 int2, i8 int8, f4 float4, f8 float8, n numeric,
    m money, ch "char", nm name, bp bpchar(3), by bytea, u uuid, d date, t time, tz timetz,
    ts timestamp, iv interval, ip inet, ci cidr, mac macaddr, m8 macaddr8, bits varbit,
    tr tstzrange, e rt_mood)`,
];

/** What `loadTypes` is given. */
export const USER_TYPE_NAMES: readonly string[] = [
  "rt_mood",
  "rt_posint",
  "rt_ints",
  "rt_floatrange",
  "rt_floatmultirange",
  "rt_textrange",
  "rt_textmultirange",
  "rt_span",
  "rt_compdom",
  "rt_wide",
  "rt_comp",
  "rt_outer",
];

/** Drops them again (before the session ends, which would drop them anyway). */
export const USER_TYPES_DROP: string =
  "drop type if exists pg_temp.rt_wide, pg_temp.rt_compdom, pg_temp.rt_outer, pg_temp.rt_comp, " +
  "pg_temp.rt_floatrange, pg_temp.rt_textrange, pg_temp.rt_span, pg_temp.rt_mood, " +
  "pg_temp.rt_posint, pg_temp.rt_ints cascade";

const MOODS = [
  "sad",
  "ok",
  "happy",
  "with space",
  'quo"te',
  "com,ma",
  "back\\slash",
  "é😀",
  "NULL",
  "{brace}",
  "(paren)",
  "",
];

function comp(ts: string, rest = ""): string {
  return `row(1, 'hello', '${ts}', 1.50, '\\x00ff'::bytea, '{1,NULL,3}', '[1,2)', ` +
    `'{"a": [1, "x,y"], "b": {"c": null}}', 'with space', 5${rest})`;
}

/** Cases over the user-defined types (run on connections that made them). */
export const USER_TYPE_CASES: readonly RoundtripCase[] = [
  c("rt_mood", [...MOODS, null], { arrays: [...MOODS.map((m) => pgArray([m])), "{}", "{NULL}"] }),
  c("rt_mood[]", [
    pgArray(MOODS),
    pgArray([...MOODS, null]),
    pgArray([["sad", "ok"], ["NULL", null]]),
    "{sad,ok,NULL}",
  ], { arrays: false }),
  c("rt_posint", ["1", "2147483647", "42", null]),
  c("rt_ints", ["{}", "{1,2,3}", "{{1,2},{3,NULL}}", "{NULL}", null], {
    // Not '{"{{1,2},{3,4}}"}': an element that is itself 2-D cannot be told from a dimension
    // (documented in arrayCodec), so it is written back as a 2-D array of 1-D elements.
    arrays: ['{"{1,2}","{}",NULL}', "{}", '{"{1}","{2,3,4}"}'],
  }),
  c("rt_floatrange", [
    "empty",
    "[1.5,2.5)",
    "(,)",
    "(-Infinity,Infinity]",
    "[0,NaN]",
    "[-0,0]",
    "[5e-324,1.7976931348623157e308]",
    null,
  ]),
  c("rt_floatmultirange", ["{}", "{[1.5,2.5),(,0]}", "{[-Infinity,Infinity]}", null]),
  c("rt_textrange", [
    '["a","b")',
    '["",z]',
    '("a,b","c\\"d"]',
    '["(",")"]',
    '["[","]"]',
    '[" ","  "]',
    '("\\\\","x")',
    '["NULL",null]',
    '(,"é😀")',
    '["",""]',
    "empty",
    "(,)",
    null,
  ]),
  c("rt_textmultirange", ["{}", '{["a","b"),["x y",)}', '{(,""],["{",)}', null]),
  c("rt_span", ["[1,2)", "(,)", "[-5,)", null]),
  c("rt_comp", [
    { sql: comp("2000-01-01 00:00:00.123+00") },
    { sql: comp("-infinity") },
    { sql: "row(null, null, null, null, null, null, null, null, null, null)" },
    {
      sql: `row(-2147483648, 'a "b", (c) \\ d {e}', '0044-03-15 12:00:00+00 BC', 'NaN', '\\x',
        '{}', 'empty', '[]', '', 2147483647)`,
    },
    { sql: "row(0, '', null, '-0.000', '', '{{1,2},{3,4}}', '(,)', '{}', 'quo\"te', 1)" },
    { sql: "row(7, ' ', null, null, null, null, null, '[null, \"NULL\"]', 'NULL', null)" },
    "(1,hello,,,,,,,ok,)",
    "(,,,,,,,,,)",
    '(,"",,,,,,,"",)',
    null,
  ], { profiles: ALL_DATE_PROFILES }),
  c("rt_comp", [{ sql: comp("294276-12-31 23:59:59.999999+00") }], { profiles: LOSSLESS }),
  c("rt_wide", [
    {
      sql: `row(true, -32768, -9223372036854775808, '-0', 'NaN', '-1.50', '-$1,234.56', '\\310',
        'a "b" (c)', 'x', '\\x5c00225c2c28', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        '0044-03-15 BC', '24:00:00', '12:00:00-03:30:52', '1969-12-31 23:59:59.999',
        '-1 year +2 days -00:00:00.000001', '::ffff:1.2.3.4/120', '10.1', '08:00:2b:01:02:03',
        '08:00:2b:01:02:03:04:05', '101', '["2000-01-01 00:00:00+00",infinity)', 'com,ma')`,
    },
    {
      sql: `row(false, 32767, 9223372036854775807, '3.4028235e38', '-Infinity',
        repeat('9', 300), '92233720368547758.07', 'a', repeat('z', 63), 'é', '\\x',
        '00000000-0000-0000-0000-000000000000', 'infinity', '00:00:00.000001', '24:00:00-15:59',
        '-infinity', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807', '::',
        '::/0', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00', '', 'empty', '')`,
    },
    { sql: "row(" + Array(24).fill("null").join(", ") + ")" },
    '(,,,,,,,,"","",,,,,,,,,,,,"",,"")',
  ], { profiles: ALL_DATE_PROFILES, arrays: false }),
  c("rt_wide[]", [
    {
      sql: `array[row(true, 1, 2, 3, 4, 5, 6, 'c', 'n', 'b', '\\x00', null, '2000-02-29',
        '12:00', '12:00+01', '2000-01-01', '1 day', '1.2.3.4', '1.2.3.0/24', null, null, '1',
        '(,)', 'NULL')::rt_wide, null]`,
    },
    "{}",
    "{NULL}",
  ], { profiles: ALL_DATE_PROFILES, arrays: false }),
  c("rt_compdom", [
    { sql: comp("2000-01-01 00:00:00.5+00") },
    "(,,,,,,,,,)",
    '(2,"a,b",,,,,,,,)',
    null,
  ], { profiles: ALL_DATE_PROFILES }),
  c("rt_outer", [
    {
      sql: `row(${comp("2000-01-01 00:00:00+00")}::rt_comp,
        array[${comp("1999-12-31 23:59:59.999+00")}::rt_comp, null, ` +
        `row(null, null, null, null, null, null, null, null, null, null)::rt_comp],
        'note, "quoted" (x)')`,
    },
    { sql: "row(null, '{}', '')" },
    { sql: "row(null, null, null)" },
    null,
  ], { profiles: ALL_DATE_PROFILES }),
];
