// The server's place groups (xcube's `PlaceGroups`): the picker lists GET /places, the chosen group's places
// (GET /places/{group}) are drawn and labelled on the map and listed as buttons; a place clicked on the map or in the
// list gives its time series as a drawn point or polygon does. The group is kept in the URL (`places=`).
import type { Feature } from "ol";
import GeoJSON from "ol/format/GeoJSON.js";
import type { Geometry as OlGeometry } from "ol/geom.js";
import { ApiError, describeError, getJson } from "../api.js";
import { $, setOptions } from "../dom.js";
import { map, mapEl, placeGroupSource } from "../mapview.js";
import { clearMessage, showMessage } from "../messages.js";
import { api, st } from "../store.js";
import { writeUrl } from "../url.js";
import { addSeries, onPlaceClick } from "./series.js";

/** A place group as GET /places lists it (xcube's shape; features are left out there). */
interface PlaceGroupInfo {
  id: string;
  title?: string;
}

/** A GeoJSON feature of a place group. */
interface PlaceFeature {
  type: "Feature";
  id?: string | number;
  geometry: { type: string; coordinates?: unknown } | null;
  properties?: Record<string, unknown> | null;
}

/** xcube's property names of a place's label, in the order xcube-viewer tries them (any case). */
const LABEL_PROPERTIES = ["label", "title", "name", "id"];

/** The label of a place: its label/title/name/id property (as xcube-viewer picks it), else its feature id. */
export function placeLabel(f: PlaceFeature): string {
  const props = f.properties ?? {};
  for (const name of LABEL_PROPERTIES) {
    const key = Object.keys(props).find((k) => k.toLowerCase() === name);
    const v = key === undefined ? undefined : props[key];
    if (v !== undefined && v !== null && String(v) !== "") return String(v);
  }
  return f.id !== undefined ? String(f.id) : "place";
}

const groupSel = $<HTMLSelectElement>("place-group");
const list = $<HTMLUListElement>("place-list");
let groups: PlaceGroupInfo[] = [];
/** Aborts the loading of the group shown before. */
let loading = new AbortController();

/** The series of `f` (a feature of the place-group layer): a point series for points, else an area series. */
function seriesOf(f: Feature<OlGeometry>): void {
  const g = f.getGeometry();
  if (!g) return;
  const lonLat = new GeoJSON().writeGeometryObject(g, { featureProjection: map.getView().getProjection(), dataProjection: "EPSG:4326" });
  const kind = g.getType() === "Point" ? "point" : "polygon";
  if (kind === "polygon" && g.getType() !== "Polygon" && g.getType() !== "MultiPolygon") {
    showMessage(
      "series",
      `The place "${f.get("placeLabel")}" is a ${g.getType()}: time series are made for points and areas only.`,
      "info",
    );
    return;
  }
  const marker = f.clone();
  marker.setGeometry(g.clone());
  void addSeries(kind, lonLat as { type: string; coordinates: unknown }, marker, String(f.get("placeLabel")));
}
onPlaceClick(seriesOf);

/** Shows place group `id` ("" for none): its places on the map and in the list. */
async function showGroup(id: string): Promise<void> {
  loading.abort();
  loading = new AbortController();
  const signal = loading.signal;
  groupSel.value = id;
  placeGroupSource.clear();
  list.innerHTML = "";
  if (id) st.placeGroup = id;
  else delete st.placeGroup;
  mapEl.dataset.placeGroup = id;
  mapEl.dataset.placeCount = "0";
  writeUrl();
  if (!id) return;
  let features: PlaceFeature[];
  try {
    const r = await getJson<{ places?: { features?: PlaceFeature[] }; features?: PlaceFeature[] }>(
      api,
      `places/${encodeURIComponent(id)}`,
      {
        signal,
      },
    );
    features = (r.places?.features ?? r.features ?? []).filter((f) => f.geometry);
  } catch (err) {
    if (signal.aborted) return;
    showMessage("places", `The places of "${id}" could not be loaded. ${describeError(err)}`);
    return;
  }
  clearMessage("places");
  const format = new GeoJSON();
  const proj = map.getView().getProjection();
  for (const pf of features) {
    const f = format.readFeature(pf, { dataProjection: "EPSG:4326", featureProjection: proj }) as Feature<OlGeometry>;
    f.set("placeLabel", placeLabel(pf));
    placeGroupSource.addFeature(f);
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "linklike";
    b.textContent = placeLabel(pf);
    b.title = `Time series at ${placeLabel(pf)}`;
    b.addEventListener("click", () => seriesOf(f));
    li.appendChild(b);
    list.appendChild(li);
  }
  mapEl.dataset.placeCount = String(features.length);
  if (features.length === 0) showMessage("places", `The place group "${id}" has no places.`, "info");
}

/** Lists the server's place groups and shows the one of the link. */
async function initPlaces(): Promise<void> {
  try {
    groups = (await getJson<{ placeGroups?: PlaceGroupInfo[] }>(api, "places")).placeGroups ?? [];
  } catch (err) {
    // a server without place groups (404) leaves the control out; other failures are told
    if (!(err instanceof ApiError && err.status === 404))
      showMessage("places", `The place groups could not be listed. ${describeError(err)}`);
    groups = [];
  }
  $("places-controls").hidden = groups.length === 0;
  setOptions(groupSel, [{ value: "", label: "None" }, ...groups.map((g) => ({ value: g.id, label: g.title || g.id }))]);
  const wanted = st.placeGroup;
  if (wanted !== undefined && !groups.some((g) => g.id === wanted)) {
    showMessage("places", `The place group "${wanted}" named in the link is not served here.`, "info");
    delete st.placeGroup;
    writeUrl();
    return;
  }
  if (wanted) await showGroup(wanted);
}

groupSel.addEventListener("change", () => void showGroup(groupSel.value));
$("places-controls").hidden = true;
void initPlaces();
