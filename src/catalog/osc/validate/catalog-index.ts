// One pass over a catalog folder: its JSON files, each read and parsed at most once, titles, existence
// and folder listings cached, so the rules never touch the disk twice for the same thing.
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";

/** The URL prefix the OSC publishes under; hrefs starting with it are read as catalog-relative. */
const OSC_PREFIX = "https://esa-earthcode.github.io/open-science-catalog-metadata/";

/** A parsed document, or the reason it could not be parsed. */
export type Doc = { ok: true; json: unknown } | { ok: false; error: string };

/** Folders never walked (not catalog content): node_modules and dot-folders (.git, .github, …). */
const skipDir = (name: string) => name === "node_modules" || name.startsWith(".");
/** Tooling files at the root of a metadata repository that are not catalog content. */
const ROOT_TOOLING = new Set(["package.json", "package-lock.json", "tsconfig.json"]);

/** The file index of one catalog folder, with caches shared by all rules. */
export class CatalogIndex {
  /** Absolute root folder. */
  readonly root: string;
  /** Absolute paths of the JSON files (.json, .geojson), sorted. */
  readonly files: string[];
  private readonly fileSet: Set<string>;
  private readonly docs = new Map<string, Doc>();
  private readonly pinned = new Set<string>();
  private readonly released = new Set<string>();
  private readonly titles = new Map<string, string | null>();
  private readonly existsCache = new Map<string, boolean>();
  private readonly dirCache = new Map<string, string[]>();
  /** Resolved hrefs by folder, then href. */
  private readonly resolveCache = new Map<string, Map<string, string>>();
  private readonly rootPrefix: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.rootPrefix = this.root + sep;
    this.files = [];
    walk(this.root, this.files);
    for (let i = this.files.length - 1; i >= 0; i--) {
      if (ROOT_TOOLING.has(this.rel(this.files[i]))) this.files.splice(i, 1);
    }
    this.files.sort();
    this.fileSet = new Set(this.files);
  }

  /**
   * The absolute path a link href points to from `folder` (hrefs under the OSC publication URL count as
   * relative to the catalog root, as in the OSC CI); cached, since catalogs repeat the same hrefs.
   */
  resolveHref(folder: string, href: string): string {
    let byHref = this.resolveCache.get(folder);
    if (byHref === undefined) {
      byHref = new Map();
      this.resolveCache.set(folder, byHref);
    }
    let r = byHref.get(href);
    if (r === undefined) {
      r = resolve(folder, href.startsWith(OSC_PREFIX) ? href.slice(OSC_PREFIX.length) : href);
      byHref.set(href, r);
    }
    return r;
  }

  /** The path relative to the root, '/'-separated. */
  rel(abs: string): string {
    const r = abs.startsWith(this.rootPrefix) ? abs.slice(this.rootPrefix.length) : abs;
    return sep === "/" ? r : r.split(sep).join("/");
  }

  /**
   * The parsed document at an absolute path: read once and cached until {@link release}d (a released file is read
   * again, and not cached again, when a rule needs it later).
   */
  doc(abs: string): Doc {
    let d = this.docs.get(abs);
    if (!d) {
      try {
        d = { ok: true, json: JSON.parse(readFileSync(abs, "utf8")) };
      } catch (err) {
        d = { ok: false, error: (err as Error).message };
      }
      if (!this.released.has(abs)) this.docs.set(abs, d);
    }
    return d;
  }

  /** Sets the document of a path (used to validate planned content before it is written); it is never released. */
  setDoc(abs: string, doc: Doc): void {
    this.docs.set(abs, doc);
    this.pinned.add(abs);
    this.titles.delete(abs);
    this.existsCache.set(abs, true);
  }

  /**
   * Drops the cached document of a file once it is validated (its title stays cached): the validator then holds
   * few documents at a time instead of the whole catalog, which keeps the garbage collector's work small.
   */
  release(abs: string): void {
    if (this.pinned.has(abs) || !this.docs.has(abs)) return;
    this.title(abs);
    this.docs.delete(abs);
    this.released.add(abs);
  }

  /**
   * The title of the STAC/record file at `abs` (`properties.title` for a Feature, else `title`),
   * or null when it is missing, empty or the file cannot be read.
   */
  title(abs: string): string | null {
    if (this.titles.has(abs)) return this.titles.get(abs)!;
    let title: string | null = null;
    if (this.fileSet.has(abs) || this.docs.has(abs) || this.exists(abs)) {
      const d = this.doc(abs);
      if (d.ok && d.json && typeof d.json === "object") {
        const j = d.json as Record<string, any>;
        title = (j.type === "Feature" ? j.properties?.title : j.title) || null;
      }
    }
    this.titles.set(abs, title);
    return title;
  }

  /** True when a file or folder exists at `abs` (cached). */
  exists(abs: string): boolean {
    let e = this.existsCache.get(abs);
    if (e === undefined) {
      e = this.fileSet.has(abs) || existsSync(abs);
      this.existsCache.set(abs, e);
    }
    return e;
  }

  /** Names of the sub-folders of `abs` (cached). */
  subfolders(abs: string): string[] {
    let d = this.dirCache.get(abs);
    if (!d) {
      try {
        d = readdirSync(abs, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        d = [];
      }
      this.dirCache.set(abs, d);
    }
    return d;
  }

  /** True for a file found by the walk. */
  has(abs: string): boolean {
    return this.fileSet.has(abs);
  }
}

function walk(dir: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!skipDir(e.name)) walk(p, out);
    } else if (e.isFile() || (e.isSymbolicLink() && isFile(p))) {
      const lower = e.name.toLowerCase();
      if (lower.endsWith(".json") || lower.endsWith(".geojson")) out.push(p);
    }
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
