/**
 * The messages of the PostgreSQL frontend/backend protocol (versions 3.0 and 3.2) as plain typed
 * objects, discriminated by `type`, which keeps the protocol documentation's spelling.
 *
 * See https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * @module
 */

import type { DataRow } from "./data_row.ts";

/**
 * A value in a Bind, FunctionCall or DataRow: bytes, text (sent as UTF-8) or SQL NULL.
 *
 * @example Parameter values of a Bind
 * ```ts
 * import type { WireValue } from "@pgline/pgline/protocol";
 * const values: WireValue[] = ["42", null, new Uint8Array([0, 0, 0, 7])];
 * console.assert(values.length === 3);
 * ```
 */
export type WireValue = Uint8Array | string | null;

/**
 * Format code of a parameter or column: 0 text, 1 binary.
 *
 * @example Binary results for every column
 * ```ts
 * import { encodeFrontendMessage, type FormatCode } from "@pgline/pgline/protocol";
 * const binary: FormatCode = 1;
 * const bind = encodeFrontendMessage({
 *   type: "Bind",
 *   portal: "",
 *   statement: "",
 *   parameterFormats: [],
 *   parameters: [],
 *   resultFormats: [binary],
 * });
 * console.assert(bind[0] === 0x42);
 * ```
 */
export type FormatCode = number;

// ---------------------------------------------------------------------------------------------
// Frontend (client to server)

/**
 * StartupMessage (untagged): protocol version and run-time parameters (`user` is required).
 *
 * @example Opening a session
 * ```ts
 * import {
 *   encodeFrontendMessage,
 *   FrontendStreamReader,
 *   PROTOCOL_3_0,
 *   type StartupMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: StartupMessage = {
 *   type: "StartupMessage",
 *   protocolVersion: PROTOCOL_3_0,
 *   parameters: { user: "app", database: "app" },
 * };
 * const reader = new FrontendStreamReader();
 * reader.push(encodeFrontendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "StartupMessage" && back.parameters.user === "app");
 * ```
 */
export interface StartupMessage {
  /** Discriminator. */
  type: "StartupMessage";
  /** `(major << 16) | minor`, e.g. {@link PROTOCOL_3_0}. */
  protocolVersion: number;
  /** Parameter names and values, in order. */
  parameters: Record<string, string>;
}
/**
 * SSLRequest (untagged): asks the server to switch to TLS.
 *
 * @example The first packet of a TLS session
 * ```ts
 * import {
 *   encodeFrontendMessage,
 *   FrontendStreamReader,
 *   type SSLRequest,
 * } from "@pgline/pgline/protocol";
 * const msg: SSLRequest = { type: "SSLRequest" };
 * const reader = new FrontendStreamReader();
 * reader.push(encodeFrontendMessage(msg));
 * console.assert(reader.next()?.type === "SSLRequest");
 * ```
 */
export interface SSLRequest {
  /** Discriminator. */
  type: "SSLRequest";
}
/**
 * GSSENCRequest (untagged): asks the server to switch to GSSAPI encryption.
 *
 * @example Asking for GSSAPI encryption
 * ```ts
 * import { encodeFrontendMessage, type GSSENCRequest } from "@pgline/pgline/protocol";
 * const msg: GSSENCRequest = { type: "GSSENCRequest" };
 * console.assert(encodeFrontendMessage(msg).length === 8);
 * ```
 */
export interface GSSENCRequest {
  /** Discriminator. */
  type: "GSSENCRequest";
}
/**
 * CancelRequest (untagged), sent on a new connection. 3.0 keys are 4 bytes; 3.2 allows up to 256.
 *
 * @example Cancelling a backend's query
 * ```ts
 * import { type CancelRequest, encodeFrontendMessage } from "@pgline/pgline/protocol";
 * const msg: CancelRequest = {
 *   type: "CancelRequest",
 *   processId: 4242,
 *   secretKey: new Uint8Array([1, 2, 3, 4]),
 * };
 * console.assert(encodeFrontendMessage(msg).length === 16);
 * ```
 */
export interface CancelRequest {
  /** Discriminator. */
  type: "CancelRequest";
  /** The target backend's process ID. */
  processId: number;
  /** The target backend's secret key, as sent in BackendKeyData. */
  secretKey: Uint8Array;
}
/**
 * PasswordMessage ('p'): a cleartext or MD5-hashed password.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type PasswordMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: PasswordMessage = { type: "PasswordMessage", password: "secret" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "PasswordMessage" && back.password === "secret");
 * ```
 */
export interface PasswordMessage {
  /** Discriminator. */
  type: "PasswordMessage";
  /** The password, or `"md5" + hex digest`. */
  password: string;
}
/**
 * SASLInitialResponse ('p'): the chosen mechanism and its first message.
 *
 * @example Starting SCRAM; a server decodes 'p' by what it asked for
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type SASLInitialResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: SASLInitialResponse = {
 *   type: "SASLInitialResponse",
 *   mechanism: "SCRAM-SHA-256",
 *   data: new TextEncoder().encode("n,,n=,r=abc"),
 * };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length, "SASLInitialResponse");
 * console.assert(back.type === "SASLInitialResponse" && back.mechanism === "SCRAM-SHA-256");
 * ```
 */
export interface SASLInitialResponse {
  /** Discriminator. */
  type: "SASLInitialResponse";
  /** Mechanism name, e.g. `SCRAM-SHA-256`. */
  mechanism: string;
  /** Initial client response, or null for none (length -1 on the wire). */
  data: Uint8Array | null;
}
/**
 * SASLResponse ('p'): a later SASL message.
 *
 * @example A later SCRAM message
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type SASLResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: SASLResponse = {
 *   type: "SASLResponse",
 *   data: new TextEncoder().encode("c=biws,r=abc"),
 * };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length, "SASLResponse");
 * console.assert(back.type === "SASLResponse" && back.data.length === msg.data.length);
 * ```
 */
export interface SASLResponse {
  /** Discriminator. */
  type: "SASLResponse";
  /** Mechanism-specific data. */
  data: Uint8Array;
}
/**
 * GSSResponse ('p'): GSSAPI or SSPI data.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type GSSResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: GSSResponse = { type: "GSSResponse", data: new Uint8Array([0x60, 0x82]) };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length, "GSSResponse");
 * console.assert(back.type === "GSSResponse" && back.data[0] === 0x60);
 * ```
 */
export interface GSSResponse {
  /** Discriminator. */
  type: "GSSResponse";
  /** GSSAPI/SSPI data. */
  data: Uint8Array;
}
/**
 * Query ('Q'): a simple-protocol query string.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Query,
 * } from "@pgline/pgline/protocol";
 * const msg: Query = { type: "Query", sql: "select 1; select 2" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Query" && back.sql === msg.sql);
 * ```
 */
export interface Query {
  /** Discriminator. */
  type: "Query";
  /** SQL text, possibly several statements. */
  sql: string;
}
/**
 * Parse ('P'): prepare a statement.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Parse,
 * } from "@pgline/pgline/protocol";
 * const msg: Parse = { type: "Parse", name: "", query: "select $1::int4", parameterTypes: [23] };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Parse" && back.parameterTypes[0] === 23);
 * ```
 */
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
/**
 * Bind ('B'): create a portal from a prepared statement and parameter values.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   type Bind,
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: Bind = {
 *   type: "Bind",
 *   portal: "",
 *   statement: "",
 *   parameterFormats: [0],
 *   parameters: ["42", null],
 *   resultFormats: [1],
 * };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Bind" && back.parameters[1] === null);
 * ```
 */
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
/**
 * Describe ('D'): describe a prepared statement ('S') or portal ('P').
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   type Describe,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: Describe = { type: "Describe", target: "S", name: "stmt1" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Describe" && back.target === "S");
 * ```
 */
export interface Describe {
  /** Discriminator. */
  type: "Describe";
  /** 'S' for a statement, 'P' for a portal. */
  target: "S" | "P";
  /** Its name; empty for the unnamed one. */
  name: string;
}
/**
 * Execute ('E'): run a portal.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Execute,
 * } from "@pgline/pgline/protocol";
 * const msg: Execute = { type: "Execute", portal: "", maxRows: 100 };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Execute" && back.maxRows === 100);
 * ```
 */
export interface Execute {
  /** Discriminator. */
  type: "Execute";
  /** Portal name; empty for the unnamed portal. */
  portal: string;
  /** Maximum rows to return; 0 for no limit. */
  maxRows: number;
}
/**
 * Close ('C'): close a prepared statement ('S') or portal ('P').
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   type Close,
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: Close = { type: "Close", target: "P", name: "cursor1" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Close" && back.name === "cursor1");
 * ```
 */
export interface Close {
  /** Discriminator. */
  type: "Close";
  /** 'S' for a statement, 'P' for a portal. */
  target: "S" | "P";
  /** Its name; empty for the unnamed one. */
  name: string;
}
/**
 * Sync ('S'): end of an extended-protocol batch.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Sync,
 * } from "@pgline/pgline/protocol";
 * const msg: Sync = { type: "Sync" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Sync" && bytes.length === 5);
 * ```
 */
export interface Sync {
  /** Discriminator. */
  type: "Sync";
}
/**
 * Flush ('H'): ask the server to send what it has buffered.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Flush,
 * } from "@pgline/pgline/protocol";
 * const msg: Flush = { type: "Flush" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Flush");
 * ```
 */
export interface Flush {
  /** Discriminator. */
  type: "Flush";
}
/**
 * Terminate ('X'): close the session.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type Terminate,
 * } from "@pgline/pgline/protocol";
 * const msg: Terminate = { type: "Terminate" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "Terminate");
 * ```
 */
export interface Terminate {
  /** Discriminator. */
  type: "Terminate";
}
/**
 * CopyData ('d'), in either direction.
 *
 * @example A row of COPY text data, sent by the client
 * ```ts
 * import {
 *   type CopyData,
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyData = { type: "CopyData", data: new TextEncoder().encode("1\tone\n") };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "CopyData" && back.data.length === 6);
 * ```
 */
export interface CopyData {
  /** Discriminator. */
  type: "CopyData";
  /** Part of a COPY data stream. */
  data: Uint8Array;
}
/**
 * CopyDone ('c'), in either direction.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   type CopyDone,
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyDone = { type: "CopyDone" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "CopyDone");
 * ```
 */
export interface CopyDone {
  /** Discriminator. */
  type: "CopyDone";
}
/**
 * CopyFail ('f'): the frontend aborts COPY FROM STDIN.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   type CopyFail,
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyFail = { type: "CopyFail", message: "source failed" };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "CopyFail" && back.message === "source failed");
 * ```
 */
export interface CopyFail {
  /** Discriminator. */
  type: "CopyFail";
  /** Why the copy failed. */
  message: string;
}
/**
 * FunctionCall ('F'): the legacy fast-path function call.
 *
 * @example Encoding and decoding it
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type FunctionCall,
 * } from "@pgline/pgline/protocol";
 * const msg: FunctionCall = {
 *   type: "FunctionCall",
 *   functionId: 1598, // random()
 *   argumentFormats: [],
 *   arguments: [],
 *   resultFormat: 0,
 * };
 * const bytes = encodeFrontendMessage(msg);
 * const back = decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length);
 * console.assert(back.type === "FunctionCall" && back.functionId === 1598);
 * ```
 */
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

/**
 * Every message a frontend sends.
 *
 * @example Handling what a client sent
 * ```ts
 * import {
 *   encodeFrontendMessage,
 *   type FrontendMessage,
 *   FrontendStreamReader,
 * } from "@pgline/pgline/protocol";
 * function describe(msg: FrontendMessage): string {
 *   switch (msg.type) {
 *     case "StartupMessage":
 *       return `startup as ${msg.parameters.user}`;
 *     case "Query":
 *       return `query: ${msg.sql}`;
 *     default:
 *       return msg.type;
 *   }
 * }
 * const reader = new FrontendStreamReader();
 * reader.push(encodeFrontendMessage({ type: "SSLRequest" }));
 * console.assert(describe(reader.next()!) === "SSLRequest");
 * ```
 */
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

/**
 * AuthenticationOk ('R', 0).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationOk,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationOk = { type: "AuthenticationOk" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationOk");
 * ```
 */
export interface AuthenticationOk {
  /** Discriminator. */
  type: "AuthenticationOk";
}
/**
 * AuthenticationKerberosV5 ('R', 2): no longer supported by servers, still decodable.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationKerberosV5,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationKerberosV5 = { type: "AuthenticationKerberosV5" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationKerberosV5");
 * ```
 */
export interface AuthenticationKerberosV5 {
  /** Discriminator. */
  type: "AuthenticationKerberosV5";
}
/**
 * AuthenticationCleartextPassword ('R', 3).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationCleartextPassword,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationCleartextPassword = { type: "AuthenticationCleartextPassword" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationCleartextPassword");
 * ```
 */
export interface AuthenticationCleartextPassword {
  /** Discriminator. */
  type: "AuthenticationCleartextPassword";
}
/**
 * AuthenticationMD5Password ('R', 5) with its 4-byte salt.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationMD5Password,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationMD5Password = {
 *   type: "AuthenticationMD5Password",
 *   salt: new Uint8Array([1, 2, 3, 4]),
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationMD5Password" && back.salt[3] === 4);
 * ```
 */
export interface AuthenticationMD5Password {
  /** Discriminator. */
  type: "AuthenticationMD5Password";
  /** The salt, 4 bytes. */
  salt: Uint8Array;
}
/**
 * AuthenticationGSS ('R', 7).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationGSS,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationGSS = { type: "AuthenticationGSS" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationGSS");
 * ```
 */
export interface AuthenticationGSS {
  /** Discriminator. */
  type: "AuthenticationGSS";
}
/**
 * AuthenticationGSSContinue ('R', 8).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationGSSContinue,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationGSSContinue = {
 *   type: "AuthenticationGSSContinue",
 *   data: new Uint8Array([0x60]),
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationGSSContinue" && back.data.length === 1);
 * ```
 */
export interface AuthenticationGSSContinue {
  /** Discriminator. */
  type: "AuthenticationGSSContinue";
  /** GSSAPI or SSPI data. */
  data: Uint8Array;
}
/**
 * AuthenticationSSPI ('R', 9).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationSSPI,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationSSPI = { type: "AuthenticationSSPI" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationSSPI");
 * ```
 */
export interface AuthenticationSSPI {
  /** Discriminator. */
  type: "AuthenticationSSPI";
}
/**
 * AuthenticationSASL ('R', 10): the mechanisms the server offers.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationSASL,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationSASL = {
 *   type: "AuthenticationSASL",
 *   mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"],
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationSASL" && back.mechanisms.length === 2);
 * ```
 */
export interface AuthenticationSASL {
  /** Discriminator. */
  type: "AuthenticationSASL";
  /** Mechanism names in the server's order of preference. */
  mechanisms: string[];
}
/**
 * AuthenticationSASLContinue ('R', 11).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationSASLContinue,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationSASLContinue = {
 *   type: "AuthenticationSASLContinue",
 *   data: new TextEncoder().encode("r=abc,s=c2FsdA==,i=4096"),
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationSASLContinue");
 * ```
 */
export interface AuthenticationSASLContinue {
  /** Discriminator. */
  type: "AuthenticationSASLContinue";
  /** SASL data. */
  data: Uint8Array;
}
/**
 * AuthenticationSASLFinal ('R', 12).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type AuthenticationSASLFinal,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: AuthenticationSASLFinal = {
 *   type: "AuthenticationSASLFinal",
 *   data: new TextEncoder().encode("v=c2ln"),
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "AuthenticationSASLFinal");
 * ```
 */
export interface AuthenticationSASLFinal {
  /** Discriminator. */
  type: "AuthenticationSASLFinal";
  /** SASL outcome data. */
  data: Uint8Array;
}
/**
 * BackendKeyData ('K'): the key for CancelRequest (4 bytes in 3.0, up to 256 in 3.2).
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   type BackendKeyData,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: BackendKeyData = {
 *   type: "BackendKeyData",
 *   processId: 4242,
 *   secretKey: new Uint8Array([9, 8, 7, 6]),
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "BackendKeyData" && back.processId === 4242);
 * ```
 */
export interface BackendKeyData {
  /** Discriminator. */
  type: "BackendKeyData";
  /** Backend process ID. */
  processId: number;
  /** Secret key. */
  secretKey: Uint8Array;
}
/**
 * BindComplete ('2').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type BindComplete,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: BindComplete = { type: "BindComplete" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "BindComplete");
 * ```
 */
export interface BindComplete {
  /** Discriminator. */
  type: "BindComplete";
}
/**
 * CloseComplete ('3').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type CloseComplete,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CloseComplete = { type: "CloseComplete" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "CloseComplete");
 * ```
 */
export interface CloseComplete {
  /** Discriminator. */
  type: "CloseComplete";
}
/**
 * CommandComplete ('C'): the command tag, e.g. `SELECT 5` or `INSERT 0 1`.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type CommandComplete,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CommandComplete = { type: "CommandComplete", tag: "INSERT 0 3" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "CommandComplete" && back.tag === "INSERT 0 3");
 * ```
 */
export interface CommandComplete {
  /** Discriminator. */
  type: "CommandComplete";
  /** The command tag. */
  tag: string;
}
/**
 * CopyInResponse ('G'), CopyOutResponse ('H') and CopyBothResponse ('W') share one layout.
 *
 * @example The part the three COPY responses share
 * ```ts
 * import type { CopyResponseBody } from "@pgline/pgline/protocol";
 * const textCopy: CopyResponseBody = { format: 0, columnFormats: [0, 0] };
 * console.assert(textCopy.columnFormats.length === 2);
 * ```
 */
export interface CopyResponseBody {
  /** Overall format: 0 textual, 1 binary. */
  format: FormatCode;
  /** Format of each column. */
  columnFormats: FormatCode[];
}
/**
 * CopyInResponse ('G').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type CopyInResponse,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyInResponse = { type: "CopyInResponse", format: 0, columnFormats: [0, 0] };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "CopyInResponse" && back.columnFormats.length === 2);
 * ```
 */
export interface CopyInResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyInResponse";
}
/**
 * CopyOutResponse ('H').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type CopyOutResponse,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyOutResponse = { type: "CopyOutResponse", format: 1, columnFormats: [1] };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "CopyOutResponse" && back.format === 1);
 * ```
 */
export interface CopyOutResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyOutResponse";
}
/**
 * CopyBothResponse ('W').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type CopyBothResponse,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: CopyBothResponse = { type: "CopyBothResponse", format: 0, columnFormats: [] };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "CopyBothResponse");
 * ```
 */
export interface CopyBothResponse extends CopyResponseBody {
  /** Discriminator. */
  type: "CopyBothResponse";
}
/**
 * EmptyQueryResponse ('I').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   type EmptyQueryResponse,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * const msg: EmptyQueryResponse = { type: "EmptyQueryResponse" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "EmptyQueryResponse");
 * ```
 */
export interface EmptyQueryResponse {
  /** Discriminator. */
  type: "EmptyQueryResponse";
}
/**
 * The fields of ErrorResponse and NoticeResponse keyed by their one-byte code ('S', 'C', 'M'...),
 * in wire order.
 *
 * @example The fields of a unique violation
 * ```ts
 * import type { NoticeFields } from "@pgline/pgline/protocol";
 * const fields: NoticeFields = { S: "ERROR", C: "23505", M: "duplicate key value" };
 * console.assert(fields.C === "23505");
 * ```
 */
export type NoticeFields = Record<string, string>;
/**
 * ErrorResponse ('E').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type ErrorResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: ErrorResponse = {
 *   type: "ErrorResponse",
 *   fields: { S: "ERROR", C: "42P01", M: "relation does not exist" },
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "ErrorResponse" && back.fields.C === "42P01");
 * ```
 */
export interface ErrorResponse {
  /** Discriminator. */
  type: "ErrorResponse";
  /** Fields by code. */
  fields: NoticeFields;
}
/**
 * NoticeResponse ('N').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type NoticeResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: NoticeResponse = {
 *   type: "NoticeResponse",
 *   fields: { S: "NOTICE", C: "00000", M: "hello" },
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "NoticeResponse" && back.fields.M === "hello");
 * ```
 */
export interface NoticeResponse {
  /** Discriminator. */
  type: "NoticeResponse";
  /** Fields by code. */
  fields: NoticeFields;
}
/**
 * FunctionCallResponse ('V').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type FunctionCallResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: FunctionCallResponse = { type: "FunctionCallResponse", result: null };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "FunctionCallResponse" && back.result === null);
 * ```
 */
export interface FunctionCallResponse {
  /** Discriminator. */
  type: "FunctionCallResponse";
  /** The result, or null for SQL NULL. */
  result: Uint8Array | null;
}
/**
 * NegotiateProtocolVersion ('v'): the newest minor version the server supports.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type NegotiateProtocolVersion,
 * } from "@pgline/pgline/protocol";
 * const msg: NegotiateProtocolVersion = {
 *   type: "NegotiateProtocolVersion",
 *   newestMinorVersion: 0,
 *   unrecognizedOptions: ["_pq_.example"],
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "NegotiateProtocolVersion" && back.newestMinorVersion === 0);
 * ```
 */
export interface NegotiateProtocolVersion {
  /** Discriminator. */
  type: "NegotiateProtocolVersion";
  /** Newest minor protocol version supported for the requested major version. */
  newestMinorVersion: number;
  /** Protocol options (`_pq_.*`) the server did not recognize. */
  unrecognizedOptions: string[];
}
/**
 * NoData ('n').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import { BackendStreamReader, encodeBackendMessage, type NoData } from "@pgline/pgline/protocol";
 * const msg: NoData = { type: "NoData" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "NoData");
 * ```
 */
export interface NoData {
  /** Discriminator. */
  type: "NoData";
}
/**
 * NotificationResponse ('A'): a NOTIFY delivered to this session.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type NotificationResponse,
 * } from "@pgline/pgline/protocol";
 * const msg: NotificationResponse = {
 *   type: "NotificationResponse",
 *   processId: 7,
 *   channel: "jobs",
 *   payload: "42",
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "NotificationResponse" && back.payload === "42");
 * ```
 */
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
/**
 * ParameterDescription ('t'): parameter type OIDs of a statement.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type ParameterDescription,
 * } from "@pgline/pgline/protocol";
 * const msg: ParameterDescription = { type: "ParameterDescription", parameterTypes: [23, 25] };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "ParameterDescription" && back.parameterTypes[1] === 25);
 * ```
 */
export interface ParameterDescription {
  /** Discriminator. */
  type: "ParameterDescription";
  /** One OID per parameter. */
  parameterTypes: number[];
}
/**
 * ParameterStatus ('S'): a run-time parameter's current value.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type ParameterStatus,
 * } from "@pgline/pgline/protocol";
 * const msg: ParameterStatus = { type: "ParameterStatus", name: "TimeZone", value: "UTC" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "ParameterStatus" && back.value === "UTC");
 * ```
 */
export interface ParameterStatus {
  /** Discriminator. */
  type: "ParameterStatus";
  /** Parameter name. */
  name: string;
  /** Current value. */
  value: string;
}
/**
 * ParseComplete ('1').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type ParseComplete,
 * } from "@pgline/pgline/protocol";
 * const msg: ParseComplete = { type: "ParseComplete" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "ParseComplete");
 * ```
 */
export interface ParseComplete {
  /** Discriminator. */
  type: "ParseComplete";
}
/**
 * PortalSuspended ('s'): Execute's row limit was reached.
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type PortalSuspended,
 * } from "@pgline/pgline/protocol";
 * const msg: PortalSuspended = { type: "PortalSuspended" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "PortalSuspended");
 * ```
 */
export interface PortalSuspended {
  /** Discriminator. */
  type: "PortalSuspended";
}
/**
 * Transaction status in ReadyForQuery: idle, in a transaction block, or in a failed one.
 *
 * @example Telling the three states apart
 * ```ts
 * import type { TransactionStatus } from "@pgline/pgline/protocol";
 * const describe = (status: TransactionStatus): string =>
 *   status === "I" ? "idle" : status === "T" ? "in a transaction" : "in a failed transaction";
 * console.assert(describe("E") === "in a failed transaction");
 * ```
 */
export type TransactionStatus = "I" | "T" | "E";
/**
 * ReadyForQuery ('Z').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type ReadyForQuery,
 * } from "@pgline/pgline/protocol";
 * const msg: ReadyForQuery = { type: "ReadyForQuery", status: "T" };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "ReadyForQuery" && back.status === "T");
 * ```
 */
export interface ReadyForQuery {
  /** Discriminator. */
  type: "ReadyForQuery";
  /** Transaction status. */
  status: TransactionStatus;
}
/**
 * One column of a RowDescription.
 *
 * @example An int4 column computed by a query
 * ```ts
 * import type { FieldDescription } from "@pgline/pgline/protocol";
 * const n: FieldDescription = {
 *   name: "n",
 *   tableOid: 0,
 *   columnAttribute: 0,
 *   typeOid: 23,
 *   typeSize: 4,
 *   typeModifier: -1,
 *   format: 0,
 * };
 * console.assert(n.typeOid === 23);
 * ```
 */
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
/**
 * RowDescription ('T').
 *
 * @example Encoding it and reading it back
 * ```ts
 * import {
 *   BackendStreamReader,
 *   encodeBackendMessage,
 *   type RowDescription,
 * } from "@pgline/pgline/protocol";
 * const msg: RowDescription = {
 *   type: "RowDescription",
 *   fields: [
 *     {
 *       name: "n",
 *       tableOid: 0,
 *       columnAttribute: 0,
 *       typeOid: 23,
 *       typeSize: 4,
 *       typeModifier: -1,
 *       format: 0,
 *     },
 *   ],
 * };
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage(msg));
 * const back = reader.next();
 * console.assert(back?.type === "RowDescription" && back.fields[0]?.name === "n");
 * ```
 */
export interface RowDescription {
  /** Discriminator. */
  type: "RowDescription";
  /** One entry per column. */
  fields: FieldDescription[];
}

/**
 * Every message a backend sends.
 *
 * @example Handling what a server sent
 * ```ts
 * import {
 *   type BackendMessage,
 *   BackendStreamReader,
 *   encodeBackendMessage,
 * } from "@pgline/pgline/protocol";
 * function describe(msg: BackendMessage): string {
 *   switch (msg.type) {
 *     case "ErrorResponse":
 *       return `error ${msg.fields.C}`;
 *     case "DataRow":
 *       return `row of ${msg.columnCount}`;
 *     case "ReadyForQuery":
 *       return `ready (${msg.status})`;
 *     default:
 *       return msg.type;
 *   }
 * }
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage({ type: "ReadyForQuery", status: "I" }));
 * console.assert(describe(reader.next()!) === "ready (I)");
 * ```
 */
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
