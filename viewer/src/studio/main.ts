// The studio page: the catalog browser (search, facets, entity pages with their extent map) and the publishing form
// (dataset read through the server, live checks shown next to each field, files and diff, publication).
import { parse as parseYaml } from "yaml";
import { extentMap, showExtent } from "./extent.js";
import "./studio.css";

// biome-ignore lint/suspicious/noExplicitAny: the studio API's JSON answers, read field by field
type Json = Record<string, any>;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const api = (path: string) => new URL(`../studio/api/${path}`, location.href).toString();

async function getJson(path: string): Promise<Json> {
  const r = await fetch(api(path));
  const body = await r.json();
  if (!r.ok) throw new Error(body.message ?? r.statusText);
  return body;
}

async function postJson(path: string, body: unknown): Promise<{ ok: boolean; body: Json }> {
  const r = await fetch(api(path), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { ok: r.ok, body: await r.json() };
}

const el = (tag: string, attrs: Record<string, string> = {}, text?: string) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

let summary: Json = {};
/** Sequence numbers of the last search and check: an answer to an older one is dropped. */
let searchSeq = 0;
let checkSeq = 0;
let offset = 0;
const PAGE = 50;

// ---- browse ----

function fillSelect(id: string, values: Record<string, number>, titles: Record<string, string>): void {
  const sel = $<HTMLSelectElement>(id);
  const keep = sel.value;
  sel.replaceChildren(el("option", { value: "" }, "any"));
  for (const [v, n] of Object.entries(values).sort((a, b) => (titles[a[0]] ?? a[0]).localeCompare(titles[b[0]] ?? b[0])))
    sel.append(el("option", { value: v }, `${titles[v] ?? v} (${n})`));
  sel.value = keep;
}

async function search(): Promise<void> {
  const p = new URLSearchParams({ kind: $<HTMLSelectElement>("kind").value, limit: String(PAGE), offset: String(offset) });
  const add = (k: string, id: string) => {
    const v = ($(id) as HTMLInputElement).value.trim();
    if (v) p.set(k, v);
  };
  add("q", "q");
  add("theme", "f-theme");
  add("variable", "f-variable");
  add("mission", "f-mission");
  add("project", "f-project");
  add("bbox", "bbox");
  add("start", "start");
  add("end", "end");
  const t0 = performance.now();
  const seq = ++searchSeq;
  let res: Json;
  try {
    res = await getJson(`search?${p}`);
  } catch (err) {
    if (seq === searchSeq) $("total").textContent = (err as Error).message;
    return;
  }
  if (seq !== searchSeq) return; // a newer search is under way
  $("search-ms").textContent = `${Math.round(performance.now() - t0)} ms`;
  $("total").textContent = `${res.total} ${res.total === 1 ? "result" : "results"}`;
  const t = summary.titles ?? {};
  fillSelect("f-theme", res.facets.theme, t.theme ?? {});
  fillSelect("f-variable", res.facets.variable, t.variable ?? {});
  fillSelect("f-mission", res.facets.mission, t.mission ?? {});
  fillSelect("f-project", res.facets.project, t.project ?? {});
  const list = $("results");
  list.replaceChildren(
    ...res.hits.map((h: Json) => {
      const li = el("li", { "data-id": h.id, "data-kind": h.kind });
      const a = el("a", { href: `#${h.kind}/${h.id}` }, h.title);
      li.append(a, el("p", { class: "note" }, h.description));
      return li;
    }),
  );
  $<HTMLButtonElement>("prev-page").disabled = offset === 0;
  $<HTMLButtonElement>("next-page").disabled = offset + PAGE >= res.total;
  document.body.dataset.searched = String(Number(document.body.dataset.searched ?? 0) + 1);
}

async function showEntity(kind: string, id: string): Promise<void> {
  let e: Json;
  try {
    e = await getJson(`entity/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`);
  } catch (err) {
    $("total").textContent = (err as Error).message;
    return;
  }
  $("detail").hidden = false;
  $("d-kind").textContent = e.kind;
  $("d-path").textContent = e.path;
  $("d-title").textContent = e.title;
  $("d-description").textContent = e.description;
  const dl = $("d-fields");
  dl.replaceChildren();
  const field = (name: string, value: string | undefined, entityKind?: string, ids?: string[]) => {
    if (!value && !ids?.length) return;
    dl.append(el("dt", {}, name));
    const dd = el("dd");
    if (entityKind && ids) for (const i of ids) dd.append(el("a", { href: `#${entityKind}/${i}` }, i), " ");
    else dd.textContent = value ?? "";
    dl.append(dd);
  };
  field("Themes", undefined, "theme", e.themes);
  field("Variables", undefined, "variable", e.variables);
  field("EO missions", undefined, "eo-mission", e.missions);
  if (e.project) field("Project", undefined, "project", [e.project]);
  if (e.workflow) field("Workflow", undefined, "workflow", [e.workflow]);
  field("Status", e.status);
  field("Keywords", (e.keywords ?? []).join(", "));
  if (e.bbox) field("Bbox", e.bbox.map((x: number) => x.toFixed(3)).join(", "));
  if (e.time) field("Time", `${e.time[0] ?? "…"} – ${e.time[1] ?? "…"}`);
  // a publication made from this page: on its branch (and pull request), not yet on the checked-out branch
  const origin = $("d-origin");
  origin.hidden = !e.origin;
  origin.replaceChildren();
  if (e.origin) {
    origin.append(`Published from this studio on branch ${e.origin.branch ?? "?"} (commit ${String(e.origin.commit ?? "").slice(0, 12)})`);
    if (e.origin.pullRequest)
      origin.append(", ", el("a", { href: e.origin.pullRequest, target: "_blank", rel: "noopener" }, "pull request"));
    origin.append("; not on the catalog's checked-out branch yet.");
  }
  $("d-preview").hidden = !e.preview;
  if (e.preview) $<HTMLAnchorElement>("d-preview-link").href = new URL(e.preview, location.origin).toString();
  const links = $("d-links");
  links.replaceChildren(
    ...e.links.map((l: Json) => {
      const li = el("li", {}, `${l.rel}: `);
      if (l.entity) li.append(el("a", { href: `#${l.entity.kind}/${l.entity.id}` }, l.title ?? l.path));
      else if (/^https?:/.test(l.href)) li.append(el("a", { href: l.href, target: "_blank", rel: "noopener" }, l.title ?? l.href));
      else li.append(el("code", {}, l.path ?? l.href));
      return li;
    }),
  );
  const files = $("d-files");
  files.replaceChildren(
    ...e.files.flatMap((f: Json) => [el("h3", {}, `${f.rel}: ${f.path}`), el("pre", { "data-file": f.rel }, f.text ?? "(missing)")]),
  );
  showExtent(e.bbox);
}

function route(): void {
  const m = /^#([a-z-]+)\/(.+)$/.exec(location.hash);
  if (m) void showEntity(m[1]!, decodeURIComponent(m[2]!));
}

// ---- publish ----

let variables: Json[] = [];
let source = "";
let checkTimer: number | undefined;

const inputs = () => [...$("form").querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("[name]")];

function setPath(obj: Json, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = o[k] ??= {};
  o[path.at(-1)!] = value;
}

/** Problems found in the page itself (a parameters text that is no YAML mapping), shown with the server's. */
let localProblems: Json[] = [];

/** Adds an entry (a contact or a link) to a list of rows: one input per key, and a button that removes it. */
function addRow(listId: string, keys: Array<[key: string, label: string]>, values: Record<string, string> = {}): void {
  const list = $(listId);
  const row = el("div", { class: "entry" });
  for (const [key, label] of keys) {
    const input = el("input", { "data-key": key, placeholder: label, "aria-label": `${listId} ${label}` }) as HTMLInputElement;
    input.value = values[key] ?? "";
    row.append(input);
  }
  const remove = el("button", { type: "button", "aria-label": "remove" }, "×");
  remove.addEventListener("click", () => {
    row.remove();
    renumber(listId);
    scheduleCheck();
  });
  row.append(remove);
  list.append(row);
  renumber(listId);
}

const CONTACT_KEYS: Array<[string, string]> = [
  ["name", "name"],
  ["organization", "organisation"],
  ["position", "position"],
  ["email", "email"],
  ["url", "web page"],
];
const LINK_KEYS: Array<[string, string]> = [
  ["rel", "rel (e.g. vcs)"],
  ["href", "URL"],
  ["title", "title"],
];

/** Gives each row its field name (`workflow.contact[0]`), so that a problem is shown next to its row. */
function renumber(listId: string): void {
  const field = listId === "contacts" ? "workflow.contact" : "workflow.links";
  $(listId)
    .querySelectorAll(".entry")
    .forEach((row, i) => {
      row.setAttribute("data-field", `${field}[${i}]`);
    });
}

/** The rows of a list as objects of their non-empty values (rows left empty are left out). */
function rowsOf(listId: string): Array<Record<string, string>> {
  return [...$(listId).querySelectorAll(".entry")]
    .map((row) => {
      const o: Record<string, string> = {};
      for (const i of row.querySelectorAll<HTMLInputElement>("[data-key]")) if (i.value.trim()) o[i.dataset.key!] = i.value.trim();
      return o;
    })
    .filter((o) => Object.keys(o).length > 0);
}

/** The configs from the form: empty fields left out, lists split at commas. */
function configs(): { dataset: Json; workflow: Json } {
  const out: Json = { dataset: {}, workflow: { properties: {} } };
  localProblems = [];
  if (source) {
    out.dataset.dataset_id = source.replace(/\/+$/, "").split("/").pop();
    out.dataset.data_source = [source];
  }
  for (const i of inputs()) {
    const v = i.value.trim();
    if (!v || !i.name.includes(".")) continue;
    const value = i.dataset.list
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v;
    setPath(out, i.name.split("."), value);
  }
  const themes = [...document.querySelectorAll<HTMLInputElement>("#themes input:checked")].map((c) => c.value);
  if (themes.length) out.dataset.osc_themes = themes;
  if (variables.length) {
    out.dataset.variables = {};
    for (const v of variables) {
      const row = document.querySelector(`tr[data-var="${CSS.escape(v.name)}"]`)!;
      const o: Json = {};
      for (const k of ["id", "title", "description", "gcmd_keyword_url"]) {
        const x = (row.querySelector(`[data-key="${k}"]`) as HTMLInputElement).value.trim();
        if (x) o[k] = x;
      }
      out.dataset.variables[v.name] = o;
    }
  }
  // contacts as OGC API Records contacts (the email and web page as deep-code's emails and "about" link)
  const contacts = rowsOf("contacts").map(({ email, url, ...c }) => ({
    ...c,
    ...(email ? { emails: [{ value: email }] } : {}),
    ...(url ? { links: [{ rel: "about", type: "text/html", href: url }] } : {}),
  }));
  if (contacts.length) out.workflow.contact = contacts;
  const links = rowsOf("wf-links");
  if (links.length) out.workflow.links = links;
  const params = $<HTMLTextAreaElement>("parameters").value;
  if (params.trim()) {
    try {
      const value = parseYaml(params);
      if (value && typeof value === "object" && !Array.isArray(value)) out.workflow.parameters = value;
      else localProblems.push({ field: "workflow.parameters", message: "the parameters must be a YAML mapping (name: value lines)" });
    } catch (err) {
      localProblems.push({ field: "workflow.parameters", message: `not YAML: ${(err as Error).message.split("\n")[0]}` });
    }
  }
  return out as { dataset: Json; workflow: Json };
}

/** The form element of a field, or of its closest parent field (`dataset.osc_themes[0]` → `dataset.osc_themes`). */
function placeOf(field: string): Element | null {
  let f = field;
  while (f) {
    const box = document.querySelector(`[data-field="${CSS.escape(f)}"]`);
    if (box) return box;
    const up = f.replace(/(\[\d+\]|\.[^.[]+)$/, "");
    f = up === f ? "" : up;
  }
  return null;
}

/** Shows each problem next to its field (the longest field name that has a place), the rest above the buttons. */
function showProblems(problems: Json[]): void {
  for (const e of document.querySelectorAll(".field-error")) e.remove();
  for (const f of document.querySelectorAll("[data-field]")) f.classList.remove("invalid");
  const rest: Json[] = [];
  for (const p of problems) {
    const box = placeOf(String(p.field));
    if (!box) {
      rest.push(p);
      continue;
    }
    box.classList.add("invalid");
    box.append(
      el("span", { class: "field-error", role: "alert", "data-error-for": String(p.field) }, `${p.message}${p.hint ? ` — ${p.hint}` : ""}`),
    );
  }
  $("form-errors").replaceChildren(
    ...rest.map((p) => el("p", { class: "field-error", "data-error-for": String(p.field) }, `${p.field}: ${p.message}`)),
  );
}

async function check(): Promise<boolean> {
  const seq = ++checkSeq;
  const { body } = await postJson("check", configs());
  const local = localProblems;
  if (seq !== checkSeq) return body.valid === true && local.length === 0;
  showProblems([...local, ...(body.problems ?? [])]);
  for (const which of ["dataset", "workflow"]) {
    const text = body.files?.[`${which}-config.yaml`] ?? "";
    $(`config-${which}`).textContent = text;
    // the configs as files named as `eocube generate-config` names them, to publish again from the CLI
    const a = $<HTMLAnchorElement>(`download-${which}`);
    if (a.href) URL.revokeObjectURL(a.href);
    a.hidden = !text;
    if (text) a.href = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    else a.removeAttribute("href");
  }
  document.body.dataset.checked = String(Number(document.body.dataset.checked ?? 0) + 1);
  return body.valid === true && local.length === 0;
}

function scheduleCheck(): void {
  window.clearTimeout(checkTimer);
  checkTimer = window.setTimeout(() => void check(), 150);
}

function variableRows(): void {
  const tbody = $("variables").querySelector("tbody")!;
  tbody.replaceChildren(
    ...variables.map((v) => {
      const tr = el("tr", { "data-var": v.name });
      tr.append(el("td", {}, v.name));
      const pre = v.prefill ?? {};
      const cell = (key: string, value: string, extra: Record<string, string> = {}) => {
        const td = el("td", { class: "field", "data-field": `dataset.variables.${v.name}.${key}` });
        const input = el("input", { "data-key": key, "aria-label": `${v.name} ${key}`, ...extra }) as HTMLInputElement;
        input.value = value;
        td.append(input);
        return td;
      };
      tr.append(cell("id", pre.id ?? "", { list: `sugg-${v.name}` }));
      tr.append(cell("title", ""));
      tr.append(cell("description", ""));
      tr.append(cell("gcmd_keyword_url", pre.gcmd_keyword_url ?? ""));
      const dl = el("datalist", { id: `sugg-${v.name}` });
      for (const s of v.suggestions ?? []) dl.append(el("option", { value: s.id }, `${s.title} (${s.reason})`));
      tr.append(dl);
      const note = (v.suggestions ?? []).map((s: Json) => `${s.id} (${s.reason})`).join(", ");
      if (note) tr.title = `existing OSC variables: ${note}`;
      return tr;
    }),
  );
}

async function inspect(): Promise<void> {
  source = $<HTMLInputElement>("source").value.trim();
  $("inspect-info").textContent = "reading…";
  const { ok, body } = await postJson("inspect", { source });
  if (!ok) {
    $("inspect-info").textContent = `error: ${body.message}`;
    return;
  }
  $("inspect-info").textContent =
    `${body.variables.length} variables, bbox ${body.bbox.map((x: number) => x.toFixed(3)).join(", ")}${body.timeRange ? `, ${body.timeRange[0]} – ${body.timeRange[1]}` : ""}`;
  for (const [k, v] of Object.entries(body.config as Json)) {
    const input = document.querySelector<HTMLInputElement>(`[name="dataset.${k}"]`);
    if (input && typeof v === "string" && !input.value) input.value = v;
  }
  for (const [k, v] of Object.entries((body.workflow ?? {}) as Json)) {
    const input = document.querySelector<HTMLInputElement>(`[name="workflow.${k}"]`);
    if (input && typeof v === "string" && !input.value) input.value = v;
  }
  variables = body.variables.map((v: Json) => ({ ...v, prefill: body.config.variables?.[v.name] }));
  variableRows();
  document.body.dataset.inspected = "1";
  scheduleCheck();
}

async function runPlan(publish: boolean): Promise<void> {
  if (!(await check())) return;
  const target = $<HTMLSelectElement>("target").value;
  const token = $<HTMLInputElement>("token").value;
  $("publish-result").textContent = publish ? "publishing…" : "planning…";
  const { body } = await postJson(publish ? "publish" : "preview", {
    ...configs(),
    target,
    ...(publish && target !== "local" ? { token } : {}),
  });
  if (body.valid === false) {
    showProblems(body.problems ?? []);
    $("publish-result").textContent = "not published: fix the problems shown next to the fields";
    return;
  }
  if (body.code) {
    $("publish-result").textContent = `error: ${body.message}${body.hint ? ` (${body.hint})` : ""}`;
    return;
  }
  $("plan-files").replaceChildren(...(body.files ?? []).map((f: Json) => el("li", { "data-action": f.action }, `${f.action} ${f.path}`)));
  $("plan-diff").textContent = (body.diffs ?? []).map((d: Json) => d.diff).join("\n");
  const problems = (body.catalogProblems ?? []) as Json[];
  if (!publish) {
    $("publish-result").textContent = `${(body.files ?? []).length} files${problems.length ? `, ${problems.length} problems` : ", valid"}`;
    return;
  }
  $("publish-result").textContent = body.noop
    ? (body.message ?? "nothing to publish")
    : body.pullRequest
      ? `pull request ${body.pullRequest.url}`
      : `branch ${body.branch}, commit ${body.commit}`;
  document.body.dataset.published = body.commit ?? "";
  // the publication is in the server's index at once: count and list it
  summary = await getJson("summary");
  $("catalog-name").textContent = `${summary.catalog} · ${summary.counts.product} products`;
  offset = 0;
  await search();
}

async function init(): Promise<void> {
  summary = await getJson("summary");
  $("catalog-name").textContent = `${summary.catalog} · ${summary.counts.product} products`;
  const lic = (id: string) => {
    for (const l of summary.licenses) $(id).append(el("option", { value: l }, l));
  };
  lic("license");
  lic("wf-license");
  for (const s of summary.statuses) $("status").append(el("option", { value: s }, s));
  for (const t of summary.themes) {
    const label = el("label");
    label.append(el("input", { type: "checkbox", value: t.id, name: "" }), ` ${t.title}`);
    $("themes").append(label);
  }
  for (const [id, title] of Object.entries(summary.titles.project as Record<string, string>))
    $("projects").append(el("option", { value: id }, title));
  for (const [id, title] of Object.entries(summary.titles.mission as Record<string, string>))
    $("missions").append(el("option", { value: id }, title));

  const tabs = ["browse", "publish"];
  for (const t of tabs) {
    $(`tab-${t}`).addEventListener("click", () => {
      for (const u of tabs) {
        $(u).hidden = u !== t;
        $(`tab-${u}`).setAttribute("aria-selected", String(u === t));
      }
    });
  }
  let timer: number | undefined;
  const again = () => {
    offset = 0;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void search(), 120);
  };
  for (const id of ["q", "bbox", "start", "end"]) $(id).addEventListener("input", again);
  for (const id of ["kind", "f-theme", "f-variable", "f-mission", "f-project"]) $(id).addEventListener("change", again);
  $("prev-page").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    void search();
  });
  $("next-page").addEventListener("click", () => {
    offset += PAGE;
    void search();
  });
  window.addEventListener("hashchange", route);
  extentMap($("extent-map"));

  $("form").addEventListener("input", scheduleCheck);
  $("form").addEventListener("change", scheduleCheck);
  $("inspect").addEventListener("click", () => void inspect());
  addRow("contacts", CONTACT_KEYS);
  $("add-contact").addEventListener("click", () => addRow("contacts", CONTACT_KEYS));
  $("add-link").addEventListener("click", () => addRow("wf-links", LINK_KEYS));
  $("preview").addEventListener("click", () => void runPlan(false));
  $("publish-btn").addEventListener("click", () => void runPlan(true));
  $("target").addEventListener("change", () => {
    $("token-label").hidden = $<HTMLSelectElement>("target").value === "local";
  });
  await search();
  route();
  document.body.dataset.ready = "1";
}

void init();
