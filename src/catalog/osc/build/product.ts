// The product collection: its title, description, temporal extent, via links and cf:parameter, and the reverse
// links of its variables, missions, themes and sub-catalog (dropped variables and missions unlinked both ways).
import { EocubeError } from "../../../core/errors.js";
import { parseIsoTime, toIsoString } from "../../../core/time.js";
import { DEEP_CODE_DEFAULT_DESCRIPTION } from "../config.js";
import { type DatasetInfo, inclusiveEnd } from "../dataset-info.js";
import { productCollection } from "../entities.js";
import { formatJson } from "../json-text.js";
import { childLink, entityPath, linkTarget, relatedLink, s3HttpsUrl, viaLink } from "../links.js";
import { titleFromId } from "../texts.js";
import { Link, MediaType, type LinkJson } from "../../stac/link.js";
import { addToSubCatalog, checkCaseCollision, projectTitle, str, themeLinks, type BuildContext, type DatasetContext } from "./context.js";
import { DEEPESDL_BUCKET } from "./cube.js";
import { planMissions } from "./missions.js";
import { planVariables, type PlannedVariable } from "./variables.js";

/** The product a publication made or patched, as the workflow, experiment and project records link to it. */
export interface ProductResult {
  id: string;
  title: string;
  themes: string[];
  format: string;
  /** The product's temporal extent (absent for a product already in the catalog). */
  interval?: [string | null, string | null];
}

/** The OSC format name of a cube's source (`.zarr` → Zarr, `.nc` → NetCDF, …) [default Zarr]. */
export function formatName(source: string): string {
  const s = source.replace(/\/+$/, "").toLowerCase();
  if (s.endsWith(".zarr")) return "Zarr";
  if (s.endsWith(".levels")) return "xcube levels";
  if (/\.(nc|nc4|cdf|netcdf|h5|hdf5)$/.test(s)) return "NetCDF";
  if (/\.(tif|tiff|cog)$/.test(s)) return "GeoTIFF";
  return "Zarr";
}

/**
 * The product's temporal extent: `time_range` of the config (ISO 8601; a date-only end includes its whole day:
 * `2017-12-31` → `2017-12-31T23:59:59Z`; either end may be null, open as the OSC allows), else the cube's
 * (cell bounds, time_coverage_start/end, or the time steps; a single instant is a warning).
 */
function timeInterval(ctx: DatasetContext, info: DatasetInfo, source: string): [string | null, string | null] {
  const tr = ctx.dc.time_range;
  if (tr) {
    const conv = (t: string | null, i: number): string | null => {
      if (t === null) return null;
      try {
        return toIsoString(i === 0 ? parseIsoTime(t) : inclusiveEnd(t));
      } catch {
        throw new EocubeError("INVALID_CONFIG", `time_range[${i}] ${JSON.stringify(t)} is not an ISO 8601 time`, {
          path: ctx.dPath,
          field: `time_range[${i}]`,
          hint: "write e.g. 2017-01-16 or 2017-01-16T10:00:00Z",
        });
      }
    };
    const out: [string | null, string | null] = [conv(tr[0], 0), conv(tr[1], 1)];
    if (out[0] === null && out[1] === null) {
      throw new EocubeError("INVALID_CONFIG", "time_range needs a start or an end", { path: ctx.dPath, field: "time_range" });
    }
    if (out[0] !== null && out[1] !== null && parseIsoTime(out[0]) > parseIsoTime(out[1])) {
      throw new EocubeError("INVALID_CONFIG", `time_range starts (${out[0]}) after it ends (${out[1]})`, {
        path: ctx.dPath,
        field: "time_range",
        hint: "write [start, end]",
      });
    }
    return out;
  }
  if (!info.timeRange) {
    throw new EocubeError("INVALID_CONFIG", `${source} has no time coordinate, so the product's temporal extent is unknown`, {
      path: ctx.dPath,
      field: "time_range",
      hint: 'give the time range in the dataset config, e.g. time_range: ["2017-01-01", "2017-12-31"]',
    });
  }
  if (info.timeSource === "coordinate" && info.timeRange[0] === info.timeRange[1]) {
    ctx.warnings.push(
      `the product's temporal extent is the single instant ${info.timeRange[0]} (one time step, no cell bounds, no time_coverage_start/end in ${source}); set time_range in the dataset config to the period the data cover`,
    );
  }
  return info.timeRange;
}

/**
 * Where the product's data are, as a web URL for its "Access" via link: `access_link`, else the source the cube was
 * read from (a bare deep-code `dataset_id`: deep-code's default `s3://deep-esdl-public/<dataset_id>`); an `s3://`
 * URL becomes its https URL (AWS virtual-hosted style, or under the store's configured `endpoint_url`). Local
 * sources give none. The source must be free of credentials (URLs with user info or a query are not linked).
 */
function accessUrl(ctx: DatasetContext, source: string): string | undefined {
  const { dc } = ctx;
  const endpoint = (dc.store_params?.storage_options as Record<string, unknown> | undefined)?.endpoint_url;
  const url = dc.access_link ?? source;
  if (!url.startsWith("s3://")) return /^https?:\/\/[^@?#]+$/.test(url) ? url : undefined;
  const out = s3HttpsUrl(url, typeof endpoint === "string" ? endpoint : undefined);
  if (out) {
    const from = dc.access_link ? "access_link" : "the data source";
    const check = dc.access_link || url.startsWith(`${DEEPESDL_BUCKET}/`) ? "" : "; set access_link if that is not public";
    ctx.warnings.push(`${from} ${url} is linked as ${out} (the OSC wants a web URL on via links)${check}`);
  }
  return out;
}

/**
 * Plans the product collection of the dataset config (new, or merged into the existing one keeping its key order
 * and `created`), its variables and missions (new catalogs or a child link in existing ones), the themes' child
 * links and the products sub-catalog entry. `source` is the cube's redacted source.
 * @throws EocubeError INVALID_CONFIG naming the dataset config and field (no description, time_range not ISO 8601
 *   or empty, cube without time, no via link, the variables' and missions' errors).
 */
export async function planProduct(ctx: DatasetContext, info: DatasetInfo, source: string, projectId: string): Promise<ProductResult> {
  const { ws, dc } = ctx;
  const id = dc.collection_id;
  const themeIds = dc.osc_themes;
  await checkCaseCollision(ctx, "products", id, "collection_id", ctx.dPath);
  ctx.warnings.push(...info.remarks);
  const title = dc.title ?? str(info.attrs.title) ?? titleFromId(id);
  if (dc.title === undefined && !str(info.attrs.title)) {
    ctx.warnings.push(
      `the product has no title (none in the dataset config, no title attribute in ${source}), so its id in words "${title}" is used; set title in the dataset config`,
    );
  }
  let description = dc.description ?? str(info.attrs.description) ?? str(info.attrs.summary) ?? str(info.attrs.title);
  if (!description) {
    // deep-code's default (`_get_general_metadata`), with a warning instead of its silence
    description = DEEP_CODE_DEFAULT_DESCRIPTION;
    ctx.warnings.push(
      `the product has no description (none in the dataset config, no description, summary or title attribute in ${source}), so deep-code's "${description}" is used; set description in the dataset config`,
    );
  }
  const interval = timeInterval(ctx, info, source);
  const variables = await planVariables(ctx, info, themeIds, source);
  const missions = await planMissions(ctx, dc.osc_missions ?? []);
  const varIds = [...new Set(variables.map((v) => v.id))];

  // via links: where to get the data (an s3:// URL as its https URL) and read about it
  const via: LinkJson[] = [];
  const access = accessUrl(ctx, source);
  if (access) via.push(viaLink(access, "Access"));
  if (dc.documentation_link) via.push(viaLink(dc.documentation_link, "Documentation"));
  if (via.length === 0) {
    const deepCode = dc.stac_catalog_s3_root
      ? "; deep-code took it from the STAC catalog it uploads to stac_catalog_s3_root, which eocube does not upload"
      : "";
    throw new EocubeError(
      "INVALID_CONFIG",
      `the OSC requires a via link on every product and ${source} is no web or s3:// URL: set access_link or documentation_link${deepCode}`,
      {
        path: ctx.dPath,
        field: "access_link",
        hint: "e.g. access_link: https://example.org/my-cube (or s3://bucket/my-cube.zarr), or documentation_link: https://example.org/my-cube-docs",
      },
    );
  }
  if (dc.stac_catalog_s3_root)
    ctx.warnings.push("stac_catalog_s3_root is a deep-code field; eocube does not upload a STAC item catalog and ignores it");

  const links: LinkJson[] = [relatedLink("projects", projectId, await projectTitle(ctx, projectId))];
  links.push(...(await themeLinks(ctx, themeIds)));
  for (const m of missions) links.push(relatedLink("eo-missions", m.id, m.title));
  const seen = new Set<string>();
  for (const v of variables) {
    if (seen.has(v.id)) continue;
    seen.add(v.id);
    links.push(relatedLink("variables", v.id, v.title));
  }
  let experimentId: string | undefined;
  if (ctx.wc) {
    experimentId = ctx.wc.experiment_id ?? ctx.wc.workflow_id;
    links.push(relatedLink("experiments", experimentId, ctx.wc.properties.title));
  }
  links.push(...via);
  if (dc.visualisation_link)
    links.push(Link.visualisation(dc.visualisation_link, { type: MediaType.HTML, title: "Dataset visualisation" }).toJSON());

  const cf = cfParameters(ctx, info, variables);
  const doc = productCollection({
    id,
    title,
    description,
    links,
    project: projectId,
    status: dc.dataset_status ?? "ongoing",
    region: dc.osc_region,
    variables: varIds,
    missions: missions.map((m) => m.id),
    experiment: experimentId,
    cfParameters: cf,
    themes: themeIds,
    bbox: info.bbox,
    interval,
    license: dc.license_type,
    keywords: dc.keywords,
    now: ctx.now,
  });
  const path = entityPath("products", id);
  const previous = await ws.json(path);
  await ws.merge(path, doc);
  await addToSubCatalog(ctx, "products", id, title);
  // variables and missions the product no longer names: drop the links both ways
  await unlinkDropped(ctx, path, previous?.["osc:variables"], varIds, "variables");
  await unlinkDropped(
    ctx,
    path,
    previous?.["osc:missions"],
    missions.map((m) => m.id),
    "eo-missions",
  );

  // variables: new catalogs, or a child link in existing ones; their sub-catalog lists new ones
  const done = new Set<string>();
  for (const v of variables) {
    if (done.has(v.id)) continue;
    done.add(v.id);
    const vpath = entityPath("variables", v.id);
    if (v.doc) {
      ws.write(vpath, formatJson(v.doc));
      await addToSubCatalog(ctx, "variables", v.id, v.title);
    }
    await ws.appendLinks(vpath, [childLink("products", id, title)]);
  }
  // missions
  for (const m of missions) {
    const mpath = entityPath("eo-missions", m.id);
    if (m.doc) {
      ws.write(mpath, formatJson(m.doc));
      await addToSubCatalog(ctx, "eo-missions", m.id, m.title);
    }
    await ws.appendLinks(mpath, [childLink("products", id, title)]);
  }
  // themes list the product as a child
  for (const t of themeIds) await ws.appendLinks(entityPath("themes", t), [childLink("products", id, title)]);
  return { id, title, themes: themeIds, format: formatName(source), interval };
}

/**
 * For each id the product named before (`before`, its previous `osc:variables` or `osc:missions`) but no longer
 * names (`now`): removes the product's `related` link to that entity and the entity's `child` link to the product
 * (both patched in place).
 */
async function unlinkDropped(
  ctx: BuildContext,
  productPath: string,
  before: unknown,
  now: string[],
  folder: "variables" | "eo-missions",
): Promise<void> {
  const dropped = (Array.isArray(before) ? before : []).filter((v): v is string => typeof v === "string" && !now.includes(v));
  for (const d of dropped) {
    const entity = entityPath(folder, d);
    await ctx.ws.removeLinks(productPath, (l) => l.rel === "related" && linkTarget(productPath, l.href) === entity);
    await ctx.ws.removeLinks(entity, (l) => l.rel === "child" && linkTarget(entity, l.href) === productPath);
  }
}

/** `cf:parameter` of the product: the config's list, else the published variables' standard names and units. */
function cfParameters(ctx: DatasetContext, info: DatasetInfo, variables: PlannedVariable[]): { name: string; unit?: string }[] {
  const out: { name: string; unit?: string }[] = [];
  const push = (name: string, unit: string | undefined) => {
    const p = unit ? { name, unit } : { name };
    if (!out.some((q) => JSON.stringify(q) === JSON.stringify(p))) out.push(p);
  };
  const { dc } = ctx;
  if (dc.cf_parameter) {
    for (const p of dc.cf_parameter) push(p.name, p.unit ?? p.units);
    return out;
  }
  const published = new Set(variables.map((v) => v.name));
  for (const v of info.variables) {
    if (!published.has(v.name)) continue;
    const vc = dc.variables?.[v.name] ?? {};
    push(str(v.attrs.standard_name) ?? v.name, vc.units ?? str(v.attrs.units));
  }
  return out;
}
