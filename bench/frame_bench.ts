/**
 * Frame-parsing throughput: pgline's BackendStreamReader against node-postgres's parser
 * (`pg-protocol`) and a bare copy of the same chunks, in one run, on one realistic server stream.
 *
 * Runtime-neutral: runs on Deno, Node and Bun. Alone it prints a table for the runtime it runs
 * on; `bench/all_runtimes.ts` runs it on each runtime with `--json` and prints one table.
 *
 * Run: `deno task bench` (or `deno run -A bench/frame_bench.ts [--mb 50] [--runs 7] [--quick]`;
 * on Node and Bun pg-protocol loads from `PGLINE_BENCH_PACKAGES`, see `bench/peers.ts`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import { BackendStreamReader, DataRow } from "../src/protocol/mod.ts";
import { BACKEND_TAGS } from "../src/protocol/backend.ts";
import { prng } from "../src/testdata/prng.ts";
import { emitResult, numberOption, parseArgs, runtimeInfo, type Skipped } from "./common.ts";
import { loadPgProtocolParser, PG_PROTOCOL_VERSION } from "./peers.ts";
import { type FrameReport, frameTable } from "./report.ts";

const args = parseArgs();
const quick = args.has("--quick");
const TARGET_MB = numberOption(args, "--mb", quick ? 5 : 50);
const RUNS = numberOption(args, "--runs", quick ? 3 : 7);
const CHUNK = 64 * 1024;
const BASELINE = `pg-protocol ${PG_PROTOCOL_VERSION} (node-postgres) parser`;

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

const skipped: Skipped[] = [];
let Parser: Awaited<ReturnType<typeof loadPgProtocolParser>> | undefined;
try {
  Parser = await loadPgProtocolParser();
} catch (error) {
  skipped.push({ name: BASELINE, reason: (error as Error).message });
}

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
];
if (Parser !== undefined) {
  const PgParser = Parser;
  cases.push({
    name: BASELINE,
    run: () => {
      const parser = new PgParser();
      let n = 0;
      const count = () => {
        n++;
      };
      for (const c of nodeChunks) parser.parse(c, count);
      return n;
    },
  });
}

const report: FrameReport = {
  runtime: runtimeInfo(),
  streamBytes: stream.length,
  messages: MESSAGES,
  chunks: chunks.length,
  chunkBytes: CHUNK,
  runs: RUNS,
  baseline: BASELINE,
  cases: [],
  skipped,
};
for (const c of cases) {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const n = c.run();
    const ms = performance.now() - t0;
    if (n !== MESSAGES) throw new Error(`${c.name} counted ${n} messages, expected ${MESSAGES}`);
    best = Math.min(best, ms);
  }
  report.cases.push({ name: c.name, bestMs: best });
}
if (args.has("--json")) {
  emitResult(report);
} else {
  console.log(frameTable([report]));
  if (skipped.length > 0) process.exitCode = 1;
}
