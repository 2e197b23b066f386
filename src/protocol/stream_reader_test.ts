import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  BackendStreamReader,
  encodeBackendMessage,
  FrontendStreamReader,
  ProtocolError,
} from "./mod.ts";
import type { BackendMessage, FrontendMessage } from "./messages.ts";
import type { PasswordPacketKind } from "./frontend.ts";
import {
  BACKEND_GOLDEN,
  bytes,
  FRONTEND_GOLDEN,
  i32,
  tagged,
  untagged,
} from "./testdata/golden.ts";
import { normalize } from "./testdata/normalize.ts";

const BACKEND_STREAM = bytes(...BACKEND_GOLDEN.map((g) => g.wire));
const BACKEND_EXPECTED = BACKEND_GOLDEN.map((g) => normalize(g.message));

// The server-side stream: startup-phase packets first (the 3.0 StartupMessage last of them), then
// every tagged message. 'p' packets need the kind a server would know from its own requests.
const STARTUP_ORDER = ["SSLRequest", "GSSENCRequest", "CancelRequest", "StartupMessage"];
const FRONTEND_CASES = [
  ...FRONTEND_GOLDEN.filter((g) =>
    STARTUP_ORDER.includes(g.message.type) && !g.name.includes("3.2 with")
  )
    .sort((a, b) => STARTUP_ORDER.indexOf(a.message.type) - STARTUP_ORDER.indexOf(b.message.type)),
  ...FRONTEND_GOLDEN.filter((g) => !STARTUP_ORDER.includes(g.message.type)),
];
const FRONTEND_STREAM = bytes(...FRONTEND_CASES.map((g) => g.wire));
const FRONTEND_EXPECTED = FRONTEND_CASES.map((g) => normalize(g.message));
const KINDS = FRONTEND_CASES.map((g) => g.passwordKind ?? "PasswordMessage");

function readBackend(chunks: Uint8Array[]): unknown[] {
  const reader = new BackendStreamReader();
  const out: unknown[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let m: BackendMessage | undefined; (m = reader.next()) !== undefined;) {
      out.push(normalize(m));
    }
  }
  assert.equal(reader.buffered, 0);
  return out;
}

function readFrontend(chunks: Uint8Array[], kinds: PasswordPacketKind[]): unknown[] {
  const reader = new FrontendStreamReader();
  const out: unknown[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (;;) {
      reader.passwordKind = kinds[out.length] ?? "PasswordMessage";
      const m: FrontendMessage | undefined = reader.next();
      if (m === undefined) break;
      out.push(normalize(m));
    }
  }
  assert.equal(reader.buffered, 0);
  return out;
}

test("backend stream split in two at every byte offset", () => {
  for (let k = 0; k <= BACKEND_STREAM.length; k++) {
    const got = readBackend([BACKEND_STREAM.subarray(0, k), BACKEND_STREAM.subarray(k)]);
    assert.deepEqual(got, BACKEND_EXPECTED, `split at ${k}`);
  }
});

test("backend stream fed one byte at a time", () => {
  const chunks = Array.from(BACKEND_STREAM, (_, i) => BACKEND_STREAM.subarray(i, i + 1));
  assert.deepEqual(readBackend(chunks), BACKEND_EXPECTED);
});

test("frontend stream split in two at every byte offset", () => {
  for (let k = 0; k <= FRONTEND_STREAM.length; k++) {
    const got = readFrontend(
      [FRONTEND_STREAM.subarray(0, k), FRONTEND_STREAM.subarray(k)],
      KINDS,
    );
    assert.deepEqual(got, FRONTEND_EXPECTED, `split at ${k}`);
  }
});

test("frontend stream fed one byte at a time", () => {
  const chunks = Array.from(FRONTEND_STREAM, (_, i) => FRONTEND_STREAM.subarray(i, i + 1));
  assert.deepEqual(readFrontend(chunks, KINDS), FRONTEND_EXPECTED);
});

test("each golden message split at every offset into three chunks", () => {
  for (const g of BACKEND_GOLDEN) {
    const w = g.wire;
    for (let a = 0; a <= w.length; a++) {
      for (let b = a; b <= w.length; b++) {
        const got = readBackend([w.subarray(0, a), w.subarray(a, b), w.subarray(b)]);
        assert.deepEqual(got, [normalize(g.message)], `${g.name} at ${a}/${b}`);
      }
    }
  }
});

test("frontend reader switches to tagged messages only after StartupMessage", () => {
  const reader = new FrontendStreamReader();
  reader.push(bytes(i32(8), [0x04, 0xd2, 0x16, 0x2f]));
  assert.equal(reader.next()?.type, "SSLRequest");
  assert.equal(reader.startupPhase, true);
  reader.push(untagged(i32(196608), "user\0u\0", [0]));
  assert.equal(reader.next()?.type, "StartupMessage");
  assert.equal(reader.startupPhase, false);
  reader.push(tagged("Q", "select 1\0"));
  assert.equal(reader.next()?.type, "Query");
});

test("DataRow and CopyData inside one chunk are views of it (zero-copy)", () => {
  const chunk = bytes(tagged("D", [0, 1], i32(3), "abc"), tagged("d", "xyz"));
  const reader = new BackendStreamReader();
  reader.push(chunk);
  const row = reader.next();
  const copy = reader.next();
  assert.ok(row?.type === "DataRow" && copy?.type === "CopyData");
  assert.equal(row.field(0)!.buffer, chunk.buffer);
  assert.equal(copy.data.buffer, chunk.buffer);
});

function expectProtocolError(
  wire: Uint8Array,
  pattern: RegExp,
  options?: { maxMessageSize?: number },
): void {
  const reader = new BackendStreamReader(options);
  reader.push(wire);
  assert.throws(() => {
    while (reader.next() !== undefined);
  }, (err: unknown) => err instanceof ProtocolError && pattern.test(err.message));
  // A failed reader stays failed.
  assert.throws(() => reader.next(), ProtocolError);
}

test("malformed backend input raises ProtocolError saying what and where", () => {
  expectProtocolError(bytes([0x5a], i32(3)), /Invalid message length 3/);
  expectProtocolError(bytes([0x5a], i32(-1)), /Invalid message length -1/);
  expectProtocolError(bytes([0x44], i32(1000)), /exceeds the maximum of 100 bytes/, {
    maxMessageSize: 100,
  });
  expectProtocolError(tagged("D", [0, 1], i32(10), "abc"), /column 0 runs past the end/);
  expectProtocolError(tagged("D", [0, 1], i32(-2)), /column 0 has length -2/);
  expectProtocolError(tagged("D", [0, 2], i32(1), "a"), /length of column 1 runs past/);
  expectProtocolError(tagged("S", "name\0value"), /parameter value has no terminating NUL/);
  expectProtocolError(tagged("C", "SELECT 1\0x"), /1 unexpected trailing bytes/);
  expectProtocolError(tagged("?"), /Unknown backend message type '\?'/);
  expectProtocolError(tagged("Z", "Q"), /unknown transaction status 'Q'/);
  expectProtocolError(tagged("Z", "II"), /body has 2 bytes, expected 1/);
  expectProtocolError(tagged("R", i32(99)), /unknown authentication request code 99/);
  expectProtocolError(tagged("R", [0, 0]), /authentication code runs past the end/);
  expectProtocolError(tagged("K", i32(1), [1, 2]), /secret key has 2 bytes/);
  expectProtocolError(tagged("T", [0xff, 0xff]), /field count 65535 does not fit/);
  expectProtocolError(tagged("1", [0]), /ParseComplete message: 1 unexpected bytes/);
  expectProtocolError(tagged("v", i32(0), i32(1000)), /option count 1000 is impossible/);
  expectProtocolError(bytes(tagged("Z", "I"), tagged("Z", "X")), /stream offset 6/);
});

test("malformed frontend input raises ProtocolError", () => {
  const cases: [Uint8Array, RegExp][] = [
    [untagged(i32(0x00020000)), /unsupported protocol version 2.0/],
    [untagged(i32(80877105)), /unknown request code/],
    [bytes(i32(5), [0, 3, 0, 0, 0]), /Invalid message length 5 \(less than 8\)/],
    [bytes(i32(20000), i32(196608)), /exceeds the maximum of 10000 bytes/],
    [untagged(i32(196608), "user\0"), /no terminating NUL/],
    [untagged(i32(80877102), i32(1), [1]), /secret key has 1 bytes/],
  ];
  for (const [wire, pattern] of cases) {
    const reader = new FrontendStreamReader();
    reader.push(wire);
    assert.throws(
      () => {
        while (reader.next() !== undefined);
      },
      (err: unknown) => err instanceof ProtocolError && pattern.test(err.message),
      String(pattern),
    );
  }
});

test("an oversized declared length is refused before allocating", () => {
  const reader = new BackendStreamReader({ maxMessageSize: 1 << 20 });
  reader.push(bytes([0x44], i32(0x7fffffff)));
  assert.throws(() => reader.next(), /exceeds the maximum/);
});

test("push before the previous chunk was read is a programming error", () => {
  const reader = new BackendStreamReader();
  reader.push(bytes(tagged("Z", "I"), tagged("Z", "I")));
  reader.next();
  assert.throws(() => reader.push(new Uint8Array(1)), /has not been read/);
});

test("buffered counts a header whose body has not arrived", () => {
  const reader = new BackendStreamReader();
  const frame = encodeBackendMessage({ type: "CommandComplete", tag: "SELECT 1" });
  reader.push(frame.subarray(0, 5));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.buffered, 5);
  reader.push(frame.subarray(5, 7));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.buffered, 7);
  reader.push(frame.subarray(7));
  assert.equal(reader.next()?.type, "CommandComplete");
  assert.equal(reader.buffered, 0);
});
