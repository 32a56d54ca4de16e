// The eocube viewer: dataset/variable pickers, an OpenLayers map of eocube's XYZ tiles, colour and
// time controls, point/polygon time series, a split view, and the whole view state in the URL.
import "ol/ol.css";
import "./style.css";
import { Feature, Map as OlMap, View } from "ol";
import { ScaleLine, defaults as defaultControls } from "ol/control.js";
import type { Geometry as OlGeometry } from "ol/geom.js";
import { Point, Polygon } from "ol/geom.js";
import { fromExtent } from "ol/geom/Polygon.js";
import Draw from "ol/interaction/Draw.js";
import { defaults as defaultInteractions } from "ol/interaction/defaults.js";
import Graticule from "ol/layer/Graticule.js";
import TileLayer from "ol/layer/Tile.js";
import VectorLayer from "ol/layer/Vector.js";
import { fromLonLat, toLonLat, transformExtent } from "ol/proj.js";
import VectorSource from "ol/source/Vector.js";
import type XYZ from "ol/source/XYZ.js";
import { Circle, Fill, Stroke, Style } from "ol/style.js";
import { describeError, getJson, postJson, url, type Api, type ColorBars, type DatasetInfo, type TimeSeriesEntry, type VariableInfo } from "./api.js";
import { mergeEntries, seriesColor, seriesCsv, TimeSeriesChart, type Series } from "./chart.js";
import { clipRightOf, StillGate, tileSource, type TileQuery, type ViewProjection } from "./map.js";
import { clearMessage, showMessage } from "./messages.js";
import { formatState, parseState, type ViewState } from "./state.js";
import { chunkBound, chunksNewestFirst, nearestIndex } from "./timeaxis.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

// ---- connection ---------------------------------------------------------------------------------
const search = new URLSearchParams(location.search);
const api: Api = {
  base: new URL(search.get("server") ?? "../", location.href).toString().replace(/\/?$/, "/"),
  timeoutMs: Number(search.get("timeout")) > 0 ? Number(search.get("timeout")) : 20_000,
};

// ---- state --------------------------------------------------------------------------------------
const st: ViewState = parseState(location.hash);
const requested: { dataset?: string; variable?: string; center?: [number, number]; zoom?: number; dims?: Record<string, string> } = { dataset: st.dataset, variable: st.variable, center: st.center, zoom: st.zoom, dims: st.dims };
/** The served datasets; `groupTitle` as xcube's server gives it (eocube's server leaves it out). */
let datasets: { id: string; title: string; groupTitle?: string }[] = [];
let ds: DatasetInfo | undefined;
let variable: VariableInfo | undefined;
/** Time labels (ISO) and epoch ms of the dataset's time axis, ascending. */
let times: string[] = [];
let timeMs: number[] = [];
let timeDim: string | undefined;
let timeIdx = 0;
/** Labels chosen for non-time, non-spatial dimensions (e.g. level); part of the URL state. */
const extraDims: Record<string, string> = {};
st.dims = extraDims;
let playTimer: number | undefined;

let urlTimer: number | undefined;
function writeUrl(): void {
  window.clearTimeout(urlTimer);
  urlTimer = window.setTimeout(() => history.replaceState(null, "", `${location.pathname}${location.search}#${formatState(st)}`), 100);
}

// ---- map ----------------------------------------------------------------------------------------
const mapEl = $("map");
const outlineSource = new VectorSource();
const placesSource = new VectorSource();
const dataLayer = new TileLayer<XYZ>({ className: "data-layer", zIndex: 2 });
const splitLayer = new TileLayer<XYZ>({ className: "split-layer", zIndex: 3, visible: false });
const map = new OlMap({
  target: mapEl,
  keyboardEventTarget: mapEl,
  controls: defaultControls({ attribution: false }).extend([new ScaleLine()]),
  interactions: defaultInteractions(),
  layers: [
    new Graticule({ strokeStyle: new Stroke({ color: "rgba(60,80,100,0.35)", width: 1 }), showLabels: true, wrapX: false, zIndex: 1 }),
    dataLayer,
    splitLayer,
    new VectorLayer({ source: outlineSource, zIndex: 4, style: new Style({ stroke: new Stroke({ color: "#d4380d", width: 2, lineDash: [6, 4] }) }) }),
    new VectorLayer({
      source: placesSource,
      zIndex: 5,
      style: (f) => {
        const color = (f.get("color") as string | undefined) ?? "#000";
        return new Style({
          stroke: new Stroke({ color, width: 2 }),
          fill: new Fill({ color: color + "33" }),
          image: new Circle({ radius: 6, fill: new Fill({ color }), stroke: new Stroke({ color: "#fff", width: 2 }) }),
        });
      },
    }),
  ],
  view: new View({ projection: st.projection, center: fromLonLat([0, 30], st.projection), zoom: 2 }),
});
clipRightOf(splitLayer, map, () => st.swipe / 100);
// tiles are fetched only when the map stops moving (loads asked for during a pan/zoom wait for moveend)
const stillGate = new StillGate();
map.on("movestart", () => stillGate.setMoving(true));
map.on("moveend", () => stillGate.setMoving(false));

let renderCount = 0;
let tileErrors = 0;
map.on("loadstart", () => (mapEl.dataset.render = "loading"));
map.on("rendercomplete", () => {
  renderCount++;
  mapEl.dataset.render = "complete";
  mapEl.dataset.renderedKey = mapEl.dataset.layerKey ?? "";
  mapEl.dataset.renderedAt = performance.now().toFixed(1);
  mapEl.dataset.renderCount = String(renderCount);
});
map.on("moveend", () => {
  const v = map.getView();
  const c = v.getCenter();
  if (c) st.center = toLonLat(c, v.getProjection()) as [number, number];
  st.zoom = v.getZoom();
  writeUrl();
});

let tileAbort = new AbortController();
const tileEvents = (layerName: string) => ({
  gate: stillGate,
  signal: tileAbort.signal,
  onError(message: string) {
    tileErrors++;
    mapEl.dataset.tileErrors = String(tileErrors);
    showMessage(`tiles-${layerName}`, `Tiles of ${layerName} could not be drawn: ${message}`);
  },
  onLoaded() {
    /* counted by rendercomplete */
  },
});

// ---- helpers ------------------------------------------------------------------------------------
/** The dataset's bbox in the view projection (latitudes clamped to ±85.05° for Web Mercator). */
function viewExtent(bbox: [number, number, number, number], proj: string): number[] {
  const [w, s, e, n] = bbox;
  const lim = proj === "EPSG:3857" ? 85.0511 : 90;
  return transformExtent([w, Math.max(s, -lim), e, Math.min(n, lim)], "EPSG:4326", proj);
}
function cmapName(): string {
  return (st.cmap ?? variable?.colorBarName ?? "viridis") + (st.reversed ? "_r" : "");
}

/** Colour settings of another variable than the shown one (the split view's right side): its own defaults. */
interface OtherStyle {
  variable: string;
  cmap: string;
  vmin: number;
  vmax: number;
  log: boolean;
}
let rightStyle: OtherStyle | undefined;

/** The query's colour and dimension parameters of `v` (the shown variable unless given). */
function styleParams(v: VariableInfo | undefined = variable): Record<string, string> {
  const other = v && variable && v.name !== variable.name ? rightStyle : undefined;
  const p: Record<string, string> = {};
  if (other && other.variable === v!.name) {
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

function layerQuery(varName: string, time: string | undefined): TileQuery {
  const v = ds!.variables.find((x) => x.name === varName) ?? variable!;
  const params = styleParams(v);
  if (time && timeDim && v.dims.includes(timeDim)) params.time = time;
  return { base: api.base, dataset: ds!.id, variable: v.name, params, maxZoom: v.tileLevelMax ?? 0 };
}

/** True for quality-flag variables (not a good first choice to show). */
function isFlagVariable(v: VariableInfo): boolean {
  return /flags?$/i.test(v.name) || "flag_masks" in v.attrs || "flag_values" in v.attrs;
}

/** The colour defaults of another variable (its colour bar, and its attributes' or statistics' range). */
async function otherStyle(v: VariableInfo): Promise<OtherStyle> {
  const r = (await statisticsRange(v)) ?? [Number(v.colorBarMin.toPrecision(6)), Number(v.colorBarMax.toPrecision(6))];
  return { variable: v.name, cmap: v.colorBarName, vmin: r[0], vmax: r[1], log: v.colorBarNorm === "log" && r[0] > 0 };
}

/**
 * A log scale needs a range above 0 (the server refuses norm=log with vmin ≤ 0): a min ≤ 0 becomes
 * max / 1000; a max ≤ 0 turns the log scale off. Says what it changed.
 */
function keepLogRangePositive(): void {
  if (!st.log || st.vmin === undefined || st.vmin > 0) return;
  if (st.vmax !== undefined && st.vmax > 0) {
    const old = st.vmin;
    st.vmin = Number((st.vmax / 1000).toPrecision(2));
    showMessage("range", `A log scale needs a min above 0: the min ${old} became ${st.vmin}.`, "info");
  } else {
    st.log = false;
    showMessage("range", `A log scale needs a range above 0 (the max is ${st.vmax ?? "unset"}): the scale stays linear.`, "info");
  }
  syncColourControls();
}

/** Rebuilds the tile sources (after a change of dataset, variable, time, colour or projection). */
function refreshLayers(): void {
  if (!ds || !variable) {
    dataLayer.setSource(null);
    splitLayer.setSource(null);
    return;
  }
  if (ds.gridded === false) {
    // swaths and station data: described and outlined, but the server draws no tiles of them
    dataLayer.setSource(null);
    splitLayer.setSource(null);
    $("swipe-bar").hidden = true;
    $("legend").hidden = true;
    mapEl.dataset.layerKey = `${ds.id}|no-grid`;
    map.render();
    writeUrl();
    return;
  }
  $("legend").hidden = false;
  keepLogRangePositive();
  clearMessage(`tiles-${variable.name}`);
  tileAbort.abort();
  tileAbort = new AbortController();
  const proj = st.projection as ViewProjection;
  const extent = viewExtent(ds.bbox, proj);
  dataLayer.setExtent(extent);
  dataLayer.setOpacity(st.opacity);
  const q1 = layerQuery(variable.name, st.time);
  dataLayer.setSource(tileSource(q1, proj, tileEvents(variable.name)));
  let key = `${proj}|${q1.dataset}|${q1.variable}|${new URLSearchParams(q1.params)}`;
  const split = st.split !== "off";
  splitLayer.setVisible(split);
  $("swipe-bar").hidden = !split;
  $("swipe-bar").style.left = `${st.swipe}%`;
  const v2 = st.split === "variable" ? (st.variable2 ?? variable.name) : variable.name;
  const v2Info = ds.variables.find((x) => x.name === v2);
  if (split && v2 !== variable.name && v2Info && rightStyle?.variable !== v2) {
    // the right variable keeps its own colours: load its defaults first, then draw
    splitLayer.setSource(null);
    key += `|split:${v2}|pending`;
    const dsId = ds.id;
    void otherStyle(v2Info).then((s) => {
      if (ds?.id !== dsId || st.split !== "variable" || (st.variable2 ?? variable?.name) !== s.variable) return;
      rightStyle = s;
      refreshLayers();
    });
  } else if (split) {
    const t2 = st.split === "time" ? (st.time2 ?? st.time) : st.time;
    splitLayer.setExtent(extent);
    splitLayer.setOpacity(st.opacity);
    const q2 = layerQuery(v2, t2);
    splitLayer.setSource(tileSource(q2, proj, tileEvents(v2)));
    key += `|split:${q2.variable}|${new URLSearchParams(q2.params)}`;
  } else splitLayer.setSource(null);
  // tests and the benchmark wait until the map has rendered this key completely
  mapEl.dataset.layerKey = key;
  map.render();
  updateLegend();
  writeUrl();
}

function updateLegend(): void {
  if (!ds || !variable) return;
  const p = new URLSearchParams(styleParams());
  p.set("width", "256");
  p.set("height", "12");
  ($("legend-img") as HTMLImageElement).src = url(api, `tiles/${encodeURIComponent(ds.id)}/${encodeURIComponent(variable.name)}/legend?${p}`);
  $("legend-min").textContent = st.vmin !== undefined ? String(Number(st.vmin.toPrecision(4))) : "";
  $("legend-max").textContent = st.vmax !== undefined ? String(Number(st.vmax.toPrecision(4))) : "";
  $("legend-units").textContent = variable.units;
  // the split view's right variable has a legend of its own
  const v2 = st.split === "variable" && st.variable2 !== variable.name ? ds.variables.find((x) => x.name === st.variable2) : undefined;
  $("legend2").hidden = !v2;
  if (v2 && rightStyle?.variable === v2.name) {
    const p2 = new URLSearchParams(styleParams(v2));
    p2.set("width", "256");
    p2.set("height", "12");
    ($("legend2-img") as HTMLImageElement).src = url(api, `tiles/${encodeURIComponent(ds.id)}/${encodeURIComponent(v2.name)}/legend?${p2}`);
    ($("legend2-img") as HTMLImageElement).alt = `Colour legend of ${v2.name} (right side)`;
    $("legend2-min").textContent = String(Number(rightStyle.vmin.toPrecision(4)));
    $("legend2-max").textContent = String(Number(rightStyle.vmax.toPrecision(4)));
    $("legend2-units").textContent = `${v2.name} ${v2.units}`.trim();
  }
}

function fitDataset(): void {
  if (!ds) return;
  const extent = viewExtent(ds.bbox, map.getView().getProjection().getCode());
  map.getView().fit(extent, { padding: [20, 20, 20, 20], duration: 0 });
}

function setOptions(sel: HTMLSelectElement, items: { value: string; label: string }[], selected?: string): void {
  sel.innerHTML = "";
  for (const it of items) {
    const o = document.createElement("option");
    o.value = it.value;
    o.textContent = it.label;
    sel.appendChild(o);
  }
  if (selected !== undefined) sel.value = selected;
}

// ---- time ---------------------------------------------------------------------------------------
function setTimeIndex(i: number, opts: { fromUser?: boolean } = {}): void {
  if (times.length === 0) return;
  timeIdx = Math.max(0, Math.min(times.length - 1, i));
  st.time = times[timeIdx];
  ($("time-slider") as HTMLInputElement).value = String(timeIdx);
  $("time-slider").setAttribute("aria-valuetext", times[timeIdx]!);
  $("time-label").textContent = `${times[timeIdx]} (${timeIdx + 1}/${times.length})`;
  chart.setMarker(timeMs[timeIdx]);
  if (opts.fromUser !== false) refreshLayers();
}

function nearestTimeIndex(ms: number): number {
  return nearestIndex(timeMs, ms);
}

function stopPlay(): void {
  if (playTimer !== undefined) window.clearInterval(playTimer);
  playTimer = undefined;
  $("time-play").textContent = "▶ Play";
  $("time-play").setAttribute("aria-pressed", "false");
  $("time-play").setAttribute("aria-label", "Play");
}

$("time-slider").addEventListener("input", (e) => setTimeIndex(Number((e.target as HTMLInputElement).value)));
$("time-first").addEventListener("click", () => setTimeIndex(0));
$("time-prev").addEventListener("click", () => setTimeIndex(timeIdx - 1));
$("time-next").addEventListener("click", () => setTimeIndex(timeIdx + 1));
$("time-last").addEventListener("click", () => setTimeIndex(times.length - 1));
/** Steps forward every play interval (ms, at least 100), from the last step back to the first. */
function startPlay(): void {
  window.clearInterval(playTimer);
  const ms = Math.max(100, Number(($("play-interval") as HTMLInputElement).value) || 1000);
  playTimer = window.setInterval(() => setTimeIndex(timeIdx + 1 >= times.length ? 0 : timeIdx + 1), ms);
  $("time-play").textContent = "⏸ Pause";
  $("time-play").setAttribute("aria-pressed", "true");
  $("time-play").setAttribute("aria-label", "Pause");
}
$("time-play").addEventListener("click", () => (playTimer !== undefined ? stopPlay() : startPlay()));
// a new interval takes effect while playing
$("play-interval").addEventListener("change", () => {
  if (playTimer !== undefined) startPlay();
});

// ---- colour -------------------------------------------------------------------------------------
const cmapSel = $<HTMLSelectElement>("cmap");
async function loadColorBars(): Promise<void> {
  try {
    const bars = await getJson<ColorBars>(api, "colorbars");
    cmapSel.innerHTML = "";
    const list = $("cmap-preview-list");
    list.innerHTML = "";
    for (const [cat, desc, names] of bars) {
      const g = document.createElement("optgroup");
      g.label = cat;
      const head = document.createElement("div");
      head.className = "cat";
      head.textContent = cat;
      head.title = desc;
      list.appendChild(head);
      for (const [name, png] of names) {
        const o = document.createElement("option");
        o.value = name;
        o.textContent = name;
        g.appendChild(o);
        const item = document.createElement("div");
        item.setAttribute("role", "option");
        item.dataset.cmap = name;
        item.innerHTML = `<img alt="" src="data:image/png;base64,${png}"><span>${name}</span>`;
        item.addEventListener("click", () => selectCmap(name));
        list.appendChild(item);
      }
      cmapSel.appendChild(g);
    }
    syncColourControls();
  } catch (err) {
    showMessage("colorbars", `Colour bars could not be loaded: ${describeError(err)}`);
  }
}
function selectCmap(name: string): void {
  st.cmap = name;
  syncColourControls();
  refreshLayers();
}
cmapSel.addEventListener("change", () => selectCmap(cmapSel.value));
$("cmap-preview-list").addEventListener("keydown", (e) => {
  const names = [...cmapSel.options].map((o) => o.value);
  const i = names.indexOf(cmapName().replace(/_r$/, ""));
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    const n = names[Math.max(0, Math.min(names.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
    if (n) selectCmap(n);
  }
});

function syncColourControls(): void {
  const base = cmapName().replace(/_r$/, "");
  if ([...cmapSel.options].some((o) => o.value === base)) cmapSel.value = base;
  else if (base) {
    const o = document.createElement("option");
    o.value = base;
    o.textContent = base;
    cmapSel.appendChild(o);
    cmapSel.value = base;
  }
  for (const el of $("cmap-preview-list").querySelectorAll<HTMLElement>("[role=option]")) {
    const sel = el.dataset.cmap === base;
    el.setAttribute("aria-selected", String(sel));
    if (sel) el.scrollIntoView({ block: "nearest" });
  }
  ($("vmin") as HTMLInputElement).value = st.vmin !== undefined ? String(st.vmin) : "";
  ($("vmax") as HTMLInputElement).value = st.vmax !== undefined ? String(st.vmax) : "";
  ($("log") as HTMLInputElement).checked = st.log;
  ($("reversed") as HTMLInputElement).checked = st.reversed;
  ($("opacity") as HTMLInputElement).value = String(st.opacity);
}

function onRangeChange(): void {
  const a = Number(($("vmin") as HTMLInputElement).value);
  const b = Number(($("vmax") as HTMLInputElement).value);
  if (!Number.isFinite(a) || !Number.isFinite(b) || ($("vmin") as HTMLInputElement).value === "" || ($("vmax") as HTMLInputElement).value === "") {
    showMessage("range", "Enter numbers for the colour range's min and max.");
    return;
  }
  if (a >= b) {
    showMessage("range", `The colour range's min (${a}) must be below its max (${b}).`);
    return;
  }
  if (st.log && a <= 0) {
    showMessage("range", `A log scale needs a min above 0 (you entered ${a}); turn the log scale off for this range.`);
    return;
  }
  clearMessage("range");
  st.vmin = a;
  st.vmax = b;
  refreshLayers();
}
$("vmin").addEventListener("change", onRangeChange);
$("vmax").addEventListener("change", onRangeChange);
$("log").addEventListener("change", (e) => {
  st.log = (e.target as HTMLInputElement).checked;
  if (!st.log) clearMessage("range");
  refreshLayers();
});
$("reversed").addEventListener("change", (e) => {
  st.reversed = (e.target as HTMLInputElement).checked;
  refreshLayers();
});
$("opacity").addEventListener("input", (e) => {
  st.opacity = Number((e.target as HTMLInputElement).value);
  dataLayer.setOpacity(st.opacity);
  splitLayer.setOpacity(st.opacity);
  writeUrl();
});

// ---- projection, split --------------------------------------------------------------------------
const projSel = $<HTMLSelectElement>("projection");
projSel.value = st.projection;
projSel.addEventListener("change", () => {
  const old = map.getView();
  const proj = projSel.value as ViewProjection;
  const extent = old.calculateExtent(map.getSize());
  st.projection = proj;
  const view = new View({ projection: proj });
  map.setView(view);
  const ll = transformExtent(extent, old.getProjection(), "EPSG:4326") as [number, number, number, number];
  view.fit(viewExtent([Math.max(ll[0], -180), ll[1], Math.min(ll[2], 180), ll[3]], proj), { duration: 0 });
  outlineFor();
  placesSource.getFeatures().forEach((f) => f.getGeometry()?.transform(old.getProjection(), proj));
  refreshLayers();
});

/** The right variable first offered: another variable that is not a flag, else any other, else the same. */
function defaultVariable2(): string | undefined {
  const others = ds?.variables.filter((v) => v.name !== variable?.name) ?? [];
  return (others.find((v) => !isFlagVariable(v)) ?? others[0])?.name ?? variable?.name;
}

const splitBox = $<HTMLInputElement>("split");
function syncSplitControls(): void {
  splitBox.checked = st.split !== "off";
  $("split-options").hidden = st.split === "off";
  ($("split-mode") as HTMLSelectElement).value = st.split === "time" ? "time" : "variable";
  $("var2-label").hidden = st.split !== "variable";
  $("time2-label").hidden = st.split !== "time";
  ($("swipe") as HTMLInputElement).value = String(st.swipe);
  if (ds) {
    setOptions($("variable2") as HTMLSelectElement, ds.variables.map((v) => ({ value: v.name, label: v.title || v.name })), st.variable2 ?? variable?.name);
    setOptions($("time2") as HTMLSelectElement, times.map((t) => ({ value: t, label: t })), st.time2 ?? st.time);
  }
}
splitBox.addEventListener("change", () => {
  st.split = splitBox.checked ? (($("split-mode") as HTMLSelectElement).value as "variable" | "time") : "off";
  if (st.split === "time" && times.length === 0) st.split = "variable";
  if (st.split === "variable") st.variable2 ??= defaultVariable2();
  if (st.split === "time") st.time2 ??= times[0];
  syncSplitControls();
  refreshLayers();
});
$("split-mode").addEventListener("change", (e) => {
  st.split = (e.target as HTMLSelectElement).value as "variable" | "time";
  if (st.split === "time" && times.length === 0) {
    showMessage("split", "This dataset has no time axis: compare another variable instead.", "info");
    st.split = "variable";
  }
  if (st.split === "variable") st.variable2 ??= defaultVariable2();
  if (st.split === "time") st.time2 ??= times[0];
  syncSplitControls();
  refreshLayers();
});
$("variable2").addEventListener("change", (e) => {
  st.variable2 = (e.target as HTMLSelectElement).value;
  refreshLayers();
});
$("time2").addEventListener("change", (e) => {
  st.time2 = (e.target as HTMLSelectElement).value;
  refreshLayers();
});
$("swipe").addEventListener("input", (e) => {
  st.swipe = Number((e.target as HTMLInputElement).value);
  $("swipe-bar").style.left = `${st.swipe}%`;
  map.render();
  writeUrl();
});

function outlineFor(): void {
  outlineSource.clear();
  if (!ds) return;
  const g = fromExtent(viewExtent(ds.bbox, map.getView().getProjection().getCode()));
  outlineSource.addFeature(new Feature(g));
}

// ---- value under the cursor --------------------------------------------------------------------
let hoverTimer: number | undefined;
let hoverAbort: AbortController | undefined;
map.on("pointermove", (e) => {
  if (e.dragging) return;
  window.clearTimeout(hoverTimer);
  const [lon, lat] = toLonLat(e.coordinate, map.getView().getProjection()) as [number, number];
  const where = `${lon.toFixed(4)}°, ${lat.toFixed(4)}°`;
  $("mouse-info").textContent = where;
  if (!ds || !variable) return;
  const [w, s, ea, n] = ds.bbox;
  if (ds.gridded === false || lon < w || lon > ea || lat < s || lat > n) return;
  hoverTimer = window.setTimeout(async () => {
    hoverAbort?.abort();
    hoverAbort = new AbortController();
    const p = new URLSearchParams({ lon: String(lon), lat: String(lat) });
    if (st.time && timeDim && variable!.dims.includes(timeDim)) p.set("time", st.time);
    for (const [d, v] of Object.entries(extraDims)) p.set(d, v);
    try {
      const r = await getJson<{ result: { value?: number } }>(api, `statistics/${encodeURIComponent(ds!.id)}/${encodeURIComponent(variable!.name)}?${p}`, { signal: hoverAbort.signal });
      const v = r.result.value;
      $("mouse-info").textContent = `${where}  ${variable!.name} = ${v === undefined ? "no data" : `${Number(v.toPrecision(5))} ${variable!.units}`}`;
    } catch (err) {
      if ((err as Error).name !== "AbortError") $("mouse-info").textContent = `${where}  (value unavailable)`;
    }
  }, 250);
});

// ---- time series --------------------------------------------------------------------------------
const series: Series[] = [];
let nextSeriesId = 1;
const chart = new TimeSeriesChart($("chart"), {
  onPickTime: (ms) => {
    if (times.length > 0) setTimeIndex(nearestTimeIndex(ms));
  },
  onRemove: (id) => {
    const i = series.findIndex((x) => x.id === id);
    if (i >= 0) series.splice(i, 1);
    for (const f of placesSource.getFeatures()) if (f.get("seriesId") === id) placesSource.removeFeature(f);
    $("chart").dataset.seriesCount = String(series.filter((x) => x.complete).length);
    chart.update(series);
  },
});

async function addSeries(kind: "point" | "polygon", geometry: { type: string; coordinates: unknown }, feature: Feature<OlGeometry>): Promise<void> {
  if (!ds || !variable) return;
  if (ds.gridded === false) {
    showMessage("series", noGridText(ds), "info");
    return;
  }
  if (!timeDim || !variable.dims.includes(timeDim) || times.length === 0) {
    showMessage("series", `${variable.title || variable.name} has no time axis, so there is no time series to plot.`, "info");
    return;
  }
  const id = nextSeriesId++;
  const color = seriesColor(id - 1);
  feature.set("color", color);
  feature.set("seriesId", id);
  placesSource.addFeature(feature);
  const label = kind === "point" ? `${variable.name} @ ${(geometry.coordinates as number[]).map((c) => c.toFixed(3)).join(", ")}` : `${variable.name} polygon ${id}`;
  const s: Series = { id, label, kind, dataset: ds.id, variable: variable.name, units: variable.units, color, times: [], mean: [], std: [], complete: false };
  series.push(s);
  $("chart").dataset.loading = "1";
  $("chart").dataset.seriesStartedAt = performance.now().toFixed(1);
  chart.update(series);
  const agg = kind === "point" ? "mean" : "mean,std";
  const dsId = ds.id;
  const varName = variable.name;
  const spatialDims = variable.dims.slice(-2);
  const seriesDims = Object.fromEntries(Object.entries(extraDims).filter(([d]) => variable!.dims.includes(d) && d !== timeDim && !spatialDims.includes(d)));
  if (Object.keys(seriesDims).length > 0) s.label += ` (${Object.entries(seriesDims).map(([d, l]) => `${d}=${l}`).join(", ")})`;
  try {
    for (const [start, end] of chunksNewestFirst(times.length)) {
      const q = new URLSearchParams({ aggMethods: agg, startDate: chunkBound(timeMs, start - 1, start), endDate: chunkBound(timeMs, end, end + 1) });
      // the series follows the level/band/… shown on the map (the server defaults to the first label)
      for (const [d, l] of Object.entries(seriesDims)) q.set(d, l);
      const r = await postJson<{ result: TimeSeriesEntry[] }>(api, `timeseries/${encodeURIComponent(dsId)}/${encodeURIComponent(varName)}?${q}`, geometry);
      if (!series.includes(s)) return;
      mergeEntries(s, r.result.map((e) => ({ time: Date.parse(e.time), mean: (e.mean as number | null) ?? null, std: kind === "polygon" ? ((e.std as number | null) ?? null) : null })));
      chart.update(series);
    }
    s.complete = true;
    if (s.times.length === 0) showMessage("series", `${label}: the place lies outside the data, so the series is empty.`, "info");
  } catch (err) {
    showMessage("series", `The time series ${label} could not be loaded: ${describeError(err)}`);
    s.failed = true;
    if (s.times.length === 0) {
      // nothing to show: the series and its place go; the message says why
      series.splice(series.indexOf(s), 1);
      for (const f of placesSource.getFeatures()) if (f.get("seriesId") === id) placesSource.removeFeature(f);
    }
  } finally {
    $("chart").dataset.loading = series.some((x) => !x.complete && !x.failed) ? "1" : "0";
    chart.update(series);
    chart.setMarker(timeMs[timeIdx]);
    $("chart").dataset.seriesDoneAt = performance.now().toFixed(1);
    $("chart").dataset.seriesCount = String(series.filter((x) => x.complete).length);
  }
}

const draw = new Draw({ source: new VectorSource(), type: "Polygon" });
draw.setActive(false);
map.addInteraction(draw);
function setDrawing(on: boolean): void {
  draw.setActive(on);
  $("draw-polygon").setAttribute("aria-pressed", String(on));
  $("draw-polygon").textContent = on ? "Drawing… (double-click or Enter to finish)" : "Draw polygon";
}
let lastDrawEnd = 0;
draw.on("drawend", (e) => {
  lastDrawEnd = Date.now();
  setDrawing(false);
  const g = (e.feature.getGeometry() as Polygon).clone().transform(map.getView().getProjection(), "EPSG:4326") as Polygon;
  const f = new Feature<OlGeometry>(e.feature.getGeometry()!);
  void addSeries("polygon", { type: "Polygon", coordinates: g.getCoordinates() }, f);
});
$("draw-polygon").addEventListener("click", () => setDrawing(!draw.getActive()));
document.addEventListener("keydown", (e) => {
  if (!draw.getActive()) return;
  if (e.key === "Enter") draw.finishDrawing();
  if (e.key === "Escape") {
    draw.abortDrawing();
    setDrawing(false);
  }
});
map.on("singleclick", (e) => {
  if (draw.getActive() || Date.now() - lastDrawEnd < 600) return;
  const lonlat = toLonLat(e.coordinate, map.getView().getProjection());
  void addSeries("point", { type: "Point", coordinates: lonlat }, new Feature<OlGeometry>(new Point(e.coordinate)));
});
$("center-series").addEventListener("click", () => {
  const c = map.getView().getCenter();
  if (!c) return;
  void addSeries("point", { type: "Point", coordinates: toLonLat(c, map.getView().getProjection()) }, new Feature<OlGeometry>(new Point(c)));
});
$("clear-series").addEventListener("click", () => {
  series.length = 0;
  placesSource.clear();
  $("chart").dataset.seriesCount = "0";
  chart.update(series);
});
$("download-csv").addEventListener("click", () => {
  if (series.length === 0) {
    showMessage("csv", "There is no time series to download yet: click the map or draw a polygon first.", "info");
    return;
  }
  const blob = new Blob([seriesCsv(series)], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `eocube-timeseries-${ds?.id ?? "series"}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});

// ---- dataset and variable -----------------------------------------------------------------------
const dsSel = $<HTMLSelectElement>("dataset");
const varSel = $<HTMLSelectElement>("variable");

/** Loads the dataset list; restores the dataset of the URL or takes the first. */
async function init(): Promise<void> {
  clearMessage("server");
  // the linked dataset's description is asked for at once, beside the list (one round trip less)
  const early = requested.dataset !== undefined ? getJson<DatasetInfo>(api, `datasets/${encodeURIComponent(requested.dataset)}`) : undefined;
  early?.catch(() => undefined);
  try {
    const r = await getJson<{ datasets: { id: string; title: string }[] }>(api, "datasets");
    datasets = r.datasets;
  } catch (err) {
    showMessage("server", `The dataset list could not be loaded. ${describeError(err)}`, "error", { label: "Retry", run: () => void init() });
    return;
  }
  if (datasets.length === 0) {
    showMessage("server", "This server serves no datasets.", "info");
    return;
  }
  setDatasetOptions();
  let id = requested.dataset;
  if (id !== undefined && !datasets.some((d) => d.id === id)) {
    showMessage("dataset", `The dataset "${id}" named in the link is not served here; showing "${datasets[0]!.title || datasets[0]!.id}" instead.`);
    id = undefined;
    requested.variable = undefined;
    st.time = undefined;
    requested.center = undefined;
    requested.dims = undefined;
  }
  await selectDataset(id ?? datasets[0]!.id, { keepView: id !== undefined && requested.center !== undefined, ...(id !== undefined && early ? { info: early } : {}) });
}

/**
 * The dataset picker: titles, grouped by the server's groupTitle, else by the data store of
 * `<store>~<data id>` identifiers (datasets of a DataStores entry); ungrouped datasets come first.
 */
function setDatasetOptions(): void {
  const groupOf = (d: (typeof datasets)[number]) => d.groupTitle || (d.id.includes("~") ? d.id.slice(0, d.id.indexOf("~")) : undefined);
  const labelOf = (d: (typeof datasets)[number]) => d.title || d.id;
  if (!datasets.some((d) => groupOf(d) !== undefined)) {
    setOptions(dsSel, datasets.map((d) => ({ value: d.id, label: labelOf(d) })));
    return;
  }
  dsSel.innerHTML = "";
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const d of datasets) {
    const o = new Option(labelOf(d), d.id);
    const g = groupOf(d);
    if (g === undefined) {
      dsSel.insertBefore(o, dsSel.querySelector("optgroup"));
      continue;
    }
    let og = groups.get(g);
    if (!og) {
      og = document.createElement("optgroup");
      og.label = g;
      groups.set(g, og);
      dsSel.appendChild(og);
    }
    og.appendChild(o);
  }
}

/** The note for a dataset without a regular grid. */
function noGridText(d: DatasetInfo): string {
  return `"${d.title || d.id}" has no regular grid (a swath or station data): the map shows its outline only, without tiles, values or time series.`;
}

function isTimeDim(d: { name: string; dtype: string; coordinates: unknown[] }): boolean {
  return d.dtype.startsWith("datetime") || (d.name === "time" && typeof d.coordinates[0] === "string");
}

async function selectDataset(id: string, opts: { keepView?: boolean; info?: Promise<DatasetInfo> } = {}): Promise<void> {
  stopPlay();
  dsSel.value = id;
  mapEl.dataset.dataset = "loading";
  let info: DatasetInfo;
  try {
    info = await (opts.info ?? getJson<DatasetInfo>(api, `datasets/${encodeURIComponent(id)}`));
  } catch (err) {
    mapEl.dataset.dataset = "failed";
    showMessage("dataset-fail", `The dataset "${id}" could not be opened. ${describeError(err)}`, "error", { label: "Retry", run: () => void selectDataset(id, { ...opts, info: undefined }) });
    return;
  }
  clearMessage("dataset-fail");
  ds = info;
  rightStyle = undefined;
  st.dataset = id;
  const td = info.dimensions.find(isTimeDim);
  timeDim = td?.name;
  times = td ? td.coordinates.map(String) : [];
  timeMs = times.map((t) => Date.parse(t));
  for (const k of Object.keys(extraDims)) delete extraDims[k];
  setOptions(varSel, info.variables.map((v) => ({ value: v.name, label: v.title && v.title !== v.name ? `${v.title} (${v.name})` : v.name })));
  if (info.variables.length === 0) {
    showMessage("dataset", `The dataset "${id}" has no variables that can be shown on a map.`, "info");
    variable = undefined;
    refreshLayers();
    return;
  }
  let vname = requested.variable;
  requested.variable = undefined;
  if (vname !== undefined && !info.variables.some((v) => v.name === vname)) {
    showMessage("variable", `The variable "${vname}" is not in dataset "${id}"; showing "${info.variables[0]!.name}" instead.`);
    vname = undefined;
  }
  if (info.gridded === false) showMessage("no-grid", noGridText(info), "info");
  else clearMessage("no-grid");
  outlineFor();
  if (!opts.keepView) fitDataset();
  else if (requested.center) {
    map.getView().setCenter(fromLonLat(requested.center, map.getView().getProjection()));
    if (requested.zoom !== undefined) map.getView().setZoom(requested.zoom);
  }
  const preferred = info.variables.find((v) => !isFlagVariable(v)) ?? info.variables[0]!;
  await selectVariable(vname ?? preferred.name, { keepColour: opts.keepView === true || requested.dataset === id });
  requested.dataset = undefined;
}

/** Colour range from the variable's statistics at the shown time, when its attributes give none. */
async function statisticsRange(v: VariableInfo): Promise<[number, number] | undefined> {
  if (ds?.gridded === false) return undefined;
  const a = v.attrs;
  const fromAttrs = ["color_value_min", "color_value_max", "valid_min", "valid_max", "valid_range"].some((k) => k in a);
  if (fromAttrs || !(v.colorBarMin === 0 && v.colorBarMax === 1)) return undefined;
  const [w, s, e, n] = ds!.bbox;
  const p = new URLSearchParams();
  if (st.time && timeDim && v.dims.includes(timeDim)) p.set("time", st.time);
  try {
    const r = await postJson<{ result: { count: number; minimum?: number; maximum?: number; mean?: number; deviation?: number } }>(api, `statistics/${encodeURIComponent(ds!.id)}/${encodeURIComponent(v.name)}?${p}`, {
      type: "Polygon",
      coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    });
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

async function selectVariable(name: string, opts: { keepColour?: boolean } = {}): Promise<void> {
  if (!ds) return;
  stopPlay();
  varSel.value = name;
  variable = ds.variables.find((v) => v.name === name)!;
  st.variable = name;
  clearMessage("series");
  // time: keep the URL's time when it is on the axis, else the newest step
  if (times.length > 0 && variable.dims.includes(timeDim!)) {
    const want = st.time ? times.indexOf(st.time) : -1;
    let i = want >= 0 ? want : times.length - 1;
    if (st.time && want < 0) {
      const ms = Date.parse(st.time);
      if (Number.isFinite(ms)) i = nearestTimeIndex(ms);
      else showMessage("time", `The time "${st.time}" in the link is not a date; showing the newest step.`, "info");
    }
    ($("time-slider") as HTMLInputElement).max = String(times.length - 1);
    setTimeIndex(i, { fromUser: false });
    $("time-controls").querySelectorAll<HTMLElement>("input, button").forEach((el) => ((el as HTMLButtonElement).disabled = false));
    $("no-time").hidden = true;
  } else {
    st.time = undefined;
    $("time-label").textContent = "–";
    $("time-controls").querySelectorAll<HTMLElement>("input, button").forEach((el) => ((el as HTMLButtonElement).disabled = true));
    $("no-time").hidden = false;
  }
  // other non-spatial dimensions: first label (a picker is shown for each)
  renderExtraDims();
  if (!opts.keepColour) {
    st.cmap = undefined;
    st.vmin = undefined;
    st.vmax = undefined;
    st.log = false;
    st.reversed = false;
  }
  let base = st.cmap ?? variable.colorBarName;
  if (base.endsWith("_r") && st.cmap === undefined) {
    base = base.slice(0, -2);
    st.reversed = !st.reversed;
  }
  st.cmap = base;
  if (st.vmin === undefined || st.vmax === undefined) {
    const r = (await statisticsRange(variable)) ?? [Number(variable.colorBarMin.toPrecision(6)), Number(variable.colorBarMax.toPrecision(6))];
    st.vmin ??= r[0];
    st.vmax ??= r[1];
  }
  if (!opts.keepColour) st.log = variable.colorBarNorm === "log";
  syncColourControls();
  syncSplitControls();
  refreshLayers();
}

function renderExtraDims(): void {
  const box = $("extra-dims");
  box.innerHTML = "";
  if (!ds || !variable) return;
  const spatial = variable.dims.slice(-2);
  for (const d of variable.dims) {
    if (d === timeDim || spatial.includes(d)) continue;
    const info = ds.dimensions.find((x) => x.name === d);
    const labels = info ? info.coordinates.map(String) : ["0"];
    const linked = requested.dims?.[d];
    if (linked !== undefined) {
      delete requested.dims![d];
      if (labels.includes(linked)) extraDims[d] = linked;
      else showMessage(`dim-${d}`, `The ${d} "${linked}" in the link is not one of the dataset's (${labels.slice(0, 5).join(", ")}${labels.length > 5 ? ", …" : ""}); showing ${labels[0]}.`, "info");
    }
    extraDims[d] ??= labels[0]!;
    const lab = document.createElement("label");
    lab.textContent = `${d} `;
    const sel = document.createElement("select");
    setOptions(sel, labels.map((l) => ({ value: l, label: l })), extraDims[d]);
    sel.addEventListener("change", () => {
      extraDims[d] = sel.value;
      refreshLayers();
    });
    lab.appendChild(sel);
    box.appendChild(lab);
  }
}

dsSel.addEventListener("change", () => {
  st.time = undefined;
  st.split = "off";
  void selectDataset(dsSel.value);
});
varSel.addEventListener("change", () => void selectVariable(varSel.value));
$("zoom-to").addEventListener("click", fitDataset);
$("toggle-panel").addEventListener("click", () => {
  const panel = $("panel");
  panel.hidden = !panel.hidden;
  $("toggle-panel").setAttribute("aria-expanded", String(!panel.hidden));
  document.querySelector(".layout")!.classList.toggle("no-panel", panel.hidden);
  setTimeout(() => map.updateSize(), 0);
});
window.addEventListener("resize", () => map.updateSize());
if (window.matchMedia("(max-width: 700px)").matches) {
  // phones: start with the map and chart; the controls stay one button away
  $("panel").hidden = false;
}

// a hash edited by hand (or a pasted link on the same page) restores that state
let lastWritten = location.hash;
const origReplace = history.replaceState.bind(history);
history.replaceState = (data: unknown, unused: string, u?: string | URL | null) => {
  origReplace(data, unused, u);
  lastWritten = location.hash;
};
window.addEventListener("hashchange", () => {
  if (location.hash !== lastWritten) location.reload();
});

// keep the module's errors readable: anything unexpected goes to the message area, not only the console
window.addEventListener("unhandledrejection", (e) => {
  showMessage("unexpected", `Something went wrong: ${describeError(e.reason)}`);
  e.preventDefault();
});

/** A small handle for tests and the console: the map and lon/lat ↔ map-pixel conversions. */
(window as unknown as { eocubeViewer: unknown }).eocubeViewer = {
  map,
  pixelOf: (lon: number, lat: number) => map.getPixelFromCoordinate(fromLonLat([lon, lat], map.getView().getProjection())),
  lonLatOf: (x: number, y: number) => toLonLat(map.getCoordinateFromPixel([x, y]), map.getView().getProjection()),
  state: () => ({ ...st }),
};

void loadColorBars();
void init();
