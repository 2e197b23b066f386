/**
 * Preload for running documentation examples: makes `console.assert` throw, so that an example
 * whose assertion fails fails its test instead of only printing "Assertion failed".
 *
 * Usage: `deno test --doc --preload=tools/doc_assert.ts <files>`.
 *
 * @module
 */

const report = console.assert.bind(console);

console.assert = (condition?: boolean, ...data: unknown[]): void => {
  if (!condition) {
    report(condition, ...data);
    throw new Error(data.length > 0 ? `Assertion failed: ${data.join(" ")}` : "Assertion failed");
  }
};
