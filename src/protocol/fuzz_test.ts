/**
 * Seeded fuzzing of both stream readers: random and mutated streams, split at random points. The
 * only failure allowed is ProtocolError; whatever decodes must format, re-encode and decode again
 * to the same thing.
 */
import { test } from "../../tests/harness/test.ts";
import process from "node:process";
import assert from "node:assert/strict";
import {
  BackendStreamReader,
  DataRow,
  encodeBackendMessage,
  encodeFrontendMessage,
  formatMessage,
  FrontendStreamReader,
  ProtocolError,
} from "./mod.ts";
import type { BackendMessage, FrontendMessage } from "./messages.ts";
import type { PasswordPacketKind } from "./frontend.ts";
import { BACKEND_GOLDEN, bytes, FRONTEND_GOLDEN, i32 } from "./testdata/golden.ts";
import { normalize } from "./testdata/normalize.ts";
import { prng } from "../testdata/prng.ts";

const SEED = Number(process.env["PGLINE_FUZZ_SEED"] ?? 0x5eed2026);
const CASES = Number(process.env["PGLINE_FUZZ_CASES"] ?? 50000);

const BACKEND_TAGS = "R K 2 3 C G H W d c D I E V v n N A t S 1 s Z T".split(" ");
const FRONTEND_TAGS = "p Q P B D E C S H X d c f F".split(" ");
const KINDS: PasswordPacketKind[] = [
  "PasswordMessage",
  "SASLInitialResponse",
  "SASLResponse",
  "GSSResponse",
];

function makeCase(rand: () => number, tags: string[], golden: Uint8Array[]): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const mode = int(4);
  if (mode === 0) {
    // Pure noise.
    return Uint8Array.from({ length: int(64) }, () => int(256));
  }
  if (mode === 1) {
    // Plausible frames: a known tag, a consistent length, a random body of small integers and NULs.
    const parts: Uint8Array[] = [];
    for (let n = int(4) + 1; n > 0; n--) {
      const body = Uint8Array.from(
        { length: int(40) },
        () => (rand() < 0.3 ? 0 : rand() < 0.5 ? int(4) : int(256)),
      );
      parts.push(bytes([tags[int(tags.length)]!.charCodeAt(0)], i32(body.length + 4), body));
    }
    return bytes(...parts);
  }
  // Mutations of real streams.
  const base = bytes(...Array.from({ length: int(4) + 1 }, () => golden[int(golden.length)]!));
  const out = Array.from(base);
  for (let n = int(4) + 1; n > 0; n--) {
    const at = int(out.length + 1);
    switch (int(5)) {
      case 0:
        out[at] = int(256);
        break;
      case 1:
        out.splice(at, int(8));
        break;
      case 2:
        out.splice(at, 0, ...Array.from({ length: int(8) }, () => int(256)));
        break;
      case 3:
        out[at] = [0, 0xff, 0x7f, 0x80][int(4)]!;
        break;
      default:
        out.length = at;
    }
  }
  return Uint8Array.from(out);
}

function splitRandomly(rand: () => number, wire: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let pos = 0;
  while (pos < wire.length) {
    const n = 1 + Math.floor(rand() * Math.min(32, wire.length - pos));
    chunks.push(wire.subarray(pos, pos + n));
    pos += n;
  }
  return chunks;
}

function exercise(msg: BackendMessage | FrontendMessage): void {
  formatMessage(msg);
  if (msg instanceof DataRow) {
    // The bulk text path must agree with decoding each field on its own.
    const reference = new TextDecoder("utf-8", { ignoreBOM: true });
    const expected = msg.fields().map((f) => (f === null ? null : reference.decode(f)));
    assert.deepEqual(msg.values(), expected);
  }
}

test(`fuzz: backend reader (seed ${SEED}, ${CASES} cases) fails only with ProtocolError`, () => {
  console.log(`fuzz seed ${SEED} (set PGLINE_FUZZ_SEED to replay), ${CASES} cases`);
  const rand = prng(SEED);
  const golden = BACKEND_GOLDEN.map((g) => g.wire);
  let decoded = 0, rejected = 0;
  for (let i = 0; i < CASES; i++) {
    const wire = makeCase(rand, BACKEND_TAGS, golden);
    const reader = new BackendStreamReader({ maxMessageSize: 4096 });
    try {
      for (const chunk of splitRandomly(rand, wire)) {
        reader.push(chunk);
        for (let m = reader.next(); m !== undefined; m = reader.next()) {
          decoded++;
          exercise(m);
          const again = new BackendStreamReader();
          again.push(encodeBackendMessage(m));
          assert.deepEqual(normalize(again.next()), normalize(m), `case ${i}`);
        }
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        throw new Error(`case ${i} (seed ${SEED}) threw ${err}: ${Array.from(wire)}`, {
          cause: err,
        });
      }
      rejected++;
    }
  }
  console.log(`backend: ${decoded} messages decoded, ${rejected} streams rejected`);
  assert.ok(decoded > CASES / 10 && rejected > CASES / 10);
});

test(`fuzz: frontend reader (seed ${SEED}, ${CASES} cases) fails only with ProtocolError`, () => {
  const rand = prng(SEED ^ 0xf00d);
  const golden = FRONTEND_GOLDEN.filter((g) => g.wire[0] !== 0).map((g) => g.wire);
  const startup = FRONTEND_GOLDEN.filter((g) => g.wire[0] === 0).map((g) => g.wire);
  let decoded = 0, rejected = 0;
  for (let i = 0; i < CASES; i++) {
    // Half the cases start in the startup phase, half after a valid StartupMessage.
    const inStartup = rand() < 0.5;
    const wire = makeCase(rand, FRONTEND_TAGS, inStartup ? startup : golden);
    const reader = new FrontendStreamReader({ maxMessageSize: 4096 });
    try {
      if (!inStartup) {
        reader.push(FRONTEND_GOLDEN[0]!.wire);
        reader.next();
      }
      for (const chunk of splitRandomly(rand, wire)) {
        reader.push(chunk);
        for (;;) {
          reader.passwordKind = KINDS[Math.floor(rand() * 4)]!;
          const kind = reader.passwordKind;
          const m = reader.next();
          if (m === undefined) break;
          decoded++;
          exercise(m);
          const again = new FrontendStreamReader();
          if (!reader.startupPhase && m.type !== "StartupMessage") {
            again.push(FRONTEND_GOLDEN[0]!.wire);
            again.next();
          }
          again.passwordKind = kind;
          again.push(encodeFrontendMessage(m));
          assert.deepEqual(normalize(again.next()), normalize(m), `case ${i}`);
        }
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        throw new Error(`case ${i} (seed ${SEED}) threw ${err}: ${Array.from(wire)}`, {
          cause: err,
        });
      }
      rejected++;
    }
  }
  console.log(`frontend: ${decoded} messages decoded, ${rejected} streams rejected`);
  assert.ok(decoded > CASES / 10 && rejected > CASES / 10);
});
