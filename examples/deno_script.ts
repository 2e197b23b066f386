/**
 * A Deno script: connect, create a table, write in a transaction, read back with the `sql` tag
 * and a stream, and close.
 *
 * ```sh
 * DATABASE_URL=postgres://app@localhost/app deno run --allow-net --allow-env --allow-read examples/deno_script.ts
 * ```
 *
 * Outside this repository, import from `jsr:@pgline/pgline` instead.
 *
 * @module
 */

import { connect, PostgresError } from "@pgline/pgline";

// No argument: the URL from DATABASE_URL if set, else libpq's PG* variables and defaults.
const url = Deno.env.get("DATABASE_URL");
await using db = url === undefined ? await connect() : await connect(url);

await db.query("create temporary table notes (id int generated always as identity, body text)");
await db.transaction(async (tx) => {
  for (const body of ["first", "second", "third"]) {
    await tx.sql`insert into notes (body) values (${body})`;
  }
});

const [total] = await db.sql<{ count: number }>`select count(*)::int as count from notes`;
console.log(`notes: ${total?.count}`);
for await (const row of db.stream("select id, body from notes order by id")) {
  console.log(`  ${row.id}: ${row.body}`);
}

try {
  await db.query("insert into notes (id, body) values (1, 'x')");
} catch (error) {
  if (!(error instanceof PostgresError)) throw error;
  console.log(`refused as expected: ${error.code} ${error.message}`);
}
