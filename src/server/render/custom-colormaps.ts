// Custom colour maps as xcube builds them (xcube/util/cmaps.py): the server config's CustomColorMaps
// (continuous, stepwise, categorical) and SNAP `.cpd` palettes (ColorFile), in a registry beside matplotlib's.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { EocubeError } from "../../core/errors.js";
import { parseColor, resolveColorMap, type ColorMap, type RGBA } from "./colormaps.js";

/** xcube's colour-map types. */
export type CustomColorMapType = "continuous" | "stepwise" | "categorical";

/** One colour of a CustomColorMaps entry as the config gives it: `{Value, Color, Label?}` or `[value, color, label?]`. */
export type CustomColorEntry = { Value: number; Color: string | number[]; Label?: string } | unknown[];

/** A CustomColorMaps entry of the server config (xcube's `CUSTOM_COLORMAP_SCHEMA`). */
export interface CustomColorMapInput {
  Identifier: string;
  Type: CustomColorMapType;
  Colors: readonly CustomColorEntry[];
}

/**
 * xcube's `cm_code` of a custom map, the third element of its `/colorbars` entry: colours as given by name or
 * converted to `#rrggbbaa` when given as `[r, g, b(, a)]`.
 */
export interface CustomColorMapCode {
  name: string;
  type: CustomColorMapType;
  colors: Array<[number, string] | [number, string, string]>;
}

/** A custom colour map, resolved. */
export interface CustomColorMap {
  /** Its name (`Identifier`, or the `.cpd` file's base name). */
  name: string;
  type: CustomColorMapType;
  /** How values are coloured (LUT over [vmin, vmax] for continuous/stepwise; fixed class boundaries for categorical). */
  colorMap: ColorMap;
  /**
   * The value range used when a style gives none: the smallest and largest value of the map (xcube's
   * `[min(values), max(values)]`; for categorical maps the last class's upper boundary, its value + 1).
   */
  range: [number, number];
  /** The code `/colorbars` lists (CustomColorMaps only; `.cpd` maps have none). */
  code?: CustomColorMapCode;
  /** The 256 RGBA colours of its `/colorbars` image (matplotlib's `cmap(linspace(0, 1, 256))`), 1024 bytes. */
  preview: Uint8Array;
}

const TRANSPARENT: RGBA = [0, 0, 0, 0];

/**
 * A colour of a CustomColorMaps entry as xcube reads it (`create_colormap_from_config`): a string is a
 * colour name or hex (see {@link parseColor}); `[r, g, b(, a)]` holds bytes when one of r, g, b is above 1,
 * else fractions 0…1; `a` is a fraction (a value above 1 is read as a byte).
 * @returns the RGBA bytes and the colour as the code lists it (the string, or `#rrggbbaa`).
 * @throws EocubeError INVALID_PARAMS (field `cmap`) for a colour that does not parse.
 */
export function customColor(c: unknown): { rgba: RGBA; text: string } {
  if (typeof c === "string") return { rgba: parseColor(c), text: c };
  if (Array.isArray(c) && (c.length === 3 || c.length === 4) && c.every((x) => typeof x === "number" && Number.isFinite(x))) {
    const bytes = c.slice(0, 3).some((x) => x > 1);
    const ch = (x: number) => Math.max(0, Math.min(255, Math.round(bytes ? x : x * 255)));
    const a = c[3] === undefined ? 255 : Math.max(0, Math.min(255, Math.round(c[3] > 1 ? c[3] : c[3] * 255)));
    const rgba: RGBA = [ch(c[0]), ch(c[1]), ch(c[2]), a];
    return { rgba, text: `#${rgba.map((x) => x.toString(16).padStart(2, "0")).join("")}` };
  }
  return { rgba: parseColor(c), text: String(c) };
}

/** matplotlib's LinearSegmentedColormap LUT (N = 256, entry i at position i/255) through `(position, colour)` stops. */
function segmentLut(stops: Array<[number, RGBA]>): Uint8Array {
  const lut = new Uint8Array(1024);
  let k = 0;
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    while (k < stops.length - 2 && x > stops[k + 1]![0]) k++;
    const [x0, c0] = stops[k]!;
    const [x1, c1] = stops[Math.min(k + 1, stops.length - 1)]!;
    const t = x1 > x0 ? Math.max(0, Math.min(1, (x - x0) / (x1 - x0))) : 1;
    for (let ch = 0; ch < 4; ch++) lut[i * 4 + ch] = Math.round(c0[ch]! + t * (c1[ch]! - c0[ch]!));
  }
  return lut;
}

/** A listed map's 256 preview colours: `cmap(linspace(0, 1, 256))`, colour ⌊x·N⌋ (the last for x = 1). */
function listedPreview(colors: RGBA[]): Uint8Array {
  const out = new Uint8Array(1024);
  const n = colors.length;
  for (let i = 0; i < 256; i++) out.set(colors[Math.min(n - 1, Math.floor((i / 255) * n))]!, i * 4);
  return out;
}

function bad(name: string, message: string): EocubeError {
  return new EocubeError("INVALID_CONFIG", `custom colour map ${JSON.stringify(name)}: ${message}`, {
    field: "CustomColorMaps",
    hint: "give Colors as [value, colour(, label)] or {Value, Color, Label} with ascending values (xcube's CustomColorMaps)",
  });
}

/**
 * Builds a colour map from the parts of xcube's `parse_cm_code`: `continuous` interpolates between the colours
 * placed at their values (normalised to the map's first…last value); `stepwise` holds colour i from value i
 * to value i+1 (the last colour marks the end only); `categorical` colours the classes [k, k+1) of integer
 * values k, other values transparent, whatever the value range.
 * @throws EocubeError INVALID_CONFIG for non-ascending values, too few colours, or a colour that does not parse.
 */
export function buildCustomColorMap(
  name: string,
  type: CustomColorMapType,
  items: ReadonlyArray<{ value: number; rgba: RGBA }>,
  code?: CustomColorMapCode,
): CustomColorMap {
  if (items.length === 0) throw bad(name, "no colours");
  for (let i = 1; i < items.length; i++) {
    if (!(items[i]!.value > items[i - 1]!.value)) throw bad(name, `values must ascend (${items[i - 1]!.value} then ${items[i]!.value})`);
  }
  if (type === "categorical") {
    const bounds: number[] = [];
    const colors: RGBA[] = [];
    items.forEach((it, i) => {
      const key = Math.trunc(it.value);
      bounds.push(key);
      colors.push(it.rgba);
      const next = items[i + 1];
      if (!next) bounds.push(key + 1);
      else if (key + 1 !== Math.trunc(next.value)) {
        bounds.push(key + 1); // a transparent class up to the next key
        colors.push(TRANSPARENT);
      }
    });
    // values at or beyond the last boundary are transparent too (matplotlib's BoundaryNorm "over")
    const colorMap: ColorMap = { name, kind: "steps", bounds: [...bounds, Infinity], colors: [...colors, TRANSPARENT] };
    return {
      name,
      type,
      colorMap,
      range: [bounds[0]!, bounds[bounds.length - 1]!],
      ...(code ? { code } : {}),
      preview: listedPreview(colors),
    };
  }
  if (items.length < 2) throw bad(name, `a ${type} map needs at least two colours`);
  const v0 = items[0]!.value;
  const v1 = items[items.length - 1]!.value;
  const pos = items.map((it) => (it.value - v0) / (v1 - v0));
  let stops: Array<[number, RGBA]>;
  if (type === "stepwise") {
    stops = [];
    for (let i = 0; i < items.length - 1; i++) {
      stops.push([pos[i]! + (i === 0 ? 0 : 1e-8), items[i]!.rgba]);
      stops.push([pos[i + 1]!, items[i]!.rgba]);
    }
  } else {
    stops = items.map((it, i) => [pos[i]!, it.rgba]);
  }
  const lut = segmentLut(stops);
  return { name, type, colorMap: { name, kind: "lut", lut }, range: [v0, v1], ...(code ? { code } : {}), preview: lut };
}

/**
 * A CustomColorMaps entry of the server config as xcube builds it (`create_colormap_from_config`).
 * @throws EocubeError INVALID_CONFIG naming the map: a colour that does not parse, values not ascending.
 */
export function customColorMapOf(input: CustomColorMapInput): CustomColorMap {
  const name = input.Identifier;
  const codeColors: CustomColorMapCode["colors"] = [];
  const items = input.Colors.map((entry) => {
    const [value, color, label] = Array.isArray(entry) ? entry : [entry.Value, entry.Color, entry.Label];
    let c: { rgba: RGBA; text: string };
    try {
      c = customColor(color);
    } catch (err) {
      throw bad(name, (err as Error).message);
    }
    if (typeof value !== "number") throw bad(name, `value ${JSON.stringify(value)} is not a number`);
    codeColors.push(typeof label === "string" ? [value, c.text, label] : [value, c.text]);
    return { value, rgba: c.rgba };
  });
  return buildCustomColorMap(name, input.Type, items, { name, type: input.Type, colors: codeColors });
}

/**
 * Reads a SNAP colour palette (`.cpd`: `numPoints`, `color<i>=r,g,b[,a]`, `sample<i>=value`, `#` comments) as
 * xcube's `load_snap_cpd_colormap` does: a continuous map over the samples' range, named after the file.
 * `isLogScaled` and `autoDistribute` are not used (as in xcube).
 * @param source the file, for messages.
 * @throws EocubeError INVALID_CONFIG ("Illegal SNAP *.cpd format") naming the file.
 */
export function parseSnapCpd(text: string, source: string): CustomColorMap {
  const illegal = (why: string) =>
    new EocubeError("INVALID_CONFIG", `illegal SNAP *.cpd format: ${source}: ${why}`, {
      path: source,
      field: "ColorFile",
      hint: "a .cpd file has numPoints=N and color0…color<N-1>=r,g,b[,a] and sample0…sample<N-1>=value lines",
    });
  const entries = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw illegal(`line ${JSON.stringify(line.slice(0, 60))} is not key=value`);
    entries.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const n = Number(entries.get("numPoints"));
  if (!Number.isInteger(n) || n < 2) throw illegal("numPoints must be an integer ≥ 2");
  const points: Array<{ value: number; rgba: RGBA }> = [];
  for (let i = 0; i < n; i++) {
    const parts = (entries.get(`color${i}`) ?? "").split(",").map((x) => Number(x.trim()));
    if ((parts.length !== 3 && parts.length !== 4) || parts.some((x) => !Number.isInteger(x))) throw illegal(`color${i} is not r,g,b[,a]`);
    const value = Number(entries.get(`sample${i}`));
    if (entries.get(`sample${i}`) === undefined || !Number.isFinite(value)) throw illegal(`sample${i} is not a number`);
    const c = (x: number) => Math.max(0, Math.min(255, x));
    points.push({ value, rgba: [c(parts[0]!), c(parts[1]!), c(parts[2]!), c(parts[3] ?? 255)] });
  }
  points.sort((a, b) => a.value - b.value);
  const name = basename(source, extname(source));
  return buildCustomColorMap(name, "continuous", points);
}

/**
 * Reads a SNAP `.cpd` file (see {@link parseSnapCpd}).
 * @throws EocubeError NOT_FOUND (no such file), INVALID_CONFIG (not a .cpd palette).
 */
export function loadSnapCpd(path: string): CustomColorMap {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `no colour file at ${path}`, { path, field: "ColorFile", cause: err });
  }
  return parseSnapCpd(text, path);
}

/** A colour map with `_r` (reversed) and/or `_alpha` (alpha ramp) applied as xcube's `Colormap` does. */
function variant(m: CustomColorMap, reversed: boolean, alpha: boolean, spec: string): ColorMap {
  const cm = m.colorMap;
  if (cm.kind === "lut") {
    const src = cm.lut!;
    const lut = new Uint8Array(1024);
    for (let i = 0; i < 256; i++) {
      const j = reversed ? 255 - i : i;
      lut.set(src.subarray(j * 4, j * 4 + 4), i * 4);
      // xcube: alpha rises from 0 to 1 over the first half of a segmented map
      if (alpha) lut[i * 4 + 3] = Math.min(lut[i * 4 + 3]!, Math.round(Math.min(1, (2 * i) / 255) * 255));
    }
    return { name: spec, kind: "lut", lut };
  }
  const inner = cm.colors!.slice(0, -1);
  const colors = (reversed ? inner.slice().reverse() : inner).map((c, i): RGBA => {
    if (!alpha) return c;
    const a = Math.round(Math.min(1, (2 * i) / inner.length) * 255);
    return [c[0], c[1], c[2], Math.min(c[3], a)];
  });
  return { name: spec, kind: "steps", bounds: cm.bounds!, colors: [...colors, TRANSPARENT] };
}

/**
 * The colour maps of one server: matplotlib's (see `resolveColorMap`) and the custom ones of its config,
 * by name, with `_r`/`_alpha` suffixes.
 */
export class ColorMapRegistry {
  readonly #custom = new Map<string, CustomColorMap>();
  readonly #variants = new Map<string, ColorMap>();

  constructor(custom: Iterable<CustomColorMap> = []) {
    for (const m of custom) this.#custom.set(m.name, m);
  }

  /** The custom maps, in the order they were added (CustomColorMaps, then `.cpd` files). */
  get custom(): CustomColorMap[] {
    return [...this.#custom.values()];
  }

  /** Adds (or replaces) a custom map. */
  add(m: CustomColorMap): void {
    this.#custom.set(m.name, m);
    this.#variants.clear();
  }

  /** The custom map called `name` (suffixes `_r`/`_alpha` stripped), if any. */
  find(name: string): CustomColorMap | undefined {
    return this.#custom.get(name) ?? this.#custom.get(name.replace(/(_alpha|_r)+$/, ""));
  }

  /**
   * Resolves a colour-map spec: a custom map's name (optionally `_r`, `_alpha`), else a matplotlib name or
   * a JSON user map (`resolveColorMap`).
   * @throws EocubeError INVALID_PARAMS (field `cmap`) for an unknown name or a malformed JSON map.
   */
  resolve(spec: string): ColorMap {
    const direct = this.#custom.get(spec);
    if (direct) return direct.colorMap;
    const base = spec.replace(/(_alpha|_r)+$/, "");
    const m = this.#custom.get(base);
    if (!m) return resolveColorMap(spec);
    let v = this.#variants.get(spec);
    if (!v) {
      const suffix = spec.slice(base.length);
      v = variant(m, (suffix.match(/_r/g)?.length ?? 0) % 2 === 1, suffix.includes("_alpha"), spec);
      this.#variants.set(spec, v);
    }
    return v;
  }
}
