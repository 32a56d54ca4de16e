// A dataset seen as a read-only Zarr v2 store whose objects are made on request: consolidated metadata and
// uncompressed chunks encoded from the variables' values (any format read as Zarr; the server's /s3 emulation).
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { itemSize } from "../../core/ndarray.js";
import type { ReadOptions } from "../../core/variable.js";
import { stringifyZarrJson } from "./json.js";
import { arrayMetadata, datasetPlan, encodeChunk, v2Attrs, type ZarrArraySpec, type variablePlan } from "./writer.js";

/** A read-only Zarr v2 store over a dataset; see {@link zarrView}. */
export interface ZarrView {
  /** Every key of the store, sorted (UTF-16 order, as S3 lists ASCII keys): `.zattrs`, `.zgroup`, `.zmetadata`, `v/.zarray`, `v/0.1.2`, …. */
  keys(): string[];
  /** Size in bytes of the object `key` (known without reading: chunks are uncompressed), or undefined when there is none. */
  size(key: string): number | undefined;
  /**
   * The bytes of object `key` (metadata as JSON; a chunk read from the variable and encoded C-order little-endian,
   * edge chunks padded with the fill value), or undefined when there is none.
   * @throws the read errors of the variable (EocubeError CORRUPT_DATA, TIMEOUT, CANCELLED, …).
   */
  get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined>;
  /** The variables left out (string or object values, which Zarr v2 cannot hold here), by name. */
  readonly skipped: string[];
}

/** Options of {@link zarrView}. */
export interface ZarrViewOptions {
  /**
   * Chunk edges of the two innermost dimensions below this are grouped (GeoTIFF strips, small tiles) to at least
   * twice this, so a chunk is not a request per row [default 128 px].
   */
  minEdge?: number;
  /** Chunk edges of the two innermost dimensions above this are cut to half of it [default 2048 px]. */
  maxEdge?: number;
}

const encoder = new TextEncoder();

/** The view's chunk shape of an array: native chunks, the two innermost edges grouped when small, cut when huge. */
function viewChunks(spec: ZarrArraySpec, minEdge: number, maxEdge: number): number[] {
  const n = spec.shape.length;
  return spec.chunks.map((c, i) => {
    const size = Math.max(1, spec.shape[i]!);
    if (i < n - 2) return Math.min(c, size);
    let e = c;
    if (e < minEdge) e *= Math.ceil((2 * minEdge) / e);
    if (e > maxEdge) e = maxEdge / 2;
    return Math.max(1, Math.min(e, size));
  });
}

/**
 * A dataset as a Zarr v2 store (xcube's `GenericZarrStore`, as its server's S3 emulation exposes a dataset):
 * consolidated metadata (`.zmetadata`) and one object per chunk, `dimension_separator` ".", no compressor, so
 * an object's size is known before its values are read. Variables are written as {@link writeDataset} writes
 * them (times CF-encoded as float64 with units/calendar, `_FillValue` as the fill value, a string grid-mapping
 * scalar as int32 0); other string/object variables are left out ({@link ZarrView.skipped}). Lazy: `get` of a chunk
 * reads only that chunk's window of the variable.
 */
export function zarrView(ds: Dataset, options: ZarrViewOptions = {}): ZarrView {
  const minEdge = options.minEdge ?? 128;
  const maxEdge = options.maxEdge ?? 2048;
  const skipped: string[] = [];
  let plan: ReturnType<typeof datasetPlan> | undefined;
  let current = ds;
  while (!plan) {
    try {
      plan = datasetPlan(current);
    } catch (err) {
      const name = isEocubeError(err, "UNSUPPORTED") ? err.field : undefined;
      if (name === undefined || !(name in current.variables)) throw err;
      skipped.push(name);
      const drop = <T>(vars: Record<string, T>) => Object.fromEntries(Object.entries(vars).filter(([k]) => k !== name));
      current = current.with({ coords: drop(current.coords), data_vars: drop(current.data_vars) });
    }
  }
  const variables = Object.values(current.variables);
  const arrays = new Map<string, { spec: ZarrArraySpec; convert: ReturnType<typeof variablePlan>["convert"]; index: number }>();
  plan.plans.forEach((p, index) => {
    const spec = { ...p.spec, chunks: viewChunks(p.spec, minEdge, maxEdge) };
    arrays.set(spec.name, { spec, convert: p.convert, index });
  });
  const meta = new Map<string, Uint8Array>();
  const consolidated: Record<string, unknown> = { ".zattrs": plan.attrs, ".zgroup": { zarr_format: 2 } };
  for (const { spec } of arrays.values()) {
    consolidated[`${spec.name}/.zarray`] = arrayMetadata(spec, 2, null);
    consolidated[`${spec.name}/.zattrs`] = v2Attrs(spec);
  }
  for (const [k, doc] of Object.entries(consolidated)) meta.set(k, encoder.encode(stringifyZarrJson(doc)));
  meta.set(".zmetadata", encoder.encode(stringifyZarrJson({ metadata: consolidated, zarr_consolidated_format: 1 })));

  const gridOf = (spec: ZarrArraySpec) => spec.shape.map((s, d) => Math.ceil(s / spec.chunks[d]!));
  /** The array and chunk index of a chunk key, or undefined. */
  const chunkOf = (key: string): { name: string; index: number[] } | undefined => {
    const slash = key.lastIndexOf("/");
    if (slash <= 0) return undefined;
    const a = arrays.get(key.slice(0, slash));
    if (!a) return undefined;
    const tail = key.slice(slash + 1);
    const { spec } = a;
    if (spec.shape.length === 0) return tail === "0" ? { name: spec.name, index: [] } : undefined;
    const parts = tail.split(".");
    const grid = gridOf(spec);
    if (parts.length !== grid.length || parts.some((p) => !/^(0|[1-9]\d{0,9})$/.test(p))) return undefined;
    const index = parts.map(Number);
    return index.every((c, d) => c < grid[d]!) ? { name: spec.name, index } : undefined;
  };
  let keys: string[] | undefined;
  return {
    skipped,
    keys() {
      if (!keys) {
        const out = [...meta.keys()];
        for (const { spec } of arrays.values()) {
          const grid = gridOf(spec);
          if (grid.length === 0) {
            out.push(`${spec.name}/0`);
            continue;
          }
          if (grid.some((g) => g === 0)) continue;
          const idx = grid.map(() => 0);
          for (;;) {
            out.push(`${spec.name}/${idx.join(".")}`);
            let d = idx.length - 1;
            while (d >= 0 && ++idx[d]! >= grid[d]!) idx[d--] = 0;
            if (d < 0) break;
          }
        }
        keys = out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      }
      return keys;
    },
    size(key) {
      const m = meta.get(key);
      if (m) return m.length;
      const c = chunkOf(key);
      if (!c) return undefined;
      const { spec } = arrays.get(c.name)!;
      return spec.chunks.reduce((a, b) => a * b, 1) * itemSize(spec.dtype);
    },
    async get(key, readOptions) {
      const m = meta.get(key);
      if (m) return m;
      const c = chunkOf(key);
      if (!c) return undefined;
      const a = arrays.get(c.name)!;
      const { spec } = a;
      const sel = c.index.map((ci, d): [number, number] => [ci * spec.chunks[d]!, Math.min(spec.shape[d]!, (ci + 1) * spec.chunks[d]!)]);
      const v = variables[a.index];
      if (!v) throw new EocubeError("INTERNAL", `no variable for Zarr array ${spec.name}`);
      const values = a.convert(await v.read(sel, readOptions));
      return encodeChunk(spec, values, { compressor: null });
    },
  };
}
