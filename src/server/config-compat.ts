// The xcube configuration keys eocube accepts but does not honour: one warning per key naming what is
// skipped, and which datasets an anonymous client may see when xcube's Authentication is configured.
import type { ConfigProblem } from "../core/config/index.js";
import { datasetLocation, type DatasetConfig, type DataStoreDatasetConfig, type ServerConfig } from "./config.js";

/** A dataset entry of either kind (`Datasets[i]` or `DataStores[i].Datasets[j]`) with its config field. */
interface AnyDataset {
  d: DatasetConfig | DataStoreDatasetConfig;
  field: string;
  id: string;
}

function allDatasets(config: ServerConfig): AnyDataset[] {
  return [
    ...(config.Datasets ?? []).map((d, i) => ({ d, field: `Datasets.${i}`, id: d.Identifier })),
    ...(config.DataStores ?? []).flatMap((s, i) =>
      (s.Datasets ?? []).map((d, j) => ({ d, field: `DataStores.${i}.Datasets.${j}`, id: `${s.Identifier}~${d.Identifier ?? d.Path}` })),
    ),
  ];
}

/** The scopes of `base` (`read:dataset`, `read:variable`) a dataset needs, as xcube's `_get_required_scopes`. */
function requiredScopes(config: ServerConfig, d: DatasetConfig | DataStoreDatasetConfig, base: string): string[] {
  const all = [...(config.AccessControl?.RequiredScopes ?? []), ...(d.AccessControl?.RequiredScopes ?? [])];
  return all.filter((s) => s === base || s.startsWith(`${base}:`));
}

/**
 * Whether xcube serves a dataset to an anonymous client: always without `Authentication`; with it, only
 * when neither the dataset nor its variables need scopes (`AccessControl.RequiredScopes`, global or the
 * dataset's, of `read:dataset…`/`read:variable…`), or when the dataset is a substitute (`IsSubstitute`).
 * eocube does not authenticate, so every client is anonymous.
 * @see xcube/webapi/datasets/authutil.py `_get_missing_scope`
 */
export function servedToAnonymous(config: ServerConfig, d: DatasetConfig | DataStoreDatasetConfig): boolean {
  if (!config.Authentication) return true;
  if (d.AccessControl?.IsSubstitute) return true;
  return requiredScopes(config, d, "read:dataset").length === 0 && requiredScopes(config, d, "read:variable").length === 0;
}

/** `list` as `a, b, c` (at most 8 names, then "…"). */
function names(list: string[]): string {
  return list.length > 8 ? `${list.slice(0, 8).join(", ")}, …` : list.join(", ");
}

/**
 * One warning per xcube key of the config that eocube accepts but does not honour, naming the key, the
 * entries that use it and what is skipped: `Authentication` (every client is anonymous: datasets needing
 * scopes are not served), computed datasets (`FileSystem: memory`, `Function`, `Class`: not served),
 * `Augmentation` (the variables its Python code adds are missing), `ChunkCacheSize`, `StoreOpenParams`,
 * `StoreInstanceId`, `Compute`, `VolumesAccess`, `tornado`, `static_routes`, `api_spec`, `trace_perf`,
 * `STAC`, and the keys of older xcube versions (`TileComputationMode`, …).
 * @returns the warnings, each `{field, message}` (field: the key, or `Datasets[].<key>`).
 */
export function configWarnings(config: ServerConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const warn = (field: string, message: string) => out.push({ field, message: `${field}: ${message}` });
  const datasets = allDatasets(config);
  const using = (key: string) => datasets.filter((x) => (x.d as Record<string, unknown>)[key] !== undefined);

  if (config.Authentication) {
    const hidden = datasets.filter((x) => !servedToAnonymous(config, x.d)).map((x) => x.id);
    warn(
      "Authentication",
      `eocube does not authenticate: every client is served as xcube serves a client without a token${hidden.length ? `; datasets that need scopes are not served: ${names(hidden)}` : " (no dataset needs scopes)"}`,
    );
  }
  const computed = (config.Datasets ?? [])
    .map((d, i) => ({ d, i, loc: datasetLocation(config, d) }))
    .filter((x) => x.loc.kind === "computed");
  if (computed.length > 0) {
    warn(
      "Datasets[].FileSystem: memory",
      `xcube's Python-computed datasets are not served by eocube: ${computed.map((x) => `${x.d.Identifier} (${x.loc.kind === "computed" ? x.loc.reason : ""})`).join("; ")}`,
    );
  }
  // a JavaScript/TypeScript module is run (server/uservars.ts); xcube's Python is not
  const aug = using("Augmentation").filter((x) => !/\.(m?js|cjs|m?ts|cts)$/i.test(x.d.Augmentation!.Path));
  if (aug.length > 0) {
    warn(
      "Datasets[].Augmentation",
      `Python augmentation is not run by eocube: the variables its code adds are not served (write it as a JavaScript module instead, docs/server.md) for ${aug
        .map((x) => `${x.id} (${x.d.Augmentation!.Path}: ${x.d.Augmentation!.Class ?? x.d.Augmentation!.Function})`)
        .join("; ")}`,
    );
  }
  const ccs = using("ChunkCacheSize");
  if (ccs.length > 0) {
    warn(
      "Datasets[].ChunkCacheSize",
      `eocube has one chunk cache for all datasets (DatasetChunkCacheSize); ignored for ${names(ccs.map((x) => x.id))}`,
    );
  }
  const sop = using("StoreOpenParams");
  if (sop.length > 0)
    warn(
      "DataStores[].Datasets[].StoreOpenParams",
      `open parameters are not passed to the store; ignored for ${names(sop.map((x) => x.id))}`,
    );
  const sii = using("StoreInstanceId");
  if (sii.length > 0) warn("Datasets[].StoreInstanceId", `set by xcube's server itself; ignored for ${names(sii.map((x) => x.id))}`);
  const topLevel: Array<[keyof ServerConfig, string]> = [
    ["Compute", "xcube's compute API (operations run on the server) is not available"],
    ["VolumesAccess", "xcube's volumes API is not available"],
    ["tornado", "Tornado web-server options do not apply (eocube uses Node's HTTP server; see Limits for timeouts)"],
    ["static_routes", "static routes are not served"],
    ["api_spec", "every eocube API is served (includes/excludes are not applied)"],
    ["trace_perf", "no performance trace (request times are in the log at --log-level info)"],
    ["STAC", "the STAC catalog's Identifier/Title/Description are not used (/ogc has eocube's own)"],
    ["TileComputationMode", "a key of older xcube versions; ignored"],
    ["StacCatalog", "a key of older xcube versions; ignored"],
    ["Resources", "a key of older xcube versions; ignored"],
    ["DefaultPlaceGroupTitle", "a key of older xcube versions; ignored"],
  ];
  for (const [key, what] of topLevel) if (config[key] !== undefined) warn(key, what);
  return out;
}

/**
 * Warnings about references in the config that name nothing (xcube ignores them silently): a `GroupId`
 * that is no DatasetGroups Identifier, an `EntrypointDatasetId` or `TimeSeriesDataset` that is no
 * `Datasets` Identifier.
 */
export function referenceWarnings(config: ServerConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const groups = new Set((config.DatasetGroups ?? []).map((g) => g.Identifier));
  const ids = new Set((config.Datasets ?? []).map((d) => d.Identifier));
  const hasStores = (config.DataStores ?? []).length > 0;
  for (const x of allDatasets(config)) {
    if (x.d.GroupId !== undefined && !groups.has(x.d.GroupId))
      out.push({
        field: `${x.field}.GroupId`,
        message: `${x.field}.GroupId ${JSON.stringify(x.d.GroupId)} is not an Identifier in DatasetGroups`,
      });
    if (x.d.TimeSeriesDataset !== undefined && !ids.has(x.d.TimeSeriesDataset) && !hasStores)
      out.push({
        field: `${x.field}.TimeSeriesDataset`,
        message: `${x.field}.TimeSeriesDataset ${JSON.stringify(x.d.TimeSeriesDataset)} is not a dataset Identifier; time series are read from ${x.id} itself`,
      });
  }
  if (config.EntrypointDatasetId !== undefined && !ids.has(config.EntrypointDatasetId) && !hasStores)
    out.push({
      field: "EntrypointDatasetId",
      message: `EntrypointDatasetId ${JSON.stringify(config.EntrypointDatasetId)} is not a dataset Identifier`,
    });
  return out;
}
