/**
 * Protocol numbers: version codes, special request codes and limits.
 *
 * @module
 */

/** Protocol 3.0, the version every PostgreSQL since 7.4 speaks: `(3 << 16) | 0`. */
export const PROTOCOL_3_0 = 196608;
/** Protocol 3.2 (PostgreSQL 18): longer cancel keys. `(3 << 16) | 2`. */
export const PROTOCOL_3_2 = 196610;
/** The request code of SSLRequest: `(1234 << 16) | 5679`. */
export const SSL_REQUEST_CODE = 80877103;
/** The request code of GSSENCRequest: `(1234 << 16) | 5680`. */
export const GSSENC_REQUEST_CODE = 80877104;
/** The request code of CancelRequest: `(1234 << 16) | 5678`. */
export const CANCEL_REQUEST_CODE = 80877102;

/** The default cap on one message's length (1 GiB, PostgreSQL's own limit on a field). */
export const DEFAULT_MAX_MESSAGE_SIZE = 1 << 30;
/** PostgreSQL's cap on a startup-phase packet (`MAX_STARTUP_PACKET_LENGTH`). */
export const MAX_STARTUP_PACKET_LENGTH = 10000;
/** The longest cancel key protocol 3.2 allows, in bytes. */
export const MAX_CANCEL_KEY_LENGTH = 256;
