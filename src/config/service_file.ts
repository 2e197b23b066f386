/**
 * The connection service file (`~/.pg_service.conf`, `pg_service.conf` in `PGSYSCONFDIR`): INI
 * sections of libpq keywords, selected by `service=` or `PGSERVICE`.
 *
 * @module
 */

import { type ConfigHost, DEFAULT_SYSCONF_DIR } from "./host.ts";
import { keywordSpec } from "./keywords.ts";

/** The outcome of reading one service file for one service. */
export interface ServiceSection {
  /** Whether a `[name]` section for the service exists in the file. */
  readonly found: boolean;
  /** Its keywords; the first setting of a repeated keyword wins, as in libpq. */
  readonly values: Readonly<Record<string, string>>;
}

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/**
 * Extracts one service's section from the text of a service file, following libpq: leading and
 * trailing whitespace is ignored, `#` starts a comment line, `key=value` splits at the first `=`
 * with no trimming around it, and a nested `service` or `servicefile` is an error.
 *
 * @param text The file's contents.
 * @param service The service name to find.
 * @param path The file's path, for error messages.
 * @returns Whether the section exists, and its keywords.
 * @throws {SyntaxError} For a line without `=` or a nested service.
 * @throws {TypeError} For a keyword libpq does not know.
 *
 * @example
 * ```ts
 * import { parseServiceFile } from "./service_file.ts";
 * const s = parseServiceFile("[app]\nhost=db\nport=6432\n", "app", "/etc/pg_service.conf");
 * console.assert(s.found && s.values.host === "db");
 * ```
 */
export function parseServiceFile(text: string, service: string, path: string): ServiceSection {
  const values: Record<string, string> = {};
  let inGroup = false;
  let found = false;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    let end = line.length;
    while (end > 0 && isSpace(line[end - 1])) end--;
    let start = 0;
    while (start < end && isSpace(line[start])) start++;
    line = line.slice(start, end);
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) {
      if (inGroup) break; // The section ended; libpq stops reading here.
      inGroup = line === `[${service}]`;
      found ||= inGroup;
      continue;
    }
    if (!inGroup) continue;
    const where = `in service file "${path}", line ${n + 1}`;
    const eq = line.indexOf("=");
    if (eq < 0) throw new SyntaxError(`Syntax error ${where}: expected "keyword=value"`);
    const key = line.slice(0, eq);
    if (key === "service" || key === "servicefile") {
      throw new SyntaxError(`Nested "${key}" specification is not supported ${where}`);
    }
    if (keywordSpec(key) === undefined) {
      throw new TypeError(`Invalid connection option "${key}" ${where}`);
    }
    if (!Object.hasOwn(values, key)) values[key] = line.slice(eq + 1);
  }
  return { found, values };
}

/**
 * Finds a service's settings the way libpq does: in the per-user file (`serviceFile`, else
 * `PGSERVICEFILE`, else `~/.pg_service.conf`) and, only when the service is not defined there, in
 * `pg_service.conf` in `PGSYSCONFDIR` (else the host's or the compiled-in directory). Missing
 * files are skipped.
 *
 * @param service The service name.
 * @param serviceFile The `servicefile` keyword, if set.
 * @param host The runtime services.
 * @returns The service's keywords and the file they came from.
 * @throws {RangeError} When neither file defines the service.
 *
 * @example
 * ```ts
 * import { staticConfigHost } from "./host.ts";
 * import { readService } from "./service_file.ts";
 * const host = staticConfigHost({ HOME: "/h" }, { "/h/.pg_service.conf": "[s]\nport=1\n" });
 * const { values } = await readService("s", undefined, host);
 * console.assert(values.port === "1");
 * ```
 */
export async function readService(
  service: string,
  serviceFile: string | undefined,
  host: ConfigHost,
): Promise<{ values: Readonly<Record<string, string>>; path: string }> {
  const home = host.homeDir();
  const userFile = serviceFile ?? host.env("PGSERVICEFILE") ??
    (home === undefined ? undefined : `${home}/.pg_service.conf`);
  const sysDir = host.env("PGSYSCONFDIR") ?? host.sysConfDir ?? DEFAULT_SYSCONF_DIR;
  const candidates = userFile === undefined
    ? [`${sysDir}/pg_service.conf`]
    : [userFile, `${sysDir}/pg_service.conf`];
  for (const path of candidates) {
    const text = await host.readTextFile(path);
    if (text === undefined) continue;
    const section = parseServiceFile(text, service, path);
    if (section.found) return { values: section.values, path };
  }
  throw new RangeError(`Definition of service "${service}" not found`);
}
