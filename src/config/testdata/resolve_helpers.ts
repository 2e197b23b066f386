/**
 * Shared fixtures of the configuration tests: a fake environment and a resolve shortcut.
 *
 * @module
 */

import {
  type ClientOptions,
  type ConfigHost,
  type ConnectOptions,
  resolveConfig,
  type ResolvedConfig,
  staticConfigHost,
  type StaticFile,
} from "../../config.ts";

/** A password used in tests that must never appear in an error message. */
export const SECRET = "hunter2-S3cret";

/** A fake runtime: user `osuser` with home `/home/osuser`, plus the given variables and files. */
export function host(
  env: Record<string, string> = {},
  files: Record<string, StaticFile> = {},
  unixSockets = false,
): ConfigHost {
  return staticConfigHost({ USER: "osuser", HOME: "/home/osuser", ...env }, files, { unixSockets });
}

/** Resolves a configuration against {@link host} (or the given one). */
export function resolve(
  config?: string | URL | ConnectOptions,
  options?: ClientOptions,
  h: ConfigHost = host(),
): Promise<ResolvedConfig> {
  return resolveConfig(config, options, h);
}
