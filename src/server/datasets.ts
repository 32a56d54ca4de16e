// The served datasets: configuration entries resolved to ids, opened once (lazily), with their grid
// mapping, pyramid levels, time axis and the shared bounded chunk cache.
import { readTimes, timeCoord } from "../core/coords.js";
import { lonLatExtent } from "../core/extent.js";
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { BBox, GridMapping } from "../core/gridmapping.js";
import { toFloat64, type NdArray } from "../core/ndarray.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { ConfigProblem } from "../core/config/index.js";
import { closeNames } from "../core/names.js";
import { unreadableReason } from "../formats/registry.js";
import { userVariable } from "../expr/variable.js";
import { publishedName, withUserVariables } from "./uservars.js";
import { withBandVariables } from "./bands.js";
import { LruCache } from "./cache.js";
import {
  SAFE_ID,
  colorMappingsOf,
  datasetLocation,
  globMatch,
  resolveConfigPath,
  type ColorMappingConfig,
  type CustomColorMapConfig,
  type DatasetConfig,
  type DataStoreDatasetConfig,
  type RgbMappingConfig,
  type ServerConfig,
} from "./config.js";
import { servedToAnonymous } from "./config-compat.js";
import { buildLevels, type Level } from "./levels.js";
import { ColorMapRegistry, customColorMapOf, loadSnapCpd, type CustomColorMapInput } from "./render/custom-colormaps.js";
import { roundTimes } from "./slices.js";

/** A configured dataset, resolved: its id, where it is, and how it is shown. */
export interface DatasetEntry {
  id: string;
  /** The config's `Title`, else the identifier (described datasets then use their `title`/`name` attribute, as xcube). */
  title: string;
  /** True when `title` comes from the config (or the command line), not from the identifier. */
  titleGiven?: boolean;
  description?: string;
  /** Group title in /datasets (xcube's `groupTitle`), from the config's `GroupTitle`. */
  groupTitle?: string;
  /** xcube's `GroupId`: the `DatasetGroups` entry the dataset belongs to. */
  groupId?: string;
  /** xcube's `SortValue`: order within the group in clients. */
  sortValue?: number;
  /** xcube's `Tags`. */
  tags?: string[];
  /** xcube's `BoundingBox` `[west, south, east, north]`, reported as the dataset's bbox. */
  bbox?: [number, number, number, number];
  /** Attribution texts (`Attribution`, else the config's `DatasetAttribution`). */
  attributions?: string[];
  /** xcube's `TimeSeriesDataset`: the dataset time series are read from. */
  timeSeriesDataset?: string;
  /** Absolute local path, or the data id inside the store when `storeId` is set. */
  path: string;
  storeId?: string;
  storeParams?: Record<string, unknown>;
  style: string;
  /** Variable names/globs to publish (all when undefined). */
  variables?: string[];
  hidden?: boolean;
  /** Where the entry comes from in the config (`Datasets.0`, `DataStores.1.Datasets.0`), for messages. */
  configField?: string;
}

/** What the server needs from the rest of eocube; injected so tests and other formats plug in. */
export interface ServerDeps {
  /** Opens a dataset entry lazily (metadata + coordinates) with CF decoding applied. */
  openDataset(entry: DatasetEntry, options?: ReadOptions): Promise<Dataset>;
  /** The regular grid of a dataset, or undefined when it has none. */
  readGridMapping(ds: Dataset, options?: ReadOptions): Promise<GridMapping | undefined>;
  /** The grid's extent in WGS 84 `[west, south, east, north]`. */
  bboxToWgs84(gm: GridMapping): BBox;
  /** Data ids of a store (for `DataStores` entries). */
  listDataIds?(storeId: string, storeParams: Record<string, unknown>, options?: ReadOptions): Promise<string[]>;
}

/** A published data variable the server does not serve because of its data type, and why. */
export interface SkippedVariable {
  name: string;
  dtype: string;
  reason: string;
}

/** A dataset ready to serve. */
export interface ServedDataset {
  entry: DatasetEntry;
  dataset: Dataset;
  gm: GridMapping;
  /** Extent of pixel edges in WGS 84. */
  lonLatBbox: BBox;
  levels: Level[];
  /** Names of the published data variables that have both spatial dims. */
  variableNames: string[];
  /** Published data variables with both spatial dims not served because of their data type (with the reason). */
  skippedVariables: SkippedVariable[];
  /** The time coordinate's name, when there is one. */
  timeName?: string;
  /** Time labels (epoch ms, rounded to whole ms: the precision of every served time label). */
  times?: Float64Array;
  /** Colour mappings of the entry's style, per variable (`ColorFile`s resolved to a custom ColorBar and its ValueRange). */
  colorMappings: Record<string, ColorMappingConfig>;
  /** The style's `rgb` mapping, when it has one. */
  rgb?: RgbMappingConfig;
  /** The server's colour maps (matplotlib and the config's custom maps). */
  colorMaps: ColorMapRegistry;
}

/**
 * A dataset without a regular 2-D grid (swath with 2-D lat/lon, station or point data): described by
 * /datasets (no tile levels) but not tiled, sampled or listed as a STAC item.
 */
export interface UngriddedDataset {
  entry: DatasetEntry;
  dataset: Dataset;
  gm?: undefined;
  /** Extent of the lat/lon coordinates in WGS 84, when the dataset has them. */
  lonLatBbox?: BBox;
  /** Names of the published data variables (not strings). */
  variableNames: string[];
  /** Published data variables not served because of their data type (with the reason). */
  skippedVariables: SkippedVariable[];
  timeName?: string;
  times?: Float64Array;
  colorMappings: Record<string, ColorMappingConfig>;
  rgb?: RgbMappingConfig;
  colorMaps: ColorMapRegistry;
}

/** The error for a grid-needing request on an {@link UngriddedDataset}: 400 INVALID_PARAMS, never a 5xx. */
export function noGridError(entry: DatasetEntry): EocubeError {
  return new EocubeError(
    "INVALID_PARAMS",
    `dataset ${entry.id} has no regular grid (swath or station data): tiles, values, time series and statistics need one`,
    {
      field: "datasetId",
      hint: `/datasets/${entry.id} describes it; rectify it into a regular grid first (eocube gen)`,
    },
  );
}

/** Options of {@link DatasetsContext}. */
export interface DatasetsContextOptions {
  /** Chunk cache bound in bytes. */
  chunkCacheBytes: number;
}

/**
 * Holds the configured datasets and opens each once, on first use. Ids are checked against a safe
 * pattern before any lookup (UNSAFE_ID), unknown ids give NOT_FOUND naming the ids that exist.
 */
export class DatasetsContext {
  readonly config: ServerConfig;
  readonly deps: ServerDeps;
  /** Decoded chunks (float64), bounded in bytes. */
  readonly chunkCache: LruCache<Float64Array>;
  #entries?: Promise<DatasetEntry[]>;
  #closed = false;
  readonly #open = new Map<string, Promise<ServedDataset | UngriddedDataset>>();
  readonly #coords = new LruCache<Float64Array | string[]>({
    maxBytes: 32 * 1024 ** 2,
    sizeOf: (v) => (Array.isArray(v) ? v.length * 32 : v.byteLength),
  });

  /** The server's colour maps: matplotlib's, the config's CustomColorMaps and the `.cpd` files of its styles. */
  readonly colorMaps = new ColorMapRegistry();
  /** Problems of the config that do not stop the server (a ColorFile that does not load, …), for the log. */
  readonly warnings: ConfigProblem[] = [];
  /** Colour mappings per style Identifier, as xcube resolves them (`_get_cm_styles`). */
  readonly #styles = new Map<string, { rgb?: RgbMappingConfig; byVar: Record<string, ColorMappingConfig> }>();

  constructor(config: ServerConfig, deps: ServerDeps, options: DatasetsContextOptions) {
    this.config = config;
    this.deps = deps;
    this.chunkCache = new LruCache<Float64Array>({ maxBytes: options.chunkCacheBytes });
    this.#resolveStyles();
  }

  /**
   * Resolves the styles as xcube's `_get_cm_styles`: CustomColorMaps join the registry; a `ColorFile` (SNAP
   * `.cpd`, relative to the config's base folder) becomes a custom map and the mapping's ColorBar and
   * ValueRange (a file that does not load is a warning and the mapping is dropped); a ColorBar naming a custom
   * map without ValueRange takes the map's range; a categorical one always does (its ValueRange is ignored
   * with a warning).
   */
  #resolveStyles(): void {
    for (const m of this.config.CustomColorMaps ?? [])
      this.colorMaps.add(customColorMapOf(m as CustomColorMapConfig & CustomColorMapInput));
    const files = new Map<string, ReturnType<typeof loadSnapCpd> | undefined>();
    (this.config.Styles ?? []).forEach((style, si) => {
      const { rgb, byVar } = colorMappingsOf(style);
      const out: Record<string, ColorMappingConfig> = {};
      for (const [v, m] of Object.entries(byVar)) {
        const field = `Styles.${si}.ColorMappings.${v}`;
        if (m.ColorFile !== undefined) {
          const path = resolveConfigPath(this.config, m.ColorFile);
          if (!files.has(path)) {
            try {
              const cm = loadSnapCpd(path);
              this.colorMaps.add(cm);
              files.set(path, cm);
            } catch (err) {
              files.set(path, undefined);
              this.warnings.push({
                field: `${field}.ColorFile`,
                message: `${field}.ColorFile: ${(err as Error).message}; the mapping is skipped`,
              });
            }
          }
          const cm = files.get(path);
          if (cm) out[v] = { ColorBar: cm.name, ValueRange: cm.range };
          continue;
        }
        const custom = m.ColorBar !== undefined ? this.colorMaps.find(m.ColorBar) : undefined;
        if (custom?.type === "categorical" && m.ValueRange) {
          this.warnings.push({
            field: `${field}.ValueRange`,
            message: `${field}: custom colour map ${JSON.stringify(m.ColorBar)} is categorical; ValueRange is ignored`,
          });
        }
        out[v] = custom && (custom.type === "categorical" || !m.ValueRange) ? { ...m, ValueRange: custom.range } : m;
      }
      this.#styles.set(style.Identifier, { ...(rgb ? { rgb } : {}), byVar: out });
    });
  }

  /** The entry fields xcube's `Datasets` and `DataStores[].Datasets` entries share. */
  #commonEntry(d: DatasetConfig | DataStoreDatasetConfig, field: string): Omit<DatasetEntry, "id" | "title" | "path"> {
    const attribution = d.Attribution ?? this.config.DatasetAttribution;
    return {
      configField: field,
      ...(d.Description ? { description: d.Description } : {}),
      ...(d.GroupTitle ? { groupTitle: d.GroupTitle } : {}),
      ...(d.GroupId ? { groupId: d.GroupId } : {}),
      ...(d.SortValue !== undefined ? { sortValue: d.SortValue } : {}),
      ...(d.Tags && d.Tags.length > 0 ? { tags: [...d.Tags] } : {}),
      ...(d.BoundingBox ? { bbox: [...d.BoundingBox] as [number, number, number, number] } : {}),
      ...(attribution !== undefined ? { attributions: typeof attribution === "string" ? [attribution] : [...attribution] } : {}),
      ...(d.TimeSeriesDataset ? { timeSeriesDataset: d.TimeSeriesDataset } : {}),
      style: d.Style ?? "default",
      ...(d.Variables ? { variables: [...d.Variables] } : {}),
      ...(d.Hidden ? { hidden: true } : {}),
    };
  }

  /** The dataset entries: `Datasets`, then the matching data ids of every `DataStores` entry (`store~dataId`). */
  entries(options?: ReadOptions): Promise<DatasetEntry[]> {
    this.#entries ??= this.#resolveEntries(options).catch((err) => {
      this.#entries = undefined;
      throw err;
    });
    return this.#entries;
  }

  async #resolveEntries(options?: ReadOptions): Promise<DatasetEntry[]> {
    const out: DatasetEntry[] = [];
    const storeParamsOf = (storeId: string, params: Record<string, unknown> | undefined) => {
      const p = { ...(params ?? {}) };
      if (storeId === "file" && typeof p.root === "string") p.root = resolveConfigPath(this.config, p.root);
      return p;
    };
    for (const [i, d] of (this.config.Datasets ?? []).entries()) {
      const loc = datasetLocation(this.config, d);
      // computed datasets and, with Authentication, datasets an anonymous client may not see are not served
      // (config-compat.ts warns about both)
      if (loc.kind === "computed" || !servedToAnonymous(this.config, d)) continue;
      out.push({
        id: d.Identifier,
        title: d.Title ?? d.Identifier,
        ...(d.Title !== undefined ? { titleGiven: true } : {}),
        path: loc.path,
        ...(loc.kind === "store"
          ? { storeId: loc.storeId, storeParams: loc.storeParams }
          : loc.storeParams
            ? { storeParams: loc.storeParams }
            : {}),
        ...this.#commonEntry(d, `Datasets.${i}`),
      });
    }
    for (const [si, s] of (this.config.DataStores ?? []).entries()) {
      if (!this.deps.listDataIds)
        throw new EocubeError("UNSUPPORTED", "DataStores need a store registry", { field: `DataStores.${s.Identifier}` });
      const params = storeParamsOf(s.StoreId, s.StoreParams);
      const ids = await this.deps.listDataIds(s.StoreId, params, options);
      for (const [pi, pat] of (s.Datasets ?? [{ Path: "**" }]).entries()) {
        for (const dataId of ids.filter((id) => globMatch(pat.Path, id.replace(/\/+$/, "")))) {
          const id =
            pat.Identifier && !/[*?]/.test(pat.Path)
              ? pat.Identifier
              : `${s.Identifier}~${dataId.replace(/\/+$/, "").replace(/[^A-Za-z0-9_.~+-]/g, "_")}`;
          if (out.some((e) => e.id === id) || !servedToAnonymous(this.config, pat)) continue;
          const groupTitle = pat.GroupTitle ?? (pat.GroupId ? undefined : s.GroupTitle);
          out.push({
            id,
            title: pat.Title ?? dataId,
            ...(pat.Title !== undefined ? { titleGiven: true } : {}),
            path: dataId,
            storeId: s.StoreId,
            storeParams: params,
            ...this.#commonEntry(pat, `DataStores.${si}.Datasets.${pi}`),
            ...(groupTitle ? { groupTitle } : {}),
          });
        }
      }
    }
    return out;
  }

  /**
   * Checks the variable names of the config against the data, as warnings (xcube skips such names
   * silently): a `Variables` entry (name or glob) that matches none of a dataset's variables (it is skipped,
   * as xcube's `filter_variable_names`), a `ColorMappings` key of a style (but `*`) that names no published
   * variable of any dataset using that style, an `rgb` channel's `Variable` a dataset of that style lacks.
   * Opens (and keeps open) the datasets with `Variables` or a style with colour mappings; a dataset that does
   * not open is left to its first request (as the warm-up does).
   * @returns the warnings, each with the config field (`Datasets.0.Variables.1`, `Styles.1.ColorMappings.chl`)
   *   and a message naming the dataset, the name and the close variable names; empty when all is well.
   */
  async checkVariables(options?: ReadOptions): Promise<ConfigProblem[]> {
    const styles = this.config.Styles ?? [];
    const mapped = new Set(styles.filter((s) => Object.keys(s.ColorMappings ?? {}).some((k) => k !== "*")).map((s) => s.Identifier));
    const entries = (await this.entries(options)).filter((e) => e.variables || mapped.has(e.style));
    const opened = await Promise.all(
      entries.map((e) =>
        this.open(e.id, options).then(
          (sd) => ({ e, sd }),
          () => undefined,
        ),
      ),
    );
    const problems: ConfigProblem[] = [];
    const published = new Map<string, Set<string>>(); // style → published variables of its datasets
    for (const o of opened) {
      if (!o) continue;
      const { e, sd } = o;
      const all = Object.keys(sd.dataset.data_vars);
      for (const [k, pat] of (e.variables ?? []).entries()) {
        if (all.some((n) => globMatch(publishedName(pat), n))) continue;
        const close = closeNames(pat, all);
        problems.push({
          field: `${e.configField ?? e.id}.Variables.${k}`,
          message: `${e.configField ?? e.id}.Variables: ${JSON.stringify(pat)} matches no variable of dataset ${JSON.stringify(e.id)} and is skipped${close.length ? `; close names: ${close.join(", ")}` : ""} (variables: ${all.join(", ")})`,
        });
      }
      if (sd.variableNames.length === 0 && e.variables) {
        problems.push({
          field: `${e.configField ?? e.id}.Variables`,
          message: `${e.configField ?? e.id}.Variables: no variable of dataset ${JSON.stringify(e.id)} matches; it has no published variables (you may give "*" as the last item)`,
        });
      }
      const set = published.get(e.style) ?? new Set<string>();
      for (const n of sd.variableNames) set.add(n);
      published.set(e.style, set);
    }
    styles.forEach((s, i) => {
      const names = published.get(s.Identifier);
      if (!names) return; // no (opened) dataset uses it
      const { rgb, byVar } = colorMappingsOf(s);
      for (const key of Object.keys(byVar)) {
        if (key === "*" || names.has(key)) continue;
        const close = closeNames(key, names);
        problems.push({
          field: `Styles.${i}.ColorMappings.${key}`,
          message: `Styles.${i}.ColorMappings: no dataset with Style ${JSON.stringify(s.Identifier)} has a variable ${JSON.stringify(key)}${close.length ? `; close names: ${close.join(", ")}` : ""}`,
        });
      }
      for (const channel of ["Red", "Green", "Blue"] as const) {
        const v = rgb?.[channel].Variable;
        if (v === undefined || names.has(v)) continue;
        const close = closeNames(v, names);
        problems.push({
          field: `Styles.${i}.ColorMappings.rgb.${channel}.Variable`,
          message: `Styles.${i}.ColorMappings.rgb.${channel}: no dataset with Style ${JSON.stringify(s.Identifier)} has a variable ${JSON.stringify(v)}${close.length ? `; close names: ${close.join(", ")}` : ""}`,
        });
      }
    });
    return problems;
  }

  /**
   * The dataset time series of `id` are read from, as xcube's `get_time_series_dataset`: its
   * `TimeSeriesDataset` (a dataset, often hidden, chunked along time) when that one has a variable `varName`
   * on the same grid, else `id` itself.
   * @throws EocubeError as {@link get} for `id`.
   */
  async timeSeriesSource(id: string, varName: string, options?: ReadOptions): Promise<ServedDataset> {
    const sd = await this.get(id, options);
    const other = sd.entry.timeSeriesDataset;
    if (!other || other === id) return sd;
    const ts = await this.get(other, options).catch(() => undefined);
    if (!ts?.variableNames.includes(varName)) return sd;
    const same =
      ts.gm.width === sd.gm.width &&
      ts.gm.height === sd.gm.height &&
      ts.gm.transform.every((x, k) => Math.abs(x - sd.gm.transform[k]!) < 1e-9);
    return same ? ts : sd;
  }

  /**
   * The served dataset `id` with its regular grid, opened on first use.
   * @throws EocubeError UNSAFE_ID, NOT_FOUND, INVALID_PARAMS (no regular grid, see {@link noGridError}), plus the opener's errors.
   */
  async get(id: string, options?: ReadOptions): Promise<ServedDataset> {
    const sd = await this.open(id, options);
    if (!sd.gm) throw noGridError(sd.entry);
    return sd;
  }

  /**
   * The dataset `id`, gridded or not, opened on first use (metadata and coordinates only).
   * @throws EocubeError UNSAFE_ID, NOT_FOUND, plus the opener's errors.
   */
  async open(id: string, options?: ReadOptions): Promise<ServedDataset | UngriddedDataset> {
    if (this.#closed) throw new EocubeError("CANCELLED", "the server is shutting down", { field: "datasetId" });
    if (!SAFE_ID.test(id) || id.includes("..")) {
      throw new EocubeError("UNSAFE_ID", `dataset id ${JSON.stringify(id.slice(0, 100))} contains unsafe characters`, {
        field: "datasetId",
        hint: "dataset ids use letters, digits and _ . ~ + - only",
      });
    }
    let p = this.#open.get(id);
    if (!p) {
      const entries = await this.entries(options);
      const entry = entries.find((e) => e.id === id);
      if (!entry) {
        throw new EocubeError("NOT_FOUND", `dataset ${JSON.stringify(id)} not found`, {
          field: "datasetId",
          hint: `served datasets: ${entries.map((e) => e.id).join(", ") || "(none)"}`,
        });
      }
      if (this.#closed) throw new EocubeError("CANCELLED", "the server is shutting down", { field: "datasetId" });
      p = this.#open.get(id);
      if (p) return p; // opened meanwhile by a concurrent caller (e.g. the warm-up)
      p = this.#prepare(entry, options);
      this.#open.set(id, p);
      p.catch(() => this.#open.delete(id));
    }
    return p;
  }

  async #prepare(entry: DatasetEntry, options?: ReadOptions): Promise<ServedDataset | UngriddedDataset> {
    // the config's own user variables: Augmentation (a JS module) and computed Variables entries name=expr
    const dataset = await withUserVariables(withBandVariables(await this.deps.openDataset(entry, options)), entry, this.config);
    const gm = await this.deps.readGridMapping(dataset, options);
    const publish = (names: string[]) => (entry.variables ? filterVariableNames(names, entry.variables) : names);
    const timeVar = timeCoord(dataset, { auxiliary: true });
    const times = timeVar ? roundTimes(await readTimes(timeVar, options)) : undefined;
    const style = this.#styles.get(entry.style);
    const styled = { colorMappings: style?.byVar ?? {}, ...(style?.rgb ? { rgb: style.rgb } : {}), colorMaps: this.colorMaps };
    const numeric = (v: Variable) => v.dtype !== "str" && v.dtype !== "object";
    if (!gm) {
      const lonLatBbox = await lonLatExtent(dataset, options);
      const names = publish(Object.keys(dataset.data_vars));
      return {
        entry,
        dataset,
        ...(lonLatBbox ? { lonLatBbox } : {}),
        variableNames: names.filter((n) => numeric(dataset.data_vars[n]!)),
        skippedVariables: skippedVariables(names.map((n) => dataset.data_vars[n]!)),
        ...(timeVar ? { timeName: timeVar.dims[0]!, times } : {}),
        ...styled,
      };
    }
    const g = gm;
    const spatial = publish(
      Object.values(dataset.data_vars)
        .filter((v) => v.dims.includes(g.xDim) && v.dims.includes(g.yDim))
        .map((v) => v.name),
    ).map((n) => dataset.data_vars[n]!);
    return {
      entry,
      dataset,
      gm,
      lonLatBbox: this.deps.bboxToWgs84(gm),
      levels: buildLevels(dataset, gm),
      variableNames: spatial.filter(numeric).map((v) => v.name),
      skippedVariables: skippedVariables(spatial),
      ...(timeVar ? { timeName: timeVar.dims[0]!, times } : {}),
      ...styled,
    };
  }

  /**
   * The published variable `name` of a served dataset.
   * @throws EocubeError NOT_FOUND naming the published variables.
   */
  variable(sd: ServedDataset | UngriddedDataset, name: string): Variable {
    // xcube's user variable `name=expr`, computed from the published variables
    if (name.includes("=")) return userVariable(sd.dataset, name, { allowed: sd.variableNames, field: "varName" });
    const v = sd.variableNames.includes(name) ? sd.dataset.data_vars[name] : undefined;
    const skipped = v ? undefined : sd.skippedVariables.find((s) => s.name === name);
    if (skipped) {
      throw new EocubeError("UNSUPPORTED", `variable ${JSON.stringify(name)} of dataset ${sd.entry.id} is not served: ${skipped.reason}`, {
        field: "varName",
        hint: `served variables: ${sd.variableNames.join(", ") || "(none)"}`,
      });
    }
    if (!v) {
      throw new EocubeError("NOT_FOUND", `variable ${JSON.stringify(name.slice(0, 100))} not found in dataset ${sd.entry.id}`, {
        field: "varName",
        hint: `variables: ${sd.variableNames.join(", ")}`,
      });
    }
    return v;
  }

  /** Values of a 1-D coordinate (numbers; times as epoch ms rounded to whole ms; strings as strings), cached. */
  async coordValues(sd: ServedDataset | UngriddedDataset, name: string, options?: ReadOptions): Promise<Float64Array | string[]> {
    const v = sd.dataset.coords[name] ?? sd.dataset.data_vars[name];
    if (v?.ndim !== 1)
      throw new EocubeError("NOT_FOUND", `no coordinate ${JSON.stringify(name.slice(0, 100))} in dataset ${sd.entry.id}`, {
        field: "dim",
        hint: `dimensions: ${Object.keys(sd.dataset.dims).join(", ")}`,
      });
    return this.#coords.getOrLoad(`${sd.entry.id}\u0000${name}`, async () => {
      const arr: NdArray = await v.read([], options);
      if (v.dtype === "str" || v.dtype === "object") return (arr.data as unknown[]).map(String);
      return v.dtype === "datetime64[ns]" ? roundTimes(toFloat64(arr)) : toFloat64(arr);
    });
  }

  /**
   * Opens every listed (not hidden) dataset in parallel — metadata and coordinates only, no data values —
   * so that first requests find them ready (and the codecs initialised). Never rejects: each dataset's
   * outcome is reported, failures keep the dataset lazily openable on its first request.
   * @param concurrency datasets opened at the same time [default 8].
   */
  async warmUp(options?: ReadOptions, concurrency = 8): Promise<Array<{ id: string; ok: boolean; ms: number; error?: unknown }>> {
    let entries: DatasetEntry[];
    try {
      entries = await this.entries(options);
    } catch (error) {
      return [{ id: "(entries)", ok: false, ms: 0, error }];
    }
    const todo = entries.filter((e) => !e.hidden);
    const results: Array<{ id: string; ok: boolean; ms: number; error?: unknown }> = new Array(todo.length);
    let next = 0;
    // at most `concurrency` opens at a time (stores may list many data ids)
    const worker = async () => {
      while (next < todo.length && !this.#closed) {
        const k = next++;
        const e = todo[k]!;
        const t0 = performance.now();
        try {
          await this.open(e.id, options);
          results[k] = { id: e.id, ok: true, ms: performance.now() - t0 };
        } catch (error) {
          results[k] = { id: e.id, ok: false, ms: performance.now() - t0, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
    return results.filter((r) => r !== undefined);
  }

  /** Closes every opened dataset; later opens fail with CANCELLED. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map((p) => p.then((sd) => sd.dataset.close()).catch(() => undefined)));
    this.chunkCache.clear();
  }
}

/**
 * The variables among `vars` that cannot be served because of their data type: those a reader cannot decode
 * (with its reason, see formats/registry.ts `UNREADABLE_KEY`) and those holding strings or objects.
 */
function skippedVariables(vars: Variable[]): SkippedVariable[] {
  return vars
    .filter((v) => v.dtype === "str" || v.dtype === "object")
    .map((v) => ({
      name: v.name,
      dtype: v.dtype,
      reason:
        unreadableReason(v) ??
        `it holds ${v.dtype === "str" ? "strings" : "objects"}, not numbers: it cannot be drawn as tiles nor aggregated`,
    }));
}

/**
 * The variable names the patterns select, in the patterns' order (a name once, at its first matching pattern;
 * a pattern matching nothing adds nothing), as xcube's `filter_variable_names`: `["conc_chl", "*"]` puts
 * `conc_chl` first and the others after it in their order. Patterns are names or globs (`*`, `?`).
 */
export function filterVariableNames(names: readonly string[], patterns: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const p = publishedName(pattern); // a computed variable `name=expr` publishes `name`
    for (const n of names) {
      if (!seen.has(n) && (n === p || globMatch(p, n))) {
        out.push(n);
        seen.add(n);
      }
    }
  }
  return out;
}
