// User variables: `name=expr` (xcube's var assignment) as a lazy computed Variable over a dataset's
// variables: each read reads the same selection of the inputs it uses and runs the compiled program on it.
import { promoteForNaN } from "../core/cf-variable.js";
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { sizeOf, type DType, type NdArray, type TypedArray } from "../core/ndarray.js";
import { Variable, type Attrs, type ReadOptions } from "../core/variable.js";
import { normSel } from "../ops/lazy.js";
import { checkExpression, type CheckedExpression, type VariableInfo } from "./check.js";
import { compileExpression, runProgram, SIMD_MIN, type InputBlock, type Program } from "./compile.js";
import { releaseWasmArray, wasmArray } from "./wasm-memory.js";

/**
 * Splits xcube's variable assignment `name=expr` at its first `=` (both parts trimmed); a plain name gives
 * no expression (xcube's `split_var_assignment`). `a==b` alone is a name: the split needs a name before `=`.
 */
export function splitAssignment(nameOrAssign: string): { name: string; expression?: string } {
  const i = nameOrAssign.indexOf("=");
  if (i < 0) return { name: nameOrAssign };
  return { name: nameOrAssign.slice(0, i).trim(), expression: nameOrAssign.slice(i + 1).trim() };
}

/** The safe name of a user variable (a Python identifier, as xcube-viewer requires). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** Options of {@link computedVariable}. */
export interface ComputedVariableOptions {
  /** Names of the variables the expression may use [default: every data variable given]. */
  allowed?: readonly string[];
  /** Attributes of the result [default `{expression}`]. */
  attrs?: Attrs;
  /** The field errors name [default "expression"]. */
  field?: string;
}

/** What makes a computed variable, kept to rebuild it over another dataset (a pyramid level). */
interface ComputedSpec {
  expression: string;
  options: ComputedVariableOptions;
  checked: CheckedExpression;
}
const specs = new WeakMap<Variable, ComputedSpec>();

/**
 * A lazy variable computed by `expression` from `variables` (a dataset's data variables): dims, shape and
 * dtype as numpy/xarray give them (see checkExpression), chunks those of the inputs. Reading a selection
 * reads the same selection of each input it uses (in parallel, with the caller's signal) and evaluates the
 * compiled program on it; nothing is read before. When the program has a SIMD loop, float64 inputs are read
 * (ReadOptions.out) into views of the thread's expression memory and the result is computed straight into the
 * caller's `out` (the variable reads into `out` itself), so the loop copies neither. Inputs whose attributes still hold fill values
 * (`_FillValue`, `missing_value`, `nodata` not decoded by their reader) count as NaN there.
 * @param name the variable's name (a server passes the whole `name=expr`, unique per expression).
 * @throws EocubeError INVALID_EXPRESSION (see checkExpression).
 */
export function computedVariable(
  variables: Readonly<Record<string, Variable>>,
  name: string,
  expression: string,
  options: ComputedVariableOptions = {},
): Variable {
  const allowed = options.allowed ?? Object.keys(variables);
  const inputs = new Map<string, Variable>();
  for (const n of allowed) {
    const v = Object.hasOwn(variables, n) ? variables[n] : undefined;
    if (v) inputs.set(n, withFillsMasked(v));
  }
  const checked = checkExpression(expression, inputs as ReadonlyMap<string, VariableInfo>, options.field ? { field: options.field } : {});
  const program = compileExpression(checked);
  const used = checked.variables.map((n): [string, Variable] => [n, inputs.get(n)!]);
  const chunks = checked.dims.map((d, i) => {
    const v = used.find(([, u]) => u.dims.includes(d))?.[1];
    return v ? v.chunks[v.dims.indexOf(d)]! : checked.shape[i]!;
  });
  const v = new Variable({
    name,
    dims: checked.dims,
    shape: checked.shape,
    dtype: checked.dtype,
    chunks,
    attrs: options.attrs ?? { expression },
    encoding: { chunks },
    read: (selection, readOptions) => readComputed(name, checked, program, used, selection, readOptions),
    readsInto: true,
  });
  specs.set(v, { expression, options, checked });
  return v;
}

async function readComputed(
  name: string,
  checked: CheckedExpression,
  program: Program,
  used: [string, Variable][],
  selection: Parameters<Variable["read"]>[0],
  options: ReadOptions = {},
): Promise<NdArray> {
  const norm = normSel(name, checked.shape, selection);
  const at = (d: string) => norm[checked.dims.indexOf(d)]!;
  const dims = checked.dims.filter((_, i) => !norm[i]!.drop);
  const shape = norm.filter((d) => !d.drop).map((d) => d.stop - d.start);
  const total = sizeOf(shape);
  // `out` is the result's buffer (Variable.read checked it); the inputs are read with the other options
  const { out, ...rest } = options;
  const inPlace = program.simd !== undefined && total >= SIMD_MIN;
  const leased: TypedArray[] = [];
  try {
    // every read settles before the views are released (a failed read must not leave another writing into one)
    const settled = await Promise.allSettled(
      used.map(async ([key, v]): Promise<[string, InputBlock]> => {
        const sel = v.dims.map((d) => (at(d).drop ? at(d).start : ([at(d).start, at(d).stop] as [number, number])));
        const vdims = v.dims.filter((d) => !at(d).drop);
        let into: TypedArray | undefined;
        if (inPlace && v.dtype === "float64" && vdims.length === dims.length && vdims.every((d, i) => d === dims[i])) {
          into = wasmArray("float64", total);
          leased.push(into);
        }
        const arr = await v.read(sel, into ? { ...rest, out: into } : rest);
        return [key, { data: arr.data, dims: vdims, shape: arr.shape }];
      }),
    );
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const blocks = settled.map((r) => (r as PromiseFulfilledResult<[string, InputBlock]>).value);
    return runProgram(program, new Map(blocks), dims, shape, out);
  } finally {
    for (const a of leased) releaseWasmArray(a);
  }
}

/** True for a variable made by {@link computedVariable}. */
export function isComputed(v: Variable): boolean {
  return specs.has(v);
}

/** The expression of a computed variable; undefined for others. */
export function expressionOf(v: Variable): string | undefined {
  return specs.get(v)?.expression;
}

const perDataset = new WeakMap<Dataset, Map<string, Variable>>();
/** Computed variables kept per dataset (user expressions repeat across tiles). */
const PER_DATASET = 256;

/**
 * The variable `v` over another dataset (a pyramid level of the one `v` comes from): the dataset's own
 * variable of that name, else, for a computed variable, the same expression computed from the dataset's
 * variables (kept per dataset); undefined when neither exists.
 * @throws EocubeError INVALID_EXPRESSION when the dataset lacks an input of the expression.
 */
export function variableOn(dataset: Dataset, v: Variable): Variable | undefined {
  const own = Object.hasOwn(dataset.data_vars, v.name)
    ? dataset.data_vars[v.name]
    : Object.hasOwn(dataset.coords, v.name)
      ? dataset.coords[v.name]
      : undefined;
  if (own) return own;
  const spec = specs.get(v);
  if (!spec) return undefined;
  return cached(dataset, v.name, () => computedVariable(dataset.data_vars, v.name, spec.expression, spec.options));
}

/**
 * A user variable `name=expr` over a dataset (xcube's `{varName}` of tiles, time series and statistics):
 * checked against the allowed variables, compiled once and kept per dataset and text.
 * @param assignment the whole `name=expr`; it becomes the variable's name (unique per expression, so caches
 *   keyed by variable name never mix two expressions).
 * @throws EocubeError INVALID_EXPRESSION for a name that is not an identifier and for expressions that do not check.
 */
export function userVariable(dataset: Dataset, assignment: string, options: ComputedVariableOptions = {}): Variable {
  const { name, expression } = splitAssignment(assignment);
  if (!IDENTIFIER.test(name)) {
    throw new EocubeError("INVALID_EXPRESSION", `user variable name ${JSON.stringify(name.slice(0, 60))} is not an identifier`, {
      field: options.field ?? "expression",
      hint: "write name=expression, the name in letters, digits and _ (e.g. chl_ratio=conc_chl/(conc_tsm+1))",
    });
  }
  if (expression === undefined || expression === "") {
    throw new EocubeError("INVALID_EXPRESSION", `user variable ${name} has no expression`, {
      field: options.field ?? "expression",
      hint: "write name=expression",
    });
  }
  return cached(dataset, assignment, () => computedVariable(dataset.data_vars, assignment, expression, options));
}

function cached(dataset: Dataset, key: string, make: () => Variable): Variable {
  let m = perDataset.get(dataset);
  if (!m) {
    m = new Map();
    perDataset.set(dataset, m);
  }
  const hit = m.get(key);
  if (hit) {
    m.delete(key);
    m.set(key, hit);
    return hit;
  }
  const v = make();
  m.set(key, v);
  if (m.size > PER_DATASET) m.delete(m.keys().next().value!);
  return v;
}

/** Numeric fill values still in a variable's attributes (readers that do not decode them). */
function fillsOf(v: Variable): number[] {
  const out: number[] = [];
  for (const key of ["_FillValue", "missing_value", "nodata"]) {
    const f = v.attrs[key];
    if (typeof f === "number" && !Number.isNaN(f)) out.push(f);
  }
  return out;
}

/** `v` with fill values still in its attributes read as NaN (integers promoted as xarray's mask_and_scale does). */
function withFillsMasked(v: Variable): Variable {
  const fills = fillsOf(v);
  if (fills.length === 0) return v;
  const dtype = promoteForNaN(v.dtype) as DType;
  if (dtype === "str" || dtype === "object") return v;
  return v.with({
    dtype,
    read: async (selection, options) => {
      const arr = await v.read(selection, options);
      const src = arr.data as ArrayLike<number | bigint>;
      const out = dtype === "float32" ? new Float32Array(src.length) : new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const x = Number(src[i]);
        out[i] = fills.includes(x) ? NaN : x;
      }
      return { data: out, shape: arr.shape, dtype };
    },
  });
}
