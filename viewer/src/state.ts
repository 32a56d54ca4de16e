// The view state kept in the URL hash (dataset, variable, time, view, colour, split, other dimensions, base map,
// place group, user variables), so a link reproduces the view: parse and serialise, nothing else.

/** Everything a link restores. Absent fields take the dataset's defaults. */
export interface ViewState {
  dataset?: string;
  variable?: string;
  /** ISO 8601 time of the shown step. */
  time?: string;
  /** Map centre as [lon, lat] (degrees) and zoom level. */
  center?: [number, number];
  zoom?: number;
  /** "EPSG:3857" (default) or "EPSG:4326". */
  projection: "EPSG:3857" | "EPSG:4326";
  cmap?: string;
  vmin?: number;
  vmax?: number;
  log: boolean;
  reversed: boolean;
  /** Layer opacity 0…1 [default 1]. */
  opacity: number;
  /** Split view: off, a second variable, or a second time. */
  split: "off" | "variable" | "time";
  variable2?: string;
  time2?: string;
  /** Swipe position in percent of the map width [default 50]. */
  swipe: number;
  /** Labels chosen for other dimensions than time and space, by dimension name (`dim.level=850`). */
  dims?: Record<string, string>;
  /** Base map other than the default offline Natural Earth coastlines: OpenStreetMap (online) or none (`base=osm`). */
  basemap?: "osm" | "none";
  /** The server's place group shown on the map, by its id (`places=stations`). */
  placeGroup?: string;
  /** User variables `name=expr` by dataset id (`uv.olci=chl_ratio%3Dconc_chl%2Fconc_tsm`, repeated). */
  uservars?: Record<string, string[]>;
}

const num = (s: string | null): number | undefined => {
  if (s === null || s.trim() === "") return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
};

/** Parses a hash such as `#ds=olci&var=conc_chl&time=…&lon=2.5&lat=51.2&z=7&cmap=viridis&vmin=0&vmax=10&dim.level=850`. */
export function parseState(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const lon = num(p.get("lon"));
  const lat = num(p.get("lat"));
  const s: ViewState = {
    projection: p.get("proj") === "EPSG:4326" ? "EPSG:4326" : "EPSG:3857",
    log: p.get("log") === "1",
    reversed: p.get("rev") === "1",
    opacity: Math.min(1, Math.max(0, num(p.get("opacity")) ?? 1)),
    split: p.get("split") === "variable" || p.get("split") === "time" ? (p.get("split") as "variable" | "time") : "off",
    swipe: Math.min(100, Math.max(0, num(p.get("swipe")) ?? 50)),
  };
  const str = (k: string) => p.get(k) ?? undefined;
  const set = <K extends keyof ViewState>(k: K, v: ViewState[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  set("dataset", str("ds"));
  set("variable", str("var"));
  set("time", str("time"));
  if (lon !== undefined && lat !== undefined) s.center = [lon, lat];
  set("zoom", num(p.get("z")));
  set("cmap", str("cmap"));
  set("vmin", num(p.get("vmin")));
  set("vmax", num(p.get("vmax")));
  set("variable2", str("var2"));
  set("time2", str("time2"));
  const base = p.get("base");
  if (base === "osm" || base === "none") s.basemap = base;
  set("placeGroup", str("places"));
  const dims: Record<string, string> = {};
  for (const [k, v] of p) if (k.startsWith("dim.") && k.length > 4) dims[k.slice(4)] = v;
  if (Object.keys(dims).length > 0) s.dims = dims;
  const uservars: Record<string, string[]> = {};
  for (const [k, v] of p) {
    if (!k.startsWith("uv.") || k.length <= 3 || !v.includes("=")) continue;
    const list = uservars[k.slice(3)] ?? [];
    list.push(v);
    uservars[k.slice(3)] = list;
  }
  if (Object.keys(uservars).length > 0) s.uservars = uservars;
  return s;
}

/** Serialises a state into a hash (without '#'); defaults are left out. */
export function formatState(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.dataset) p.set("ds", s.dataset);
  if (s.variable) p.set("var", s.variable);
  if (s.time) p.set("time", s.time);
  if (s.center) {
    p.set("lon", s.center[0].toFixed(5));
    p.set("lat", s.center[1].toFixed(5));
  }
  if (s.zoom !== undefined) p.set("z", s.zoom.toFixed(2));
  if (s.projection !== "EPSG:3857") p.set("proj", s.projection);
  if (s.cmap) p.set("cmap", s.cmap);
  if (s.vmin !== undefined) p.set("vmin", String(s.vmin));
  if (s.vmax !== undefined) p.set("vmax", String(s.vmax));
  if (s.log) p.set("log", "1");
  if (s.reversed) p.set("rev", "1");
  if (s.opacity !== 1) p.set("opacity", String(s.opacity));
  for (const k of Object.keys(s.dims ?? {}).sort()) p.set(`dim.${k}`, s.dims![k]!);
  if (s.basemap) p.set("base", s.basemap);
  if (s.placeGroup) p.set("places", s.placeGroup);
  for (const ds of Object.keys(s.uservars ?? {}).sort()) for (const a of s.uservars![ds]!) p.append(`uv.${ds}`, a);
  if (s.split !== "off") {
    p.set("split", s.split);
    if (s.variable2) p.set("var2", s.variable2);
    if (s.time2) p.set("time2", s.time2);
    p.set("swipe", String(Math.round(s.swipe)));
  }
  return p.toString();
}
