// Walking a STAC catalog: API (item search with `next` paging, collections) or static (child/item links).
// Specs: STAC API item search https://github.com/radiantearth/stac-api-spec/tree/main/item-search (paging: `next`
// links with optional method/body/merge), STAC catalog links https://github.com/radiantearth/stac-spec.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BBox } from "../../core/gridmapping.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { type FetchJsonOptions, fetchJson } from "./http.js";

/** A STAC link as JSON has it. */
export interface StacLink {
  rel: string;
  href: string;
  type?: string;
  method?: string;
  body?: unknown;
  merge?: boolean;
}

/** A STAC item (the fields used here) plus the URL it was read from. */
export interface StacItem {
  type?: string;
  id: string;
  collection?: string;
  bbox?: number[];
  properties: Record<string, unknown>;
  assets: Record<string, { href: string; type?: string; roles?: string[]; title?: string }>;
  links?: StacLink[];
  /** Absolute URL (or path) the item came from, the base of its relative hrefs. */
  url: string;
}

/** Filters of an item search (STAC API GET /search parameters). */
export interface ItemFilter {
  /** `[west, south, east, north]` in WGS 84. */
  bbox?: BBox;
  /** `[start, end]` ISO times; null or undefined = open. */
  time_range?: [string | null | undefined, string | null | undefined];
  /** Collection ids. */
  collections?: string[];
  /** Item ids. */
  ids?: string[];
  /** STAC API query extension object (`{"eo:cloud_cover": {"lt": 10}}`), sent by POST. */
  query?: Record<string, unknown>;
}

/** `href` resolved against `base` (a URL, or a local path for static catalogs on disk). */
export function resolveHref(href: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href)) return href;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return new URL(href, base).href;
  return fileURLToPath(new URL(href, pathToFileURL(base)));
}

/** The first link of `rel`. */
export function linkOf(doc: { links?: StacLink[] }, rel: string): StacLink | undefined {
  return doc.links?.find((l) => l.rel === rel);
}

/** True when a landing page announces STAC API item search (a `search` link or an item-search conformance class). */
export function isStacApi(landing: Record<string, unknown>): boolean {
  const conforms = (landing.conformsTo ?? []) as string[];
  return Boolean(linkOf(landing as { links?: StacLink[] }, "search")) || conforms.some((c) => /item-search/.test(c));
}

/** The RFC 3339 interval of a time range (`start/end`, `..` for an open side). */
export function datetimeOf(tr: ItemFilter["time_range"]): string | undefined {
  if (!tr) return undefined;
  const side = (t: string | null | undefined, end: boolean) => {
    if (t == null || t === "") return "..";
    if (/T/.test(t)) return t;
    // a date: the whole day (or month/year) is included, as time_range ends are read elsewhere
    if (!end) return `${t.length === 4 ? `${t}-01-01` : t.length === 7 ? `${t}-01` : t}T00:00:00Z`;
    const [y, m, d] = t.split("-").map(Number);
    const last = d ? new Date(Date.UTC(y!, m! - 1, d)) : m ? new Date(Date.UTC(y!, m!, 0)) : new Date(Date.UTC(y!, 11, 31));
    return `${last.toISOString().slice(0, 10)}T23:59:59.999Z`;
  };
  return `${side(tr[0], false)}/${side(tr[1], true)}`;
}

/**
 * Every item matching `filter` from a STAC API, page after page: GET `{search}?bbox=…&datetime=…&collections=…&limit=…`
 * (POST with a JSON body when `filter.query` is given), then each page's `next` link (GET, or POST with its `body`,
 * merged into the previous body when `merge` is true) until there is none or `maxItems` were yielded.
 * @throws the errors of {@link fetchJson}; CORRUPT_DATA for a page that is not a FeatureCollection.
 */
export async function* searchItems(
  searchUrl: string,
  filter: ItemFilter,
  options: FetchJsonOptions & { pageSize?: number; maxItems?: number } = {},
): AsyncGenerator<StacItem> {
  const limit = options.pageSize ?? 100;
  let url: string;
  let body: Record<string, unknown> | undefined;
  const datetime = datetimeOf(filter.time_range);
  if (filter.query) {
    url = searchUrl;
    body = { limit, query: filter.query };
    if (filter.bbox) body.bbox = filter.bbox;
    if (datetime) body.datetime = datetime;
    if (filter.collections) body.collections = filter.collections;
    if (filter.ids) body.ids = filter.ids;
  } else {
    const u = new URL(searchUrl);
    if (filter.bbox) u.searchParams.set("bbox", filter.bbox.join(","));
    if (datetime) u.searchParams.set("datetime", datetime);
    if (filter.collections) u.searchParams.set("collections", filter.collections.join(","));
    if (filter.ids) u.searchParams.set("ids", filter.ids.join(","));
    u.searchParams.set("limit", String(limit));
    url = u.href;
  }
  let count = 0;
  const seen = new Set<string>();
  for (;;) {
    throwIfAborted(options.signal);
    const page = (await fetchJson(url, { ...options, body })) as { type?: string; features?: unknown[]; links?: StacLink[] };
    if (!page || !Array.isArray(page.features)) {
      throw new EocubeError("CORRUPT_DATA", `the item search page ${url} is not a GeoJSON FeatureCollection`, { path: url });
    }
    for (const f of page.features as StacItem[]) {
      if (options.maxItems !== undefined && count >= options.maxItems) return;
      count++;
      yield { ...f, url: selfUrl(f, url) };
    }
    const next = linkOf(page, "next");
    if (!next || page.features.length === 0) return;
    const nextUrl = resolveHref(next.href, url);
    const key = `${nextUrl} ${JSON.stringify(next.body ?? null)}`;
    if (seen.has(key)) return; // a server repeating its next link would loop forever
    seen.add(key);
    url = nextUrl;
    if ((next.method ?? "GET").toUpperCase() === "POST") {
      body = next.merge ? { ...(body ?? {}), ...((next.body as object) ?? {}) } : ((next.body as Record<string, unknown>) ?? body);
    } else {
      body = undefined;
    }
  }
}

function selfUrl(doc: { links?: StacLink[] }, base: string): string {
  const self = linkOf(doc, "self");
  return self ? resolveHref(self.href, base) : base;
}

/**
 * Every item of a static catalog, depth first: the `item` links of `url` and of each `child` catalog/collection,
 * each item with the URL (or path) it was read from. Items nested deeper than `maxDepth` catalogs are not visited.
 * @throws the errors of {@link fetchJson}.
 */
export async function* walkStaticCatalog(
  url: string,
  options: FetchJsonOptions & { maxDepth?: number } = {},
  depth = 0,
  doc?: Record<string, unknown>,
): AsyncGenerator<StacItem> {
  throwIfAborted(options.signal);
  const cat = (doc ?? (await fetchJson(url, options))) as { links?: StacLink[] };
  for (const l of cat.links ?? []) {
    if (l.rel === "item") {
      const itemUrl = resolveHref(l.href, url);
      const item = (await fetchJson(itemUrl, options)) as StacItem;
      yield { ...item, url: itemUrl };
    }
  }
  if (depth >= (options.maxDepth ?? 10)) return;
  for (const l of cat.links ?? []) {
    if (l.rel === "child") yield* walkStaticCatalog(resolveHref(l.href, url), options, depth + 1);
  }
}

/** Whether an item's bbox and time overlap a filter (for static catalogs, which cannot search). */
export function itemMatches(item: StacItem, filter: ItemFilter): boolean {
  if (filter.collections && (!item.collection || !filter.collections.includes(item.collection))) return false;
  if (filter.ids && !filter.ids.includes(item.id)) return false;
  if (filter.bbox && item.bbox) {
    const b = item.bbox;
    const n = b.length === 6 ? 3 : 2;
    const [w, s, e, no] = [b[0]!, b[1]!, b[n]!, b[n + 1]!];
    const q = filter.bbox;
    if (q[1] > no || q[3] < s || q[0] > e || q[2] < w) return false;
  }
  if (filter.time_range) {
    const [lo, hi] = itemTimeRange(item);
    const dt = datetimeOf(filter.time_range)!.split("/");
    if (dt[1] !== ".." && lo && Date.parse(lo) > Date.parse(dt[1]!)) return false;
    if (dt[0] !== ".." && hi && Date.parse(hi) < Date.parse(dt[0]!)) return false;
  }
  return true;
}

/** `[start, end]` of an item: `start_datetime`/`end_datetime`, else `datetime` twice. */
export function itemTimeRange(item: Pick<StacItem, "properties">): [string | undefined, string | undefined] {
  const p = item.properties ?? {};
  const dt = typeof p.datetime === "string" ? p.datetime : undefined;
  return [(p.start_datetime as string | undefined) ?? dt, (p.end_datetime as string | undefined) ?? dt];
}
