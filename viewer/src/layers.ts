// The map's tile layers from the view state: the shown variable's tiles, the split view's right side (another
// variable with its own colours, or another time), the layer key tests wait on, the legend and the URL.
import { keepLogRangePositive } from "./controls/colour.js";
import { $ } from "./dom.js";
import { updateLegend } from "./legend.js";
import { tileSource, type TileQuery, type ViewProjection } from "./map.js";
import { abortTileLoads, dataLayer, map, mapEl, splitLayer, tileEvents, viewExtent } from "./mapview.js";
import { clearMessage } from "./messages.js";
import { api, on, shown, st } from "./store.js";
import { otherStyle, styleParams } from "./style.js";
import { writeUrl } from "./url.js";

/** The tile query of variable `varName` of the shown dataset at `time` (left out for variables without time). */
function layerQuery(varName: string, time: string | undefined): TileQuery {
  const { ds, timeDim } = shown;
  const v = ds!.variables.find((x) => x.name === varName) ?? shown.variable!;
  const params = styleParams(v);
  if (time && timeDim && v.dims.includes(timeDim)) params.time = time;
  return { base: api.base, dataset: ds!.id, variable: v.name, params, maxZoom: v.tileLevelMax ?? 0 };
}

/** Rebuilds the tile sources (after a change of dataset, variable, time, colour or projection). */
export function refreshLayers(): void {
  const { ds, variable } = shown;
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
  abortTileLoads();
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
  if (split && v2 !== variable.name && v2Info && shown.rightStyle?.variable !== v2) {
    // the right variable keeps its own colours: load its defaults first, then draw
    splitLayer.setSource(null);
    key += `|split:${v2}|pending`;
    const dsId = ds.id;
    void otherStyle(v2Info).then((s) => {
      if (shown.ds?.id !== dsId || st.split !== "variable" || (st.variable2 ?? shown.variable?.name) !== s.variable) return;
      shown.rightStyle = s;
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

on("render", refreshLayers);
