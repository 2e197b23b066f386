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
import { listenLoopback, SocketConn } from "./net.ts";

/** One accepted connection, with helpers to script it. */
export class Peer {
  readonly reader = new FrontendStreamReader();
  /** The connection: `read`, `write`, and `close` (which closes it at once). */
  readonly conn: SocketConn;
  constructor(conn: SocketConn) {
    this.conn = conn;
  }
  async receive(kind?: PasswordPacketKind): Promise<FrontendMessage> {
    if (kind) this.reader.passwordKind = kind;
    for (;;) {
      const msg = this.reader.next();
      if (msg) return msg;
      const chunk = await this.conn.read();
      if (chunk === null) throw new Error("client closed");
      this.reader.push(chunk);
    }
  }
  async send(...msgs: (BackendMessage | Uint8Array)[]): Promise<void> {
    for (const m of msgs) {
      const bytes = m instanceof Uint8Array ? m : encodeBackendMessage(m);
      await this.conn.write(bytes);
    }
  }
}

/**
 * Serves one scripted connection on a random loopback port.
 *
 * @param script What the server does with the first connection (later ones are refused: the
 * listener closes once it has accepted one).
 * @returns The port, once the server listens, and a promise that settles when the script is done
 * and the connection closed.
 */
export async function scripted(
  script: (peer: Peer) => Promise<void>,
): Promise<{ port: number; done: Promise<void> }> {
  let accepted: (conn: SocketConn) => void;
  const first = new Promise<SocketConn>((resolve) => accepted = resolve);
  let taken = false;
  const { port } = await listenLoopback((socket, server) => {
    if (taken) {
      socket.destroy();
      return;
    }
    taken = true;
    server.close();
    accepted(new SocketConn(socket));
  });
  const done = (async () => {
    const conn = await first;
    try {
      await script(new Peer(conn));
    } catch {
      // The client hung up: the script ends there.
    } finally {
      conn.close();
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
