// The colour legends under the colour controls: the shown variable's, and the split view's right variable's when
// it has colours of its own (images from /tiles/…/legend, min, max and units).
import { url } from "./api.js";
import { $ } from "./dom.js";
import { api, shown, st } from "./store.js";
import { styleParams } from "./style.js";

/** Redraws the legends from the state. */
export function updateLegend(): void {
  const { ds, variable, rightStyle } = shown;
  if (!ds || !variable) return;
  const p = new URLSearchParams(styleParams());
  p.set("width", "256");
  p.set("height", "12");
  ($("legend-img") as HTMLImageElement).src = url(
    api,
    `tiles/${encodeURIComponent(ds.id)}/${encodeURIComponent(variable.name)}/legend?${p}`,
  );
  $("legend-min").textContent = st.vmin !== undefined ? String(Number(st.vmin.toPrecision(4))) : "";
  $("legend-max").textContent = st.vmax !== undefined ? String(Number(st.vmax.toPrecision(4))) : "";
  $("legend-units").textContent = variable.units;
  // the split view's right variable has a legend of its own
  const v2 = st.split === "variable" && st.variable2 !== variable.name ? ds.variables.find((x) => x.name === st.variable2) : undefined;
  $("legend2").hidden = !v2;
  if (v2 && rightStyle?.variable === v2.name) {
    const p2 = new URLSearchParams(styleParams(v2));
    p2.set("width", "256");
    p2.set("height", "12");
    ($("legend2-img") as HTMLImageElement).src = url(api, `tiles/${encodeURIComponent(ds.id)}/${encodeURIComponent(v2.name)}/legend?${p2}`);
    ($("legend2-img") as HTMLImageElement).alt = `Colour legend of ${v2.name} (right side)`;
    $("legend2-min").textContent = String(Number(rightStyle.vmin.toPrecision(4)));
    $("legend2-max").textContent = String(Number(rightStyle.vmax.toPrecision(4)));
    $("legend2-units").textContent = `${v2.name} ${v2.units}`.trim();
  }
}
