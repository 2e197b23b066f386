/**
 * The transport of the runtime running the test (Deno's on Deno, Bun's own sockets on Bun,
 * `node:net` on Node), against a loopback echo server: many writes issued without waiting keep
 * their order and bytes, read chunks stay the caller's, and failures name the target. The same
 * file runs on all three runtimes.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Transport } from "../src/transport/transport.ts";
import { closedPort, listenLoopback } from "./harness/net.ts";
import { runtime, test } from "./harness/test.ts";

async function runtimeTransport(): Promise<Transport> {
  if (runtime === "deno") return (await import("../src/transport/deno.ts")).denoTransport;
  if (runtime === "bun") return (await import("../compat/bun_transport.ts")).bunTransport;
  return (await import("../compat/node.ts")).nodeTransport;
}

/** Deterministic bytes: position i holds (i * 7 + seed) & 0xff. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed) & 0xff;
  return bytes;
}

for (const mayUpgrade of [false, true]) {
  test(`${runtime} transport (mayUpgrade ${mayUpgrade}): 200 unawaited writes echo back in order, chunks kept intact`, async () => {
    const { server, port } = await listenLoopback((socket) => socket.pipe(socket));
    const transport = await runtimeTransport();
    const socket = await transport.connect({ kind: "tcp", host: "127.0.0.1", port }, {
      noDelay: true,
      mayUpgrade,
    });
    try {
      // Sizes from 1 byte to 1 MiB, about 30 MB in all: enough to fill every buffer on the way,
      // so some writes are taken only in part and must be finished in order.
      const sizes = Array.from({ length: 200 }, (_, i) => i % 10 === 0 ? 1 << 20 : 1 + i * 997);
      const writes = sizes.map((size, i) => socket.write(pattern(size, i)));
      const total = sizes.reduce((sum, size) => sum + size, 0);
      // Keep every chunk unread-over until the end: a transport that reused a read buffer would
      // corrupt the earlier ones.
      const chunks: Uint8Array[] = [];
      let received = 0;
      while (received < total) {
        const chunk = await socket.read();
        assert.ok(chunk !== null, `stream ended after ${received} of ${total} bytes`);
        chunks.push(chunk);
        received += chunk.length;
      }
      await Promise.all(writes);
      assert.equal(received, total);
      let chunk = 0;
      let offset = 0;
      for (let i = 0; i < sizes.length; i++) {
        const expected = pattern(sizes[i]!, i);
        for (let j = 0; j < expected.length; j++) {
          while (offset === chunks[chunk]!.length) {
            chunk++;
            offset = 0;
          }
          if (chunks[chunk]![offset] !== expected[j]) {
            assert.fail(`write ${i} byte ${j}: got ${chunks[chunk]![offset]}, sent ${expected[j]}`);
          }
          offset++;
        }
      }
    } finally {
      socket.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

test(`${runtime} transport: a refused connection names the target`, async () => {
  const port = await closedPort();
  const transport = await runtimeTransport();
  for (const mayUpgrade of [false, true]) {
    await assert.rejects(
      transport.connect({ kind: "tcp", host: "127.0.0.1", port }, { noDelay: true, mayUpgrade }),
      (error: Error) => error.message.includes(`127.0.0.1:${port}`),
    );
  }
});

test(`${runtime} transport: reads end with null after the peer closes, and close is idempotent`, async () => {
  const { server, port } = await listenLoopback((socket) => socket.end("bye"));
  const transport = await runtimeTransport();
  const socket = await transport.connect({ kind: "tcp", host: "127.0.0.1", port }, {
    noDelay: true,
    mayUpgrade: true,
  });
  try {
    let text = "";
    for (let chunk = await socket.read(); chunk !== null; chunk = await socket.read()) {
      text += new TextDecoder().decode(chunk);
    }
    assert.equal(text, "bye");
  } finally {
    socket.close();
    socket.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
