/**
 * The `sql` tagged template through the client against real servers: values as parameters,
 * composition, identifiers, IN lists, INSERT/UPDATE from objects, arrays and user-defined types
 * loaded from the catalog.
 */
import { test } from "./harness/test.ts";
import assert from "node:assert/strict";
import { type Client, connect, PostgresError, SQLSTATE } from "../mod.ts";
import { loadTestServers, type TestServer } from "./harness/servers.ts";

const servers = loadTestServers();
const ignore = servers === undefined;

function open(server: TestServer): Promise<Client> {
  const user = server.users.trust_user;
  return connect({
    host: server.host,
    port: server.port,
    database: user.database,
    user: user.name,
    sslMode: "disable",
  });
}

for (const server of servers?.servers ?? []) {
  const name = (what: string) => `${server.name}: ${what}`;

  test({ name: name("sql: values are parameters, never text"), ignore }, async () => {
    await using db = await open(server);
    const evil = "'); drop table users; --";
    const [row] = await db.sql`select ${evil}::text as v, ${"$1"}::text as d`;
    assert.deepEqual(row, { v: evil, d: "$1" });
    const id = 41;
    const sub = db.sql`select ${id}::int + 1 as n`;
    const [outer] = await db.sql`select n * ${2} as m from (${sub}) s`;
    assert.deepEqual(outer, { m: 84 });
    const result = await db.sql`select 1 as a union all select 2`.result();
    assert.equal(result.rowCount, 2);
    assert.deepEqual(await db.sql`select 1 as a, 2 as b`.arrays(), [[1, 2]]);
  });

  test(
    { name: name("sql helpers: identifiers, IN lists, insert and update"), ignore },
    async () => {
      await using db = await open(server);
      const table = db.sql.ident(`we"ird table`);
      await db
        .sql`create temp table ${table} (id int primary key, "first name" text, n int default 7)`;
      const people = [
        { id: 1, "first name": "Ann" },
        { id: 2, "first name": "Bob", n: 3 },
        { id: 3, "first name": null, n: undefined },
      ];
      const inserted = await db.sql`insert into ${table} ${
        db.sql.insert(people, ["id", "first name", "n"])
      }
      returning id, n`;
      assert.deepEqual(inserted, [{ id: 1, n: 7 }, { id: 2, n: 3 }, { id: 3, n: 7 }]);
      await db.sql`update ${table} set ${db.sql.set({ "first name": "Cy", n: 9 })} where id = ${3}`;
      const picked = await db.sql`select id, "first name" as name, n from ${table}
      where id in ${db.sql.in([1, 3])} order by id`;
      assert.deepEqual(picked, [{ id: 1, name: "Ann", n: 7 }, { id: 3, name: "Cy", n: 9 }]);
      const cols = db.sql.join([db.sql.ident("id"), db.sql.ident("n")]);
      assert.deepEqual(await db.sql`select ${cols} from ${table} where id = ${2}`, [{
        id: 2,
        n: 3,
      }]);
      assert.throws(() => db.sql.in([]), RangeError);
      const none = await db
        .sql`select count(*)::int as c from ${table} where id = any(${[] as number[]}::int[])`;
      assert.deepEqual(none, [{ c: 0 }]);
    },
  );

  test({ name: name("parameters: JS values by type"), ignore }, async () => {
    await using db = await open(server);
    const when = new Date("2024-02-29T12:34:56.789Z");
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const [row] = await db.sql`select
      ${when}::timestamptz as t, ${10n ** 18n}::int8 as big, ${bytes}::bytea as b,
      ${{ a: [1, { b: null }] }}::jsonb as j, ${[[1, 2], [3, null]]}::int[] as m,
      ${NaN}::float8 as nan, ${-0}::float8 as negzero, ${true}::bool as yes, ${null}::int as nothing`;
    assert.equal((row!.t as Date).getTime(), when.getTime());
    assert.equal(row!.big, 10n ** 18n);
    assert.deepEqual(row!.b, bytes);
    assert.deepEqual(row!.j, { a: [1, { b: null }] });
    assert.deepEqual(row!.m, [[1, 2], [3, null]]);
    assert.ok(Number.isNaN(row!.nan));
    assert.ok(Object.is(row!.negzero, -0));
    assert.equal(row!.yes, true);
    assert.equal(row!.nothing, null);
    await assert.rejects(
      db.sql`select ${"12x"}::int`.result(),
      (e: unknown) => e instanceof PostgresError && e.code === SQLSTATE.INVALID_TEXT_REPRESENTATION,
    );
    await assert.rejects(
      db.sql`select ${1.5}::int4`.then(() => db.query("select $1::int4", [2 ** 40])),
    );
  });

  test({ name: name("user-defined types loaded from the catalog"), ignore }, async () => {
    await using db = await open(server);
    const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
    const mood = `mood_${suffix}`;
    const addr = `addr_${suffix}`;
    await db.simpleQuery(`create type ${mood} as enum ('sad', 'ok', 'happy');
      create type ${addr} as (street text, "__proto__" int, feeling ${mood})`);
    try {
      await db.loadTypes([mood, addr]);
      for (let i = 0; i < 2; i++) { // first run text results, then the prepared statement's
        const [row] = await db.query(
          `select 'happy'::${mood} as m, array['sad', 'ok']::${mood}[] as ms,
            ('Main "St"', 5, 'ok')::${addr} as a, array[('x', null, null)::${addr}] as aa`,
        ).then((r) => r.rows);
        assert.equal(row!.m, "happy");
        assert.deepEqual(row!.ms, ["sad", "ok"]);
        const a = row!.a as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(a), Object.prototype);
        assert.deepEqual(Object.entries(a), [["street", 'Main "St"'], ["__proto__", 5], [
          "feeling",
          "ok",
        ]]);
        assert.deepEqual((row!.aa as Record<string, unknown>[])[0]!.street, "x");
      }
      const [back] = await db.query(
        `select $1::${addr} = ('Main "St"', 5, 'ok')::${addr} as same`,
        [{ street: 'Main "St"', ["__proto__"]: 5, feeling: "ok" }],
      ).then((r) => r.rows);
      assert.equal(back!.same, true);
    } finally {
      await db.simpleQuery(`drop type ${addr}; drop type ${mood}`);
    }
  });
}
