// The served datasets as the two buckets of xcube's S3 emulation: `datasets` (each dataset as `{name}.zarr/…`, a
// Zarr v2 store made on request) and `pyramids` (`{name}.levels/{level}.zarr/…`, one store per pyramid level).
// Source of the rules: xcube/webapi/s3/{context,dsmapping,objectstorage}.py.
import { createHash } from "node:crypto";
import type { Dataset } from "../core/dataset.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import { zarrView, type ZarrView } from "../formats/zarr/view.js";
import { coarsen } from "../ops/levels.js";
import type { DatasetsContext, ServedDataset, UngriddedDataset } from "./datasets.js";
import type { KeySource, S3Object } from "./s3-list.js";

/** The buckets of the emulation. */
export const S3_BUCKETS = ["datasets", "pyramids"] as const;
export type S3Bucket = (typeof S3_BUCKETS)[number];

/**
 * The S3 names of dataset ids, as xcube's `DatasetsMapping._get_s3_names`: in `datasets` every name ends in
 * `.zarr` (`cube` → `cube.zarr`; `cube.levels` → `cube.zarr` unless that id exists too, else `cube.levels.zarr`),
 * in `pyramids` in `.levels` (likewise from `.zarr`).
 * @returns S3 name → dataset id, in the ids' order.
 */
export function s3Names(ids: readonly string[], bucket: S3Bucket): Map<string, string> {
  const all = new Set(ids);
  const [trigger, ext] = bucket === "pyramids" ? [".zarr", ".levels"] : [".levels", ".zarr"];
  const out = new Map<string, string>();
  for (const id of ids) {
    const dot = id.lastIndexOf(".");
    const [base, old] = dot > 0 ? [id.slice(0, dot), id.slice(dot)] : [id, ""];
    const name = old === ext || (old === trigger && !all.has(base + ext)) ? base + ext : base + old + ext;
    out.set(name, id);
  }
  return out;
}

/**
 * The dataset a served dataset shows through S3: its coordinates, its published variables and the grid-mapping
 * variables they name (`grid_mapping`), its attributes.
 */
export function publishedDataset(sd: ServedDataset | UngriddedDataset, ds: Dataset = sd.dataset): Dataset {
  const keep = new Set(sd.variableNames);
  for (const n of sd.variableNames) {
    const gm = ds.data_vars[n]?.attrs.grid_mapping;
    if (typeof gm === "string") keep.add(gm.split(/[\s:]+/)[0]!);
  }
  const data_vars: Record<string, Variable> = {};
  for (const [k, v] of Object.entries(ds.data_vars)) if (keep.has(k)) data_vars[k] = v;
  return ds.with({ data_vars });
}

/** A quoted ETag for an object: its bytes' MD5 for metadata, else derived from the key, size and server start. */
function etagOf(text: string): string {
  return `"${createHash("md5").update(text).digest("hex")}"`;
}

/** Both buckets over a datasets context; views are made once per opened dataset. */
export class S3Emulation {
  readonly #ctx: () => DatasetsContext;
  readonly #startedAt: () => number;
  /** Views per bucket by opened dataset (a reopened dataset gets new ones). */
  readonly #views = { datasets: new WeakMap<object, Promise<ZarrView[]>>(), pyramids: new WeakMap<object, Promise<ZarrView[]>>() };

  /** @param ctx the current datasets context (a configuration update replaces it). */
  constructor(ctx: () => DatasetsContext, startedAt: () => number) {
    this.#ctx = ctx;
    this.#startedAt = startedAt;
  }

  /** The S3 names of the bucket's datasets → dataset ids (the configuration's order). */
  async names(bucket: S3Bucket, options?: ReadOptions): Promise<Map<string, string>> {
    return s3Names(
      (await this.#ctx().entries(options)).map((e) => e.id),
      bucket,
    );
  }

  /** The Zarr views of a dataset: one (`datasets`), or one per pyramid level (`pyramids`; one for ungridded data). */
  async #viewsOf(id: string, bucket: S3Bucket, options?: ReadOptions): Promise<ZarrView[]> {
    const sd = await this.#ctx().open(id, options);
    const cache = this.#views[bucket];
    let views = cache.get(sd);
    if (!views) {
      views = (async () => {
        if (bucket === "datasets" || !sd.gm) return [zarrView(publishedDataset(sd))];
        const out: ZarrView[] = [];
        for (const level of sd.levels) {
          const ds = level.dataset ?? (await coarsen(sd.dataset, level.factor, { agg: "first", signal: options?.signal }));
          out.push(zarrView(publishedDataset(sd, ds)));
        }
        return out;
      })();
      views.catch(() => cache.delete(sd));
      cache.set(sd, views);
    }
    return views;
  }

  /** The store and key inside it of an object key (`cube.zarr/conc_chl/0.1.2`, `cube.levels/2.zarr/.zmetadata`). */
  async #locate(bucket: S3Bucket, key: string, options?: ReadOptions): Promise<{ view: ZarrView; inner: string } | undefined> {
    const slash = key.indexOf("/");
    if (slash < 0) return undefined;
    const id = (await this.names(bucket, options)).get(key.slice(0, slash));
    if (id === undefined) return undefined;
    const views = await this.#viewsOf(id, bucket, options);
    const rest = key.slice(slash + 1);
    if (bucket === "datasets") return { view: views[0]!, inner: rest };
    const m = /^(0|[1-9]\d{0,3})\.zarr\/(.+)$/.exec(rest);
    const view = m ? views[Number(m[1])] : undefined;
    return view ? { view, inner: m![2]! } : undefined;
  }

  /** Size and ETag of an object, or undefined when there is none (HEAD). */
  async head(bucket: S3Bucket, key: string, options?: ReadOptions): Promise<{ size: number; etag: string } | undefined> {
    const loc = await this.#locate(bucket, key, options);
    const size = loc?.view.size(loc.inner);
    return size === undefined ? undefined : { size, etag: etagOf(`${this.#startedAt()}:${bucket}/${key}:${size}`) };
  }

  /** The bytes of an object, or undefined when there is none (GET). */
  async get(bucket: S3Bucket, key: string, options?: ReadOptions): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
    const loc = await this.#locate(bucket, key, options);
    if (!loc) return undefined;
    const bytes = await loc.view.get(loc.inner, options);
    return bytes && { bytes, etag: etagOf(`${this.#startedAt()}:${bucket}/${key}:${bytes.length}`) };
  }

  /** The bucket's keys for {@link listObjects}: one group per dataset (`cube.zarr/`), sorted, opened only when listed. */
  async keySource(bucket: S3Bucket, options?: ReadOptions): Promise<KeySource> {
    const names = [...(await this.names(bucket, options)).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const startedAt = this.#startedAt();
    const objects = (prefix: string, view: ZarrView): S3Object[] =>
      view.keys().map((k) => {
        const key = prefix + k;
        const size = view.size(k)!;
        return { key, size, etag: etagOf(`${startedAt}:${bucket}/${key}:${size}`) };
      });
    return {
      groups: () =>
        names.map(([name, id]) => ({
          prefix: `${name}/`,
          keys: async () => {
            const views = await this.#viewsOf(id, bucket, options);
            if (bucket === "datasets") return objects(`${name}/`, views[0]!);
            // levels sort as text (10.zarr before 2.zarr), as S3 lists keys
            return views
              .map((v, i) => ({ v, p: `${name}/${i}.zarr/` }))
              .sort((a, b) => (a.p < b.p ? -1 : 1))
              .flatMap(({ v, p }) => objects(p, v));
          },
        })),
    };
  }
}
