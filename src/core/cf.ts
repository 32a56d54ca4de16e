// CF decoding of a raw Dataset (xarray's decode_cf): every variable through decodeVariable (cf-variable.ts),
// time bounds inheriting units, char-dimension stacking rules, and the coords/data_vars split. Lazy.
// Spec: CF conventions §5 (coordinates), §7.1 (bounds); behaviour follows xarray 2023.01 `decode_cf_variables`.
import type { Dataset } from "./dataset.js";
import { CHAR_ENCODING_KEY, decodeVariable, type DecodeCFOptions } from "./cf-variable.js";
import { isTimeUnits } from "./time.js";
import type { Attrs, Variable } from "./variable.js";

export { CHAR_ENCODING_KEY, chooseFloatDtype, decodeVariable, promoteForNaN, type DecodeCFOptions } from "./cf-variable.js";

/**
 * Decodes a raw Dataset as `xarray.open_dataset` does by default (xarray's `decode_cf`):
 * char arrays joined into strings (when their last dimension is used only as such), `_Unsigned`,
 * `_FillValue`/`missing_value` → NaN (integers promoted: ≤16-bit → float32, else float64),
 * `scale_factor`/`add_offset` (float dtype by xarray's `_choose_float_dtype`), CF times →
 * `datetime64[ns]` (Float64Array of epoch ms), time bounds inheriting `units`/`calendar`.
 * Decoded attributes move to `variable.encoding`. Coordinates: variables named like their only
 * dimension, plus the names in `coordinates` attributes (moved to encoding) and the global `coordinates`.
 * Values stay lazy: each variable's `read` decodes after reading.
 * @param raw a raw Dataset from a format reader (all variables may sit in data_vars)
 * @throws EocubeError CORRUPT_DATA for invalid time units.
 */
export function decodeCF(raw: Dataset, options: DecodeCFOptions = {}): Dataset {
  const variables = raw.variables;
  const names = Object.keys(variables);
  const varAttrs: Record<string, Attrs> = {};
  for (const n of names) varAttrs[n] = variables[n]!.attrs;

  // time bounds inherit units/calendar (xarray's _update_bounds_attributes)
  if (options.decodeTimes !== false) {
    for (const n of names) {
      const a = varAttrs[n]!;
      if (isTimeUnits(a.units) && typeof a.bounds === "string" && a.bounds in variables) {
        const b = { ...varAttrs[a.bounds]! };
        if (!("units" in b)) b.units = a.units;
        if ("calendar" in a && !("calendar" in b)) b.calendar = a.calendar;
        varAttrs[a.bounds] = b;
      }
    }
  }

  const usersOf = new Map<string, Variable[]>();
  for (const v of Object.values(variables)) for (const d of v.dims) usersOf.set(d, [...(usersOf.get(d) ?? []), v]);
  const isChar = (v: Variable) => v.dtype === "str" && v.encoding[CHAR_ENCODING_KEY] === true;
  const stackable = (dim: string) =>
    !(dim in variables) && (usersOf.get(dim) ?? []).every((v) => isChar(v) && v.dims[v.dims.length - 1] === dim);

  const decoded: Record<string, Variable> = {};
  const coordNames = new Set<string>();
  for (const n of names) {
    const v0 = variables[n]!;
    const v = varAttrs[n] === v0.attrs ? v0 : v0.with({ attrs: varAttrs[n] });
    const stack = options.concatCharacters !== false && isChar(v) && v.ndim > 0 && stackable(v.dims[v.ndim - 1]!);
    let d = decodeVariable(v, options, stack);
    if (options.decodeCoords !== false && typeof d.attrs.coordinates === "string") {
      const coordStr = d.attrs.coordinates;
      const list = coordStr.split(/\s+/).filter(Boolean);
      if (list.every((c) => c in variables)) {
        const attrs = { ...d.attrs };
        delete attrs.coordinates;
        d = d.with({ attrs, encoding: { ...d.encoding, coordinates: coordStr } });
        for (const c of list) coordNames.add(c);
      }
    }
    decoded[n] = d;
  }
  let attrs = raw.attrs;
  if (options.decodeCoords !== false && typeof attrs.coordinates === "string") {
    attrs = { ...attrs };
    for (const c of String(attrs.coordinates).split(/\s+/).filter(Boolean)) coordNames.add(c);
    delete attrs.coordinates;
  }
  for (const n of names) {
    const v = decoded[n]!;
    if (v.ndim === 1 && v.dims[0] === n) coordNames.add(n);
  }
  for (const n of Object.keys(raw.coords)) coordNames.add(n);

  const coords: Record<string, Variable> = {};
  const data_vars: Record<string, Variable> = {};
  for (const n of names) (coordNames.has(n) ? coords : data_vars)[n] = decoded[n]!;
  return raw.with({ coords, data_vars, attrs });
}
