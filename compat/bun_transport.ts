/**
 * The Bun transport. Placeholder until Bun's own sockets are wired in: it uses `node:net` and
 * `node:tls`, which Bun provides.
 *
 * @module
 */

import { connectNode, connectNodeTls } from "../src/transport/node_socket.ts";
import type { Transport } from "../src/transport/transport.ts";

/**
 * Creates the Bun transport.
 *
 * @returns A transport.
 */
export function createBunTransport(): Transport {
  return {
    capabilities: {
      unixSockets: true,
      peerCertificate: true,
      clientCertificates: true,
      verificationControl: true,
      directTls: true,
    },
    connect: connectNode,
    connectTls: connectNodeTls,
  };
}

/** The shared Bun transport. */
export const bunTransport: Transport = createBunTransport();
