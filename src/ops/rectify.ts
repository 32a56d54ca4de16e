// rectify: resample swath data with 2-D lat/lon (satellite geometry) onto a regular grid.
import { Dataset } from "../core/dataset.js";
import { formatBytes } from "../core/bytes.js";
import { EocubeError } from "../core/errors.js";
import type { GridMapping } from "../core/gridmapping.js";
import { toFloat64 } from "../core/ndarray.js";
import type { Variable } from "../core/variable.js";
import { pointTransform, WGS84_PROJ4 } from "../core/crs.js";
import { gridCoords } from "./grid.js";
import type { PixelMap, SpatialMethod } from "./kernels.js";
import type { PixelMapper } from "./pixelmap.js";
import { isFlagVariable, resampledVariable, TileCache } from "./resample-space.js";

/** Largest target grid whose index map (16 bytes per pixel) rectify builds: 2²⁸ pixels (4 GiB). */
const MAX_MAP_PIXELS = 2 ** 28;

/** Options of {@link rectify}. */
export interface RectifyOptions {
  /** Names of the 2-D latitude/longitude variables (default: `lat`/`lon`, `latitude`/`longitude`). */
  latName?: string;
  lonName?: string;
  /**
   * `nearest` or `bilinear` (in source index space, like xcube's rectification), for all variables
   * or per name. Default: bilinear for floats, nearest for integers and flags (always).
   */
  method?: "nearest" | "bilinear" | Record<string, "nearest" | "bilinear">;
  /** Output chunk shape `[height, width]` (default 512 × 512, clipped). */
  tileSize?: [number, number];
  signal?: AbortSignal;
}

/**
 * Rectifies a swath: every data variable whose last two dims are those of the 2-D lat/lon is
 * resampled onto `target` (any CRS). Each quad of neighbouring source pixel centres is split
 * into two triangles, which are rasterised into the target grid; a target pixel centre inside a
 * triangle gets its fractional source (row, col) by barycentric interpolation; values are then
 * taken by nearest neighbour or bilinear interpolation in source index space. Target pixels
 * outside the swath are NaN (integers: `_FillValue` or 0). The index map of the whole target grid
 * is computed once, on the first read (8 bytes × 2 per target pixel, at most 2²⁸ pixels); values are
 * read per output tile. Planning (shapes, metadata) costs only the source lat/lon.
 * @throws EocubeError NOT_FOUND without 2-D lat/lon; OUT_OF_RANGE when the swath misses the target grid;
 *   TOO_LARGE (on the first read) when the target grid exceeds 2²⁸ pixels.
 */
export async function rectify(ds: Dataset, target: GridMapping, options: RectifyOptions = {}): Promise<Dataset> {
  const vars = ds.variables;
  const latName = options.latName ?? ["lat", "latitude"].find((n) => vars[n]?.ndim === 2);
  const lonName = options.lonName ?? ["lon", "longitude"].find((n) => vars[n]?.ndim === 2);
  if (!latName || !lonName || !vars[latName] || !vars[lonName]) {
    throw new EocubeError("NOT_FOUND", "rectification needs 2-D latitude/longitude variables (lat/lon)", {
      field: "lat",
      hint: "name them with latName/lonName",
    });
  }
  const latV = vars[latName]!;
  const lonV = vars[lonName]!;
  const [yDim, xDim] = latV.dims as [string, string];
  const [H, W] = latV.shape as [number, number];
  const lat = toFloat64(await latV.read([], { signal: options.signal }));
  const lon = toFloat64(await lonV.read([], { signal: options.signal }));
  // source points in target pixel coordinates (edge-based)
  const [tx0, tdx, , ty0, , tdy] = target.transform;
  const px = new Float64Array(H * W);
  const py = new Float64Array(H * W);
  const tf = target.isGeographic ? undefined : pointTransform(WGS84_PROJ4, target.proj4);
  const pt = new Float64Array(2);
  for (let i = 0; i < H * W; i++) {
    let x = lon[i]!;
    let y = lat[i]!;
    if (tf) {
      tf(x, y, pt);
      x = pt[0]!;
      y = pt[1]!;
    } else if (target.isLon360 && x < 0) {
      x += 360;
    }
    px[i] = (x - tx0) / tdx;
    py[i] = (y - ty0) / tdy;
  }
  const th = target.height;
  const tw = target.width;
  // Rasterises the triangles into the target grid: `hit(p, u, v)` for each target pixel p whose centre lies in a
  // triangle, with its fractional source column u and row v; stops when `hit` returns false.
  const rasterise = (hit: (p: number, u: number, v: number) => boolean): void => {
    let go = true;
    const tri = (a: number, b: number, c: number, ra: number, ca: number, rb: number, cb: number, rc: number, cc: number) => {
      const x0 = px[a]!,
        y0 = py[a]!,
        x1 = px[b]!,
        y1 = py[b]!,
        x2 = px[c]!,
        y2 = py[c]!;
      if (
        !(
          Number.isFinite(x0) &&
          Number.isFinite(x1) &&
          Number.isFinite(x2) &&
          Number.isFinite(y0) &&
          Number.isFinite(y1) &&
          Number.isFinite(y2)
        )
      )
        return;
      const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
      if (det === 0) return;
      const cmin = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 0.5));
      const cmax = Math.min(tw - 1, Math.floor(Math.max(x0, x1, x2) - 0.5));
      const rmin = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5));
      const rmax = Math.min(th - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
      for (let r = rmin; r <= rmax && go; r++) {
        const y = r + 0.5;
        for (let c = cmin; c <= cmax && go; c++) {
          const x = c + 0.5;
          const l0 = ((y1 - y2) * (x - x2) + (x2 - x1) * (y - y2)) / det;
          const l1 = ((y2 - y0) * (x - x2) + (x0 - x2) * (y - y2)) / det;
          const l2 = 1 - l0 - l1;
          if (l0 < -1e-9 || l1 < -1e-9 || l2 < -1e-9) continue;
          go = hit(r * tw + c, l0 * ca + l1 * cb + l2 * cc + 0.5, l0 * ra + l1 * rb + l2 * rc + 0.5);
        }
      }
    };
    for (let i = 0; i + 1 < H && go; i++) {
      for (let j = 0; j + 1 < W && go; j++) {
        const a = i * W + j,
          b = a + 1,
          c = a + W,
          d = c + 1;
        tri(a, b, c, i, j, i, j + 1, i + 1, j);
        tri(d, c, b, i + 1, j + 1, i + 1, j, i, j + 1);
      }
    }
  };
  // overlap check up front, stopping at the first target pixel the swath covers
  let overlaps = false;
  rasterise(() => {
    overlaps = true;
    return false;
  });
  if (!overlaps) {
    throw new EocubeError("OUT_OF_RANGE", `the swath does not overlap the target grid ${JSON.stringify(target.bbox)} (${target.crs})`, {
      field: "bbox",
      hint: "give a bbox that overlaps the swath's lat/lon",
    });
  }
  // the index map of the whole target grid, computed on the first read (planning a cube reads none)
  let maps: { U: Float64Array; V: Float64Array } | undefined;
  const indexMaps = (): { U: Float64Array; V: Float64Array } => {
    if (maps) return maps;
    if (th * tw > MAX_MAP_PIXELS) {
      throw new EocubeError(
        "TOO_LARGE",
        `rectifying onto ${tw} × ${th} pixels needs an index map of ${formatBytes(th * tw * 16)}, more than the ${formatBytes(MAX_MAP_PIXELS * 16)} allowed`,
        {
          field: "bbox",
          hint: "choose a coarser spatial_res or a smaller bbox",
        },
      );
    }
    const U = new Float64Array(th * tw).fill(NaN);
    const V = new Float64Array(th * tw).fill(NaN);
    rasterise((p, u, v) => {
      if (U[p] !== U[p]) {
        // not yet set by a neighbouring triangle
        U[p] = u;
        V[p] = v;
      }
      return true;
    });
    maps = { U, V };
    return maps;
  };
  const mapper: PixelMapper = {
    separable: false,
    scale: 1,
    map(r0, r1, c0, c1): PixelMap {
      const { U, V } = indexMaps();
      const h = r1 - r0,
        w = c1 - c0;
      const u = new Float64Array(h * w),
        v = new Float64Array(h * w);
      for (let r = 0; r < h; r++) {
        u.set(U.subarray((r0 + r) * tw + c0, (r0 + r) * tw + c1), r * w);
        v.set(V.subarray((r0 + r) * tw + c0, (r0 + r) * tw + c1), r * w);
      }
      return { h, w, u, v };
    },
  };
  const cache = new TileCache(mapper);
  const tile: [number, number] = [Math.min(options.tileSize?.[0] ?? 512, th), Math.min(options.tileSize?.[1] ?? 512, tw)];
  const data_vars: Record<string, Variable> = {};
  for (const [name, v] of Object.entries(ds.data_vars)) {
    if (name === latName || name === lonName) continue;
    const n = v.ndim;
    if (n < 2 || v.dims[n - 2] !== yDim || v.dims[n - 1] !== xDim) {
      if (!v.dims.includes(yDim) && !v.dims.includes(xDim)) data_vars[name] = v;
      continue;
    }
    const requested = typeof options.method === "string" ? options.method : options.method?.[name];
    const float = v.dtype === "float32" || v.dtype === "float64";
    const method: SpatialMethod = !float || isFlagVariable(v) ? "nearest" : (requested ?? "bilinear");
    data_vars[name] = resampledVariable(v, target, H, W, method, cache, tile);
  }
  const coords: Record<string, Variable> = { ...gridCoords(target) };
  for (const [name, c] of Object.entries(ds.coords)) {
    if (name === latName || name === lonName || c.dims.includes(xDim) || c.dims.includes(yDim) || name in coords) continue;
    coords[name] = c;
  }
  return new Dataset({ coords, data_vars, attrs: { ...ds.attrs }, encoding: { ...ds.encoding } });
}
