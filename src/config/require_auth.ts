/**
 * `require_auth`: which authentication methods the client accepts from the server.
 *
 * @module
 */

import type { AuthMethod, RequireAuth } from "./types.ts";

/**
 * Every method `require_auth` can name, in libpq's documentation order.
 *
 * @example
 * ```ts
 * import { AUTH_METHODS } from "./require_auth.ts";
 * console.assert(AUTH_METHODS.includes("scram-sha-256"));
 * ```
 */
export const AUTH_METHODS: readonly AuthMethod[] = [
  "password",
  "md5",
  "gss",
  "sspi",
  "scram-sha-256",
  "oauth",
  "none",
];

/**
 * Parses a `require_auth` value in libpq syntax: a comma list of methods, either all plain (an
 * allow list) or all prefixed with `!` (a deny list). An empty value means no restriction.
 *
 * @param value The raw value.
 * @returns The parsed setting, or `undefined` for no restriction.
 * @throws {RangeError} For an unknown method, a repeated method, or plain and `!` methods mixed.
 *
 * @example Allow and deny lists
 * ```ts
 * import { parseRequireAuth } from "./require_auth.ts";
 * console.assert(parseRequireAuth("scram-sha-256,none")?.allowed.has("none"));
 * console.assert(!parseRequireAuth("!password,!md5")?.allowed.has("md5"));
 * ```
 */
export function parseRequireAuth(value: string): RequireAuth | undefined {
  if (value === "") return undefined;
  const methods: AuthMethod[] = [];
  let negated: boolean | undefined;
  for (const item of value.split(",")) {
    const isNegated = item.startsWith("!");
    const name = isNegated ? item.slice(1) : item;
    const method = AUTH_METHODS.find((m) => m === name);
    if (method === undefined) {
      throw new RangeError(
        `Invalid value "${item}" for connection option "require_auth": expected ${
          AUTH_METHODS.join(", ")
        }, optionally prefixed with "!"`,
      );
    }
    if (negated === undefined) {
      negated = isNegated;
    } else if (negated !== isNegated) {
      throw new RangeError(
        isNegated
          ? `Negative require_auth method "${item}" cannot be mixed with non-negative methods`
          : `require_auth method "${item}" cannot be mixed with negative methods`,
      );
    }
    if (methods.includes(method)) {
      throw new RangeError(`require_auth method "${method}" is specified more than once`);
    }
    methods.push(method);
  }
  const isDeny = negated === true;
  const allowed = new Set(
    isDeny ? AUTH_METHODS.filter((m) => !methods.includes(m)) : methods,
  );
  return { methods, negated: isDeny, allowed };
}
