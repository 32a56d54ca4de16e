// The dataset and variable pickers and a picker per other dimension (level, band, …): the dataset list (grouped),
// the link's dataset/variable/dimension labels restored or replaced with a note, and each choice's defaults (time
// step, colour range, view).
import { fromLonLat } from "ol/proj.js";
import { describeError, getJson, type DatasetInfo } from "../api.js";
import { $, setOptions } from "../dom.js";
import { fitDataset, map, mapEl, outlineFor } from "../mapview.js";
import { clearMessage, showMessage } from "../messages.js";
import { api, extraDims, render, requested, shown, st } from "../store.js";
import { isFlagVariable, statisticsRange } from "../style.js";
import { syncColourControls } from "./colour.js";
import { syncSplitControls } from "./split.js";
import { addUserVariables, onDatasetShown, variableLabel } from "./uservars.js";
import { nearestTimeIndex, setTimeIndex, stopPlay } from "./time.js";

const dsSel = $<HTMLSelectElement>("dataset");
const varSel = $<HTMLSelectElement>("variable");

/** The served datasets; `groupTitle` as xcube's server gives it (eocube's server leaves it out). */
let datasets: { id: string; title: string; groupTitle?: string }[] = [];

/** Loads the dataset list; restores the dataset of the URL or takes the first. */
export async function init(): Promise<void> {
  clearMessage("server");
  // the linked dataset's description is asked for at once, beside the list (one round trip less)
  const early =
    requested.dataset !== undefined ? getJson<DatasetInfo>(api, `datasets/${encodeURIComponent(requested.dataset)}`) : undefined;
  early?.catch(() => undefined);
  try {
    const r = await getJson<{ datasets: { id: string; title: string }[] }>(api, "datasets");
    datasets = r.datasets;
  } catch (err) {
    showMessage("server", `The dataset list could not be loaded. ${describeError(err)}`, "error", {
      label: "Retry",
      run: () => void init(),
    });
    return;
  }
  if (datasets.length === 0) {
    showMessage("server", "This server serves no datasets.", "info");
    return;
  }
  setDatasetOptions();
  let id = requested.dataset;
  if (id !== undefined && !datasets.some((d) => d.id === id)) {
    showMessage(
      "dataset",
      `The dataset "${id}" named in the link is not served here; showing "${datasets[0]!.title || datasets[0]!.id}" instead.`,
    );
    id = undefined;
    requested.variable = undefined;
    st.time = undefined;
    requested.center = undefined;
    requested.dims = undefined;
  }
  await selectDataset(id ?? datasets[0]!.id, {
    keepView: id !== undefined && requested.center !== undefined,
    ...(id !== undefined && early ? { info: early } : {}),
  });
}

/**
 * The dataset picker: titles, grouped by the server's groupTitle, else by the data store of
 * `<store>~<data id>` identifiers (datasets of a DataStores entry); ungrouped datasets come first.
 */
function setDatasetOptions(): void {
  const groupOf = (d: (typeof datasets)[number]) => d.groupTitle || (d.id.includes("~") ? d.id.slice(0, d.id.indexOf("~")) : undefined);
  const labelOf = (d: (typeof datasets)[number]) => d.title || d.id;
  if (!datasets.some((d) => groupOf(d) !== undefined)) {
    setOptions(
      dsSel,
      datasets.map((d) => ({ value: d.id, label: labelOf(d) })),
    );
    return;
  }
  dsSel.innerHTML = "";
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const d of datasets) {
    const o = new Option(labelOf(d), d.id);
    const g = groupOf(d);
    if (g === undefined) {
      dsSel.insertBefore(o, dsSel.querySelector("optgroup"));
      continue;
    }
    let og = groups.get(g);
    if (!og) {
      og = document.createElement("optgroup");
      og.label = g;
      groups.set(g, og);
      dsSel.appendChild(og);
    }
    og.appendChild(o);
  }
}

/** The note for a dataset without a regular grid. */
export function noGridText(d: DatasetInfo): string {
  return `"${d.title || d.id}" has no regular grid (a swath or station data): the map shows its outline only, without tiles, values or time series.`;
}

function isTimeDim(d: { name: string; dtype: string; coordinates: unknown[] }): boolean {
  return d.dtype.startsWith("datetime") || (d.name === "time" && typeof d.coordinates[0] === "string");
}

/** Shows dataset `id` (its description `info` when already asked for): time axis, variables, outline, view. */
async function selectDataset(id: string, opts: { keepView?: boolean; info?: Promise<DatasetInfo> } = {}): Promise<void> {
  stopPlay();
  dsSel.value = id;
  mapEl.dataset.dataset = "loading";
  let info: DatasetInfo;
  try {
    info = await (opts.info ?? getJson<DatasetInfo>(api, `datasets/${encodeURIComponent(id)}`));
  } catch (err) {
    mapEl.dataset.dataset = "failed";
    showMessage("dataset-fail", `The dataset "${id}" could not be opened. ${describeError(err)}`, "error", {
      label: "Retry",
      run: () => void selectDataset(id, { ...opts, info: undefined }),
    });
    return;
  }
  clearMessage("dataset-fail");
  addUserVariables(info);
  shown.ds = info;
  shown.rightStyle = undefined;
  st.dataset = id;
  const td = info.dimensions.find(isTimeDim);
  shown.timeDim = td?.name;
  shown.times = td ? td.coordinates.map(String) : [];
  shown.timeMs = shown.times.map((t) => Date.parse(t));
  for (const k of Object.keys(extraDims)) delete extraDims[k];
  setOptions(
    varSel,
    info.variables.map((v) => ({ value: v.name, label: variableLabel(v) })),
  );
  onDatasetShown();
  if (info.variables.length === 0) {
    showMessage("dataset", `The dataset "${id}" has no variables that can be shown on a map.`, "info");
    shown.variable = undefined;
    render();
    return;
  }
  let vname = requested.variable;
  requested.variable = undefined;
  if (vname !== undefined && !info.variables.some((v) => v.name === vname)) {
    showMessage("variable", `The variable "${vname}" is not in dataset "${id}"; showing "${info.variables[0]!.name}" instead.`);
    vname = undefined;
  }
  if (info.gridded === false) showMessage("no-grid", noGridText(info), "info");
  else clearMessage("no-grid");
  outlineFor();
  if (!opts.keepView) fitDataset();
  else if (requested.center) {
    map.getView().setCenter(fromLonLat(requested.center, map.getView().getProjection()));
    if (requested.zoom !== undefined) map.getView().setZoom(requested.zoom);
  }
  const preferred = info.variables.find((v) => !isFlagVariable(v)) ?? info.variables[0]!;
  await selectVariable(vname ?? preferred.name, { keepColour: opts.keepView === true || requested.dataset === id });
  requested.dataset = undefined;
}

/** Shows variable `name` of the shown dataset: its time step, other dimensions and colours (kept with `keepColour`). */
async function selectVariable(name: string, opts: { keepColour?: boolean } = {}): Promise<void> {
  if (!shown.ds) return;
  stopPlay();
  varSel.value = name;
  const variable = shown.ds.variables.find((v) => v.name === name)!;
  shown.variable = variable;
  st.variable = name;
  clearMessage("series");
  const { times, timeDim } = shown;
  // time: keep the URL's time when it is on the axis, else the newest step
  if (times.length > 0 && variable.dims.includes(timeDim!)) {
    const want = st.time ? times.indexOf(st.time) : -1;
    let i = want >= 0 ? want : times.length - 1;
    if (st.time && want < 0) {
      const ms = Date.parse(st.time);
      if (Number.isFinite(ms)) i = nearestTimeIndex(ms);
      else showMessage("time", `The time "${st.time}" in the link is not a date; showing the newest step.`, "info");
    }
    ($("time-slider") as HTMLInputElement).max = String(times.length - 1);
    setTimeIndex(i, { fromUser: false });
    $("time-controls")
      .querySelectorAll<HTMLElement>("input, button")
      .forEach((el) => {
        (el as HTMLButtonElement).disabled = false;
      });
    $("no-time").hidden = true;
  } else {
    st.time = undefined;
    $("time-label").textContent = "–";
    $("time-controls")
      .querySelectorAll<HTMLElement>("input, button")
      .forEach((el) => {
        (el as HTMLButtonElement).disabled = true;
      });
    $("no-time").hidden = false;
  }
  // other non-spatial dimensions: first label (a picker is shown for each)
  renderExtraDims();
  if (!opts.keepColour) {
    st.cmap = undefined;
    st.vmin = undefined;
    st.vmax = undefined;
    st.log = false;
    st.reversed = false;
  }
  let base = st.cmap ?? variable.colorBarName;
  if (base.endsWith("_r") && st.cmap === undefined) {
    base = base.slice(0, -2);
    st.reversed = !st.reversed;
  }
  st.cmap = base;
  if (st.vmin === undefined || st.vmax === undefined) {
    const range = await statisticsRange(variable);
    // after the wait, the shown variable (another one may have been picked meanwhile)
    const now = shown.variable!;
    const r = range ?? [Number(now.colorBarMin.toPrecision(6)), Number(now.colorBarMax.toPrecision(6))];
    st.vmin ??= r[0];
    st.vmax ??= r[1];
  }
  if (!opts.keepColour) st.log = shown.variable!.colorBarNorm === "log";
  syncColourControls();
  syncSplitControls();
  render();
}

/** A picker per dimension of the shown variable other than time and space (the link's label, else the first). */
function renderExtraDims(): void {
  const box = $("extra-dims");
  box.innerHTML = "";
  const { ds, variable } = shown;
  if (!ds || !variable) return;
  const spatial = variable.dims.slice(-2);
  for (const d of variable.dims) {
    if (d === shown.timeDim || spatial.includes(d)) continue;
    const info = ds.dimensions.find((x) => x.name === d);
    const labels = info ? info.coordinates.map(String) : ["0"];
    const linked = requested.dims?.[d];
    if (linked !== undefined) {
      delete requested.dims![d];
      if (labels.includes(linked)) extraDims[d] = linked;
      else
        showMessage(
          `dim-${d}`,
          `The ${d} "${linked}" in the link is not one of the dataset's (${labels.slice(0, 5).join(", ")}${labels.length > 5 ? ", …" : ""}); showing ${labels[0]}.`,
          "info",
        );
    }
    extraDims[d] ??= labels[0]!;
    const lab = document.createElement("label");
    lab.textContent = `${d} `;
    const sel = document.createElement("select");
    setOptions(
      sel,
      labels.map((l) => ({ value: l, label: l })),
      extraDims[d],
    );
    sel.addEventListener("change", () => {
      extraDims[d] = sel.value;
      render();
    });
    lab.appendChild(sel);
    box.appendChild(lab);
  }
}

dsSel.addEventListener("change", () => {
  st.time = undefined;
  st.split = "off";
  void selectDataset(dsSel.value);
});
varSel.addEventListener("change", () => void selectVariable(varSel.value));
$("zoom-to").addEventListener("click", fitDataset);
