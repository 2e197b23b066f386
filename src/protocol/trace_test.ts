import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { DataRow, formatMessage, traceLine } from "./mod.ts";

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
