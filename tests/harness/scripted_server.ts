/**
 * A scripted server for fault tests, on our own backend codec: accept one connection and let a
 * test script what the server says. (Issue 7 grows this into the fake-server API.)
 *
 * @module
 */

import {
  encodeBackendMessage,
  type FrontendMessage,
  FrontendStreamReader,
  type PasswordPacketKind,
} from "../../src/protocol/mod.ts";
import type { BackendMessage } from "../../src/protocol/messages.ts";

/** One accepted connection, with helpers to script it. */
export class Peer {
  readonly reader = new FrontendStreamReader();
  readonly conn: Deno.Conn;
  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }
  async receive(kind?: PasswordPacketKind): Promise<FrontendMessage> {
    if (kind) this.reader.passwordKind = kind;
    for (;;) {
      const msg = this.reader.next();
      if (msg) return msg;
      const buf = new Uint8Array(4096);
      const n = await this.conn.read(buf);
      if (n === null) throw new Error("client closed");
      this.reader.push(buf.subarray(0, n));
    }
  }
  async send(...msgs: (BackendMessage | Uint8Array)[]): Promise<void> {
    for (const m of msgs) {
      const bytes = m instanceof Uint8Array ? m : encodeBackendMessage(m);
      let off = 0;
      while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
    }
  }
}

/** Serves one scripted connection on a random loopback port; returns the port. */
export function scripted(
  script: (peer: Peer) => Promise<void>,
): { port: number; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const done = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      await script(new Peer(conn));
    } catch {
      // The client hung up: the script ends there.
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  })();
  return { port, done };
}

/** Startup replies of a server that lets anyone in. */
export const READY: BackendMessage[] = [
  { type: "AuthenticationOk" },
  { type: "BackendKeyData", processId: 1, secretKey: new Uint8Array(4) },
  { type: "ReadyForQuery", status: "I" },
];
