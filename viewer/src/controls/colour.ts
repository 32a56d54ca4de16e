// The colour controls: colour bar picker with previews (from /colorbars), min/max, log scale, reversed, opacity;
// a log scale keeps its range above 0.
import { describeError, getJson, type ColorBars } from "../api.js";
import { $ } from "../dom.js";
import { dataLayer, splitLayer } from "../mapview.js";
import { clearMessage, showMessage } from "../messages.js";
import { api, render, st } from "../store.js";
import { cmapName } from "../style.js";
import { writeUrl } from "../url.js";

const cmapSel = $<HTMLSelectElement>("cmap");

/** Loads the colour bars into the picker and the preview list; a failure is a message. */
export async function loadColorBars(): Promise<void> {
  try {
    const bars = await getJson<ColorBars>(api, "colorbars");
    cmapSel.innerHTML = "";
    const list = $("cmap-preview-list");
    list.innerHTML = "";
    for (const [cat, desc, names] of bars) {
      const g = document.createElement("optgroup");
      g.label = cat;
      const head = document.createElement("div");
      head.className = "cat";
      head.textContent = cat;
      head.title = desc;
      list.appendChild(head);
      for (const [name, png] of names) {
        const o = document.createElement("option");
        o.value = name;
        o.textContent = name;
        g.appendChild(o);
        const item = document.createElement("div");
        item.setAttribute("role", "option");
        item.dataset.cmap = name;
        item.innerHTML = `<img alt="" src="data:image/png;base64,${png}"><span>${name}</span>`;
        item.addEventListener("click", () => selectCmap(name));
        list.appendChild(item);
      }
      cmapSel.appendChild(g);
    }
    syncColourControls();
  } catch (err) {
    showMessage("colorbars", `Colour bars could not be loaded: ${describeError(err)}`);
  }
}

function selectCmap(name: string): void {
  st.cmap = name;
  syncColourControls();
  render();
}
cmapSel.addEventListener("change", () => selectCmap(cmapSel.value));
$("cmap-preview-list").addEventListener("keydown", (e) => {
  const names = [...cmapSel.options].map((o) => o.value);
  const i = names.indexOf(cmapName().replace(/_r$/, ""));
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    const n = names[Math.max(0, Math.min(names.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
    if (n) selectCmap(n);
  }
});

/** Shows the state's colour settings in the controls (colour bar, preview selection, min, max, log, reversed, opacity). */
export function syncColourControls(): void {
  const base = cmapName().replace(/_r$/, "");
  if ([...cmapSel.options].some((o) => o.value === base)) cmapSel.value = base;
  else if (base) {
    const o = document.createElement("option");
    o.value = base;
    o.textContent = base;
    cmapSel.appendChild(o);
    cmapSel.value = base;
  }
  for (const el of $("cmap-preview-list").querySelectorAll<HTMLElement>("[role=option]")) {
    const sel = el.dataset.cmap === base;
    el.setAttribute("aria-selected", String(sel));
    if (sel) el.scrollIntoView({ block: "nearest" });
  }
  ($("vmin") as HTMLInputElement).value = st.vmin !== undefined ? String(st.vmin) : "";
  ($("vmax") as HTMLInputElement).value = st.vmax !== undefined ? String(st.vmax) : "";
  ($("log") as HTMLInputElement).checked = st.log;
  ($("reversed") as HTMLInputElement).checked = st.reversed;
  ($("opacity") as HTMLInputElement).value = String(st.opacity);
}

/**
 * A log scale needs a range above 0 (the server refuses norm=log with vmin ≤ 0): a min ≤ 0 becomes
 * max / 1000; a max ≤ 0 turns the log scale off. Says what it changed.
 */
export function keepLogRangePositive(): void {
  if (!st.log || st.vmin === undefined || st.vmin > 0) return;
  if (st.vmax !== undefined && st.vmax > 0) {
    const old = st.vmin;
    st.vmin = Number((st.vmax / 1000).toPrecision(2));
    showMessage("range", `A log scale needs a min above 0: the min ${old} became ${st.vmin}.`, "info");
  } else {
    st.log = false;
    showMessage("range", `A log scale needs a range above 0 (the max is ${st.vmax ?? "unset"}): the scale stays linear.`, "info");
  }
  syncColourControls();
}

function onRangeChange(): void {
  const a = Number(($("vmin") as HTMLInputElement).value);
  const b = Number(($("vmax") as HTMLInputElement).value);
  if (
    !Number.isFinite(a) ||
    !Number.isFinite(b) ||
    ($("vmin") as HTMLInputElement).value === "" ||
    ($("vmax") as HTMLInputElement).value === ""
  ) {
    showMessage("range", "Enter numbers for the colour range's min and max.");
    return;
  }
  if (a >= b) {
    showMessage("range", `The colour range's min (${a}) must be below its max (${b}).`);
    return;
  }
  if (st.log && a <= 0) {
    showMessage("range", `A log scale needs a min above 0 (you entered ${a}); turn the log scale off for this range.`);
    return;
  }
  clearMessage("range");
  st.vmin = a;
  st.vmax = b;
  render();
}
$("vmin").addEventListener("change", onRangeChange);
$("vmax").addEventListener("change", onRangeChange);
$("log").addEventListener("change", (e) => {
  st.log = (e.target as HTMLInputElement).checked;
  if (!st.log) clearMessage("range");
  render();
});
$("reversed").addEventListener("change", (e) => {
  st.reversed = (e.target as HTMLInputElement).checked;
  render();
});
$("opacity").addEventListener("input", (e) => {
  st.opacity = Number((e.target as HTMLInputElement).value);
  dataLayer.setOpacity(st.opacity);
  splitLayer.setOpacity(st.opacity);
  writeUrl();
});
