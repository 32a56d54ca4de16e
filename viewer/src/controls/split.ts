// The split view controls: on/off, compare with another variable or another time, the right side's variable or
// time, and the swipe position.
import { $, setOptions } from "../dom.js";
import { map } from "../mapview.js";
import { showMessage } from "../messages.js";
import { render, shown, st } from "../store.js";
import { isFlagVariable } from "../style.js";
import { writeUrl } from "../url.js";

/** The right variable first offered: another variable that is not a flag, else any other, else the same. */
function defaultVariable2(): string | undefined {
  const others = shown.ds?.variables.filter((v) => v.name !== shown.variable?.name) ?? [];
  return (others.find((v) => !isFlagVariable(v)) ?? others[0])?.name ?? shown.variable?.name;
}

const splitBox = $<HTMLInputElement>("split");

/** Shows the state's split settings in the controls (and the shown dataset's variables and times as choices). */
export function syncSplitControls(): void {
  splitBox.checked = st.split !== "off";
  $("split-options").hidden = st.split === "off";
  ($("split-mode") as HTMLSelectElement).value = st.split === "time" ? "time" : "variable";
  $("var2-label").hidden = st.split !== "variable";
  $("time2-label").hidden = st.split !== "time";
  ($("swipe") as HTMLInputElement).value = String(st.swipe);
  if (shown.ds) {
    setOptions(
      $("variable2") as HTMLSelectElement,
      shown.ds.variables.map((v) => ({ value: v.name, label: v.title || v.name })),
      st.variable2 ?? shown.variable?.name,
    );
    setOptions(
      $("time2") as HTMLSelectElement,
      shown.times.map((t) => ({ value: t, label: t })),
      st.time2 ?? st.time,
    );
  }
}
splitBox.addEventListener("change", () => {
  st.split = splitBox.checked ? (($("split-mode") as HTMLSelectElement).value as "variable" | "time") : "off";
  if (st.split === "time" && shown.times.length === 0) st.split = "variable";
  if (st.split === "variable") st.variable2 ??= defaultVariable2();
  if (st.split === "time") st.time2 ??= shown.times[0];
  syncSplitControls();
  render();
});
$("split-mode").addEventListener("change", (e) => {
  st.split = (e.target as HTMLSelectElement).value as "variable" | "time";
  if (st.split === "time" && shown.times.length === 0) {
    showMessage("split", "This dataset has no time axis: compare another variable instead.", "info");
    st.split = "variable";
  }
  if (st.split === "variable") st.variable2 ??= defaultVariable2();
  if (st.split === "time") st.time2 ??= shown.times[0];
  syncSplitControls();
  render();
});
$("variable2").addEventListener("change", (e) => {
  st.variable2 = (e.target as HTMLSelectElement).value;
  render();
});
$("time2").addEventListener("change", (e) => {
  st.time2 = (e.target as HTMLSelectElement).value;
  render();
});
$("swipe").addEventListener("input", (e) => {
  st.swipe = Number((e.target as HTMLInputElement).value);
  $("swipe-bar").style.left = `${st.swipe}%`;
  map.render();
  writeUrl();
});
