// The base-map picker: Natural Earth coastlines bundled with the viewer (offline, the default), OpenStreetMap
// (online; back to Natural Earth with a note when its tiles cannot be loaded), or none; kept in the URL (`base=`).
import { type BaseMap, showBaseMap } from "../basemap.js";
import { $ } from "../dom.js";
import { mapEl } from "../mapview.js";
import { clearMessage, showMessage } from "../messages.js";
import { st } from "../store.js";
import { writeUrl } from "../url.js";

const sel = $<HTMLSelectElement>("basemap");

/** Shows base map `which`, in the picker, on the map (data-basemap of #map) and in the URL. */
export function setBaseMap(which: BaseMap): void {
  sel.value = which;
  if (which === "ne") delete st.basemap;
  else st.basemap = which;
  mapEl.dataset.basemap = which;
  if (which !== "osm") clearMessage("basemap");
  showBaseMap(which, {
    onOsmUnreachable() {
      if (sel.value !== "osm") return;
      setBaseMap("ne");
      showMessage(
        "basemap",
        "OpenStreetMap tiles could not be loaded (no internet connection?): the map shows the offline Natural Earth coastlines instead.",
        "info",
      );
    },
  });
  writeUrl();
}

sel.addEventListener("change", () => setBaseMap(sel.value as BaseMap));
setBaseMap(st.basemap ?? "ne");
