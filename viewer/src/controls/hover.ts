// The value under the cursor: lon/lat at once, and the shown variable's value there (at the shown time and other
// dimensions) after the pointer rests for 250 ms.
import { toLonLat } from "ol/proj.js";
import { getJson } from "../api.js";
import { $ } from "../dom.js";
import { map } from "../mapview.js";
import { api, extraDims, shown, st } from "../store.js";

let hoverTimer: number | undefined;
let hoverAbort: AbortController | undefined;
map.on("pointermove", (e) => {
  if (e.dragging) return;
  window.clearTimeout(hoverTimer);
  const [lon, lat] = toLonLat(e.coordinate, map.getView().getProjection()) as [number, number];
  const where = `${lon.toFixed(4)}°, ${lat.toFixed(4)}°`;
  $("mouse-info").textContent = where;
  const { ds, variable } = shown;
  if (!ds || !variable) return;
  const [w, s, ea, n] = ds.bbox;
  if (ds.gridded === false || lon < w || lon > ea || lat < s || lat > n) return;
  hoverTimer = window.setTimeout(async () => {
    hoverAbort?.abort();
    hoverAbort = new AbortController();
    const p = new URLSearchParams({ lon: String(lon), lat: String(lat) });
    const { timeDim } = shown;
    if (st.time && timeDim && shown.variable!.dims.includes(timeDim)) p.set("time", st.time);
    for (const [d, v] of Object.entries(extraDims)) p.set(d, v);
    try {
      const r = await getJson<{ result: { value?: number } }>(
        api,
        `statistics/${encodeURIComponent(shown.ds!.id)}/${encodeURIComponent(shown.variable!.name)}?${p}`,
        { signal: hoverAbort.signal },
      );
      const v = r.result.value;
      $("mouse-info").textContent =
        `${where}  ${shown.variable!.name} = ${v === undefined ? "no data" : `${Number(v.toPrecision(5))} ${shown.variable!.units}`}`;
    } catch (err) {
      if ((err as Error).name !== "AbortError") $("mouse-info").textContent = `${where}  (value unavailable)`;
    }
  }, 250);
});
