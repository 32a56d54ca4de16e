// Time series: a point by clicking the map (or at its centre), a polygon by drawing, or a place of the server's place
// group; each loaded newest chunk first into the chart (mean, and std for polygons), removable one by one or all, and
// downloadable as CSV.
import { Feature } from "ol";
import type { Geometry as OlGeometry } from "ol/geom.js";
import { Point, type Polygon } from "ol/geom.js";
import Draw from "ol/interaction/Draw.js";
import { toLonLat } from "ol/proj.js";
import VectorSource from "ol/source/Vector.js";
import { describeError, postJson, type TimeSeriesEntry } from "../api.js";
import { mergeEntries, seriesColor, seriesCsv, TimeSeriesChart, type Series } from "../chart.js";
import { $ } from "../dom.js";
import { map, placeGroupLayer, placesSource } from "../mapview.js";
import { showMessage } from "../messages.js";
import { api, extraDims, on, shown } from "../store.js";
import { chunkBound, chunksNewestFirst } from "../timeaxis.js";
import { noGridText } from "./pickers.js";
import { nearestTimeIndex, setTimeIndex } from "./time.js";

const series: Series[] = [];
let nextSeriesId = 1;
const chart = new TimeSeriesChart($("chart"), {
  onPickTime: (ms) => {
    if (shown.times.length > 0) setTimeIndex(nearestTimeIndex(ms));
  },
  onRemove: (id) => {
    const i = series.findIndex((x) => x.id === id);
    if (i >= 0) series.splice(i, 1);
    for (const f of placesSource.getFeatures()) if (f.get("seriesId") === id) placesSource.removeFeature(f);
    $("chart").dataset.seriesCount = String(series.filter((x) => x.complete).length);
    chart.update(series);
  },
});
// the chart marks the map's time
on("time", () => chart.setMarker(shown.timeMs[shown.timeIdx]));

/**
 * Adds the series of the shown variable at `geometry` (GeoJSON in lon/lat), `feature` marking its place on the map;
 * `placeLabel` names a place of a place group in the series label (else the point's coordinates or "polygon N").
 */
export async function addSeries(
  kind: "point" | "polygon",
  geometry: { type: string; coordinates: unknown },
  feature: Feature<OlGeometry>,
  placeLabel?: string,
): Promise<void> {
  const { ds, variable, timeDim, times } = shown;
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
  const label =
    placeLabel !== undefined
      ? `${variable.name} @ ${placeLabel}`
      : kind === "point"
        ? `${variable.name} @ ${(geometry.coordinates as number[]).map((c) => c.toFixed(3)).join(", ")}`
        : `${variable.name} polygon ${id}`;
  const s: Series = {
    id,
    label,
    kind,
    dataset: ds.id,
    variable: variable.name,
    units: variable.units,
    color,
    times: [],
    mean: [],
    std: [],
    complete: false,
  };
  series.push(s);
  $("chart").dataset.loading = "1";
  $("chart").dataset.seriesStartedAt = performance.now().toFixed(1);
  chart.update(series);
  const agg = kind === "point" ? "mean" : "mean,std";
  const dsId = ds.id;
  const varName = variable.name;
  const spatialDims = variable.dims.slice(-2);
  const seriesDims = Object.fromEntries(
    Object.entries(extraDims).filter(([d]) => variable.dims.includes(d) && d !== timeDim && !spatialDims.includes(d)),
  );
  if (Object.keys(seriesDims).length > 0)
    s.label += ` (${Object.entries(seriesDims)
      .map(([d, l]) => `${d}=${l}`)
      .join(", ")})`;
  try {
    for (const [start, end] of chunksNewestFirst(times.length)) {
      const q = new URLSearchParams({
        aggMethods: agg,
        startDate: chunkBound(shown.timeMs, start - 1, start),
        endDate: chunkBound(shown.timeMs, end, end + 1),
      });
      // the series follows the level/band/… shown on the map (the server defaults to the first label)
      for (const [d, l] of Object.entries(seriesDims)) q.set(d, l);
      const r = await postJson<{ result: TimeSeriesEntry[] }>(
        api,
        `timeseries/${encodeURIComponent(dsId)}/${encodeURIComponent(varName)}?${q}`,
        geometry,
      );
      if (!series.includes(s)) return;
      mergeEntries(
        s,
        r.result.map((e) => ({
          time: Date.parse(e.time),
          mean: (e.mean as number | null) ?? null,
          std: kind === "polygon" ? ((e.std as number | null) ?? null) : null,
        })),
      );
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
    chart.setMarker(shown.timeMs[shown.timeIdx]);
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
/** A click on a place of the place group gives that place's series (a point or an area), as a drawn one would. */
let placeClick: ((f: Feature<OlGeometry>) => void) | undefined;
/** Sets what a click on a place of the place-group layer does (controls/places.ts). */
export function onPlaceClick(fn: (f: Feature<OlGeometry>) => void): void {
  placeClick = fn;
}
map.on("singleclick", (e) => {
  if (draw.getActive() || Date.now() - lastDrawEnd < 600) return;
  const place = map.forEachFeatureAtPixel(e.pixel, (f) => f as Feature<OlGeometry>, {
    layerFilter: (l) => l === placeGroupLayer,
    hitTolerance: 5,
  });
  if (place && placeClick) {
    placeClick(place);
    return;
  }
  const lonlat = toLonLat(e.coordinate, map.getView().getProjection());
  void addSeries("point", { type: "Point", coordinates: lonlat }, new Feature<OlGeometry>(new Point(e.coordinate)));
});
$("center-series").addEventListener("click", () => {
  const c = map.getView().getCenter();
  if (!c) return;
  void addSeries(
    "point",
    { type: "Point", coordinates: toLonLat(c, map.getView().getProjection()) },
    new Feature<OlGeometry>(new Point(c)),
  );
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
  a.download = `eocube-timeseries-${shown.ds?.id ?? "series"}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});
