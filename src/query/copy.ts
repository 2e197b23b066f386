/**
 * What COPY FROM STDIN (`copy_from.ts`) and COPY TO STDOUT (`copy_to.ts`) share: the public
 * types and small helpers.
 *
 * Both hold the connection (a lane) while the COPY runs: COPY FROM from its Query until its
 * CopyDone or CopyFail is queued, so pipelined queries cannot land inside the data stream; COPY TO
 * until its ReadyForQuery. A COPY that must stop before its end is cancelled with the
 * connection's `cancelWhenRunning`, which cannot hit another caller's query.
 *
 * @module
 */

/**
 * A piece of COPY data: bytes, or text sent as UTF-8.
 *
 * @example Text and bytes in one COPY
 * ```ts
 * import type { Client, CopyChunk } from "@pgline/pgline";
 * declare const db: Client;
 * function* rows(): Generator<CopyChunk> {
 *   yield "1\tone\n";
 *   yield new TextEncoder().encode("2\ttwo\n");
 * }
 * const copied = await db.copyFrom("copy t (id, name) from stdin", rows()); // 2
 * ```
 */
export type CopyChunk = Uint8Array | string;

/**
 * What `copyFrom` sends: a stream or an (async) iterable of chunks, or one chunk. Chunks may
 * split rows anywhere; the server reassembles them.
 *
 * @example A file, a generator, or text
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * await db.copyFrom("copy t from stdin (format csv)", (await Deno.open("t.csv")).readable);
 * await db.copyFrom("copy t from stdin", (function* () { yield "1\tone\n"; })());
 * await db.copyFrom("copy t from stdin", "2\ttwo\n3\tthree\n");
 * ```
 */
export type CopySource =
  | ReadableStream<CopyChunk>
  | AsyncIterable<CopyChunk>
  | Iterable<CopyChunk>
  | CopyChunk;

/**
 * Options of a COPY.
 *
 * @example Giving up after five seconds
 * ```ts
 * import type { Client } from "@pgline/pgline";
 * declare const db: Client;
 * declare function rows(): AsyncIterable<string>;
 * await db.copyFrom("copy t from stdin", rows(), { signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface CopyOptions {
  /**
   * Gives up on the COPY, rejecting with the signal's reason; the connection stays usable. COPY
   * FROM sends CopyFail (nothing is copied); COPY TO is cancelled on the server and the rest of
   * its data is read and dropped. An abort after COPY FROM sent its last data comes too late: the
   * server's outcome stands.
   */
  signal?: AbortSignal;
}

/** A promise and its resolver. */
export interface Deferred<T> {
  /** Settles when {@link Deferred.resolve} is called. */
  promise: Promise<T>;
  /** Resolves the promise (later calls do nothing). */
  resolve: (value: T) => void;
}

/** A promise to resolve later. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A CopyFail message: no NUL (it is a C string), and short. */
export function failMessage(text: string): string {
  const clean = text.replaceAll("\0", "");
  return clean.length > 1000 ? clean.slice(0, 1000) : clean;
}
