/**
 * What the TLS choice on Deno costs: pgline's Deno transport upgrades through Deno's `node:tls`
 * (needed for prefer/require/verify-ca and for channel binding). This compares it, for
 * sslmode=verify-full where both can serve, with a bench-only transport on `Deno.connect` +
 * `Deno.startTls`, on a throwaway PostgreSQL 18: connection set-up, sequential `select 1`, and a
 * 100k-row fetch. Channel binding is off in both so the handshakes do the same work.
 *
 * Run: `deno run -A bench/tls_bench.ts`
 *
 * @module
 */

import { connect } from "../mod.ts";
import type { Socket, TlsOptions, Transport, TransportTarget } from "../mod.ts";
import { ensureEmbeddedPostgres, startCluster } from "../tools/pg_cluster.ts";
import { createTlsFixtures } from "../tools/tls_fixtures.ts";

/** Deno.connect + Deno.startTls: verify-full only, no peer certificate. */
const startTlsTransport: Transport = {
  capabilities: {
    unixSockets: false,
    peerCertificate: false,
    clientCertificates: false,
    verificationControl: false,
    directTls: false,
  },
  async connect(target: TransportTarget): Promise<Socket> {
    if (target.kind !== "tcp") throw new Error("tcp only");
    let conn: Deno.Conn = await Deno.connect({ hostname: target.host, port: target.port });
    (conn as Deno.TcpConn).setNoDelay(true);
    return {
      async read() {
        const buf = new Uint8Array(64 * 1024);
        const n = await conn.read(buf);
        return n === null ? null : buf.subarray(0, n);
      },
      async write(bytes) {
        let off = 0;
        while (off < bytes.length) off += await conn.write(bytes.subarray(off));
      },
      async startTls(options: TlsOptions) {
        if (options.verify !== "full" || options.caCerts === "system") throw new Error("full only");
        conn = await Deno.startTls(conn as Deno.TcpConn, {
          hostname: options.hostname,
          ...(options.caCerts ? { caCerts: options.caCerts } : {}),
        });
        await (conn as Deno.TlsConn).handshake();
        return {};
      },
      close() {
        try {
          conn.close();
        } catch { /* closed */ }
      },
    };
  },
};

const binaries = await ensureEmbeddedPostgres();
const tls = await createTlsFixtures();
const cluster = await startCluster({ binaries, tls });
try {
  const user = cluster.users.scram_user;
  const url = `postgres://${user.name}:${encodeURIComponent(user.password!)}@localhost:` +
    `${cluster.port}/${cluster.database}?sslmode=verify-full&channel_binding=disable&sslrootcert=` +
    encodeURIComponent(tls.ca.cert.path);
  const contenders: [string, Transport | undefined][] = [
    ["node:tls (pgline's Deno transport)", undefined],
    ["Deno.startTls (bench only)", startTlsTransport],
  ];
  const rows: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const [name, transport] of contenders) {
      const opts = transport ? { transport } : {};
      let t0 = performance.now();
      for (let i = 0; i < 50; i++) await (await connect(url, opts)).close();
      const connectMs = (performance.now() - t0) / 50;
      const db = await connect(url, opts);
      t0 = performance.now();
      for (let i = 0; i < 2000; i++) await db.connection.simpleQuery("select 1");
      const selectUs = (performance.now() - t0) * 1000 / 2000;
      t0 = performance.now();
      const [r] = await db.connection.simpleQuery(
        "select i, 'row ' || i, now(), md5(i::text), i * 1.5 from generate_series(1, 100000) i",
      );
      const fetchMs = performance.now() - t0;
      if (r?.rows.length !== 100000) throw new Error("short fetch");
      await db.close();
      if (round === 1) {
        rows.push(
          `| ${name} | ${connectMs.toFixed(2)} | ${selectUs.toFixed(0)} | ${fetchMs.toFixed(0)} |`,
        );
      }
    }
  }
  console.log(
    `TLS transports on Deno ${Deno.version.deno}, PostgreSQL ${cluster.version}, ` +
      "verify-full, second of two rounds",
  );
  console.log(
    "| transport | connect + SCRAM + close (ms) | sequential select 1 (µs) | 100k rows x 5 (ms) |",
  );
  console.log("|---|---:|---:|---:|");
  for (const row of rows) console.log(row);
} finally {
  await cluster.stop();
  await tls.remove();
}
