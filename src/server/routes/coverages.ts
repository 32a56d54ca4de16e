// Route: GET /ogc/collections/{id}/coverage — OGC API – Coverages (draft 19-087) subset download as NetCDF4 or a Cloud
// Optimized GeoTIFF, as xcube's coverages API answers it (xcube/webapi/ows/coverages): bbox (CRS84 on geographic grids,
// or bbox-crs = the data's CRS), datetime, properties; Content-Bbox and Content-Crs headers. Not yet: Zarr answers,
// subset, scale-factor, crs (reprojection) — 501 UNSUPPORTED naming the parameter.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { formatBytes } from "../../core/bytes.js";
import { EocubeError } from "../../core/errors.js";
import { itemSize } from "../../core/ndarray.js";
import { parseTimeText } from "../../core/time.js";
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

/** The media type of the GeoTIFF answers (OGC 19-008r4 with the COG profile, OGC 21-026). */
export const COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized";

const bad = (field: string, message: string, hint?: string) =>
  new EocubeError("INVALID_PARAMS", message, { field, ...(hint ? { hint } : {}) });

/** Registers the coverage route. */
export function coveragesRoutes(app: FastifyInstance, state: ServerState): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get("/ogc/collections/:collectionId/coverage", {
    compress: false,
    schema: {
      summary:
        "OGC API – Coverages: a subset of a dataset (bbox, datetime, properties) as NetCDF4 or a Cloud Optimized GeoTIFF (one band per property at one time step, or per time step of one property)",
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
          subset: { type: "string" },
          "scale-factor": { type: "string" },
          crs: { type: "string" },
          f: {
            type: "string",
            description: "netcdf (application/netcdf) [default] or geotiff (image/tiff; application=geotiff); else the Accept header",
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
        types.find((t) => NETCDF.has(t) || GEOTIFF.has(t)) ?? (types.some((t) => t === "" || t === "*/*") ? "netcdf" : undefined);
      if (!offered) {
        return reply.code(415).send({
          code: "UNSUPPORTED",
          message: `media type ${JSON.stringify(q.f ?? request.headers.accept)} is not offered`,
          field: "f",
          hint: "f=netcdf (application/netcdf) or f=geotiff (image/tiff; application=geotiff)",
        });
      }
      const geotiff = GEOTIFF.has(offered);
      for (const p of ["subset", "scale-factor", "crs"] as const) {
        if (
          q[p] !== undefined &&
          !(p === "scale-factor" && Number(q[p]) === 1) &&
          !(p === "crs" && q[p]!.replace(/^\[|\]$/g, "") === sd.gm.crs)
        )
          throw new EocubeError("UNSUPPORTED", `the coverage parameter ${p} is not supported yet`, {
            field: p,
            hint: "use bbox, datetime and properties",
          });
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
      if (q.datetime !== undefined) {
        const parts = q.datetime.split("/");
        const ok = (t: string) => t === ".." || !Number.isNaN(Date.parse(t));
        if (parts.length > 2 || !parts.every(ok))
          throw bad("datetime", `invalid datetime ${JSON.stringify(q.datetime)}`, "an RFC 3339 time, or start/end with .. for an open end");
        const [a, b] = parts.length === 1 ? [parts[0]!, parts[0]!] : [parts[0]!, parts[1]!];
        const instant = parts.length === 1 && a !== ".." ? parseTimeText(a) : undefined;
        if (instant && !instant.dateOnly && sd.times && sd.timeName && sd.times.length > 0) {
          // one instant: the nearest time step, as xcube (sel(time=…, method="nearest"))
          let k = 0;
          sd.times.forEach((t, i) => {
            if (Math.abs(t - instant.ms) < Math.abs(sd.times![k]! - instant.ms)) k = i;
          });
          nearest = { dim: sd.timeName, index: k };
        } else opts.time_range = [a === ".." ? null : a, b === ".." ? null : b];
      }
      let sub: Awaited<ReturnType<typeof subset>>;
      try {
        sub = await subset(publishedDataset(sd), opts);
        if (nearest) sub = isel(sub, { [nearest.dim]: [nearest.index, nearest.index + 1] });
      } catch (err) {
        if (err instanceof EocubeError && (err.code === "OUT_OF_RANGE" || err.code === "INVALID_ARGUMENT"))
          throw new EocubeError(err.code === "OUT_OF_RANGE" ? "OUT_OF_RANGE" : "INVALID_PARAMS", err.message, {
            field: err.field ?? "bbox",
          });
        throw err;
      }
      // CF grid mapping: data without one get a `crs` variable (CF attributes and WKT) named by every gridded variable
      if (!geotiff && !Object.values(sub.data_vars).some((v) => typeof v.attrs.grid_mapping === "string")) {
        const { xDim, yDim } = sd.gm;
        const data_vars = Object.fromEntries(
          Object.entries(sub.data_vars).map(([k, v]) => [
            k,
            v.dims.includes(xDim) && v.dims.includes(yDim) ? v.with({ attrs: { ...v.attrs, grid_mapping: "crs" } }) : v,
          ]),
        );
        data_vars.crs = memoryVariable("crs", [], { data: Int32Array.of(0), shape: [], dtype: "int32" }, crsVariableAttrs(sd.gm));
        sub = sub.with({ data_vars });
      }
      const bytes = Object.values(sub.data_vars).reduce((n, v) => n + v.size * Math.max(1, itemSize(v.dtype)), 0);
      if (bytes > MAX_COVERAGE_BYTES)
        throw new EocubeError(
          "TOO_LARGE",
          `the coverage holds ${formatBytes(bytes)} of values, more than ${formatBytes(MAX_COVERAGE_BYTES)}`,
          { field: "bbox", hint: "ask for a smaller bbox, a shorter datetime or fewer properties" },
        );
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
        const b = opts.bbox ?? sd.gm.bbox;
        return reply
          .type(geotiff ? COG_TYPE : "application/netcdf")
          .header(
            "Content-Disposition",
            `attachment; filename="${collectionId.replace(/[^A-Za-z0-9_.-]/g, "_")}.${geotiff ? "tif" : "nc"}"`,
          )
          .header("Content-Crs", `[${sd.gm.isGeographic ? "OGC:CRS84" : sd.gm.crs}]`)
          .header("Content-Bbox", b.join(","))
          .send(body);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
