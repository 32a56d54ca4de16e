// Tile matrix sets: WorldWebMercatorQuad (EPSG:3857) and WorldCRS84Quad (OGC 17-083r2, Annex D).
import { EocubeError } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";

/** Identifiers of the supported tile matrix sets. */
export type TileMatrixSetId = "WorldWebMercatorQuad" | "WorldCRS84Quad";

/** Half the Web Mercator world width in metres (π·6378137). */
export const WEB_MERCATOR_EXTENT = 20037508.342789244;

/** A tile grid: CRS, number of tiles at level 0, world bbox (tile-CRS units). */
export interface TileGrid {
  id: TileMatrixSetId;
  /** "EPSG:3857" or "CRS84" (lon/lat order). */
  crs: string;
  /** Tiles across and down at level 0. */
  cols0: number;
  rows0: number;
  /** World extent `[minx, miny, maxx, maxy]`. */
  extent: BBox;
  /** Deepest level served. */
  maxZoom: number;
}

/** WorldWebMercatorQuad: one 256-px tile at level 0 covering ±20037508.34 m. */
export const WEB_MERCATOR_QUAD: TileGrid = {
  id: "WorldWebMercatorQuad",
  crs: "EPSG:3857",
  cols0: 1,
  rows0: 1,
  extent: [-WEB_MERCATOR_EXTENT, -WEB_MERCATOR_EXTENT, WEB_MERCATOR_EXTENT, WEB_MERCATOR_EXTENT],
  maxZoom: 24,
};

/** WorldCRS84Quad: two tiles (180° each) at level 0. */
export const CRS84_QUAD: TileGrid = {
  id: "WorldCRS84Quad",
  crs: "CRS84",
  cols0: 2,
  rows0: 1,
  extent: [-180, -90, 180, 90],
  maxZoom: 24,
};

/**
 * The tile grid for a `crs` query value: `EPSG:3857` (default), `CRS84`, `EPSG:4326` or `OGC:CRS84`.
 * @throws EocubeError INVALID_PARAMS (field `crs`) for any other value.
 */
export function tileGridOf(crs: string | undefined): TileGrid {
  if (crs === undefined || crs === "" || /^(EPSG:3857|EPSG:900913|WorldWebMercatorQuad)$/i.test(crs)) return WEB_MERCATOR_QUAD;
  if (/^(OGC:)?CRS84$|^EPSG:4326$|^WorldCRS84Quad$/i.test(crs)) return CRS84_QUAD;
  throw new EocubeError("INVALID_PARAMS", `unsupported tile CRS ${JSON.stringify(crs)}`, {
    field: "crs",
    hint: "use crs=EPSG:3857 (Web Mercator) or crs=CRS84",
  });
}

/**
 * The bbox `[minx, miny, maxx, maxy]` of tile (z, y, x) in the grid's CRS; y counts down from the top.
 * @throws EocubeError OUT_OF_RANGE when z, x or y lie outside the tile matrix.
 */
export function tileBounds(grid: TileGrid, z: number, y: number, x: number): BBox {
  if (!Number.isInteger(z) || z < 0 || z > grid.maxZoom) {
    throw new EocubeError("OUT_OF_RANGE", `zoom level ${z} outside 0…${grid.maxZoom}`, { field: "z" });
  }
  const cols = grid.cols0 * 2 ** z;
  const rows = grid.rows0 * 2 ** z;
  if (!Number.isInteger(x) || x < 0 || x >= cols) {
    throw new EocubeError("OUT_OF_RANGE", `tile column x=${x} outside 0…${cols - 1} at zoom ${z}`, { field: "x" });
  }
  if (!Number.isInteger(y) || y < 0 || y >= rows) {
    throw new EocubeError("OUT_OF_RANGE", `tile row y=${y} outside 0…${rows - 1} at zoom ${z}`, { field: "y" });
  }
  const [minx, miny, maxx, maxy] = grid.extent;
  const w = (maxx - minx) / cols;
  const h = (maxy - miny) / rows;
  return [minx + x * w, maxy - (y + 1) * h, minx + (x + 1) * w, maxy - y * h];
}

/** Size of one tile-pixel in the grid's CRS units at zoom z, for tiles of `tileSize` pixels. */
export function tileResolution(grid: TileGrid, z: number, tileSize = 256): number {
  return (grid.extent[2] - grid.extent[0]) / (grid.cols0 * 2 ** z) / tileSize;
}

/** Web Mercator metres → lon/lat degrees, in place on interleaved or separate arrays. */
export function mercatorToLonLat(x: number, y: number): [number, number] {
  const R = 6378137;
  return [(x / R) * (180 / Math.PI), (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * (180 / Math.PI)];
}

/** lon/lat degrees → Web Mercator metres (latitude clamped to ±85.0511°). */
export function lonLatToMercator(lon: number, lat: number): [number, number] {
  const R = 6378137;
  const la = Math.max(-85.0511287798066, Math.min(85.0511287798066, lat));
  return [(lon * Math.PI * R) / 180, R * Math.log(Math.tan(Math.PI / 4 + (la * Math.PI) / 360))];
}
