// The dataset linter of `eocube lint-dataset`: the checks of deep-code's xrlint setup (`export_config()` of
// deep_code/utils/custom_xrlint_rules.py: xrlint's core "recommended" rules minus content-desc, no-empty-attrs,
// conventions and time-coordinate, plus deep-code's dataset-description and variable-gcmd-keyword-url), on metadata only.
import type { Dataset } from "../../core/dataset.js";
import type { Attrs, Variable } from "../../core/variable.js";

/** How a rule's findings count: an error fails the lint, a warning does not. */
export type LintSeverity = "error" | "warn";

/**
 * The rules and their severities as deep-code configures xrlint (xrlint 0.5 core `recommended`, deep-code's
 * overrides, deep-code's `recommended`). Rules xrlint has that deep-code turns off are not listed.
 */
export const LINT_RULES: Readonly<Record<string, { severity: LintSeverity; description: string }>> = {
  "access-latency": { severity: "warn", description: "opening the dataset takes at most 2.5 s" },
  "coords-for-dims": { severity: "error", description: "dimensions of data variables have coordinates" },
  "grid-mappings": { severity: "error", description: "grid mappings are scalar coordinate variables with a grid_mapping_name" },
  "lat-coordinate": { severity: "error", description: "the latitude coordinate has CF units, standard_name (or axis) and long_name" },
  "lon-coordinate": { severity: "error", description: "the longitude coordinate has CF units, standard_name (or axis) and long_name" },
  "var-desc": { severity: "warn", description: "data variables have standard_name and long_name" },
  "var-flags": { severity: "error", description: "flag_values, flag_masks and flag_meanings are consistent" },
  "var-missing-data": { severity: "warn", description: "coordinates have no _FillValue, packed and float data do; no valid ranges" },
  "var-units": { severity: "warn", description: "every variable has units" },
  "deepcode/dataset-description": { severity: "error", description: "the dataset has a description attribute" },
  "deepcode/variable-gcmd-keyword-url": { severity: "error", description: "every data variable has a gcmd_keyword_url attribute" },
};

/** One finding. */
export interface LintMessage {
  rule: string;
  severity: LintSeverity;
  /** The variable it is about; absent for the dataset. */
  variable?: string;
  message: string;
  /** How to fix it, when the rule says. */
  suggestion?: string;
}

/** The result of {@link lintDataset}. */
export interface LintResult {
  messages: LintMessage[];
  errors: number;
  warnings: number;
  /** True when there is no error (warnings allowed). */
  valid: boolean;
}

/** Options of {@link lintDataset}. */
export interface LintOptions {
  /** How long opening the dataset took, in ms (rule access-latency; not checked without it). */
  accessLatencyMs?: number;
  /** The access-latency threshold in seconds [default 2.5, xrlint's]. */
  latencyThreshold?: number;
}

const LAT_ALIASES = ["latitude", "lat"];
const LON_ALIASES = ["longitude", "lon", "long"];
const LAT_UNITS = ["degrees_north", "degree_north", "degree_N", "degrees_N", "degreeN", "degreesN"];
const LON_UNITS = ["degrees_east", "degree_east", "degree_E", "degrees_E", "degreeE", "degreesE"];

function has(attrs: Attrs, key: string): boolean {
  return attrs[key] !== undefined && attrs[key] !== null;
}

/** True when a value is given as in Python's truth test (`not value` for None, "", 0, []). */
function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === "" || v === 0 || v === false || (Array.isArray(v) && v.length === 0));
}

/** xrlint's `_maybe_report_attr` for the lat/lon coordinates. */
function checkAttr(
  report: (m: string) => void,
  attrs: Attrs,
  name: string,
  expected: string,
  aliases: readonly string[] | undefined,
  altName?: string,
  altExpected?: string,
): void {
  const actual = attrs[name];
  const alt = altName ? attrs[altName] : undefined;
  const hasAlt = alt !== undefined && alt !== null;
  if (!truthy(actual) && !hasAlt) {
    report(`Missing attribute '${name}' with value '${expected}'.`);
    return;
  }
  const ok = actual === expected || aliases?.includes(actual as string);
  const altOk = hasAlt && alt === altExpected;
  if (!ok && !altOk) report(`Attribute '${name}' should be '${expected}', was ${JSON.stringify(actual ?? null)}.`);
  if (hasAlt && !altOk) report(`Attribute '${altName}' should be '${altExpected}', was ${JSON.stringify(alt)}.`);
}

function isCoordOf(name: string, v: Variable, aliases: readonly string[]): boolean {
  return [name.toLowerCase(), v.attrs.standard_name, v.attrs.long_name].some((x) => typeof x === "string" && aliases.includes(x));
}

/** A list of integers (flag_values, flag_masks); its length, or undefined when it is not one. */
function intList(v: unknown): number | undefined {
  const list = Array.isArray(v)
    ? v
    : ArrayBuffer.isView(v)
      ? Array.from(v as unknown as ArrayLike<number>)
      : typeof v === "number"
        ? [v]
        : undefined;
  if (!list || list.length === 0 || !list.every((x) => Number.isInteger(x))) return undefined;
  return list.length;
}

/**
 * Lints a dataset's metadata with the rules of deep-code's `lint-dataset` ({@link LINT_RULES}): global and variable
 * attributes, dimensions, encodings. Reads no data. Messages follow xrlint's wording; `valid` is false when any
 * error-severity rule reports.
 *
 * Differences from xrlint: flag lists are checked as integers by value (xrlint refuses NumPy integer arrays read
 * from NetCDF); packing is told by `scale_factor` or `add_offset` (xrlint looks for `scaling_factor`).
 */
export function lintDataset(ds: Dataset, options: LintOptions = {}): LintResult {
  const messages: LintMessage[] = [];
  const report = (rule: keyof typeof LINT_RULES | string, message: string, variable?: string, suggestion?: string) => {
    const severity = LINT_RULES[rule]?.severity ?? "error";
    messages.push({ rule, severity, ...(variable !== undefined ? { variable } : {}), message, ...(suggestion ? { suggestion } : {}) });
  };
  const coords = ds.coords;
  const dataVars = ds.data_vars;

  // dataset rules
  const threshold = options.latencyThreshold ?? 2.5;
  if (options.accessLatencyMs !== undefined && options.accessLatencyMs / 1000 > threshold) {
    report("access-latency", `Access latency exceeds threshold: ${(options.accessLatencyMs / 1000).toFixed(1)} > ${threshold} seconds.`);
  }
  const dims = new Set(Object.values(dataVars).flatMap((v) => v.dims));
  const noCoord = [...dims].sort().filter((d) => !(d in coords));
  if (noCoord.length > 0) {
    const sizes = ds.dims;
    const what = noCoord.length === 1 ? "Data variable dimension" : "Data variable dimensions";
    report(
      "coords-for-dims",
      `${what} without coordinates: ${noCoord.join(", ")}.`,
      undefined,
      `Add coordinate variables: ${noCoord.map((d) => `${d}[${sizes[d]}]`).join(", ")}.`,
    );
  }
  const gridMapped = new Map<string, string>();
  for (const [name, v] of Object.entries(dataVars)) if (has(v.attrs, "grid_mapping")) gridMapped.set(String(v.attrs.grid_mapping), name);
  for (const [gm, varName] of gridMapped) {
    const g = ds.variables[gm];
    if (!g) {
      report("grid-mappings", `Missing grid mapping variable '${gm}' referred to by variable '${varName}'.`);
      continue;
    }
    if (!(gm in coords)) report("grid-mappings", `Grid mapping variable '${gm}' should be a coordinate variable, not data variable.`);
    if (g.dims.length > 0)
      report("grid-mappings", `Grid mapping variable '${gm}' should be a scalar, but has dimension(s) ${g.dims.join(",")}.`);
    if (!truthy(g.attrs.grid_mapping_name))
      report("grid-mappings", `Grid mapping variable '${gm}' is missing a valid attribute 'grid_mapping_name'.`);
  }
  if (!has(ds.attrs, "description")) {
    report(
      "deepcode/dataset-description",
      "Dataset missing required 'description' attribute.",
      undefined,
      "Add a 'description' attribute to dataset.attrs.",
    );
  }

  // variable rules, coordinates first (as xarray lists them)
  for (const [name, v] of Object.entries(ds.variables)) {
    const isCoord = name in coords;
    const attrs = v.attrs;
    const r = (rule: string, message: string, suggestion?: string) => report(rule, message, name, suggestion);
    if (isCoord && isCoordOf(name, v, LAT_ALIASES)) {
      const lr = (m: string) => r("lat-coordinate", m);
      checkAttr(lr, attrs, "units", "degrees_north", LAT_UNITS);
      checkAttr(lr, attrs, "standard_name", "latitude", undefined, "axis", "Y");
      checkAttr(lr, attrs, "long_name", "latitude", undefined);
    }
    if (isCoord && isCoordOf(name, v, LON_ALIASES)) {
      const lr = (m: string) => r("lon-coordinate", m);
      checkAttr(lr, attrs, "units", "degrees_east", LON_UNITS);
      checkAttr(lr, attrs, "standard_name", "longitude", undefined, "axis", "X");
      checkAttr(lr, attrs, "long_name", "longitude", undefined);
    }
    if (!isCoord) {
      for (const a of ["standard_name", "long_name"]) if (!(a in attrs)) r("var-desc", `Missing attribute '${a}'.`);
      if (!("gcmd_keyword_url" in attrs))
        r("deepcode/variable-gcmd-keyword-url", `Variable '${name}' missing 'gcmd_keyword_url' attribute.`);
    }
    // var-flags
    const values = attrs.flag_values;
    const masks = attrs.flag_masks;
    const meanings = attrs.flag_meanings;
    const [hasValues, hasMasks, hasMeanings] = [values, masks, meanings].map((x) => x !== undefined && x !== null) as [
      boolean,
      boolean,
      boolean,
    ];
    let count: number | undefined;
    if (hasValues) {
      if (!hasMeanings) r("var-flags", "Missing attribute 'flag_meanings' to explain attribute 'flag_values'.");
      count = intList(values);
      if (count === undefined) r("var-flags", "Attribute 'flag_values' must be a 1-d array of integers with length >= 1.");
    }
    if (hasMasks) {
      if (!hasMeanings) r("var-flags", "Missing attribute 'flag_meanings' to explain attribute 'flag_masks'.");
      const n = intList(masks);
      if (n === undefined) r("var-flags", "Attribute 'flag_masks' must be a 1-d array of integers with length >= 1.");
      if (count === undefined) count = n;
      else if (n !== undefined && n !== count) r("var-flags", "Attribute 'flag_masks' must have same length as attribute 'flag_values'.");
    }
    if (hasMeanings) {
      if (!hasValues && !hasMasks)
        r("var-flags", "Missing attribute 'flag_values' or 'flag_masks' when attribute 'flag_meanings' is used.");
      if (typeof meanings !== "string") r("var-flags", "Attribute 'flag_meanings' must be a space-separated string.");
      else {
        const n = meanings.split(" ").length;
        if (count !== undefined && n !== count) {
          r("var-flags", `Attribute 'flag_meanings' must have as many entries (${n}) as 'flag_values' or 'flag_masks' (${count}).`);
        }
      }
    }
    if (hasValues && hasMasks && !/^u?int/.test(v.encoding.dtype ?? v.dtype)) {
      r("var-flags", `Flags variable should have an integer data type, was '${v.encoding.dtype ?? v.dtype}'`);
    }
    // var-missing-data
    const fill = has(v.encoding, "_FillValue") ? "encoding" : has(attrs, "_FillValue") ? "attribute" : undefined;
    if (fill !== undefined && isCoord) r("var-missing-data", `Unexpected ${fill} '_FillValue', coordinates must not have missing data.`);
    else if (fill === undefined && !isCoord) {
      const packed = [v.encoding.scale_factor, v.encoding.add_offset, attrs.scale_factor, attrs.add_offset].some(
        (x) => x !== undefined && x !== null,
      );
      if (packed) r("var-missing-data", "Missing attribute '_FillValue' since data packing is used.");
      else if (/^float/.test(String(v.encoding.dtype ?? ""))) r("var-missing-data", "Missing attribute '_FillValue', which should be NaN.");
    }
    if (["valid_min", "valid_max", "valid_range"].some((k) => k in attrs))
      r("var-missing-data", "Valid ranges are not recognized by xarray (as of Feb 2025).");
    // var-units (decoded times keep their units in the encoding, as in xarray)
    if (!("grid_mapping_name" in attrs) && v.encoding.units === undefined) {
      if (!("units" in attrs)) r("var-units", "Missing attribute 'units'.");
      else if (typeof attrs.units !== "string") r("var-units", `Invalid attribute 'units': ${JSON.stringify(attrs.units)}`);
      else if (!attrs.units) r("var-units", "Empty attribute 'units'.");
    }
  }
  const errors = messages.filter((m) => m.severity === "error").length;
  return { messages, errors, warnings: messages.length - errors, valid: errors === 0 };
}
