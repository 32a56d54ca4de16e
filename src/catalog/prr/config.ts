// Loads the PRR config (YAML → ajv) and resolves it: base_dir, globs → one item per file, safe unique ids.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { LineCounter, parseDocument } from "yaml";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { PRR_CONFIG_SCHEMA, type PrrAssetConfig, type PrrAssetFiles, type PrrConfig, type PrrGlobItemConfig, type PrrItemCommon, type PrrItemConfig } from "./config-schema.js";
import { PRR_ID_PATTERN } from "./constants.js";

const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv) => Ajv;
let validator: ValidateFunction | undefined;

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

/**
 * Parses and checks the YAML text of a PRR config.
 * @throws EocubeError INVALID_CONFIG naming the file, the field (dotted), its line and the allowed values.
 */
export function parsePrrConfig(text: string, file: string): PrrConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const pos = lineCounter.linePos(doc.errors[0]!.pos[0]);
    throw new EocubeError("INVALID_CONFIG", `${file} is not valid YAML at line ${pos.line}, column ${pos.col}: ${doc.errors[0]!.message.split("\n")[0]}`, {
      path: file,
      hint: "check the indentation and quoting around that line",
    });
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new EocubeError("INVALID_CONFIG", `${file} must hold a YAML mapping (key: value lines)`, { path: file, hint: "write a template with `eocube prr --init`" });
  }
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    validator = ajv.compile(PRR_CONFIG_SCHEMA);
  }
  if (!validator(value)) {
    const errors = [...(validator.errors ?? [])].filter((e) => e.keyword !== "if").sort((a, b) => rank(a) - rank(b));
    const problems = errors.map((e) => describeError(e));
    const first = problems[0]!;
    const segs = first.field.split(/\.|\[|\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let line: number | undefined;
    for (let n = segs.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && Array.isArray(node.range)) line = lineCounter.linePos(node.range[0]).line;
    }
    throw new EocubeError("INVALID_CONFIG", `${file}${line ? ` (line ${line})` : ""}: ${first.message}`, {
      path: file,
      field: first.field,
      hint: first.hint,
      details: problems.map((p) => `${p.field}: ${p.message}`),
    });
  }
  return value as PrrConfig;
}

function rank(e: ErrorObject): number {
  return ({ additionalProperties: 0, required: 1, enum: 2, pattern: 3, format: 3 } as Record<string, number>)[e.keyword] ?? 5;
}

function describeError(e: ErrorObject): { field: string; message: string; hint?: string } {
  const segs = e.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const dotted = (xs: string[]) => xs.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
  const here = dotted(segs) || "(top level)";
  const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      return { field: dotted([...segs, extra]), message: `unknown field ${JSON.stringify(extra)} in ${here}`, hint: `allowed fields: ${props.join(", ")}` };
    }
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return { field: dotted([...segs, missing]), message: `missing required field ${dotted([...segs, missing])}`, hint: props.length ? `fields of ${here}: ${props.join(", ")}` : undefined };
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const list = allowed.length > 12 ? `an SPDX licence id (https://spdx.org/licenses/), "various" or "proprietary"` : allowed.join(", ");
      return { field: here, message: `${here} is not one of the allowed values`, hint: `allowed values: ${list}` };
    }
    case "pattern":
      return {
        field: here,
        message: `${here} ${e.message}`,
        hint: /A-Za-z0-9\]\+\(/.test(String((e.params as { pattern: string }).pattern))
          ? "ids become file names: letters, digits and single '-', '_' or '.' between them"
          : undefined,
      };
    default:
      return { field: here, message: `${here} ${e.message ?? "is invalid"}` };
  }
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
  throwIfAborted(options.signal);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new EocubeError("NOT_FOUND", `config file ${file} does not exist`, { path: file, hint: "write a template with `eocube prr --init -o prr-config.yaml`" });
    }
    throw new EocubeError("INVALID_CONFIG", `cannot read ${file}: ${(err as Error).message}`, { path: file, cause: err });
  }
  return resolvePrrConfig(parsePrrConfig(text, file), file, options);
}

/**
 * Resolves a checked config (see {@link loadPrrConfig}); `file` names the config in messages and anchors `base_dir`.
 * @throws see {@link loadPrrConfig}.
 */
export async function resolvePrrConfig(config: PrrConfig, file: string, options: { signal?: AbortSignal } = {}): Promise<ResolvedConfig> {
  const baseDir = resolve(dirname(resolve(file)), config.base_dir ?? ".");
  const items: ResolvedItem[] = [];
  for (const [i, item] of config.items.entries()) {
    throwIfAborted(options.signal);
    const field = `items[${i}]`;
    if ("glob" in item) {
      const g = item as PrrGlobItemConfig;
      const matches = await expandGlob(baseDir, g.glob);
      if (matches.length === 0) {
        throw new EocubeError("INVALID_CONFIG", `${field}.glob ${JSON.stringify(g.glob)} matches no file under ${baseDir}`, {
          path: file,
          field: `${field}.glob`,
          hint: "globs are relative to base_dir (the config's folder by default); * and ? match within one folder, ** any folders",
        });
      }
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
        throw new EocubeError("INVALID_CONFIG", `${af} needs exactly one of path or href`, { path: file, field: af, hint: "path: a local file relative to base_dir; href: a remote URL" });
      }
      if (keys.has(a.key)) throw new EocubeError("INVALID_CONFIG", `${af}.key ${JSON.stringify(a.key)} is used twice in item ${it.id}`, { path: file, field: `${af}.key` });
      keys.add(a.key);
      const asset_files = a.asset_files ?? it.asset_files ?? config.asset_files ?? "copy";
      return { ...a, path: a.path === undefined ? undefined : isAbsolute(a.path) ? a.path : resolve(baseDir, a.path), asset_files, field: af };
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
  const base = config.asset_base_url;
  return { config, file, baseDir, assetBaseUrl: base === undefined ? undefined : base.endsWith("/") ? base : `${base}/`, items };
}

function segmentRegExp(seg: string): RegExp {
  const re = seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${re}$`);
}

/**
 * The absolute paths matching a glob under `base` (sorted): `*`/`?` match within one path segment, `**`
 * any number of folders, `{a,b}` either word; hidden entries (starting with '.') only when the pattern names them.
 * Folders ending in `.zarr` are matched as a whole, never entered by `**`.
 */
export async function expandGlob(base: string, pattern: string): Promise<string[]> {
  const brace = /\{([^{}]*)\}/.exec(pattern);
  if (brace) {
    const out: string[] = [];
    for (const alt of brace[1]!.split(",")) {
      out.push(...(await expandGlob(base, pattern.slice(0, brace.index) + alt + pattern.slice(brace.index + brace[0].length))));
    }
    return [...new Set(out)].sort();
  }
  const abs = isAbsolute(pattern);
  const segs = pattern.split("/").filter((s, i) => s !== "" || (i === 0 && abs));
  let current = [abs ? "/" : base];
  if (abs) segs.shift();
  for (const [k, seg] of segs.entries()) {
    const last = k === segs.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (seg === "**") {
        next.push(...(await walkDirs(dir)));
      } else if (!/[*?]/.test(seg)) {
        const p = join(dir, seg);
        if (await exists(p)) next.push(p);
      } else {
        const re = segmentRegExp(seg);
        let names: string[];
        try {
          names = await readdir(dir);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n) && (!n.startsWith(".") || seg.startsWith("."))) next.push(join(dir, n));
      }
    }
    current = last ? next : (await Promise.all(next.map(async (p) => ((await isDir(p)) ? p : undefined)))).filter((p): p is string => !!p);
  }
  return [...new Set(current)].sort();
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

async function walkDirs(dir: string): Promise<string[]> {
  const out = [dir];
  let entries;
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
