/**
 * The messages of the PostgreSQL frontend/backend protocol (versions 3.0 and 3.2) as plain typed
 * objects, discriminated by `type`, which keeps the protocol documentation's spelling.
 *
 * See https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * @module
 */

import type { DataRow } from "./data_row.ts";

/** A value in a Bind, FunctionCall or DataRow: bytes, text (sent as UTF-8) or SQL NULL. */
export type WireValue = Uint8Array | string | null;

/** Format code of a parameter or column: 0 text, 1 binary. */
export type FormatCode = number;

// ---------------------------------------------------------------------------------------------
// Frontend (client to server)

/** StartupMessage (untagged): protocol version and run-time parameters (`user` is required). */
export interface StartupMessage {
  /** Discriminator. */
  type: "StartupMessage";
  /** `(major << 16) | minor`, e.g. {@link PROTOCOL_3_0}. */
  protocolVersion: number;
  /** Parameter names and values, in order. */
  parameters: Record<string, string>;
}
/** SSLRequest (untagged): asks the server to switch to TLS. */
export interface SSLRequest {
  /** Discriminator. */
  type: "SSLRequest";
}
/** GSSENCRequest (untagged): asks the server to switch to GSSAPI encryption. */
export interface GSSENCRequest {
  /** Discriminator. */
  type: "GSSENCRequest";
}
/** CancelRequest (untagged), sent on a new connection. 3.0 keys are 4 bytes; 3.2 allows up to 256. */
export interface CancelRequest {
  /** Discriminator. */
  type: "CancelRequest";
  /** The target backend's process ID. */
  processId: number;
  /** The target backend's secret key, as sent in BackendKeyData. */
  secretKey: Uint8Array;
}
/** PasswordMessage ('p'): a cleartext or MD5-hashed password. */
export interface PasswordMessage {
  /** Discriminator. */
  type: "PasswordMessage";
  /** The password, or `"md5" + hex digest`. */
  password: string;
}
/** SASLInitialResponse ('p'): the chosen mechanism and its first message. */
export interface SASLInitialResponse {
  /** Discriminator. */
  type: "SASLInitialResponse";
  /** Mechanism name, e.g. `SCRAM-SHA-256`. */
  mechanism: string;
  /** Initial client response, or null for none (length -1 on the wire). */
  data: Uint8Array | null;
}
/** SASLResponse ('p'): a later SASL message. */
export interface SASLResponse {
  /** Discriminator. */
  type: "SASLResponse";
  /** Mechanism-specific data. */
  data: Uint8Array;
}
/** GSSResponse ('p'): GSSAPI or SSPI data. */
export interface GSSResponse {
  /** Discriminator. */
  type: "GSSResponse";
  /** GSSAPI/SSPI data. */
  data: Uint8Array;
}
/** Query ('Q'): a simple-protocol query string. */
export interface Query {
  /** Discriminator. */
  type: "Query";
  /** SQL text, possibly several statements. */
  sql: string;
}
/** Parse ('P'): prepare a statement. */
export interface Parse {
  /** Discriminator. */
  type: "Parse";
  /** Statement name; empty for the unnamed statement. */
  name: string;
  /** SQL text. */
  query: string;
  /** Parameter type OIDs; 0 leaves a type unspecified. */
  parameterTypes: number[];
}
/** Bind ('B'): create a portal from a prepared statement and parameter values. */
export interface Bind {
  /** Discriminator. */
  type: "Bind";
  /** Destination portal; empty for the unnamed portal. */
  portal: string;
  /** Source statement; empty for the unnamed statement. */
  statement: string;
  /** Parameter format codes: none (all text), one (for all), or one per parameter. */
  parameterFormats: FormatCode[];
  /** Parameter values. Strings are sent as UTF-8; decoding yields bytes. */
  parameters: WireValue[];
  /** Result column format codes, with the same none/one/each rule. */
  resultFormats: FormatCode[];
}
/** Describe ('D'): describe a prepared statement ('S') or portal ('P'). */
export interface Describe {
  /** Discriminator. */
  type: "Describe";
  /** 'S' for a statement, 'P' for a portal. */
  target: "S" | "P";
  /** Its name; empty for the unnamed one. */
  name: string;
}
/** Execute ('E'): run a portal. */
export interface Execute {
  /** Discriminator. */
  type: "Execute";
  /** Portal name; empty for the unnamed portal. */
  portal: string;
  /** Maximum rows to return; 0 for no limit. */
  maxRows: number;
}
/** Close ('C'): close a prepared statement ('S') or portal ('P'). */
export interface Close {
  /** Discriminator. */
  type: "Close";
  /** 'S' for a statement, 'P' for a portal. */
  target: "S" | "P";
  /** Its name; empty for the unnamed one. */
  name: string;
}
/** Sync ('S'): end of an extended-protocol batch. */
export interface Sync {
  /** Discriminator. */
  type: "Sync";
}
/** Flush ('H'): ask the server to send what it has buffered. */
export interface Flush {
  /** Discriminator. */
  type: "Flush";
}
/** Terminate ('X'): close the session. */
export interface Terminate {
  /** Discriminator. */
  type: "Terminate";
}
/** CopyData ('d'), in either direction. */
export interface CopyData {
  /** Discriminator. */
  type: "CopyData";
  /** Part of a COPY data stream. */
  data: Uint8Array;
}
/** CopyDone ('c'), in either direction. */
export interface CopyDone {
  /** Discriminator. */
  type: "CopyDone";
}
/** CopyFail ('f'): the frontend aborts COPY FROM STDIN. */
export interface CopyFail {
  /** Discriminator. */
  type: "CopyFail";
  /** Why the copy failed. */
  message: string;
}
/** FunctionCall ('F'): the legacy fast-path function call. */
export interface FunctionCall {
  /** Discriminator. */
  type: "FunctionCall";
  /** OID of the function. */
  functionId: number;
  /** Argument format codes: none, one, or one per argument. */
  argumentFormats: FormatCode[];
  /** Argument values. */
  arguments: WireValue[];
  /** Result format code. */
  resultFormat: FormatCode;
}

/** Every message a frontend sends. */
export type FrontendMessage =
  | StartupMessage
  | SSLRequest
  | GSSENCRequest
  | CancelRequest
  | PasswordMessage
  | SASLInitialResponse
  | SASLResponse
  | GSSResponse
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Close
  | Sync
  | Flush
  | Terminate
  | CopyData
  | CopyDone
  | CopyFail
  | FunctionCall;

// ---------------------------------------------------------------------------------------------
// Backend (server to client)

/** AuthenticationOk ('R', 0). */
export interface AuthenticationOk {
  /** Discriminator. */
  type: "AuthenticationOk";
}
/** AuthenticationKerberosV5 ('R', 2): no longer supported by servers, still decodable. */
export interface AuthenticationKerberosV5 {
  /** Discriminator. */
  type: "AuthenticationKerberosV5";
}
/** AuthenticationCleartextPassword ('R', 3). */
export interface AuthenticationCleartextPassword {
  /** Discriminator. */
  type: "AuthenticationCleartextPassword";
}
/** AuthenticationMD5Password ('R', 5) with its 4-byte salt. */
export interface AuthenticationMD5Password {
  /** Discriminator. */
  type: "AuthenticationMD5Password";
  /** The salt, 4 bytes. */
  salt: Uint8Array;
}
/** AuthenticationGSS ('R', 7). */
export interface AuthenticationGSS {
  /** Discriminator. */
  type: "AuthenticationGSS";
}
/** AuthenticationGSSContinue ('R', 8). */
export interface AuthenticationGSSContinue {
  /** Discriminator. */
  type: "AuthenticationGSSContinue";
  /** GSSAPI or SSPI data. */
  data: Uint8Array;
}
/** AuthenticationSSPI ('R', 9). */
export interface AuthenticationSSPI {
  /** Discriminator. */
  type: "AuthenticationSSPI";
}
/** AuthenticationSASL ('R', 10): the mechanisms the server offers. */
export interface AuthenticationSASL {
  /** Discriminator. */
  type: "AuthenticationSASL";
  /** Mechanism names in the server's order of preference. */
  mechanisms: string[];
}
/** AuthenticationSASLContinue ('R', 11). */
export interface AuthenticationSASLContinue {
  /** Discriminator. */
  type: "AuthenticationSASLContinue";
  /** SASL data. */
  data: Uint8Array;
}
/** AuthenticationSASLFinal ('R', 12). */
export interface AuthenticationSASLFinal {
  /** Discriminator. */
  type: "AuthenticationSASLFinal";
  /** SASL outcome data. */
  data: Uint8Array;
}
/** BackendKeyData ('K'): the key for CancelRequest (4 bytes in 3.0, up to 256 in 3.2). */
export interface BackendKeyData {
  /** Discriminator. */
  type: "BackendKeyData";
  /** Backend process ID. */
  processId: number;
  /** Secret key. */
  secretKey: Uint8Array;
}
/** BindComplete ('2'). */
export interface BindComplete {
  /** Discriminator. */
  type: "BindComplete";
}
/** CloseComplete ('3'). */
export interface CloseComplete {
  /** Discriminator. */
  type: "CloseComplete";
}
/** CommandComplete ('C'): the command tag, e.g. `SELECT 5` or `INSERT 0 1`. */
export interface CommandComplete {
  /** Discriminator. */
  type: "CommandComplete";
  /** The command tag. */
  tag: string;
}
/** CopyInResponse ('G'), CopyOutResponse ('H') and CopyBothResponse ('W') share one layout. */
export interface CopyResponseBody {
  /** Overall format: 0 textual, 1 binary. */
  format: FormatCode;
  /** Format of each column. */
  columnFormats: FormatCode[];
}
/** CopyInResponse ('G'). */
export interface CopyInResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyInResponse";
}
/** CopyOutResponse ('H'). */
export interface CopyOutResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyOutResponse";
}
/** CopyBothResponse ('W'). */
export interface CopyBothResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyBothResponse";
}
/** EmptyQueryResponse ('I'). */
export interface EmptyQueryResponse {
  /** Discriminator. */
  type: "EmptyQueryResponse";
}
/**
 * The fields of ErrorResponse and NoticeResponse keyed by their one-byte code ('S', 'C', 'M'...),
 * in wire order.
 */
export type NoticeFields = Record<string, string>;
/** ErrorResponse ('E'). */
export interface ErrorResponse {
  /** Discriminator. */
  type: "ErrorResponse";
  /** Fields by code. */
  fields: NoticeFields;
}
/** NoticeResponse ('N'). */
export interface NoticeResponse {
  /** Discriminator. */
  type: "NoticeResponse";
  /** Fields by code. */
  fields: NoticeFields;
}
/** FunctionCallResponse ('V'). */
export interface FunctionCallResponse {
  /** Discriminator. */
  type: "FunctionCallResponse";
  /** The result, or null for SQL NULL. */
  result: Uint8Array | null;
}
/** NegotiateProtocolVersion ('v'): the newest minor version the server supports. */
export interface NegotiateProtocolVersion {
  /** Discriminator. */
  type: "NegotiateProtocolVersion";
  /** Newest minor protocol version supported for the requested major version. */
  newestMinorVersion: number;
  /** Protocol options (`_pq_.*`) the server did not recognize. */
  unrecognizedOptions: string[];
}
/** NoData ('n'). */
export interface NoData {
  /** Discriminator. */
  type: "NoData";
}
/** NotificationResponse ('A'): a NOTIFY delivered to this session. */
export interface NotificationResponse {
  /** Discriminator. */
  type: "NotificationResponse";
  /** Notifying backend's process ID. */
  processId: number;
  /** Channel name. */
  channel: string;
  /** Payload string. */
  payload: string;
}
/** ParameterDescription ('t'): parameter type OIDs of a statement. */
export interface ParameterDescription {
  /** Discriminator. */
  type: "ParameterDescription";
  /** One OID per parameter. */
  parameterTypes: number[];
}
/** ParameterStatus ('S'): a run-time parameter's current value. */
export interface ParameterStatus {
  /** Discriminator. */
  type: "ParameterStatus";
  /** Parameter name. */
  name: string;
  /** Current value. */
  value: string;
}
/** ParseComplete ('1'). */
export interface ParseComplete {
  /** Discriminator. */
  type: "ParseComplete";
}
/** PortalSuspended ('s'): Execute's row limit was reached. */
export interface PortalSuspended {
  /** Discriminator. */
  type: "PortalSuspended";
}
/** Transaction status in ReadyForQuery: idle, in a transaction block, or in a failed one. */
export type TransactionStatus = "I" | "T" | "E";
/** ReadyForQuery ('Z'). */
export interface ReadyForQuery {
  /** Discriminator. */
  type: "ReadyForQuery";
  /** Transaction status. */
  status: TransactionStatus;
}
/** One column of a RowDescription. */
export interface FieldDescription {
  /** Column name. */
  name: string;
  /** OID of the source table, or 0. */
  tableOid: number;
  /** Attribute number of the source column, or 0. */
  columnAttribute: number;
  /** OID of the data type. */
  typeOid: number;
  /** `pg_type.typlen`; negative for variable width. */
  typeSize: number;
  /** `pg_attribute.atttypmod`. */
  typeModifier: number;
  /** Format code of the column. */
  format: FormatCode;
}
/** RowDescription ('T'). */
export interface RowDescription {
  /** Discriminator. */
  type: "RowDescription";
  /** One entry per column. */
  fields: FieldDescription[];
}

/** Every message a backend sends. */
export type BackendMessage =
  | AuthenticationOk
  | AuthenticationKerberosV5
  | AuthenticationCleartextPassword
  | AuthenticationMD5Password
  | AuthenticationGSS
  | AuthenticationGSSContinue
  | AuthenticationSSPI
  | AuthenticationSASL
  | AuthenticationSASLContinue
  | AuthenticationSASLFinal
  | BackendKeyData
  | BindComplete
  | CloseComplete
  | CommandComplete
  | CopyInResponse
  | CopyOutResponse
  | CopyBothResponse
  | CopyData
  | CopyDone
  | DataRow
  | EmptyQueryResponse
  | ErrorResponse
  | FunctionCallResponse
  | NegotiateProtocolVersion
  | NoData
  | NoticeResponse
  | NotificationResponse
  | ParameterDescription
  | ParameterStatus
  | ParseComplete
  | PortalSuspended
  | ReadyForQuery
  | RowDescription;
