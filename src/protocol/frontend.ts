/**
 * Encode and decode every frontend (client to server) message, including the untagged packets of
 * the startup phase.
 *
 * See https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { BodyReader } from "./body_reader.ts";
import { BufferWriter, checkCount } from "./buffer_writer.ts";
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MAX_CANCEL_KEY_LENGTH,
  SSL_REQUEST_CODE,
} from "./constants.ts";
import type { FrontendMessage, WireValue } from "./messages.ts";

/**
 * Tag bytes of the tagged frontend messages.
 *
 * @example Dispatching on a tag byte
 * ```ts
 * import { encodeFrontendMessage, FRONTEND_TAGS } from "@pgline/pgline/protocol";
 * const bytes = encodeFrontendMessage({ type: "Query", sql: "select 1" });
 * console.assert(bytes[0] === FRONTEND_TAGS.Query);
 * ```
 */
export const FRONTEND_TAGS = {
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse all use 'p'. */
  Password: 0x70, // 'p'
  Query: 0x51, // 'Q'
  Parse: 0x50, // 'P'
  Bind: 0x42, // 'B'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  Close: 0x43, // 'C'
  Sync: 0x53, // 'S'
  Flush: 0x48, // 'H'
  Terminate: 0x58, // 'X'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyFail: 0x66, // 'f'
  FunctionCall: 0x46, // 'F'
} as const;

/**
 * Which message a 'p' packet holds. The tag alone cannot tell: a server knows from the
 * authentication request it sent last.
 *
 * @example Decoding a 'p' packet after asking for SASL
 * ```ts
 * import {
 *   decodeFrontendMessage,
 *   encodeFrontendMessage,
 *   type PasswordPacketKind,
 * } from "@pgline/pgline/protocol";
 * const kind: PasswordPacketKind = "SASLResponse";
 * const bytes = encodeFrontendMessage({ type: "SASLResponse", data: new Uint8Array([1]) });
 * console.assert(decodeFrontendMessage(bytes[0]!, bytes, 5, bytes.length, kind).type === kind);
 * ```
 */
export type PasswordPacketKind =
  | "PasswordMessage"
  | "SASLInitialResponse"
  | "SASLResponse"
  | "GSSResponse";

/**
 * Decodes an untagged startup-phase packet body `bytes[start, end)` (after its length word):
 * StartupMessage, SSLRequest, GSSENCRequest or CancelRequest.
 *
 * @throws {ProtocolError} for an unknown request code, an unsupported protocol version, or a
 * malformed body.
 *
 * @example Decoding SSLRequest
 * ```ts
 * import { decodeStartupPacket } from "@pgline/pgline/protocol";
 * const body = new Uint8Array([0x04, 0xd2, 0x16, 0x2f]);
 * console.assert(decodeStartupPacket(body, 0, 4).type === "SSLRequest");
 * ```
 */
export function decodeStartupPacket(
  bytes: Uint8Array,
  start: number,
  end: number,
): FrontendMessage {
  const r = new BodyReader(bytes, start, end, "startup packet");
  const code = r.int32("protocol version or request code");
  switch (code) {
    case SSL_REQUEST_CODE:
      r.done();
      return { type: "SSLRequest" };
    case GSSENC_REQUEST_CODE:
      r.done();
      return { type: "GSSENCRequest" };
    case CANCEL_REQUEST_CODE: {
      const processId = r.int32("process ID");
      const keyLength = r.remaining;
      if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
        r.fail(`CancelRequest secret key has ${keyLength} bytes, expected 4 to 256`);
      }
      return { type: "CancelRequest", processId, secretKey: r.rest() };
    }
  }
  const major = code >>> 16;
  if (major !== 3) {
    r.fail(`unsupported protocol version ${major}.${code & 0xffff} or unknown request code`);
  }
  const parameters: Record<string, string> = Object.create(null);
  for (;;) {
    const name = r.cstring("parameter name");
    if (name === "") break;
    parameters[name] = r.cstring(`value of parameter ${name}`);
  }
  r.done();
  return { type: "StartupMessage", protocolVersion: code, parameters };
}

/**
 * Decodes the body `bytes[start, end)` of a tagged frontend message.
 *
 * @param tag The message's type byte.
 * @param bytes Buffer holding the body.
 * @param start First byte of the body (after the length word).
 * @param end One past the last byte of the body.
 * @param passwordKind What a 'p' packet holds at this point of authentication.
 * @returns The decoded message. CopyData keeps a view of `bytes`.
 * @throws {ProtocolError} for an unknown tag or a malformed body.
 *
 * @example Decoding a Query
 * ```ts
 * import { decodeFrontendMessage } from "@pgline/pgline/protocol";
 * const body = new TextEncoder().encode("select 1\0");
 * const msg = decodeFrontendMessage(0x51, body, 0, body.length);
 * console.assert(msg.type === "Query" && msg.sql === "select 1");
 * ```
 */
export function decodeFrontendMessage(
  tag: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  passwordKind: PasswordPacketKind = "PasswordMessage",
): FrontendMessage {
  switch (tag) {
    case 0x70:
      return decodePasswordPacket(bytes, start, end, passwordKind);
    case 0x51: {
      const r = new BodyReader(bytes, start, end, "Query");
      const sql = r.cstring("query string");
      r.done();
      return { type: "Query", sql };
    }
    case 0x50: {
      const r = new BodyReader(bytes, start, end, "Parse");
      const name = r.cstring("statement name");
      const query = r.cstring("query string");
      const parameterTypes = r.oidArray("parameter types");
      r.done();
      return { type: "Parse", name, query, parameterTypes };
    }
    case 0x42: {
      const r = new BodyReader(bytes, start, end, "Bind");
      const portal = r.cstring("portal name");
      const statement = r.cstring("statement name");
      const parameterFormats = r.int16Array("parameter format codes");
      const parameters = readValues(r, "parameter");
      const resultFormats = r.int16Array("result format codes");
      r.done();
      return { type: "Bind", portal, statement, parameterFormats, parameters, resultFormats };
    }
    case 0x44:
    case 0x43: {
      const name = tag === 0x44 ? "Describe" : "Close";
      const r = new BodyReader(bytes, start, end, name);
      const target = r.byte("target");
      if (target !== 0x53 && target !== 0x50) {
        r.fail(`target must be 'S' or 'P', got ${target}`);
      }
      const targetName = r.cstring("name");
      r.done();
      return {
        type: name,
        target: target === 0x53 ? "S" : "P",
        name: targetName,
      };
    }
    case 0x45: {
      const r = new BodyReader(bytes, start, end, "Execute");
      const portal = r.cstring("portal name");
      const maxRows = r.int32("row limit");
      r.done();
      return { type: "Execute", portal, maxRows };
    }
    case 0x53:
      return empty({ type: "Sync" }, start, end);
    case 0x48:
      return empty({ type: "Flush" }, start, end);
    case 0x58:
      return empty({ type: "Terminate" }, start, end);
    case 0x63:
      return empty({ type: "CopyDone" }, start, end);
    case 0x64:
      return { type: "CopyData", data: bytes.subarray(start, end) };
    case 0x66: {
      const r = new BodyReader(bytes, start, end, "CopyFail");
      const message = r.cstring("error message");
      r.done();
      return { type: "CopyFail", message };
    }
    case 0x46: {
      const r = new BodyReader(bytes, start, end, "FunctionCall");
      const functionId = r.uint32("function OID");
      const argumentFormats = r.int16Array("argument format codes");
      const args = readValues(r, "argument");
      const resultFormat = r.int16("result format code");
      r.done();
      return { type: "FunctionCall", functionId, argumentFormats, arguments: args, resultFormat };
    }
  }
  const shown = tag >= 0x20 && tag < 0x7f
    ? `'${String.fromCharCode(tag)}'`
    : `0x${tag.toString(16)}`;
  throw new ProtocolError(`Unknown frontend message type ${shown}`, 0);
}

function empty(msg: FrontendMessage, start: number, end: number): FrontendMessage {
  if (end !== start) {
    throw new ProtocolError(
      `Cannot decode ${msg.type} message: ${end - start} unexpected bytes`,
      0,
    );
  }
  return msg;
}

function readValues(r: BodyReader, what: string): WireValue[] {
  const count = r.uint16(`${what} count`);
  // Each value takes at least its 4-byte length: refuse impossible counts before allocating.
  if (count * 4 > r.remaining) r.fail(`${what} count ${count} does not fit in the message`);
  const values = new Array<WireValue>(count);
  for (let i = 0; i < count; i++) values[i] = r.nullableBytes(`${what} ${i + 1}`);
  return values;
}

function decodePasswordPacket(
  bytes: Uint8Array,
  start: number,
  end: number,
  kind: PasswordPacketKind,
): FrontendMessage {
  const r = new BodyReader(bytes, start, end, kind);
  switch (kind) {
    case "PasswordMessage": {
      const password = r.cstring("password");
      r.done();
      return { type: "PasswordMessage", password };
    }
    case "SASLInitialResponse": {
      const mechanism = r.cstring("mechanism name");
      const data = r.nullableBytes("initial response");
      r.done();
      return { type: "SASLInitialResponse", mechanism, data };
    }
    case "SASLResponse":
      return { type: "SASLResponse", data: r.rest() };
    case "GSSResponse":
      return { type: "GSSResponse", data: r.rest() };
  }
}

function formats(w: BufferWriter, codes: readonly number[], what: string): void {
  w.int16(checkCount(codes.length, what));
  for (const c of codes) w.int16(c);
}

function values(w: BufferWriter, list: readonly WireValue[], what: string): void {
  w.int16(checkCount(list.length, what));
  for (const v of list) w.lengthPrefixed(v);
}

/**
 * Appends a frontend message to `w`.
 *
 * @param w The writer to append to.
 * @param msg The message.
 * @throws {TypeError} if a string field contains NUL or a field is out of range.
 * @throws {RangeError} if a list is longer than the protocol's Int16 count allows.
 *
 * @example Writing Parse and Sync into one buffer
 * ```ts
 * import { BufferWriter, writeFrontendMessage } from "@pgline/pgline/protocol";
 * const w = new BufferWriter();
 * writeFrontendMessage(w, { type: "Parse", name: "", query: "select $1", parameterTypes: [23] });
 * writeFrontendMessage(w, { type: "Sync" });
 * const bytes = w.take();
 * console.assert(bytes.length === 27);
 * ```
 */
export function writeFrontendMessage(w: BufferWriter, msg: FrontendMessage): void {
  switch (msg.type) {
    case "StartupMessage":
      w.beginUntagged();
      w.int32(msg.protocolVersion);
      for (const name in msg.parameters) {
        if (name === "") throw new TypeError("Startup parameter name must not be empty");
        w.cstring(name, "Startup parameter name");
        w.cstring(msg.parameters[name]!, `Startup parameter ${name}`);
      }
      w.byte(0);
      return w.finish();
    case "SSLRequest":
      return requestCode(w, SSL_REQUEST_CODE);
    case "GSSENCRequest":
      return requestCode(w, GSSENC_REQUEST_CODE);
    case "CancelRequest":
      if (msg.secretKey.length < 4 || msg.secretKey.length > MAX_CANCEL_KEY_LENGTH) {
        throw new TypeError(`Cancel key must be 4 to ${MAX_CANCEL_KEY_LENGTH} bytes`);
      }
      w.beginUntagged();
      w.int32(CANCEL_REQUEST_CODE);
      w.int32(msg.processId);
      w.bytes(msg.secretKey);
      return w.finish();
    case "PasswordMessage":
      w.begin(FRONTEND_TAGS.Password);
      w.cstring(msg.password, "Password");
      return w.finish();
    case "SASLInitialResponse":
      w.begin(FRONTEND_TAGS.Password);
      w.cstring(msg.mechanism, "SASL mechanism name");
      w.lengthPrefixed(msg.data);
      return w.finish();
    case "SASLResponse":
    case "GSSResponse":
      w.begin(FRONTEND_TAGS.Password);
      w.bytes(msg.data);
      return w.finish();
    case "Query":
      w.begin(FRONTEND_TAGS.Query);
      w.cstring(msg.sql, "Query text");
      return w.finish();
    case "Parse":
      w.begin(FRONTEND_TAGS.Parse);
      w.cstring(msg.name, "Statement name");
      w.cstring(msg.query, "Query text");
      w.int16(checkCount(msg.parameterTypes.length, "parameter types"));
      for (const oid of msg.parameterTypes) w.int32(oid);
      return w.finish();
    case "Bind":
      w.begin(FRONTEND_TAGS.Bind);
      w.cstring(msg.portal, "Portal name");
      w.cstring(msg.statement, "Statement name");
      formats(w, msg.parameterFormats, "parameter format codes");
      values(w, msg.parameters, "parameters");
      formats(w, msg.resultFormats, "result format codes");
      return w.finish();
    case "Describe":
    case "Close":
      w.begin(msg.type === "Describe" ? FRONTEND_TAGS.Describe : FRONTEND_TAGS.Close);
      w.byte(msg.target === "S" ? 0x53 : 0x50);
      w.cstring(msg.name, `${msg.type} target name`);
      return w.finish();
    case "Execute":
      w.begin(FRONTEND_TAGS.Execute);
      w.cstring(msg.portal, "Portal name");
      w.int32(msg.maxRows);
      return w.finish();
    case "Sync":
      return bare(w, FRONTEND_TAGS.Sync);
    case "Flush":
      return bare(w, FRONTEND_TAGS.Flush);
    case "Terminate":
      return bare(w, FRONTEND_TAGS.Terminate);
    case "CopyData":
      w.begin(FRONTEND_TAGS.CopyData);
      w.bytes(msg.data);
      return w.finish();
    case "CopyDone":
      return bare(w, FRONTEND_TAGS.CopyDone);
    case "CopyFail":
      w.begin(FRONTEND_TAGS.CopyFail);
      w.cstring(msg.message, "CopyFail message");
      return w.finish();
    case "FunctionCall":
      w.begin(FRONTEND_TAGS.FunctionCall);
      w.int32(msg.functionId);
      formats(w, msg.argumentFormats, "argument format codes");
      values(w, msg.arguments, "arguments");
      w.int16(msg.resultFormat);
      return w.finish();
  }
}

function bare(w: BufferWriter, tag: number): void {
  w.begin(tag);
  w.finish();
}

function requestCode(w: BufferWriter, code: number): void {
  w.beginUntagged();
  w.int32(code);
  w.finish();
}

/**
 * Encodes one frontend message into a new buffer.
 *
 * @param msg The message.
 * @returns Its wire bytes.
 *
 * @example
 * ```ts
 * import { encodeFrontendMessage } from "@pgline/pgline/protocol";
 * const bytes = encodeFrontendMessage({ type: "Query", sql: "select 1" });
 * console.assert(bytes.length === 14);
 * ```
 */
export function encodeFrontendMessage(msg: FrontendMessage): Uint8Array {
  const w = new BufferWriter(64);
  writeFrontendMessage(w, msg);
  return w.take();
}

/**
 * Precomputed frames for messages without fields. Frozen views: never write into them.
 *
 * @example Sending a Sync without encoding it
 * ```ts
 * import { decodeFrontendMessage, FRAMES } from "@pgline/pgline/protocol";
 * const sync = FRAMES.Sync;
 * console.assert(decodeFrontendMessage(sync[0]!, sync, 5, sync.length).type === "Sync");
 * ```
 */
export const FRAMES: {
  readonly Sync: Uint8Array;
  readonly Flush: Uint8Array;
  readonly Terminate: Uint8Array;
  readonly CopyDone: Uint8Array;
  readonly SSLRequest: Uint8Array;
  readonly GSSENCRequest: Uint8Array;
} = {
  Sync: encodeFrontendMessage({ type: "Sync" }),
  Flush: encodeFrontendMessage({ type: "Flush" }),
  Terminate: encodeFrontendMessage({ type: "Terminate" }),
  CopyDone: encodeFrontendMessage({ type: "CopyDone" }),
  SSLRequest: encodeFrontendMessage({ type: "SSLRequest" }),
  GSSENCRequest: encodeFrontendMessage({ type: "GSSENCRequest" }),
};
