/**
 * Renders protocol messages readably, one line each, tagged with their direction:
 * `[F2B]` frontend to backend, `[B2F]` backend to frontend; or as JSON lines for tools.
 *
 * @module
 */

import { DataRow } from "./data_row.ts";
import type { BackendMessage, FrontendMessage } from "./messages.ts";

/**
 * Direction of a message: frontend to backend, or backend to frontend.
 *
 * @example Tagging a line by direction
 * ```ts
 * import { type Direction, traceLine } from "@pgline/pgline/protocol";
 * const direction: Direction = "B2F";
 * console.assert(traceLine(direction, { type: "ReadyForQuery", status: "I" }).startsWith("[B2F]"));
 * ```
 */
export type Direction = "F2B" | "B2F";

/**
 * Options of {@link formatMessage}, {@link messageToJson} and {@link traceJson}.
 *
 * @example Showing secrets in a local trace
 * ```ts
 * import { formatMessage, type FormatOptions } from "@pgline/pgline/protocol";
 * const options: FormatOptions = { showSecrets: true, maxValueLength: 40 };
 * const line = formatMessage({ type: "PasswordMessage", password: "hunter2" }, options);
 * console.assert(line.includes("hunter2"));
 * ```
 */
export interface FormatOptions {
  /**
   * Show passwords and cancel keys instead of `<redacted>`.
   *
   * @default {false}
   */
  showSecrets?: boolean;
  /**
   * Longest byte string or text shown before it is cut with `…` (JSON: cut and marked with
   * `truncated`). Bytes shown as hex are cut to about this many hex digits.
   *
   * @default {120}
   */
  maxValueLength?: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** `bytes` as text when valid UTF-8 with no control characters but tab and line breaks. */
function printable(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  // deno-lint-ignore no-control-regex
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

/** The first `count` bytes of `bytes` in hex. */
function hexOf(bytes: Uint8Array, count: number): string {
  let hex = "";
  for (let i = 0; i < count; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex;
}

function bytesToText(bytes: Uint8Array, max: number): string {
  const text = printable(bytes);
  if (text !== undefined) return quote(text, max);
  const shown = Math.min(bytes.length, Math.ceil(max / 2));
  return `0x${hexOf(bytes, shown)}${shown < bytes.length ? `…(${bytes.length} bytes)` : ""}`;
}

function quote(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return JSON.stringify(cut) + (cut.length < text.length ? `…(${text.length} chars)` : "");
}

function render(value: unknown, max: number): string {
  if (value === null) return "null";
  if (typeof value === "string") return quote(value, max);
  if (value instanceof Uint8Array) return bytesToText(value, max);
  if (Array.isArray(value)) return `[${value.map((v) => render(v, max)).join(", ")}]`;
  if (typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) parts.push(`${k}: ${render(v, max)}`);
    return `{${parts.join(", ")}}`;
  }
  return String(value);
}

const SECRET_FIELDS: Record<string, readonly string[]> = {
  PasswordMessage: ["password"],
  CancelRequest: ["secretKey"],
  BackendKeyData: ["secretKey"],
};

/**
 * Renders one message as `Name field=value ...`.
 *
 * @param msg A frontend or backend message.
 * @param options Redaction and truncation.
 * @returns One line, without the direction.
 *
 * @example
 * ```ts
 * import { formatMessage } from "@pgline/pgline/protocol";
 * const line = formatMessage({ type: "ParameterStatus", name: "TimeZone", value: "UTC" });
 * console.assert(line === 'ParameterStatus name="TimeZone" value="UTC"');
 * ```
 */
export function formatMessage(
  msg: FrontendMessage | BackendMessage,
  options: FormatOptions = {},
): string {
  const max = options.maxValueLength ?? 120;
  if (msg instanceof DataRow) {
    return `DataRow ${render(msg.fields(), max)}`;
  }
  const secrets = options.showSecrets ? undefined : SECRET_FIELDS[msg.type];
  let line: string = msg.type;
  for (const [key, value] of Object.entries(msg)) {
    if (key === "type") continue;
    let shown: string;
    if (secrets?.includes(key)) {
      shown = "<redacted>";
    } else if (msg.type === "StartupMessage" && key === "protocolVersion") {
      shown = `${(value as number) >>> 16}.${(value as number) & 0xffff}`;
    } else {
      shown = render(value, max);
    }
    line += ` ${key}=${shown}`;
  }
  return line;
}

/**
 * Renders one message with its direction, like `[B2F] ReadyForQuery status="I"`.
 *
 * @param direction `F2B` for what the client sent, `B2F` for what the server sent.
 * @param msg The message.
 * @param options Redaction and truncation.
 * @returns One line.
 *
 * @example
 * ```ts
 * import { traceLine } from "@pgline/pgline/protocol";
 * console.log(traceLine("F2B", { type: "Query", sql: "select 1" })); // [F2B] Query sql="select 1"
 * ```
 */
export function traceLine(
  direction: Direction,
  msg: FrontendMessage | BackendMessage,
  options?: FormatOptions,
): string {
  return `[${direction}] ${formatMessage(msg, options)}`;
}

const REDACTED = "<redacted>";

/** The cut length of options: a whole number, at least 0 (`Infinity` for no cut). */
function limitOf(options: FormatOptions): number {
  return Math.max(0, Math.trunc(options.maxValueLength ?? 120)) || 0;
}

/** `text` cut to `max` UTF-16 units, not splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function jsonBytes(bytes: Uint8Array, max: number): Record<string, unknown> {
  const text = printable(bytes);
  if (text !== undefined) {
    return text.length > max ? { text: cut(text, max), truncated: bytes.length } : { text };
  }
  const shown = Math.min(bytes.length, Math.ceil(max / 2));
  const hex = hexOf(bytes, shown);
  return shown < bytes.length ? { hex, truncated: bytes.length } : { hex };
}

/** A JSON-safe copy of `value`; undefined for what JSON leaves out (undefined, functions). */
function jsonValue(value: unknown, max: number): unknown {
  switch (typeof value) {
    case "string":
      return value.length > max
        ? { text: cut(value, max), truncated: UTF8_ENCODER.encode(value).length }
        : value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return String(value);
    case "boolean":
      return value;
    case "object":
      if (value === null) return null;
      if (value instanceof Uint8Array) return jsonBytes(value, max);
      if (Array.isArray(value)) return value.map((v) => jsonValue(v, max) ?? null);
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
      return jsonObject(Object.entries(value), max);
    default:
      return undefined;
  }
}

/** An object of converted entries (made with own data properties, so `__proto__` is a key). */
function jsonObject(entries: [string, unknown][], max: number): Record<string, unknown> {
  const out: [string, unknown][] = [];
  for (const [key, value] of entries) {
    const json = jsonValue(value, max);
    if (json !== undefined) out.push([key, json]);
  }
  return Object.fromEntries(out);
}

/**
 * Converts one message to a plain JSON-safe object, `{ type, ...fields }`.
 *
 * Bytes become `{ text }` when they are printable UTF-8 (as in {@link formatMessage}), else
 * `{ hex }`; a DataRow becomes `{ type: "DataRow", values }` with one such object, or null, per
 * column. Text and bytes longer than `maxValueLength` are cut and get `truncated`: the value's
 * length in bytes (strings count their UTF-8 bytes), so a long string field also becomes
 * `{ text, truncated }`. Passwords and cancel keys are `"<redacted>"` unless `showSecrets`.
 * Bigints become strings. Never throws for a valid message.
 *
 * @param message A frontend or backend message.
 * @param options Redaction and truncation.
 * @returns A new object, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { DataRow, messageToJson } from "@pgline/pgline/protocol";
 * const json = messageToJson(DataRow.from(["42", null, new Uint8Array([0xff])]));
 * console.assert(
 *   JSON.stringify(json) === '{"type":"DataRow","values":[{"text":"42"},null,{"hex":"ff"}]}',
 * );
 * ```
 */
export function messageToJson(
  message: FrontendMessage | BackendMessage,
  options: FormatOptions = {},
): Record<string, unknown> {
  const max = limitOf(options);
  if (message.type === "DataRow") {
    const values = message.fields().map((v) => v === null ? null : jsonBytes(v, max));
    return { type: "DataRow", values };
  }
  const entries = Object.entries(message).filter(([key]) => key !== "type");
  const out = jsonObject([["type", message.type], ...entries], max);
  if (!options.showSecrets) {
    for (const key of SECRET_FIELDS[message.type] ?? []) {
      if (Object.hasOwn(out, key)) out[key] = REDACTED;
    }
  }
  return out;
}

const RESERVED = new Set(["dir", "type", "message"]);

/**
 * Renders one message as a line of JSON (JSON lines), like
 * `{"dir":"F2B","type":"Query","message":{"type":"Query","sql":"select 1"}}`.
 *
 * `extra` keys (a session id, a time) come between `type` and `message`, converted like message
 * fields; keys named `dir`, `type` or `message` are ignored. The line never holds a line break:
 * U+0085, U+2028 and U+2029, which JSON leaves raw, are escaped too.
 *
 * @param direction `F2B` for what the client sent, `B2F` for what the server sent.
 * @param message The message.
 * @param extra Fields to add to the line.
 * @param options Redaction and truncation, as for {@link messageToJson}.
 * @returns One line of JSON, without a trailing newline.
 *
 * @example
 * ```ts
 * import { traceJson } from "@pgline/pgline/protocol";
 * const line = traceJson("B2F", { type: "ReadyForQuery", status: "I" }, { session: 1 });
 * console.assert(
 *   line === '{"dir":"B2F","type":"ReadyForQuery","session":1,' +
 *       '"message":{"type":"ReadyForQuery","status":"I"}}',
 * );
 * ```
 */
export function traceJson(
  direction: Direction,
  message: FrontendMessage | BackendMessage,
  extra: Record<string, unknown> = {},
  options: FormatOptions = {},
): string {
  const fields = jsonObject(
    Object.entries(extra).filter(([k]) => !RESERVED.has(k)),
    limitOf(options),
  );
  const line = {
    dir: direction,
    type: message.type,
    ...fields,
    message: messageToJson(message, options),
  };
  return JSON.stringify(line).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
