// Selections of a Variable: one entry per dimension, in the variable's dimension order.

/**
 * How one dimension is selected:
 * - `null` (or a missing trailing entry): the whole dimension;
 * - a number: one index, and the dimension is **dropped** from the result (like `isel(x=3)`);
 * - `[start, stop]`: the half-open index range start ≤ i < stop, dimension kept.
 */
export type DimSelection = null | number | [number, number];

/** A selection: one {@link DimSelection} per dimension, in dimension order. */
export type Selection = DimSelection[];

/** A normalised selection for one dimension: the half-open range and whether the dimension is dropped. */
export interface NormalizedDim {
  start: number;
  stop: number;
  drop: boolean;
}

/**
 * Normalises a selection against a shape: fills missing entries, resolves negatives, checks bounds.
 * @throws RangeError when an index or range lies outside the shape (callers wrap it in OUT_OF_RANGE).
 */
export function normalizeSelection(shape: readonly number[], selection: Selection = []): NormalizedDim[] {
  if (selection.length > shape.length) {
    throw new RangeError(`selection has ${selection.length} entries for ${shape.length} dimensions`);
  }
  return shape.map((size, i) => {
    const sel = selection[i];
    if (sel === null || sel === undefined) return { start: 0, stop: size, drop: false };
    if (typeof sel === "number") {
      const idx = sel < 0 ? size + sel : sel;
      if (!Number.isInteger(idx) || idx < 0 || idx >= size) {
        throw new RangeError(`index ${sel} out of range 0…${size - 1} for dimension ${i}`);
      }
      return { start: idx, stop: idx + 1, drop: true };
    }
    const [a, b] = sel;
    const start = a < 0 ? size + a : a;
    const stop = b < 0 ? size + b : b;
    if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop > size || start > stop) {
      throw new RangeError(`range [${a}, ${b}) out of range 0…${size} for dimension ${i}`);
    }
    return { start, stop, drop: false };
  });
}

/** The result shape of a normalised selection (dropped dimensions removed). */
export function selectionShape(norm: readonly NormalizedDim[]): number[] {
  return norm.filter((d) => !d.drop).map((d) => d.stop - d.start);
}
