import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { BackendStreamReader, DataRow, ProtocolError } from "./mod.ts";
import { bytes, i16, i32, tagged } from "./testdata/golden.ts";
import { prng } from "../testdata/prng.ts";

const reference = new TextDecoder("utf-8", { ignoreBOM: true });

const PIECES = [
  "a",
  "hello",
  "2026-11-21 10:00:00+00",
  "é",
  "€",
  "😀",
  "\uFEFF",
  "\uFEFFbom",
  "x".repeat(130),
];

function randomValue(rand: () => number): Uint8Array | null {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.2) {
    return Uint8Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * 256));
  }
  let s = "";
  for (let n = Math.floor(rand() * 4); n >= 0; n--) s += PIECES[Math.floor(rand() * PIECES.length)];
  return new TextEncoder().encode(s);
}

test("values() equals a plain UTF-8 decode of each field, however the stream is chunked", () => {
  const rand = prng(7);
  for (let round = 0; round < 300; round++) {
    const rows: (Uint8Array | null)[][] = [];
    const parts: Uint8Array[] = [];
    const ascii = rand() < 0.5; // half the rounds stay ASCII so the bulk path is taken
    for (let r = Math.floor(rand() * 20) + 1; r > 0; r--) {
      const values = Array.from({ length: Math.floor(rand() * 6) }, () => {
        const v = randomValue(rand);
        return ascii && v !== null ? v.map((b) => b & 0x7f) : v;
      });
      rows.push(values);
      parts.push(
        tagged(
          "D",
          i16(values.length),
          ...values.map((v) => v === null ? i32(-1) : bytes(i32(v.length), v)),
        ),
      );
      if (rand() < 0.2) parts.push(tagged("C", "SELECT 1\0"));
    }
    const stream = bytes(...parts);
    const reader = new BackendStreamReader();
    const got: (string | null)[][] = [];
    let pos = 0;
    while (pos < stream.length) {
      const n = 1 + Math.floor(rand() * 300);
      reader.push(stream.subarray(pos, pos + n));
      pos += n;
      for (let m = reader.next(); m; m = reader.next()) {
        if (m instanceof DataRow) got.push(m.values());
      }
    }
    const expected = rows.map((vs) => vs.map((v) => (v === null ? null : reference.decode(v))));
    assert.deepEqual(got, expected, `round ${round}`);
  }
});

test("a value starting with a byte order mark keeps it", () => {
  const row = DataRow.from(["\uFEFFx", "\uFEFF"]);
  assert.deepEqual(row.values(), ["\uFEFFx", "\uFEFF"]);
  assert.equal(row.text(0), "\uFEFFx");
});

test("field access: views, lengths, NULLs and range checks", () => {
  const row = DataRow.from(["abc", null, ""]);
  assert.equal(row.columnCount, 3);
  assert.deepEqual(row.field(0), new TextEncoder().encode("abc"));
  assert.equal(row.field(1), null);
  assert.equal(row.length(1), -1);
  assert.equal(row.text(2), "");
  assert.throws(() => row.field(3), RangeError);
  assert.throws(() => row.field(-1), RangeError);
});

test("DataRow column count is read as unsigned and checked against the body", () => {
  const reader = new BackendStreamReader();
  reader.push(tagged("D", [0xff, 0xff]));
  assert.throws(() => reader.next(), ProtocolError);
});
