// Loads the PRR config (YAML → ajv) and resolves it: base_dir, globs → one item per file, safe unique ids.
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parseYamlConfig, readConfigText, type PatternText, type YamlConfigOptions } from "../../core/config/index.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { globMatcher } from "../../core/glob.js";
import {
  PRR_BASE_URL_PATTERN,
  PRR_CONFIG_SCHEMA,
  PRR_DOI_PATTERN,
  PRR_KEY_PATTERN,
  PRR_PREFIX_PATTERN,
  PRR_THEME_PATTERN,
  type PrrAssetConfig,
  type PrrAssetFiles,
  type PrrConfig,
  type PrrGlobItemConfig,
  type PrrItemCommon,
  type PrrItemConfig,
} from "./config-schema.js";
import { PRR_ID_PATTERN } from "./constants.js";
import { isInside } from "./copy.js";
import { fromDeepCodePrrConfig, isDeepCodePrrConfig } from "./deep-code.js";
import type { PrrWarning } from "./item.js";

const ID_HINT = "ids become file names: letters, digits and single '-', '_' or '.' between them";
/** How the PRR config's patterns are named in messages. */
const PATTERNS: Record<string, PatternText> = {
  [PRR_ID_PATTERN]: { what: "a safe id", hint: ID_HINT, suggest: (s) => (idFromFileName(s) === "item" ? undefined : idFromFileName(s)) },
  [PRR_KEY_PATTERN]: { what: "a safe asset key", hint: "start with a letter or digit, then letters, digits, '_', '.', ':' or '-'" },
  [PRR_PREFIX_PATTERN]: { what: "a safe id prefix", hint: "start with a letter or digit, then letters, digits, '_', '.' or '-'" },
  [PRR_THEME_PATTERN]: { what: "an OSC theme id", hint: "use lower-case letters, digits and single hyphens, e.g. land or oceans" },
  [PRR_DOI_PATTERN]: { what: "a DOI", hint: "write the DOI without https://doi.org/, e.g. 10.5281/zenodo.1234567" },
  [PRR_BASE_URL_PATTERN]: { what: "an absolute URL without query or fragment", hint: "e.g. https://host/prr/my-collection/" },
};
const TEMPLATE_HINT = "write a template with `eocube prr --init -o prr-config.yaml`";
const OPTIONS: YamlConfigOptions = { patterns: PATTERNS, mappingHint: TEMPLATE_HINT };

/** One asset after resolution: `path` is absolute for local files. */
export interface ResolvedAsset extends Omit<PrrAssetConfig, "path"> {
  /** Absolute local path. */
  path?: string;
  /** Copy or link a local file: the asset's, else the item's, else the collection's setting, else "copy". */
  asset_files: PrrAssetFiles;
  /** Where the asset came from in the config (`items[2].assets[0]`), for messages. */
  field: string;
}

/** One item after glob expansion, with a checked id. */
export interface ResolvedItem extends PrrItemCommon {
  id: string;
  assets: ResolvedAsset[];
  /** Where the item came from in the config (`items[2]`), for messages. */
  field: string;
}

/** The config with base_dir applied, globs expanded and ids checked. */
export interface ResolvedConfig {
  config: PrrConfig;
  /** The config file. */
  file: string;
  /** Absolute folder the paths are relative to. */
  baseDir: string;
  /** `asset_base_url` ending in '/', when set. */
  assetBaseUrl?: string;
  items: ResolvedItem[];
  /**
   * Warnings about the config as a whole (item = the collection id): ONE listing every explicitly named asset
   * outside base_dir, one per glob whose matches through symbolic links out of base_dir were left out.
   */
  warnings: PrrWarning[];
}

/**
 * Checks an id that becomes a folder and file name against {@link PRR_ID_PATTERN}.
 * @throws EocubeError UNSAFE_ID naming the field.
 */
export function checkPrrId(id: string, field: string, path?: string): string {
  if (!new RegExp(PRR_ID_PATTERN).test(id)) {
    throw new EocubeError("UNSAFE_ID", `${field} ${JSON.stringify(id)} is not safe as a file name`, {
      path,
      field,
      hint: "use letters, digits and single '-', '_' or '.' between them (no '/', '..' or spaces)",
    });
  }
  return id;
}

/** An id made from a file name: the extension (.nc, .tif, .tar.gz, .zarr) dropped, characters other than letters, digits, '-', '_', '.' → '-', runs of separators collapsed. */
export function idFromFileName(name: string): string {
  const stem = name.replace(/\/+$/, "").replace(/\.(tar\.gz|[A-Za-z0-9]{1,5})$/, "");
  return (
    stem
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/[-_.]{2,}/g, (run) => (run.includes("-") ? "-" : run[0]!))
      .replace(/^[-_.]+|[-_.]+$/g, "") || "item"
  );
}

/** Notes about configs read in deep-code's shape (see {@link fromDeepCodePrrConfig}), for the resolved warnings. */
const deepCodeNotes = new WeakMap<object, string[]>();

/**
 * Parses and checks the YAML text of a PRR config (through core/config's loader). deep-code's
 * `generate-prr-collection` config (`collection_id` + `items_config`) is accepted too: it is read as an eocube
 * config first ({@link fromDeepCodePrrConfig}, asset paths relative to the config's folder).
 * @throws EocubeError INVALID_CONFIG `file:line: …` naming the field (dotted), the allowed fields or values
 *   (with a did-you-mean) and a fix.
 */
export function parsePrrConfig(text: string, file: string): PrrConfig {
  let notes: string[] | undefined;
  const prepare = (value: unknown) => {
    if (!isDeepCodePrrConfig(value)) return;
    const baseDir = dirname(resolve(file));
    notes = fromDeepCodePrrConfig(value, baseDir);
  };
  const config = parseYamlConfig<PrrConfig>(text, file, PRR_CONFIG_SCHEMA, { ...OPTIONS, prepare }).value;
  if (notes) deepCodeNotes.set(config, notes);
  return config;
}

/**
 * Reads, checks and resolves a PRR config file: asset paths and globs are taken relative to `base_dir`
 * (itself relative to the config file's folder); each glob match becomes one item whose id is the file
 * name (see {@link idFromFileName}) after `id_prefix`; each asset's `asset_files` is resolved (asset, else
 * item, else collection, else "copy") and `asset_base_url` gets a final '/'.
 * @throws EocubeError NOT_FOUND (config missing), INVALID_CONFIG (schema, a glob matching nothing, an asset
 *   with both or neither of path/href, duplicate item ids or asset keys), UNSAFE_ID (an item id unsafe as a path).
 */
export async function loadPrrConfig(file: string, options: { signal?: AbortSignal } = {}): Promise<ResolvedConfig> {
  const text = await readConfigText(file, { hint: TEMPLATE_HINT, signal: options.signal });
  return resolvePrrConfig(parsePrrConfig(text, file), file, options);
}

/**
 * Resolves a checked config (see {@link loadPrrConfig}); `file` names the config in messages and anchors `base_dir`.
 * @throws see {@link loadPrrConfig}.
 */
export async function resolvePrrConfig(config: PrrConfig, file: string, options: { signal?: AbortSignal } = {}): Promise<ResolvedConfig> {
  const baseDir = resolve(dirname(resolve(file)), config.base_dir ?? ".");
  const items: ResolvedItem[] = [];
  const warnings: PrrWarning[] = (deepCodeNotes.get(config) ?? []).map((message) => ({ item: config.id, message }));
  for (const [i, item] of config.items.entries()) {
    throwIfAborted(options.signal);
    const field = `items[${i}]`;
    if ("glob" in item) {
      const g = item as PrrGlobItemConfig;
      checkGlob(g.glob, { path: file, field: `${field}.glob` });
      const outside: string[] = [];
      const matches = await expandGlob(baseDir, g.glob, { outside });
      const left = outside.length
        ? `${outside.length} match(es) lead out of base_dir through symbolic links and were left out: ${outside.join(", ")}`
        : "";
      if (matches.length === 0) {
        throw new EocubeError(
          "INVALID_CONFIG",
          `${field}.glob ${JSON.stringify(g.glob)} matches no file under ${baseDir}${left ? ` (${left})` : ""}`,
          {
            path: file,
            field: `${field}.glob`,
            hint: left
              ? "globs never match outside base_dir; name a file outside it as an explicit asset path (it is then listed in a warning)"
              : "globs are relative to base_dir (the config's folder by default); * and ? match within one folder, ** any folders",
          },
        );
      }
      if (left)
        warnings.push({
          item: config.id,
          message: `${field}.glob ${JSON.stringify(g.glob)}: ${left}; name such files as explicit asset paths to publish them`,
        });
      const { glob: _glob, id_prefix, asset, ...common } = g;
      for (const m of matches) {
        const id = `${id_prefix ?? ""}${idFromFileName(basename(m))}`;
        checkPrrId(id, `${field} (id from ${basename(m)})`, file);
        const { key, ...rest } = asset ?? {};
        const asset_files = rest.asset_files ?? common.asset_files ?? config.asset_files ?? "copy";
        items.push({ ...common, id, field, assets: [{ ...rest, key: key ?? "data", path: m, asset_files, field: `${field}.asset` }] });
      }
      continue;
    }
    const it = item as PrrItemConfig;
    checkPrrId(it.id, `${field}.id`, file);
    const keys = new Set<string>();
    const assets: ResolvedAsset[] = it.assets.map((a, j) => {
      const af = `${field}.assets[${j}]`;
      if ((a.path === undefined) === (a.href === undefined)) {
        throw new EocubeError("INVALID_CONFIG", `${af} needs exactly one of path or href`, {
          path: file,
          field: af,
          hint: "path: a local file relative to base_dir; href: a remote URL",
        });
      }
      if (keys.has(a.key))
        throw new EocubeError("INVALID_CONFIG", `${af}.key ${JSON.stringify(a.key)} is used twice in item ${it.id}`, {
          path: file,
          field: `${af}.key`,
        });
      keys.add(a.key);
      const asset_files = a.asset_files ?? it.asset_files ?? config.asset_files ?? "copy";
      return {
        ...a,
        path: a.path === undefined ? undefined : isAbsolute(a.path) ? a.path : resolve(baseDir, a.path),
        asset_files,
        field: af,
      };
    });
    items.push({ ...it, assets, field });
  }
  const seen = new Map<string, string>();
  for (const it of items) {
    const prev = seen.get(it.id);
    if (prev !== undefined) {
      throw new EocubeError("INVALID_CONFIG", `item id ${JSON.stringify(it.id)} is used twice (${prev} and ${it.field})`, {
        path: file,
        field: `${it.field}.id`,
        hint: "item ids must be unique in a collection; give the items different ids (or an id_prefix for globs)",
      });
    }
    seen.set(it.id, it.field);
  }
  const outsiders = await assetsOutside(items, baseDir);
  if (outsiders.length > 0) {
    warnings.unshift({
      item: config.id,
      message: `${outsiders.length} asset(s) named in the config lie outside base_dir ${baseDir} and are published from there: ${outsiders.join("; ")}; check that each is meant to be published`,
    });
  }
  const base = config.asset_base_url;
  return { config, file, baseDir, assetBaseUrl: base === undefined ? undefined : base.endsWith("/") ? base : `${base}/`, items, warnings };
}

/** The real path of `p` (links resolved), or `p` itself when it does not exist. */
async function realOrSelf(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/**
 * The local assets (`field path`, with `→ target` when a link leads elsewhere) whose path, as written or
 * with its links resolved, lies outside `baseDir`.
 */
async function assetsOutside(items: ResolvedItem[], baseDir: string): Promise<string[]> {
  const baseReal = await realOrSelf(baseDir);
  const out: string[] = [];
  for (const it of items) {
    for (const a of it.assets) {
      if (a.path === undefined) continue;
      const real = await realOrSelf(a.path);
      if (isInside(resolve(a.path), baseDir) && isInside(real, baseReal)) continue;
      out.push(`${a.field} ${a.path}${real !== a.path ? ` (→ ${real})` : ""}`);
    }
  }
  return out;
}

/** The patterns a glob stands for: each `{a,b}` expanded. */
function braceAlternatives(pattern: string): string[] {
  const brace = /\{([^{}]*)\}/.exec(pattern);
  if (!brace) return [pattern];
  const head = pattern.slice(0, brace.index);
  const tail = pattern.slice(brace.index + brace[0].length);
  return [...new Set(brace[1]!.split(",").flatMap((alt) => braceAlternatives(head + alt + tail)))];
}

/**
 * Refuses a glob that names a place outside base_dir: absolute (`/etc/*`, `C:/…`) or with a `..` segment
 * (`../../etc/host*`), in any of its `{a,b}` alternatives.
 * @throws EocubeError INVALID_CONFIG naming `where` (the config file and field).
 */
export function checkGlob(pattern: string, where: { path?: string; field?: string } = {}): void {
  for (const alt of braceAlternatives(pattern)) {
    if (isAbsolute(alt) || /^[A-Za-z]:[\\/]/.test(alt) || alt.split(/[\\/]/).includes("..")) {
      throw new EocubeError(
        "INVALID_CONFIG",
        `${where.field ?? "glob"} ${JSON.stringify(pattern)} leaves base_dir (${isAbsolute(alt) ? "an absolute path" : "a '..' segment"}); globs only match below base_dir`,
        {
          ...where,
          hint: "write the glob relative to base_dir without '..', or set base_dir; name a file outside base_dir as an explicit asset path (it is listed in a warning)",
        },
      );
    }
  }
}

/** Options of {@link expandGlob}. */
export interface ExpandGlobOptions {
  /** Filled with the matches left out because a symbolic link leads out of `base` (`rel → real path`). */
  outside?: string[];
}

/**
 * The absolute paths matching a glob under `base` (sorted): `*`/`?` match within one path segment, `**`
 * any number of folders, `{a,b}` either word; hidden entries (starting with '.') only when the pattern names them.
 * Folders ending in `.zarr` are matched as a whole, never entered by `**`. Nothing outside `base` ever
 * matches: the pattern may not be absolute or hold `..` (see {@link checkGlob}), `**` does not enter linked
 * folders, and a match (or a folder on the way) whose symbolic links lead out of `base` is left out (named in
 * `options.outside`).
 * @throws EocubeError INVALID_CONFIG for an absolute pattern or one with a `..` segment.
 */
export async function expandGlob(base: string, pattern: string, options: ExpandGlobOptions = {}): Promise<string[]> {
  checkGlob(pattern);
  const baseReal = await realOrSelf(resolve(base));
  const out: string[] = [];
  for (const alt of braceAlternatives(pattern)) out.push(...(await expandOne(resolve(base), baseReal, alt, options)));
  return [...new Set(out)].sort();
}

async function expandOne(base: string, baseReal: string, pattern: string, options: ExpandGlobOptions): Promise<string[]> {
  const segs = pattern.split("/").filter((s) => s !== "" && s !== ".");
  let current = [base];
  // a candidate is kept only when its real path (links resolved) stays below base
  const keep = async (p: string): Promise<boolean> => {
    const real = await realOrSelf(p);
    if (isInside(real, baseReal)) return true;
    const shown = `${relative(base, p)} → ${real}`;
    if (!options.outside?.includes(shown)) options.outside?.push(shown);
    return false;
  };
  for (const [k, seg] of segs.entries()) {
    const last = k === segs.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (seg === "**") {
        next.push(...(await walkDirs(dir)));
      } else if (!/[*?]/.test(seg)) {
        const p = join(dir, seg);
        if ((await exists(p)) && (await keep(p))) next.push(p);
      } else {
        const re = globMatcher(seg);
        let names: string[];
        try {
          names = await readdir(dir);
        } catch {
          continue;
        }
        for (const n of names.sort()) {
          if (re(n) && (!n.startsWith(".") || seg.startsWith(".")) && (await keep(join(dir, n)))) next.push(join(dir, n));
        }
      }
    }
    current = last ? next : (await Promise.all(next.map(async (p) => ((await isDir(p)) ? p : undefined)))).filter((p): p is string => !!p);
  }
  return current;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function walkDirs(dir: string): Promise<string[]> {
  const out = [dir];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith(".") && !/\.zarr$/i.test(e.name)) out.push(...(await walkDirs(join(dir, e.name))));
  }
  return out;
}
