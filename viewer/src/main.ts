// The eocube viewer's entry: loads the styles and every control (dataset/variable pickers, map and tile layers,
// time, colour, projection, base map, split view, value under the cursor, time series, place groups, URL state), then
// starts. Modules: store.ts (state) · url.ts (URL hash) · mapview.ts (the map) · basemap.ts (offline Natural Earth
// and OSM) · layers.ts + legend.ts + style.ts (tiles)
// · controls/*.ts (one per control) · api.ts, chart.ts, map.ts, state.ts, timeaxis.ts, messages.ts, dom.ts (helpers).
import "ol/ol.css";
import "./style.css";
import { fromLonLat, toLonLat } from "ol/proj.js";
import { describeError } from "./api.js";
import "./controls/basemap.js";
import { loadColorBars } from "./controls/colour.js";
import "./controls/hover.js";
import { init } from "./controls/pickers.js";
import "./controls/places.js";
import "./controls/projection.js";
import "./controls/series.js";
import "./controls/split.js";
import "./controls/time.js";
import { $ } from "./dom.js";
import "./layers.js";
import { map } from "./mapview.js";
import { showMessage } from "./messages.js";
import { st } from "./store.js";
import { watchHash } from "./url.js";

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
watchHash();

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
