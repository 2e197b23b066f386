/**
 * Cancellation and time limits against real servers: AbortSignal on running, pipelined and queued
 * queries and on streams, CancelRequest over TLS with 3.2's long key, queryTimeout, idleTimeout,
 * and dead-peer detection through a proxy that stops forwarding.
 *
 * @module
 */

import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import {
  type Client,
  connect,
  type ConnectClientOptions,
  ConnectionError,
  PostgresError,
  TimeoutError,
} from "../mod.ts";
import type { FrontendMessage } from "../src/protocol/messages.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient, plainConfig } from "./harness/clients.ts";
import { TcpProxy } from "./harness/tcp_proxy.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

/** Milliseconds since `start`. */
const since = (start: number): number => performance.now() - start;

/** A client through `port` on loopback (a proxy), with the scram user's password. */
function viaPort(
  server: TestServer,
  port: number,
  options?: ConnectClientOptions,
  extra: Record<string, unknown> = {},
): Promise<Client> {
  return connect({ ...plainConfig(server, port), connectTimeout: 2000, ...extra }, options);
}

/** Whether the backend `pid` is running a query right now. */
async function isActive(admin: Client, pid: number): Promise<boolean> {
  const { rows } = await admin.query<{ state: string }>(
    "select state from pg_stat_activity where pid = $1",
    [pid],
  );
  return rows[0]?.state === "active";
}

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test(
    { name: name("aborting a running query cancels it on the server"), ignore },
    async () => {
      await using db = await openClient(server);
      await using admin = await openClient(server);
      const controller = new AbortController();
      const running = db.query("select pg_sleep(30)", [], { signal: controller.signal });
      // Wait until the server is really running it.
      for (let i = 0; i < 100 && !(await isActive(admin, db.processId)); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const start = performance.now();
      const reason = new Error("user gave up");
      controller.abort(reason);
      await assert.rejects(running, (err) => err === reason);
      assert.ok(since(start) < 1000, "rejected at once");
      // The next query runs only after the server stopped the sleep: it must come back quickly.
      const { rows } = await db.query("select 1 as one");
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.ok(since(start) < 5000, `cancelled on the server (${since(start)} ms)`);
      assert.equal(db.state, "CONNECTION_OK");
    },
  );

  test({ name: name("an already aborted signal sends nothing"), ignore }, async () => {
    const sent: FrontendMessage[] = [];
    await using db = await openClient(server, "scram_user", {
      onTrace: (dir, msg) => dir === "F2B" && sent.push(msg as FrontendMessage),
    });
    const before = sent.length;
    await assert.rejects(
      db.query("select 1", [], { signal: AbortSignal.abort(new Error("no")) }),
      /no/,
    );
    assert.equal(sent.length, before);
    assert.deepEqual((await db.query("select 2 as n")).rows, [{ n: 2 }]);
  });

  test({ name: name("aborting queued work removes it unsent"), ignore }, async () => {
    const sent: FrontendMessage[] = [];
    await using db = await openClient(server, "scram_user", {
      onTrace: (dir, msg) => dir === "F2B" && sent.push(msg as FrontendMessage),
    });
    await db.query("create temp table abort_queued (n int)");
    const controller = new AbortController();
    let queued: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      // The client's own queries wait, unsent, until the transaction ends.
      queued = db.query("insert into abort_queued values (1)", [], { signal: controller.signal });
      queued.catch(() => {});
      await tx.query("select pg_sleep(0.1)");
      controller.abort(new Error("dropped"));
      await tx.query("insert into abort_queued values (2)");
    });
    await assert.rejects(queued!, /dropped/);
    const { rows } = await db.query("select n from abort_queued order by n");
    assert.deepEqual(rows, [{ n: 2 }]);
    const texts = sent.flatMap((m) => m.type === "Parse" ? [m.query] : []);
    assert.ok(!texts.includes("insert into abort_queued values (1)"), "never sent");
  });

  test(
    { name: name("aborting a pipelined query cancels it only once it runs"), ignore },
    async () => {
      await using db = await openClient(server);
      const controller = new AbortController();
      const first = db.query("select pg_sleep(0.3) is null as slept"); // ahead, not aborted
      const second = db.query("select pg_sleep(30)", [], { signal: controller.signal });
      second.catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      const start = performance.now();
      controller.abort(new Error("second only"));
      await assert.rejects(second, /second only/);
      // The first one is not the one cancelled.
      assert.deepEqual((await first).rows, [{ slept: false }]);
      assert.deepEqual((await db.query("select 3 as n")).rows, [{ n: 3 }]);
      assert.ok(since(start) < 5000, `second cancelled when it ran (${since(start)} ms)`);
    },
  );

  test({ name: name("queryTimeout per query and per client"), ignore }, async () => {
    await using db = await openClient(server, "scram_user", { queryTimeout: 300 });
    const start = performance.now();
    await assert.rejects(
      db.query("select pg_sleep(30)"),
      (err) => err instanceof TimeoutError && err.kind === "query" && err.timeout === 300,
    );
    assert.deepEqual((await db.query("select 4 as n")).rows, [{ n: 4 }]);
    assert.ok(since(start) < 5000);
    // A query's own limit overrides the client's; 0 turns it off.
    assert.deepEqual(
      (await db.query("select pg_sleep(0.5) is null as ok", [], { queryTimeout: 0 })).rows,
      [{ ok: false }],
    );
    await assert.rejects(
      db.query("select pg_sleep(30)", [], { queryTimeout: 100 }),
      (err) => err instanceof TimeoutError && err.timeout === 100,
    );
    // Sent right after a cancel of the query before it: the cancel must not hit this one (a
    // server may signal the backend twice for one cancel, as PG 15 does).
    await assert.rejects(db.simpleQuery("select pg_sleep(30)"), TimeoutError);
    // Inside a transaction the timeout aborts the transaction, which is then rolled back.
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("select pg_sleep(30)");
      }),
      TimeoutError,
    );
    assert.equal(db.transactionStatus, "I");
    assert.deepEqual((await db.query("select 5 as n")).rows, [{ n: 5 }]);
    await assert.rejects(
      openClient(server, "scram_user", { queryTimeout: -1 }),
      RangeError,
    );
  });

  test({ name: name("aborting a stream cancels the batch under way"), ignore }, async () => {
    await using db = await openClient(server);
    const controller = new AbortController();
    const rows: unknown[] = [];
    const start = performance.now();
    await assert.rejects(
      (async () => {
        for await (
          const row of db.stream(
            "select i, case when i = 3 then pg_sleep(30) end from generate_series(1, 5) i",
            [],
            { batchSize: 2, signal: controller.signal },
          )
        ) {
          rows.push(row);
          if (rows.length === 2) setTimeout(() => controller.abort(new Error("stop")), 100);
        }
      })(),
      /stop/,
    );
    assert.equal(rows.length, 2);
    assert.deepEqual((await db.query("select 6 as n")).rows, [{ n: 6 }]);
    assert.ok(since(start) < 5000);
    // Aborted between batches (the portal suspended): only closed, nothing to cancel.
    const c2 = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (
          const _ of db.stream("select i from generate_series(1, 100) i", [], {
            batchSize: 10,
            signal: c2.signal,
          })
        ) {
          if (++n === 15) c2.abort(new Error("enough"));
        }
      })(),
      /enough/,
    );
    assert.deepEqual((await db.query("select 7 as n")).rows, [{ n: 7 }]);
  });

  test(
    { name: name("connection.cancel() with nothing running is harmless"), ignore },
    async () => {
      await using db = await openClient(server);
      await db.connection.cancel();
      assert.deepEqual((await db.query("select 8 as n")).rows, [{ n: 8 }]);
    },
  );

  test(
    { name: name("the cancel goes over TLS when the connection does, with its own key"), ignore },
    async () => {
      using proxy = await TcpProxy.start(server.host, server.port);
      const sent: FrontendMessage[] = [];
      await using db = await viaPort(server, proxy.port, {
        onTrace: (dir, msg) => dir === "F2B" && sent.push(msg as FrontendMessage),
      }, {
        sslMode: "require",
        ...(server.major >= 18 ? { maxProtocolVersion: "3.2" } : {}),
      });
      assert.ok(db.tls !== undefined);
      assert.equal(db.secretKey.length, server.major >= 18 ? 32 : 4);
      const controller = new AbortController();
      const running = db.query("select pg_sleep(30)", [], { signal: controller.signal });
      running.catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      const start = performance.now();
      controller.abort(new Error("tls cancel"));
      await assert.rejects(running, /tls cancel/);
      assert.deepEqual((await db.query("select 9 as n")).rows, [{ n: 9 }]);
      assert.ok(since(start) < 5000);
      const cancel = sent.find((m) => m.type === "CancelRequest");
      assert.ok(cancel?.type === "CancelRequest");
      assert.equal(cancel.processId, db.processId);
      assert.deepEqual(cancel.secretKey, db.secretKey);
      // The second connection through the proxy (the cancel) began with an SSLRequest.
      assert.equal(proxy.firstBytes.length, 2);
      assert.deepEqual([...proxy.firstBytes[1]!.subarray(0, 8)], [0, 0, 0, 8, 4, 210, 22, 47]);
    },
  );

  test({ name: name("idleTimeout closes an idle client"), ignore }, async () => {
    await using db = await openClient(server, "scram_user", { idleTimeout: 200 });
    // Busy for longer than the limit: not closed meanwhile.
    await db.query("select pg_sleep(0.4)");
    assert.equal(db.state, "CONNECTION_OK");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(db.state, "CONNECTION_BAD");
    await assert.rejects(
      db.query("select 1"),
      (err) => err instanceof ConnectionError && err.retrySafe && /idle/.test(err.message),
    );
  });

  test(
    { name: name("a peer that vanishes mid-query is detected, not waited on forever"), ignore },
    async () => {
      using proxy = await TcpProxy.start(server.host, server.port);
      await using db = await viaPort(server, proxy.port, undefined, {
        keepalivesIdle: 1,
        keepalivesInterval: 1,
        keepalivesCount: 2,
      });
      const running = db.query("select pg_sleep(60)");
      running.catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      const start = performance.now();
      proxy.blackhole(true);
      await assert.rejects(
        running,
        (err) =>
          err instanceof ConnectionError && !err.retrySafe && /presumed dead/.test(err.message),
      );
      assert.ok(since(start) < 8000, `detected in ${since(start)} ms`);
      await assert.rejects(
        db.query("select 1"),
        (err) => err instanceof ConnectionError && err.retrySafe,
      );
    },
  );

  test(
    { name: name("a timed-out query on a vanished peer fails the connection, no hang"), ignore },
    async () => {
      // The server stays reachable (the cancel is delivered) but this connection's replies are
      // lost: after the cancel the server stays silent, so the connection is given up.
      using proxy = await TcpProxy.start(server.host, server.port);
      await using db = await viaPort(server, proxy.port, { queryTimeout: 300 }, {
        keepalives: false,
      });
      await db.query("select 1");
      proxy.blackhole(false);
      const start = performance.now();
      await assert.rejects(db.query("select pg_sleep(60)"), TimeoutError);
      await assert.rejects(
        db.query("select 2", [], { queryTimeout: 0 }),
        (err) => err instanceof ConnectionError,
      );
      assert.ok(since(start) < 8000, `gave up in ${since(start)} ms`);
      assert.equal(db.state, "CONNECTION_BAD");
      // A server killed the same way answers with an error, which the query gets.
      await using admin = await openClient(server);
      await using other = await openClient(server);
      const sleeping = other.query("select pg_sleep(30)");
      sleeping.catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      await admin.query("select pg_cancel_backend($1)", [other.processId]);
      await assert.rejects(sleeping, (err) => err instanceof PostgresError && err.code === "57014");
    },
  );
}
