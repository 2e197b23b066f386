/**
 * The query API against real servers (PG 18 and PG 15): extended and simple protocol, automatic
 * pipelining, error isolation, the statement cache (LRU, invalidated plans, unnamed mode), rows as
 * objects or arrays, streaming through portals, and errors with every field and the caller's
 * stack.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { type Client, ConnectionError, PostgresError } from "../mod.ts";
import type { ConnectClientOptions } from "../mod.ts";
import { SQLSTATE } from "../src/sqlstate.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";
import { openClient } from "./harness/clients.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

function open(server: TestServer, options?: ConnectClientOptions): Promise<Client> {
  return openClient(server, "scram_user", options);
}

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test({ name: name("query with parameters gives typed rows"), ignore }, async () => {
    await using db = await open(server);
    const r = await db.query("select $1::int + 1 as n, $2::text as t, $3::bool as b", [
      41,
      "x",
      true,
    ]);
    assert.deepEqual(r.rows, [{ n: 42, t: "x", b: true }]);
    assert.equal(r.command, "SELECT");
    assert.equal(r.rowCount, 1);
    assert.deepEqual(r.fields.map((f) => [f.name, f.typeOid]), [["n", 23], ["t", 25], ["b", 16]]);
    // The second run uses the prepared statement and binary results: same values.
    const again = await db.query("select $1::int + 1 as n, $2::text as t, $3::bool as b", [
      41,
      "x",
      true,
    ]);
    assert.deepEqual(again.rows, r.rows);
    assert.equal(again.fields[0]!.format, 1);
  });

  test({ name: name("no parameters, DDL and DML give command tags"), ignore }, async () => {
    await using db = await open(server);
    const c = await db.query("create temp table t (id int primary key, v text)");
    assert.equal(c.command, "CREATE");
    assert.equal(c.rowCount, undefined);
    const ins = await db.query("insert into t values (1, 'a'), (2, 'b'), (3, null)");
    assert.equal(ins.command, "INSERT");
    assert.equal(ins.rowCount, 3);
    const up = await db.query("update t set v = $1 where id > $2", ["z", 1]);
    assert.equal(up.tag, "UPDATE 2");
    const sel = await db.query("select * from t order by id", [], { rowMode: "array" });
    assert.deepEqual(sel.rows, [[1, "a"], [2, "z"], [3, "z"]]);
    const empty = await db.query("select * from t where false");
    assert.deepEqual(empty.rows, []);
    assert.equal(empty.fields.length, 2);
  });

  test(
    { name: name("simple protocol: several statements, several results"), ignore },
    async () => {
      await using db = await open(server);
      const results = await db.simpleQuery(
        "select 1 as a; select 'x' as b, null as c; set search_path = public",
      );
      assert.equal(results.length, 3);
      assert.deepEqual(results[0]!.rows, [{ a: 1 }]);
      assert.deepEqual(results[1]!.rows, [{ b: "x", c: null }]);
      assert.equal(results[2]!.command, "SET");
      const [empty] = await db.simpleQuery("");
      assert.equal(empty?.command, "");
      await assert.rejects(db.simpleQuery("select 1; select 1/0; select 3"), (e: unknown) => {
        assert.ok(e instanceof PostgresError);
        assert.equal(e.code, SQLSTATE.DIVISION_BY_ZERO);
        return true;
      });
    },
  );

  test(
    { name: name("pipelining: many queries in flight, results in order"), ignore },
    async () => {
      await using db = await open(server);
      const n = 2000;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => db.query("select $1::int * 2 as d", [i])),
      );
      results.forEach((r, i) => assert.equal(r.rows[0]!.d, i * 2));
      // Several different statements interleaved, also through the tagged template.
      const mixed = await Promise.all(
        Array.from(
          { length: 300 },
          (_, i) =>
            i % 3 === 0
              ? db.sql`select ${i}::int as v`.then((rows) => rows[0]!.v)
              : i % 3 === 1
              ? db.query("select $1::text as v", [String(i)]).then((r) => Number(r.rows[0]!.v))
              : db.simpleQuery(`select ${i} as v`).then((r) => r[0]!.rows[0]!.v),
        ),
      );
      assert.deepEqual(
        mixed,
        Array.from({ length: 300 }, (_, i) => i),
      );
      assert.equal(db.connection.pendingCount, 0);
    },
  );

  test(
    { name: name("an error in one pipelined query does not poison the others"), ignore },
    async () => {
      await using db = await open(server);
      const settled = await Promise.allSettled([
        db.query("select 1 as a"),
        db.query("select 1/0"),
        db.query("select $1::int as a", ["not a number"]),
        db.query("select nope from nowhere"),
        db.query("select 2 as a"),
        db.query("select nope from nowhere"), // the same failing text again
        db.query("select 3 as a"),
      ]);
      const codes = settled.map((s) =>
        s.status === "fulfilled" ? s.value.rows[0]!.a : (s.reason as PostgresError).code
      );
      assert.deepEqual(codes, [1, "22012", "22P02", "42P01", 2, "42P01", 3]);
      assert.equal(db.transactionStatus, "I");
      assert.deepEqual((await db.query("select 4 as a")).rows, [{ a: 4 }]);
    },
  );

  test(
    { name: name("PostgresError: every field, the query, and the caller's stack"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table e (id int primary key, v int check (v > 0))");
      await db.query("insert into e values (1, 1)");
      const err = await db.query("insert into e values ($1, $2)", [1, 5]).catch((e) => e);
      assert.ok(err instanceof PostgresError);
      assert.equal(err.code, SQLSTATE.UNIQUE_VIOLATION);
      assert.equal(err.severity, "ERROR");
      assert.equal(err.constraint, "e_pkey");
      assert.equal(err.table, "e");
      assert.ok(err.schema?.startsWith("pg_temp"));
      assert.match(err.detail ?? "", /Key \(id\)=\(1\) already exists/);
      assert.equal(err.query, "insert into e values ($1, $2)");
      assert.equal(typeof err.file, "string");
      assert.equal(typeof err.routine, "string");
      assert.match(err.stack ?? "", /query_test\.ts/, "stack points at the caller");
      const syntax = await db.query("select 1 from from").catch((e) => e);
      assert.ok(syntax instanceof PostgresError);
      assert.equal(syntax.code, SQLSTATE.SYNTAX_ERROR);
      assert.equal(syntax.position, 15);
      const inner = await db.query(
        "do $$ begin execute 'select 1 from from'; end $$",
      ).catch((e) => e);
      assert.ok(inner instanceof PostgresError);
      assert.equal(typeof inner.internalPosition, "number");
      assert.equal(inner.internalQuery, "select 1 from from");
      assert.match(inner.where ?? "", /PL\/pgSQL/);
      const col = await db.query("insert into e values (2, -1)").catch((e) => e);
      assert.equal(col.code, SQLSTATE.CHECK_VIOLATION);
      const typed = await db.query("create temp table dt (d date not null)").then(() =>
        db.query("insert into dt values (null)")
      ).catch((e) => e);
      assert.equal(typed.code, SQLSTATE.NOT_NULL_VIOLATION);
      assert.equal(typed.column, "d");
      // The tagged template's errors point at the caller too.
      const viaSql = await db.sql`select ${"x"}::int`.then(
        () => new Error("no error"),
        (e) => e as Error,
      );
      assert.match(viaSql.stack ?? "", /query_test\.ts/);
    },
  );

  test({ name: name("statement cache: LRU eviction closes statements"), ignore }, async () => {
    await using db = await open(server, { statementCacheSize: 3 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) {
        const r = await db.query(`select $1::int + ${i} as v`, [round]);
        assert.equal(r.rows[0]!.v, round + i);
      }
    }
    const prepared = await db.query<{ n: bigint }>(
      "select count(*) as n from pg_prepared_statements where name like 'pgline_%'",
    );
    // At most 3 cached (the count query itself is one of them).
    assert.ok(prepared.rows[0]!.n <= 3n, `server holds ${prepared.rows[0]!.n} statements`);
  });

  test({ name: name("a changed result type re-prepares once"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table chg (a int)");
    await db.query("insert into chg values (1)");
    assert.deepEqual((await db.query("select * from chg")).rows, [{ a: 1 }]);
    await db.query("alter table chg add column b text default 'x'");
    // The cached statement's plan now returns another row type: the server refuses it once.
    assert.deepEqual((await db.query("select * from chg")).rows, [{ a: 1, b: "x" }]);
    await db.query("alter table chg alter column a type text");
    assert.deepEqual((await db.query("select * from chg")).rows, [{ a: "1", b: "x" }]);
    // After DEALLOCATE ALL the statements are gone: re-prepared too.
    await db.simpleQuery("deallocate all");
    assert.deepEqual((await db.query("select * from chg")).rows, [{ a: "1", b: "x" }]);
  });

  test({ name: name("unnamed mode works with no named statements"), ignore }, async () => {
    await using db = await open(server, { statementCacheSize: 0 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => db.query("select $1::int as v", [i])),
    );
    results.forEach((r, i) => assert.equal(r.rows[0]!.v, i));
    const [row] = await db.sql`select count(*)::int as n from pg_prepared_statements`;
    assert.equal(row!.n, 0);
    // An array parameter is ambiguous (array or json): the server's types decide.
    const [arr] = await db.sql`select ${[1, 2, 3]}::int[] as a, ${[1, 2]}::jsonb as j`;
    assert.deepEqual(arr, { a: [1, 2, 3], j: [1, 2] });
  });

  test(
    { name: name("ambiguous parameters: arrays vs json by the server's types"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("create temp table amb (a int[], j jsonb, t text[])");
      await db.query("insert into amb values ($1, $2, $3)", [[1, null, 3], [{ x: 1 }, "s"], [
        "a,b",
        '"q"',
        "",
      ]]);
      const { rows } = await db.query("select * from amb");
      assert.deepEqual(rows, [{ a: [1, null, 3], j: [{ x: 1 }, "s"], t: ["a,b", '"q"', ""] }]);
      const [obj] = await db.sql`select ${{ k: [1, "two"] }}::jsonb as o`;
      assert.deepEqual(obj!.o, { k: [1, "two"] });
    },
  );

  test({ name: name("dangerous column names stay data"), ignore }, async () => {
    await using db = await open(server);
    const { rows } = await db.query(
      `select 1 as "__proto__", 2 as "constructor", 3 as "toString", 4 as "hasOwnProperty"`,
    );
    const row = rows[0]!;
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.equal(row["__proto__"], 1);
    assert.equal(row["constructor"], 2);
    assert.deepEqual(Object.keys(row), ["__proto__", "constructor", "toString", "hasOwnProperty"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const dup = await db.query("select 1 as a, 2 as a", [], { rowMode: "array" });
    assert.deepEqual(dup.rows, [[1, 2]]);
  });

  test(
    { name: name("a value the codec cannot read fails that query only"), ignore },
    async () => {
      await using db = await open(server);
      await db.query("set datestyle = 'SQL, DMY'");
      const bad = await db.query("select '2024-01-02'::date as d").catch((e) => e);
      assert.ok(bad instanceof Error && !(bad instanceof ConnectionError));
      await db.query("set datestyle = 'ISO, DMY'");
      const { rows } = await db.query("select '2024-01-02'::date as d, 1 as n");
      assert.equal(rows[0]!.n, 1);
    },
  );

  test(
    { name: name("a NUL in the query text is refused before sending"), ignore },
    async () => {
      await using db = await open(server);
      await assert.rejects(db.query("select 1\0"), TypeError);
      assert.deepEqual((await db.query("select 1 as x")).rows, [{ x: 1 }]);
    },
  );

  test({ name: name("COPY through query() is refused cleanly"), ignore }, async () => {
    await using db = await open(server);
    await db.query("create temp table cp (a int)");
    await assert.rejects(db.query("copy cp from stdin"));
    await assert.rejects(db.simpleQuery("copy cp from stdin"));
    assert.deepEqual((await db.query("select 5 as x")).rows, [{ x: 5 }]);
  });
}

for (const server of servers?.servers ?? []) {
  test({
    name: `${server.name}: a killed backend fails pending work with ConnectionError`,
    ignore,
  }, async () => {
    const db = await open(server);
    await using admin = await open(server);
    const pid = db.processId;
    const running = db.query("select pg_sleep(30)").catch((err) => err);
    const behind = db.query("select 1").catch((err) => err);
    await new Promise((r) => setTimeout(r, 50));
    await admin.query("select pg_terminate_backend($1)", [pid]);
    for (const p of [running, behind]) {
      const e = await p;
      assert.ok(e instanceof ConnectionError, String(e));
      assert.equal(e.retrySafe, false, "sent work may have run");
      assert.match(e.message, /terminating connection|57P01/);
    }
    assert.equal(db.state, "CONNECTION_BAD");
    const later = await db.query("select 1").catch((err) => err);
    assert.ok(later instanceof ConnectionError);
    assert.equal(later.retrySafe, true, "never sent");
    await db.close();
  });
}
