/**
 * Loopback sockets for the test harness on `node:net`, so the fake servers and the proxy run on
 * Deno, Bun and Node alike.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";

/**
 * Starts a server on a random loopback port.
 *
 * @param onConnection Called with each accepted socket (and the server).
 * @param port The port to listen on, a random one by default.
 * @returns The listening server and its port.
 */
export function listenLoopback(
  onConnection: (socket: Socket, server: Server) => void,
  port = 0,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer((socket) => onConnection(socket, server));
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => {
      server.off("error", reject);
      // A listener for later errors, so one can never become an uncaught exception.
      server.on("error", () => {});
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`unexpected listening address ${address}`));
        return;
      }
      resolve({ server, port: address.port });
    });
  });
}

/** A loopback port with nothing listening on it (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const { server, port } = await listenLoopback((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An accepted socket read chunk by chunk, for scripted peers: `read` resolves with the next
 * chunk of bytes, or `null` once the peer has closed its side.
 */
export class SocketConn {
  readonly #socket: Socket;
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    const wake = (): void => {
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("error", (error) => {
      this.#error = error;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
  }

  /**
   * The next chunk the peer sent.
   *
   * @returns The bytes, or `null` at the end of the stream.
   * @throws {Error} When the connection failed (e.g. it was reset).
   */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) return chunk;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /**
   * Writes `bytes` and waits until the socket has handed them to the system.
   *
   * @param bytes What to send.
   */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) {
        reject(this.#error ?? new Error("socket closed"));
        return;
      }
      this.#socket.write(bytes, (error) => error ? reject(error) : resolve());
    });
  }

  /** Closes the connection at once (like `close()` on a Deno connection). */
  close(): void {
    this.#socket.destroy();
  }
}
