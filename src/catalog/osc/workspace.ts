// The catalog as a publication sees it: files read lazily from the catalog folder, new and patched
// contents kept in memory, and the difference turned into a PublicationPlan. Nothing is written here.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import {
  appendToArray,
  formatJson,
  indentUnit,
  parseJsonText,
  removeFromArray,
  replaceString,
  retitleInArray,
  setMember,
} from "./json-text.js";
import { hasLink, linkTarget } from "./links.js";
import type { LinkJson } from "../stac/link.js";
import type { PlannedFile } from "./plan.js";

/** JSON object as found in catalog files. */
export type Json = Record<string, unknown>;

/**
 * Relations whose title the OSC ties to the linked file's title (`child`/`item`: the title; `related`: "Prefix:
 * title"): appendLinks and merge rename existing links of these relations when the target was renamed.
 */
const RETITLED_RELS = new Set(["child", "item", "related"]);

function isLinkLike(l: unknown): l is LinkJson {
  return !!l && typeof l === "object" && typeof (l as LinkJson).href === "string";
}

/**
 * An overlay over a catalog folder: `read` gives the current content (planned or on disk),
 * `write`/`appendLinks`/`merge` change it in memory, `files()` lists what differs from the disk.
 */
export class CatalogWorkspace {
  readonly dir: string;
  readonly #signal?: AbortSignal;
  readonly #disk = new Map<string, string | undefined>();
  readonly #current = new Map<string, string>();
  readonly #listed = new Map<string, string[]>();

  constructor(dir: string, signal?: AbortSignal) {
    this.dir = dir;
    this.#signal = signal;
  }

  /** The file's content on disk, or undefined. Paths are catalog-relative with '/'. */
  async original(path: string): Promise<string | undefined> {
    if (!this.#disk.has(path)) {
      throwIfAborted(this.#signal);
      let text: string | undefined;
      try {
        text = await readFile(join(this.dir, ...path.split("/")), { encoding: "utf8", signal: this.#signal });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") {
          throw new EocubeError("INVALID_ARGUMENT", `cannot read ${path} in the catalog: ${(err as Error).message}`, { path, cause: err });
        }
      }
      this.#disk.set(path, text);
    }
    return this.#disk.get(path);
  }

  /** The current content (planned change, else disk), or undefined when the file does not exist. */
  async read(path: string): Promise<string | undefined> {
    return this.#current.get(path) ?? (await this.original(path));
  }

  /** True when the file exists (on disk or planned). */
  async exists(path: string): Promise<boolean> {
    return (await this.read(path)) !== undefined;
  }

  /**
   * The entry folders of a sub-catalog folder (`variables` → every `<id>` with a file in it on disk or planned), sorted.
   * The catalog folder is listed once per folder.
   */
  async ids(folder: string): Promise<string[]> {
    let onDisk = this.#listed.get(folder);
    if (!onDisk) {
      throwIfAborted(this.#signal);
      const entries = await readdir(join(this.dir, folder), { withFileTypes: true }).catch(() => []);
      onDisk = entries.filter((e) => e.isDirectory()).map((e) => e.name);
      this.#listed.set(folder, onDisk);
    }
    const planned = [...this.#current.keys()].flatMap((p) => {
      const parts = p.split("/");
      return parts.length >= 3 && parts[0] === folder ? [parts[1]!] : [];
    });
    return [...new Set([...onDisk, ...planned])].sort();
  }

  /** The current content parsed as a JSON object, or undefined. @throws EocubeError CORRUPT_DATA. */
  async json(path: string): Promise<Json | undefined> {
    const text = await this.read(path);
    return text === undefined ? undefined : parseJsonText(text, path).doc;
  }

  /** The title of a catalog file: `title`, or `properties.title` for records. */
  async title(path: string): Promise<string | undefined> {
    const doc = await this.json(path);
    if (!doc) return undefined;
    const t = doc.type === "Feature" ? (doc.properties as Json | undefined)?.title : doc.title;
    return typeof t === "string" ? t : undefined;
  }

  /** Sets the whole content of a file (a new file, or a rewritten one). */
  write(path: string, content: string): void {
    this.#current.set(path, content);
  }

  /**
   * Appends links to the file's `links` array, skipping links that are already there (same rel and target);
   * an existing `child`/`item`/`related` link whose title differs from the new link's gets the new title (a renamed
   * product, workflow or experiment). The rest of the file is left byte for byte as it was.
   * @returns the links actually added.
   * @throws EocubeError NOT_FOUND when the file does not exist.
   */
  async appendLinks(path: string, links: LinkJson[]): Promise<LinkJson[]> {
    const text = await this.read(path);
    if (text === undefined) throw new EocubeError("NOT_FOUND", `${path} does not exist in the catalog`, { path });
    const parsed = parseJsonText(text, path);
    const existing = Array.isArray(parsed.doc.links) ? (parsed.doc.links as LinkJson[]) : [];
    const added: LinkJson[] = [];
    let edited = parsed;
    for (const link of links) {
      if (!hasLink(path, [...existing, ...added], link)) added.push(link);
      else if (RETITLED_RELS.has(link.rel) && typeof link.title === "string") {
        // a child/item link must carry its target's title (OSC rule): a renamed entity renames the links to it
        const target = linkTarget(path, link.href);
        const stale = (l: unknown) =>
          isLinkLike(l) &&
          l.rel === link.rel &&
          linkTarget(path, l.href) === target &&
          typeof l.title === "string" &&
          l.title !== link.title;
        if (existing.some(stale)) edited = retitleInArray(edited, "links", stale, link.title, path);
      }
    }
    if (added.length > 0) edited = appendToArray(edited, "links", added, path);
    if (edited !== parsed) this.#current.set(path, edited.text);
    return added;
  }

  /**
   * Removes the links for which `drop(link)` is true from the file's `links` array; the rest of the file is
   * left byte for byte as it was. Missing files are left alone.
   * @returns the links removed.
   */
  async removeLinks(path: string, drop: (link: LinkJson) => boolean): Promise<LinkJson[]> {
    const text = await this.read(path);
    if (text === undefined) return [];
    const parsed = parseJsonText(text, path);
    const links = Array.isArray(parsed.doc.links) ? (parsed.doc.links as LinkJson[]) : [];
    const isDropped = (l: unknown) => !!l && typeof l === "object" && typeof (l as LinkJson).href === "string" && drop(l as LinkJson);
    const removed = links.filter(isDropped);
    if (removed.length > 0) this.#current.set(path, removeFromArray(parsed, "links", isDropped, path).text);
    return removed;
  }

  /**
   * Appends values to a top-level array (e.g. `osc:workflows`) when the file has it, skipping values already there.
   * Files without the array are left as they are.
   */
  async appendValues(path: string, key: string, values: unknown[]): Promise<void> {
    const text = await this.read(path);
    if (text === undefined) return;
    const parsed = parseJsonText(text, path);
    const arr = parsed.doc[key];
    if (!Array.isArray(arr)) return;
    const add = values.filter((v) => !arr.some((a) => JSON.stringify(a) === JSON.stringify(v)));
    if (add.length > 0) this.#current.set(path, appendToArray(parsed, key, add, path).text);
  }

  /** Sets a top-level member of an existing file in place (appended as the last member when new). */
  async setMember(path: string, key: string, value: unknown): Promise<void> {
    const text = await this.read(path);
    if (text === undefined) throw new EocubeError("NOT_FOUND", `${path} does not exist in the catalog`, { path });
    const parsed = parseJsonText(text, path);
    if (JSON.stringify(parsed.doc[key]) === JSON.stringify(value)) return;
    this.#current.set(path, setMember(parsed, key, value, path).text);
  }

  /**
   * Writes a generated entity document, patching an existing file instead of replacing it: existing keys keep
   * their order and `created`; generated values replace existing ones, new keys are appended; existing links
   * are kept (a child/item/related link takes the generated title, a generated `application` link replaces the
   * one of its `application:type`) and generated links appended when missing (for records also inside `properties`). When nothing but `updated` would change, the file is left untouched.
   */
  async merge(path: string, generated: Json): Promise<void> {
    const text = await this.read(path);
    if (text === undefined) {
      this.write(path, formatJson(generated));
      return;
    }
    const existing = parseJsonText(text, path).doc;
    const merged = mergeDoc(path, existing, generated);
    if (sameIgnoringUpdated(existing, merged)) return;
    const unit = indentUnit(text);
    const trailing = /\r?\n$/.exec(text)?.[0] ?? "";
    let out = JSON.stringify(merged, null, unit);
    if (text.includes("\r\n")) out = out.replace(/\n/g, "\r\n");
    this.write(path, out + trailing);
  }

  /**
   * Sets `updated` (records: `properties.updated`) to `now` in every planned JSON file that patches an existing
   * file and has that member, in place (the rest of each file unchanged). Files that end up as on disk stay untouched.
   */
  async bumpUpdated(now: string): Promise<void> {
    for (const [path, content] of this.#current) {
      const previous = await this.original(path);
      if (previous === undefined || previous === content || !path.endsWith(".json")) continue;
      let parsed = parseJsonText(content, path);
      parsed = replaceString(parsed, "updated", now, path);
      parsed = replaceString(parsed, ["properties", "updated"], now, path);
      this.#current.set(path, parsed.text);
    }
  }

  /** The planned files: every file whose content differs from the disk, sorted by path. */
  async files(): Promise<PlannedFile[]> {
    const out: PlannedFile[] = [];
    for (const path of [...this.#current.keys()].sort()) {
      const content = this.#current.get(path)!;
      const previous = await this.original(path);
      if (previous === content) continue;
      out.push(previous === undefined ? { path, content, action: "create" } : { path, content, action: "update", previous });
    }
    return out;
  }
}

function mergeDoc(path: string, existing: Json, generated: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(existing)) out[key] = existing[key];
  for (const [key, value] of Object.entries(generated)) {
    if (key === "created" && existing.created !== undefined) continue;
    if (key === "links" && Array.isArray(existing.links)) {
      let links = [...(existing.links as LinkJson[])];
      for (const l of value as LinkJson[]) {
        const appType = l["application:type"];
        const sameApp = (e: unknown) => isLinkLike(e) && e.rel === l.rel && e["application:type"] === appType;
        if (typeof appType === "string" && links.some(sameApp)) {
          // the generated application link (the notebook) replaces the earlier one in place: new URL, title, kernel
          const at = links.findIndex(sameApp);
          links = links.filter((e, k) => k === at || !sameApp(e));
          links[at] = l;
        } else if (!hasLink(path, links, l)) links.push(l);
        else if (RETITLED_RELS.has(l.rel) && typeof l.title === "string") {
          const target = linkTarget(path, l.href);
          links.forEach((e, k) => {
            if (
              isLinkLike(e) &&
              e.rel === l.rel &&
              linkTarget(path, e.href) === target &&
              typeof e.title === "string" &&
              e.title !== l.title
            ) {
              links[k] = { ...e, title: l.title };
            }
          });
        }
      }
      out.links = links;
      continue;
    }
    if (key === "properties" && isJson(existing.properties) && isJson(value)) {
      const props: Json = { ...existing.properties };
      for (const [k, v] of Object.entries(value)) {
        if (k === "created" && props.created !== undefined) continue;
        props[k] = v;
      }
      out.properties = props;
      continue;
    }
    out[key] = value;
  }
  return out;
}

function isJson(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function stripUpdated(doc: Json): Json {
  const { updated: _u, ...rest } = doc;
  if (isJson(rest.properties)) {
    const { updated: _p, ...props } = rest.properties;
    rest.properties = props;
  }
  return rest;
}

function sameIgnoringUpdated(a: Json, b: Json): boolean {
  return JSON.stringify(stripUpdated(a)) === JSON.stringify(stripUpdated(b));
}
