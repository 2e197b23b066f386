/**
 * Renders protocol messages readably, one line each, tagged with their direction:
 * `[F2B]` frontend to backend, `[B2F]` backend to frontend.
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
 * Options of {@link formatMessage}.
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
   * Longest byte string or text shown before it is cut with `…`.
   *
   * @default {120}
   */
  maxValueLength?: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function bytesToText(bytes: Uint8Array, max: number): string {
  let text: string | undefined;
  try {
    text = UTF8.decode(bytes);
  } catch {
    text = undefined;
  }
  // deno-lint-ignore no-control-regex
  if (text !== undefined && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) {
    return quote(text, max);
  }
  let hex = "";
  const shown = Math.min(bytes.length, Math.ceil(max / 2));
  for (let i = 0; i < shown; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return `0x${hex}${shown < bytes.length ? `…(${bytes.length} bytes)` : ""}`;
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
