// eocube's checks beyond the OSC CI, reported as warnings: links the CI skips, link targets missing on
// disk, reverse links, WGS84 bboxes, and the defects deep-code's output needed hand-fixing for.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { dirname, resolve as resolvePath } from "node:path";
import type { CatalogIndex } from "./catalog-index.js";
import { OSC_LINK_PREFIX, type EntityKind } from "./rules.js";
import type { ValidationProblem } from "./types.js";

const SECTION = "eocube";

/** Kinds whose child/item links the CI already checks against the files (no extra target check). */
const CI_CHECKS_CHILDREN = new Set<EntityKind>([
  "root",
  "sub-catalog",
  "eo-mission",
  "project",
  "theme",
  "variable",
  "workflow",
  "experiment",
]);
/** Kinds the CI runs its relative-link check on, and whether item/child links are included. */
const RELATIVE_RELS: Partial<Record<EntityKind, string[]>> = {
  root: ["related", "parent", "item", "child"],
  "sub-catalog": ["related", "parent", "item", "child"],
  "eo-mission": ["related", "parent", "item", "child"],
  project: ["related", "parent", "item", "child"],
  theme: ["related", "parent", "item", "child"],
  variable: ["related", "parent", "item", "child"],
  product: ["related", "parent"],
  workflow: ["related", "parent"],
  experiment: ["related", "parent"],
};

/** Reverse links: an `osc:*` reference of a product/experiment and the entity that should list it as a child. */
interface Reverse {
  kind: EntityKind;
  values: (data: any) => unknown[];
  folder: string;
  file: string;
  what: string;
}
const REVERSE: Reverse[] = [
  { kind: "product", values: (d) => [d["osc:project"]], folder: "projects", file: "collection", what: "osc:project" },
  { kind: "product", values: (d) => arr(d["osc:variables"]), folder: "variables", file: "catalog", what: "osc:variables" },
  { kind: "product", values: (d) => arr(d["osc:missions"]), folder: "eo-missions", file: "catalog", what: "osc:missions" },
  { kind: "product", values: (d) => themeIds(d), folder: "themes", file: "catalog", what: "themes" },
  { kind: "product", values: (d) => [d["osc:experiment"]], folder: "experiments", file: "record", what: "osc:experiment" },
  { kind: "experiment", values: (d) => [d.properties?.["osc:workflow"]], folder: "workflows", file: "record", what: "osc:workflow" },
];

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function themeIds(d: any): unknown[] {
  const themes = Array.isArray(d.themes) ? d.themes : Array.isArray(d.properties?.themes) ? d.properties.themes : [];
  return themes.flatMap((t: any) => (Array.isArray(t?.concepts) ? t.concepts.map((c: any) => c?.id) : []));
}

const childSets = new WeakMap<CatalogIndex, Map<string, Set<string>>>();

/** The resolved targets of the `child` links of the file at `abs` (cached per index). */
function childTargets(index: CatalogIndex, abs: string): Set<string> {
  let byFile = childSets.get(index);
  if (!byFile) {
    byFile = new Map();
    childSets.set(index, byFile);
  }
  let set = byFile.get(abs);
  if (!set) {
    set = new Set();
    const d = index.doc(abs);
    const links = d.ok && d.json && typeof d.json === "object" ? (d.json as any).links : undefined;
    if (Array.isArray(links)) {
      const folder = dirname(abs);
      for (const l of links) if (l?.rel === "child" && typeof l.href === "string") set.add(resolveHref(index, folder, l.href));
    }
    byFile.set(abs, set);
  }
  return set;
}

/** The file a link points to (query and fragment dropped; OSC publication URLs read as catalog-relative). */
function resolveHref(index: CatalogIndex, folder: string, href: string): string {
  const cut = href.search(/[?#]/);
  return index.resolveHref(folder, cut < 0 ? href : href.slice(0, cut));
}

/** A variable's catalog, relative to the catalog root. */
const VARIABLE_CATALOG = /^variables\/([^/]+)\/catalog\.json$/;

const warn = (message: string, rule: string, hint: string): ValidationProblem => ({ section: SECTION, message, rule, hint });

/**
 * eocube's warnings for one file (they never make it invalid):
 * `relative-links` / `self-link` on every link (the CI stops at the first related/parent link),
 * `link-target-exists` for relative links to files that are not there (e.g. an experiment's input.yaml),
 * `reverse-link` when the project/variable/theme/mission/experiment a product names (or the workflow an
 * experiment names) has no `child` link back, `bbox-wgs84`, `via-link` (not a web page), `notebook-link`,
 * `application-fields`, `description` (placeholder text), `id-format`, and `stale-related-link` (a product's
 * related link to a variable missing from its `osc:variables`).
 */
export function extraChecks(index: CatalogIndex, abs: string, data: any, kind: EntityKind): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const folder = dirname(abs);
  const links: any[] = Array.isArray(data.links) ? data.links.filter((l: any) => l && typeof l.href === "string") : [];
  const rel = index.rel(abs);

  // Links.
  const relativeRels = RELATIVE_RELS[kind];
  for (const link of links) {
    if (link.rel === "self") {
      const expected = OSC_LINK_PREFIX + rel;
      if (!link.href.startsWith(OSC_LINK_PREFIX)) {
        out.push(
          warn(
            `Link with rel 'self' to '${link.href}' must start with '${OSC_LINK_PREFIX}'`,
            "self-link",
            `set the self link's "href": "${expected}"`,
          ),
        );
      } else if (kind !== "product-content" && link.href !== expected) {
        out.push(
          warn(
            `Link with rel 'self' to '${link.href}' does not point to this file`,
            "self-link",
            `set the self link's "href": "${expected}"`,
          ),
        );
      }
      continue;
    }
    const toEntity = link.type === "application/json" || /\.json([?#].*)?$/i.test(link.href);
    if (relativeRels?.includes(link.rel) && toEntity && link.href.includes("://")) {
      out.push(
        warn(
          `Link with rel '${link.rel}' to '${link.href}' must be relative`,
          "relative-links",
          "use a relative href such as ../../projects/<id>/collection.json",
        ),
      );
    }
    const isLocal = !/^[a-z][a-z0-9+.-]*:/i.test(link.href) || link.href.startsWith(OSC_LINK_PREFIX);
    if (isLocal && link.href !== "" && !((link.rel === "child" || link.rel === "item") && CI_CHECKS_CHILDREN.has(kind))) {
      const target = resolveHref(index, folder, link.href);
      if (!index.exists(target)) {
        out.push(
          warn(
            `Link with rel '${link.rel}' to '${link.href}' points to a missing file ${target}`,
            "link-target-exists",
            `add ${index.rel(target)} or remove the link`,
          ),
        );
      }
    }
    if (link.rel === "via" && !/^https?:\/\//i.test(link.href)) {
      out.push(
        warn(
          `Link with rel 'via' to '${link.href}' is not a web page`,
          "via-link",
          "via links point to an https:// page describing the entity; put data access links under rel 'child' or assets",
        ),
      );
    }
    if (link.rel === "jupyter-notebook") {
      if (link.type !== "application/x-ipynb+json") {
        out.push(
          warn(
            `Link with rel '${link.rel}' to '${link.href}' must have type 'application/x-ipynb+json'`,
            "notebook-link",
            'set the link\'s "type": "application/x-ipynb+json"',
          ),
        );
      }
      if (!/\.ipynb([?#].*)?$/i.test(link.href)) {
        out.push(
          warn(
            `Link with rel '${link.rel}' to '${link.href}' does not point to a .ipynb notebook file`,
            "notebook-link",
            "link the notebook file itself (…/blob/<branch>/<path>.ipynb), not a folder",
          ),
        );
      }
    }
    if ("application:container" in link || "application:language" in link) out.push(...applicationFields(link, `link '${link.rel}'`));
  }
  if (data.properties && typeof data.properties === "object") out.push(...applicationFields(data.properties, "properties"));

  // Reverse links.
  for (const r of REVERSE) {
    if (r.kind !== kind) continue;
    for (const value of r.values(data)) {
      if (typeof value !== "string" || value === "") continue;
      const target = resolvePath(folder, "..", "..", r.folder, value, `${r.file}.json`);
      if (!index.exists(target)) continue; // the CI reports the missing entity
      if (!childTargets(index, target).has(abs)) {
        out.push(
          warn(
            `${r.folder}/${value}/${r.file}.json has no 'child' link to this ${kind} (named in ${r.what})`,
            "reverse-link",
            `add {"rel": "child", "href": "../../${rel}", "type": "application/json", "title": "<this ${kind}'s title>"} to ${r.folder}/${value}/${r.file}.json`,
          ),
        );
      }
    }
  }

  // A product's related links to variables it does not name (left over when one was dropped). Not for missions:
  // the real catalog relates products to missions outside osc:missions (4d-atlantic-ohc-global → grace).
  if (kind === "product") {
    const named = arr(data["osc:variables"]);
    for (const link of links) {
      if (link.rel !== "related") continue;
      const m = VARIABLE_CATALOG.exec(index.rel(resolveHref(index, folder, link.href)));
      if (!m || named.includes(m[1])) continue;
      out.push(
        warn(
          `Link with rel 'related' to '${link.href}' names variables/${m[1]}, which is not in osc:variables`,
          "stale-related-link",
          `remove the link (and the child link to this product in variables/${m[1]}/catalog.json), or add '${m[1]}' to osc:variables`,
        ),
      );
    }
  }

  // Extents.
  const bboxes: unknown[] = [];
  if (Array.isArray(data.extent?.spatial?.bbox)) bboxes.push(...data.extent.spatial.bbox);
  if (Array.isArray(data.bbox) && data.type === "Feature") bboxes.push(data.bbox);
  for (const b of bboxes) {
    if (!Array.isArray(b) || (b.length !== 4 && b.length !== 6) || !b.every((x) => typeof x === "number")) continue;
    const [w, s, e, n] = b.length === 4 ? b : [b[0], b[1], b[3], b[4]];
    if (!(w >= -180 && e <= 180 && s >= -90 && n <= 90 && s <= n && w <= 180 && e >= -180)) {
      out.push(
        warn(
          `bbox [${b.join(", ")}] is not in WGS84 longitude/latitude`,
          "bbox-wgs84",
          "give the bbox as [west, south, east, north] in degrees (EPSG:4326); reproject projected x/y first",
        ),
      );
    }
  }

  // Texts and ids.
  if (kind === "variable" && typeof data.description === "string" && typeof data.id === "string") {
    if (repeatsIdOrTitle(data.description, data.id, data.title)) {
      out.push(
        warn(
          `description '${data.description}' repeats the id or title`,
          "description",
          "describe the variable (what it measures, units, method), e.g. from its CF long_name or GCMD keyword",
        ),
      );
    }
  }
  if (typeof data.id === "string" && kind !== "product-content" && kind !== "root" && !/^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/.test(data.id)) {
    const suggestion = suggestId(data.id);
    out.push(
      warn(
        `id '${data.id}' is not lower-case letters, digits and dashes`,
        "id-format",
        suggestion
          ? `use a lower-case id with dashes, e.g. '${suggestion}' (and rename its folder to match)`
          : "use a lower-case id with dashes (and rename its folder to match)",
      ),
    );
  }
  return out;
}

/**
 * True when a description says nothing more than the id or the title: it equals the id, the title, or the
 * id title-cased ("sea-ice" → "Sea Ice"), as deep-code's variable catalogs did.
 */
export function repeatsIdOrTitle(description: string, id: string, title?: unknown): boolean {
  const d = description.trim();
  const placeholder = id
    .split(/[-_\s]+/)
    .map((p: string) => p.charAt(0).toUpperCase() + p.slice(1))
    .join(" ");
  return d === placeholder || d === id || (typeof title === "string" && d === title.trim());
}

/**
 * A lower-case, dash-separated id made from `id` ("Predicted-LST-Test" → "predicted-lst-test",
 * "myCube v2" → "my-cube-v2"), or "" when nothing of it is usable.
 */
export function suggestId(id: string): string {
  return id
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, "-")
    .replace(/[-_.]{2,}/g, "-")
    .replace(/^[-_.]+|[-_.]+$/g, "");
}

function applicationFields(obj: any, where: string): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const c = obj["application:container"];
  if (c !== undefined && typeof c !== "boolean") {
    out.push(
      warn(
        `'application:container' in ${where} must be a boolean, not ${JSON.stringify(c)}`,
        "application-fields",
        'write "application:container": true or false',
      ),
    );
  }
  const l = obj["application:language"];
  if (l !== undefined && typeof l !== "string") {
    out.push(
      warn(
        `'application:language' in ${where} must be a string, not ${JSON.stringify(l)}`,
        "application-fields",
        'write "application:language": "Python"',
      ),
    );
  }
  return out;
}
