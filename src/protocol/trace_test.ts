import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  type BackendMessage,
  DataRow,
  decodeBackendMessage,
  encodeBackendMessage,
  formatMessage,
  type FrontendMessage,
  messageToJson,
  traceJson,
  traceLine,
} from "./mod.ts";

test("trace lines name the direction and the message", () => {
  assert.equal(
    traceLine("F2B", { type: "Query", sql: "SELECT 1 as a;" }),
    '[F2B] Query sql="SELECT 1 as a;"',
  );
  assert.equal(
    traceLine("B2F", { type: "ParameterStatus", name: "application_name", value: "psql" }),
    '[B2F] ParameterStatus name="application_name" value="psql"',
  );
  assert.equal(
    traceLine("B2F", { type: "ReadyForQuery", status: "I" }),
    '[B2F] ReadyForQuery status="I"',
  );
  assert.equal(traceLine("B2F", DataRow.from(["1", null])), '[B2F] DataRow ["1", null]');
});

test("startup message shows the protocol version as major.minor", () => {
  const line = formatMessage({
    type: "StartupMessage",
    protocolVersion: 196610,
    parameters: { user: "u" },
  });
  assert.equal(line, 'StartupMessage protocolVersion=3.2 parameters={user: "u"}');
});

test("secrets are redacted unless asked for", () => {
  const msg = { type: "PasswordMessage", password: "hunter2" } as const;
  assert.equal(formatMessage(msg), "PasswordMessage password=<redacted>");
  assert.equal(formatMessage(msg, { showSecrets: true }), 'PasswordMessage password="hunter2"');
  const key = { type: "BackendKeyData", processId: 7, secretKey: new Uint8Array(4) } as const;
  assert.equal(formatMessage(key), "BackendKeyData processId=7 secretKey=<redacted>");
});

test("bytes show as text when printable, else as truncated hex", () => {
  assert.equal(
    formatMessage({ type: "CopyData", data: new TextEncoder().encode("1\tx\n") }),
    'CopyData data="1\\tx\\n"',
  );
  assert.equal(
    formatMessage({ type: "CopyData", data: Uint8Array.of(0, 1, 0xff) }),
    "CopyData data=0x0001ff",
  );
  const long = formatMessage({ type: "CopyData", data: new Uint8Array(100) }, {
    maxValueLength: 8,
  });
  assert.equal(long, "CopyData data=0x00000000…(100 bytes)");
  assert.equal(
    formatMessage({ type: "Query", sql: "abcdef" }, { maxValueLength: 3 }),
    'Query sql="abc"…(6 chars)',
  );
});

const utf8 = (text: string) => new TextEncoder().encode(text);

test("every message kind converts to JSON and back from its trace line", () => {
  const plain: (FrontendMessage | BackendMessage)[] = [
    { type: "StartupMessage", protocolVersion: 196608, parameters: { user: "u", database: "d" } },
    { type: "SSLRequest" },
    { type: "GSSENCRequest" },
    { type: "Query", sql: "select 1" },
    { type: "Parse", name: "s1", query: "select $1", parameterTypes: [23, 0] },
    { type: "Describe", target: "S", name: "s1" },
    { type: "Execute", portal: "", maxRows: 0 },
    { type: "Close", target: "P", name: "p" },
    { type: "Sync" },
    { type: "Flush" },
    { type: "Terminate" },
    { type: "CopyDone" },
    { type: "CopyFail", message: "boom" },
    { type: "AuthenticationOk" },
    { type: "AuthenticationKerberosV5" },
    { type: "AuthenticationCleartextPassword" },
    { type: "AuthenticationGSS" },
    { type: "AuthenticationSSPI" },
    { type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"] },
    { type: "BindComplete" },
    { type: "CloseComplete" },
    { type: "CommandComplete", tag: "SELECT 1" },
    { type: "CopyInResponse", format: 0, columnFormats: [0, 0] },
    { type: "CopyOutResponse", format: 1, columnFormats: [1] },
    { type: "CopyBothResponse", format: 0, columnFormats: [] },
    { type: "EmptyQueryResponse" },
    { type: "ErrorResponse", fields: { S: "ERROR", C: "42P01", M: "no such table" } },
    { type: "NoticeResponse", fields: { S: "NOTICE", M: "hi" } },
    { type: "NegotiateProtocolVersion", newestMinorVersion: 0, unrecognizedOptions: ["_pq_.x"] },
    { type: "NoData" },
    { type: "NotificationResponse", processId: 9, channel: "ch", payload: "p" },
    { type: "ParameterDescription", parameterTypes: [25] },
    { type: "ParameterStatus", name: "TimeZone", value: "UTC" },
    { type: "ParseComplete" },
    { type: "PortalSuspended" },
    { type: "ReadyForQuery", status: "T" },
    {
      type: "RowDescription",
      fields: [{
        name: "a",
        tableOid: 0,
        columnAttribute: 0,
        typeOid: 23,
        typeSize: 4,
        typeModifier: -1,
        format: 0,
      }],
    },
  ];
  for (const msg of plain) {
    const json = messageToJson(msg);
    assert.deepEqual(json, { ...msg }, msg.type);
    assert.deepEqual(Object.keys(json)[0], "type");
    const line = JSON.parse(traceJson("B2F", msg));
    assert.deepEqual(line, { dir: "B2F", type: msg.type, message: json });
  }

  const bytes: [FrontendMessage | BackendMessage, Record<string, unknown>][] = [
    [
      { type: "SASLInitialResponse", mechanism: "SCRAM-SHA-256", data: utf8("n,,n=,r=a") },
      { mechanism: "SCRAM-SHA-256", data: { text: "n,,n=,r=a" } },
    ],
    [{ type: "SASLInitialResponse", mechanism: "M", data: null }, { mechanism: "M", data: null }],
    [{ type: "SASLResponse", data: utf8("c=biws") }, { data: { text: "c=biws" } }],
    [{ type: "GSSResponse", data: Uint8Array.of(0x60, 0x82) }, { data: { hex: "6082" } }],
    [
      {
        type: "Bind",
        portal: "",
        statement: "s1",
        parameterFormats: [0, 1],
        parameters: ["42", null, Uint8Array.of(0, 0, 0, 7)],
        resultFormats: [1],
      },
      {
        portal: "",
        statement: "s1",
        parameterFormats: [0, 1],
        parameters: ["42", null, { hex: "00000007" }],
        resultFormats: [1],
      },
    ],
    [{ type: "CopyData", data: utf8("1\tx\n") }, { data: { text: "1\tx\n" } }],
    [
      {
        type: "FunctionCall",
        functionId: 1,
        argumentFormats: [],
        arguments: [null, "a"],
        resultFormat: 0,
      },
      { functionId: 1, argumentFormats: [], arguments: [null, "a"], resultFormat: 0 },
    ],
    [{ type: "AuthenticationMD5Password", salt: Uint8Array.of(1, 2, 3, 4) }, {
      salt: { hex: "01020304" },
    }],
    [{ type: "AuthenticationGSSContinue", data: new Uint8Array(0) }, { data: { text: "" } }],
    [{ type: "AuthenticationSASLContinue", data: utf8("r=a,s=b,i=4096") }, {
      data: { text: "r=a,s=b,i=4096" },
    }],
    [{ type: "AuthenticationSASLFinal", data: utf8("v=x") }, { data: { text: "v=x" } }],
    [{ type: "FunctionCallResponse", result: null }, { result: null }],
    [{ type: "FunctionCallResponse", result: Uint8Array.of(0xc3) }, { result: { hex: "c3" } }],
    [{ type: "PasswordMessage", password: "hunter2" }, { password: "<redacted>" }],
    [
      { type: "CancelRequest", processId: 7, secretKey: Uint8Array.of(1, 2, 3, 4) },
      { processId: 7, secretKey: "<redacted>" },
    ],
    [
      { type: "BackendKeyData", processId: 7, secretKey: Uint8Array.of(1, 2, 3, 4) },
      { processId: 7, secretKey: "<redacted>" },
    ],
    [DataRow.from([]), { values: [] }],
  ];
  for (const [msg, fields] of bytes) {
    const json = messageToJson(msg);
    assert.deepEqual(json, { type: msg.type, ...fields }, msg.type);
    assert.deepEqual(JSON.parse(traceJson("F2B", msg)).message, json);
  }
});

test("DataRow values are null, text or hex", () => {
  const row = DataRow.from(["42", null, Uint8Array.of(0, 1, 0xff), "a\nb", "é", new Uint8Array(0)]);
  const values = [{ text: "42" }, null, { hex: "0001ff" }, { text: "a\nb" }, { text: "é" }, {
    text: "",
  }];
  assert.deepEqual(messageToJson(row), { type: "DataRow", values });
  const bytes = encodeBackendMessage(row);
  const decoded = decodeBackendMessage(bytes[0]!, bytes, 5, bytes.length);
  assert.deepEqual(JSON.parse(traceJson("B2F", decoded)), {
    dir: "B2F",
    type: "DataRow",
    message: { type: "DataRow", values },
  });
  // Control characters other than tab and line breaks, and a byte order mark kept as text.
  assert.deepEqual(messageToJson(DataRow.from(["a\u0001", "\ufeffx"])).values, [
    { hex: "6101" },
    { text: "\ufeffx" },
  ]);
});

test("JSON redacts secrets unless asked for", () => {
  const key = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
  const cancel = { type: "CancelRequest", processId: 7, secretKey: key } as const;
  assert.equal(messageToJson(cancel).secretKey, "<redacted>");
  assert.deepEqual(messageToJson(cancel, { showSecrets: true }).secretKey, { hex: "deadbeef" });
  const password = { type: "PasswordMessage", password: "hunter2" } as const;
  assert.ok(!traceJson("F2B", password).includes("hunter2"));
  assert.ok(traceJson("F2B", password, {}, { showSecrets: true }).includes('"hunter2"'));
  // Redaction is not cut, even below its own length.
  assert.equal(messageToJson(password, { maxValueLength: 2 }).password, "<redacted>");
});

test("JSON cuts long values and says how long they were", () => {
  const opts = { maxValueLength: 4 };
  assert.deepEqual(messageToJson({ type: "CopyData", data: utf8("abcdefgh") }, opts).data, {
    text: "abcd",
    truncated: 8,
  });
  assert.deepEqual(messageToJson({ type: "CopyData", data: new Uint8Array(10) }, opts).data, {
    hex: "0000",
    truncated: 10,
  });
  assert.deepEqual(messageToJson({ type: "Query", sql: "ééééé" }, opts).sql, {
    text: "éééé",
    truncated: 10,
  });
  assert.deepEqual(messageToJson({ type: "Query", sql: "abc😀" }, opts).sql, {
    text: "abc",
    truncated: 7,
  });
  assert.deepEqual(messageToJson(DataRow.from(["abcde", "abcd"]), opts).values, [
    { text: "abcd", truncated: 5 },
    { text: "abcd" },
  ]);
  const long = "x".repeat(200);
  assert.deepEqual(messageToJson({ type: "Query", sql: long }).sql, {
    text: "x".repeat(120),
    truncated: 200,
  });
  assert.equal(messageToJson({ type: "Query", sql: long }, { maxValueLength: Infinity }).sql, long);
});

test("trace JSON lines hold extra fields and never a line break", () => {
  const msg = { type: "CopyData", data: utf8("a\nb\r\n\u2028\u0085") } as const;
  const line = traceJson("F2B", msg, {
    session: 3,
    t: 12n,
    dir: "ignored",
    message: "ignored",
    raw: Uint8Array.of(0),
  });
  assert.ok(!/[\n\r\u0085\u2028\u2029]/.test(line), line);
  assert.deepEqual(Object.keys(JSON.parse(line)), [
    "dir",
    "type",
    "session",
    "t",
    "raw",
    "message",
  ]);
  assert.deepEqual(JSON.parse(line), {
    dir: "F2B",
    type: "CopyData",
    session: 3,
    t: "12",
    raw: { hex: "00" },
    message: { type: "CopyData", data: { text: "a\nb\r\n\u2028\u0085" } },
  });
  const query = traceJson("F2B", { type: "Query", sql: "select\n1" });
  assert.equal(query, '{"dir":"F2B","type":"Query","message":{"type":"Query","sql":"select\\n1"}}');
  const startup = messageToJson({
    type: "StartupMessage",
    protocolVersion: 196608,
    parameters: JSON.parse('{"__proto__":"x","user":"u"}'),
  });
  assert.deepEqual(
    JSON.parse(JSON.stringify(startup)).parameters,
    JSON.parse('{"__proto__":"x","user":"u"}'),
  );
});
