/**
 * Protocol numbers: version codes, special request codes and limits.
 *
 * @module
 */

/**
 * Protocol 3.0, the version every PostgreSQL since 7.4 speaks: `(3 << 16) | 0`.
 *
 * @example Asking for protocol 3.0
 * ```ts
 * import { encodeFrontendMessage, PROTOCOL_3_0 } from "@pgline/pgline/protocol";
 * const startup = encodeFrontendMessage({
 *   type: "StartupMessage",
 *   protocolVersion: PROTOCOL_3_0,
 *   parameters: { user: "app" },
 * });
 * console.assert(PROTOCOL_3_0 === (3 << 16) && startup.length > 8);
 * ```
 */
export const PROTOCOL_3_0 = 196608;
/**
 * Protocol 3.2 (PostgreSQL 18): longer cancel keys. `(3 << 16) | 2`.
 *
 * @example Reading the minor version
 * ```ts
 * import { PROTOCOL_3_2 } from "@pgline/pgline/protocol";
 * console.assert(PROTOCOL_3_2 >>> 16 === 3 && (PROTOCOL_3_2 & 0xffff) === 2);
 * ```
 */
export const PROTOCOL_3_2 = 196610;
/**
 * The request code of SSLRequest: `(1234 << 16) | 5679`.
 *
 * @example Recognizing an SSLRequest body
 * ```ts
 * import { FRAMES, SSL_REQUEST_CODE } from "@pgline/pgline/protocol";
 * const code = new DataView(FRAMES.SSLRequest.buffer, FRAMES.SSLRequest.byteOffset).getInt32(4);
 * console.assert(code === SSL_REQUEST_CODE);
 * ```
 */
export const SSL_REQUEST_CODE = 80877103;
/**
 * The request code of GSSENCRequest: `(1234 << 16) | 5680`.
 *
 * @example Recognizing a GSSENCRequest body
 * ```ts
 * import { FRAMES, GSSENC_REQUEST_CODE } from "@pgline/pgline/protocol";
 * const frame = FRAMES.GSSENCRequest;
 * const code = new DataView(frame.buffer, frame.byteOffset).getInt32(4);
 * console.assert(code === GSSENC_REQUEST_CODE);
 * ```
 */
export const GSSENC_REQUEST_CODE = 80877104;
/**
 * The request code of CancelRequest: `(1234 << 16) | 5678`.
 *
 * @example The code at the start of a CancelRequest body
 * ```ts
 * import { CANCEL_REQUEST_CODE, encodeFrontendMessage } from "@pgline/pgline/protocol";
 * const bytes = encodeFrontendMessage({
 *   type: "CancelRequest",
 *   processId: 1,
 *   secretKey: new Uint8Array(4),
 * });
 * console.assert(new DataView(bytes.buffer, bytes.byteOffset).getInt32(4) === CANCEL_REQUEST_CODE);
 * ```
 */
export const CANCEL_REQUEST_CODE = 80877102;

/**
 * The default cap on one message's length (1 GiB, PostgreSQL's own limit on a field).
 *
 * @example A reader with a smaller cap
 * ```ts
 * import { BackendStreamReader, DEFAULT_MAX_MESSAGE_SIZE } from "@pgline/pgline/protocol";
 * const reader = new BackendStreamReader({ maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE / 1024 });
 * console.assert(reader.maxMessageSize === 1 << 20);
 * ```
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 1 << 30;
/**
 * PostgreSQL's cap on a startup-phase packet (`MAX_STARTUP_PACKET_LENGTH`).
 *
 * @example The cap a server applies before the session starts
 * ```ts
 * import { MAX_STARTUP_PACKET_LENGTH } from "@pgline/pgline/protocol";
 * console.assert(MAX_STARTUP_PACKET_LENGTH === 10000);
 * ```
 */
export const MAX_STARTUP_PACKET_LENGTH = 10000;
/**
 * The longest cancel key protocol 3.2 allows, in bytes.
 *
 * @example Checking a key from BackendKeyData
 * ```ts
 * import { MAX_CANCEL_KEY_LENGTH } from "@pgline/pgline/protocol";
 * const key = new Uint8Array(32); // a protocol 3.2 key
 * console.assert(key.length <= MAX_CANCEL_KEY_LENGTH);
 * ```
 */
export const MAX_CANCEL_KEY_LENGTH = 256;
