// DOM shorthands of the viewer: an element by id, and filling a <select> with options.

/** The element with that id (the viewer's index.html has every id the modules ask for). */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Replaces the options of `sel` with `items` (value and visible label) and selects `selected` when given. */
export function setOptions(sel: HTMLSelectElement, items: { value: string; label: string }[], selected?: string): void {
  sel.innerHTML = "";
  for (const it of items) {
    const o = document.createElement("option");
    o.value = it.value;
    o.textContent = it.label;
    sel.appendChild(o);
  }
  if (selected !== undefined) sel.value = selected;
}
