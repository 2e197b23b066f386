/**
 * Configuration layers: the settings from one source (options, connection string, service file,
 * environment), keyed by libpq keyword, each remembering where it came from for error messages.
 *
 * @module
 */

import { type KeywordSpec, keywordSpec, optionSpec } from "./keywords.ts";

/** A duration that was given in milliseconds (option objects), not libpq's seconds. */
export interface Milliseconds {
  readonly milliseconds: number;
}

/** A raw value: libpq's string, or one of the two things only option objects can express. */
export type RawValue = string | (() => string | Promise<string>) | Milliseconds;

/** One setting and its origin, such as `environment variable PGPORT`. */
export interface Setting {
  readonly value: RawValue;
  readonly source: string;
}

/** The settings of one source, keyed by libpq keyword. */
export type Layer = Map<string, Setting>;

/** Option-object keys that are not libpq keywords, handled by the resolver itself. */
export const CLIENT_ONLY_KEYS: ReadonlySet<string> = new Set(["onNotice", "transport"]);

/**
 * Builds a layer from a raw keyword map (a parsed connection string or a service file section).
 *
 * @param map Keyword to value.
 * @param source Where the values came from.
 * @returns The layer.
 *
 * @example
 * ```ts
 * import { layerFromStrings } from "./layer.ts";
 * const layer = layerFromStrings({ host: "a" }, "connection string");
 * console.assert(layer.get("host")?.value === "a");
 * ```
 */
export function layerFromStrings(map: Readonly<Record<string, string>>, source: string): Layer {
  const layer: Layer = new Map();
  for (const [key, value] of Object.entries(map)) layer.set(key, { value, source });
  return layer;
}

/**
 * Builds a layer from an option object, checking each field's JavaScript type.
 *
 * @param object A `ConnectOptions` or `ClientOptions` object.
 * @param source Where the object came from (`options` or `config object`).
 * @returns The layer, keyed by libpq keyword. Client-only keys are skipped.
 * @throws {TypeError} For an unknown key or a value of the wrong type.
 * @throws {RangeError} For a number out of range.
 *
 * @example
 * ```ts
 * import { layerFromObject } from "./layer.ts";
 * const layer = layerFromObject({ database: "app", port: [5432, 5433] }, "options");
 * console.assert(layer.get("dbname")?.value === "app");
 * console.assert(layer.get("port")?.value === "5432,5433");
 * ```
 */
export function layerFromObject(object: object, source: string): Layer {
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new TypeError(`Invalid ${source}: expected an object`);
  }
  const layer: Layer = new Map();
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || CLIENT_ONLY_KEYS.has(key)) continue;
    const spec = optionSpec(key);
    if (spec === undefined) throw unknownOption(key, source);
    layer.set(spec.keyword, { value: convert(spec, value, source), source });
  }
  return layer;
}

function unknownOption(key: string, source: string): TypeError {
  const twin = keywordSpec(key);
  const hint = twin === undefined ? "" : `; use "${twin.option}"`;
  return new TypeError(`Unknown connection option "${key}" in ${source}${hint}`);
}

function typeError(spec: KeywordSpec, source: string, expected: string): TypeError {
  return new TypeError(`Invalid option "${spec.option}" in ${source}: expected ${expected}`);
}

function listItem(spec: KeywordSpec, source: string, item: unknown, numbers: boolean): string {
  if (numbers && typeof item === "number") return integer(spec, source, item);
  if (typeof item !== "string") {
    throw typeError(spec, source, numbers ? "numbers or strings" : "strings");
  }
  if (item.includes(",")) {
    throw new RangeError(
      `Invalid option "${spec.option}" in ${source}: an array item may not contain ","`,
    );
  }
  return item;
}

function integer(spec: KeywordSpec, source: string, value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Invalid option "${spec.option}" in ${source}: expected an integer`);
  }
  return String(value);
}

function convert(spec: KeywordSpec, value: unknown, source: string): RawValue {
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") throw typeError(spec, source, "a string");
      return value;
    case "list":
    case "ports": {
      const numbers = spec.kind === "ports";
      if (numbers && typeof value === "number") return integer(spec, source, value);
      if (typeof value === "string") return value;
      if (Array.isArray(value)) {
        return value.map((item) => listItem(spec, source, item, numbers)).join(",");
      }
      throw typeError(spec, source, numbers ? "a number, string or array" : "a string or array");
    }
    case "number":
      if (typeof value !== "number") throw typeError(spec, source, "a number");
      return integer(spec, source, value);
    case "boolean":
      if (typeof value !== "boolean") throw typeError(spec, source, "a boolean");
      return value ? "1" : "0";
    case "milliseconds":
      if (typeof value !== "number") throw typeError(spec, source, "a number of milliseconds");
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(
          `Invalid option "${spec.option}" in ${source}: expected a non-negative number of milliseconds`,
        );
      }
      return { milliseconds: value };
    case "password":
      if (typeof value !== "string" && typeof value !== "function") {
        throw typeError(spec, source, "a string or a function");
      }
      return value as RawValue;
    case "replication":
      if (typeof value === "boolean") return value ? "true" : "false";
      if (value === "database") return value;
      throw typeError(spec, source, 'a boolean or "database"');
  }
}

/**
 * Merges layers, highest precedence first: each keyword takes its setting from the first layer
 * that has it.
 *
 * @param layers The layers, highest precedence first.
 * @returns The merged layer.
 *
 * @example
 * ```ts
 * import { layerFromStrings, mergeLayers } from "./layer.ts";
 * const merged = mergeLayers([
 *   layerFromStrings({ port: "1" }, "a"),
 *   layerFromStrings({ port: "2", host: "h" }, "b"),
 * ]);
 * console.assert(merged.get("port")?.value === "1" && merged.get("host")?.value === "h");
 * ```
 */
export function mergeLayers(layers: readonly Layer[]): Layer {
  const merged: Layer = new Map();
  for (const layer of layers) {
    for (const [key, setting] of layer) if (!merged.has(key)) merged.set(key, setting);
  }
  return merged;
}
