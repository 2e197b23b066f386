import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { md5, md5Hex, md5PasswordMessage } from "./md5.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

test("md5Hex matches the RFC 1321 appendix A.5 test suite", () => {
  const vectors: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f",
    ],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ];
  for (const [input, expected] of vectors) assert.equal(md5Hex(encode(input)), expected, input);
});

test("md5 agrees with node:crypto at every length around the block boundaries", () => {
  for (let length = 0; length <= 200; length++) {
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = (i * 31 + length) & 0xff;
    const expected = createHash("md5").update(data).digest("hex");
    assert.equal(md5Hex(data), expected, `length ${length}`);
  }
  assert.equal(md5(new Uint8Array(0)).length, 16);
});

test("md5PasswordMessage follows PostgreSQL's md5 + md5(md5(password + user) + salt)", () => {
  const salt = new Uint8Array([0x93, 0x00, 0x7f, 0xff]);
  const inner = createHash("md5").update("secretpostgres").digest("hex");
  const expected = "md5" +
    createHash("md5").update(Buffer.concat([Buffer.from(inner), Buffer.from(salt)])).digest("hex");
  assert.equal(md5PasswordMessage("postgres", "secret", salt), expected);
});

test("md5PasswordMessage encodes non-ASCII user and password as UTF-8", () => {
  const salt = new Uint8Array([1, 2, 3, 4]);
  const inner = createHash("md5").update(Buffer.from("pässwörd" + "jürgen", "utf8")).digest("hex");
  const expected = "md5" +
    createHash("md5").update(Buffer.concat([Buffer.from(inner), Buffer.from(salt)])).digest("hex");
  assert.equal(md5PasswordMessage("jürgen", "pässwörd", salt), expected);
});

test("md5PasswordMessage matches literals computed with openssl md5", () => {
  // i=$(printf 'foobar' | openssl md5 -r | cut -c1-32); printf '%sabcd' "$i" | openssl md5 -r
  assert.equal(
    md5PasswordMessage("bar", "foo", encode("abcd")),
    "md5f159bdced6a9f4c4c195caf229b6154e",
  );
  // i=$(printf 'secretpostgres' | openssl md5 -r | cut -c1-32); printf '%s\x93\x00\x7f\xff' "$i" | ...
  const salt = new Uint8Array([0x93, 0x00, 0x7f, 0xff]);
  assert.equal(
    md5PasswordMessage("postgres", "secret", salt),
    "md5def8e3c9614455f40ebc734c69eb92d7",
  );
});

test("md5PasswordMessage rejects a salt that is not 4 bytes", () => {
  assert.throws(() => md5PasswordMessage("u", "p", new Uint8Array(3)), RangeError);
});
