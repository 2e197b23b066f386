import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { ChunkQueue } from "./async_queue.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

test("ChunkQueue hands out chunks in order, then null after end", async () => {
  const queue = new ChunkQueue();
  queue.push(bytes(1));
  queue.push(bytes(2, 3));
  queue.push(bytes());
  assert.equal(queue.queuedBytes, 3);
  queue.end();
  queue.push(bytes(9));
  assert.deepEqual(await queue.read(), bytes(1));
  assert.deepEqual(await queue.read(), bytes(2, 3));
  assert.equal(queue.queuedBytes, 0);
  assert.equal(await queue.read(), null);
  assert.equal(await queue.read(), null);
});

test("ChunkQueue resolves a pending read on push, end and fail", async () => {
  const queue = new ChunkQueue();
  const first = queue.read();
  queue.push(bytes(7));
  assert.deepEqual(await first, bytes(7));

  const second = queue.read();
  queue.end();
  assert.equal(await second, null);

  const failing = new ChunkQueue();
  const third = failing.read();
  const error = new Error("boom");
  failing.fail(error);
  await assert.rejects(third, (e) => e === error);
  assert.equal(await failing.read(), null);
});

test("ChunkQueue delivers data queued before a failure, then the error once", async () => {
  const queue = new ChunkQueue();
  const error = new Error("reset");
  queue.push(bytes(1, 2));
  queue.fail(error);
  queue.fail(new Error("later"));
  queue.end();
  assert.equal(queue.done, true);
  assert.deepEqual(await queue.read(), bytes(1, 2));
  await assert.rejects(queue.read(), (e) => e === error);
  assert.equal(await queue.read(), null);
});

test("ChunkQueue clear drops queued data and resolves a pending read with null", async () => {
  const queue = new ChunkQueue();
  queue.push(bytes(1));
  queue.fail(new Error("ignored by clear"));
  queue.clear();
  assert.equal(queue.queuedBytes, 0);
  assert.equal(await queue.read(), null);

  const idle = new ChunkQueue();
  const pending = idle.read();
  idle.clear();
  assert.equal(await pending, null);
});

test("ChunkQueue refuses a second concurrent read", async () => {
  const queue = new ChunkQueue();
  const first = queue.read();
  await assert.rejects(queue.read(), /another read is already pending/);
  queue.end();
  assert.equal(await first, null);
});

test("ChunkQueue calls onDrain when a read brings it to the low-water mark", async () => {
  let drained = 0;
  const queue = new ChunkQueue({ lowWaterMark: 2, onDrain: () => drained++ });
  queue.push(bytes(1, 2));
  queue.push(bytes(3, 4));
  await queue.read();
  assert.equal(drained, 1);
  await queue.read();
  assert.equal(drained, 2);
  queue.push(bytes(5));
  queue.end();
  await queue.read();
  assert.equal(drained, 2, "no drain callback once the stream has ended");
});

test("ChunkQueue keeps order across many chunks (compaction)", async () => {
  const queue = new ChunkQueue();
  const total = 5000;
  for (let i = 0; i < total; i++) queue.push(bytes(i & 0xff, i >> 8));
  for (let i = 0; i < total; i++) {
    if (i === 3000) {
      for (let j = total; j < total + 10; j++) queue.push(bytes(j & 0xff, j >> 8));
    }
    assert.deepEqual(await queue.read(), bytes(i & 0xff, i >> 8));
  }
  for (let j = total; j < total + 10; j++) {
    assert.deepEqual(await queue.read(), bytes(j & 0xff, j >> 8));
  }
  assert.equal(queue.queuedBytes, 0);
});
