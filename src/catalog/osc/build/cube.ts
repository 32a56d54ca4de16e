// Opens the cube a dataset config names: its data sources in turn (deep-code's bare dataset_id read from the
// public DeepESDL bucket, then the team bucket of S3_USER_STORAGE_*), through the stores or the caller's opener,
// with secrets kept out of messages.
import { stat } from "node:fs/promises";
import type { Dataset } from "../../../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../../../core/errors.js";
import { redactUrl } from "../../../fs/https.js";
import type { DatasetContext } from "./context.js";

/** deep-code's data store: the public DeepESDL bucket. */
export const DEEPESDL_BUCKET = "s3://deep-esdl-public";

/** The environment variables of deep-code's DeepESDL team bucket (`open_dataset`'s "Authenticated store"). */
export const TEAM_BUCKET_ENV = { bucket: "S3_USER_STORAGE_BUCKET", key: "S3_USER_STORAGE_KEY", secret: "S3_USER_STORAGE_SECRET" } as const;

/** One place to try: a source and the store_params to open it with (never shown: they may hold secrets). */
export interface CubeAttempt {
  source: string;
  storeParams?: Record<string, unknown>;
}

/**
 * Opens the cube of the dataset config: the options' cube when given, else each of `data_source` (or
 * `dataset_id`) in turn until one opens. A bare `dataset_id` that is no local file is read as deep-code does
 * (`helper.open_dataset`): from {@link DEEPESDL_BUCKET} unsigned, then, when `S3_USER_STORAGE_BUCKET` is set, from
 * that DeepESDL team bucket signed with `S3_USER_STORAGE_KEY`/`S3_USER_STORAGE_SECRET` (else the default AWS
 * credentials); both with a warning naming the bucket, never the key or secret. Failed sources before the last are
 * warnings.
 * @returns the open cube and the source it came from (unredacted; redact before showing it).
 * @throws EocubeError the stores' error of the last source (with several sources: naming all of them and
 *   `data_source`); CANCELLED at once.
 */
export async function openCube(ctx: DatasetContext): Promise<{ ds: Dataset; source: string }> {
  const { opts, dc } = ctx;
  const sources = dc.data_source === undefined ? [dc.dataset_id] : Array.isArray(dc.data_source) ? dc.data_source : [dc.data_source];
  if (opts.dataset) return { ds: opts.dataset, source: sources[0] ?? dc.dataset_id };
  const open = opts.open ?? (async (s, o) => (await import("../../../stores/open.js")).openDataset(s, o));
  let attempts: CubeAttempt[] = sources.map((source) => ({ source, storeParams: dc.store_params }));
  // deep-code compatibility: a bare dataset_id that is no local file names a cube in DeepESDL's buckets
  if (dc.data_source === undefined && !dc.store_id && (await isDeepEsdlId(dc.dataset_id))) {
    attempts = deepEsdlAttempts(dc.dataset_id, dc.store_params, opts.env ?? process.env);
    ctx.warnings.push(
      `dataset_id ${dc.dataset_id} is no local file; reading it from ${attempts.map((a) => a.source).join(", then ")} as deep-code does`,
    );
  }
  let last: unknown;
  for (const { source, storeParams } of attempts) {
    throwIfAborted(opts.signal);
    try {
      return { ds: await open(source, { storeId: dc.store_id, storeParams, signal: opts.signal }), source };
    } catch (err) {
      if (isEocubeError(err, "CANCELLED")) throw err;
      last = err;
      if (attempts.length > 1)
        ctx.warnings.push(`could not open ${redactUrl(source)}: ${(err as Error).message}; trying the next data source`);
    }
  }
  if (isEocubeError(last) && attempts.length > 1) {
    const names = attempts.map((a) => redactUrl(a.source)).join(", ");
    throw new EocubeError(last.code, `none of the data sources could be opened (${names}): ${last.message}`, {
      path: last.path ?? ctx.dPath,
      field: dc.data_source === undefined ? "dataset_id" : "data_source",
      hint: last.hint,
      cause: last,
    });
  }
  throw last;
}

/** True when `id` is a bare name (no path, no URL) that is no local file: deep-code reads it from the DeepESDL buckets. */
export async function isDeepEsdlId(id: string): Promise<boolean> {
  return isBareName(id) && !(await pathExists(id));
}

/**
 * deep-code's stores for a bare dataset id (`helper.open_dataset`): the public DeepESDL bucket unsigned, then, when
 * `S3_USER_STORAGE_BUCKET` is set in `env`, that team bucket signed with `S3_USER_STORAGE_KEY`/`_SECRET` (else the
 * default AWS credentials). `storeParams` (e.g. an endpoint_url) are kept in both.
 */
export function deepEsdlAttempts(
  id: string,
  storeParams: Record<string, unknown> | undefined,
  env: Record<string, string | undefined>,
): CubeAttempt[] {
  const so = (storeParams?.storage_options as Record<string, unknown> | undefined) ?? {};
  const out: CubeAttempt[] = [
    {
      source: `${DEEPESDL_BUCKET}/${id}`,
      storeParams: { ...storeParams, storage_options: so.key === undefined && so.anon === undefined ? { ...so, anon: true } : so },
    },
  ];
  const bucket = env[TEAM_BUCKET_ENV.bucket]?.trim();
  if (bucket) {
    const key = env[TEAM_BUCKET_ENV.key];
    const secret = env[TEAM_BUCKET_ENV.secret];
    const { anon: _anon, ...signed } = so;
    out.push({
      source: `s3://${bucket}/${id}`,
      storeParams: { ...storeParams, storage_options: key && secret ? { ...signed, key, secret } : signed },
    });
  }
  return out;
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
