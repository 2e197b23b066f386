/**
 * The PostgreSQL frontend/backend protocol (3.0 and 3.2) as a sans-IO, two-sided codec: every
 * frontend and backend message can be encoded and decoded, so the same code serves clients,
 * servers, proxies and test fakes. Nothing here touches a socket.
 *
 * @example Decoding a server's stream
 * ```ts
 * import { BackendStreamReader, encodeBackendMessage } from "@pgline/pgline/protocol";
 * const reader = new BackendStreamReader();
 * reader.push(encodeBackendMessage({ type: "ReadyForQuery", status: "I" }));
 * for (let msg = reader.next(); msg; msg = reader.next()) console.log(msg.type);
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export type * from "./messages.ts";
export { BufferWriter, checkCount } from "./buffer_writer.ts";
export { BodyReader, decodeText } from "./body_reader.ts";
export { ChunkText, DataRow, decodeDataRow } from "./data_row.ts";
export {
  BACKEND_TAGS,
  decodeBackendMessage,
  encodeBackendMessage,
  writeBackendMessage,
} from "./backend.ts";
export {
  decodeFrontendMessage,
  decodeStartupPacket,
  encodeFrontendMessage,
  FRAMES,
  FRONTEND_TAGS,
  type PasswordPacketKind,
  writeFrontendMessage,
} from "./frontend.ts";
export {
  BackendStreamReader,
  Framer,
  FrontendStreamReader,
  type StreamReaderOptions,
} from "./stream_reader.ts";
export {
  type Direction,
  formatMessage,
  type FormatOptions,
  messageToJson,
  traceJson,
  traceLine,
} from "./trace.ts";
export { ProtocolError } from "../errors.ts";
