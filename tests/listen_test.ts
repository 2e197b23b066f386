/**
 * LISTEN/NOTIFY against real servers (PG 18 and PG 15): delivery in order, several handlers per
 * channel with one LISTEN, UNLISTEN with the last, exact-case and quoted channel names, disposal,
 * handlers that throw, a pool's listening connection that comes back after
 * `pg_terminate_backend`; and the ParameterStatus and notice callbacks.
 */
import { captureUncaught, test } from "./harness/test.ts";
import assert from "node:assert/strict";
import type { Client, ConnectClientOptions, Notification } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient, openPool } from "./harness/clients.ts";
import { TcpProxy } from "./harness/tcp_proxy.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

function open(server: TestServer, options?: ConnectClientOptions): Promise<Client> {
  return openClient(server, "scram_user", options);
}

/** A channel name no other test uses. */
function channel(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function listening(db: Client): Promise<string[]> {
  const { rows } = await db.query<{ c: string }>("select pg_listening_channels() as c order by 1");
  return rows.map((r) => r.c);
}

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test({ name: name("listen and notify: payload and sender"), ignore }, async () => {
    await using listener = await open(server);
    await using sender = await open(server);
    const ch = channel("jobs");
    const got: [string, Notification][] = [];
    await using _sub = await listener.listen(ch, (payload, n) => void got.push([payload, n]));
    await sender.notify(ch, "hello");
    await sender.notify(ch);
    await until(() => got.length === 2, 5_000, "two notifications");
    assert.equal(got[0]![0], "hello");
    assert.deepEqual(got[0]![1], { processId: sender.processId, channel: ch, payload: "hello" });
    assert.equal(got[1]![0], "");
    // The listening connection still runs queries.
    assert.deepEqual((await listener.query("select 1 as n")).rows, [{ n: 1 }]);
  });

  test({ name: name("1000 notifications arrive in order"), ignore }, async () => {
    await using listener = await open(server);
    await using sender = await open(server);
    const ch = channel("order");
    const got: number[] = [];
    await using _sub = await listener.listen(ch, (payload) => void got.push(Number(payload)));
    // Pipelined: each one commits on its own, in order.
    await Promise.all(Array.from({ length: 500 }, (_, i) => sender.notify(ch, String(i))));
    // And 500 more from one transaction.
    await sender.query("select pg_notify($1, i::text) from generate_series(500, 999) i", [ch]);
    await until(() => got.length >= 1000, 10_000, "1000 notifications");
    assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i));
  });

  test(
    { name: name("two handlers share one LISTEN; UNLISTEN goes with the last"), ignore },
    async () => {
      const sent: string[] = [];
      await using db = await open(server, {
        onTrace: (direction, msg) => {
          if (direction === "F2B" && msg.type === "Query" && /LISTEN/.test(msg.sql)) {
            sent.push(msg.sql);
          }
        },
      });
      const ch = channel("two");
      const a: string[] = [];
      const b: string[] = [];
      const subA = await db.listen(ch, (p) => void a.push(p));
      const subB = await db.listen(ch, (p) => void b.push(p));
      assert.deepEqual(sent, [`LISTEN "${ch}"`]);
      assert.deepEqual(await listening(db), [ch]);
      await db.notify(ch, "1");
      await until(() => a.length === 1 && b.length === 1, 5_000, "both handlers");
      await subA.unlisten();
      await subA.unlisten(); // Twice is harmless.
      assert.deepEqual(await listening(db), [ch]);
      await db.notify(ch, "2");
      await until(() => b.length === 2, 5_000, "the remaining handler");
      assert.deepEqual(a, ["1"]);
      await subB.unlisten();
      assert.deepEqual(sent, [`LISTEN "${ch}"`, `UNLISTEN "${ch}"`]);
      assert.deepEqual(await listening(db), []);
      // The same function twice is two subscriptions.
      const c: string[] = [];
      const handler = (p: string) => void c.push(p);
      const s1 = await db.listen(ch, handler);
      const s2 = await db.listen(ch, handler);
      await db.notify(ch, "3");
      await until(() => c.length === 2, 5_000, "both subscriptions");
      await s1.unlisten();
      await db.notify(ch, "4");
      await until(() => c.length === 3, 5_000, "one subscription");
      await s2.unlisten();
      assert.deepEqual(c, ["3", "3", "4"]);
    },
  );

  test({ name: name("channel names keep their case and quotes"), ignore }, async () => {
    await using db = await open(server);
    const odd = `Mixed "Case" ${crypto.randomUUID().slice(0, 6)}; drop`;
    const got: string[] = [];
    const lower: string[] = [];
    await using _a = await db.listen(odd, (p) => void got.push(p));
    await using _b = await db.listen(odd.toLowerCase(), (p) => void lower.push(p));
    assert.deepEqual((await listening(db)).sort(), [odd, odd.toLowerCase()].sort());
    await db.notify(odd, "exact");
    await db.notify(odd.toLowerCase(), "lower");
    await until(() => got.length === 1 && lower.length === 1, 5_000, "both channels");
    assert.deepEqual([got, lower], [["exact"], ["lower"]]);
    await assert.rejects(db.listen("", () => {}), TypeError);
    await assert.rejects(db.listen("x".repeat(64), () => {}), RangeError);
    await assert.rejects(db.listen("nul\0", () => {}), TypeError);
  });

  test({ name: name("await using unlistens at the end of the block"), ignore }, async () => {
    await using db = await open(server);
    const ch = channel("scoped");
    const got: string[] = [];
    {
      await using _sub = await db.listen(ch, (p) => void got.push(p));
      assert.deepEqual(await listening(db), [ch]);
      await db.notify(ch, "in");
      await until(() => got.length === 1, 5_000, "the notification");
    }
    assert.deepEqual(await listening(db), []);
    await db.notify(ch, "out");
    await db.query("select pg_sleep(0.05)");
    assert.deepEqual(got, ["in"]);
  });

  test(
    { name: name("a handler that throws is reported; the connection goes on"), ignore },
    async () => {
      const reported: unknown[] = [];
      const stopCapture = captureUncaught((e) => reported.push(e));
      try {
        await using db = await open(server);
        const ch = channel("throws");
        const good: string[] = [];
        await using _bad = await db.listen(ch, (p) => {
          throw new Error(`bad ${p}`);
        });
        await using _async = await db.listen(ch, (p) => Promise.reject(new Error(`async ${p}`)));
        await using _good = await db.listen(ch, (p) => void good.push(p));
        await db.notify(ch, "1");
        await db.notify(ch, "2");
        await until(() => good.length === 2 && reported.length === 4, 5_000, "reports");
        assert.deepEqual(good, ["1", "2"]);
        assert.deepEqual(
          reported.map((e) => (e as Error).message).sort(),
          ["async 1", "async 2", "bad 1", "bad 2"],
        );
        assert.equal(db.state, "CONNECTION_OK");
        assert.deepEqual((await db.query("select 2 as n")).rows, [{ n: 2 }]);
      } finally {
        stopCapture();
      }
    },
  );

  test(
    { name: name("pool listen: re-LISTENs after its connection is terminated"), ignore },
    async () => {
      await using pool = openPool(server, { max: 2 });
      await using admin = await open(server);
      const ch = channel("pool");
      const other = channel("pool_other");
      const got: string[] = [];
      const otherGot: string[] = [];
      await using _sub = await pool.listen(ch, (p) => void got.push(p));
      await using _other = await pool.listen(other, (p) => void otherGot.push(p));
      assert.equal(pool.total, 0, "the listening connection is not one of max");
      await pool.notify(ch, "before");
      await until(() => got.length === 1, 5_000, "the first notification");
      const first = pool.listenerStatus!.processId!;
      assert.ok(first > 0);
      const [killed] = await admin.sql`select pg_terminate_backend(${first}) as ok`;
      assert.equal(killed!.ok, true);
      // Notifications sent while it is down are lost; keep sending until one gets through.
      let n = 0;
      const deadline = Date.now() + 10_000;
      while (!got.some((p) => p.startsWith("after"))) {
        assert.ok(Date.now() < deadline, "no notification arrived after the reconnect");
        await pool.notify(ch, `after ${n++}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const second = pool.listenerStatus!.processId;
      assert.ok(second !== undefined && second !== first);
      assert.equal(pool.listenerStatus!.reconnects, 1);
      // Every channel came back.
      await pool.notify(other, "x");
      await until(() => otherGot.length === 1, 5_000, "the other channel");
      const { rows } = await admin.query<{ c: string }>(
        "select count(*)::int as c from pg_stat_activity where pid = $1",
        [second],
      );
      assert.deepEqual(rows, [{ c: 1 }]);
    },
  );

  test(
    { name: name("pool listen: a connection whose peer vanished is noticed and replaced"), ignore },
    async () => {
      // The listening session's bytes stop flowing both ways, but the socket stays open: without
      // the heartbeat an idle LISTEN session would wait forever and lose every notification.
      using proxy = await TcpProxy.start(server.host, server.port);
      await using pool = openPool(server, {
        max: 1,
        connectTimeout: 1_000,
        listenHeartbeat: 300,
      }, proxy.port);
      await using sender = await open(server);
      const ch = channel("pool_vanish");
      const got: string[] = [];
      await using _sub = await pool.listen(ch, (p) => void got.push(p));
      await sender.notify(ch, "before");
      await until(() => got.length === 1, 5_000, "the first notification");
      const first = pool.listenerStatus!.processId;
      proxy.blackhole(false); // Open connections go silent; new ones still work.
      let n = 0;
      const deadline = Date.now() + 15_000;
      while (!got.some((p) => p.startsWith("after"))) {
        assert.ok(Date.now() < deadline, "the vanished listening connection was never replaced");
        await sender.notify(ch, `after ${n++}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.notEqual(pool.listenerStatus!.processId, first);
      assert.ok(pool.listenerStatus!.reconnects >= 1);
    },
  );

  test(
    { name: name("pool listen: backs off while the server is unreachable, then returns"), ignore },
    async () => {
      using proxy = await TcpProxy.start(server.host, server.port);
      let attempts = 0;
      await using pool = openPool(server, {
        max: 1,
        connectTimeout: 1_000,
        onState: (state) => void (state === "CONNECTION_NEEDED" && attempts++),
      }, proxy.port);
      await using sender = await open(server);
      const ch = channel("pool_gone");
      const got: string[] = [];
      await using _sub = await pool.listen(ch, (p) => void got.push(p));
      const before = attempts;
      proxy.cutAll();
      proxy.blackhole(true); // New connections are refused.
      await new Promise((r) => setTimeout(r, 1_000));
      // Attempts about 100, 300 and 700 ms after the death is noticed (within 250 ms): a few,
      // not a storm.
      const during = attempts - before;
      assert.ok(during >= 2 && during <= 4, `${during} attempts in 1 s`);
      await proxy.resume();
      let n = 0;
      const deadline = Date.now() + 15_000;
      while (got.length === 0) {
        assert.ok(Date.now() < deadline, "no notification arrived after the server came back");
        await sender.notify(ch, `back ${n++}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(pool.listenerStatus!.reconnects >= 1);
    },
  );

  test({ name: name("pool listen, unlisten, and close"), ignore }, async () => {
    const pool = openPool(server, { max: 1 });
    const ch = channel("pool_un");
    const got: string[] = [];
    const sub = await pool.listen(ch, (p) => void got.push(p));
    await pool.notify(ch, "1");
    await until(() => got.length === 1, 5_000, "the notification");
    await sub.unlisten();
    await pool.notify(ch, "2");
    await pool.query("select pg_sleep(0.05)");
    assert.deepEqual(got, ["1"]);
    await pool.close();
    await assert.rejects(pool.listen(ch, () => {}), /Pool is closed/);
  });

  test(
    { name: name("onParameterStatus sees SET of a reported setting"), ignore },
    async () => {
      const seen: [string, string][] = [];
      await using db = await open(server, { onParameterStatus: (n, v) => void seen.push([n, v]) });
      await db.query("set application_name = 'pgline param test'");
      assert.deepEqual(seen, [["application_name", "pgline param test"]]);
      assert.equal(db.parameters.get("application_name"), "pgline param test");
      await db.query("set TimeZone = 'Asia/Tokyo'");
      assert.deepEqual(seen.at(-1), ["TimeZone", "Asia/Tokyo"]);
      // No change, no report.
      await db.query("set TimeZone = 'Asia/Tokyo'");
      assert.equal(seen.length, 2);
    },
  );

  test({ name: name("onNotice sees RAISE NOTICE from a DO block"), ignore }, async () => {
    const notices: Record<string, string | number>[] = [];
    await using db = await open(server, { onNotice: (n) => void notices.push(n) });
    await db.query("do $$ begin raise notice 'hello %', 42; raise warning 'careful'; end $$");
    assert.equal(notices.length, 2);
    assert.equal(notices[0]!.message, "hello 42");
    assert.equal(notices[0]!.severity, "NOTICE");
    assert.equal(notices[0]!.code, "00000");
    assert.equal(notices[1]!.message, "careful");
    assert.equal(notices[1]!.severity, "WARNING");
    assert.equal(notices[1]!.code, "01000");
  });
}
