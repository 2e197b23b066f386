/**
 * Frame-parsing throughput: pgline's BackendStreamReader against node-postgres's parser
 * (`pg-protocol`) and a bare copy of the same chunks, in one run, on one realistic server stream.
 *
 * Run: `deno task bench` (or `deno run -A bench/frame_bench.ts [--mb 50] [--runs 7]`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
// Bench only: never a dependency of the library.
import { Parser } from "npm:pg-protocol@1.16.1/dist/parser.js";
import { BackendStreamReader, DataRow } from "../src/protocol/mod.ts";
import { BACKEND_TAGS } from "../src/protocol/backend.ts";
import { prng } from "../src/testdata/prng.ts";

const args = new Map<string, string>();
for (let i = 0; i < Deno.args.length; i += 2) args.set(Deno.args[i]!, Deno.args[i + 1] ?? "");
const TARGET_MB = Number(args.get("--mb") ?? 50);
const RUNS = Number(args.get("--runs") ?? 7);
const CHUNK = 64 * 1024;

/**
 * A server stream like `select id, name, email, created_at, note from t`: RowDescription, 1000
 * DataRows of mixed text widths (ints, short names, e-mails, timestamps, notes of 0-200 chars,
 * some NULLs), CommandComplete, ReadyForQuery; repeated until the target size.
 */
function buildStream(targetBytes: number): { bytes: Uint8Array; messages: number } {
  const rand = prng(42);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 0, messages = 0;
  const frame = (tag: number, body: Uint8Array) => {
    const m = new Uint8Array(5 + body.length);
    m[0] = tag;
    new DataView(m.buffer).setInt32(1, body.length + 4);
    m.set(body, 5);
    parts.push(m);
    size += m.length;
    messages++;
  };
  const cols = [["id", 23], ["name", 25], ["email", 25], ["created_at", 1184], [
    "note",
    25,
  ]] as const;
  const rd: number[] = [0, cols.length];
  for (const [name, oid] of cols) {
    rd.push(
      ...enc.encode(name),
      0,
      0,
      0,
      0x40,
      0,
      0,
      1,
      ...[0, 0, oid >> 8, oid & 255],
      0xff,
      0xff,
    );
    rd.push(0xff, 0xff, 0xff, 0xff, 0, 0);
  }
  const rowDescription = Uint8Array.from(rd);
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
  let id = 1;
  while (size < targetBytes) {
    frame(BACKEND_TAGS.RowDescription, rowDescription);
    for (let r = 0; r < 1000; r++, id++) {
      const name = words[Math.floor(rand() * 8)]! + " " + words[Math.floor(rand() * 8)]!;
      const values = [
        String(id),
        name,
        rand() < 0.1 ? null : `${name.replace(" ", ".")}${id}@example.com`,
        `2026-11-${String(1 + Math.floor(rand() * 28)).padStart(2, "0")} 12:34:56.${
          String(Math.floor(rand() * 1e6)).padStart(6, "0")
        }+00`,
        rand() < 0.2 ? null : "x".repeat(Math.floor(rand() * 200)),
      ];
      const encoded = values.map((v) => (v === null ? null : enc.encode(v)));
      const body = new Uint8Array(2 + encoded.reduce((n, v) => n + 4 + (v?.length ?? 0), 0));
      const view = new DataView(body.buffer);
      view.setInt16(0, encoded.length);
      let p = 2;
      for (const v of encoded) {
        view.setInt32(p, v === null ? -1 : v.length);
        p += 4;
        if (v) {
          body.set(v, p);
          p += v.length;
        }
      }
      frame(BACKEND_TAGS.DataRow, body);
    }
    frame(BACKEND_TAGS.CommandComplete, enc.encode("SELECT 1000\0"));
    frame(BACKEND_TAGS.ReadyForQuery, Uint8Array.of(0x49));
  }
  const bytes = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    bytes.set(part, p);
    p += part.length;
  }
  return { bytes, messages };
}

const { bytes: stream, messages: MESSAGES } = buildStream(TARGET_MB * 1024 * 1024);
const chunks: Uint8Array[] = [];
for (let p = 0; p < stream.length; p += CHUNK) chunks.push(stream.subarray(p, p + CHUNK));
const nodeChunks = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));

type Case = { name: string; run: () => number };

const cases: Case[] = [
  {
    name: "bare copy of the chunks (memory ceiling)",
    run: () => {
      const dst = new Uint8Array(CHUNK);
      let n = 0;
      for (const c of chunks) {
        dst.set(c);
        n += dst[0]!;
      }
      return n >= 0 ? MESSAGES : 0;
    },
  },
  {
    name: "pgline (a) framed + decoded, DataRow lazy",
    run: () => {
      const reader = new BackendStreamReader();
      let n = 0;
      for (const c of chunks) {
        reader.push(c);
        for (let m = reader.next(); m !== undefined; m = reader.next()) n++;
      }
      return n;
    },
  },
  {
    name: "pgline (b) every field as a string",
    run: () => {
      const reader = new BackendStreamReader();
      let n = 0;
      for (const c of chunks) {
        reader.push(c);
        for (let m = reader.next(); m !== undefined; m = reader.next()) {
          if (m instanceof DataRow) m.values();
          n++;
        }
      }
      return n;
    },
  },
  {
    name: "pg-protocol (node-postgres) parser",
    run: () => {
      const parser = new Parser();
      let n = 0;
      const count = () => {
        n++;
      };
      for (const c of nodeChunks) parser.parse(c, count);
      return n;
    },
  },
];

const results = new Map<string, number>();
console.log(
  `Frame parsing: ${(stream.length / 1048576).toFixed(1)} MiB, ${MESSAGES} messages, ` +
    `${chunks.length} chunks of 64 KiB; best of ${RUNS} runs; ${navigator.userAgent}`,
);
for (const c of cases) {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const n = c.run();
    const ms = performance.now() - t0;
    if (n !== MESSAGES) throw new Error(`${c.name} counted ${n} messages, expected ${MESSAGES}`);
    best = Math.min(best, ms);
  }
  results.set(c.name, best);
}
const baseline = results.get("pg-protocol (node-postgres) parser")!;
console.log(
  "| case | MB/s | messages/s | vs pg-protocol |\n|---|---:|---:|---:|",
);
for (const [name, ms] of results) {
  const mbs = stream.length / 1e6 / (ms / 1000);
  const mps = MESSAGES / (ms / 1000);
  console.log(
    `| ${name} | ${mbs.toFixed(0)} | ${(mps / 1e6).toFixed(2)}M | ${(baseline / ms).toFixed(2)}x |`,
  );
}
