/**
 * Encode and decode every backend (server to client) message.
 *
 * See https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { BodyReader } from "./body_reader.ts";
import { BufferWriter, checkCount } from "./buffer_writer.ts";
import { MAX_CANCEL_KEY_LENGTH } from "./constants.ts";
import { type ChunkText, type DataRow, decodeDataRow } from "./data_row.ts";
import type {
  BackendMessage,
  CopyResponseBody,
  FieldDescription,
  NoticeFields,
  TransactionStatus,
} from "./messages.ts";

/**
 * Tag bytes of the backend messages.
 *
 * @example Dispatching on a tag byte
 * ```ts
 * import { BACKEND_TAGS, encodeBackendMessage } from "@pgline/pgline/protocol";
 * const bytes = encodeBackendMessage({ type: "ReadyForQuery", status: "I" });
 * console.assert(bytes[0] === BACKEND_TAGS.ReadyForQuery);
 * ```
 */
export const BACKEND_TAGS = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  CopyBothResponse: 0x57, // 'W'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  FunctionCallResponse: 0x56, // 'V'
  NegotiateProtocolVersion: 0x76, // 'v'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

// Messages without fields are shared, frozen singletons: decoding them allocates nothing.
const BIND_COMPLETE = Object.freeze({ type: "BindComplete" as const });
const CLOSE_COMPLETE = Object.freeze({ type: "CloseComplete" as const });
const COPY_DONE = Object.freeze({ type: "CopyDone" as const });
const EMPTY_QUERY = Object.freeze({ type: "EmptyQueryResponse" as const });
const NO_DATA = Object.freeze({ type: "NoData" as const });
const PARSE_COMPLETE = Object.freeze({ type: "ParseComplete" as const });
const PORTAL_SUSPENDED = Object.freeze({ type: "PortalSuspended" as const });
const READY_IDLE = Object.freeze({ type: "ReadyForQuery" as const, status: "I" as const });
const READY_IN_TX = Object.freeze({ type: "ReadyForQuery" as const, status: "T" as const });
const READY_FAILED = Object.freeze({ type: "ReadyForQuery" as const, status: "E" as const });

function empty<T>(value: T, name: string, start: number, end: number): T {
  if (end !== start) {
    throw new ProtocolError(`Cannot decode ${name} message: ${end - start} unexpected bytes`, 0);
  }
  return value;
}

function tagName(tag: number): string {
  return tag >= 0x20 && tag < 0x7f
    ? `'${String.fromCharCode(tag)}'`
    : `0x${tag.toString(16).padStart(2, "0")}`;
}

/**
 * Decodes the body `bytes[start, end)` of a backend message with tag `tag`. DataRow and CopyData
 * keep views of `bytes`; everything else is copied out.
 *
 * @param tag The message's type byte.
 * @param bytes Buffer holding the body.
 * @param start First byte of the body (after the length word).
 * @param end One past the last byte of the body.
 * @param chunkText The decoded text of `bytes`, shared by the DataRows read from it.
 * @returns The decoded message.
 * @throws {ProtocolError} for an unknown tag or a malformed body.
 *
 * @example Decoding ReadyForQuery
 * ```ts
 * import { decodeBackendMessage } from "@pgline/pgline/protocol";
 * const msg = decodeBackendMessage(0x5a, new Uint8Array([0x49]), 0, 1);
 * console.assert(msg.type === "ReadyForQuery");
 * ```
 */
export function decodeBackendMessage(
  tag: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  chunkText?: ChunkText,
): BackendMessage {
  switch (tag) {
    case 0x44: // 'D'
      return decodeDataRow(bytes, start, end, chunkText);
    case 0x43: { // 'C'
      const r = new BodyReader(bytes, start, end, "CommandComplete");
      const commandTag = r.cstring("command tag");
      r.done();
      return { type: "CommandComplete", tag: commandTag };
    }
    case 0x5a: { // 'Z'
      if (end - start !== 1) {
        throw new ProtocolError(
          `Cannot decode ReadyForQuery message: body has ${end - start} bytes, expected 1`,
          0,
        );
      }
      const status = bytes[start];
      if (status === 0x49) return READY_IDLE;
      if (status === 0x54) return READY_IN_TX;
      if (status === 0x45) return READY_FAILED;
      throw new ProtocolError(
        `Cannot decode ReadyForQuery message: unknown transaction status ${tagName(status!)}`,
        0,
      );
    }
    case 0x64: // 'd'
      return { type: "CopyData", data: bytes.subarray(start, end) };
    case 0x54:
      return decodeRowDescription(bytes, start, end);
    case 0x52:
      return decodeAuthentication(bytes, start, end);
    case 0x32:
      return empty(BIND_COMPLETE, "BindComplete", start, end);
    case 0x33:
      return empty(CLOSE_COMPLETE, "CloseComplete", start, end);
    case 0x31:
      return empty(PARSE_COMPLETE, "ParseComplete", start, end);
    case 0x6e:
      return empty(NO_DATA, "NoData", start, end);
    case 0x73:
      return empty(PORTAL_SUSPENDED, "PortalSuspended", start, end);
    case 0x49:
      return empty(EMPTY_QUERY, "EmptyQueryResponse", start, end);
    case 0x63:
      return empty(COPY_DONE, "CopyDone", start, end);
    case 0x45:
      return {
        type: "ErrorResponse",
        fields: decodeNoticeFields(bytes, start, end, "ErrorResponse"),
      };
    case 0x4e:
      return {
        type: "NoticeResponse",
        fields: decodeNoticeFields(bytes, start, end, "NoticeResponse"),
      };
    case 0x53: {
      const r = new BodyReader(bytes, start, end, "ParameterStatus");
      const name = r.cstring("parameter name");
      const value = r.cstring("parameter value");
      r.done();
      return { type: "ParameterStatus", name, value };
    }
    case 0x4b: {
      const r = new BodyReader(bytes, start, end, "BackendKeyData");
      const processId = r.int32("process ID");
      const keyLength = r.remaining;
      if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
        r.fail(`secret key has ${keyLength} bytes, expected 4 to ${MAX_CANCEL_KEY_LENGTH}`);
      }
      return { type: "BackendKeyData", processId, secretKey: r.rest() };
    }
    case 0x74: {
      const r = new BodyReader(bytes, start, end, "ParameterDescription");
      const parameterTypes = r.oidArray("parameter types");
      r.done();
      return { type: "ParameterDescription", parameterTypes };
    }
    case 0x41: {
      const r = new BodyReader(bytes, start, end, "NotificationResponse");
      const processId = r.int32("process ID");
      const channel = r.cstring("channel");
      const payload = r.cstring("payload");
      r.done();
      return { type: "NotificationResponse", processId, channel, payload };
    }
    case 0x47:
      return { type: "CopyInResponse", ...decodeCopyResponse(bytes, start, end, "CopyInResponse") };
    case 0x48:
      return {
        type: "CopyOutResponse",
        ...decodeCopyResponse(bytes, start, end, "CopyOutResponse"),
      };
    case 0x57:
      return {
        type: "CopyBothResponse",
        ...decodeCopyResponse(bytes, start, end, "CopyBothResponse"),
      };
    case 0x56: {
      const r = new BodyReader(bytes, start, end, "FunctionCallResponse");
      const result = r.nullableBytes("result");
      r.done();
      return { type: "FunctionCallResponse", result };
    }
    case 0x76: {
      const r = new BodyReader(bytes, start, end, "NegotiateProtocolVersion");
      const newestMinorVersion = r.int32("newest minor version");
      const count = r.int32("option count");
      if (count < 0 || count > r.remaining) r.fail(`option count ${count} is impossible`);
      const unrecognizedOptions: string[] = [];
      for (let i = 0; i < count; i++) unrecognizedOptions.push(r.cstring("option name"));
      r.done();
      return { type: "NegotiateProtocolVersion", newestMinorVersion, unrecognizedOptions };
    }
  }
  throw new ProtocolError(`Unknown backend message type ${tagName(tag)}`, 0);
}

function decodeRowDescription(bytes: Uint8Array, start: number, end: number): BackendMessage {
  const r = new BodyReader(bytes, start, end, "RowDescription");
  const count = r.uint16("field count");
  // Each field takes at least 19 bytes: refuse impossible counts before allocating.
  if (count * 19 > r.remaining) r.fail(`field count ${count} does not fit in the message`);
  const fields = new Array<FieldDescription>(count);
  for (let i = 0; i < count; i++) {
    fields[i] = {
      name: r.cstring("field name"),
      tableOid: r.uint32("table OID"),
      columnAttribute: r.int16("column attribute number"),
      typeOid: r.uint32("type OID"),
      typeSize: r.int16("type size"),
      typeModifier: r.int32("type modifier"),
      format: r.int16("format code"),
    };
  }
  r.done();
  return { type: "RowDescription", fields };
}

function decodeAuthentication(bytes: Uint8Array, start: number, end: number): BackendMessage {
  const r = new BodyReader(bytes, start, end, "Authentication");
  const code = r.int32("authentication code");
  switch (code) {
    case 0:
      r.done();
      return { type: "AuthenticationOk" };
    case 2:
      r.done();
      return { type: "AuthenticationKerberosV5" };
    case 3:
      r.done();
      return { type: "AuthenticationCleartextPassword" };
    case 5: {
      const salt = r.copy(4, "salt");
      r.done();
      return { type: "AuthenticationMD5Password", salt };
    }
    case 7:
      r.done();
      return { type: "AuthenticationGSS" };
    case 8:
      return { type: "AuthenticationGSSContinue", data: r.rest() };
    case 9:
      r.done();
      return { type: "AuthenticationSSPI" };
    case 10: {
      const mechanisms: string[] = [];
      for (;;) {
        const name = r.cstring("mechanism name");
        if (name === "") break;
        mechanisms.push(name);
      }
      r.done();
      return { type: "AuthenticationSASL", mechanisms };
    }
    case 11:
      return { type: "AuthenticationSASLContinue", data: r.rest() };
    case 12:
      return { type: "AuthenticationSASLFinal", data: r.rest() };
  }
  return r.fail(`unknown authentication request code ${code}`);
}

/** Decodes the field list shared by ErrorResponse and NoticeResponse. */
function decodeNoticeFields(
  bytes: Uint8Array,
  start: number,
  end: number,
  name: string,
): NoticeFields {
  const r = new BodyReader(bytes, start, end, name);
  const fields: NoticeFields = Object.create(null);
  for (;;) {
    const code = r.byte("field type");
    if (code === 0) break;
    fields[String.fromCharCode(code)] = r.cstring(`field ${tagName(code)}`);
  }
  r.done();
  return fields;
}

function decodeCopyResponse(
  bytes: Uint8Array,
  start: number,
  end: number,
  name: string,
): CopyResponseBody {
  const r = new BodyReader(bytes, start, end, name);
  const format = r.byte("overall format");
  const columnFormats = r.int16Array("column formats");
  r.done();
  return { format, columnFormats };
}

const TRANSACTION_STATUS: Record<TransactionStatus, number> = { I: 0x49, T: 0x54, E: 0x45 };

/**
 * Appends a backend message to `w`.
 *
 * @param w The writer to append to.
 * @param msg The message.
 * @throws {TypeError} if a string field contains NUL or a value is out of range.
 *
 * @example Writing ReadyForQuery
 * ```ts
 * import { BufferWriter, writeBackendMessage } from "@pgline/pgline/protocol";
 * const w = new BufferWriter();
 * writeBackendMessage(w, { type: "ReadyForQuery", status: "I" });
 * console.assert(w.take().length === 6);
 * ```
 */
export function writeBackendMessage(w: BufferWriter, msg: BackendMessage): void {
  switch (msg.type) {
    case "AuthenticationOk":
      return auth(w, 0);
    case "AuthenticationKerberosV5":
      return auth(w, 2);
    case "AuthenticationCleartextPassword":
      return auth(w, 3);
    case "AuthenticationMD5Password":
      if (msg.salt.length !== 4) throw new TypeError("MD5 salt must be 4 bytes");
      return auth(w, 5, msg.salt);
    case "AuthenticationGSS":
      return auth(w, 7);
    case "AuthenticationGSSContinue":
      return auth(w, 8, msg.data);
    case "AuthenticationSSPI":
      return auth(w, 9);
    case "AuthenticationSASL":
      w.begin(BACKEND_TAGS.Authentication);
      w.int32(10);
      for (const m of msg.mechanisms) {
        if (m === "") throw new TypeError("SASL mechanism name must not be empty");
        w.cstring(m, "SASL mechanism name");
      }
      w.byte(0);
      return w.finish();
    case "AuthenticationSASLContinue":
      return auth(w, 11, msg.data);
    case "AuthenticationSASLFinal":
      return auth(w, 12, msg.data);
    case "BackendKeyData":
      if (msg.secretKey.length < 4 || msg.secretKey.length > MAX_CANCEL_KEY_LENGTH) {
        throw new TypeError(`Secret key must be 4 to ${MAX_CANCEL_KEY_LENGTH} bytes`);
      }
      w.begin(BACKEND_TAGS.BackendKeyData);
      w.int32(msg.processId);
      w.bytes(msg.secretKey);
      return w.finish();
    case "BindComplete":
      return bare(w, BACKEND_TAGS.BindComplete);
    case "CloseComplete":
      return bare(w, BACKEND_TAGS.CloseComplete);
    case "CommandComplete":
      w.begin(BACKEND_TAGS.CommandComplete);
      w.cstring(msg.tag, "Command tag");
      return w.finish();
    case "CopyInResponse":
      return copyResponse(w, BACKEND_TAGS.CopyInResponse, msg);
    case "CopyOutResponse":
      return copyResponse(w, BACKEND_TAGS.CopyOutResponse, msg);
    case "CopyBothResponse":
      return copyResponse(w, BACKEND_TAGS.CopyBothResponse, msg);
    case "CopyData":
      w.begin(BACKEND_TAGS.CopyData);
      w.bytes(msg.data);
      return w.finish();
    case "CopyDone":
      return bare(w, BACKEND_TAGS.CopyDone);
    case "DataRow":
      return writeDataRow(w, msg);
    case "EmptyQueryResponse":
      return bare(w, BACKEND_TAGS.EmptyQueryResponse);
    case "ErrorResponse":
      return noticeFields(w, BACKEND_TAGS.ErrorResponse, msg.fields);
    case "NoticeResponse":
      return noticeFields(w, BACKEND_TAGS.NoticeResponse, msg.fields);
    case "FunctionCallResponse":
      w.begin(BACKEND_TAGS.FunctionCallResponse);
      w.lengthPrefixed(msg.result);
      return w.finish();
    case "NegotiateProtocolVersion":
      w.begin(BACKEND_TAGS.NegotiateProtocolVersion);
      w.int32(msg.newestMinorVersion);
      w.int32(msg.unrecognizedOptions.length);
      for (const o of msg.unrecognizedOptions) w.cstring(o, "Option name");
      return w.finish();
    case "NoData":
      return bare(w, BACKEND_TAGS.NoData);
    case "NotificationResponse":
      w.begin(BACKEND_TAGS.NotificationResponse);
      w.int32(msg.processId);
      w.cstring(msg.channel, "Channel name");
      w.cstring(msg.payload, "Notification payload");
      return w.finish();
    case "ParameterDescription":
      w.begin(BACKEND_TAGS.ParameterDescription);
      w.int16(checkCount(msg.parameterTypes.length, "parameter types"));
      for (const oid of msg.parameterTypes) w.int32(oid);
      return w.finish();
    case "ParameterStatus":
      w.begin(BACKEND_TAGS.ParameterStatus);
      w.cstring(msg.name, "Parameter name");
      w.cstring(msg.value, "Parameter value");
      return w.finish();
    case "ParseComplete":
      return bare(w, BACKEND_TAGS.ParseComplete);
    case "PortalSuspended":
      return bare(w, BACKEND_TAGS.PortalSuspended);
    case "ReadyForQuery":
      w.begin(BACKEND_TAGS.ReadyForQuery);
      w.byte(TRANSACTION_STATUS[msg.status]);
      return w.finish();
    case "RowDescription":
      w.begin(BACKEND_TAGS.RowDescription);
      w.int16(checkCount(msg.fields.length, "fields"));
      for (const f of msg.fields) {
        w.cstring(f.name, "Field name");
        w.int32(f.tableOid);
        w.int16(f.columnAttribute);
        w.int32(f.typeOid);
        w.int16(f.typeSize);
        w.int32(f.typeModifier);
        w.int16(f.format);
      }
      return w.finish();
  }
}

function bare(w: BufferWriter, tag: number): void {
  w.begin(tag);
  w.finish();
}

function auth(w: BufferWriter, code: number, data?: Uint8Array): void {
  w.begin(BACKEND_TAGS.Authentication);
  w.int32(code);
  if (data !== undefined) w.bytes(data);
  w.finish();
}

function copyResponse(w: BufferWriter, tag: number, msg: CopyResponseBody): void {
  w.begin(tag);
  w.byte(msg.format);
  w.int16(checkCount(msg.columnFormats.length, "column formats"));
  for (const f of msg.columnFormats) w.int16(f);
  w.finish();
}

function noticeFields(w: BufferWriter, tag: number, fields: NoticeFields): void {
  w.begin(tag);
  for (const code in fields) {
    const c = code.charCodeAt(0);
    if (code.length !== 1 || c === 0 || c > 0xff) {
      throw new TypeError(
        `Notice field code must be one single-byte character, got ${JSON.stringify(code)}`,
      );
    }
    w.byte(c);
    w.cstring(fields[code]!, `Notice field '${code}'`);
  }
  w.byte(0);
  w.finish();
}

function writeDataRow(w: BufferWriter, row: DataRow): void {
  w.begin(BACKEND_TAGS.DataRow);
  w.bytes(row.bytes.subarray(row.start - 2, row.end));
  w.finish();
}

/**
 * Encodes one backend message into a new buffer.
 *
 * @param msg The message.
 * @returns Its wire bytes.
 *
 * @example
 * ```ts
 * import { encodeBackendMessage } from "@pgline/pgline/protocol";
 * const bytes = encodeBackendMessage({ type: "CommandComplete", tag: "SELECT 1" });
 * console.assert(bytes[0] === 0x43);
 * ```
 */
export function encodeBackendMessage(msg: BackendMessage): Uint8Array {
  const w = new BufferWriter(64);
  writeBackendMessage(w, msg);
  return w.take();
}
