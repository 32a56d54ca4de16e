// How a variable is drawn: its colour map name, the tile query's colour and dimension parameters, and colour
// defaults of a variable (colour bar attributes, else a range from its statistics at the shown time).
import { postJson, type VariableInfo } from "./api.js";
import { api, extraDims, shown, st, type OtherStyle } from "./store.js";

/** The shown colour map: the chosen one, else the variable's colour bar, else viridis; `_r` when reversed. */
export function cmapName(): string {
  return (st.cmap ?? shown.variable?.colorBarName ?? "viridis") + (st.reversed ? "_r" : "");
}

/** The query's colour and dimension parameters of `v` (the shown variable unless given). */
export function styleParams(v: VariableInfo | undefined = shown.variable): Record<string, string> {
  const variable = shown.variable;
  const other = v && variable && v.name !== variable.name ? shown.rightStyle : undefined;
  const p: Record<string, string> = {};
  if (other && v && other.variable === v.name) {
    p.cmap = other.cmap;
    p.vmin = String(other.vmin);
    p.vmax = String(other.vmax);
    p.norm = other.log ? "log" : "lin";
  } else {
    p.cmap = cmapName();
    if (st.vmin !== undefined) p.vmin = String(st.vmin);
    if (st.vmax !== undefined) p.vmax = String(st.vmax);
    p.norm = st.log ? "log" : "lin";
  }
  for (const [d, label] of Object.entries(extraDims)) if (!v || v.dims.includes(d)) p[d] = label;
  return p;
}

/** True for quality-flag variables (not a good first choice to show). */
export function isFlagVariable(v: VariableInfo): boolean {
  return /flags?$/i.test(v.name) || "flag_masks" in v.attrs || "flag_values" in v.attrs;
}

/** The colour defaults of another variable (its colour bar, and its attributes' or statistics' range). */
export async function otherStyle(v: VariableInfo): Promise<OtherStyle> {
  const r = (await statisticsRange(v)) ?? [Number(v.colorBarMin.toPrecision(6)), Number(v.colorBarMax.toPrecision(6))];
  return { variable: v.name, cmap: v.colorBarName, vmin: r[0], vmax: r[1], log: v.colorBarNorm === "log" && r[0] > 0 };
}

/** Colour range from the variable's statistics at the shown time, when its attributes give none. */
export async function statisticsRange(v: VariableInfo): Promise<[number, number] | undefined> {
  const ds = shown.ds;
  if (ds?.gridded === false) return undefined;
  const a = v.attrs;
  const fromAttrs = ["color_value_min", "color_value_max", "valid_min", "valid_max", "valid_range"].some((k) => k in a);
  if (fromAttrs || !(v.colorBarMin === 0 && v.colorBarMax === 1)) return undefined;
  const [w, s, e, n] = ds!.bbox;
  const p = new URLSearchParams();
  if (st.time && shown.timeDim && v.dims.includes(shown.timeDim)) p.set("time", st.time);
  try {
    const r = await postJson<{ result: { count: number; minimum?: number; maximum?: number; mean?: number; deviation?: number } }>(
      api,
      `statistics/${encodeURIComponent(ds!.id)}/${encodeURIComponent(v.name)}?${p}`,
      {
        type: "Polygon",
        coordinates: [
          [
            [w, s],
            [e, s],
            [e, n],
            [w, n],
            [w, s],
          ],
        ],
      },
    );
    const x = r.result;
    if (!x.count || x.minimum === undefined || x.maximum === undefined) return undefined;
    const hi = Math.min(x.maximum, (x.mean ?? x.maximum) + 2 * (x.deviation ?? 0));
    const round = (y: number) => Number(y.toPrecision(3));
    const lo = x.minimum >= 0 && x.minimum < 0.05 * hi ? 0 : round(x.minimum);
    const top = round(hi);
    return top > lo ? [lo, top] : undefined;
  } catch {
    return undefined;
  }
}
