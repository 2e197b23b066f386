/**
 * The shape of the nested JavaScript arrays that array codecs serialize: their dimensions, the
 * check that they are rectangular, and a row-major walk over their elements. Shared by the text
 * (`array_text.ts`) and binary (`array.ts`) serializers.
 *
 * @module
 */

/** `array_in` accepts at most this many dimensions (`MAXDIM`). */
export const MAX_DIMENSIONS = 6;

/**
 * The dimensions of a nested array, from its first elements; checked for raggedness later. When
 * element values are arrays, an array whose first element is not an array (or that is empty) is
 * an element, not a dimension.
 *
 * @param value The outermost array.
 * @param elementsAreArrays Whether element values are JS arrays themselves.
 * @returns The length of each dimension, outermost first.
 * @throws {TypeError} for more than {@link MAX_DIMENSIONS} dimensions.
 *
 * @example A 2×3 array
 * ```ts
 * import { shapeOf } from "./array_shape.ts";
 * console.assert(shapeOf([[1, 2, 3], [4, 5, 6]], false).join() === "2,3");
 * ```
 */
export function shapeOf(value: unknown[], elementsAreArrays: boolean): number[] {
  const dims: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    dims.push(level.length);
    if (dims.length > MAX_DIMENSIONS) {
      throw new TypeError(`Cannot serialize an array of more than ${MAX_DIMENSIONS} dimensions`);
    }
    const next: unknown = level[0];
    if (elementsAreArrays && !(Array.isArray(next) && Array.isArray(next[0]))) break;
    level = next;
  }
  return dims;
}

function ragged(name: string): never {
  throw new TypeError(
    `Cannot serialize ${name}: a multi-dimensional array must be rectangular (sub-arrays of equal length, no mix of arrays and elements)`,
  );
}

/**
 * Visits the elements of a rectangular nested array in row-major order.
 *
 * @param value The outermost array.
 * @param dims Its dimensions, from {@link shapeOf}.
 * @param name The array type's name, for the message.
 * @param elementsAreArrays Whether element values are JS arrays themselves.
 * @param visit Called with each element.
 * @param open Called as each (sub-)array is entered.
 * @param close Called with its depth as each (sub-)array is left.
 * @throws {TypeError} when the array is ragged: sub-arrays of unequal length, or a mix of arrays
 * and elements.
 *
 * @example Flattening a 2×2 array
 * ```ts
 * import { forEachElement } from "./array_shape.ts";
 * const seen: unknown[] = [];
 * forEachElement([[1, 2], [3, 4]], [2, 2], "_int4", false, (e) => seen.push(e));
 * console.assert(seen.join() === "1,2,3,4");
 * ```
 */
export function forEachElement(
  value: unknown[],
  dims: number[],
  name: string,
  elementsAreArrays: boolean,
  visit: (element: unknown) => void,
  open?: () => void,
  close?: (depth: number) => void,
): void {
  const last = dims.length - 1;
  const walk = (level: unknown, depth: number): void => {
    if (!Array.isArray(level) || level.length !== dims[depth]) ragged(name);
    open?.();
    for (let k = 0; k < level.length; k++) {
      const item: unknown = level[k];
      if (depth < last) walk(item, depth + 1);
      else if (Array.isArray(item) && !elementsAreArrays) ragged(name);
      else visit(item);
    }
    close?.(depth);
  };
  walk(value, 0);
}
