// Opens the cube a dataset config names: its data sources in turn (deep-code's bare dataset_id read from the
// DeepESDL bucket), through the stores or the caller's opener, with secrets kept out of messages.
import { stat } from "node:fs/promises";
import type { Dataset } from "../../../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../../../core/errors.js";
import { redactUrl } from "../../../fs/https.js";
import type { DatasetContext } from "./context.js";

/** deep-code's data store: the public DeepESDL bucket. */
export const DEEPESDL_BUCKET = "s3://deep-esdl-public";

/**
 * Opens the cube of the dataset config: the options' cube when given, else each of `data_source` (or
 * `dataset_id`) in turn until one opens; a bare `dataset_id` that is no local file is read from
 * {@link DEEPESDL_BUCKET} unsigned, as deep-code does (with a warning). Failed sources before the last are warnings.
 * @returns the open cube and the source it came from (unredacted; redact before showing it).
 * @throws EocubeError the stores' error of the last source (with several sources: naming all of them and
 *   `data_source`); CANCELLED at once.
 */
export async function openCube(ctx: DatasetContext): Promise<{ ds: Dataset; source: string }> {
  const { opts, dc } = ctx;
  const sources = dc.data_source === undefined ? [dc.dataset_id] : Array.isArray(dc.data_source) ? dc.data_source : [dc.data_source];
  if (opts.dataset) return { ds: opts.dataset, source: sources[0] ?? dc.dataset_id };
  const open = opts.open ?? (async (s, o) => (await import("../../../stores/open.js")).openDataset(s, o));
  let storeParams = dc.store_params;
  // deep-code compatibility: a bare dataset_id that is no local file names a cube in DeepESDL's public bucket
  if (dc.data_source === undefined && !dc.store_id && isBareName(dc.dataset_id) && !(await pathExists(dc.dataset_id))) {
    sources[0] = `${DEEPESDL_BUCKET}/${dc.dataset_id}`;
    const so = { ...((dc.store_params?.storage_options as Record<string, unknown> | undefined) ?? {}) };
    if (so.key === undefined && so.anon === undefined) so.anon = true;
    storeParams = { ...dc.store_params, storage_options: so };
    ctx.warnings.push(`dataset_id ${dc.dataset_id} is no local file; reading it from ${sources[0]} as deep-code does`);
  }
  let last: unknown;
  for (const source of sources) {
    throwIfAborted(opts.signal);
    try {
      return { ds: await open(source, { storeId: dc.store_id, storeParams, signal: opts.signal }), source };
    } catch (err) {
      if (isEocubeError(err, "CANCELLED")) throw err;
      last = err;
      if (sources.length > 1)
        ctx.warnings.push(`could not open ${redactUrl(source)}: ${(err as Error).message}; trying the next data source`);
    }
  }
  if (isEocubeError(last) && sources.length > 1) {
    throw new EocubeError(last.code, `none of the data sources could be opened (${sources.map(redactUrl).join(", ")}): ${last.message}`, {
      path: last.path ?? ctx.dPath,
      field: "data_source",
      hint: last.hint,
      cause: last,
    });
  }
  throw last;
}

function isBareName(id: string): boolean {
  return !id.includes("/") && !id.includes("\\") && !/^[a-z][a-z0-9+.-]*:/i.test(id);
}

async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
