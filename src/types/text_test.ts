/**
 * Unit tests for the string-like, bytea, JSON, uuid and network codecs. Binary vectors are written
 * by hand from the send formats (UTF-8 text, `bit_send`, jsonb version byte, `inet_send`), not
 * produced by the encoders under test.
 */
import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import type { Codec, TypeOptions } from "./codec.ts";
import { textCodecs } from "./text.ts";

function codec(name: string, options: TypeOptions = {}): Codec {
  const c = textCodecs(options).find((c) => c.name === name);
  assert.ok(c, name);
  return c;
}

const u8 = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test("textCodecs: OIDs, preferBinary and options", () => {
  const want: Record<string, [number, boolean]> = {
    text: [25, false],
    varchar: [1043, false],
    bpchar: [1042, false],
    name: [19, false],
    char: [18, false],
    bit: [1560, false],
    varbit: [1562, false],
    point: [600, false],
    lseg: [601, false],
    path: [602, false],
    box: [603, false],
    polygon: [604, false],
    line: [628, false],
    circle: [718, false],
    bytea: [17, true],
    json: [114, false],
    jsonb: [3802, false],
    uuid: [2950, false],
    inet: [869, false],
    cidr: [650, false],
    macaddr: [829, false],
    macaddr8: [774, false],
  };
  const got = textCodecs({});
  assert.deepEqual(got.map((c) => c.name).sort(), Object.keys(want).sort());
  for (const c of got) assert.deepEqual([c.oid, c.preferBinary], want[c.name], c.name);
  assert.equal(codec("bytea").arrayOid, 1001);
  assert.throws(() => textCodecs({ parseJson: "yes" as unknown as boolean }), TypeError);
});

test("text family: UTF-8 both ways, strict", () => {
  for (const name of ["text", "varchar", "bpchar", "name"]) {
    const c = codec(name);
    assert.equal(c.parseText("héllo "), "héllo ");
    assert.equal(c.parseBinary!(u8(0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f)), "héllo");
    assert.equal(c.parseBinary!(u8(0xf0, 0x9f, 0x98, 0x80)), "😀");
    assert.equal(c.parseBinary!(u8()), "");
    // A leading byte order mark is data, not a marker to drop.
    assert.equal(c.parseBinary!(u8(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
    assert.throws(() => c.parseBinary!(u8(0x61, 0xc3)), {
      name: "TypeError",
      message: `Cannot decode ${name}: invalid UTF-8`,
    });
    assert.throws(() => c.parseBinary!(u8(0xed, 0xa0, 0x80)), TypeError); // A UTF-8 surrogate.
    assert.throws(() => c.parseBinary!(u8(0x80)), TypeError);
    assert.throws(() => c.parseBinary!(u8(...utf8("a".repeat(30)), 0xff)), TypeError);
    for (const s of ["a".repeat(24), "a".repeat(25), "a".repeat(23) + "é", "\0\x7f"]) {
      assert.equal(c.parseBinary!(utf8(s)), s);
    }
    assert.equal(c.serializeText("a'b\\c"), "a'b\\c");
    assert.equal(c.serializeText(5), "5");
    assert.equal(c.serializeText(5n), "5");
    assert.equal(c.serializeText(false), "false");
    assert.deepEqual(c.serializeBinary!("é😀"), u8(0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80));
    for (const v of ["\ud800", "a\0b", null, undefined, {}, [1]]) {
      assert.throws(() => c.serializeText(v), TypeError, String(v));
      assert.throws(() => c.serializeBinary!(v), TypeError, String(v));
    }
  }
});

test('"char": one byte, printed as the server does', () => {
  const c = codec("char");
  const vectors: [number, string][] = [
    [0x41, "A"],
    [0, ""],
    [0xe9, "\\351"],
    [0x5c, "\\"],
    [
      0x80,
      "\\200",
    ],
    [0xff, "\\377"],
    [0x20, " "],
    [1, "\x01"],
  ];
  for (const [byte, text] of vectors) {
    assert.equal(c.parseBinary!(u8(byte)), text, text);
    assert.equal(c.parseText(text), text);
    assert.equal(c.serializeText(text), text);
    assert.equal(c.serializeText(byte), text);
    assert.deepEqual(c.serializeBinary!(text), u8(byte), text);
  }
  assert.equal(c.serializeText("\\101"), "A");
  for (const t of ["ab", "é", "\\38", "\\777", "\\12"]) {
    assert.throws(() => c.parseText(t), TypeError, t);
    assert.throws(() => c.serializeText(t), TypeError, t);
  }
  assert.throws(() => c.parseBinary!(u8()), /Cannot decode char: expected 1 bytes, got 0/);
  assert.throws(() => c.parseBinary!(u8(1, 2)), RangeError);
  for (const v of [256, -1, 1.5, null]) assert.throws(() => c.serializeBinary!(v), TypeError);
});

test("bit, varbit: bit strings", () => {
  for (const name of ["bit", "varbit"]) {
    const c = codec(name);
    assert.equal(c.parseBinary!(u8(0, 0, 0, 5, 0b10110000)), "10110");
    assert.equal(c.parseBinary!(u8(0, 0, 0, 0)), "");
    assert.equal(c.parseBinary!(u8(0, 0, 0, 9, 0xff, 0x80)), "111111111");
    assert.equal(c.parseBinary!(u8(0, 0, 0, 8, 0x01)), "00000001");
    assert.equal(c.parseText("0101"), "0101");
    assert.deepEqual(c.serializeBinary!("10110"), u8(0, 0, 0, 5, 0b10110000));
    assert.deepEqual(c.serializeBinary!(""), u8(0, 0, 0, 0));
    assert.equal(c.serializeText("111"), "111");
    assert.throws(() => c.parseText("102"), TypeError);
    assert.throws(() => c.parseBinary!(u8(0, 0, 0, 9, 0xff)), RangeError);
    assert.throws(() => c.parseBinary!(u8(0, 0, 0)), RangeError);
    assert.throws(() => c.parseBinary!(u8(0xff, 0xff, 0xff, 0xff)), RangeError);
    for (const v of ["12", "x1F", 5, null]) assert.throws(() => c.serializeText(v), TypeError);
  }
});

test("geometric types: strings, text format only", () => {
  for (
    const [name, text] of [["point", "(1,2)"], ["box", "(1,1),(0,0)"], ["circle", "<(0,0),5>"]]
  ) {
    const c = codec(name!);
    assert.equal(c.parseText(text!), text);
    assert.equal(c.parseBinary, undefined);
    assert.equal(c.serializeBinary, undefined);
    assert.equal(c.serializeText(text!), text);
    assert.throws(() => c.parseText(""), TypeError);
    assert.throws(() => c.serializeText({ x: 1 }), TypeError);
  }
});

test("bytea: hex and escape formats, copies", () => {
  const c = codec("bytea");
  assert.deepEqual(c.parseText("\\x"), u8());
  assert.deepEqual(c.parseText("\\x00ff10"), u8(0, 255, 16));
  assert.deepEqual(c.parseText("\\xDEADbeef"), u8(0xde, 0xad, 0xbe, 0xef));
  assert.deepEqual(c.parseText(""), u8());
  assert.deepEqual(c.parseText("abc\\\\\\001\\377 ~"), u8(97, 98, 99, 92, 1, 255, 32, 126));
  assert.deepEqual(c.parseText("\\000"), u8(0));
  for (const t of ["\\x0", "\\x0g", "\\xé0", "\\", "\\9", "\\400", "\\01", "é", "a\\b"]) {
    assert.throws(() => c.parseText(t), TypeError, JSON.stringify(t));
  }
  const buffer = u8(9, 1, 2, 3, 9);
  const view = buffer.subarray(1, 4);
  const got = c.parseBinary!(view) as Uint8Array;
  assert.deepEqual(got, u8(1, 2, 3));
  buffer[1] = 7;
  assert.deepEqual(got, u8(1, 2, 3));
  assert.notEqual(got.buffer, buffer.buffer);
  assert.equal(c.serializeText(u8(0, 1, 0xab, 255)), "\\x0001abff");
  assert.equal(c.serializeText(u8()), "\\x");
  assert.equal(c.serializeText(u8(0xde, 0xad).buffer), "\\xdead");
  assert.equal(c.serializeText(new Uint16Array([0x0102])), "\\x0201");
  assert.equal(c.serializeText(new DataView(u8(1, 2, 3).buffer, 1)), "\\x0203");
  assert.deepEqual(c.serializeBinary!(view), u8(7, 2, 3));
  for (const v of ["\\x00", [1, 2], null, 5]) assert.throws(() => c.serializeText(v), TypeError);
});

test("json, jsonb: parsed or raw, jsonb version byte", () => {
  for (const name of ["json", "jsonb"]) {
    const c = codec(name);
    const raw = codec(name, { parseJson: false });
    const text = '{"a": [1, "é", null]}';
    const body = utf8(text);
    const bytes = name === "jsonb" ? u8(1, ...body) : body;
    assert.deepEqual(c.parseText(text), { a: [1, "é", null] });
    assert.deepEqual(c.parseBinary!(bytes), { a: [1, "é", null] });
    assert.equal(raw.parseText(text), text);
    assert.equal(raw.parseBinary!(bytes), text);
    assert.equal(c.parseText("null"), null);
    assert.throws(() => c.parseText("{"), {
      name: "TypeError",
      message: `Cannot decode ${name}: invalid JSON`,
    });
    assert.equal(c.serializeText("[1]"), "[1]");
    assert.equal(c.serializeText({ a: 1 }), '{"a":1}');
    assert.equal(c.serializeText(null), "null");
    assert.equal(c.serializeText(1.5), "1.5");
    assert.deepEqual(c.serializeBinary!({}), name === "jsonb" ? u8(1, 0x7b, 0x7d) : u8(0x7b, 0x7d));
    for (const v of [undefined, () => 1, Symbol("x"), 1n, "\ud800"]) {
      assert.throws(() => c.serializeText(v), TypeError, String(v));
    }
  }
  const jsonb = codec("jsonb");
  assert.throws(
    () => jsonb.parseBinary!(u8(2, 0x31)),
    /Cannot decode jsonb: unsupported version 2/,
  );
  assert.throws(() => jsonb.parseBinary!(u8()), RangeError);
  assert.throws(() => jsonb.parseBinary!(u8(1, 0xff)), /invalid UTF-8/);
  assert.equal(codec("json").parseBinary!(u8(0x31)), 1);
});

test("uuid: lowercase strings, 16 bytes", () => {
  const c = codec("uuid");
  const bytes = u8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xff);
  const text = "00010203-0405-0607-0809-0a0b0c0d0eff";
  assert.equal(c.parseBinary!(bytes), text);
  assert.equal(c.parseText(text), text);
  assert.equal(c.parseText(text.toUpperCase()), text);
  for (const t of ["", text.slice(1), text + "0", text.replace("-", "x"), text.replace("0", "g")]) {
    assert.throws(() => c.parseText(t), TypeError, t);
  }
  assert.throws(() => c.parseBinary!(bytes.subarray(1)), /Cannot decode uuid: expected 16 bytes/);
  for (const v of [text, text.toUpperCase(), `{${text}}`, text.replaceAll("-", ""), bytes]) {
    assert.equal(c.serializeText(v), text);
    assert.deepEqual(c.serializeBinary!(v), bytes);
  }
  assert.equal(c.serializeText("0001-0203-0405-0607-0809-0a0b-0c0d-0eff"), text);
  for (const v of ["", "-" + text, text + "-", text.replace("-", "--"), "123", 5, u8(1)]) {
    assert.throws(() => c.serializeText(v), TypeError, String(v));
  }
});

const INET_VECTORS: [string, number[], string, string][] = [
  // [description, bytes, inet text, cidr text]
  ["host v4", [2, 32, 0, 4, 192, 168, 0, 1], "192.168.0.1", "192.168.0.1/32"],
  ["v4 /24", [2, 24, 0, 4, 10, 1, 2, 0], "10.1.2.0/24", "10.1.2.0/24"],
  ["v4 /0", [2, 0, 0, 4, 0, 0, 0, 0], "0.0.0.0/0", "0.0.0.0/0"],
  ["::1", [3, 128, 0, 16, ...Array(15).fill(0), 1], "::1", "::1/128"],
  ["::", [3, 0, 0, 16, ...Array(16).fill(0)], "::/0", "::/0"],
  ["::2", [3, 128, 0, 16, ...Array(15).fill(0), 2], "::2", "::2/128"],
  ["1::", [3, 16, 0, 16, 0, 1, ...Array(14).fill(0)], "1::/16", "1::/16"],
  ["compat", [3, 128, 0, 16, ...Array(12).fill(0), 1, 2, 3, 4], "::1.2.3.4", "::1.2.3.4/128"],
  [
    "mapped",
    [3, 120, 0, 16, ...Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 0],
    "::ffff:1.2.3.0/120",
    "::ffff:1.2.3.0/120",
  ],
  [
    "mapped zero",
    [3, 128, 0, 16, ...Array(10).fill(0), 0xff, 0xff, 0, 0, 0, 0],
    "::ffff:0.0.0.0",
    "::ffff:0.0.0.0/128",
  ],
  [
    "not mapped",
    [3, 128, 0, 16, ...Array(8).fill(0), 0xff, 0xff, 0, 0, 1, 2, 3, 4],
    "::ffff:0:102:304",
    "::ffff:0:102:304/128",
  ],
  [
    "first of equal runs",
    [3, 64, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
    "2001:db8::1:0:0:1/64",
    "2001:db8::1:0:0:1/64",
  ],
  [
    "longest run",
    [3, 128, 0, 16, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    "1:0:0:1::1",
    "1:0:0:1::1/128",
  ],
  [
    "no run",
    [3, 128, 0, 16, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0],
    "1:0:2:0:3:0:4:0",
    "1:0:2:0:3:0:4:0/128",
  ],
  [
    "full",
    [3, 128, 0, 16, 0xfe, 0x80, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0xab, 0xcd, 0xff, 0xff],
    "fe80:2:3:4:5:6:abcd:ffff",
    "fe80:2:3:4:5:6:abcd:ffff/128",
  ],
];

test("inet, cidr: binary formatted as the server prints", () => {
  const inet = codec("inet");
  const cidr = codec("cidr");
  for (const [what, bytes, inetText, cidrText] of INET_VECTORS) {
    assert.equal(inet.parseBinary!(u8(...bytes)), inetText, what);
    const asCidr = [...bytes];
    asCidr[2] = 1;
    assert.equal(cidr.parseBinary!(u8(...asCidr)), cidrText, what);
    assert.equal(inet.parseText(inetText), inetText);
    assert.equal(cidr.parseText(cidrText), cidrText);
    assert.equal(inet.serializeText(` ${inetText} `), inetText);
  }
  const bad: [number[], RegExp][] = [
    [[2, 32, 0], /expected at least 4 bytes/],
    [[4, 32, 0, 4, 1, 2, 3, 4], /invalid header/],
    [[2, 33, 0, 4, 1, 2, 3, 4], /invalid header/],
    [[2, 32, 2, 4, 1, 2, 3, 4], /invalid header/],
    [[2, 32, 0, 16, 1, 2, 3, 4], /invalid header/],
    [[3, 129, 0, 16, ...Array(16).fill(0)], /invalid header/],
    [[2, 32, 0, 4, 1, 2, 3], /expected 8 bytes, got 7/],
    [[3, 128, 0, 16, 1, 2, 3, 4], /expected 20 bytes, got 8/],
  ];
  for (const [bytes, message] of bad) assert.throws(() => inet.parseBinary!(u8(...bytes)), message);
  for (const t of ["", "1.2.3.4 ", "host", "1.2.3.4/24;"]) {
    assert.throws(() => inet.parseText(t), TypeError, t);
  }
  for (const v of ["", "a b", 5, null]) assert.throws(() => cidr.serializeText(v), TypeError);
  assert.equal(inet.serializeBinary, undefined);
});

test("macaddr, macaddr8: lowercase colon-separated hex", () => {
  const mac = codec("macaddr");
  const mac8 = codec("macaddr8");
  assert.equal(mac.parseBinary!(u8(0x08, 0, 0x2b, 1, 2, 0xff)), "08:00:2b:01:02:ff");
  assert.equal(
    mac8.parseBinary!(u8(0x08, 0, 0x2b, 0xff, 0xfe, 1, 2, 3)),
    "08:00:2b:ff:fe:01:02:03",
  );
  assert.equal(mac.parseText("08:00:2b:01:02:ff"), "08:00:2b:01:02:ff");
  assert.equal(mac8.parseText("08:00:2b:ff:fe:01:02:03"), "08:00:2b:ff:fe:01:02:03");
  assert.throws(
    () => mac.parseBinary!(u8(1, 2, 3, 4, 5)),
    /Cannot decode macaddr: expected 6 bytes/,
  );
  assert.throws(() => mac8.parseBinary!(u8(1, 2, 3, 4, 5, 6)), /expected 8 bytes, got 6/);
  for (
    const t of ["", "08:00:2b:01:02", "08-00-2b-01-02-ff", "08:00:2B:01:02:FF", "08:00:2b:01:02:fg"]
  ) {
    assert.throws(() => mac.parseText(t), TypeError, t);
  }
  assert.throws(() => mac8.parseText("08:00:2b:01:02:ff"), TypeError);
  assert.equal(mac.serializeText("08-00-2B-01-02-03"), "08-00-2B-01-02-03");
  assert.equal(mac.serializeText("0800.2b01.0203"), "0800.2b01.0203");
  for (const v of ["", "08:00:2b:01:02:03/8", 5]) {
    assert.throws(() => mac.serializeText(v), TypeError);
  }
});
