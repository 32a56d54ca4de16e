// buildPrrCollection: the whole job of `eocube prr` — config → items (read through the stores) → collection
// → validation of every document (offline) → atomic write of collection.json + <id>/<id>.json.
import { isAbsolute, relative, resolve } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";
import { toIsoString } from "../../core/time.js";
import { Link, MediaType, type LinkJson } from "../stac/link.js";
import { validateStacObject, type StacProblem } from "../stac/validate.js";
import { loadPrrConfig, type ResolvedConfig } from "./config.js";
import { EXT, OSC_THEME_SCHEME, PRR_STAC_VERSION } from "./constants.js";
import { buildItem, iso, setTime, unionBbox, type PrrWarning } from "./item.js";
import { toJsonValue } from "./json.js";
import { checkOutput, writeAtomically } from "./write.js";

/** Options of {@link buildPrrCollection} and {@link writePrrCollection}. */
export interface PrrOptions {
  /** Output folder (collection.json + one folder per item). */
  outDir: string;
  /** Replace an existing output folder [default: false]. */
  force?: boolean;
  signal?: AbortSignal;
  /** Items read at once [default: 16]. */
  concurrency?: number;
  /** Called after each item is read (`read`: checksums, data extents) and each asset copied (`copy`). */
  onProgress?: (p: PrrProgress) => void;
}

/** Progress of {@link writePrrCollection}: `done` of `total` items read, or asset files/folders copied. */
export interface PrrProgress {
  step: "read" | "copy";
  done: number;
  total: number;
}

/** The documents of a PRR collection, keyed by their path relative to the output folder. */
export interface PrrBuild {
  collection: Record<string, unknown>;
  items: Array<Record<string, unknown>>;
  /** Relative path → document (`collection.json`, `<id>/<id>.json`). */
  documents: Map<string, Record<string, unknown>>;
  /** Local asset files/folders to copy: path relative to the output folder (`<id>/<name>`) → absolute source. */
  copies: Map<string, string>;
  warnings: PrrWarning[];
}

/** One validation problem of one written document. */
export interface PrrProblem extends StacProblem {
  /** The document's path relative to the output folder. */
  document: string;
}

/**
 * Builds the collection and its items in memory from a resolved config (nothing is written; the local
 * asset files to copy are listed in `copies`).
 * Collection extent = union of the items' bbox and time; items whose data hold no time take the
 * item's/collection's configured `datetime`, else the collection's temporal extent (with a warning).
 * Links follow pystac's SELF_CONTAINED layout: relative `root`/`parent`/`collection`/`item` links and no
 * `self` links (a STAC `self` link must be absolute, so a relocatable catalog has none).
 * @throws EocubeError NOT_FOUND (missing asset file), CANCELLED.
 */
export async function buildPrrCollection(resolved: ResolvedConfig, options: PrrOptions): Promise<PrrBuild> {
  const { config } = resolved;
  const outDir = resolve(options.outDir);
  // the config's own warnings (assets outside base_dir, glob matches left out) come first
  const warnings: PrrWarning[] = [...(resolved.warnings ?? [])];
  const ctx = {
    id: config.id,
    license: config.license,
    datetime: config.datetime,
    file: resolved.file,
    assetBaseUrl: resolved.assetBaseUrl,
  };
  const built = new Array<Awaited<ReturnType<typeof buildItem>>>(resolved.items.length);
  let next = 0;
  let read = 0;
  const worker = async () => {
    while (next < resolved.items.length) {
      const i = next++;
      throwIfAborted(options.signal);
      built[i] = await buildItem(resolved.items[i]!, ctx, { outDir, signal: options.signal }, warnings);
      options.onProgress?.({ step: "read", done: ++read, total: resolved.items.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 16, resolved.items.length)) }, worker));
  const order = new Map(resolved.items.map((it, i) => [it.id, i]));
  warnings.sort((a, b) => (order.get(a.item) ?? -1) - (order.get(b.item) ?? -1));

  const boxes = built.map((b) => b.bbox).filter((b): b is BBox => !!b);
  const times = built.map((b) => b.time).filter((t): t is [string, string] => !!t);
  let interval: [string, string] | undefined = times.length
    ? [
        times.map((t) => t[0]).sort()[0]!,
        times
          .map((t) => t[1])
          .sort()
          .at(-1)!,
      ]
    : undefined;
  if (!interval && config.datetime) interval = [iso(config.datetime), iso(config.datetime)];
  for (const b of built) {
    if (b.time) continue;
    const id = String(b.item.id);
    const props = b.item.properties as Record<string, unknown>;
    if (config.datetime) {
      setTime(props, [iso(config.datetime), iso(config.datetime)]);
    } else if (interval) {
      setTime(props, interval);
      warnings.push({
        item: id,
        message:
          "no time in the data or the config; the item takes the collection's temporal extent (set datetime on the item to change it)",
      });
    } else {
      const now = toIsoString(Math.floor(Date.now() / 1000) * 1000);
      setTime(props, [now, now]);
      warnings.push({
        item: id,
        message: "no time anywhere in the data or the config; datetime is the build time (set datetime in the config)",
      });
    }
  }
  if (!interval) {
    const all = built
      .map((b) => b.item.properties as Record<string, unknown>)
      .flatMap((p) => [p.start_datetime ?? p.datetime, p.end_datetime ?? p.datetime] as string[]);
    interval = [all.sort()[0]!, all.sort().at(-1)!];
  }
  let bbox = unionBbox(boxes);
  if (!bbox) {
    bbox = [-180, -90, 180, 90];
    warnings.push({ item: config.id, message: "no item has a spatial extent; the collection's extent is the whole globe" });
  }

  const variables: Record<string, Record<string, unknown>> = {};
  for (const b of built) for (const [k, v] of Object.entries(b.variables)) variables[k] ??= v;
  const summaries: Record<string, unknown> = {};
  const names = Object.keys(variables).sort();
  if (names.length) {
    summaries.variables = names;
    const units = [...new Set(names.map((n) => variables[n]!.unit).filter((u): u is string => typeof u === "string"))].sort();
    if (units.length) summaries.units = units;
  }

  const extensions: string[] = [];
  const collection: Record<string, unknown> = {
    type: "Collection",
    stac_version: PRR_STAC_VERSION,
    stac_extensions: extensions,
    id: config.id,
    title: config.title,
    description: config.description,
  };
  if (config.keywords?.length) collection.keywords = config.keywords;
  collection.license = config.license;
  if (config.providers?.length) collection.providers = config.providers;
  collection.extent = { spatial: { bbox: [bbox] }, temporal: { interval: [interval] } };
  if (Object.keys(summaries).length) collection.summaries = summaries;
  if (config.themes?.length) {
    const themes = config.themes.map((t) => (typeof t === "string" ? { scheme: OSC_THEME_SCHEME, concepts: [{ id: t }] } : t));
    const merged = new Map<string, { scheme: string; concepts: Array<{ id: string }> }>();
    for (const t of themes) {
      const m = merged.get(t.scheme);
      if (m) m.concepts.push(...t.concepts);
      else merged.set(t.scheme, { scheme: t.scheme, concepts: [...t.concepts] });
    }
    collection.themes = [...merged.values()];
    extensions.push(EXT.themes);
  }
  if (config.contacts?.length) {
    collection.contacts = config.contacts;
    extensions.push(EXT.contacts);
  }
  if (config["sci:doi"] || config["sci:citation"]) {
    if (config["sci:doi"]) collection["sci:doi"] = config["sci:doi"];
    if (config["sci:citation"]) collection["sci:citation"] = config["sci:citation"];
    extensions.push(EXT.scientific);
  }
  if (config["osc:project"]) {
    collection["osc:type"] = "product";
    collection["osc:status"] = config["osc:status"] ?? "completed";
    collection["osc:project"] = config["osc:project"];
    if (names.length) collection["osc:variables"] = names;
    extensions.push(EXT.osc);
  }

  const json = { type: MediaType.JSON, title: config.title };
  const links: LinkJson[] = [Link.root("./collection.json", json).toJSON()];
  for (const b of built) {
    const id = String(b.item.id);
    links.push(
      Link.item(`./${id}/${id}.json`, {
        type: MediaType.GEOJSON,
        title: String((b.item.properties as { title?: string }).title ?? id),
      }).toJSON(),
    );
    b.item.links = [
      Link.root("../collection.json", json),
      Link.parent("../collection.json", json),
      Link.collection("../collection.json", json),
    ].map((l) => l.toJSON());
  }
  if (config["sci:doi"]) links.push(Link.citeAs(`https://doi.org/${config["sci:doi"]}`, { title: "DOI" }).toJSON());
  if (!["various", "proprietary", "various open source"].includes(config.license)) {
    links.push(Link.license(`https://spdx.org/licenses/${config.license}.html`, { type: MediaType.HTML, title: config.license }).toJSON());
  }
  for (const l of config.links ?? []) links.push(Link.fromJSON(l).toJSON());
  collection.links = links;

  const documents = new Map<string, Record<string, unknown>>();
  const convert = (doc: Record<string, unknown>, name: string) =>
    toJsonValue(doc, {
      nonFinite: "null",
      onConvert: (pointer, what) => {
        if (!/\/attrs\//.test(pointer)) warnings.push({ item: name, message: `${pointer}: ${what} written as JSON-safe value` });
      },
    }) as Record<string, unknown>;
  const coll = convert(collection, config.id);
  documents.set("collection.json", coll);
  const items = built.map((b) => {
    const id = String(b.item.id);
    const doc = convert(b.item, id);
    documents.set(`${id}/${id}.json`, doc);
    return doc;
  });
  const copies = new Map<string, string>();
  for (const b of built) for (const [to, from] of b.copies) copies.set(to, from);
  return { collection: coll, items, documents, copies, warnings };
}

/**
 * Validates every document against the STAC core schema of its type and each schema in its
 * `stac_extensions` (bundled, offline), and checks that catalog links are relative.
 * @returns every problem, each naming the document, the JSON pointer and the rule (schema section + message).
 */
export function validatePrrDocuments(documents: Map<string, Record<string, unknown>>): PrrProblem[] {
  const problems: PrrProblem[] = [];
  for (const [name, doc] of documents) {
    for (const p of validateStacObject(doc)) problems.push({ ...p, document: name });
    for (const [i, l] of ((doc.links as Array<Record<string, unknown>>) ?? []).entries()) {
      if (
        ["root", "parent", "child", "item", "collection", "self"].includes(String(l.rel)) &&
        /^[a-z][a-z0-9+.-]*:|^\//i.test(String(l.href))
      ) {
        problems.push({
          document: name,
          schema: "",
          section: "SELF_CONTAINED",
          instancePath: `/links/${i}/href`,
          message: `${l.rel} link must be relative, got ${l.href}`,
        });
      }
    }
  }
  return problems;
}

/** Result of {@link writePrrCollection}. */
export interface PrrResult {
  /** Absolute output folder. */
  outDir: string;
  /** Written STAC documents, relative to the output folder. */
  files: string[];
  /** Copied asset files and folders (`asset_files: copy`), relative to the output folder. */
  assetFiles: string[];
  collection: Record<string, unknown>;
  warnings: PrrWarning[];
}

/**
 * `eocube prr`: loads the config, builds every item and the collection, validates all documents and
 * writes them atomically (temporary folder + rename); nothing is written when anything fails.
 * Layout: `collection.json` + `<item-id>/<item-id>.json`, pretty JSON, plus the copied asset files and folders
 * (`asset_files: copy`, the default) in `<item-id>/`.
 * @throws EocubeError NOT_FOUND, INVALID_CONFIG, UNSAFE_ID (see loadPrrConfig), ALREADY_EXISTS (output exists,
 *   no force), INVALID_ARGUMENT (an asset inside the output folder, which --force would delete), VALIDATION_FAILED (details: every {@link PrrProblem}), CANCELLED.
 */
export async function writePrrCollection(configFile: string, options: PrrOptions): Promise<PrrResult> {
  const outDir = resolve(options.outDir);
  await checkOutput(outDir, options);
  const resolved = await loadPrrConfig(configFile, options);
  for (const it of resolved.items) {
    for (const a of it.assets) {
      const rel = a.path === undefined ? undefined : relative(outDir, a.path);
      if (rel !== undefined && (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel)))) {
        throw new EocubeError("INVALID_ARGUMENT", `${a.field}: ${a.path} lies inside the output folder ${outDir}`, {
          path: resolved.file,
          field: `${a.field}.path`,
          hint: "write the collection to a new folder beside the data (the output folder is replaced as a whole)",
        });
      }
    }
  }
  const build = await buildPrrCollection(resolved, { ...options, outDir });
  const problems = validatePrrDocuments(build.documents);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw new EocubeError(
      "VALIDATION_FAILED",
      `${problems.length} validation problem(s); first: ${p.document} ${p.instancePath || "/"} [${p.section}] ${p.message}`,
      {
        path: p.document,
        field: p.instancePath || "/",
        hint: "nothing was written; fix the config values named in details",
        details: problems.map((q) => ({
          document: q.document,
          pointer: q.instancePath,
          rule: q.section,
          schema: q.schema,
          message: q.message,
        })),
      },
    );
  }
  const files = new Map<string, string>();
  for (const [name, doc] of build.documents) files.set(name, `${JSON.stringify(doc, null, 2)}\n`);
  const onCopied = options.onProgress && ((done: number, total: number) => options.onProgress?.({ step: "copy", done, total }));
  await writeAtomically(outDir, files, { ...options, copies: build.copies, onCopied });
  return { outDir, files: [...files.keys()], assetFiles: [...build.copies.keys()], collection: build.collection, warnings: build.warnings };
}
