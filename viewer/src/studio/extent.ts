// The studio's extent map: the viewer's offline Natural Earth base map (basemap.ts) with the entity's bbox drawn on it.
import { Map as OlMap, View } from "ol";
import Feature from "ol/Feature.js";
import { fromExtent } from "ol/geom/Polygon.js";
import VectorLayer from "ol/layer/Vector.js";
import { fromLonLat, transformExtent } from "ol/proj.js";
import VectorSource from "ol/source/Vector.js";
import { Fill, Stroke, Style } from "ol/style.js";
import "ol/ol.css";
import { landCoarse, landDetail, loadBaseMapWhenIdle } from "../basemap.js";

const boxes = new VectorSource();
let map: OlMap | undefined;

/** Makes the extent map in `target` (EPSG:3857, whole world); the land is read once the map is idle. */
export function extentMap(target: HTMLElement): OlMap {
  map = new OlMap({
    target,
    layers: [
      landCoarse,
      landDetail,
      new VectorLayer({
        source: boxes,
        zIndex: 2,
        style: new Style({ stroke: new Stroke({ color: "#c0392b", width: 2 }), fill: new Fill({ color: "rgba(192,57,43,0.15)" }) }),
      }),
    ],
    view: new View({ center: fromLonLat([0, 20]), zoom: 0.5 }),
  });
  loadBaseMapWhenIdle(map, () => true, 500);
  return map;
}

/**
 * Draws `bbox` ([west, south, east, north] degrees, latitudes clamped to Web Mercator's ±85°) and fits the view to it;
 * without a bbox the map is emptied.
 */
export function showExtent(bbox: [number, number, number, number] | undefined): void {
  boxes.clear();
  const target = map?.getTargetElement();
  if (target) target.dataset.bbox = bbox ? bbox.join(",") : "";
  if (!map || !bbox) return;
  const clamped: [number, number, number, number] = [bbox[0], Math.max(bbox[1], -85), bbox[2], Math.min(bbox[3], 85)];
  const extent = transformExtent(clamped, "EPSG:4326", "EPSG:3857");
  boxes.addFeature(new Feature(fromExtent(extent)));
  map.updateSize();
  map.getView().fit(extent, { padding: [20, 20, 20, 20], maxZoom: 9 });
}
