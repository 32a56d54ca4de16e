// Place groups (xcube's `PlaceGroups`): GeoJSON and Shapefile features loaded from the config's files once, with
// `Join`, `PropertyMapping` and feature ids as xcube gives them; global groups and the groups of each dataset.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import { epsgFromWkt, pointTransform, resolveCrs, sameCrs, WGS84_PROJ4 } from "../core/crs.js";
import { EocubeError } from "../core/errors.js";
import { globMatcher } from "../core/glob.js";
import type { ConfigProblem } from "../core/config/index.js";
import type { ServerConfig } from "./config.js";
import type { PlaceFeature, PlaceGroupInfo } from "./routes/responses.js";

/** xcube's placeholder in `PropertyMapping` values for the server's URL. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: xcube's literal placeholder
const BASE_URL = "${base_url}";

const ID_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.~+-]{0,199}$";

/**
 * JSON Schema of one `PlaceGroups` item, as xcube's `PLACE_GROUP_SCHEMA`: either a group (`Identifier`, `Path`, …) or,
 * in a dataset's `PlaceGroups`, a reference `{PlaceGroupRef: <Identifier of a global group>}`. `Description` (read by
 * xcube though not in its schema) and `Color` (eocube: the `color` property of features that have none) are accepted too.
 */
export const PLACE_GROUP_CONFIG_SCHEMA = {
  type: "object",
  properties: {
    Identifier: { type: "string", pattern: ID_PATTERN, description: "the group's id (in URLs: /places/{Identifier})" },
    Title: { type: "string", description: "title shown by viewers [default the Identifier]" },
    Description: { type: "string" },
    Path: {
      type: "string",
      minLength: 1,
      description:
        "GeoJSON (.geojson/.json) or Shapefile (.shp) file, relative to the config file; a glob (`places/*.geojson`) reads every match",
    },
    Query: { type: "string", description: "xcube: not implemented (accepted, ignored)" },
    Join: {
      type: "object",
      required: ["Property", "Path"],
      properties: {
        Property: { type: "string", minLength: 1, description: "property whose equal values join a feature to one of the Path's" },
        Path: { type: "string", minLength: 1, description: "GeoJSON or Shapefile whose features' properties are added" },
        CharacterEncoding: { type: "string" },
      },
      additionalProperties: false,
    },
    CharacterEncoding: { type: "string", description: "of Shapefile .dbf attributes [default the .cpg file, else utf-8]" },
    PropertyMapping: {
      type: "object",
      additionalProperties: { type: "string" },
      description:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: xcube's literal placeholders
        "viewer role (label, color, opacity, image, description) → property name, or a template with ${property} (and ${base_url}, replaced by the server's URL)",
    },
    PlaceGroupRef: {
      type: "string",
      pattern: ID_PATTERN,
      description: "in a dataset's PlaceGroups: the Identifier of a global place group",
    },
    Color: { type: "string", description: "eocube: colour of the group's features that have no `color` property (CSS colour)" },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of a `PlaceGroups` list (global, or of a dataset). */
export const PLACE_GROUPS_CONFIG_SCHEMA = { type: "array", items: PLACE_GROUP_CONFIG_SCHEMA } as const;

/** One `PlaceGroups` item of the config (see {@link PLACE_GROUP_CONFIG_SCHEMA}). */
export interface PlaceGroupConfig {
  Identifier?: string;
  Title?: string;
  Description?: string;
  Path?: string;
  Query?: string;
  Join?: { Property: string; Path: string; CharacterEncoding?: string };
  CharacterEncoding?: string;
  PropertyMapping?: Record<string, string>;
  PlaceGroupRef?: string;
  Color?: string;
}

/** The dataset entries of a config that may have `PlaceGroups`, with their config field (`Datasets.0`). */
function datasetConfigs(config: ServerConfig): Array<{ field: string; id?: string; groups: PlaceGroupConfig[] }> {
  const out: Array<{ field: string; id?: string; groups: PlaceGroupConfig[] }> = [];
  (config.Datasets ?? []).forEach((d, i) => {
    const groups = (d as { PlaceGroups?: PlaceGroupConfig[] }).PlaceGroups;
    if (groups) out.push({ field: `Datasets.${i}`, id: d.Identifier, groups });
  });
  (config.DataStores ?? []).forEach((s, i) => {
    (s.Datasets ?? []).forEach((d, j) => {
      const groups = (d as { PlaceGroups?: PlaceGroupConfig[] }).PlaceGroups;
      if (groups) out.push({ field: `DataStores.${i}.Datasets.${j}`, groups });
    });
  });
  return out;
}

/**
 * Checks the place groups of a config beyond the schema, as xcube's places context does when it loads them: global
 * groups have an `Identifier` (unique) and a `Path` and no `PlaceGroupRef`; a dataset's item is either
 * `{PlaceGroupRef}` alone, naming a global group, or a group of its own.
 * @returns the problems (field `PlaceGroups.1.Path`, `Datasets.0.PlaceGroups.0.PlaceGroupRef`), empty when all is well.
 */
export function placeGroupProblems(config: ServerConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const global = (config.PlaceGroups ?? []) as PlaceGroupConfig[];
  const ids = new Set<string>();
  const checkGroup = (g: PlaceGroupConfig, field: string) => {
    if (!g.Identifier) problems.push({ field: `${field}.Identifier`, message: `${field} has no Identifier` });
    if (!g.Path) problems.push({ field: `${field}.Path`, message: `${field} has no Path (a GeoJSON or Shapefile)` });
  };
  global.forEach((g, i) => {
    const field = `PlaceGroups.${i}`;
    if (g.PlaceGroupRef !== undefined) {
      problems.push({ field: `${field}.PlaceGroupRef`, message: `${field}.PlaceGroupRef cannot be used in a global place group` });
      return;
    }
    checkGroup(g, field);
    if (g.Identifier && ids.has(g.Identifier))
      problems.push({ field: `${field}.Identifier`, message: `${field}.Identifier ${JSON.stringify(g.Identifier)} is used twice` });
    if (g.Identifier) ids.add(g.Identifier);
  });
  for (const d of datasetConfigs(config)) {
    d.groups.forEach((g, i) => {
      const field = `${d.field}.PlaceGroups.${i}`;
      if (g.PlaceGroupRef === undefined) checkGroup(g, field);
      else if (Object.keys(g).length > 1)
        problems.push({ field, message: `${field}: PlaceGroupRef, if present, must be the only key of the item` });
      else if (!ids.has(g.PlaceGroupRef))
        problems.push({
          field: `${field}.PlaceGroupRef`,
          message: `${field}.PlaceGroupRef ${JSON.stringify(g.PlaceGroupRef)} is not an Identifier in PlaceGroups${ids.size ? ` (${[...ids].join(", ")})` : ""}`,
        });
    });
  }
  return problems;
}

/** A loaded place group: xcube's place group object without the local paths, features once loaded. */
interface LoadedGroup {
  info: Omit<PlaceGroupInfo, "features">;
  config: PlaceGroupConfig;
  features?: Promise<PlaceFeature[]>;
}

/**
 * The place groups of one configuration: metadata at once, features read from their files on first use and kept
 * (until the configuration is updated). Feature ids are `"0"`, `"1"`, … in load order over all groups, as xcube
 * numbers them (ids in the files are dropped).
 */
export class PlacesContext {
  readonly #config: ServerConfig;
  readonly #groups = new Map<string, LoadedGroup>();
  #nextId = 0;

  constructor(config: ServerConfig) {
    this.#config = config;
  }

  /** The global place groups (config `PlaceGroups`), with their features when `loadFeatures`. */
  async globalGroups(baseUrl: string, loadFeatures = false): Promise<PlaceGroupInfo[]> {
    const groups = (this.#config.PlaceGroups ?? []) as PlaceGroupConfig[];
    return Promise.all(groups.map((g) => this.#group(`G:${g.Identifier}`, g, baseUrl, loadFeatures)));
  }

  /**
   * One global place group.
   * @throws EocubeError NOT_FOUND naming the groups there are.
   */
  async globalGroup(id: string, baseUrl: string, loadFeatures = false): Promise<PlaceGroupInfo> {
    const groups = (this.#config.PlaceGroups ?? []) as PlaceGroupConfig[];
    const g = groups.find((c) => c.Identifier === id);
    if (!g) throw notFound(id, groups);
    return this.#group(`G:${id}`, g, baseUrl, loadFeatures);
  }

  /**
   * The place groups of a dataset (its config's `PlaceGroups`: references to global groups or groups of its own).
   * @param datasetId the dataset's id; `configField` where its entry is (`Datasets.0`, from the datasets context).
   */
  async datasetGroups(
    datasetId: string,
    configField: string | undefined,
    baseUrl: string,
    loadFeatures = false,
  ): Promise<PlaceGroupInfo[]> {
    const own = this.#own(datasetId, configField);
    const out: PlaceGroupInfo[] = [];
    for (const g of own?.groups ?? []) {
      if (g.PlaceGroupRef !== undefined) out.push(await this.globalGroup(g.PlaceGroupRef, baseUrl, loadFeatures));
      else out.push(await this.#group(`D:${datasetId}:${g.Identifier}`, g, baseUrl, loadFeatures));
    }
    return out;
  }

  /**
   * One place group of a dataset, with its features.
   * @throws EocubeError NOT_FOUND when the dataset has no such group.
   */
  async datasetGroup(datasetId: string, configField: string | undefined, groupId: string, baseUrl: string): Promise<PlaceGroupInfo> {
    const own = this.#own(datasetId, configField);
    const ids = (own?.groups ?? []).map((g) => g.PlaceGroupRef ?? g.Identifier!);
    const k = ids.indexOf(groupId);
    if (k < 0)
      throw new EocubeError("NOT_FOUND", `place group ${JSON.stringify(groupId.slice(0, 100))} not found for dataset ${datasetId}`, {
        field: "placeGroupId",
        hint: `place groups of ${datasetId}: ${ids.join(", ") || "(none)"}`,
      });
    const g = own!.groups[k]!;
    if (g.PlaceGroupRef !== undefined) return this.globalGroup(g.PlaceGroupRef, baseUrl, true);
    return this.#group(`D:${datasetId}:${g.Identifier}`, g, baseUrl, true);
  }

  /** The `PlaceGroups` of a dataset's config entry (by its field, else its Identifier). */
  #own(datasetId: string, configField: string | undefined): { groups: PlaceGroupConfig[] } | undefined {
    const all = datasetConfigs(this.#config);
    return configField ? all.find((d) => d.field === configField) : all.find((d) => d.id === datasetId);
  }

  async #group(key: string, config: PlaceGroupConfig, baseUrl: string, loadFeatures: boolean): Promise<PlaceGroupInfo> {
    let g = this.#groups.get(key);
    if (!g) {
      const id = config.Identifier!;
      g = {
        config,
        info: {
          type: "FeatureCollection",
          id,
          title: config.Title ?? id,
          description: config.Description ?? null,
          propertyMapping: config.PropertyMapping ? { ...config.PropertyMapping } : null,
          join: config.Join ? { property: config.Join.Property, encoding: config.Join.CharacterEncoding ?? "utf-8" } : null,
        },
      };
      this.#groups.set(key, g);
    }
    const mapping = g.info.propertyMapping
      ? Object.fromEntries(Object.entries(g.info.propertyMapping).map(([k, v]) => [k, v.replaceAll(BASE_URL, baseUrl)]))
      : null;
    const info = { ...g.info, propertyMapping: mapping };
    if (!loadFeatures) return { ...info, features: null };
    const group = g;
    group.features ??= this.#loadFeatures(group.config).catch((err: unknown) => {
      group.features = undefined;
      throw err;
    });
    return { ...info, features: await group.features };
  }

  async #loadFeatures(g: PlaceGroupConfig): Promise<PlaceFeature[]> {
    const base = this.#config.BaseDir ?? process.cwd();
    const files = await expandPath(g.Path!, base);
    const features: PlaceFeature[] = [];
    for (const file of files) {
      for (const f of await readFeatures(file, g.CharacterEncoding)) {
        const { id: _id, ID: _ID, ...rest } = f as PlaceFeature & { ID?: unknown };
        features.push({ ...rest, id: String(this.#nextId++), properties: { ...(f.properties ?? {}) } });
      }
    }
    if (g.Join) {
      const prop = g.Join.Property;
      const index = new Map<unknown, Record<string, unknown>>();
      for (const file of await expandPath(g.Join.Path, base)) {
        for (const f of await readFeatures(file, g.Join.CharacterEncoding)) {
          if (f.properties && prop in f.properties) index.set(f.properties[prop], f.properties);
        }
      }
      for (const f of features) {
        const joined = f.properties && prop in f.properties ? index.get(f.properties[prop]) : undefined;
        if (joined) Object.assign(f.properties!, joined);
      }
    }
    if (g.Color) for (const f of features) f.properties!.color ??= g.Color;
    return features;
  }
}

function notFound(id: string, groups: PlaceGroupConfig[]): EocubeError {
  return new EocubeError("NOT_FOUND", `place group ${JSON.stringify(id.slice(0, 100))} not found`, {
    field: "placeGroupId",
    hint: `place groups: ${groups.map((g) => g.Identifier).join(", ") || "(none: the config has no PlaceGroups)"}`,
  });
}

/**
 * The files of a place group `Path` (relative to `base`): the file itself, or every file matching a glob (`*`, `?`,
 * `**`), sorted.
 * @throws EocubeError NOT_FOUND when nothing is there.
 */
export async function expandPath(path: string, base: string): Promise<string[]> {
  const abs = isAbsolute(path.replace(/^file:\/\//, "")) ? path.replace(/^file:\/\//, "") : resolve(base, path);
  if (!/[*?]/.test(abs)) {
    if (!existsSync(abs))
      throw new EocubeError("NOT_FOUND", `place group file not found: ${path}${isAbsolute(path) ? "" : " (relative to the config file)"}`, {
        path: abs,
        field: "PlaceGroups.Path",
      });
    return [abs];
  }
  const parts = abs.split("/");
  const k = parts.findIndex((p) => /[*?]/.test(p));
  const root = parts.slice(0, k).join("/") || "/";
  const match = globMatcher(parts.slice(k).join("/"));
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 16) return;
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (match(relative(root, p))) out.push(p);
    }
  };
  await walk(root, 0);
  if (out.length === 0) throw new EocubeError("NOT_FOUND", `no place group file matches ${path}`, { path: abs, field: "PlaceGroups.Path" });
  return out.sort();
}

/**
 * The features of a GeoJSON (FeatureCollection, Feature or geometry; an old-style `crs` member is honoured) or
 * Shapefile (`.shp` with its `.dbf`, `.prj` and `.cpg`) file, in WGS 84 longitude/latitude.
 * @param encoding of the .dbf attributes [default the .cpg file's, else utf-8].
 * @throws EocubeError CORRUPT_DATA (not GeoJSON, an unreadable Shapefile), UNKNOWN_FORMAT (another extension).
 */
export async function readFeatures(file: string, encoding?: string): Promise<PlaceFeature[]> {
  const ext = extname(file).toLowerCase();
  let features: PlaceFeature[];
  let crs: string | undefined;
  if (ext === ".shp") {
    const stem = file.slice(0, -ext.length);
    const sidecar = async (e: string) =>
      readFile(`${stem}${e}`, "utf8").catch(() => readFile(`${stem}${e.toUpperCase()}`, "utf8").catch(() => undefined));
    const cpg = (await sidecar(".cpg"))?.trim();
    crs = (await sidecar(".prj"))?.trim() || undefined;
    const dbf = existsSync(`${stem}.dbf`) ? `${stem}.dbf` : existsSync(`${stem}.DBF`) ? `${stem}.DBF` : undefined;
    const { read } = await import("shapefile");
    try {
      const fc = await read(file, dbf, { encoding: encoding ?? (cpg ? cpgEncoding(cpg) : "utf-8") });
      features = fc.features as PlaceFeature[];
    } catch (err) {
      throw new EocubeError("CORRUPT_DATA", `cannot read the Shapefile ${basename(file)}: ${(err as Error).message}`, {
        path: file,
        cause: err,
      });
    }
  } else if (ext === ".geojson" || ext === ".json") {
    let doc: { type?: string; features?: unknown; geometry?: unknown; crs?: { properties?: { name?: string } } };
    try {
      doc = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new EocubeError("CORRUPT_DATA", `${basename(file)} is not JSON: ${(err as Error).message}`, { path: file, cause: err });
    }
    crs = doc?.crs?.properties?.name;
    if (doc?.type === "FeatureCollection" && Array.isArray(doc.features)) features = doc.features as PlaceFeature[];
    else if (doc?.type === "Feature") features = [doc as PlaceFeature];
    else if (typeof doc?.type === "string" && doc.type !== "FeatureCollection")
      features = [{ type: "Feature", geometry: doc as PlaceFeature["geometry"], properties: {} } as PlaceFeature];
    else throw new EocubeError("CORRUPT_DATA", `${basename(file)} is not a GeoJSON FeatureCollection, Feature or geometry`, { path: file });
  } else {
    throw new EocubeError("UNKNOWN_FORMAT", `place group file ${basename(file)}: not GeoJSON (.geojson, .json) nor a Shapefile (.shp)`, {
      path: file,
      hint: `convert it, e.g. ogr2ogr -f GeoJSON ${basename(file, ext)}.geojson ${basename(file)}`,
    });
  }
  return crs ? reproject(features, crs, file) : features;
}

/** The TextDecoder label of a `.cpg` file's content (`UTF-8`, `1252`, `ISO-8859-1`, `CP1252`). */
function cpgEncoding(cpg: string): string {
  const c = cpg.toLowerCase();
  if (/^\d+$/.test(c)) return c === "65001" ? "utf-8" : `windows-${c}`;
  return c.replace(/^cp(\d+)$/, "windows-$1");
}

/** Features transformed from `crs` (WKT, EPSG name or URN) to WGS 84 lon/lat; unchanged when already there. */
function reproject(features: PlaceFeature[], crs: string, file: string): PlaceFeature[] {
  const code = /^\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS)/i.test(crs) ? epsgFromWkt(crs) : undefined;
  const from = resolveCrs(code ? `EPSG:${code}` : crs, `${basename(file)} CRS`);
  const to = { crs: "EPSG:4326", proj4: WGS84_PROJ4 };
  if (sameCrs(from, to) || from.crs === "EPSG:4326") return features;
  const t = pointTransform(from.proj4, WGS84_PROJ4);
  const out = new Float64Array(2);
  const mapCoords = (c: unknown): unknown => {
    if (Array.isArray(c) && typeof c[0] === "number") {
      t(c[0], c[1] as number, out);
      return c.length > 2 ? [out[0], out[1], ...c.slice(2)] : [out[0], out[1]];
    }
    return Array.isArray(c) ? c.map(mapCoords) : c;
  };
  const mapGeometry = (g: PlaceFeature["geometry"]): PlaceFeature["geometry"] => {
    if (!g) return g;
    if (g.type === "GeometryCollection")
      return { ...g, geometries: (g.geometries ?? []).map((c) => mapGeometry(c as PlaceFeature["geometry"])) } as PlaceFeature["geometry"];
    return { ...g, coordinates: mapCoords(g.coordinates) } as PlaceFeature["geometry"];
  };
  return features.map((f) => ({ ...f, geometry: mapGeometry(f.geometry) }));
}
