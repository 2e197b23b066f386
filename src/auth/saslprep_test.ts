import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { saslprep, scramPassword } from "./saslprep.ts";
import { STRINGPREP_TABLES } from "./saslprep_tables.ts";

test("saslprep reproduces the examples of RFC 4013 section 3", () => {
  assert.deepEqual(saslprep("I\u00ADX"), { ok: true, value: "IX" }); // SOFT HYPHEN mapped to nothing
  assert.deepEqual(saslprep("user"), { ok: true, value: "user" });
  assert.deepEqual(saslprep("USER"), { ok: true, value: "USER" }); // case preserved
  assert.deepEqual(saslprep("\u00AA"), { ok: true, value: "a" }); // NFKC
  assert.deepEqual(saslprep("\u2168"), { ok: true, value: "IX" }); // ROMAN NUMERAL NINE, NFKC
  const control = saslprep("\u0007");
  assert.equal(control.ok, false);
  assert.match(!control.ok ? control.reason : "", /prohibited character U\+0007/);
  const bidi = saslprep("\u0627\u0031");
  assert.equal(bidi.ok, false);
  assert.match(!bidi.ok ? bidi.reason : "", /bidirectional/);
});

test("saslprep maps non-ASCII spaces to SPACE, U+200B included", () => {
  assert.deepEqual(saslprep("a\u00A0b\u3000c\u200Bd"), { ok: true, value: "a b c d" });
  assert.deepEqual(saslprep("a\uFEFFb\u200Dc"), { ok: true, value: "abc" });
});

test("saslprep rejects prohibited, unassigned and malformed input", () => {
  const cases: [string, RegExp][] = [
    ["a\u0080b", /prohibited character U\+0080/], // C.2.2
    ["a\uE000", /prohibited character U\+E000/], // C.3 private use
    ["a\uFDD0", /prohibited character U\+FDD0/], // C.4 non-character
    ["a\uFFFD", /prohibited character U\+FFFD/], // C.6
    ["a\u2FF0", /prohibited character U\+2FF0/], // C.7
    ["a\u200E", /prohibited character U\+200E/], // C.8
    ["a\u{E0041}", /prohibited character U\+E0041/], // C.9 tag
    ["a\u0221", /unassigned code point U\+0221/], // A.1
    ["a\u{1F600}", /unassigned code point U\+1F600/], // assigned only after Unicode 3.2
    ["a\uD800b", /unpaired surrogate/],
  ];
  for (const [input, reason] of cases) {
    const result = saslprep(input);
    assert.equal(result.ok, false, JSON.stringify(input));
    assert.match(!result.ok ? result.reason : "", reason);
  }
});

test("saslprep applies the bidirectional rules of RFC 3454 section 6", () => {
  assert.deepEqual(saslprep("\u0627\u0031\u0628"), { ok: true, value: "\u0627\u0031\u0628" });
  assert.deepEqual(saslprep("\u05D0"), { ok: true, value: "\u05D0" });
  assert.equal(saslprep("\u0627a\u0628").ok, false); // RandALCat mixed with LCat
  assert.equal(saslprep("1\u0627").ok, false); // does not start with RandALCat
  // TRADE MARK SIGN is not LCat, but its NFKC form "TM" is: the RFC checks the output.
  assert.equal(saslprep("\u05D0\u2122\u05D0").ok, false);
});

test("saslprep keeps an input that maps to nothing as the empty string", () => {
  assert.deepEqual(saslprep(""), { ok: true, value: "" });
  assert.deepEqual(saslprep("\u00AD"), { ok: true, value: "" });
});

test("scramPassword returns the SASLprep result when it succeeds", () => {
  assert.equal(scramPassword("I\u00ADX"), "IX");
  assert.equal(scramPassword("\u00AA"), "a");
  assert.equal(scramPassword("\u2168"), "IX");
  assert.equal(scramPassword("p\u00E4ss\u00A0w\u00F6rd"), "p\u00E4ss w\u00F6rd");
  assert.equal(scramPassword("\uFF21\uFF22"), "AB"); // fullwidth forms
});

test("scramPassword falls back to the raw password as libpq does", () => {
  assert.equal(scramPassword("\u0627\u0031"), "\u0627\u0031"); // bidi violation
  assert.equal(scramPassword("x\u0080y\u00E9"), "x\u0080y\u00E9"); // prohibited
  assert.equal(scramPassword("x\u0221\u00AA"), "x\u0221\u00AA"); // unassigned: not even NFKC
  assert.equal(scramPassword("\u00AD"), "\u00AD"); // maps to nothing: empty is refused
  assert.equal(scramPassword("\u00AD\u200D"), "\u00AD\u200D");
  assert.equal(scramPassword("a\uD800\u00AA"), "a\uD800\u00AA"); // not valid UTF-8 once encoded
});

test("scramPassword keeps pure ASCII as it is, control characters included", () => {
  assert.equal(scramPassword("\u0007bell"), "\u0007bell");
  assert.equal(scramPassword(""), "");
  assert.equal(scramPassword("pencil"), "pencil");
});

test("scramPassword checks the mapped, not normalized, characters as PostgreSQL does", () => {
  // pg_saslprep runs the prohibited and bidi checks on the mapped input, so TRADE MARK SIGN
  // (not LCat) passes, and the NFKC output "TM" is what the server hashed.
  assert.equal(scramPassword("\u05D0\u2122\u05D0"), "\u05D0TM\u05D0");
});

test("the stringprep tables are sorted, non-overlapping inclusive ranges", () => {
  for (const [name, table] of Object.entries(STRINGPREP_TABLES)) {
    assert.equal(table.length % 2, 0, name);
    for (let i = 0; i < table.length; i += 2) {
      assert.ok(table[i]! <= table[i + 1]!, `${name} range ${i / 2}`);
      if (i > 0) assert.ok(table[i - 1]! + 1 < table[i]!, `${name} range ${i / 2} not merged`);
    }
  }
  assert.equal(STRINGPREP_TABLES.unassigned.length / 2, 396);
  assert.equal(STRINGPREP_TABLES.lCat.length / 2, 360);
  assert.equal(STRINGPREP_TABLES.randAlCat.length / 2, 34);
  assert.deepEqual(STRINGPREP_TABLES.mappedToNothing.slice(0, 4), [0xad, 0xad, 0x34f, 0x34f]);
});

test("saslprep handles long inputs without overflowing the stack", () => {
  const long = "\u00E9".repeat(200_000);
  const result = saslprep(long);
  assert.equal(result.ok && result.value.length, 200_000);
  assert.equal(scramPassword(long).length, 200_000);
});
