// `eocube describe`: prints a dataset's descriptor (xcube's DatasetDescriptor) as a table or JSON.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { schemeOf } from "../fs/url.js";
import type { Attrs } from "../core/variable.js";
import { describeDatasetObject, summarizeCoords, withCoordinateCache, type CoordSummary } from "../stores/descriptor.js";
import { resolveSource } from "../stores/open.js";
import { listDataStoreIds } from "../stores/registry.js";
import type { DatasetDescriptor, OpenParams, VariableDescriptor } from "../stores/types.js";
import { parseJsonOption, printJson, runAction, type GlobalOptions } from "./run.js";

interface DescribeOptions extends GlobalOptions {
  store?: string;
  storeParams?: string;
  openParams?: string;
}

/** Registers `eocube describe <path|url>` on the program. */
export function register(program: Command): void {
  program
    .command("describe")
    .description("Describe a dataset (Zarr, NetCDF3/4, GeoTIFF/COG) from a path or URL: dims, variables, CRS, bbox, time range")
    .argument("<source>", "local path, file://, http(s)://, s3://, abfs:// or memory:// URL (with --store: a data id in that store)")
    .option("--store <id>", `data store id: ${listDataStoreIds().join(", ")} (eocube store list; default: from the URL scheme)`)
    .option("--store-params <json>", 'store params as JSON, e.g. \'{"timeout": 5}\' or \'{"storage_options": {"anon": true}}\'')
    .option(
      "--open-params <json>",
      'open params as JSON: {"variable_names": [...], "bbox": [w, s, e, n], "time_range": [start, end], "group": "sub"}',
    )
    .option("--json", "print the descriptor as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      '\nExamples:\n  eocube describe ../shared/data/zarr/cube-1-250-250.zarr\n  eocube describe https://example.com/cube.zarr --store-params \'{"timeout": 10}\' --json\n  eocube describe s3://bucket/cube.zarr --store-params \'{"storage_options": {"anon": true}}\'',
    )
    .action(async (source: string, opts: DescribeOptions) => {
      await runAction(opts, async () => {
        const storeParams = parseJsonOption(opts.storeParams, "--store-params");
        const openParams = parseJsonOption(opts.openParams, "--open-params");
        checkObject(storeParams, "--store-params");
        checkObject(openParams, "--open-params");
        if (!opts.store) schemeOf(source); // rejects ftp:// and other schemes instead of taking them for local paths
        const { store, dataId } = resolveSource(source, {
          storeId: opts.store,
          storeParams: storeParams as Record<string, unknown> | undefined,
        });
        const opened = await store.openData(dataId, openParams as OpenParams | undefined);
        // the table's first … last values come from the coordinate reads the descriptor made
        const ds = opts.json ? opened : withCoordinateCache(opened);
        try {
          const desc = await describeDatasetObject(ds, dataId);
          if (opts.json) printJson(desc);
          else process.stdout.write(formatDescriptor(desc, store.root, await summarizeCoords(ds, { maxSize: 100_000 })));
        } finally {
          await ds.close();
        }
      });
    });
}

function checkObject(value: unknown, option: string): void {
  if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
    throw new EocubeError("INVALID_ARGUMENT", `${option} must be a JSON object`, {
      field: option,
      hint: `e.g. ${option} '{"key": "value"}'`,
    });
  }
}

const fmtNum = (x: number | string): string =>
  typeof x === "number" ? (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8)))) : x;

/**
 * The human table of a descriptor, like xarray's Dataset repr plus crs/bbox/time range/resolution.
 * `coordValues` adds first … last values of 1-D coordinates.
 */
export function formatDescriptor(d: DatasetDescriptor, root: string, coordValues: Record<string, CoordSummary> = {}): string {
  const lines: string[] = [];
  lines.push(`<eocube.Dataset> ${d.data_id}  (${root})`);
  lines.push(
    `Dimensions:   (${Object.entries(d.dims)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")})`,
  );
  lines.push(`CRS:          ${d.crs ?? "(none: no regular grid)"}`);
  if (d.bbox) lines.push(`BBox:         [${d.bbox.map(fmtNum).join(", ")}]  (west, south, east, north; pixel edges)`);
  if (d.bbox_wgs84) lines.push(`BBox WGS 84:  [${d.bbox_wgs84.map((x) => fmtNum(Number(x.toFixed(6)))).join(", ")}]`);
  if (d.spatial_res !== undefined) lines.push(`Resolution:   ${fmtNum(d.spatial_res)}`);
  lines.push(`Time range:   ${d.time_range ? `${d.time_range[0]} … ${d.time_range[1]}` : "(none)"}`);
  const all = [...Object.values(d.coords), ...Object.values(d.data_vars)];
  const rows = (vars: Record<string, VariableDescriptor>, isCoord: boolean) => {
    const entries = Object.values(vars);
    if (entries.length === 0) lines.push("    *empty*");
    const w1 = Math.min(40, Math.max(4, ...all.map((v) => v.name.length)));
    const w2 = Math.min(40, Math.max(4, ...all.map((v) => v.dims.join(", ").length + 2)));
    const w3 = Math.max(7, ...all.map((v) => v.dtype.length));
    for (const v of entries) {
      const mark = isCoord && v.dims.length === 1 && v.dims[0] === v.name ? "*" : " ";
      const s = coordValues[v.name];
      const tail = v.unreadable
        ? `unreadable: ${v.unreadable}`
        : s
          ? `${fmtNum(s.first)} … ${fmtNum(s.last)}`
          : v.dims.length > 0
            ? `chunks (${v.chunks.join(", ")})`
            : "";
      lines.push(`  ${mark} ${v.name.padEnd(w1)} ${`(${v.dims.join(", ")})`.padEnd(w2)} ${v.dtype.padEnd(w3)} ${tail}`.trimEnd());
    }
  };
  lines.push("Coordinates:");
  rows(d.coords, true);
  lines.push("Data variables:");
  rows(d.data_vars, false);
  lines.push("Attributes:");
  lines.push(...formatAttrs(d.attrs, "    "));
  return `${lines.join("\n")}\n`;
}

function formatAttrs(attrs: Attrs, indent: string): string[] {
  const keys = Object.keys(attrs);
  const w = Math.min(30, Math.max(0, ...keys.map((k) => k.length + 1)));
  return keys.map((k) => {
    const v = attrs[k];
    let text = typeof v === "string" ? v : JSON.stringify(v);
    text = text.replace(/\s*\n\s*/g, " ");
    if (text.length > 80) text = `${text.slice(0, 77)}...`;
    return `${indent}${`${k}:`.padEnd(w)} ${text}`;
  });
}
