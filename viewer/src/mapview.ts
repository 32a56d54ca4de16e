// The OpenLayers map of the viewer: base map, graticule, data and split tile layers, the server's place group, dataset
// outline and series places; the render bookkeeping tests wait on (data-* of #map), tile loads held while moving, and
// the centre/zoom in the URL.
import { Feature, Map as OlMap, View } from "ol";
import { ScaleLine, defaults as defaultControls } from "ol/control.js";
import { fromExtent } from "ol/geom/Polygon.js";
import { defaults as defaultInteractions } from "ol/interaction/defaults.js";
import Graticule from "ol/layer/Graticule.js";
import TileLayer from "ol/layer/Tile.js";
import VectorLayer from "ol/layer/Vector.js";
import { fromLonLat, toLonLat, transformExtent } from "ol/proj.js";
import VectorSource from "ol/source/Vector.js";
import type XYZ from "ol/source/XYZ.js";
import { Circle, Fill, Stroke, Style, Text } from "ol/style.js";
import { landCoarse, landDetail, loadBaseMapWhenIdle, osmLayer } from "./basemap.js";
import { $ } from "./dom.js";
import { clipRightOf, StillGate, type TileEvents } from "./map.js";
import { showMessage } from "./messages.js";
import { shown, st } from "./store.js";
import { writeUrl } from "./url.js";

/** The map's element (#map); its data-* attributes report the render state. */
export const mapEl = $("map");
/** The dataset's outline (dashed). */
export const outlineSource = new VectorSource();
/** The places of the time series (points and polygons, in their series' colour). */
export const placesSource = new VectorSource();
/** The places of the server's place group shown (`/places/{group}`), each labelled. */
export const placeGroupSource = new VectorSource();
/** The layer of {@link placeGroupSource} (clicks on its features give series). */
export const placeGroupLayer = new VectorLayer({
  className: "place-group-layer",
  source: placeGroupSource,
  zIndex: 4,
  style: (f) => {
    const color = "#6f42c1";
    return new Style({
      stroke: new Stroke({ color, width: 2 }),
      fill: new Fill({ color: "#6f42c122" }),
      image: new Circle({ radius: 5, fill: new Fill({ color: "#fff" }), stroke: new Stroke({ color, width: 2.5 }) }),
      text: new Text({
        text: String(f.get("placeLabel") ?? ""),
        font: "12px system-ui, sans-serif",
        offsetY: -14,
        fill: new Fill({ color: "#2d1a4f" }),
        stroke: new Stroke({ color: "#fff", width: 3 }),
        overflow: true,
      }),
    });
  },
});
/** The shown variable's tiles. */
export const dataLayer = new TileLayer<XYZ>({ className: "data-layer", zIndex: 2 });
/** The split view's right side (clipped right of the swipe bar). */
export const splitLayer = new TileLayer<XYZ>({ className: "split-layer", zIndex: 3, visible: false });

/** The map. */
export const map = new OlMap({
  target: mapEl,
  keyboardEventTarget: mapEl,
  controls: defaultControls({ attribution: true, attributionOptions: { collapsible: true, collapsed: true } }).extend([new ScaleLine()]),
  interactions: defaultInteractions(),
  layers: [
    landCoarse,
    landDetail,
    osmLayer,
    new Graticule({ strokeStyle: new Stroke({ color: "rgba(60,80,100,0.35)", width: 1 }), showLabels: true, wrapX: false, zIndex: 1 }),
    dataLayer,
    splitLayer,
    placeGroupLayer,
    new VectorLayer({
      source: outlineSource,
      zIndex: 5,
      style: new Style({ stroke: new Stroke({ color: "#d4380d", width: 2, lineDash: [6, 4] }) }),
    }),
    new VectorLayer({
      source: placesSource,
      zIndex: 6,
      style: (f) => {
        const color = (f.get("color") as string | undefined) ?? "#000";
        return new Style({
          stroke: new Stroke({ color, width: 2 }),
          fill: new Fill({ color: `${color}33` }),
          image: new Circle({ radius: 6, fill: new Fill({ color }), stroke: new Stroke({ color: "#fff", width: 2 }) }),
        });
      },
    }),
  ],
  view: new View({ projection: st.projection, center: fromLonLat([0, 30], st.projection), zoom: 2 }),
});
clipRightOf(splitLayer, map, () => st.swipe / 100);
// the base map's land is read once the first data are drawn
loadBaseMapWhenIdle(map, () => !!mapEl.dataset.layerKey && mapEl.dataset.renderedKey === mapEl.dataset.layerKey);
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

/** Aborts the tile loads of the layers drawn so far (before new tile sources are made). */
export function abortTileLoads(): void {
  tileAbort.abort();
  tileAbort = new AbortController();
}

/** The load events of a tile source of `layerName`: held while moving, aborted by {@link abortTileLoads}, errors shown. */
export function tileEvents(layerName: string): TileEvents {
  return {
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
  };
}

/** The dataset's bbox in the view projection (latitudes clamped to ±85.05° for Web Mercator). */
export function viewExtent(bbox: [number, number, number, number], proj: string): number[] {
  const [w, s, e, n] = bbox;
  const lim = proj === "EPSG:3857" ? 85.0511 : 90;
  return transformExtent([w, Math.max(s, -lim), e, Math.min(n, lim)], "EPSG:4326", proj);
}

/** Zooms the map to the shown dataset. */
export function fitDataset(): void {
  if (!shown.ds) return;
  const extent = viewExtent(shown.ds.bbox, map.getView().getProjection().getCode());
  map.getView().fit(extent, { padding: [20, 20, 20, 20], duration: 0 });
}

/** Draws the shown dataset's outline. */
export function outlineFor(): void {
  outlineSource.clear();
  if (!shown.ds) return;
  const g = fromExtent(viewExtent(shown.ds.bbox, map.getView().getProjection().getCode()));
  outlineSource.addFeature(new Feature(g));
}
