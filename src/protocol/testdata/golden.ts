/**
 * Golden wire bytes for every message, written by hand from the protocol documentation
 * ("Message Formats"), with a byte-concatenation helper that shares no code with the encoder.
 *
 * @module
 */

import type { BackendMessage, FrontendMessage } from "../messages.ts";
import type { PasswordPacketKind } from "../frontend.ts";

type Part = number[] | string | Uint8Array;

/** Concatenates parts: number arrays are raw bytes, strings are UTF-8 (write "\0" yourself). */
export function bytes(...parts: Part[]): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === "string"
      ? new TextEncoder().encode(p)
      : p instanceof Uint8Array
      ? p
      : Uint8Array.from(p)
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Big-endian Int32 bytes. */
export function i32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** Big-endian Int16 bytes. */
export function i16(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}

/** A tagged message: the tag, the Int32 length (body + 4), the body. */
export function tagged(tag: string, ...body: Part[]): Uint8Array {
  const b = bytes(...body);
  return bytes([tag.charCodeAt(0)], i32(b.length + 4), b);
}

/** An untagged startup-phase packet: the Int32 length (body + 4), the body. */
export function untagged(...body: Part[]): Uint8Array {
  const b = bytes(...body);
  return bytes(i32(b.length + 4), b);
}

/** A golden case: wire bytes and the message they mean. */
export interface Golden<M> {
  /** Description. */
  name: string;
  /** Wire bytes. */
  wire: Uint8Array;
  /** The message. For DataRow, compared through `values()`. */
  message: M;
  /** For 'p' packets: how a server must decode them. */
  passwordKind?: PasswordPacketKind;
}

const KEY4 = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
const KEY32 = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

/** Golden frontend messages. */
export const FRONTEND_GOLDEN: Golden<FrontendMessage>[] = [
  {
    name: "StartupMessage 3.0",
    wire: untagged(i32(196608), "user\0alice\0database\0app\0", [0]),
    message: {
      type: "StartupMessage",
      protocolVersion: 196608,
      parameters: { user: "alice", database: "app" },
    },
  },
  {
    name: "StartupMessage 3.2 with options",
    wire: untagged(i32(0x00030002), "user\0bob\0options\0-c geqo=off\0", [0]),
    message: {
      type: "StartupMessage",
      protocolVersion: 0x00030002,
      parameters: { user: "bob", options: "-c geqo=off" },
    },
  },
  {
    name: "SSLRequest",
    wire: bytes(i32(8), [0x04, 0xd2, 0x16, 0x2f]),
    message: { type: "SSLRequest" },
  },
  {
    name: "GSSENCRequest",
    wire: bytes(i32(8), [0x04, 0xd2, 0x16, 0x30]),
    message: { type: "GSSENCRequest" },
  },
  {
    name: "CancelRequest 3.0 (4-byte key)",
    wire: bytes(i32(16), [0x04, 0xd2, 0x16, 0x2e], i32(4242), KEY4),
    message: { type: "CancelRequest", processId: 4242, secretKey: KEY4 },
  },
  {
    name: "CancelRequest 3.2 (32-byte key)",
    wire: bytes(i32(44), [0x04, 0xd2, 0x16, 0x2e], i32(77), KEY32),
    message: { type: "CancelRequest", processId: 77, secretKey: KEY32 },
  },
  {
    name: "PasswordMessage",
    wire: tagged("p", "md5deadbeef\0"),
    message: { type: "PasswordMessage", password: "md5deadbeef" },
    passwordKind: "PasswordMessage",
  },
  {
    name: "SASLInitialResponse",
    wire: tagged("p", "SCRAM-SHA-256\0", i32(8), "n,,n=,r="),
    message: {
      type: "SASLInitialResponse",
      mechanism: "SCRAM-SHA-256",
      data: new TextEncoder().encode("n,,n=,r="),
    },
    passwordKind: "SASLInitialResponse",
  },
  {
    name: "SASLInitialResponse without data",
    wire: tagged("p", "X\0", i32(-1)),
    message: { type: "SASLInitialResponse", mechanism: "X", data: null },
    passwordKind: "SASLInitialResponse",
  },
  {
    name: "SASLResponse",
    wire: tagged("p", "c=biws"),
    message: { type: "SASLResponse", data: new TextEncoder().encode("c=biws") },
    passwordKind: "SASLResponse",
  },
  {
    name: "GSSResponse",
    wire: tagged("p", [1, 2, 3]),
    message: { type: "GSSResponse", data: Uint8Array.from([1, 2, 3]) },
    passwordKind: "GSSResponse",
  },
  { name: "Query", wire: tagged("Q", "select 1\0"), message: { type: "Query", sql: "select 1" } },
  {
    name: "Query with UTF-8",
    wire: tagged("Q", "select 'ü€😀'\0"),
    message: { type: "Query", sql: "select 'ü€😀'" },
  },
  {
    name: "Parse",
    wire: tagged("P", "s1\0", "select $1, $2\0", i16(2), i32(23), i32(0xffffffff)),
    message: {
      type: "Parse",
      name: "s1",
      query: "select $1, $2",
      parameterTypes: [23, 0xffffffff],
    },
  },
  {
    name: "Bind",
    wire: tagged(
      "B",
      "p1\0",
      "s1\0",
      i16(2),
      i16(0),
      i16(1),
      i16(3),
      i32(2),
      "42",
      i32(-1),
      i32(0),
      i16(1),
      i16(1),
    ),
    message: {
      type: "Bind",
      portal: "p1",
      statement: "s1",
      parameterFormats: [0, 1],
      parameters: [new TextEncoder().encode("42"), null, new Uint8Array(0)],
      resultFormats: [1],
    },
  },
  {
    name: "Describe statement",
    wire: tagged("D", "S", "s1\0"),
    message: { type: "Describe", target: "S", name: "s1" },
  },
  {
    name: "Describe portal",
    wire: tagged("D", "P", "\0"),
    message: { type: "Describe", target: "P", name: "" },
  },
  {
    name: "Execute",
    wire: tagged("E", "\0", i32(100)),
    message: { type: "Execute", portal: "", maxRows: 100 },
  },
  {
    name: "Close",
    wire: tagged("C", "P", "p1\0"),
    message: { type: "Close", target: "P", name: "p1" },
  },
  { name: "Sync", wire: tagged("S"), message: { type: "Sync" } },
  { name: "Flush", wire: tagged("H"), message: { type: "Flush" } },
  { name: "Terminate", wire: tagged("X"), message: { type: "Terminate" } },
  {
    name: "CopyData",
    wire: tagged("d", "1\tx\n"),
    message: { type: "CopyData", data: new TextEncoder().encode("1\tx\n") },
  },
  { name: "CopyDone", wire: tagged("c"), message: { type: "CopyDone" } },
  {
    name: "CopyFail",
    wire: tagged("f", "source broke\0"),
    message: { type: "CopyFail", message: "source broke" },
  },
  {
    name: "FunctionCall",
    wire: tagged("F", i32(1598), i16(1), i16(1), i16(2), i32(4), i32(7), i32(-1), i16(1)),
    message: {
      type: "FunctionCall",
      functionId: 1598,
      argumentFormats: [1],
      arguments: [Uint8Array.from(i32(7)), null],
      resultFormat: 1,
    },
  },
];

const FIELD = (name: string, type: number, size: number, mod: number, format: number) =>
  bytes(name + "\0", i32(16384), i16(2), i32(type), i16(size), i32(mod), i16(format));

/** Golden backend messages. */
export const BACKEND_GOLDEN: Golden<BackendMessage>[] = [
  { name: "AuthenticationOk", wire: tagged("R", i32(0)), message: { type: "AuthenticationOk" } },
  {
    name: "AuthenticationKerberosV5",
    wire: tagged("R", i32(2)),
    message: { type: "AuthenticationKerberosV5" },
  },
  {
    name: "AuthenticationCleartextPassword",
    wire: tagged("R", i32(3)),
    message: { type: "AuthenticationCleartextPassword" },
  },
  {
    name: "AuthenticationMD5Password",
    wire: tagged("R", i32(5), [1, 2, 3, 4]),
    message: { type: "AuthenticationMD5Password", salt: Uint8Array.from([1, 2, 3, 4]) },
  },
  { name: "AuthenticationGSS", wire: tagged("R", i32(7)), message: { type: "AuthenticationGSS" } },
  {
    name: "AuthenticationGSSContinue",
    wire: tagged("R", i32(8), [9, 9]),
    message: { type: "AuthenticationGSSContinue", data: Uint8Array.from([9, 9]) },
  },
  {
    name: "AuthenticationSSPI",
    wire: tagged("R", i32(9)),
    message: { type: "AuthenticationSSPI" },
  },
  {
    name: "AuthenticationSASL",
    wire: tagged("R", i32(10), "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0", [0]),
    message: { type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"] },
  },
  {
    name: "AuthenticationSASLContinue",
    wire: tagged("R", i32(11), "r=abc,s=c2FsdA==,i=4096"),
    message: {
      type: "AuthenticationSASLContinue",
      data: new TextEncoder().encode("r=abc,s=c2FsdA==,i=4096"),
    },
  },
  {
    name: "AuthenticationSASLFinal",
    wire: tagged("R", i32(12), "v=xyz"),
    message: { type: "AuthenticationSASLFinal", data: new TextEncoder().encode("v=xyz") },
  },
  {
    name: "BackendKeyData 3.0",
    wire: tagged("K", i32(35703), KEY4),
    message: { type: "BackendKeyData", processId: 35703, secretKey: KEY4 },
  },
  {
    name: "BackendKeyData 3.2 (32-byte key)",
    wire: tagged("K", i32(35703), KEY32),
    message: { type: "BackendKeyData", processId: 35703, secretKey: KEY32 },
  },
  { name: "BindComplete", wire: tagged("2"), message: { type: "BindComplete" } },
  { name: "CloseComplete", wire: tagged("3"), message: { type: "CloseComplete" } },
  {
    name: "CommandComplete",
    wire: tagged("C", "INSERT 0 1\0"),
    message: { type: "CommandComplete", tag: "INSERT 0 1" },
  },
  {
    name: "CopyInResponse",
    wire: tagged("G", [0], i16(2), i16(0), i16(0)),
    message: { type: "CopyInResponse", format: 0, columnFormats: [0, 0] },
  },
  {
    name: "CopyOutResponse",
    wire: tagged("H", [1], i16(1), i16(1)),
    message: { type: "CopyOutResponse", format: 1, columnFormats: [1] },
  },
  {
    name: "CopyBothResponse",
    wire: tagged("W", [0], i16(0)),
    message: { type: "CopyBothResponse", format: 0, columnFormats: [] },
  },
  {
    name: "CopyData",
    wire: tagged("d", [0, 1, 2, 255]),
    message: { type: "CopyData", data: Uint8Array.from([0, 1, 2, 255]) },
  },
  { name: "CopyDone", wire: tagged("c"), message: { type: "CopyDone" } },
  {
    name: "DataRow",
    wire: tagged("D", i16(4), i32(2), "42", i32(-1), i32(0), i32(6), "héllo"),
    message: { type: "DataRow", values: ["42", null, "", "héllo"] } as unknown as BackendMessage,
  },
  {
    name: "DataRow without columns",
    wire: tagged("D", i16(0)),
    message: { type: "DataRow", values: [] } as unknown as BackendMessage,
  },
  { name: "EmptyQueryResponse", wire: tagged("I"), message: { type: "EmptyQueryResponse" } },
  {
    name: "ErrorResponse",
    wire: tagged(
      "E",
      "SERROR\0",
      "VERROR\0",
      "C42P01\0",
      'Mrelation "nope" does not exist\0',
      "P15\0",
      "Fparse_relation.c\0",
      "L1392\0",
      "RparserOpenTable\0",
      [0],
    ),
    message: {
      type: "ErrorResponse",
      fields: {
        S: "ERROR",
        V: "ERROR",
        C: "42P01",
        M: 'relation "nope" does not exist',
        P: "15",
        F: "parse_relation.c",
        L: "1392",
        R: "parserOpenTable",
      },
    },
  },
  {
    name: "FunctionCallResponse",
    wire: tagged("V", i32(3), "abc"),
    message: { type: "FunctionCallResponse", result: new TextEncoder().encode("abc") },
  },
  {
    name: "FunctionCallResponse NULL",
    wire: tagged("V", i32(-1)),
    message: { type: "FunctionCallResponse", result: null },
  },
  {
    name: "NegotiateProtocolVersion",
    wire: tagged("v", i32(0), i32(1), "_pq_.unknown\0"),
    message: {
      type: "NegotiateProtocolVersion",
      newestMinorVersion: 0,
      unrecognizedOptions: ["_pq_.unknown"],
    },
  },
  { name: "NoData", wire: tagged("n"), message: { type: "NoData" } },
  {
    name: "NoticeResponse",
    wire: tagged("N", "SNOTICE\0", "C00000\0", "Mhi\0", [0]),
    message: { type: "NoticeResponse", fields: { S: "NOTICE", C: "00000", M: "hi" } },
  },
  {
    name: "NotificationResponse",
    wire: tagged("A", i32(99), "jobs\0", '{"id":1}\0'),
    message: { type: "NotificationResponse", processId: 99, channel: "jobs", payload: '{"id":1}' },
  },
  {
    name: "ParameterDescription",
    wire: tagged("t", i16(2), i32(23), i32(25)),
    message: { type: "ParameterDescription", parameterTypes: [23, 25] },
  },
  {
    name: "ParameterStatus",
    wire: tagged("S", "server_version\0", "18.1\0"),
    message: { type: "ParameterStatus", name: "server_version", value: "18.1" },
  },
  { name: "ParseComplete", wire: tagged("1"), message: { type: "ParseComplete" } },
  { name: "PortalSuspended", wire: tagged("s"), message: { type: "PortalSuspended" } },
  {
    name: "ReadyForQuery idle",
    wire: tagged("Z", "I"),
    message: { type: "ReadyForQuery", status: "I" },
  },
  {
    name: "ReadyForQuery in transaction",
    wire: tagged("Z", "T"),
    message: { type: "ReadyForQuery", status: "T" },
  },
  {
    name: "ReadyForQuery failed transaction",
    wire: tagged("Z", "E"),
    message: { type: "ReadyForQuery", status: "E" },
  },
  {
    name: "RowDescription",
    wire: tagged("T", i16(2), FIELD("id", 23, 4, -1, 0), FIELD("name", 25, -1, -1, 1)),
    message: {
      type: "RowDescription",
      fields: [
        {
          name: "id",
          tableOid: 16384,
          columnAttribute: 2,
          typeOid: 23,
          typeSize: 4,
          typeModifier: -1,
          format: 0,
        },
        {
          name: "name",
          tableOid: 16384,
          columnAttribute: 2,
          typeOid: 25,
          typeSize: -1,
          typeModifier: -1,
          format: 1,
        },
      ],
    },
  },
];
