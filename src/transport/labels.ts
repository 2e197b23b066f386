/**
 * Small helpers shared by the transports: labels and messages for errors, the reason an aborted
 * connect rejects with, and the refusal of direct TLS over a Unix-domain socket. No runtime API.
 *
 * @module
 */

import type { TransportTarget } from "./transport.ts";

/**
 * A label for error messages: `host:port` or the socket path.
 *
 * @param target Where the connection goes.
 * @returns The label.
 */
export function describeTarget(target: TransportTarget): string {
  return target.kind === "tcp" ? `${target.host}:${target.port}` : target.path;
}

/**
 * The error message of anything thrown.
 *
 * @param error What was thrown.
 * @returns Its message.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why a signal aborted, or an `AbortError` when it gave no reason.
 *
 * @param signal An aborted signal.
 * @returns The reason to throw.
 */
export function connectAbortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The connect was aborted", "AbortError");
}

/**
 * Throws for a direct TLS connection to a Unix-domain socket, which PostgreSQL never serves.
 *
 * @param target Where the connection goes.
 * @returns The TCP target.
 * @throws {Error} For a Unix-domain socket.
 */
export function directTlsTarget(
  target: TransportTarget,
): Extract<TransportTarget, { kind: "tcp" }> {
  if (target.kind === "unix") {
    throw new Error(
      `Cannot open a direct TLS connection to ${target.path}: TLS is not used over Unix-domain sockets`,
    );
  }
  return target;
}
