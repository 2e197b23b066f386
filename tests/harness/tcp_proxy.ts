/**
 * A TCP proxy for fault tests: it forwards loopback connections to a real server and can cut
 * them (both sides see a reset or end), black-hole them (bytes stop flowing both ways while the
 * sockets stay open, like a vanished peer), or refuse new ones.
 *
 * Built on `node:net`, so it runs on Deno, Bun and Node.
 *
 * @module
 */

import { connect as connectTcp, type Server, type Socket } from "node:net";
import { listenLoopback } from "./net.ts";

/** One proxied connection. */
interface Pair {
  client: Socket;
  server: Socket;
  blackholed: boolean;
}

/** A running proxy. */
export class TcpProxy {
  #listener: Server;
  readonly #port: number;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  /** Accepted client sockets whose server connection is still being opened. */
  readonly #connecting = new Set<Socket>();
  #accepting = true;
  #blackholeNew = false;
  #closed = false;
  /** Connections accepted so far. */
  accepted = 0;
  /** The first bytes each client sent, in accept order (to see e.g. an SSLRequest). */
  readonly firstBytes: Uint8Array[] = [];

  private constructor(listener: Server, port: number, target: { host: string; port: number }) {
    this.#listener = listener;
    this.#port = port;
    this.#target = target;
  }

  /**
   * Starts a proxy on a random loopback port.
   *
   * @param host The server's host.
   * @param port The server's port.
   * @returns The proxy, once it listens.
   */
  static async start(host: string, port: number): Promise<TcpProxy> {
    // Connections that arrive before the proxy object exists wait for it.
    const made: { proxy?: TcpProxy; pending: Socket[] } = { pending: [] };
    const { server, port: own } = await listenLoopback((socket) => {
      if (made.proxy === undefined) made.pending.push(socket);
      else made.proxy.#accept(socket);
    });
    const proxy = new TcpProxy(server, own, { host, port });
    made.proxy = proxy;
    for (const socket of made.pending) proxy.#accept(socket);
    return proxy;
  }

  /** The proxy's port. */
  get port(): number {
    return this.#port;
  }

  /** Connections currently open through the proxy. */
  get openCount(): number {
    return this.#pairs.size;
  }

  #accept(client: Socket): void {
    if (this.#closed || !this.#accepting) {
      client.destroy();
      return;
    }
    this.accepted++;
    // Nothing is read from the client until the server connection is open (no 'data' listener
    // yet), so its first bytes go to the server, in order.
    client.on("error", () => {});
    this.#connecting.add(client);
    const server = connectTcp({ host: this.#target.host, port: this.#target.port });
    server.on("error", () => {});
    const failed = (): void => {
      this.#connecting.delete(client);
      client.destroy();
      server.destroy();
    };
    server.once("error", failed);
    server.once("connect", () => {
      server.off("error", failed);
      this.#connecting.delete(client);
      if (client.destroyed || this.#closed) {
        client.destroy();
        server.destroy();
        return;
      }
      client.setNoDelay(true);
      server.setNoDelay(true);
      const pair: Pair = { client, server, blackholed: this.#blackholeNew };
      this.#pairs.add(pair);
      this.#pump(pair, client, server, this.firstBytes.push(new Uint8Array(0)) - 1);
      this.#pump(pair, server, client);
    });
  }

  #pump(pair: Pair, from: Socket, to: Socket, sniff = -1): void {
    from.on("data", (chunk: Uint8Array) => {
      if (sniff >= 0 && this.firstBytes[sniff]!.length === 0) {
        this.firstBytes[sniff] = Uint8Array.from(chunk);
      }
      if (pair.blackholed) return; // Swallowed: the peer never sees it.
      if (!to.write(chunk)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    });
    // Either side went away: close both, after what was already forwarded has been written.
    const gone = (): void => {
      if (pair.blackholed || !this.#pairs.delete(pair)) return;
      from.destroy();
      if (to.destroyed) return;
      to.end(() => to.destroy());
      // A peer that stops reading must not keep the socket open.
      setTimeout(() => to.destroy(), 1000).unref?.();
    };
    from.on("end", gone);
    from.on("close", gone);
    from.on("error", gone);
  }

  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    pair.client.destroy();
    pair.server.destroy();
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
      this.#listener.close();
      // Connections accepted but not yet forwarded are refused too.
      for (const c of this.#connecting) c.destroy();
    }
  }

  /** Black-holes connections accepted from now on (their bytes are swallowed). */
  blackholeNewConnections(on: boolean): void {
    this.#blackholeNew = on;
  }

  /**
   * Accepts new connections again (after {@link blackhole}), on the same port.
   *
   * @returns A promise that resolves once the proxy listens again.
   */
  async resume(): Promise<void> {
    if (this.#accepting || this.#closed) return;
    this.#accepting = true;
    const { server } = await listenLoopback((socket) => this.#accept(socket), this.#port);
    if (this.#closed) {
      server.close();
      return;
    }
    this.#listener = server;
  }

  /** Stops the proxy and closes everything. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#accepting) this.#listener.close();
    for (const c of this.#connecting) c.destroy();
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
