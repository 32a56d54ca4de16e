// xcube's `evaluate_dataset` (legacy `xcube gen` processed_variables): variables computed from an
// `expression` and variables masked by a `valid_pixel_expression`, in order, each seeing those before it.
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { Attrs, Variable } from "../core/variable.js";
import { computedVariable } from "./variable.js";

/** One entry of `processed_variables`: a variable name and its properties (attributes). */
export interface ProcessedVariable {
  name: string;
  /** Properties: `expression` computes the variable, `valid_pixel_expression` masks it; the rest become attributes. */
  props?: Attrs;
}

/** Options of {@link evaluateDataset}. */
export interface EvaluateDatasetOptions {
  /** Prefix of the field errors name [default "processed_variables"]. */
  field?: string;
}

/**
 * Computes and masks variables as xcube's `evaluate_dataset` does for `xcube gen`: each entry of
 * `processed` (in order) may compute its variable from `expression` (over the data variables and the
 * entries before it; CF flag variables' flags as `var.FLAG`), and may mask it where
 * `valid_pixel_expression` is false or zero (the values become NaN; integers become floats). Properties of
 * an existing variable are its attributes updated by the entry's; all of them become the result's attributes.
 * Without `processed`, the data variables' own `expression`/`valid_pixel_expression` attributes are applied
 * (variables with shorter expressions first), as xcube does. Lazy: nothing is read.
 * @returns the dataset with the computed variables added and the masked ones replaced.
 * @throws EocubeError INVALID_EXPRESSION naming `processed_variables.<name>.<key>` and the problem;
 *   NOT_FOUND for a valid_pixel_expression of a variable that does not exist.
 */
export function evaluateDataset(ds: Dataset, processed?: readonly ProcessedVariable[], options: EvaluateDatasetOptions = {}): Dataset {
  const field = options.field ?? "processed_variables";
  const entries: readonly ProcessedVariable[] =
    processed ??
    Object.keys(ds.data_vars)
      .map((name) => ({ name, props: ds.data_vars[name]!.attrs }))
      .filter((e) => typeof e.props.expression === "string" || typeof e.props.valid_pixel_expression === "string")
      .sort((a, b) => sortKey(a.props) - sortKey(b.props));
  if (entries.length === 0) return ds;
  const namespace: Record<string, Variable> = { ...ds.data_vars };
  const at = (name: string, key: string, err: unknown): unknown =>
    isEocubeError(err) && err.code === "INVALID_EXPRESSION"
      ? new EocubeError(err.code, `${field}: ${name}.${key}: ${err.message}`, {
          field: `${field}/${name}/${key}`,
          ...(err.hint ? { hint: err.hint } : {}),
          cause: err,
        })
      : err;
  for (const { name, props: own } of entries) {
    const existing = Object.hasOwn(ds.data_vars, name) ? ds.data_vars[name] : undefined;
    const props: Attrs = existing ? { ...existing.attrs, ...(own ?? {}) } : { ...(own ?? {}) };
    let v = Object.hasOwn(namespace, name) ? namespace[name] : undefined;
    const expression = props.expression;
    if (typeof expression === "string" && expression.trim() !== "") {
      try {
        v = computedVariable(namespace, name, expression, { attrs: props, field: `${field}/${name}/expression` });
      } catch (err) {
        throw at(name, "expression", err);
      }
      namespace[name] = v;
    }
    const valid = props.valid_pixel_expression;
    if (typeof valid === "string" && valid.trim() !== "") {
      if (!v) {
        throw new EocubeError("NOT_FOUND", `${field}: ${name}.valid_pixel_expression: undefined variable '${name}'`, {
          field: `${field}/${name}`,
          hint: `variables: ${Object.keys(namespace).join(", ")}`,
        });
      }
      let mask: Variable;
      try {
        mask = computedVariable(namespace, `${name}:valid`, valid, { field: `${field}/${name}/valid_pixel_expression` });
      } catch (err) {
        throw at(name, "valid_pixel_expression", err);
      }
      // xarray's var.where(mask): NaN where the mask is false
      v = computedVariable({ v, m: mask }, name, "where(m, v, nan)", { attrs: { ...v.attrs, ...props } });
      namespace[name] = v;
    }
  }
  return ds.with({ data_vars: namespace });
}

/** xcube's `_get_var_sort_key`: variables with shorter expressions first, masks after. */
function sortKey(attrs: Attrs): number {
  const a = typeof attrs.expression === "string" ? attrs.expression.length * 10 : 0;
  const b = typeof attrs.valid_pixel_expression === "string" ? attrs.valid_pixel_expression.length * 100 : 0;
  return a + b;
}
