import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  BackendStreamReader,
  DataRow,
  decodeBackendMessage,
  decodeFrontendMessage,
  decodeStartupPacket,
  encodeBackendMessage,
  encodeFrontendMessage,
  FRAMES,
  FrontendStreamReader,
} from "./mod.ts";
import type { BackendMessage, FrontendMessage } from "./messages.ts";
import { BACKEND_GOLDEN, FRONTEND_GOLDEN, type Golden } from "./testdata/golden.ts";
import { normalize } from "./testdata/normalize.ts";

function bodyOf(wire: Uint8Array, untagged: boolean): [number, number, number] {
  return untagged ? [-1, 4, wire.length] : [wire[0]!, 5, wire.length];
}

function isUntagged(g: Golden<FrontendMessage>): boolean {
  return ["StartupMessage", "SSLRequest", "GSSENCRequest", "CancelRequest"].includes(
    g.message.type,
  );
}

function encodeBackend(msg: BackendMessage): Uint8Array {
  if (msg.type === "DataRow" && !(msg instanceof DataRow)) {
    const values = (msg as unknown as { values: (string | null)[] }).values;
    return encodeBackendMessage(DataRow.from(values));
  }
  return encodeBackendMessage(msg);
}

for (const g of FRONTEND_GOLDEN) {
  test(`golden frontend ${g.name}: decode`, () => {
    const [tag, start, end] = bodyOf(g.wire, isUntagged(g));
    const decoded = tag === -1
      ? decodeStartupPacket(g.wire, start, end)
      : decodeFrontendMessage(tag, g.wire, start, end, g.passwordKind);
    assert.deepEqual(normalize(decoded), normalize(g.message));
  });
  test(`golden frontend ${g.name}: encode`, () => {
    assert.deepEqual(encodeFrontendMessage(g.message), g.wire);
  });
}

for (const g of BACKEND_GOLDEN) {
  test(`golden backend ${g.name}: decode`, () => {
    const decoded = decodeBackendMessage(g.wire[0]!, g.wire, 5, g.wire.length);
    assert.deepEqual(normalize(decoded), normalize(g.message));
  });
  test(`golden backend ${g.name}: encode`, () => {
    assert.deepEqual(encodeBackend(g.message), g.wire);
  });
}

test("precomputed frames match their encodings", () => {
  assert.deepEqual(FRAMES.Sync, Uint8Array.of(0x53, 0, 0, 0, 4));
  assert.deepEqual(FRAMES.Flush, Uint8Array.of(0x48, 0, 0, 0, 4));
  assert.deepEqual(FRAMES.Terminate, Uint8Array.of(0x58, 0, 0, 0, 4));
  assert.deepEqual(FRAMES.CopyDone, Uint8Array.of(0x63, 0, 0, 0, 4));
  assert.deepEqual(FRAMES.SSLRequest, Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f));
  assert.deepEqual(FRAMES.GSSENCRequest, Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30));
});

test("round trip: encode then decode gives the message back (backend)", () => {
  for (const g of BACKEND_GOLDEN) {
    const wire = encodeBackend(g.message);
    const reader = new BackendStreamReader();
    reader.push(wire);
    assert.deepEqual(normalize(reader.next()), normalize(g.message), g.name);
    assert.equal(reader.next(), undefined);
  }
});

test("round trip: encode then decode gives the message back (frontend)", () => {
  for (const g of FRONTEND_GOLDEN) {
    const reader = new FrontendStreamReader();
    if (!isUntagged(g)) {
      reader.push(
        encodeFrontendMessage({
          type: "StartupMessage",
          protocolVersion: 196608,
          parameters: { user: "u" },
        }),
      );
      reader.next();
    }
    if (g.passwordKind) reader.passwordKind = g.passwordKind;
    reader.push(encodeFrontendMessage(g.message));
    assert.deepEqual(normalize(reader.next()), normalize(g.message), g.name);
    assert.equal(reader.next(), undefined);
  }
});

test("round trip of generated messages with edge values", () => {
  const big = "x".repeat(100_000);
  const msgs: FrontendMessage[] = [
    { type: "Query", sql: big },
    {
      type: "Parse",
      name: "",
      query: "",
      parameterTypes: Array.from({ length: 65535 }, (_, i) => i),
    },
    {
      type: "Bind",
      portal: "",
      statement: "",
      parameterFormats: [],
      parameters: Array.from({ length: 1000 }, (_, i) => i % 3 === 0 ? null : String(i)),
      resultFormats: [],
    },
    { type: "Execute", portal: "", maxRows: 2147483647 },
  ];
  for (const msg of msgs) {
    const wire = encodeFrontendMessage(msg);
    const reader = new FrontendStreamReader();
    reader.push(
      encodeFrontendMessage({
        type: "StartupMessage",
        protocolVersion: 196608,
        parameters: { user: "u" },
      }),
    );
    reader.next();
    reader.push(wire);
    const back = reader.next()!;
    assert.equal(back.type, msg.type);
    assert.deepEqual(encodeFrontendMessage(back), wire);
  }
});
