// The studio's in-memory index of a local Open Science Catalog (the real catalog's layout): every product, project,
// theme, variable, EO mission, workflow and experiment, with facets and text/bbox/time search.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { EocubeError } from "../core/errors.js";
import type { BBox } from "../core/gridmapping.js";

/** The entity kinds of the OSC, by their folder. */
export const ENTITY_KINDS = {
  products: { kind: "product", file: "collection.json" },
  projects: { kind: "project", file: "collection.json" },
  themes: { kind: "theme", file: "catalog.json" },
  variables: { kind: "variable", file: "catalog.json" },
  "eo-missions": { kind: "eo-mission", file: "catalog.json" },
  workflows: { kind: "workflow", file: "record.json" },
  experiments: { kind: "experiment", file: "record.json" },
} as const;

/** An entity kind: "product", "project", "theme", "variable", "eo-mission", "workflow" or "experiment". */
export type EntityKind = (typeof ENTITY_KINDS)[keyof typeof ENTITY_KINDS]["kind"];

/** A link of an entity, its href as written in the file (relative or absolute). */
export interface EntryLink {
  rel: string;
  href: string;
  title?: string;
  type?: string;
}

/** One catalog entity as the studio shows and searches it. */
export interface CatalogEntry {
  kind: EntityKind;
  id: string;
  /** Path of its file in the catalog ("products/polaris/collection.json"). */
  path: string;
  title: string;
  description: string;
  keywords: string[];
  /** Theme ids (`themes[].concepts[].id`). */
  themes: string[];
  /** Variable ids (`osc:variables`; products). */
  variables: string[];
  /** EO mission ids (`osc:missions`; products). */
  missions: string[];
  /** Project id (`osc:project`; products, workflows via `related` link). */
  project?: string;
  /** Workflow id (`osc:workflow`; experiments). */
  workflow?: string;
  /** Status (`osc:status`). */
  status?: string;
  /** Union of the spatial extents, `[west, south, east, north]` degrees (collections only). */
  bbox?: BBox;
  /** Temporal extent `[start, end]`, ISO 8601 'Z', null for open ends (collections only). */
  time?: [string | null, string | null];
  links: EntryLink[];
  /**
   * Where the entry comes from when it is not in the catalog folder's checked-out files: a publication added with
   * {@link CatalogIndex.addFiles} (its branch and commit, and its pull request when it went to GitHub).
   */
  origin?: EntryOrigin;
  /** Lower-cased title, id, description and keywords for text search. */
  text: string;
}

/** A publication whose files the index holds beside the checked-out ones (see {@link CatalogIndex.addFiles}). */
export interface EntryOrigin {
  /** The publication branch, e.g. "publish/my-cube-20260301120000". */
  branch?: string;
  /** The commit holding the files. */
  commit?: string;
  /** The pull request's URL, when published on GitHub. */
  pullRequest?: string;
}

/** A search of {@link CatalogIndex.search}; every given criterion must hold. */
export interface CatalogQuery {
  /** Words that must all occur in title, id, description or keywords (case-insensitive). */
  q?: string;
  /** Entity kind [default "product"]. */
  kind?: EntityKind;
  theme?: string;
  variable?: string;
  mission?: string;
  project?: string;
  /** Entries whose bbox intersects `[west, south, east, north]` degrees. */
  bbox?: BBox;
  /** Entries whose temporal extent overlaps `[start, end]` (ISO 8601; either may be omitted). */
  start?: string;
  end?: string;
  /** Page size [default 50]. */
  limit?: number;
  /** First hit [default 0]. */
  offset?: number;
}

/** A hit of a search (the entry without its search text and links). */
export type CatalogHit = Omit<CatalogEntry, "text" | "links" | "description"> & { description: string };

/** The result of a search: the page of hits, the total and the facets of all hits (value → count). */
export interface CatalogSearchResult {
  total: number;
  hits: CatalogHit[];
  facets: {
    theme: Record<string, number>;
    variable: Record<string, number>;
    mission: Record<string, number>;
    project: Record<string, number>;
  };
}

/** Problems met while loading (a file that is not JSON); the index holds the rest. */
export interface IndexProblem {
  path: string;
  message: string;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function themesOf(v: unknown): string[] {
  const out: string[] = [];
  for (const t of Array.isArray(v) ? v : []) {
    for (const c of ((t as { concepts?: unknown })?.concepts as Array<{ id?: unknown }> | undefined) ?? [])
      if (typeof c?.id === "string" && !out.includes(c.id)) out.push(c.id);
  }
  return out;
}

/** The id an entity link points at (`../../projects/x/collection.json` → ["projects", "x"]), else undefined. */
export function linkTarget(href: string): { folder: string; id: string } | undefined {
  const m =
    /(?:^|\/)(products|projects|themes|variables|eo-missions|workflows|experiments)\/([^/]+)\/(?:collection|catalog|record)\.json$/.exec(
      href,
    );
  return m ? { folder: m[1]!, id: m[2]! } : undefined;
}

/**
 * Builds the index entry of one parsed entity file (a STAC collection or catalog, or an OGC API record for workflows
 * and experiments) of the given kind and id at `path` (relative to the catalog); undefined for a document that is no
 * object. Pure.
 */
export function entryOf(kind: EntityKind, id: string, path: string, doc: unknown): CatalogEntry | undefined {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  const props =
    (kind === "workflow" || kind === "experiment") && d.properties && typeof d.properties === "object"
      ? (d.properties as Record<string, unknown>)
      : d;
  const links: EntryLink[] = (Array.isArray(d.links) ? d.links : [])
    .filter((l): l is EntryLink => typeof l?.rel === "string" && typeof l?.href === "string")
    .map((l) => ({
      rel: l.rel,
      href: l.href,
      ...(typeof l.title === "string" ? { title: l.title } : {}),
      ...(typeof l.type === "string" ? { type: l.type } : {}),
    }));
  const title = typeof props.title === "string" ? props.title : id;
  const description = typeof props.description === "string" ? props.description : "";
  const keywords = strings(props.keywords);
  let project = typeof props["osc:project"] === "string" ? (props["osc:project"] as string) : undefined;
  if (!project && kind !== "project") project = links.map((l) => linkTarget(l.href)).find((t) => t?.folder === "projects")?.id;
  const extent = d.extent as { spatial?: { bbox?: unknown }; temporal?: { interval?: unknown } } | undefined;
  const boxes = (Array.isArray(extent?.spatial?.bbox) ? extent.spatial.bbox : []).filter(
    (b): b is number[] => Array.isArray(b) && b.length >= 4 && b.every((x) => typeof x === "number"),
  );
  let bbox: BBox | undefined;
  for (const b of boxes) {
    const [w, s, e, n] = b.length >= 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!];
    bbox = bbox ? [Math.min(bbox[0], w), Math.min(bbox[1], s), Math.max(bbox[2], e), Math.max(bbox[3], n)] : [w, s, e, n];
  }
  const interval = Array.isArray(extent?.temporal?.interval) ? (extent.temporal.interval[0] as unknown) : undefined;
  const time: [string | null, string | null] | undefined = Array.isArray(interval)
    ? [typeof interval[0] === "string" ? interval[0] : null, typeof interval[1] === "string" ? interval[1] : null]
    : undefined;
  const themes = themesOf(props.themes);
  const variables = strings(props["osc:variables"]);
  const missions = strings(props["osc:missions"]);
  const entry: CatalogEntry = {
    kind,
    id,
    path,
    title,
    description,
    keywords,
    themes,
    variables,
    missions,
    ...(project ? { project } : {}),
    ...(typeof props["osc:workflow"] === "string" ? { workflow: props["osc:workflow"] as string } : {}),
    ...(typeof props["osc:status"] === "string" ? { status: props["osc:status"] as string } : {}),
    ...(bbox ? { bbox } : {}),
    ...(time ? { time } : {}),
    links,
    text: [id, title, description, ...keywords, ...themes, ...variables, ...missions, project ?? ""].join("\n").toLowerCase(),
  };
  return entry;
}

const FACETS = ["theme", "variable", "mission", "project"] as const;

/** The in-memory index of a catalog folder: load once with {@link loadCatalogIndex}, then query without I/O. */
export class CatalogIndex {
  /** Entries by `<kind>/<id>`. */
  readonly byKey = new Map<string, CatalogEntry>();
  /** Texts of files added with {@link addFiles} (not in the checked-out folder), by catalog path. */
  private readonly added = new Map<string, string>();
  constructor(
    /** The catalog folder (absolute). */
    readonly dir: string,
    entries: CatalogEntry[],
    /** Files that could not be read or parsed. */
    readonly problems: IndexProblem[],
    /** Files indexed (entity files, not counting the sub-catalogs). */
    public files: number,
  ) {
    for (const e of entries) this.byKey.set(`${e.kind}/${e.id}`, e);
  }

  /** Every entry of a kind, sorted by title. */
  list(kind: EntityKind): CatalogEntry[] {
    return [...this.byKey.values()].filter((e) => e.kind === kind).sort((a, b) => a.title.localeCompare(b.title));
  }

  /** The entry of a kind and id, else undefined. */
  get(kind: EntityKind, id: string): CatalogEntry | undefined {
    return this.byKey.get(`${kind}/${id}`);
  }

  /** Entry counts by kind. */
  counts(): Record<EntityKind, number> {
    const out = Object.fromEntries(Object.values(ENTITY_KINDS).map((k) => [k.kind, 0])) as Record<EntityKind, number>;
    for (const e of this.byKey.values()) out[e.kind]++;
    return out;
  }

  /**
   * Searches one kind (default products) by words, facets, bbox and time; hits sorted by title, facets counted over
   * all hits. Pure, no I/O.
   */
  search(query: CatalogQuery = {}): CatalogSearchResult {
    const kind = query.kind ?? "product";
    const words = (query.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    const start = query.start ? Date.parse(query.start) : undefined;
    const end = query.end ? Date.parse(query.end) : undefined;
    const bb = query.bbox;
    const hits: CatalogEntry[] = [];
    for (const e of this.byKey.values()) {
      if (e.kind !== kind) continue;
      if (query.theme && !e.themes.includes(query.theme)) continue;
      if (query.variable && !e.variables.includes(query.variable)) continue;
      if (query.mission && !e.missions.includes(query.mission)) continue;
      if (query.project && e.project !== query.project) continue;
      if (words.length && !words.every((w) => e.text.includes(w))) continue;
      if (bb) {
        const b = e.bbox;
        if (!b || b[0] > bb[2] || b[2] < bb[0] || b[1] > bb[3] || b[3] < bb[1]) continue;
      }
      if (start !== undefined || end !== undefined) {
        if (!e.time) continue;
        const t0 = e.time[0] ? Date.parse(e.time[0]) : Number.NEGATIVE_INFINITY;
        const t1 = e.time[1] ? Date.parse(e.time[1]) : Number.POSITIVE_INFINITY;
        if ((end !== undefined && t0 > end) || (start !== undefined && t1 < start)) continue;
      }
      hits.push(e);
    }
    hits.sort((a, b) => a.title.localeCompare(b.title));
    const facets: CatalogSearchResult["facets"] = { theme: {}, variable: {}, mission: {}, project: {} };
    for (const e of hits) {
      for (const f of FACETS) {
        const values =
          f === "theme" ? e.themes : f === "variable" ? e.variables : f === "mission" ? e.missions : e.project ? [e.project] : [];
        for (const v of values) facets[f][v] = (facets[f][v] ?? 0) + 1;
      }
    }
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, Math.min(500, query.limit ?? 50));
    return {
      total: hits.length,
      hits: hits.slice(offset, offset + limit).map(({ text: _t, links: _l, description, ...rest }) => ({
        ...rest,
        description: description.length > 300 ? `${description.slice(0, 297)}…` : description,
      })),
      facets,
    };
  }

  /**
   * Adds (or replaces) the entities of files that are not in the checked-out folder, e.g. a publication's commit on
   * its branch, so that they are browsed and searched at once: each `<folder>/<id>/<collection|catalog|record>.json`
   * becomes an entry marked with `origin`; the other files (an experiment's input.yaml, sub-catalogs) are kept for
   * {@link readText}. Paths are relative to the catalog, with `/`. Files that are not JSON objects go to `problems`.
   * @returns the entries added or replaced.
   */
  addFiles(files: Array<{ path: string; text: string }>, origin?: EntryOrigin): CatalogEntry[] {
    const out: CatalogEntry[] = [];
    for (const f of files) {
      const path = f.path.split(sep).join("/");
      if (path.split("/").includes("..") || path.startsWith("/")) continue;
      this.added.set(path, f.text);
      const m = /^([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
      const kind = m ? ENTITY_KINDS[m[1] as keyof typeof ENTITY_KINDS] : undefined;
      if (!m || !kind || kind.file !== m[3]) continue;
      let entry: CatalogEntry | undefined;
      try {
        entry = entryOf(kind.kind, m[2]!, path, JSON.parse(f.text));
      } catch (err) {
        this.problems.push({ path, message: (err as Error).message });
        continue;
      }
      if (!entry) {
        this.problems.push({ path, message: "not a JSON object" });
        continue;
      }
      if (origin) entry.origin = origin;
      const key = `${entry.kind}/${entry.id}`;
      if (!this.byKey.has(key)) this.files++;
      this.byKey.set(key, entry);
      out.push(entry);
    }
    return out;
  }

  /**
   * Reads a file of the catalog as text (an experiment's input.yaml), given its path relative to the catalog; files
   * added with {@link addFiles} first.
   * @throws EocubeError UNSAFE_ID for a path outside the catalog; NOT_FOUND when missing.
   */
  async readText(path: string): Promise<string> {
    const file = resolve(this.dir, path);
    if (!file.startsWith(this.dir + sep))
      throw new EocubeError("UNSAFE_ID", `path ${JSON.stringify(path.slice(0, 100))} is outside the catalog`, { field: "path" });
    const added = this.added.get(relative(this.dir, file).split(sep).join("/"));
    if (added !== undefined) return added;
    try {
      return await readFile(file, "utf8");
    } catch (err) {
      throw new EocubeError("NOT_FOUND", `no file ${path} in the catalog`, { path, cause: err });
    }
  }
}

/**
 * Loads every entity of the catalog in `dir` (`<folder>/<id>/<collection|catalog|record>.json`, the layout of
 * ESA-EarthCODE/open-science-catalog-metadata and of `eocube catalog init`) into a {@link CatalogIndex}; files that
 * are not JSON are listed in `problems`. Reads the files once (16 at a time); the real catalog (≈1,900 entities)
 * loads in under a second.
 * @example
 * const index = await loadCatalogIndex("./open-science-catalog-metadata");
 * const { total, hits, facets } = index.search({ q: "sea ice", theme: "cryosphere", bbox: [-180, 60, 180, 90], start: "2020-01-01" });
 * // hits: [{ kind: "product", id, title, description, themes, variables, missions, bbox, time, … }], facets.variable: { "sea-ice-concentration": 3, … }
 * @throws EocubeError NOT_FOUND when `dir` has no root catalog.json; CANCELLED through `signal`.
 */
export async function loadCatalogIndex(dir: string, options: { signal?: AbortSignal } = {}): Promise<CatalogIndex> {
  const root = resolve(dir);
  try {
    await readFile(join(root, "catalog.json"));
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `${dir} is not an Open Science Catalog: it has no catalog.json`, {
      path: dir,
      cause: err,
      hint: "give the folder of a checkout of open-science-catalog-metadata, or make one with eocube catalog init",
    });
  }
  const tasks: Array<{ kind: EntityKind; id: string; path: string }> = [];
  for (const [folder, { kind, file }] of Object.entries(ENTITY_KINDS)) {
    const ids = await readdir(join(root, folder), { withFileTypes: true }).catch(() => []);
    for (const d of ids) if (d.isDirectory()) tasks.push({ kind, id: d.name, path: `${folder}/${d.name}/${file}` });
  }
  const entries: CatalogEntry[] = [];
  const problems: IndexProblem[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      options.signal?.throwIfAborted();
      const t = tasks[next++]!;
      let text: string;
      try {
        text = await readFile(join(root, t.path), "utf8");
      } catch {
        continue; // a folder without its entity file (e.g. theme images only) is no entity
      }
      try {
        const e = entryOf(t.kind, t.id, t.path, JSON.parse(text));
        if (e) entries.push(e);
        else problems.push({ path: t.path, message: "not a JSON object" });
      } catch (err) {
        problems.push({ path: t.path, message: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return new CatalogIndex(root, entries, problems, entries.length);
}

/** The catalog path an entry's relative link points at (`../../projects/x/collection.json` from products/p/…), else undefined. */
export function resolveLink(entry: CatalogEntry, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/")) return undefined;
  const base = entry.path.split("/").slice(0, -1).join("/");
  const p = relative("/", resolve("/", base, href))
    .split(sep)
    .join("/");
  return p.startsWith("..") ? undefined : p;
}
