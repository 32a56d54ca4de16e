// Reads the metadata of one Zarr group (v2 consolidated, v2 walked, v3 consolidated, v3 walked) into memory.
import { EocubeError } from "../../core/errors.js";
import type { DType } from "../../core/ndarray.js";
import type { Attrs, ReadOptions } from "../../core/variable.js";
import type { FileSystem } from "../../fs/types.js";
import { parseZarrJson } from "./json.js";
import { joinStoreKey } from "./store.js";
import { displayPath } from "../open.js";

/** One array of a group, as found in its metadata. */
export interface ZarrArrayMeta {
  /** Array name inside the group. */
  name: string;
  /** The `.zarray` (v2) or `zarr.json` (v3) document. */
  meta: Record<string, unknown>;
  /** User attributes (`.zattrs` for v2, `attributes` for v3), untouched. */
  attrs: Attrs;
}

/** The metadata of one group, enough to open every array without further metadata requests. */
export interface ZarrGroupMeta {
  version: 2 | 3;
  /** True when it came from consolidated metadata (`.zmetadata` or v3 `consolidated_metadata`). */
  consolidated: boolean;
  /** The store folder on the file system that zarrita keys are relative to. */
  storePrefix: string;
  /** Group attributes. */
  attrs: Attrs;
  /** Arrays directly inside the group, in name order. */
  arrays: ZarrArrayMeta[];
  /** Metadata documents by zarrita key (`/name/.zarray`, `/name/.zattrs`, `/name/zarr.json`). */
  documents: Map<string, unknown>;
  /** True when the path itself is an array (a one-variable dataset). */
  isArray: boolean;
}

/** Options of {@link readGroupMetadata}. */
export interface ReadGroupMetadataOptions extends ReadOptions {
  /** Use consolidated metadata when present (default true). */
  consolidated?: boolean;
}

async function getJson(fs: FileSystem, key: string, options?: ReadOptions): Promise<Record<string, unknown> | undefined> {
  const bytes = await fs.get(key, options);
  return bytes === undefined ? undefined : parseZarrJson(bytes, key);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A metadata value for a message: JSON, cut at 80 characters. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/**
 * Checks an array name read from consolidated metadata: one path segment, not `.`/`..`, no NUL or '\'.
 * @throws EocubeError CORRUPT_DATA naming the metadata key and the entry.
 */
function checkArrayName(name: string, key: string, field: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejects NUL in array names
  if (name === "." || name === ".." || /[\u0000\\]/.test(name)) {
    throw new EocubeError("CORRUPT_DATA", `${key}: ${field} names the array ${shown(name)}, which is not a name inside the store`, {
      path: key,
      field,
      hint: "array names are single folder names (no '..', '\\' or NUL); the metadata was not written by a Zarr library",
    });
  }
}

/** The chunk-key separators the Zarr specs allow (v2 `dimension_separator`, v3 `chunk_key_encoding` separator). */
const SEPARATORS = [".", "/"];

/**
 * Checks the fields eocube relies on in an array document, and its chunk-key separator: v2
 * `dimension_separator` and v3 `chunk_key_encoding.configuration.separator` must be "." or "/" (as zarr-python
 * requires; anything else could make chunk keys such as `0/../../x` that leave the store), and the v3 encoding's
 * name "default" or "v2".
 * Specs: https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html#metadata, …/v3/core/v3.0.html#chunk-key-encoding
 * @throws EocubeError CORRUPT_DATA naming the key and the field.
 */
export function checkArrayMeta(meta: Record<string, unknown>, key: string, version: 2 | 3): void {
  const shape = meta.shape;
  const bad = (field: string, why: string): never => {
    throw new EocubeError("CORRUPT_DATA", `${key}: ${field} ${why}`, { path: key, field });
  };
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) bad("shape", "must be a list of sizes");
  if (version === 2) {
    const chunks = meta.chunks;
    if (!Array.isArray(chunks) || chunks.length !== (shape as unknown[]).length || !chunks.every((s) => Number.isInteger(s) && s > 0)) {
      bad("chunks", "must be a list of positive sizes, one per dimension");
    }
    if (typeof meta.dtype !== "string" && !Array.isArray(meta.dtype)) bad("dtype", "is missing");
    const sep = meta.dimension_separator;
    if (sep !== undefined && sep !== null && !SEPARATORS.includes(sep as string)) {
      bad("dimension_separator", `must be "." or "/", got ${shown(sep)}`);
    }
  } else {
    const grid = meta.chunk_grid as { configuration?: { chunk_shape?: unknown } } | undefined;
    const cs = grid?.configuration?.chunk_shape;
    if (!Array.isArray(cs) || cs.length !== (shape as unknown[]).length) bad("chunk_grid", "must give a chunk_shape per dimension");
    if (typeof meta.data_type !== "string" && !isObject(meta.data_type)) bad("data_type", "is missing");
    const enc = meta.chunk_key_encoding;
    if (enc !== undefined) {
      if (!isObject(enc) || (enc.name !== "default" && enc.name !== "v2")) {
        bad("chunk_key_encoding", `must be {"name": "default" | "v2", …}, got ${shown(enc)}`);
      }
      const conf = (enc as Record<string, unknown>).configuration;
      if (conf !== undefined && !isObject(conf)) bad("chunk_key_encoding.configuration", "must be an object");
      const sep = (conf as Record<string, unknown> | undefined)?.separator;
      if (sep !== undefined && !SEPARATORS.includes(sep as string)) {
        bad("chunk_key_encoding.configuration.separator", `must be "." or "/", got ${shown(sep)}`);
      }
    }
  }
}

/** NOT_FOUND naming the full location once (`https://host/d/x.zarr`, `/data/x.zarr`); `path` stays the key. */
function notFound(fs: FileSystem, path: string): EocubeError {
  return new EocubeError("NOT_FOUND", `no Zarr store at ${displayPath(fs, path)}`, {
    path,
    hint: "the folder holds none of .zmetadata, .zgroup, .zarray, zarr.json; check the path",
  });
}

/**
 * Reads the metadata of the Zarr group (or array) at `path`: first `.zmetadata` (one request for a
 * consolidated v2 store), then `zarr.json` (v3, consolidated metadata used when present), then
 * `.zgroup` / `.zarray` with a listing of the folder. https://zarr-specs.readthedocs.io/
 * @throws EocubeError NOT_FOUND when no Zarr metadata exists at `path`; CORRUPT_DATA naming the key
 *   for a document that is not JSON or lacks required fields.
 */
export async function readGroupMetadata(fs: FileSystem, path: string, options: ReadGroupMetadataOptions = {}): Promise<ZarrGroupMeta> {
  const base = path.replace(/^\/+|\/+$/g, "");
  const k = (key: string) => joinStoreKey(base, key);
  const useConsolidated = options.consolidated ?? true;

  if (useConsolidated) {
    const zmeta = await getJson(fs, k(".zmetadata"), options);
    if (zmeta) return fromConsolidatedV2(zmeta, base, k(".zmetadata"));
  }
  const zjson = await getJson(fs, k("zarr.json"), options);
  if (zjson) return fromV3(fs, zjson, base, useConsolidated, options);
  const zgroup = await getJson(fs, k(".zgroup"), options);
  if (zgroup) return walkV2(fs, base, options);
  const zarray = await getJson(fs, k(".zarray"), options);
  if (zarray) return singleArrayV2(fs, base, zarray, options);
  throw notFound(fs, base);
}

function fromConsolidatedV2(zmeta: Record<string, unknown>, base: string, key: string): ZarrGroupMeta {
  const metadata = zmeta.metadata;
  if (!isObject(metadata)) {
    throw new EocubeError("CORRUPT_DATA", `${key}: "metadata" must be an object`, { path: key, field: "metadata" });
  }
  const documents = new Map<string, unknown>();
  const arrays: ZarrArrayMeta[] = [];
  for (const [name, doc] of Object.entries(metadata)) {
    if (!isObject(doc)) throw new EocubeError("CORRUPT_DATA", `${key}: entry ${name} is not an object`, { path: key, field: name });
    documents.set(`/${name}`, doc);
  }
  for (const [name, doc] of Object.entries(metadata)) {
    const m = /^([^/]+)\/\.zarray$/.exec(name);
    if (!m) continue;
    checkArrayName(m[1]!, key, `metadata.${name}`);
    checkArrayMeta(doc as Record<string, unknown>, `${key}: ${name}`, 2);
    const attrs = metadata[`${m[1]}/.zattrs`];
    arrays.push({ name: m[1]!, meta: doc as Record<string, unknown>, attrs: isObject(attrs) ? attrs : {} });
  }
  arrays.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const gattrs = metadata[".zattrs"];
  return { version: 2, consolidated: true, storePrefix: base, attrs: isObject(gattrs) ? gattrs : {}, arrays, documents, isArray: false };
}

async function walkV2(fs: FileSystem, base: string, options: ReadOptions): Promise<ZarrGroupMeta> {
  const k = (key: string) => joinStoreKey(base, key);
  const documents = new Map<string, unknown>();
  const gattrs = (await getJson(fs, k(".zattrs"), options)) ?? {};
  const entries = (await fs.list(base, options)).filter((e) => e.endsWith("/")).map((e) => e.slice(0, -1));
  const found = await Promise.all(
    entries.map(async (name) => {
      const zkey = k(`${name}/.zarray`);
      const meta = await getJson(fs, zkey, options);
      if (!meta) return undefined;
      checkArrayMeta(meta, zkey, 2);
      const attrs = (await getJson(fs, k(`${name}/.zattrs`), options)) ?? {};
      documents.set(`/${name}/.zarray`, meta);
      documents.set(`/${name}/.zattrs`, attrs);
      return { name, meta, attrs };
    }),
  );
  const arrays = found.filter((a): a is ZarrArrayMeta => a !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { version: 2, consolidated: false, storePrefix: base, attrs: gattrs, arrays, documents, isArray: false };
}

async function singleArrayV2(fs: FileSystem, base: string, meta: Record<string, unknown>, options: ReadOptions): Promise<ZarrGroupMeta> {
  checkArrayMeta(meta, joinStoreKey(base, ".zarray"), 2);
  const attrs = (await getJson(fs, joinStoreKey(base, ".zattrs"), options)) ?? {};
  const i = base.lastIndexOf("/");
  const name = base.slice(i + 1);
  const documents = new Map<string, unknown>([
    [`/${name}/.zarray`, meta],
    [`/${name}/.zattrs`, attrs],
  ]);
  return {
    version: 2,
    consolidated: false,
    storePrefix: i < 0 ? "" : base.slice(0, i),
    attrs: {},
    arrays: [{ name, meta, attrs }],
    documents,
    isArray: true,
  };
}

async function fromV3(
  fs: FileSystem,
  root: Record<string, unknown>,
  base: string,
  useConsolidated: boolean,
  options: ReadOptions,
): Promise<ZarrGroupMeta> {
  const rootKey = joinStoreKey(base, "zarr.json");
  if (root.node_type === "array") {
    checkArrayMeta(root, rootKey, 3);
    const i = base.lastIndexOf("/");
    const name = base.slice(i + 1);
    const attrs = isObject(root.attributes) ? root.attributes : {};
    return {
      version: 3,
      consolidated: false,
      storePrefix: i < 0 ? "" : base.slice(0, i),
      attrs: {},
      arrays: [{ name, meta: root, attrs }],
      documents: new Map([[`/${name}/zarr.json`, root]]),
      isArray: true,
    };
  }
  if (root.node_type !== "group") {
    throw new EocubeError("CORRUPT_DATA", `${rootKey}: node_type must be "group" or "array"`, { path: rootKey, field: "node_type" });
  }
  const attrs = isObject(root.attributes) ? root.attributes : {};
  const documents = new Map<string, unknown>();
  const arrays: ZarrArrayMeta[] = [];
  const cm = root.consolidated_metadata;
  const consolidated = useConsolidated && isObject(cm) && isObject(cm.metadata);
  if (consolidated) {
    for (const [name, doc] of Object.entries((cm as { metadata: Record<string, unknown> }).metadata)) {
      if (name.includes("/") || !isObject(doc)) continue;
      checkArrayName(name, rootKey, `consolidated_metadata.metadata.${name}`);
      documents.set(`/${name}/zarr.json`, doc);
      if (doc.node_type !== "array") continue;
      checkArrayMeta(doc, `${rootKey}: consolidated_metadata.${name}`, 3);
      arrays.push({ name, meta: doc, attrs: isObject(doc.attributes) ? doc.attributes : {} });
    }
  } else {
    const entries = (await fs.list(base, options)).filter((e) => e.endsWith("/")).map((e) => e.slice(0, -1));
    const found = await Promise.all(
      entries.map(async (name) => {
        const key = joinStoreKey(base, `${name}/zarr.json`);
        const doc = await getJson(fs, key, options);
        if (doc?.node_type !== "array") return undefined;
        checkArrayMeta(doc, key, 3);
        documents.set(`/${name}/zarr.json`, doc);
        return { name, meta: doc, attrs: isObject(doc.attributes) ? doc.attributes : {} };
      }),
    );
    for (const a of found) if (a) arrays.push(a);
  }
  arrays.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: 3, consolidated, storePrefix: base, attrs, arrays, documents, isArray: false };
}

/**
 * The eocube dtype of a Zarr data type: v2 `dtype` strings (`<f8`, `|b1`, `<U7`, `|S7`, `|O`) or v3
 * `data_type` names (`float32`, `bool`, `string`). `float16` reads as float32. Undefined when unsupported
 * (structured dtypes, datetimes stored natively, complex).
 */
export function dtypeOf(meta: Record<string, unknown>, version: 2 | 3): DType | undefined {
  if (version === 3) {
    const t = meta.data_type;
    if (typeof t !== "string") return undefined;
    if (t === "float16") return "float32";
    if (t === "string") return "str";
    if (/^(bool|u?int(8|16|32|64)|float(32|64))$/.test(t)) return t as DType;
    return undefined;
  }
  const d = meta.dtype;
  if (typeof d !== "string") return undefined;
  const m = /^[<>|=]?([biufUSO])(\d*)/.exec(d);
  if (!m) return undefined;
  const [, kind, size] = m;
  switch (kind) {
    case "b":
      return "bool";
    case "i":
      return ({ "1": "int8", "2": "int16", "4": "int32", "8": "int64" } as Record<string, DType>)[size!];
    case "u":
      return ({ "1": "uint8", "2": "uint16", "4": "uint32", "8": "uint64" } as Record<string, DType>)[size!];
    case "f":
      return ({ "2": "float32", "4": "float32", "8": "float64" } as Record<string, DType>)[size!];
    case "U":
    case "S":
      return "str";
    case "O":
      return "object";
    default:
      return undefined;
  }
}

/** Decodes a Zarr JSON fill value (`"NaN"`, `"Infinity"`, `"-Infinity"`, numbers, booleans) to a JS value. */
export function decodeFillValue(v: unknown): unknown {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return v;
}

/**
 * The chunk key (relative to the array folder) of a chunk of the stored chunk grid: v2 `0.1.2`
 * (with the array's `dimension_separator`), v3 by its `chunk_key_encoding` (`c/0/1/2` by default).
 */
export function storedChunkKey(meta: Record<string, unknown>, version: 2 | 3, coords: number[]): string {
  if (version === 2) {
    const sep = typeof meta.dimension_separator === "string" ? meta.dimension_separator : ".";
    return coords.length === 0 ? "0" : coords.join(sep);
  }
  const enc = meta.chunk_key_encoding as { name?: string; configuration?: { separator?: string } } | undefined;
  if (enc?.name === "v2") {
    const sep = enc.configuration?.separator ?? ".";
    return coords.length === 0 ? "0" : coords.join(sep);
  }
  const sep = enc?.configuration?.separator ?? "/";
  return ["c", ...coords].join(sep);
}
