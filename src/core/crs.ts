// The one CRS module: proj4js loaded on first use, the one EPSG registry loader, CRS resolution ("EPSG:N", PROJ,
// WKT), point transforms, EPSG codes from WKT and CF grid-mapping parameters → PROJ strings.
// Spec: CF conventions Appendix F "Grid Mappings", https://cfconventions.org/cf-conventions/cf-conventions.html#appendix-grid-mappings
import { createRequire } from "node:module";
import type proj4Type from "proj4";
import { EocubeError } from "./errors.js";

const requireCjs = createRequire(import.meta.url);
let proj4Lib: typeof proj4Type | undefined;
/**
 * proj4js, loaded on first use (it costs ≈70 ms of start-up): the same function and definitions registry
 * that `import proj4 from "proj4"` gives, so EPSG codes registered here are known there too.
 */
export function loadProj4(): typeof proj4Type {
  return proj4();
}

function proj4(): typeof proj4Type {
  proj4Lib ??= requireCjs("proj4") as typeof proj4Type;
  return proj4Lib;
}
/** EPSG codes proj4js defines itself (so registering them is a no-op and needs no loading). */
const PROJ4_BUILTIN_EPSG = new Set([4326, 4269, 3857]);
import type { Attrs } from "./variable.js";

/** One entry of the EPSG registry. */
export interface EpsgDefinition {
  /** PROJ string as proj4js reads it (`+type=crs` left out). */
  proj4: string;
  /** OGC WKT 1 with EPSG AUTHORITY nodes, when the registry has it. */
  wkt?: string;
  /** The registry's name of the CRS ("WGS 84 / UTM zone 33N"). */
  name: string;
}

const epsgCache = new Map<number, EpsgDefinition | null>();

/**
 * The definition of an EPSG code from the EPSG registry bundled with eocube (the `epsg-index` package, one JSON
 * file per code, read on first use and remembered): the one EPSG loader of eocube.
 * @returns undefined for codes the registry does not hold (or that are not positive integers).
 */
export function epsgDefinition(code: number): EpsgDefinition | undefined {
  if (!Number.isInteger(code) || code <= 0) return undefined;
  let def = epsgCache.get(code);
  if (def === undefined) {
    try {
      const j = requireCjs(`epsg-index/s/${code}.json`) as { proj4?: string; wkt?: string; name?: string };
      def = j.proj4
        ? { proj4: j.proj4.replace(/\s*\+type=crs/, "").trim(), ...(j.wkt ? { wkt: j.wkt } : {}), name: j.name ?? `EPSG:${code}` }
        : null;
    } catch {
      def = null;
    }
    epsgCache.set(code, def);
  }
  return def ?? undefined;
}

/** The PROJ string of WGS 84 longitude/latitude (EPSG:4326). */
export const WGS84_PROJ4 = "+proj=longlat +datum=WGS84 +no_defs";

/**
 * The EPSG code of the root CRS of a WKT string: the `AUTHORITY["EPSG","N"]` (WKT1) or `ID["EPSG",N]`
 * (WKT2) directly inside the outermost bracket, not those of its datum, units or base CRS.
 */
export function epsgFromWkt(wkt: string): number | undefined {
  let depth = 0;
  let found: number | undefined;
  const re = /(AUTHORITY|ID)\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]|[[\]()]/gi;
  for (let m = re.exec(wkt); m !== null; m = re.exec(wkt)) {
    const t = m[0];
    if (t === "[" || t === "(") depth++;
    else if (t === "]" || t === ")") depth--;
    else if (depth === 1) found = Number(m[2]);
  }
  return found;
}

/** True when a string looks like WKT (1 or 2). */
export function looksLikeWkt(s: unknown): s is string {
  return (
    typeof s === "string" &&
    /^\s*(PROJCS|GEOGCS|GEOCCS|COMPD_CS|PROJCRS|GEOGCRS|GEODCRS|BOUNDCRS|COMPOUNDCRS|PROJECTEDCRS|GEOGRAPHICCRS)\s*\[/i.test(s)
  );
}

/**
 * A PROJ string for an EPSG code: well-known codes from a table without reading the registry (4326, 4258, 4269,
 * 3857/900913, 3395, 326NN/327NN (UTM WGS 84), 258NN (UTM ETRS89), 3035, 3031, 3413), others from the EPSG
 * registry ({@link epsgDefinition}). Undefined for codes the registry does not hold.
 */
export function epsgToProj4(code: number): string | undefined {
  return wellKnownEpsg(code) ?? epsgDefinition(code)?.proj4;
}

/** The PROJ string of a well-known EPSG code (see {@link epsgToProj4}), without reading the registry. */
function wellKnownEpsg(code: number): string | undefined {
  if (code === 4326) return WGS84_PROJ4;
  if (code === 4258) return "+proj=longlat +ellps=GRS80 +no_defs";
  if (code === 4269) return "+proj=longlat +datum=NAD83 +no_defs";
  if (code === 3857 || code === 900913) {
    return "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs";
  }
  if (code === 3395) return "+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs";
  if (code >= 32601 && code <= 32660) return `+proj=utm +zone=${code - 32600} +datum=WGS84 +units=m +no_defs`;
  if (code >= 32701 && code <= 32760) return `+proj=utm +zone=${code - 32700} +south +datum=WGS84 +units=m +no_defs`;
  if (code >= 25828 && code <= 25838) return `+proj=utm +zone=${code - 25800} +ellps=GRS80 +units=m +no_defs`;
  if (code === 3035) return "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs";
  if (code === 3031) return "+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs";
  if (code === 3413) return "+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs";
  return undefined;
}

/** A numeric attribute (first element of an array), or undefined. */
function num(attrs: Attrs, ...keys: string[]): number | undefined {
  for (const k of keys) {
    let v = attrs[k];
    if (Array.isArray(v) || ArrayBuffer.isView(v)) v = (v as ArrayLike<unknown>)[0];
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "bigint") return Number(v);
  }
  return undefined;
}

/** All values of a one-or-two-valued attribute (standard_parallel). */
function nums(attrs: Attrs, key: string): number[] {
  const v = attrs[key];
  if (typeof v === "number") return [v];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>, Number);
  return [];
}

/** The `+a/+b/+rf/+R` (or datum) part of a PROJ string from CF ellipsoid attributes. */
function earthPart(attrs: Attrs): string {
  const r = num(attrs, "earth_radius");
  if (r !== undefined) return `+R=${r}`;
  const a = num(attrs, "semi_major_axis");
  const b = num(attrs, "semi_minor_axis");
  const rf = num(attrs, "inverse_flattening");
  if (a !== undefined && rf !== undefined) {
    if (a === 6378137 && Math.abs(rf - 298.257223563) < 1e-9) return "+datum=WGS84";
    if (a === 6378137 && Math.abs(rf - 298.257222101) < 1e-9) return "+ellps=GRS80";
    return rf === 0 ? `+R=${a}` : `+a=${a} +rf=${rf}`;
  }
  if (a !== undefined && b !== undefined) return a === b ? `+R=${a}` : `+a=${a} +b=${b}`;
  if (a !== undefined) return `+R=${a}`;
  return "+datum=WGS84";
}

/**
 * A PROJ string from CF grid-mapping attributes (`grid_mapping_name` and its parameters, CF Appendix F):
 * latitude_longitude, transverse_mercator, mercator, lambert_conformal_conic, polar_stereographic,
 * stereographic, lambert_azimuthal_equal_area, albers_conical_equal_area, rotated_latitude_longitude,
 * geostationary, sinusoidal, orthographic, lambert_cylindrical_equal_area. Undefined for other names.
 */
export function cfGridMappingToProj4(attrs: Attrs): string | undefined {
  const name = typeof attrs.grid_mapping_name === "string" ? attrs.grid_mapping_name.toLowerCase() : undefined;
  if (!name) return undefined;
  const earth = earthPart(attrs);
  const lon0 = num(attrs, "longitude_of_central_meridian", "longitude_of_projection_origin", "straight_vertical_longitude_from_pole") ?? 0;
  const lat0 = num(attrs, "latitude_of_projection_origin") ?? 0;
  const x0 = num(attrs, "false_easting") ?? 0;
  const y0 = num(attrs, "false_northing") ?? 0;
  const fe = `+x_0=${x0} +y_0=${y0}`;
  const sp = nums(attrs, "standard_parallel");
  const tail = `${earth} +units=m +no_defs`;
  switch (name) {
    case "latitude_longitude":
      return `+proj=longlat ${earth} +no_defs`;
    case "transverse_mercator": {
      const k = num(attrs, "scale_factor_at_central_meridian") ?? 1;
      return `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=${k} ${fe} ${tail}`;
    }
    case "mercator": {
      const k = num(attrs, "scale_factor_at_projection_origin");
      return sp.length > 0
        ? `+proj=merc +lon_0=${lon0} +lat_ts=${sp[0]} ${fe} ${tail}`
        : `+proj=merc +lon_0=${lon0} +k=${k ?? 1} ${fe} ${tail}`;
    }
    case "lambert_conformal_conic":
      return `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${sp[0] ?? lat0} +lat_2=${sp[1] ?? sp[0] ?? lat0} ${fe} ${tail}`;
    case "albers_conical_equal_area":
      return `+proj=aea +lat_0=${lat0} +lon_0=${lon0} +lat_1=${sp[0] ?? lat0} +lat_2=${sp[1] ?? sp[0] ?? lat0} ${fe} ${tail}`;
    case "polar_stereographic": {
      const ts = num(attrs, "standard_parallel");
      const k = num(attrs, "scale_factor_at_projection_origin");
      const base = `+proj=stere +lat_0=${lat0} +lon_0=${lon0}`;
      return ts !== undefined ? `${base} +lat_ts=${ts} ${fe} ${tail}` : `${base} +k=${k ?? 1} ${fe} ${tail}`;
    }
    case "stereographic":
      return `+proj=stere +lat_0=${lat0} +lon_0=${lon0} +k=${num(attrs, "scale_factor_at_projection_origin") ?? 1} ${fe} ${tail}`;
    case "lambert_azimuthal_equal_area":
      return `+proj=laea +lat_0=${lat0} +lon_0=${lon0} ${fe} ${tail}`;
    case "lambert_cylindrical_equal_area":
      return `+proj=cea +lon_0=${lon0} +lat_ts=${sp[0] ?? 0} ${fe} ${tail}`;
    case "orthographic":
      return `+proj=ortho +lat_0=${lat0} +lon_0=${lon0} ${fe} ${tail}`;
    case "sinusoidal":
      return `+proj=sinu +lon_0=${lon0} ${fe} ${tail}`;
    case "geostationary": {
      const h = num(attrs, "perspective_point_height") ?? 35786023;
      const sweep = typeof attrs.sweep_angle_axis === "string" ? attrs.sweep_angle_axis : "y";
      return `+proj=geos +lon_0=${lon0} +h=${h} +sweep=${sweep} ${fe} ${tail}`;
    }
    case "rotated_latitude_longitude": {
      const plat = num(attrs, "grid_north_pole_latitude") ?? 90;
      const plon = num(attrs, "grid_north_pole_longitude") ?? 0;
      return `+proj=ob_tran +o_proj=longlat +o_lat_p=${plat} +o_lon_p=${num(attrs, "north_pole_grid_longitude") ?? 0} +lon_0=${plon + 180} ${earth} +to_meter=0.0174532925199433 +no_defs`;
    }
    default:
      return undefined;
  }
}

/**
 * Parses a definition with proj4js (PROJ string, WKT or a registered "EPSG:N" name).
 * @returns the projection name (`longlat`, `utm`, `Transverse_Mercator`, …), or undefined when proj4js refuses it.
 */
export function projNameOf(def: string): string | undefined {
  try {
    if (def === WGS84_PROJ4 || def === "EPSG:4326") return "longlat"; // what proj4js answers, without loading it
    const p = proj4().Proj(def) as unknown as { projName?: string };
    return p.projName ?? undefined;
  } catch {
    return undefined;
  }
}

/** Registers `EPSG:code` with proj4js (when not yet known) so later `proj4("EPSG:code", …)` calls work. */
export function registerEpsg(code: number, def: string): void {
  const name = `EPSG:${code}`;
  try {
    if (PROJ4_BUILTIN_EPSG.has(code)) return;
    if (proj4().defs(name) === undefined) proj4().defs(name, def);
  } catch {
    // an unparseable definition is simply not registered
  }
}

/** A resolved coordinate reference system. */
export interface ResolvedCrs {
  /** Canonical name: "EPSG:4326" when an EPSG code is known, else the text as given. */
  crs: string;
  /** proj4js definition string (`+proj=… +units=…`) or WKT that proj4js accepts. */
  proj4: string;
  /** True for geographic (longitude/latitude degree) CRSs. */
  isGeographic: boolean;
}

const resolved = new Map<string, ResolvedCrs>();

const GEOGRAPHIC_ALIASES = new Set(["EPSG:4326", "OGC:CRS84", "CRS84", "WGS84", "WGS 84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84"]);

/**
 * Resolves a CRS given as "EPSG:<code>" (also as URN or OGC URL; any code of the EPSG registry, see
 * {@link epsgDefinition}), "OGC:CRS84", a PROJ string (`+proj=…`) or WKT (1 or 2, as proj4js parses it).
 * @param field the parameter or config field named in errors [default "crs"].
 * @throws EocubeError INVALID_ARGUMENT when the CRS is unknown or proj4js cannot parse it.
 */
export function resolveCrs(crs: string, field = "crs"): ResolvedCrs {
  const key = crs.trim();
  const hit = resolved.get(key);
  if (hit) return hit;
  const upper = key.toUpperCase();
  let out: ResolvedCrs;
  if (GEOGRAPHIC_ALIASES.has(upper)) {
    out = { crs: "EPSG:4326", proj4: WGS84_PROJ4, isGeographic: true };
  } else {
    const m = /^(?:EPSG:+|URN:OGC:DEF:CRS:EPSG::?|HTTPS?:\/\/WWW\.OPENGIS\.NET\/DEF\/CRS\/EPSG\/0\/)(\d+)$/.exec(upper);
    let def: string | undefined;
    let name = key;
    if (m) {
      name = `EPSG:${m[1]}`;
      def = epsgDefinition(Number(m[1]))?.proj4;
      if (!def) throw badCrs(crs, field, `EPSG code ${m[1]} is not in the EPSG registry`);
    } else {
      def = key;
    }
    let isGeographic = false;
    try {
      const p = proj4()(def) as unknown as { oProj?: { projName?: string; units?: string } };
      const projName = p.oProj?.projName ?? "";
      isGeographic = projName === "longlat" || projName === "identity" || /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def);
      // proj4js silently accepts some garbage; a forward transform of a point must work.
      const xy = proj4()("EPSG:4326", def, [0, 0]);
      if (!Array.isArray(xy) || xy.length < 2) throw new Error("transform failed");
    } catch (err) {
      throw badCrs(crs, field, (err as Error).message ?? String(err));
    }
    out = { crs: name, proj4: def, isGeographic };
  }
  resolved.set(key, out);
  return out;
}

function badCrs(crs: string, field: string, why: string): EocubeError {
  return new EocubeError("INVALID_ARGUMENT", `cannot parse the CRS ${JSON.stringify(crs)}: ${why}`, {
    field,
    hint: 'give an EPSG code such as "EPSG:4326" or "EPSG:3035", a PROJ string "+proj=…", or WKT',
  });
}

/** A point transformer between two proj4 definitions (identity when both are the same). */
export type PointTransform = (x: number, y: number, out: Float64Array) => void;

/**
 * A function mapping (x, y) in CRS `from` to (x, y) in CRS `to`, writing into `out[0..1]`
 * (NaN where the point has no image). Reuses one proj4 converter; allocates nothing per call
 * beyond proj4's own point object.
 */
export function pointTransform(fromProj4: string, toProj4: string): PointTransform {
  if (fromProj4 === toProj4) {
    return (x, y, out) => {
      out[0] = x;
      out[1] = y;
    };
  }
  const conv = proj4()(fromProj4, toProj4);
  const pt: [number, number] = [0, 0];
  return (x, y, out) => {
    pt[0] = x;
    pt[1] = y;
    let r: number[];
    try {
      r = conv.forward(pt) as number[];
    } catch {
      out[0] = NaN;
      out[1] = NaN;
      return;
    }
    const rx = r[0]!;
    const ry = r[1]!;
    out[0] = Number.isFinite(rx) ? rx : NaN;
    out[1] = Number.isFinite(ry) ? ry : NaN;
  };
}

/** True when two resolved CRSs are the same geographic CRS family (lon/lat, both WGS84-like). */
export function sameCrs(a: { proj4: string; crs: string }, b: { proj4: string; crs: string }): boolean {
  if (a.crs === b.crs || a.proj4 === b.proj4) return true;
  const norm = (s: string) => s.replace(/\s+\+type=crs|\s+\+no_defs|\s+\+towgs84=0,0,0(,0,0,0,0)?/g, "").trim();
  return norm(a.proj4) === norm(b.proj4);
}
