// User variables (xcube's `name=expr`): an editor with spectral-index presets (NDVI, NDWI), checked by the
// server's /expressions/validate as one types; added variables join the dataset's variables (map, split view,
// time series, statistics: every route takes `name=expr` as the variable) and are kept in the URL (`uv.<ds>`).
import { ApiError, getJson, type DatasetInfo, type VariableInfo } from "../api.js";
import { $ } from "../dom.js";
import { api, shown, st } from "../store.js";

/** A spectral index preset: a name and an expression over band roles, filled with the dataset's band names. */
export interface Preset {
  id: string;
  label: string;
  name: string;
  /** The expression with roles in capitals (NIR, RED, GREEN). */
  template: string;
}

/** NDVI (vegetation) and NDWI (water, McFeeters 1996) as normalised differences of band reflectances. */
export const PRESETS: Preset[] = [
  { id: "ndvi", label: "NDVI: (NIR − red) / (NIR + red)", name: "ndvi", template: "(NIR - RED) / (NIR + RED)" },
  { id: "ndwi", label: "NDWI: (green − NIR) / (green + NIR)", name: "ndwi", template: "(GREEN - NIR) / (GREEN + NIR)" },
];

/** Band names of each role, by the common product conventions (Sentinel-2, Landsat, OLCI, generic). */
const ROLES: Record<string, RegExp[]> = {
  NIR: [/^B0?8A?$/i, /^B0?5$/i, /^(nir|near_?infrared)$/i, /^(rrs|rtoa|rho\w*)_?(17|865)$/i, /^band_?4$/i, /nir/i],
  RED: [/^B0?4$/i, /^(red)$/i, /^(rrs|rtoa|rho\w*)_?(8|665)$/i, /^band_?[13]$/i, /red/i],
  GREEN: [/^B0?3$/i, /^(green)$/i, /^(rrs|rtoa|rho\w*)_?(6|560)$/i, /^band_?2$/i, /green/i],
};

/** A preset's expression with the dataset's band names (the first variables where no band matches a role). */
export function presetExpression(p: Preset, names: string[]): string {
  const used = new Set<string>();
  return p.template.replace(/\b(NIR|RED|GREEN)\b/g, (role) => {
    const pick = ROLES[role]!.map((re) => names.find((n) => re.test(n) && !used.has(n))).find((n) => n !== undefined);
    const name = pick ?? names.find((n) => !used.has(n)) ?? role.toLowerCase();
    used.add(name);
    return name;
  });
}

/** The user variables of a dataset (`name=expr`), from the URL state. */
export function userVariablesOf(datasetId: string): string[] {
  return st.uservars?.[datasetId] ?? [];
}

/** Splits `name=expr` (the name before the first `=`). */
export function splitAssignment(a: string): { name: string; expression: string } {
  const i = a.indexOf("=");
  return { name: a.slice(0, i).trim(), expression: a.slice(i + 1).trim() };
}

/**
 * The description of a user variable for the viewer: its `name` is the whole `name=expr` (what every route
 * takes), dims and shape those of the dataset variable with most dims among those the expression names.
 */
export function userVariableInfo(info: DatasetInfo, assignment: string): VariableInfo | undefined {
  const { name, expression } = splitAssignment(assignment);
  const words = new Set(expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  const inputs = info.variables.filter((v) => words.has(v.name) && v.expression === undefined);
  const like = inputs.sort((a, b) => b.dims.length - a.dims.length)[0];
  if (!like) return undefined;
  return {
    ...like,
    id: `${info.id}.${name}`,
    name: assignment,
    title: name,
    units: "",
    description: expression,
    expression,
    dtype: "float64",
    colorBarName: "viridis",
    colorBarMin: 0,
    colorBarMax: 1,
    colorBarNorm: "lin",
    attrs: {},
  };
}

/** Adds the dataset's user variables of the URL state to its variables (call once a description arrives). */
export function addUserVariables(info: DatasetInfo): void {
  for (const a of userVariablesOf(info.id)) {
    if (info.variables.some((v) => v.name === a)) continue;
    const v = userVariableInfo(info, a);
    if (v) info.variables.push(v);
  }
}

/** The label of a variable in the pickers: title (name), user variables as `name = expression`. */
export function variableLabel(v: VariableInfo): string {
  if (v.expression !== undefined) return `${v.title} = ${v.expression} (user)`;
  return v.title && v.title !== v.name ? `${v.title} (${v.name})` : v.name;
}

/** The server's verdict on an expression for a dataset: undefined when valid, else the problem in words. */
export async function validateExpression(datasetId: string, expression: string, signal?: AbortSignal): Promise<string | undefined> {
  if (expression.trim() === "") return "Write an expression.";
  try {
    await getJson(api, `expressions/validate/${encodeURIComponent(datasetId)}/${encodeURIComponent(expression)}`, signal ? { signal } : {});
    return undefined;
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return err.message.replace(/ \(\/?expressions\/validate.*\)$/, "");
    throw err;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- the editor (built here: index.html needs no change) ----

const box = document.createElement("fieldset");
box.id = "uservars";
box.innerHTML = `<legend>User variables</legend>
<label>Preset <select id="uv-preset" aria-label="Preset"><option value="">—</option>${PRESETS.map((p) => `<option value="${p.id}">${p.label}</option>`).join("")}</select></label>
<label>Name <input type="text" id="uv-name" spellcheck="false" autocomplete="off" placeholder="chl_ratio" /></label>
<label>Expression <textarea id="uv-expr" rows="2" spellcheck="false" placeholder="conc_chl / (conc_tsm + 1)"></textarea></label>
<p id="uv-status" class="note" aria-live="polite"></p>
<div class="row"><button type="button" id="uv-add" disabled>Add and show</button></div>
<ul id="uv-list" class="uv-list"></ul>`;
$("panel").appendChild(box);

const nameIn = $<HTMLInputElement>("uv-name");
const exprIn = $<HTMLTextAreaElement>("uv-expr");
const status = $("uv-status");
const addBtn = $<HTMLButtonElement>("uv-add");
let checking: AbortController | undefined;
let timer: number | undefined;
let verdict: string | undefined = "";

/** The problem with the edited name, if any. */
function nameProblem(): string | undefined {
  const n = nameIn.value.trim();
  if (!IDENTIFIER.test(n)) return "The name must be an identifier (letters, digits, _).";
  if (shown.ds?.variables.some((v) => (v.expression !== undefined ? splitAssignment(v.name).name : v.name) === n))
    return `The name ${n} is taken.`;
  return undefined;
}

function update(): void {
  const np = nameIn.value.trim() === "" ? "Give the variable a name." : nameProblem();
  status.textContent = verdict === "" ? "Checking…" : (verdict ?? np ?? "✓ The expression is valid.");
  status.dataset.state = verdict === "" ? "checking" : verdict || np ? "invalid" : "valid";
  addBtn.disabled = verdict !== undefined || np !== undefined;
}

/** Checks the expression with the server, 400 ms after the last keystroke. */
function scheduleCheck(): void {
  window.clearTimeout(timer);
  checking?.abort();
  verdict = "";
  update();
  const ds = shown.ds?.id;
  const text = exprIn.value;
  if (!ds) return;
  timer = window.setTimeout(() => {
    const ac = new AbortController();
    checking = ac;
    validateExpression(ds, text, ac.signal).then(
      (v) => {
        if (ac.signal.aborted) return;
        verdict = v;
        update();
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        verdict = `The expression could not be checked: ${(err as Error).message}`;
        update();
      },
    );
  }, 400);
}

nameIn.addEventListener("input", update);
exprIn.addEventListener("input", scheduleCheck);
$<HTMLSelectElement>("uv-preset").addEventListener("change", (e) => {
  const p = PRESETS.find((x) => x.id === (e.target as HTMLSelectElement).value);
  if (!p || !shown.ds) return;
  const bands = shown.ds.variables.filter((v) => v.expression === undefined).map((v) => v.name);
  exprIn.value = presetExpression(p, bands);
  if (nameIn.value.trim() === "" || nameProblem()) nameIn.value = p.name;
  scheduleCheck();
});

/** Rebuilds the variable pickers' options (main and split view) after the dataset's variables changed. */
function refreshPickers(): void {
  const vars = shown.ds?.variables ?? [];
  for (const id of ["variable", "variable2"]) {
    const sel = document.getElementById(id) as HTMLSelectElement | null;
    if (!sel) continue;
    const value = sel.value;
    sel.innerHTML = "";
    for (const v of vars) {
      const o = document.createElement("option");
      o.value = v.name;
      o.textContent = variableLabel(v);
      sel.appendChild(o);
    }
    sel.value = value;
  }
  renderList();
}

/** Shows a variable by setting the variable picker (its change handler does the rest). */
function show(name: string): void {
  const sel = $<HTMLSelectElement>("variable");
  sel.value = name;
  sel.dispatchEvent(new Event("change"));
}

addBtn.addEventListener("click", () => {
  const ds = shown.ds;
  if (!ds || addBtn.disabled) return;
  const assignment = `${nameIn.value.trim()}=${exprIn.value.trim().replace(/\s+/g, " ")}`;
  const info = userVariableInfo(ds, assignment);
  if (!info) {
    status.textContent = "The expression names no variable of this dataset.";
    return;
  }
  st.uservars = { ...(st.uservars ?? {}), [ds.id]: [...userVariablesOf(ds.id), assignment] };
  ds.variables.push(info);
  nameIn.value = "";
  exprIn.value = "";
  verdict = "";
  refreshPickers();
  show(assignment);
  update();
});

/** Lists the dataset's user variables, each with Show and Remove. */
function renderList(): void {
  const list = $("uv-list");
  list.innerHTML = "";
  const ds = shown.ds;
  if (!ds) return;
  for (const a of userVariablesOf(ds.id)) {
    const { name, expression } = splitAssignment(a);
    const li = document.createElement("li");
    const label = document.createElement("code");
    label.textContent = `${name} = ${expression}`;
    const showBtn = document.createElement("button");
    showBtn.type = "button";
    showBtn.textContent = "Show";
    showBtn.addEventListener("click", () => show(a));
    const rm = document.createElement("button");
    rm.type = "button";
    rm.textContent = "Remove";
    rm.setAttribute("aria-label", `Remove ${name}`);
    rm.addEventListener("click", () => {
      st.uservars = { ...(st.uservars ?? {}), [ds.id]: userVariablesOf(ds.id).filter((x) => x !== a) };
      ds.variables = ds.variables.filter((v) => v.name !== a);
      const wasShown = st.variable === a;
      refreshPickers();
      if (wasShown && ds.variables[0]) show(ds.variables[0].name);
    });
    li.append(label, " ", showBtn, " ", rm);
    list.appendChild(li);
  }
}

/** Called by the dataset picker once a dataset is shown: its user variables listed, the editor re-checked. */
export function onDatasetShown(): void {
  renderList();
  if (exprIn.value.trim() !== "") scheduleCheck();
  else {
    verdict = "";
    status.textContent = "";
    addBtn.disabled = true;
  }
}
