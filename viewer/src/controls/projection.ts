// The projection picker: switches the map between EPSG:3857 and EPSG:4326 keeping the shown area, the base map,
// the dataset outline, the place group and the series places.
import { View } from "ol";
import { transformExtent } from "ol/proj.js";
import { reprojectBaseMap } from "../basemap.js";
import { $ } from "../dom.js";
import type { ViewProjection } from "../map.js";
import { map, outlineFor, placeGroupSource, placesSource, viewExtent } from "../mapview.js";
import { render, st } from "../store.js";

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
  reprojectBaseMap();
  for (const f of [...placesSource.getFeatures(), ...placeGroupSource.getFeatures()]) f.getGeometry()?.transform(old.getProjection(), proj);
  render();
});
