/**
 * A TCP proxy for fault tests: it forwards loopback connections to a real server and can cut
 * them (both sides see a reset or end), black-hole them (bytes stop flowing both ways while the
 * sockets stay open, like a vanished peer), or refuse new ones.
 *
 * @module
 */

/** One proxied connection. */
interface Pair {
  client: Deno.Conn;
  server: Deno.Conn;
  blackholed: boolean;
}

/** A running proxy. */
export class TcpProxy {
  #listener: Deno.Listener;
  readonly #port: number;
  readonly #target: { hostname: string; port: number };
  readonly #pairs = new Set<Pair>();
  #accepting = true;
  #blackholeNew = false;
  #closed = false;
  /** Connections accepted so far. */
  accepted = 0;
  /** The first bytes each client sent, in accept order (to see e.g. an SSLRequest). */
  readonly firstBytes: Uint8Array[] = [];

  private constructor(listener: Deno.Listener, target: { hostname: string; port: number }) {
    this.#listener = listener;
    this.#port = (listener.addr as Deno.NetAddr).port;
    this.#target = target;
    void this.#acceptLoop(listener);
  }

  /**
   * Starts a proxy on a random loopback port.
   *
   * @param host The server's host.
   * @param port The server's port.
   */
  static start(host: string, port: number): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new TcpProxy(listener, { hostname: host, port });
  }

  /** The proxy's port. */
  get port(): number {
    return this.#port;
  }

  /** Connections currently open through the proxy. */
  get openCount(): number {
    return this.#pairs.size;
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return; // Listener closed.
      }
      this.accepted++;
      let server: Deno.Conn;
      try {
        server = await Deno.connect(this.#target);
      } catch {
        client.close();
        continue;
      }
      const pair: Pair = { client, server, blackholed: this.#blackholeNew };
      this.#pairs.add(pair);
      void this.#pump(pair, client, server, this.firstBytes.push(new Uint8Array(0)) - 1);
      void this.#pump(pair, server, client);
    }
  }

  async #pump(pair: Pair, from: Deno.Conn, to: Deno.Conn, sniff = -1): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (sniff >= 0 && this.firstBytes[sniff]!.length === 0) {
          this.firstBytes[sniff] = buf.slice(0, n);
        }
        if (pair.blackholed) continue; // Swallowed: the peer never sees it.
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // Either side went away.
    }
    if (!pair.blackholed) this.#drop(pair);
  }

  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    for (const c of [pair.client, pair.server]) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
  }

  /** Closes every open connection at once (both ends see the connection end). */
  cutAll(): number {
    const n = this.#pairs.size;
    for (const p of [...this.#pairs]) this.#drop(p);
    return n;
  }

  /** Closes one open connection chosen by `pick` (an index into the open ones). */
  cutOne(pick: number): boolean {
    const pairs = [...this.#pairs];
    if (pairs.length === 0) return false;
    this.#drop(pairs[pick % pairs.length]!);
    return true;
  }

  /**
   * Stops all traffic on the open connections without closing them, like a peer that vanished
   * from the network. With `refuseNew`, new connections are refused too (the host is gone: the
   * listener closes, so a connect fails).
   */
  blackhole(refuseNew = true): void {
    for (const p of this.#pairs) p.blackholed = true;
    if (refuseNew && this.#accepting) {
      this.#accepting = false;
      try {
        this.#listener.close();
      } catch { /* already closed */ }
    }
  }

  /** Black-holes connections accepted from now on (their bytes are swallowed). */
  blackholeNewConnections(on: boolean): void {
    this.#blackholeNew = on;
  }

  /** Accepts new connections again (after {@link blackhole}). */
  resume(): void {
    if (this.#accepting || this.#closed) return;
    this.#accepting = true;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.#port });
    void this.#acceptLoop(this.#listener);
  }

  /** Stops the proxy and closes everything. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#accepting) {
      try {
        this.#listener.close();
      } catch { /* already closed */ }
    }
    for (const p of [...this.#pairs]) {
      p.blackholed = false;
      this.#drop(p);
    }
  }

  /** Closes the proxy (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
