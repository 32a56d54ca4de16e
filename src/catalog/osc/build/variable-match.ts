// Variable reuse: the existing OSC variables a new data variable may be (same GCMD keyword, same CF standard_name, the
// same or a close title), so that a publication links `variables/chlorophyll-concentration` instead of adding `conc-chl`.
import { slugify } from "../constants.js";
import { entityPath } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import type { BuildContext } from "./context.js";

/** An existing OSC variable, as the matching reads it. */
export interface CatalogVariable {
  id: string;
  title: string;
  description: string;
  /** hrefs of its `via` links (the GCMD keyword page and others). */
  via: string[];
}

/** Why an existing variable may be the data variable: the first three are strong enough to reuse it unasked. */
export type MatchReason = "gcmd keyword" | "standard_name" | "title" | "close title";

/** An existing variable the data variable may be, best first. */
export interface VariableCandidate {
  id: string;
  title: string;
  reason: MatchReason;
  /** Similarity of the titles, 0…1 (1 for the strong reasons). */
  score: number;
}

/** What is known of the data variable to match. */
export interface VariableFacts {
  /** Its GCMD keyword URL (config or attribute). */
  gcmd?: string;
  /** Its CF `standard_name`. */
  standardName?: string;
  /** The titles it may have: the configured title, its long_name, its name in words. */
  titles: string[];
}

const cache = new WeakMap<BuildContext, Promise<CatalogVariable[]>>();

/** The catalog's variables (read once per build; planned new ones included). */
export function catalogVariables(ctx: BuildContext): Promise<CatalogVariable[]> {
  let out = cache.get(ctx);
  if (!out) {
    out = (async () => {
      const list: CatalogVariable[] = [];
      for (const id of await ctx.ws.ids("variables")) {
        const doc = await ctx.ws.json(entityPath("variables", id)).catch(() => undefined);
        if (!doc) continue;
        const via = ((doc.links as LinkJson[] | undefined) ?? [])
          .filter((l) => l?.rel === "via" && typeof l.href === "string")
          .map((l) => l.href);
        list.push({
          id,
          title: typeof doc.title === "string" ? doc.title : id,
          description: typeof doc.description === "string" ? doc.description : "",
          via,
        });
      }
      return list;
    })();
    cache.set(ctx, out);
  }
  return out;
}

/**
 * The key of a GCMD keyword URL: the concept UUID in its path when it has one
 * (`…/KeywordViewer/scheme/all/860e2af9-…?gtm_keyword=SEA%20ICE` → `860e2af9-…`), else the URL without query,
 * fragment and trailing '/', lower-cased.
 */
export function gcmdKey(url: string): string {
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(url.split(/[?#]/)[0]!);
  return (uuid ? uuid[0] : url.split(/[?#]/)[0]!.replace(/\/+$/, "")).toLowerCase();
}

const STOP = new Set(["a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"]);

/** The words of a title for comparing: lower case, no stop words, a plural `s` dropped. */
function words(title: string): Set<string> {
  return new Set(
    title
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w && !STOP.has(w))
      .map((w) => (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w)),
  );
}

/** Dice similarity of two titles' words (0…1) and how many words they share. */
function similarity(a: string, b: string): { score: number; shared: number } {
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return { score: 0, shared: 0 };
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return { score: (2 * shared) / (wa.size + wb.size), shared };
}

/** Titles closer than this (Dice similarity of their words, with at least two words shared) are candidates. */
export const CLOSE_TITLE = 0.6;

/**
 * The existing variables a new data variable may be, best first (at most 5): the same GCMD keyword (concept UUID),
 * the same CF standard_name (the id is the standard name in words, or the description names it as eocube writes
 * it: "Long name (standard_name, units)"), the same title (case and stop words aside), or a close title (Dice
 * similarity of the words ≥ {@link CLOSE_TITLE}, two words shared at least).
 */
export function matchVariables(facts: VariableFacts, variables: readonly CatalogVariable[]): VariableCandidate[] {
  const out: VariableCandidate[] = [];
  const gk = facts.gcmd ? gcmdKey(facts.gcmd) : undefined;
  const sn = facts.standardName?.trim();
  const snRe = sn ? new RegExp(`(^|[^A-Za-z0-9_])${sn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^A-Za-z0-9_]|$)`) : undefined;
  const titles = facts.titles.filter((t) => t.trim().length > 0);
  for (const v of variables) {
    let c: VariableCandidate | undefined;
    if (gk && v.via.some((h) => gcmdKey(h) === gk)) c = { id: v.id, title: v.title, reason: "gcmd keyword", score: 1 };
    else if (sn && (v.id === slugify(sn) || snRe!.test(v.description))) c = { id: v.id, title: v.title, reason: "standard_name", score: 1 };
    else {
      let best = { score: 0, shared: 0 };
      for (const t of titles) {
        const s = similarity(t, v.title);
        if (s.score > best.score) best = s;
      }
      if (best.score === 1) c = { id: v.id, title: v.title, reason: "title", score: 1 };
      else if (best.score >= CLOSE_TITLE && best.shared >= 2) c = { id: v.id, title: v.title, reason: "close title", score: best.score };
    }
    if (c) out.push(c);
  }
  const rank: Record<MatchReason, number> = { "gcmd keyword": 0, standard_name: 1, title: 2, "close title": 3 };
  return out.sort((a, b) => rank[a.reason] - rank[b.reason] || b.score - a.score || a.id.localeCompare(b.id)).slice(0, 5);
}

/** A candidate as shown in questions and warnings: `ocean-chlorophyll-concentration ("Ocean chlorophyll concentration", close title)`. */
export function describeCandidate(c: VariableCandidate): string {
  return `${c.id} ("${c.title}", ${c.reason})`;
}
