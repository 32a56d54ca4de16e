// GridMapping: the CRS and affine geometry of a dataset's regular 2-D grid.
// Interface only here; `readGridMapping` (core/gridmapping-read.ts) derives it from a Dataset.

/** Bounding box `[west, south, east, north]` (or `[minx, miny, maxx, maxy]` in a projected CRS). */
export type BBox = [number, number, number, number];

/**
 * GDAL-style affine geotransform `[x0, dx, rx, y0, ry, dy]`: the **upper-left pixel edge** is (x0, y0),
 * x = x0 + col·dx + row·rx, y = y0 + col·ry + row·dy (dy < 0 for north-up images).
 * https://gdal.org/tutorials/geotransforms_tut.html
 */
export type GeoTransform = [number, number, number, number, number, number];

/** The CRS and regular grid of a dataset. */
export interface GridMapping {
  /** CRS as "EPSG:4326" when an EPSG code is known, else a PROJ string or WKT. */
  crs: string;
  /** The CRS as a proj4 definition string usable by proj4js. */
  proj4: string;
  /** The CRS as WKT when the data carry one. */
  crsWkt?: string;
  /** Name of the CF grid-mapping variable (`crs`, `spatial_ref`, …) when present. */
  gridMappingName?: string;
  /** Dimension names of the x and y axes (`lon`/`lat`, `x`/`y`). */
  xDim: string;
  yDim: string;
  /** Grid size in pixels. */
  width: number;
  height: number;
  /** Affine transform of pixel edges. */
  transform: GeoTransform;
  /** Extent of pixel **edges** in the CRS, `[xmin, ymin, xmax, ymax]`. */
  bbox: BBox;
  /** Pixel size `[xres, yres]`, both positive, in CRS units (degrees or metres). */
  resolution: [number, number];
  /** True for geographic (lon/lat degree) CRSs. */
  isGeographic: boolean;
  /** True when y decreases with the row index (north-up). */
  isYDescending: boolean;
  /** True when geographic longitude runs beyond 180 (0…360 grids). */
  isLon360: boolean;
}
