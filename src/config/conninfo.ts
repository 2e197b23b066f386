/**
 * Parsers for libpq connection strings: the `keyword=value` form and the `postgresql://` URI form.
 * Both produce the same raw keyword map; neither applies defaults or validates values beyond the
 * keyword names, which is the resolver's job.
 *
 * @module
 */

import { isSecretKeyword, keywordSpec, REDACTED } from "./keywords.ts";

/** One keyword found in a connection string, with where its raw value sits in the text. */
interface Entry {
  key: string;
  value: string;
  /** Offset of the raw value in the source text, or -1 when it has no single span (URI hosts). */
  start: number;
  end: number;
}

const URI_PREFIXES = ["postgresql://", "postgres://"] as const;

/**
 * Tells whether a connection string is a URI (`postgresql://` or `postgres://`) rather than
 * `keyword=value` pairs.
 *
 * @param text A connection string.
 * @returns True for the URI form.
 *
 * @example
 * ```ts
 * import { isConnectionUri } from "./conninfo.ts";
 * console.assert(isConnectionUri("postgres://localhost/db"));
 * console.assert(!isConnectionUri("host=localhost"));
 * ```
 */
export function isConnectionUri(text: string): boolean {
  return URI_PREFIXES.some((p) => text.startsWith(p));
}

/**
 * Parses a libpq connection string, in either the URI or the `keyword=value` form, into a map of
 * libpq keywords to raw string values. Later settings of a keyword override earlier ones, and URI
 * query parameters override the URI's other parts, as in libpq.
 *
 * @param text The connection string.
 * @returns The keywords it sets, spelled as libpq spells them (`dbname`, `sslmode`).
 * @throws {SyntaxError} When the string is malformed (the message never contains a password).
 * @throws {TypeError} When it names a keyword libpq does not know.
 *
 * @example Parsing both forms
 * ```ts
 * import { parseConnectionString } from "./conninfo.ts";
 * const a = parseConnectionString("postgres://alice@db.example:6432/app?sslmode=require");
 * console.assert(a.host === "db.example" && a.port === "6432" && a.dbname === "app");
 * const b = parseConnectionString("host=db.example password='it\\'s'");
 * console.assert(b.password === "it's");
 * ```
 */
export function parseConnectionString(text: string): Record<string, string> {
  const entries = tokenize(text);
  const out: Record<string, string> = {};
  for (const { key, value } of entries) {
    if (keywordSpec(key) === undefined) throw unknownKeyword(key, isConnectionUri(text));
    out[key] = value;
  }
  return out;
}

/**
 * Replaces every secret (`password`, `sslpassword`, `oauth_client_secret`, and the password in a
 * URI's user info) in a connection string with `********`, leaving the rest as written. Use it
 * before logging a connection string.
 *
 * @param text The connection string.
 * @returns The same string with its secrets masked. A string that cannot be parsed is masked whole.
 *
 * @example Masking a URI and a keyword string
 * ```ts
 * import { redactConnectionString } from "./conninfo.ts";
 * console.assert(
 *   redactConnectionString("postgres://u:hunter2@h/db") === "postgres://u:********@h/db",
 * );
 * console.assert(redactConnectionString("host=h password=hunter2") === "host=h password=********");
 * ```
 */
export function redactConnectionString(text: string): string {
  let entries: Entry[];
  try {
    entries = tokenize(text);
  } catch {
    return REDACTED;
  }
  const spans = entries
    .filter((e) => isSecretKeyword(e.key) && e.start >= 0)
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const { start, end } of spans) out = out.slice(0, start) + REDACTED + out.slice(end);
  return out;
}

function tokenize(text: string): Entry[] {
  return isConnectionUri(text) ? tokenizeUri(text) : tokenizeKeywordValue(text);
}

function unknownKeyword(key: string, uri: boolean): TypeError {
  const where = uri ? "URI query parameter" : "connection option";
  return new TypeError(`Invalid ${where} "${key}": libpq has no such keyword`);
}

// libpq uses C isspace(): space, \t, \n, \v, \f, \r.
function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/** Names a keyword in an error only when it is a real keyword, so a stray password fragment is never echoed. */
function describeKeyword(key: string, position: number): string {
  return keywordSpec(key) === undefined ? `at position ${position}` : `"${key}"`;
}

function tokenizeKeywordValue(text: string): Entry[] {
  const entries: Entry[] = [];
  let i = 0;
  while (true) {
    while (isSpace(text[i])) i++;
    if (i >= text.length) break;
    const keyStart = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== "=") i++;
    const key = text.slice(keyStart, i);
    while (isSpace(text[i])) i++;
    if (text[i] !== "=") {
      throw new SyntaxError(
        `Missing "=" after keyword ${describeKeyword(key, keyStart)} in connection string`,
      );
    }
    i++;
    while (isSpace(text[i])) i++;
    const start = i;
    let value = "";
    if (text[i] === "'") {
      i++;
      while (true) {
        if (i >= text.length) {
          throw new SyntaxError(
            `Unterminated quoted value for keyword ${
              describeKeyword(key, keyStart)
            } in connection string`,
          );
        }
        const ch = text[i++]!;
        if (ch === "'") break;
        if (ch === "\\") {
          if (i >= text.length) continue;
          value += text[i++];
        } else {
          value += ch;
        }
      }
    } else {
      while (i < text.length && !isSpace(text[i])) {
        const ch = text[i++]!;
        if (ch === "\\") {
          if (i < text.length) value += text[i++];
        } else {
          value += ch;
        }
      }
    }
    entries.push({ key, value, start, end: i });
  }
  return entries;
}

function tokenizeUri(text: string): Entry[] {
  const prefix = URI_PREFIXES.find((p) => text.startsWith(p))!;
  const entries: Entry[] = [];
  let i = prefix.length;

  // User info ends at the last "@" before the path or query, so an unencoded "@" in a password
  // still parses; libpq stops at the first "@", which can never yield a valid host name anyway.
  let authorityEnd = i;
  while (authorityEnd < text.length && text[authorityEnd] !== "/" && text[authorityEnd] !== "?") {
    authorityEnd++;
  }
  const at = text.lastIndexOf("@", authorityEnd - 1);
  if (at >= i) {
    const colon = text.indexOf(":", i);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    const user = decodePercent(text.slice(i, userEnd), "user name in URI");
    if (user !== "") entries.push({ key: "user", value: user, start: i, end: userEnd });
    if (userEnd < at) {
      const password = decodePercent(text.slice(userEnd + 1, at), "password in URI");
      entries.push({ key: "password", value: password, start: userEnd + 1, end: at });
    }
    i = at + 1;
  }

  const hosts: string[] = [];
  const ports: string[] = [];
  while (true) {
    let host: string;
    if (text[i] === "[") {
      const close = text.indexOf("]", i + 1);
      if (close < 0 || close > authorityEnd) {
        throw new SyntaxError(`Missing "]" after IPv6 host address at position ${i} in URI`);
      }
      host = text.slice(i + 1, close);
      if (host === "") throw new SyntaxError(`Empty IPv6 host address at position ${i} in URI`);
      i = close + 1;
      const next = text[i];
      if (next !== undefined && next !== ":" && next !== "/" && next !== "?" && next !== ",") {
        throw new SyntaxError(
          `Unexpected character at position ${i} in URI: expected ":", ",", "/" or "?" after "]"`,
        );
      }
    } else {
      const start = i;
      while (i < text.length && !":/?,".includes(text[i]!)) i++;
      host = text.slice(start, i);
    }
    let port = "";
    if (text[i] === ":") {
      const start = ++i;
      while (i < text.length && !"/?,".includes(text[i]!)) i++;
      port = text.slice(start, i);
    }
    hosts.push(host);
    ports.push(port);
    if (text[i] !== ",") break;
    i++;
  }
  const hostList = hosts.join(",");
  if (hostList !== "") {
    entries.push({
      key: "host",
      value: decodePercent(hostList, "host in URI"),
      start: -1,
      end: -1,
    });
  }
  const portList = ports.join(",");
  if (portList !== "") {
    entries.push({
      key: "port",
      value: decodePercent(portList, "port in URI"),
      start: -1,
      end: -1,
    });
  }

  if (text[i] === "/") {
    const start = ++i;
    while (i < text.length && text[i] !== "?") i++;
    const dbname = decodePercent(text.slice(start, i), "database name in URI");
    if (dbname !== "") entries.push({ key: "dbname", value: dbname, start, end: i });
  }

  if (text[i] === "?") {
    i++;
    while (i <= text.length) {
      let end = text.indexOf("&", i);
      if (end < 0) end = text.length;
      const param = text.slice(i, end);
      if (param !== "") entries.push(uriParam(param, i));
      i = end + 1;
    }
  }
  return entries;
}

function uriParam(param: string, offset: number): Entry {
  const eq = param.indexOf("=");
  const rawKey = eq < 0 ? param : param.slice(0, eq);
  const key = decodePercent(rawKey, "URI query parameter name");
  const known = keywordSpec(key) !== undefined || key === "ssl";
  const label = known ? `"${key}"` : `at position ${offset}`;
  if (eq < 0) {
    throw new SyntaxError(`Missing "=" in URI query parameter ${label}`);
  }
  if (param.indexOf("=", eq + 1) >= 0) {
    throw new SyntaxError(`Extra "=" in URI query parameter ${label}`);
  }
  const value = decodePercent(param.slice(eq + 1), `value of URI query parameter ${label}`);
  // libpq accepts the JDBC spelling ssl=true as sslmode=require.
  if (key === "ssl" && value === "true") {
    return { key: "sslmode", value: "require", start: offset + eq + 1, end: offset + param.length };
  }
  return { key, value, start: offset + eq + 1, end: offset + param.length };
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Decodes percent-encoding as libpq does: `+` stays a plus sign, `%00` is refused, and a malformed
 * escape is an error. The message names the URI part, never its text, which may be a password.
 */
function decodePercent(raw: string, part: string): string {
  if (!raw.includes("%")) return raw;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== "%") {
      const cp = raw.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(s));
      i += s.length - 1;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) throw new SyntaxError(`Invalid percent-encoding in ${part}`);
    const byte = parseInt(hex, 16);
    if (byte === 0) throw new SyntaxError(`Forbidden %00 in percent-encoded ${part}`);
    bytes.push(byte);
    i += 2;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
