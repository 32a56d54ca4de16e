// Small in-memory variables for core tests: values in a typed array, reads honour the selection and are counted.
import { allocate, type DType, type NdArray } from "../../src/core/ndarray.js";
import { normalizeSelection, selectionShape } from "../../src/core/selection.js";
import { Variable, type Attrs } from "../../src/core/variable.js";

/**
 * A variable of shape `shape` (default `[values.length]`) holding `values` (row-major); datetime64[ns] values
 * are epoch ms. `reads` counts the values each read returned.
 */
export function memVariable(
  name: string,
  dims: string[],
  values: number[],
  dtype: DType,
  attrs: Attrs = {},
  shape = [values.length],
  reads: number[] = [],
): Variable {
  return new Variable({
    name,
    dims,
    shape,
    dtype,
    attrs,
    read: async (selection = []): Promise<NdArray> => {
      const norm = normalizeSelection(shape, selection);
      const outShape = selectionShape(norm);
      const n = outShape.reduce((a, b) => a * b, 1);
      const data = allocate(dtype, n) as Float64Array;
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const counts = norm.map((d) => d.stop - d.start);
      for (let k = 0; k < n; k++) {
        let rest = k;
        let src = 0;
        for (let i = norm.length - 1; i >= 0; i--) {
          const c = rest % counts[i]!;
          rest = Math.floor(rest / counts[i]!);
          src += (norm[i]!.start + c) * strides[i]!;
        }
        data[k] = values[src]!;
      }
      reads.push(n);
      return { dtype, shape: outShape, data };
    },
  });
}
