// CF grid-mapping attributes of a target CRS (grid_mapping_name + parameters, crs_wkt) for the `crs` variable.
import { epsgDefinition } from "../core/crs.js";
import type { Attrs } from "../core/variable.js";

/** Ellipsoids PROJ strings name, as `[semi_major_axis, inverse_flattening]` (metres, 1). */
const ELLIPSOIDS: Record<string, [number, number]> = {
  WGS84: [6378137, 298.257223563],
  GRS80: [6378137, 298.257222101],
  intl: [6378388, 297],
  bessel: [6377397.155, 299.1528128],
  clrk66: [6378206.4, 294.978698213898],
  airy: [6377563.396, 299.3249646],
};
const DATUM_ELLIPSOID: Record<string, string> = {
  WGS84: "WGS84",
  NAD83: "GRS80",
  ETRS89: "GRS80",
  NAD27: "clrk66",
  OSGB36: "airy",
  potsdam: "bessel",
};

/** The `+key=value` / `+flag` parameters of a PROJ string. */
function projParams(def: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of def.trim().split(/\s+/)) {
    const m = /^\+([A-Za-z_0-9]+)(?:=(.*))?$/.exec(tok);
    if (m) out[m[1]!] = m[2] ?? "";
  }
  return out;
}

/** CF ellipsoid attributes from PROJ `+R`, `+a/+b/+rf`, `+ellps` or `+datum` (default WGS 84). */
function earthAttrs(p: Record<string, string>): Attrs {
  if (p.R !== undefined) return { earth_radius: Number(p.R) };
  if (p.a !== undefined) {
    const a = Number(p.a);
    if (p.rf !== undefined) return { semi_major_axis: a, inverse_flattening: Number(p.rf) };
    if (p.b !== undefined) return Number(p.b) === a ? { earth_radius: a } : { semi_major_axis: a, semi_minor_axis: Number(p.b) };
    return { earth_radius: a };
  }
  const e = ELLIPSOIDS[p.ellps ?? DATUM_ELLIPSOID[p.datum ?? "WGS84"] ?? "WGS84"];
  return e ? { semi_major_axis: e[0], inverse_flattening: e[1] } : {};
}

const n = (v: string | undefined, d = 0): number => (v === undefined || v === "" ? d : Number(v));

/**
 * CF grid-mapping attributes (CF 1.8 Appendix F) of a PROJ string: `grid_mapping_name` and its
 * parameters (degrees, metres), plus the ellipsoid (`semi_major_axis`, `inverse_flattening`, or
 * `earth_radius`). Covers laea, utm/tmerc, merc, lcc, aea, stere (polar and oblique), sinu,
 * ortho, cea and longlat — the inverse of `cfGridMappingToProj4`; undefined for other projections.
 * Names and parameters as GDAL's netCDF driver writes them (e.g. EPSG:3035 →
 * `lambert_azimuthal_equal_area`, `latitude_of_projection_origin: 52`, `longitude_of_projection_origin: 10`).
 */
export function cfGridMappingAttrs(proj4: string): Attrs | undefined {
  const p = projParams(proj4);
  const earth = earthAttrs(p);
  const fe = { false_easting: n(p.x_0), false_northing: n(p.y_0) };
  const lat0 = n(p.lat_0);
  const lon0 = n(p.lon_0);
  switch (p.proj) {
    case "longlat":
    case "latlong":
    case "lonlat":
    case "latlon":
      return { grid_mapping_name: "latitude_longitude", ...earth };
    case "laea":
      return {
        grid_mapping_name: "lambert_azimuthal_equal_area",
        latitude_of_projection_origin: lat0,
        longitude_of_projection_origin: lon0,
        ...fe,
        ...earth,
      };
    case "utm": {
      const zone = n(p.zone);
      if (!(zone >= 1 && zone <= 60)) return undefined;
      return {
        grid_mapping_name: "transverse_mercator",
        latitude_of_projection_origin: 0,
        longitude_of_central_meridian: 6 * zone - 183,
        scale_factor_at_central_meridian: 0.9996,
        false_easting: 500000,
        false_northing: "south" in p ? 10000000 : 0,
        ...earth,
      };
    }
    case "tmerc":
      return {
        grid_mapping_name: "transverse_mercator",
        latitude_of_projection_origin: lat0,
        longitude_of_central_meridian: lon0,
        scale_factor_at_central_meridian: n(p.k ?? p.k_0, 1),
        ...fe,
        ...earth,
      };
    case "merc":
      return p.lat_ts !== undefined
        ? { grid_mapping_name: "mercator", longitude_of_projection_origin: lon0, standard_parallel: n(p.lat_ts), ...fe, ...earth }
        : {
            grid_mapping_name: "mercator",
            longitude_of_projection_origin: lon0,
            scale_factor_at_projection_origin: n(p.k ?? p.k_0, 1),
            ...fe,
            ...earth,
          };
    case "lcc":
    case "aea": {
      const sp = [n(p.lat_1, lat0), n(p.lat_2, n(p.lat_1, lat0))];
      return {
        grid_mapping_name: p.proj === "lcc" ? "lambert_conformal_conic" : "albers_conical_equal_area",
        standard_parallel: sp[0] === sp[1] ? sp[0] : sp,
        latitude_of_projection_origin: lat0,
        longitude_of_central_meridian: lon0,
        ...fe,
        ...earth,
      };
    }
    case "stere":
      if (Math.abs(lat0) === 90) {
        return {
          grid_mapping_name: "polar_stereographic",
          latitude_of_projection_origin: lat0,
          straight_vertical_longitude_from_pole: lon0,
          ...(p.lat_ts !== undefined ? { standard_parallel: n(p.lat_ts) } : { scale_factor_at_projection_origin: n(p.k ?? p.k_0, 1) }),
          ...fe,
          ...earth,
        };
      }
      return {
        grid_mapping_name: "stereographic",
        latitude_of_projection_origin: lat0,
        longitude_of_projection_origin: lon0,
        scale_factor_at_projection_origin: n(p.k ?? p.k_0, 1),
        ...fe,
        ...earth,
      };
    case "sinu":
      return { grid_mapping_name: "sinusoidal", longitude_of_central_meridian: lon0, ...fe, ...earth };
    case "ortho":
      return {
        grid_mapping_name: "orthographic",
        latitude_of_projection_origin: lat0,
        longitude_of_projection_origin: lon0,
        ...fe,
        ...earth,
      };
    case "cea":
      return {
        grid_mapping_name: "lambert_cylindrical_equal_area",
        longitude_of_central_meridian: lon0,
        standard_parallel: n(p.lat_ts),
        ...fe,
        ...earth,
      };
    default:
      return undefined;
  }
}

/** The registry WKT of `crs` when it is "EPSG:<code>" (core/crs.ts `epsgDefinition`); undefined otherwise. */
function epsgWkt(crs: string): string | undefined {
  const m = /^EPSG:(\d+)$/i.exec(crs.trim());
  return m ? epsgDefinition(Number(m[1]))?.wkt : undefined;
}

/**
 * The attributes of a cube's `crs` grid-mapping variable for a projected grid: CF
 * `grid_mapping_name` and parameters (see {@link cfGridMappingAttrs}), `crs_wkt` and GDAL's
 * `spatial_ref` holding real WKT (the source's, else the EPSG registry's; left out when
 * neither is known — never a PROJ string), the PROJ string in `proj4`, and the CRS name in `crs`.
 */
export function crsVariableAttrs(grid: { crs: string; proj4: string; crsWkt?: string }): Attrs {
  const wkt = grid.crsWkt ?? epsgWkt(grid.crs);
  return {
    ...(cfGridMappingAttrs(grid.proj4) ?? {}),
    ...(wkt ? { crs_wkt: wkt, spatial_ref: wkt } : {}),
    proj4: grid.proj4,
    crs: grid.crs,
  };
}
