/**
 * The codecs a connection starts with: every built-in type pgline knows, with arrays, ranges and
 * multiranges, under the chosen {@link TypeOptions}.
 *
 * @module
 */

import type { TypeOptions } from "./codec.ts";
import { dateTimeCodecs } from "./datetime.ts";
import { numericCodecs } from "./numeric.ts";
import { TypeRegistry } from "./registry.ts";
import { textCodecs } from "./text.ts";

/**
 * Makes a registry holding the built-in codecs.
 *
 * @param options How int8, numeric, dates and json are returned.
 * @returns A new registry (one per connection: custom types belong to a database).
 *
 * @example
 * ```ts
 * import { createTypeRegistry } from "./builtins.ts";
 * const types = createTypeRegistry({ int8: "string" });
 * console.assert(types.byOid(20)?.parseText("9007199254740993") === "9007199254740993");
 * ```
 */
export function createTypeRegistry(options: TypeOptions = {}): TypeRegistry {
  return new TypeRegistry([
    ...numericCodecs(options),
    ...textCodecs(options),
    ...dateTimeCodecs(options),
  ]);
}
