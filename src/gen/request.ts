// Loading gen requests: xcube gen2 YAML/JSON (validated by GEN_REQUEST_SCHEMA) and xcube's legacy
// `xcube gen` config, both normalised into one plain-JSON GenRequest (what workers receive).
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { checkConfig, configError, parseConfigText, readConfigText, type Locator } from "../core/config/index.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import { globMatcher } from "../core/glob.js";
import { formatFromPath } from "../formats/registry.js";
import type { BBox } from "../core/gridmapping.js";
import { parsePeriod } from "../ops/time.js";
import { parseIsoTime } from "../core/time.js";
import { parseExpression } from "../expr/parse.js";
import type { ProcessedVariable } from "../expr/legacy.js";
import { resolveModule } from "../expr/usercode.js";
import { GEN_REQUEST_SCHEMA, type CodeConfig, type CubeConfig, type GenRequestDoc, type InputConfig } from "./schema.js";

/** One input after normalisation: store id and params explicit, file roots absolute. */
export interface GenInput {
  store_id: string;
  store_params: Record<string, unknown>;
  data_id: string;
  open_params: Record<string, unknown>;
}

/** A normalised gen request: plain JSON, paths absolute, defaults filled in. */
export interface GenRequest {
  /** The request file (or "<inline>"), named in messages. */
  source: string;
  /** Which format it was written in. */
  format: "gen2" | "legacy";
  inputs: GenInput[];
  cube: Omit<CubeConfig, "tile_size" | "spatial_res"> & {
    /** Pixel size [x, y] when given. */
    spatial_res?: [number, number];
    /** Grid size [width, height] (legacy output_size). */
    size?: [number, number];
    /** Spatial chunk size [width, height]. */
    tile_size: [number, number];
    metadata: Record<string, unknown>;
    variable_metadata: Record<string, Record<string, unknown>>;
  };
  output: {
    store_id: string;
    store_params: Record<string, unknown>;
    data_id: string;
    replace: boolean;
    format_version: 2 | 3;
    compressor?: string;
    /**
     * File format of the output (absent: zarr). netcdf/geotiff: the cube is computed into a temporary Zarr store
     * beside the output, then written by formats/netcdf4-write.ts / formats/geotiff-write.ts (file store only).
     */
    format?: GenOutputFormat;
  };
  /**
   * Legacy configs: `processed_variables` (then output_variables' `valid_pixel_expression`), evaluated on each
   * input as xcube's evaluate_dataset (expr/legacy.ts); undefined: the inputs' own expression attributes.
   */
  processed?: ProcessedVariable[];
  /** gen2 `code_config`: the user function run on the cube (its module file, function name and params). */
  code?: { path: string; callable: string; params: Record<string, unknown> };
}

/** The output formats of `eocube gen` (`output_config.format`). */
export const GEN_OUTPUT_FORMATS = ["zarr", "netcdf", "geotiff"] as const;
/** One of {@link GEN_OUTPUT_FORMATS}. */
export type GenOutputFormat = (typeof GEN_OUTPUT_FORMATS)[number];

/** The output format a name's suffix implies: `.zarr` → zarr, `.nc`/`.nc4` → netcdf, `.tif`/`.tiff` → geotiff, else undefined. */
export function genFormatOfPath(name: string): GenOutputFormat | undefined {
  if (/\.zarr\/?$/i.test(name)) return "zarr";
  if (/\.nc4?$/i.test(name)) return "netcdf";
  if (/\.tiff?$/i.test(name)) return "geotiff";
  return undefined;
}

const SUFFIXES: Record<GenOutputFormat, string> = { zarr: ".zarr", netcdf: ".nc", geotiff: ".tif (or .tiff)" };

/** Options of {@link loadGenRequest}. */
export interface LoadGenRequestOptions {
  /** Input files given on the command line (legacy configs; like `xcube gen … INPUT…`), relative to `cwd`. */
  inputs?: string[];
  /** Output path given on the command line (`-o`), relative to `cwd`; overrides the request's. */
  output?: string;
  /** Replace an existing output (overrides the request's `replace`). */
  replace?: boolean;
  /** Base for command-line paths (default process.cwd()). */
  cwd?: string;
}

const DEFAULT_TILE = 512;

/**
 * Reads a request file (YAML or JSON) and normalises it. The format is told from its keys:
 * `cube_config`/`output_config` → gen2; `output_region`/`output_size`/`input_paths`/… → legacy.
 * @throws EocubeError NOT_FOUND (no such file), INVALID_CONFIG naming the file, the field and a fix.
 */
export async function loadGenRequest(path: string, options: LoadGenRequestOptions = {}): Promise<GenRequest> {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  const text = await readConfigText(file, {
    what: "the request file",
    hint: "give the path of a gen request (YAML or JSON) or of an xcube gen config",
  });
  const { value, locate } = parseConfigText(text, file, { topLevel: "any" });
  return normalizeGenRequest(value, { ...options, cwd, source: file, locate });
}

/**
 * Normalises an already parsed request (gen2 or legacy).
 * @param options.source the file it came from; relative input paths in it resolve against its folder
 *   (falling back to `cwd` when nothing exists there); relative output paths against `cwd`.
 * @param options.locate the line of a field in that file (from core/config's parser), for schema messages.
 * @throws EocubeError INVALID_CONFIG.
 */
export function normalizeGenRequest(doc: unknown, options: LoadGenRequestOptions & { source?: string; locate?: Locator } = {}): GenRequest {
  const source = options.source ?? "<inline>";
  const cwd = options.cwd ?? process.cwd();
  if (options.output !== undefined && genFormatOfPath(options.output) === undefined) {
    throw new EocubeError("INVALID_ARGUMENT", `the output ${options.output} must end in .zarr, .nc or .tif`, {
      field: "--output",
      hint: "e.g. -o cube.zarr (or cube.nc for NetCDF4, cube.tif for a Cloud Optimized GeoTIFF)",
    });
  }
  const base = options.source ? dirname(options.source) : cwd;
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new EocubeError("INVALID_CONFIG", `${source} must hold a mapping (gen2: input_config(s), cube_config, output_config)`, {
      path: source,
    });
  }
  const keys = Object.keys(doc);
  const legacy = keys.some((k) => LEGACY_KEYS.has(k)) && !keys.includes("cube_config");
  return legacy ? fromLegacy(doc as Record<string, unknown>, source, base, cwd, options) : fromGen2(doc, source, base, cwd, options);
}

function fromGen2(
  doc: unknown,
  source: string,
  base: string,
  cwd: string,
  options: LoadGenRequestOptions & { locate?: Locator },
): GenRequest {
  const d = checkConfig<GenRequestDoc>(GEN_REQUEST_SCHEMA, doc, source, {
    notation: "slash",
    rootName: "the request",
    locate: options.locate,
    hint: "see examples/gen-request.yaml for a valid request",
  });
  const where: Where = { source, locate: options.locate };
  const inputs = (d.input_configs ?? [d.input_config!]).map((ic, i) =>
    normalizeInput(ic, base, cwd, d.input_configs ? `input_configs/${i}` : "input_config", where),
  );
  const cc = d.cube_config;
  const ts = cc.tile_size;
  const cube: GenRequest["cube"] = {
    ...cc,
    spatial_res:
      cc.spatial_res === undefined ? undefined : Array.isArray(cc.spatial_res) ? cc.spatial_res : [cc.spatial_res, cc.spatial_res],
    tile_size: ts === undefined ? [DEFAULT_TILE, DEFAULT_TILE] : Array.isArray(ts) ? ts : [ts, ts],
    metadata: cc.metadata ?? {},
    variable_metadata: cc.variable_metadata ?? {},
  };
  checkCube(cube, where);
  const oc = d.output_config;
  const format = checkOutput(oc, where, options.output);
  const out = options.output
    ? { store_id: "file", store_params: { root: dirname(resolve(cwd, options.output)) }, data_id: basename(options.output) }
    : {
        store_id: oc.store_id ?? "file",
        store_params: resolveRoot(oc.store_id ?? "file", oc.store_params ?? {}, cwd, cwd, true),
        data_id: oc.data_id,
      };
  return {
    source,
    format: "gen2",
    inputs,
    cube,
    output: {
      ...out,
      replace: options.replace ?? oc.replace ?? false,
      format_version: oc.format_version ?? 2,
      ...(oc.compressor ? { compressor: oc.compressor } : {}),
      ...(format !== "zarr" ? { format } : {}),
    },
    ...(d.code_config ? { code: normalizeCode(d.code_config, base, where) } : {}),
  };
}

/**
 * `code_config` → the module file and function: `file_set.path` (+ `sub_path`) relative to the request's
 * folder, the module of `callable_ref` in it. xcube's inline Python, installable packages and remote file
 * sets are refused naming the field.
 * @throws EocubeError INVALID_CONFIG / NOT_FOUND naming `code_config/…`.
 */
function normalizeCode(cc: CodeConfig, base: string, where: Where): NonNullable<GenRequest["code"]> {
  const refuse = (f: string, msg: string, hint: string) => fieldError(where, `code_config/${f}`, `code_config/${f} ${msg}`, hint);
  if (cc.inline_code !== undefined)
    throw refuse(
      "inline_code",
      "is not supported: eocube runs JavaScript/TypeScript modules, not inline code",
      "put the code in a module file and give file_set.path",
    );
  if (cc.install_required) throw refuse("install_required", "is not supported", "install what the module imports with npm beforehand");
  if (!cc.file_set) throw refuse("file_set", "is missing", "give file_set.path: the folder (or file) of the module");
  if (cc.file_set.storage_params !== undefined)
    throw refuse("file_set/storage_params", "is not supported: file sets are local folders", "copy the module next to the request");
  const [module, callable] = cc.callable_ref.split(":") as [string, string];
  const root = resolve(base, cc.file_set.path, cc.file_set.sub_path ?? "");
  let path: string;
  try {
    path = resolveModule(root, module, "code_config/file_set/path");
  } catch (err) {
    throw fieldError(
      where,
      "code_config/file_set/path",
      `code_config/file_set/path: ${(err as Error).message.replace(/^code_config\/file_set\/path: /, "")}`,
      (err as EocubeError).hint ?? "give the folder of the module",
      err,
    );
  }
  return { path, callable, params: cc.callable_params ?? {} };
}

function checkCube(cube: GenRequest["cube"], where: Where): void {
  if (cube.time_period !== undefined) {
    try {
      parsePeriod(cube.time_period);
    } catch (err) {
      throw fieldError(
        where,
        "cube_config/time_period",
        `cube_config/time_period ${JSON.stringify(cube.time_period)} is not a period`,
        isEocubeError(err) && err.hint ? err.hint : 'use e.g. "1D", "8D", "1W", "1M", "1Y"',
        err,
      );
    }
  }
  if (cube.time_range) {
    const ms = cube.time_range.map((t, i) => {
      if (t === null) return undefined;
      try {
        return parseIsoTime(t, { field: "time_range", end: i === 1 });
      } catch (err) {
        throw fieldError(
          where,
          "cube_config/time_range",
          `cube_config/time_range/${i} ${JSON.stringify(t)} is not a date`,
          'write ISO 8601 dates, e.g. ["2017-06-05", "2017-06-07"] (null for an open end)',
          err,
        );
      }
    });
    if (ms[0] !== undefined && ms[1] !== undefined && ms[0] > ms[1]) {
      throw fieldError(
        where,
        "cube_config/time_range",
        `cube_config/time_range ${JSON.stringify(cube.time_range)} is reversed: the start is after the end`,
        `write [start, end], e.g. ${JSON.stringify([cube.time_range[1], cube.time_range[0]])}`,
      );
    }
  }
  const res = cube.spatial_res;
  if (res && !(res[0] > 0 && res[1] > 0)) {
    throw fieldError(
      where,
      "cube_config/spatial_res",
      `cube_config/spatial_res must be positive, got ${JSON.stringify(res)}`,
      "give the pixel size in target CRS units, e.g. 0.25 for degrees or 5000 for metres",
    );
  }
  if (cube.bbox) {
    const [w, s, e, n] = cube.bbox;
    if (!(e > w && n > s)) {
      throw fieldError(
        where,
        "cube_config/bbox",
        `cube_config/bbox ${JSON.stringify(cube.bbox)} is empty`,
        "write the bbox as [west, south, east, north] with east > west and north > south",
      );
    }
  }
  if (!cube.bbox && (cube.crs !== undefined || cube.spatial_res !== undefined)) {
    throw fieldError(
      where,
      "cube_config/bbox",
      `cube_config needs bbox together with crs and spatial_res`,
      "give crs, bbox and spatial_res to define the target grid (or none of them to keep the input grid)",
    );
  }
  if (cube.bbox && cube.spatial_res === undefined && cube.size === undefined) {
    throw fieldError(
      where,
      "cube_config/spatial_res",
      `cube_config has a bbox but no spatial_res`,
      "add spatial_res (pixel size in target CRS units)",
    );
  }
}

/** The request file and the lines of its fields, for messages. */
interface Where {
  source: string;
  locate?: Locator;
}

/**
 * An INVALID_CONFIG about one field of the request (slash path, e.g. `cube_config/bbox`) in core/config's
 * form: `file:line: message`, with the field, the fix and the cause.
 */
function fieldError(where: Where, field: string, message: string, hint: string, cause?: unknown): EocubeError {
  const line = where.locate?.(field.split("/").map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
  return configError(where.source, [{ field, message, hint, line }], { cause });
}

/** Formats named by xcube opener ids (`dataset:<format>:<store>`) and the eocube formats they cover. */
const OPENER_FORMATS: Record<string, string[]> = {
  zarr: ["zarr"],
  netcdf: ["netcdf3", "netcdf4"],
  geotiff: ["geotiff"],
  levels: ["levels"],
};
const STORE_IDS = ["file", "memory", "https", "s3", "abfs"];

/** Splits an xcube opener/writer id `dataset:<format>:<store>`, or undefined when it has another shape. */
function parseAccessorId(id: string): { format: string; store: string } | undefined {
  const m = /^dataset:([a-z0-9]+):([a-z0-9]+)$/.exec(id);
  return m ? { format: m[1]!, store: m[2]! } : undefined;
}

function normalizeInput(ic: InputConfig, base: string, cwd: string, field: string, where: Where): GenInput {
  const bad = (f: string, msg: string, hint: string) => fieldError(where, `${field}/${f}`, `${field}/${f} ${msg}`, hint);
  let storeId = ic.store_id;
  if (ic.opener_id !== undefined) {
    const acc = parseAccessorId(ic.opener_id);
    const known = Object.keys(OPENER_FORMATS).flatMap((f) => STORE_IDS.map((st) => `dataset:${f}:${st}`));
    if (!acc || !(acc.format in OPENER_FORMATS) || !STORE_IDS.includes(acc.store)) {
      throw bad(
        "opener_id",
        `${JSON.stringify(ic.opener_id)} is not an opener eocube knows`,
        `use dataset:<format>:<store> with format zarr, netcdf, geotiff or levels and store ${STORE_IDS.join(", ")} (e.g. ${known[0]}), or leave opener_id out`,
      );
    }
    if (storeId !== undefined && storeId !== acc.store) {
      throw bad(
        "opener_id",
        `${JSON.stringify(ic.opener_id)} opens from a ${acc.store} store, but store_id is ${JSON.stringify(storeId)}`,
        `use dataset:${acc.format}:${storeId}, or leave opener_id out`,
      );
    }
    storeId ??= acc.store;
    const fmt = formatFromPath(ic.data_id);
    if (fmt && !OPENER_FORMATS[acc.format]!.includes(fmt)) {
      throw bad(
        "opener_id",
        `${JSON.stringify(ic.opener_id)} opens ${acc.format} data, but data_id ${JSON.stringify(ic.data_id)} is ${fmt}`,
        `use the opener of the data's format, or leave opener_id out`,
      );
    }
  }
  storeId ??= "file";
  let open_params = ic.open_params ?? {};
  if (ic.variable_names) {
    const own = open_params.variable_names;
    if (own !== undefined && JSON.stringify(own) !== JSON.stringify(ic.variable_names)) {
      throw bad("variable_names", "differs from open_params.variable_names", "give the input's variables in one of the two places");
    }
    open_params = { ...open_params, variable_names: ic.variable_names };
  }
  const params = resolveRoot(storeId, ic.store_params ?? {}, base, cwd, false, ic.data_id);
  if (storeId === "file" && /(^|\/)\.\.(\/|$)/.test(ic.data_id)) {
    throw fieldError(
      where,
      `${field}/data_id`,
      `${field}/data_id ${JSON.stringify(ic.data_id)} must not contain '..'`,
      "set store_params.root to the folder holding the data and data_id to the name inside it",
    );
  }
  return { store_id: storeId, store_params: params, data_id: ic.data_id, open_params };
}

/**
 * Checks the output of a gen2 request and returns its format: `format`, else the format of `writer_id`
 * (xcube's `dataset:<zarr|netcdf|geotiff>:<store_id>`), else the data_id's suffix (.nc, .tif/.tiff), else zarr; with
 * `-o` (`cliOutput`) its suffix decides. data_id must end in the format's suffix (.zarr, .nc, .tif), except a Zarr
 * in a memory store (xcube's examples/gen2 writes data_id "CHL" to memory); NetCDF and GeoTIFF go to a file store
 * only. `write_params` are accepted and ignored.
 */
function checkOutput(oc: GenRequestDoc["output_config"], where: Where, cliOutput: string | undefined): GenOutputFormat {
  const storeId = oc.store_id ?? "file";
  let writerFormat: GenOutputFormat | undefined;
  if (oc.writer_id !== undefined) {
    const acc = parseAccessorId(oc.writer_id);
    if (!acc || !(GEN_OUTPUT_FORMATS as readonly string[]).includes(acc.format) || !STORE_IDS.includes(acc.store)) {
      throw fieldError(
        where,
        "output_config/writer_id",
        `output_config/writer_id ${JSON.stringify(oc.writer_id)} is not a writer eocube knows`,
        `use dataset:zarr:${storeId} (or dataset:netcdf:file, dataset:geotiff:file), or leave writer_id out`,
      );
    }
    if (acc.store !== storeId) {
      throw fieldError(
        where,
        "output_config/writer_id",
        `output_config/writer_id ${JSON.stringify(oc.writer_id)} writes to a ${acc.store} store, but store_id is ${JSON.stringify(storeId)}`,
        `use dataset:${acc.format}:${storeId}, or leave writer_id out`,
      );
    }
    writerFormat = acc.format as GenOutputFormat;
    if (oc.format !== undefined && oc.format !== writerFormat) {
      throw fieldError(
        where,
        "output_config/writer_id",
        `output_config/writer_id ${JSON.stringify(oc.writer_id)} writes ${writerFormat}, but output_config/format is ${oc.format}`,
        `use dataset:${oc.format}:${storeId}, or leave writer_id out`,
      );
    }
  }
  if (cliOutput !== undefined) return genFormatOfPath(cliOutput)!;
  const format: GenOutputFormat = oc.format ?? writerFormat ?? genFormatOfPath(oc.data_id) ?? "zarr";
  if (format !== "zarr" && storeId !== "file") {
    throw fieldError(
      where,
      "output_config/format",
      `output_config/format ${format} is written to a file store only, but store_id is ${JSON.stringify(storeId)}`,
      "write a local file (store_id file) and upload it, or use format zarr for other stores",
    );
  }
  if ((format !== "zarr" || storeId !== "memory") && genFormatOfPath(oc.data_id) !== format) {
    throw fieldError(
      where,
      "output_config/data_id",
      `output_config/data_id ${JSON.stringify(oc.data_id)} must end in ${SUFFIXES[format]} (output_config/format ${format})`,
      format === "zarr"
        ? "the output data_id must end in .zarr (any name is allowed in a memory store), or .nc / .tif with output_config.format netcdf / geotiff"
        : `name the output e.g. cube${SUFFIXES[format].split(" ")[0]}, or choose another output_config.format (zarr, netcdf, geotiff)`,
    );
  }
  return format;
}

/**
 * Makes a file store's relative `root` absolute: inputs against the request's folder, else the cwd
 * when nothing exists there; outputs against the cwd (as xcube does).
 */
function resolveRoot(
  storeId: string,
  params: Record<string, unknown>,
  base: string,
  cwd: string,
  output: boolean,
  dataId?: string,
): Record<string, unknown> {
  if (storeId !== "file") return { ...params };
  const root = typeof params.root === "string" ? params.root : "";
  if (isAbsolute(root)) return { ...params, root };
  const a = resolve(base, root);
  const b = resolve(cwd, root);
  let chosen = a;
  if (!output) {
    const here = dataId ? existsSync(join(a, dataId)) : existsSync(a);
    const there = dataId ? existsSync(join(b, dataId)) : existsSync(b);
    if (!here && there) chosen = b;
  }
  return { ...params, root: chosen };
}

// ---------------------------------------------------------------------------------------------
// xcube's legacy `xcube gen` config

const LEGACY_KEYS = new Set([
  "input_processor_name",
  "input_processor_params",
  "input_reader_name",
  "input_reader_params",
  "input_paths",
  "output_size",
  "output_region",
  "output_writer_name",
  "output_writer_params",
  "output_resampling",
  "output_variables",
  "processed_variables",
  "output_metadata",
  "output_path",
  "output_crs",
  "output_spatial_res",
  "append_mode",
  "sort_mode",
  "dry_run",
  "monitor",
]);

const RESAMPLING: Record<string, "nearest" | "bilinear" | "mean"> = {
  nearest: "nearest",
  bilinear: "bilinear",
  linear: "bilinear",
  average: "mean",
  mean: "mean",
};

function fromLegacy(
  doc: Record<string, unknown>,
  source: string,
  base: string,
  cwd: string,
  options: LoadGenRequestOptions & { locate?: Locator },
): GenRequest {
  const where = { source, locate: options.locate };
  const bad = (field: string, msg: string, hint: string) => fieldError(where, field, `${field} ${msg}`, hint);
  for (const k of Object.keys(doc)) {
    if (!LEGACY_KEYS.has(k)) throw bad(k, "is not a key of xcube's gen config", `known keys: ${[...LEGACY_KEYS].join(", ")}`);
  }
  const writer = String(doc.output_writer_name ?? "zarr").toLowerCase();
  if (writer !== "zarr" && writer !== "netcdf4")
    throw bad("output_writer_name", `${JSON.stringify(doc.output_writer_name)} is not supported`, 'use "zarr" or "netcdf4"');
  const region = doc.output_region as number[] | undefined;
  if (!Array.isArray(region) || region.length !== 4 || region.some((v) => typeof v !== "number")) {
    throw bad("output_region", "must be [lon_min, lat_min, lon_max, lat_max]", "e.g. output_region: [-16.0, 48.0, 10.67, 62.67]");
  }
  if (!(region[2]! > region[0]! && region[3]! > region[1]!)) {
    throw bad(
      "output_region",
      `${JSON.stringify(region)} is empty: lon_max must exceed lon_min and lat_max must exceed lat_min`,
      `write output_region as [lon_min, lat_min, lon_max, lat_max], e.g. ${JSON.stringify([Math.min(region[0]!, region[2]!), Math.min(region[1]!, region[3]!), Math.max(region[0]!, region[2]!), Math.max(region[1]!, region[3]!)])}`,
    );
  }
  const size = doc.output_size as number[] | undefined;
  const res = doc.output_spatial_res as number | undefined;
  if (size !== undefined && (!Array.isArray(size) || size.length !== 2 || size.some((v) => !Number.isInteger(v) || v <= 0))) {
    throw bad("output_size", "must be [width, height] in pixels, both positive integers", "e.g. output_size: [1024, 563]");
  }
  if (size === undefined && !(typeof res === "number" && res > 0)) {
    throw bad("output_size", "is missing (or output_spatial_res must be positive)", "give output_size: [width, height]");
  }
  const resampling = String(doc.output_resampling ?? "Nearest").toLowerCase();
  const method = RESAMPLING[resampling];
  if (!method)
    throw bad("output_resampling", `${JSON.stringify(doc.output_resampling)} is not supported`, "use Nearest, Bilinear or Average");
  // output_variables: ["a", "b"] or [{a: {…attrs}}, …]
  let variable_names: string[] | undefined;
  const variable_metadata: Record<string, Record<string, unknown>> = {};
  if (doc.output_variables !== undefined) {
    if (!Array.isArray(doc.output_variables))
      throw bad("output_variables", "must be a list of variable names", "e.g. output_variables: [analysed_sst]");
    variable_names = doc.output_variables.map((e: unknown) => {
      if (typeof e === "string") return e;
      if (e && typeof e === "object" && Object.keys(e).length === 1) {
        const [name, props] = Object.entries(e)[0]!;
        if (props && typeof props === "object") variable_metadata[name] = props as Record<string, unknown>;
        return name;
      }
      throw bad("output_variables", `entry ${JSON.stringify(e)} is not a variable name`, "list names, or {name: {attrs}} mappings");
    });
  }
  const processed = legacyProcessed(doc, variable_metadata, bad, where);
  const chunksizes = ((doc.output_writer_params as Record<string, unknown> | undefined)?.chunksizes ?? {}) as Record<string, number>;
  const tile: [number, number] = [chunksizes.lon ?? DEFAULT_TILE, chunksizes.lat ?? DEFAULT_TILE];
  // inputs: command line first, else input_paths
  let paths: string[];
  let pathBase: string;
  if (options.inputs?.length) {
    paths = options.inputs;
    pathBase = cwd;
  } else if (Array.isArray(doc.input_paths) && doc.input_paths.length) {
    paths = doc.input_paths.map(String);
    pathBase = base;
  } else {
    throw bad(
      "input_paths",
      "is missing and no input files were given",
      "list the input files after the config: eocube gen config.yml data/*.nc",
    );
  }
  const files = paths.flatMap((p) => expandGlob(p, pathBase, cwd)).sort();
  if (files.length === 0)
    throw bad(
      "input_paths",
      `match no files (${paths.join(", ")})`,
      "check the paths; relative paths resolve against the config's folder or the current folder",
    );
  const inputs: GenInput[] = files.map((f) => ({
    store_id: "file",
    store_params: { root: dirname(f) },
    data_id: basename(f),
    open_params: {},
  }));
  const outPath = options.output ?? (typeof doc.output_path === "string" ? doc.output_path : "out.zarr");
  const outAbs = resolve(cwd, outPath);
  const legacyFormat: GenOutputFormat =
    options.output !== undefined ? genFormatOfPath(options.output)! : writer === "netcdf4" ? "netcdf" : "zarr";
  const crs = typeof doc.output_crs === "string" ? doc.output_crs : "EPSG:4326";
  return {
    source,
    format: "legacy",
    inputs,
    cube: {
      variable_names,
      crs,
      bbox: region as BBox,
      ...(size ? { size: size as [number, number] } : { spatial_res: [res!, res!] as [number, number] }),
      tile_size: tile,
      spatial_method: method,
      chunks: { time: 1 },
      metadata: (doc.output_metadata as Record<string, unknown>) ?? {},
      variable_metadata,
    },
    output: {
      store_id: "file",
      store_params: { root: dirname(outAbs) },
      data_id: basename(outAbs),
      replace: options.replace ?? false,
      format_version: 2,
      ...(legacyFormat !== "zarr" ? { format: legacyFormat } : {}),
    },
    ...(processed ? { processed } : {}),
  };
}

/**
 * `processed_variables` (names, or `{name: {expression, valid_pixel_expression, …attrs}}`), then the
 * `valid_pixel_expression` of output_variables' attributes; each expression parsed here so that a syntax
 * error names its field and line before any input is opened.
 * @returns undefined when neither is given (the inputs' own attributes then apply, as in xcube).
 */
function legacyProcessed(
  doc: Record<string, unknown>,
  outputProps: Record<string, Record<string, unknown>>,
  bad: (field: string, msg: string, hint: string) => EocubeError,
  where: Where,
): ProcessedVariable[] | undefined {
  const out: ProcessedVariable[] = [];
  const pv = doc.processed_variables;
  if (pv !== undefined && pv !== null) {
    if (!Array.isArray(pv))
      throw bad("processed_variables", "must be a list", "e.g. processed_variables: [{chl_ratio: {expression: conc_chl / conc_tsm}}]");
    for (const [i, e] of (pv as unknown[]).entries()) {
      if (typeof e === "string") {
        out.push({ name: e });
        continue;
      }
      if (e && typeof e === "object" && !Array.isArray(e) && Object.keys(e).length === 1) {
        const [name, props] = Object.entries(e)[0]!;
        if (props === null || props === undefined) {
          out.push({ name });
          continue;
        }
        if (typeof props === "object" && !Array.isArray(props)) {
          out.push({ name, props: props as Record<string, unknown> });
          continue;
        }
      }
      throw bad(
        `processed_variables/${i}`,
        `${JSON.stringify(e)} is not a variable definition`,
        "write a name, or {name: {expression: …}}",
      );
    }
  }
  for (const [name, props] of Object.entries(outputProps)) {
    if (typeof props.valid_pixel_expression === "string")
      out.push({ name, props: { valid_pixel_expression: props.valid_pixel_expression } });
  }
  if (pv === undefined && out.length === 0) return undefined;
  out.forEach((e, i) => {
    for (const key of ["expression", "valid_pixel_expression"]) {
      const text = e.props?.[key];
      if (text === undefined || text === null) continue;
      const field =
        i < (Array.isArray(pv) ? pv.length : 0) ? `processed_variables/${i}/${e.name}/${key}` : `output_variables/${e.name}/${key}`;
      if (typeof text !== "string") throw fieldError(where, field, `${field} must be text`, "write the expression as a string");
      try {
        parseExpression(text, { field });
      } catch (err) {
        throw fieldError(where, field, `${field}: ${(err as Error).message}`, (err as EocubeError).hint ?? "", err);
      }
    }
  });
  return out;
}

/** Expands `*`/`?` in the last path segment; plain paths are resolved (base first, else cwd). */
function expandGlob(p: string, base: string, cwd: string): string[] {
  const abs = isAbsolute(p) ? p : existsSync(resolve(base, dirname(p))) ? resolve(base, p) : resolve(cwd, p);
  const name = basename(abs);
  if (!/[*?]/.test(name)) return [abs];
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const re = globMatcher(name);
  return readdirSync(dir)
    .filter((f) => re(f))
    .map((f) => join(dir, f));
}
