// CRS resolution for the cube operations: "EPSG:xxxx", PROJ strings and WKT → a proj4js definition.
import { createRequire } from "node:module";
import proj4 from "proj4";
import { EocubeError } from "../core/errors.js";

/** A resolved coordinate reference system. */
export interface ResolvedCrs {
  /** Canonical name: "EPSG:4326" when an EPSG code is known, else the text as given. */
  crs: string;
  /** proj4js definition string (`+proj=… +units=…`) or WKT that proj4js accepts. */
  proj4: string;
  /** True for geographic (longitude/latitude degree) CRSs. */
  isGeographic: boolean;
}

const require = createRequire(import.meta.url);
const cache = new Map<string, ResolvedCrs>();

const GEOGRAPHIC_ALIASES = new Set(["EPSG:4326", "OGC:CRS84", "CRS84", "WGS84", "WGS 84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84"]);

/**
 * Resolves a CRS given as "EPSG:<code>" (any code of the EPSG registry, looked up in the
 * `epsg-index` package), "OGC:CRS84", a PROJ string (`+proj=…`) or WKT (1 or 2, as proj4js parses it).
 * @throws EocubeError INVALID_ARGUMENT when the CRS is unknown or proj4js cannot parse it.
 */
export function resolveCrs(crs: string, field = "crs"): ResolvedCrs {
  const key = crs.trim();
  const hit = cache.get(key);
  if (hit) return hit;
  const upper = key.toUpperCase();
  let out: ResolvedCrs;
  if (GEOGRAPHIC_ALIASES.has(upper) || upper === "EPSG:4326") {
    out = { crs: "EPSG:4326", proj4: "+proj=longlat +datum=WGS84 +no_defs", isGeographic: true };
  } else {
    const m = /^(?:EPSG:+|URN:OGC:DEF:CRS:EPSG::?|HTTPS?:\/\/WWW\.OPENGIS\.NET\/DEF\/CRS\/EPSG\/0\/)(\d+)$/.exec(upper);
    let def: string | undefined;
    let name = key;
    if (m) {
      name = `EPSG:${m[1]}`;
      try {
        def = (require(`epsg-index/s/${m[1]}.json`) as { proj4?: string }).proj4 ?? undefined;
      } catch {
        def = undefined;
      }
      if (!def) throw badCrs(crs, field, `EPSG code ${m[1]} is not in the EPSG registry`);
    } else {
      def = key;
    }
    let isGeographic = false;
    try {
      const p = proj4(def) as unknown as { oProj?: { projName?: string; units?: string } };
      const projName = p.oProj?.projName ?? "";
      isGeographic = projName === "longlat" || projName === "identity" || /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def);
      // proj4js silently accepts some garbage; a forward transform of a point must work.
      const xy = proj4("EPSG:4326", def, [0, 0]);
      if (!Array.isArray(xy) || xy.length < 2) throw new Error("transform failed");
    } catch (err) {
      throw badCrs(crs, field, (err as Error).message ?? String(err));
    }
    out = { crs: name, proj4: def, isGeographic };
  }
  cache.set(key, out);
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
  const conv = proj4(fromProj4, toProj4);
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
