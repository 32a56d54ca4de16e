// Route: GET /ogc/collections/{id}/coverage — OGC API – Coverages (draft 19-087) subset download as NetCDF4, a Cloud
// Optimized GeoTIFF or a zipped Zarr v2 store, as xcube's coverages API answers it (xcube/webapi/ows/coverages): bbox
// (CRS84 on geographic grids, or bbox-crs = the data's CRS), datetime, properties; the requirements classes
// "subsetting" (subset=Lat(a:b),Lon(a:b),time("t0":"t1")), "scaling" (scale-factor: mean of N×N blocks, the pyramid
// code's coarsening) and "CRS" (crs: nearest reprojection, gdalwarp's default grid); Content-Bbox and Content-Crs headers.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { zipSync } from "fflate";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { formatBytes } from "../../core/bytes.js";
import { EocubeError } from "../../core/errors.js";
import { itemSize } from "../../core/ndarray.js";
import { parseTimeText } from "../../core/time.js";
import { resolveCrs, pointTransform } from "../../core/crs.js";
import type { BBox, GridMapping } from "../../core/gridmapping.js";
import { readGridMapping } from "../../core/gridmapping-read.js";
import type { Dataset } from "../../core/dataset.js";
import { MemoryFileSystem } from "../../fs/memory.js";
import { writeDataset } from "../../formats/zarr/writer.js";
import { readCoord } from "../../ops/coords.js";
import { coarsen } from "../../ops/levels.js";
import { regularGrid } from "../../ops/grid.js";
import { resampleInSpace } from "../../ops/resample-space.js";
import { writeGeoTiff } from "../../formats/geotiff-write.js";
import { writeNetcdf4 } from "../../formats/netcdf4-write.js";
import { crsVariableAttrs } from "../../ops/cf-grid-mapping.js";
import { memoryVariable } from "../../ops/grid.js";
import { isel, subset, type SubsetOptions } from "../../ops/subset.js";
import type { ServerState } from "../app.js";
import { publishedDataset } from "../s3.js";

/** Largest coverage answered (bytes of the data variables' values): 256 MiB. */
export const MAX_COVERAGE_BYTES = 256 * 1024 ** 2;

const NETCDF = new Set(["netcdf", "nc", "application/netcdf", "application/x-netcdf"]);
/** GeoTIFF media types (OGC's `image/tiff; application=geotiff`, xcube's names; parameters such as `profile` ignored). */
const GEOTIFF = new Set(["geotiff", "tiff", "tif", "cog", "image/tiff", "image/geotiff", "application/geotiff", "application/x-geotiff"]);
/** Zipped Zarr media types (a Zarr v2 store with consolidated metadata in a zip, as `zarr.ZipStore` reads). */
const ZARR = new Set(["zarr", "zip", "application/zip", "application/vnd+zarr", "application/x-zarr"]);

/** The media type of the GeoTIFF answers (OGC 19-008r4 with the COG profile, OGC 21-026). */
export const COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized";

const bad = (field: string, message: string, hint?: string) =>
  new EocubeError("INVALID_PARAMS", message, { field, ...(hint ? { hint } : {}) });

/** One axis of a `subset` parameter: `axis(low:high)` (`undefined` = `*`, an open end) or `axis(value)` (a slice). */
export interface AxisSubset {
  axis: string;
  low?: string;
  high?: string;
  slice?: string;
}

const SUBSET_HINT =
  'write axis(low:high) or axis(value), axes separated by commas, e.g. subset=Lat(51:52),Lon(1:2),time("2017-01-20T00:00:00Z":"2017-01-28T00:00:00Z"); * for an open end, times in double quotes';

/**
 * Parses the values of `subset` parameters (OGC API – Coverages 19-087, requirements class "subsetting"): each a
 * comma-separated list of `axis(low:high)` or `axis(value)`; `*` an open end; values may be double-quoted (times).
 * @throws EocubeError INVALID_PARAMS (field `subset`) for a malformed list or an axis given twice.
 */
export function parseSubset(values: readonly string[]): AxisSubset[] {
  const out: AxisSubset[] = [];
  for (const text of values) {
    const re = /\s*([A-Za-z_][\w.-]*)\s*\(([^()]*)\)\s*(?:,|$)/y;
    let i = 0;
    while (i < text.length) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m || re.lastIndex === i) throw bad("subset", `invalid subset ${JSON.stringify(text)}`, SUBSET_HINT);
      i = re.lastIndex;
      // ':' outside double quotes separates low and high
      const parts: string[] = [""];
      let quoted = false;
      for (const ch of m[2]!) {
        if (ch === '"') quoted = !quoted;
        else if (ch === ":" && !quoted) parts.push("");
        else parts[parts.length - 1] += ch;
      }
      const vals = parts.map((p) => p.trim());
      if (quoted || vals.length > 2 || vals.some((v) => v === ""))
        throw bad("subset", `invalid subset ${JSON.stringify(`${m[1]}(${m[2]})`)}`, SUBSET_HINT);
      if (out.some((a) => a.axis.toLowerCase() === m[1]!.toLowerCase()))
        throw bad("subset", `the axis ${m[1]} is subset twice`, SUBSET_HINT);
      out.push(
        vals.length === 1
          ? { axis: m[1]!, slice: vals[0]! }
          : { axis: m[1]!, low: vals[0] === "*" ? undefined : vals[0], high: vals[1] === "*" ? undefined : vals[1] },
      );
    }
  }
  return out;
}

const X_NAMES = ["lon", "long", "longitude", "x", "e", "easting"];
const Y_NAMES = ["lat", "latitude", "y", "n", "northing"];
const T_NAMES = ["time", "t", "date", "datetime"];

/**
 * The grid of the reprojected answer as gdalwarp chooses it by default (GDALSuggestedWarpOutput): the extent of the
 * source's edges (21 points along each) transformed into `crs`, and square pixels whose size keeps the number of pixels
 * along the diagonal (the extent's diagonal over √(width² + height²)).
 * @throws EocubeError OUT_OF_RANGE (field `crs`) when no edge point has an image in `crs`.
 */
export function warpGrid(src: GridMapping, crs: string, proj4: string): GridMapping {
  const t = pointTransform(src.proj4, proj4);
  const [x0, dx, rx, y0, ry, dy] = src.transform;
  const p = new Float64Array(2);
  let [minx, miny, maxx, maxy] = [Infinity, Infinity, -Infinity, -Infinity];
  const n = 20;
  const add = (c: number, r: number) => {
    t(x0 + c * dx + r * rx, y0 + c * ry + r * dy, p);
    if (Number.isNaN(p[0]!) || Number.isNaN(p[1]!)) return;
    minx = Math.min(minx, p[0]!);
    maxx = Math.max(maxx, p[0]!);
    miny = Math.min(miny, p[1]!);
    maxy = Math.max(maxy, p[1]!);
  };
  for (let i = 0; i <= n; i++) {
    add((i / n) * src.width, 0);
    add((i / n) * src.width, src.height);
    add(0, (i / n) * src.height);
    add(src.width, (i / n) * src.height);
  }
  if (!(maxx > minx) || !(maxy > miny))
    throw new EocubeError("OUT_OF_RANGE", `the data's extent has no image in the CRS ${crs}`, { field: "crs" });
  const res = Math.hypot(maxx - minx, maxy - miny) / Math.hypot(src.width, src.height);
  return regularGrid({ crs, bbox: [minx, miny, maxx, maxy], spatial_res: res });
}

/** The extent of the cells of a subset on the grid `gm` (edges: first/last centre ∓ half a pixel). */
async function cellsBbox(ds: Dataset, gm: GridMapping, signal?: AbortSignal): Promise<BBox> {
  const x = await readCoord(ds, gm.xDim, signal);
  const y = await readCoord(ds, gm.yDim, signal);
  const [rx, ry] = gm.resolution;
  const lo = (c: Float64Array, r: number) => Math.min(c[0]!, c[c.length - 1]!) - r / 2;
  const hi = (c: Float64Array, r: number) => Math.max(c[0]!, c[c.length - 1]!) + r / 2;
  return [lo(x, rx), lo(y, ry), hi(x, rx), hi(y, ry)];
}

/** Registers the coverage route. */
export function coveragesRoutes(app: FastifyInstance, state: ServerState): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get("/ogc/collections/:collectionId/coverage", {
    compress: false,
    schema: {
      summary:
        "OGC API – Coverages: a subset of a dataset (bbox, datetime, properties, subset), scaled (scale-factor) and reprojected (crs), as NetCDF4, a Cloud Optimized GeoTIFF (one band per property at one time step, or per time step of one property) or a zipped Zarr store",
      params: { type: "object", required: ["collectionId"], properties: { collectionId: { type: "string" } } } as const,
      querystring: {
        type: "object",
        properties: {
          bbox: { type: "string", description: "west,south,east,north (in bbox-crs)" },
          "bbox-crs": { type: "string", description: "CRS of bbox [default OGC:CRS84]; the data's CRS on projected grids" },
          datetime: {
            type: "string",
            description: "an RFC 3339 time (the nearest time step; a date: its day) or start/end (.. open)",
          },
          properties: { type: "string", description: "comma-separated variables [default all]" },
          subset: {
            anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
            description: 'axis(low:high) or axis(value), comma-separated or repeated: Lat(51:52),Lon(1:2),time("t0":"t1"); * open',
          },
          "scale-factor": { type: "string", description: "an integer N ≥ 1: each answer pixel is the mean of N×N data pixels" },
          "scale-size": { type: "string", description: "not supported yet (501)" },
          "scale-axes": { type: "string", description: "not supported yet (501)" },
          crs: { type: "string", description: "the answer's CRS (EPSG:3857, an OGC CRS URI, OGC:CRS84) [default the data's]" },
          f: {
            type: "string",
            description:
              "netcdf (application/netcdf) [default], geotiff (image/tiff; application=geotiff) or zarr (application/zip); else the Accept header",
          },
        },
      } as const,
    },
    handler: async (request, reply) => {
      const { collectionId } = request.params;
      const q = request.query;
      const signal = request.opSignal;
      const sd = await state.ctx.get(collectionId, { signal });
      const wanted =
        q.f !== undefined ? [q.f] : (request.headers.accept ?? "").split(",").filter((a) => !/;\s*q\s*=\s*0(\.0*)?\s*(;|$)/i.test(a));
      const types = wanted.map((s) => s.split(";")[0]!.trim().toLowerCase());
      const offered =
        types.find((t) => NETCDF.has(t) || GEOTIFF.has(t) || ZARR.has(t)) ??
        (types.some((t) => t === "" || t === "*/*") ? "netcdf" : undefined);
      if (!offered) {
        return reply.code(415).send({
          code: "UNSUPPORTED",
          message: `media type ${JSON.stringify(q.f ?? request.headers.accept)} is not offered`,
          field: "f",
          hint: "f=netcdf (application/netcdf), f=geotiff (image/tiff; application=geotiff) or f=zarr (application/zip)",
        });
      }
      const geotiff = GEOTIFF.has(offered);
      const zarr = ZARR.has(offered);
      for (const p of ["scale-size", "scale-axes"] as const)
        if (q[p] !== undefined)
          throw new EocubeError("UNSUPPORTED", `the coverage parameter ${p} is not supported yet`, {
            field: p,
            hint: "use scale-factor=N (the mean of N×N data pixels)",
          });
      let factor = 1;
      if (q["scale-factor"] !== undefined) {
        factor = Number(q["scale-factor"].trim() || Number.NaN);
        if (!Number.isInteger(factor) || factor < 1)
          throw bad(
            "scale-factor",
            `invalid scale-factor ${JSON.stringify(q["scale-factor"])}: an integer ≥ 1`,
            "scale-factor=N answers the mean of N×N data pixels per pixel",
          );
      }
      let target: { crs: string; proj4: string; isGeographic: boolean } | undefined;
      if (q.crs !== undefined) {
        const text = q.crs.trim().replace(/^\[|\]$/g, "");
        const crs84 = /^(OGC:CRS84|http:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84)$/i.test(text);
        try {
          target = resolveCrs(crs84 ? "OGC:CRS84" : text, "crs");
        } catch (err) {
          if (err instanceof EocubeError) throw bad("crs", err.message, err.hint);
          throw err;
        }
        if (target.crs === sd.gm.crs || target.proj4 === sd.gm.proj4) target = undefined;
      }
      const opts: SubsetOptions = { signal };
      if (q.properties !== undefined) {
        const names = q.properties.split(",").map((s) => s.trim());
        const unknown = names.filter((n) => !sd.variableNames.includes(n));
        if (unknown.length > 0)
          throw bad(
            "properties",
            `the following properties are not present in the coverage ${collectionId}: ${unknown.join(", ")}`,
            `properties: ${sd.variableNames.join(", ")}`,
          );
        opts.variable_names = names;
      }
      if (q.bbox !== undefined) {
        const b = q.bbox.split(",").map((s) => Number(s.trim()));
        if (b.length !== 4 || b.some((x) => !Number.isFinite(x)) || !(b[0]! < b[2]!) || !(b[1]! < b[3]!))
          throw bad(
            "bbox",
            `invalid bbox ${JSON.stringify(q.bbox)}: four numbers west,south,east,north with west < east and south < north`,
          );
        const bboxCrs = (q["bbox-crs"] ?? "OGC:CRS84").replace(/^\[|\]$/g, "");
        const crs84 = /^(OGC:CRS84|http:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84)$/i.test(bboxCrs);
        if (crs84 ? !sd.gm.isGeographic : bboxCrs !== sd.gm.crs)
          throw new EocubeError("UNSUPPORTED", `a bbox in ${bboxCrs} on data in ${sd.gm.crs} is not supported yet`, {
            field: "bbox-crs",
            hint: `give bbox-crs=${sd.gm.crs}`,
          });
        opts.bbox = b as [number, number, number, number];
      }
      let nearest: { dim: string; index: number } | undefined;
      const nearestStep = (ms: number) => {
        let k = 0;
        sd.times!.forEach((t, i) => {
          if (Math.abs(t - ms) < Math.abs(sd.times![k]! - ms)) k = i;
        });
        return { dim: sd.timeName!, index: k };
      };
      if (q.datetime !== undefined) {
        const parts = q.datetime.split("/");
        const ok = (t: string) => t === ".." || !Number.isNaN(Date.parse(t));
        if (parts.length > 2 || !parts.every(ok))
          throw bad("datetime", `invalid datetime ${JSON.stringify(q.datetime)}`, "an RFC 3339 time, or start/end with .. for an open end");
        const [a, b] = parts.length === 1 ? [parts[0]!, parts[0]!] : [parts[0]!, parts[1]!];
        const instant = parts.length === 1 && a !== ".." ? parseTimeText(a) : undefined;
        // one instant: the nearest time step, as xcube (sel(time=…, method="nearest"))
        if (instant && !instant.dateOnly && sd.times && sd.timeName && sd.times.length > 0) nearest = nearestStep(instant.ms);
        else opts.time_range = [a === ".." ? null : a, b === ".." ? null : b];
      }
      // subset (requirements class "subsetting"): axes by the dims' names (any case) or lat/lon/x/y/time aliases
      let spatialField = "bbox";
      let timeField = "datetime";
      if (q.subset !== undefined) {
        const axes = parseSubset(Array.isArray(q.subset) ? q.subset : [q.subset]);
        const { xDim, yDim } = sd.gm;
        const known = [yDim, xDim, ...(sd.timeName ? [sd.timeName] : [])];
        const kindOf = (axis: string): "x" | "y" | "t" => {
          const a = axis.toLowerCase();
          if (a === xDim.toLowerCase() || X_NAMES.includes(a)) return "x";
          if (a === yDim.toLowerCase() || Y_NAMES.includes(a)) return "y";
          if (sd.timeName && (a === sd.timeName.toLowerCase() || T_NAMES.includes(a))) return "t";
          throw bad("subset", `the coverage ${collectionId} has no axis ${axis}`, `axes: ${known.join(", ")}`);
        };
        const bb: BBox = [...sd.gm.bbox];
        let spatial = false;
        for (const a of axes) {
          const kind = kindOf(a.axis);
          if (kind === "t") {
            if (q.datetime !== undefined)
              throw bad("subset", `subset ${a.axis}(…) and datetime both cut the time axis`, "give one of subset's time axis and datetime");
            timeField = "subset";
            const vals = [a.slice, a.low, a.high].filter((v): v is string => v !== undefined);
            if (vals.some((v) => Number.isNaN(Date.parse(v))))
              throw bad("subset", `invalid time in subset ${a.axis}(…): ${vals.join(", ")}`, SUBSET_HINT);
            if (a.slice !== undefined) nearest = nearestStep(Date.parse(a.slice));
            else opts.time_range = [a.low ?? null, a.high ?? null];
            continue;
          }
          if (q.bbox !== undefined)
            throw bad("subset", `subset ${a.axis}(…) and bbox both cut the spatial axes`, "give one of subset's spatial axes and bbox");
          spatial = true;
          spatialField = "subset";
          const num = (v: string | undefined, dflt: number) => {
            if (v === undefined) return dflt;
            const x = Number(v);
            if (!Number.isFinite(x)) throw bad("subset", `invalid number ${JSON.stringify(v)} in subset ${a.axis}(…)`, SUBSET_HINT);
            return x;
          };
          const i = kind === "x" ? 0 : 1;
          // a slice: the cell holding the value (an edge between two cells: the one after it in the grid's order)
          const [o, d] = kind === "x" ? [sd.gm.transform[0], sd.gm.transform[1]] : [sd.gm.transform[3], sd.gm.transform[5]];
          const centre = a.slice !== undefined ? o + (Math.floor((num(a.slice, 0) - o) / d + 1e-9) + 0.5) * d : 0;
          const eps = Math.abs(d) * 1e-3;
          const lo = a.slice !== undefined ? centre - eps : num(a.low, bb[i]!);
          const hi = a.slice !== undefined ? centre + eps : num(a.high, bb[i + 2]!);
          if (!(lo < hi)) throw bad("subset", `subset ${a.axis}(${a.low}:${a.high}) is empty: low must be below high`, SUBSET_HINT);
          bb[i] = lo;
          bb[i + 2] = hi;
        }
        if (spatial) opts.bbox = bb;
      }
      let sub: Dataset;
      try {
        sub = await subset(publishedDataset(sd), opts);
        if (nearest) sub = isel(sub, { [nearest.dim]: [nearest.index, nearest.index + 1] });
      } catch (err) {
        if (err instanceof EocubeError && (err.code === "OUT_OF_RANGE" || err.code === "INVALID_ARGUMENT"))
          throw new EocubeError(err.code === "OUT_OF_RANGE" ? "OUT_OF_RANGE" : "INVALID_PARAMS", err.message, {
            field: err.field === "time_range" ? timeField : err.field === "bbox" || !err.field ? spatialField : err.field,
          });
        throw err;
      }
      // scaling: the mean of factor × factor blocks of valid pixels (the pyramid levels' coarsening)
      let gm: GridMapping = sd.gm;
      if (factor > 1) sub = await coarsen(sub, factor, { agg: "mean", signal });
      if (factor > 1 || target) {
        const g = await readGridMapping(sub, { signal });
        if (!g) throw new EocubeError("UNSUPPORTED", "the coverage has no regular x/y grid", { field: target ? "crs" : "scale-factor" });
        gm = { ...g, crs: sd.gm.crs, proj4: sd.gm.proj4, isGeographic: sd.gm.isGeographic, crsWkt: sd.gm.crsWkt };
      }
      // CRS: nearest reprojection onto gdalwarp's default grid (the stac store's stack mode does the same)
      if (target) {
        const grid = warpGrid(gm, target.crs, target.proj4);
        sub = await resampleInSpace(sub, grid, { method: "nearest", sourceGrid: gm, signal });
        if (!geotiff) {
          // the grid mapping of the answer: the `crs` variable added below
          const strip = (v: Dataset["data_vars"][string]) => {
            const attrs = { ...v.attrs };
            delete attrs.grid_mapping;
            return v.with({ attrs });
          };
          const coords = Object.fromEntries(Object.entries(sub.coords).filter(([k]) => k !== "crs"));
          const data_vars = Object.fromEntries(
            Object.entries(sub.data_vars)
              .filter(([, v]) => !("grid_mapping_name" in v.attrs))
              .map(([k, v]) => [k, strip(v)]),
          );
          sub = sub.with({ coords, data_vars });
        }
        gm = grid;
      }
      // CF grid mapping: data without one get a `crs` variable (CF attributes and WKT) named by every gridded variable
      if (!geotiff && !Object.values(sub.data_vars).some((v) => typeof v.attrs.grid_mapping === "string")) {
        const { xDim, yDim } = gm;
        const data_vars = Object.fromEntries(
          Object.entries(sub.data_vars).map(([k, v]) => [
            k,
            v.dims.includes(xDim) && v.dims.includes(yDim) ? v.with({ attrs: { ...v.attrs, grid_mapping: "crs" } }) : v,
          ]),
        );
        data_vars.crs = memoryVariable("crs", [], { data: Int32Array.of(0), shape: [], dtype: "int32" }, crsVariableAttrs(gm));
        sub = sub.with({ data_vars });
      }
      const bytes = Object.values(sub.data_vars).reduce((n, v) => n + v.size * Math.max(1, itemSize(v.dtype)), 0);
      if (bytes > MAX_COVERAGE_BYTES)
        throw new EocubeError(
          "TOO_LARGE",
          `the coverage holds ${formatBytes(bytes)} of values, more than ${formatBytes(MAX_COVERAGE_BYTES)}`,
          { field: "bbox", hint: "ask for a smaller bbox, a shorter datetime, fewer properties or a scale-factor" },
        );
      const ext = geotiff ? "tif" : zarr ? "zarr.zip" : "nc";
      const headers = {
        "Content-Disposition": `attachment; filename="${collectionId.replace(/[^A-Za-z0-9_.-]/g, "_")}.${ext}"`,
        "Content-Crs": `[${gm.isGeographic ? "OGC:CRS84" : gm.crs}]`,
        "Content-Bbox": (gm === sd.gm && opts.bbox ? await cellsBbox(sub, gm, signal) : gm.bbox).join(","),
      };
      if (zarr) {
        // a Zarr v2 store with consolidated metadata, written in memory and zipped (stored: chunks are compressed)
        const mem = new MemoryFileSystem("coverage");
        await writeDataset(sub, mem, "coverage.zarr", { signal });
        const files: Record<string, Uint8Array> = {};
        for (const [k, v] of mem.objects) if (k.startsWith("coverage.zarr/")) files[k.slice("coverage.zarr/".length)] = v;
        return reply
          .type("application/zip")
          .headers(headers)
          .send(Buffer.from(zipSync(files, { level: 0 })));
      }
      const dir = await mkdtemp(join(tmpdir(), "eocube-coverage-"));
      try {
        const file = join(dir, geotiff ? "coverage.tif" : "coverage.nc");
        if (!geotiff) await writeNetcdf4(sub, file, { signal });
        else {
          try {
            await writeGeoTiff(sub, file, { signal });
          } catch (err) {
            if (err instanceof EocubeError && err.field === "bands" && err.code === "INVALID_ARGUMENT")
              throw bad(
                "properties",
                err.message,
                "a GeoTIFF needs one datetime (then a band per property) or one property (a band per time step)",
              );
            throw err;
          }
        }
        const body = await readFile(file);
        return reply
          .type(geotiff ? COG_TYPE : "application/netcdf")
          .headers(headers)
          .send(body);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
