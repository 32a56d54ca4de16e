// The viewer's base maps: Natural Earth land and coastlines bundled with the viewer (no network; the default),
// OpenStreetMap tiles (online; falls back to Natural Earth when they cannot be loaded), or none. The graticule
// (mapview.ts) is drawn over each. The Natural Earth land is read once the data are on the map (its 1:50m file is
// 0.5 MB of TopoJSON whose decoding would otherwise hold up the first tiles).
import type { Map as OlMap } from "ol";
import TopoJSON from "ol/format/TopoJSON.js";
import TileLayer from "ol/layer/Tile.js";
import VectorImageLayer from "ol/layer/VectorImage.js";
import OSM from "ol/source/OSM.js";
import VectorSource from "ol/source/Vector.js";
import { Fill, Stroke, Style } from "ol/style.js";
// Natural Earth 1:110m and 1:50m land (public domain) as TopoJSON from the world-atlas package: Vite copies the
// files into the viewer's build, so the viewer fetches them from its own server
import land110mUrl from "world-atlas/land-110m.json?url";
import land50mUrl from "world-atlas/land-50m.json?url";

/** The base maps: "ne" Natural Earth coastlines (offline), "osm" OpenStreetMap (online), "none". */
export type BaseMap = "ne" | "osm" | "none";

/** View zoom from which the 1:50m land replaces the 1:110m one (about 1:20M at the equator). */
const DETAIL_ZOOM = 4;

const landStyle = new Style({
  fill: new Fill({ color: "#f4f1ea" }),
  stroke: new Stroke({ color: "#7b8a99", width: 0.8 }),
});

const landSource = (url: string) =>
  new VectorSource({
    url,
    format: new TopoJSON({ layers: ["land"] }),
    overlaps: false,
    wrapX: false,
    attributions: 'Coastlines: <a href="https://www.naturalearthdata.com/">Natural Earth</a>',
  });

/** Natural Earth 1:110m land, below {@link DETAIL_ZOOM} (its source is set by {@link loadBaseMapWhenIdle}). */
export const landCoarse = new VectorImageLayer<VectorSource>({
  className: "basemap-ne",
  style: landStyle,
  maxZoom: DETAIL_ZOOM,
  zIndex: 0,
  properties: { basemap: "ne" },
});
/** Natural Earth 1:50m land, from {@link DETAIL_ZOOM} on (its source is set by {@link loadBaseMapWhenIdle}). */
export const landDetail = new VectorImageLayer<VectorSource>({
  className: "basemap-ne",
  style: landStyle,
  minZoom: DETAIL_ZOOM,
  zIndex: 0,
  properties: { basemap: "ne" },
});

/** OpenStreetMap's standard tiles (© OpenStreetMap contributors; needs the internet). */
export const osmLayer = new TileLayer({ className: "basemap-osm", zIndex: 0, visible: false, properties: { basemap: "osm" } });

/** Base-map events for messages and tests: OSM tiles failing while nothing of it has loaded. */
export interface BaseMapEvents {
  /** Called once when OSM tiles fail before any loaded (offline, blocked): the caller switches to "ne". */
  onOsmUnreachable(): void;
}

let osmLoaded = 0;
let osmFailed = 0;

/** Shows base map `which` (the Natural Earth layers load their data on first display). */
export function showBaseMap(which: BaseMap, events: BaseMapEvents): void {
  landCoarse.setVisible(which === "ne");
  landDetail.setVisible(which === "ne");
  osmLayer.setVisible(which === "osm");
  // a new source when none was made yet or the last one never loaded a tile (offline then, perhaps online now)
  if (which === "osm" && (!osmLayer.getSource() || osmLoaded === 0)) {
    osmLoaded = 0;
    osmFailed = 0;
    const src = new OSM({ transition: 0 });
    src.on("tileloadend", () => osmLoaded++);
    src.on("tileloaderror", () => {
      osmFailed++;
      if (osmLoaded === 0 && osmFailed === 3) events.onOsmUnreachable();
    });
    osmLayer.setSource(src);
  }
}

let landLoaded = false;

function loadLand(): void {
  landLoaded = true;
  landCoarse.setSource(landSource(land110mUrl));
  landDetail.setSource(landSource(land50mUrl));
}

/**
 * Reads the Natural Earth land once `ready()` holds at a complete render of `map` (the data layer is drawn), or after
 * `fallbackMs` [default 3000] whatever happens (no dataset, a failing server).
 */
export function loadBaseMapWhenIdle(map: OlMap, ready: () => boolean, fallbackMs = 3000): void {
  const timer = setTimeout(() => {
    if (!landLoaded) loadLand();
  }, fallbackMs);
  // checked after the other rendercomplete listeners (which note what was rendered), the tiles drawn first
  const onRender = () =>
    setTimeout(() => {
      if (landLoaded || !ready()) return;
      clearTimeout(timer);
      map.un("rendercomplete", onRender);
      loadLand();
    }, 0);
  map.on("rendercomplete", onRender);
}

/** Re-reads the Natural Earth land in a new view projection (after a projection change). */
export function reprojectBaseMap(): void {
  if (landLoaded) loadLand();
}
