// buildPublication: config + cube + catalog → the files of one OSC publication (product, variables, project,
// missions, workflow and experiment records, and every reverse link), as a PublicationPlan. Writes nothing.
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../../core/errors.js";
import { parseIsoTime, toIsoString } from "../../core/time.js";
import { redactUrl } from "../../fs/https.js";
import { slugify, type EntityFolder } from "./constants.js";
import type { DatasetConfig, MissionConfig, WorkflowConfig } from "./config-schema.js";
import { configPathOf } from "./config.js";
import { readDatasetInfo, type DatasetInfo } from "./dataset-info.js";
import { KNOWN_MISSIONS, missionCatalog, productCollection, projectCollection, variableCatalog } from "./entities.js";
import { checkGcmdUrl, GCMD_KEYWORD_VIEWER } from "./gcmd.js";
import { formatJson } from "./json-text.js";
import { childLink, entityPath, linkTarget, relatedLink, subCatalogEntryLink, viaLink, type Link } from "./links.js";
import type { PublicationPlan } from "./plan.js";
import { environmentYaml, experimentRecord, inputYaml, workflowRecord } from "./records.js";
import { cfDescription } from "./texts.js";
import { repeatsIdOrTitle, suggestId } from "./validate/extra.js";
import { CatalogWorkspace } from "./workspace.js";

/** Default project of deep-code configs without `osc_project`. */
export const DEFAULT_PROJECT = "deep-earth-system-data-lab";

/** Options of {@link buildPublication}. */
export interface BuildPublicationOptions {
  /** What to publish: the product and the workflow/experiment ("all"), or one of them. */
  mode: "all" | "dataset" | "workflow";
  /** Time of `created`/`updated` [default now]. */
  now?: Date;
  signal?: AbortSignal;
  /** The cube, already open (else it is opened from data_source/dataset_id through the stores). */
  dataset?: Dataset;
  /** Opens a cube (default: openDataset of src/stores). */
  open?: (source: string, options: { storeId?: string; storeParams?: Record<string, unknown>; signal?: AbortSignal }) => Promise<Dataset>;
  /** The config files, named in errors. */
  configPaths?: { dataset?: string; workflow?: string };
  /** Ask for missing GCMD keyword URLs on the terminal; only honoured when stdin and stderr are TTYs. */
  interactive?: boolean;
  /** The question asker used with `interactive` [default: readline on stdin/stderr]. */
  prompt?: (question: string) => Promise<string>;
}

interface Ctx {
  ws: CatalogWorkspace;
  /** The dataset config (absent only in mode "workflow"). */
  dc?: DatasetConfig;
  wc?: WorkflowConfig;
  opts: BuildPublicationOptions;
  now: string;
  warnings: string[];
  dPath?: string;
  wPath?: string;
}

/**
 * Builds the publication plan of a dataset config (and workflow config) against the OSC catalog in `catalogDir`.
 * The cube is opened through the stores (metadata and coordinates only). New entities are created; existing
 * ones are patched (links appended without duplicates, key order, `created`, formatting and trailing newline
 * kept). Publishing the same configs twice gives a plan without files.
 *
 * Product: bbox in WGS 84 from the grid's pixel edges (projected grids reprojected with proj4), time range
 * from the time coordinate (its CF bounds when present) or `time_range`, `osc:*` fields, themes, `cf:parameter`.
 * Reverse links: sub-catalogs (products, variables, projects, eo-missions, workflows, experiments), themes,
 * variables, missions and the project link back to the product; workflow ↔ experiment; project → workflow.
 *
 * @throws EocubeError INVALID_CONFIG naming the config file and field (unknown theme or mission, missing GCMD
 *   keyword URL or description of a new variable, new project without technical officer or website, cube without
 *   time or spatial coordinates, …); INVALID_ARGUMENT (mode without workflow config); NOT_FOUND (not an OSC
 *   catalog, cube not found); the stores' errors when the cube cannot be opened; CANCELLED.
 */
export async function buildPublication(
  datasetConfig: DatasetConfig | undefined,
  workflowConfig: WorkflowConfig | undefined,
  catalogDir: string,
  options: BuildPublicationOptions,
): Promise<PublicationPlan> {
  const mode = options.mode;
  if (mode !== "workflow" && !datasetConfig) {
    throw new EocubeError("INVALID_ARGUMENT", `publishing mode "${mode}" needs a dataset config`, {
      field: "mode",
      hint: "give the dataset config file, or use mode workflow",
    });
  }
  if (mode !== "dataset" && !workflowConfig) {
    throw new EocubeError("INVALID_ARGUMENT", `publishing mode "${mode}" needs a workflow config`, {
      field: "mode",
      hint: "give the workflow config file, or use mode dataset",
    });
  }
  const ws = new CatalogWorkspace(catalogDir, options.signal);
  const root = await ws.json("catalog.json");
  if (!root || root.id !== "osc") {
    throw new EocubeError("NOT_FOUND", `${catalogDir} is not an Open Science Catalog (no catalog.json with id "osc")`, {
      path: catalogDir,
      hint: "create one with `eocube catalog init <dir>` or clone ESA-EarthCODE/open-science-catalog-metadata",
    });
  }
  const ctx: Ctx = {
    ws,
    dc: datasetConfig,
    wc: mode === "dataset" ? undefined : workflowConfig,
    opts: options,
    now: toIsoString((options.now ?? new Date()).getTime()),
    warnings: [],
    dPath: options.configPaths?.dataset ?? configPathOf(datasetConfig),
    wPath: options.configPaths?.workflow ?? configPathOf(workflowConfig),
  };
  const plan: PublicationPlan = { files: [], warnings: ctx.warnings };

  const projectId = (mode === "dataset" ? undefined : ctx.wc?.osc_project) ?? datasetConfig?.osc_project ?? DEFAULT_PROJECT;
  if (datasetConfig) await checkThemes(ctx, datasetConfig.osc_themes, "osc_themes", ctx.dPath);

  let product: ProductResult | undefined;
  let info: DatasetInfo | undefined;
  let source: string | undefined;
  if (mode !== "workflow") {
    const opened = await openCube(ctx);
    source = opened.source;
    try {
      info = await readDatasetInfo(opened.ds, { signal: options.signal, source: redactUrl(opened.source), configPath: ctx.dPath });
    } finally {
      if (!options.dataset) await opened.ds.close();
    }
    product = await planProduct(ctx, info, redactUrl(opened.source), projectId);
    plan.collectionId = datasetConfig!.collection_id;
  }

  if (ctx.wc) {
    await planRecords(ctx, projectId, product, source);
    plan.workflowId = ctx.wc.workflow_id;
  }

  // the project last: it links to the product and the workflow
  await planProject(ctx, projectId, product, info);

  plan.files = await ws.files();
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------

async function openCube(ctx: Ctx): Promise<{ ds: Dataset; source: string }> {
  const { opts } = ctx;
  const dc = ctx.dc!;
  const sources = dc.data_source === undefined ? [dc.dataset_id] : Array.isArray(dc.data_source) ? dc.data_source : [dc.data_source];
  if (opts.dataset) return { ds: opts.dataset, source: sources[0]! };
  const open = opts.open ?? (async (s, o) => (await import("../../stores/open.js")).openDataset(s, o));
  let storeParams = dc.store_params;
  // deep-code compatibility: a bare dataset_id that is no local file names a cube in DeepESDL's public bucket
  if (dc.data_source === undefined && !dc.store_id && isBareName(dc.dataset_id) && !(await pathExists(dc.dataset_id))) {
    sources[0] = `${DEEPESDL_BUCKET}/${dc.dataset_id}`;
    const so = { ...((dc.store_params?.storage_options as Record<string, unknown> | undefined) ?? {}) };
    if (so.key === undefined && so.anon === undefined) so.anon = true;
    storeParams = { ...dc.store_params, storage_options: so };
    ctx.warnings.push(`dataset_id ${dc.dataset_id} is no local file; reading it from ${sources[0]} as deep-code does`);
  }
  let last: unknown;
  for (const source of sources) {
    throwIfAborted(opts.signal);
    try {
      return { ds: await open(source, { storeId: dc.store_id, storeParams, signal: opts.signal }), source };
    } catch (err) {
      if (isEocubeError(err, "CANCELLED")) throw err;
      last = err;
      if (sources.length > 1) ctx.warnings.push(`could not open ${redactUrl(source)}: ${(err as Error).message}; trying the next data source`);
    }
  }
  if (isEocubeError(last) && sources.length > 1) {
    throw new EocubeError(last.code, `none of the data sources could be opened (${sources.map(redactUrl).join(", ")}): ${last.message}`, {
      path: last.path ?? ctx.dPath,
      field: "data_source",
      hint: last.hint,
      cause: last,
    });
  }
  throw last;
}

/** deep-code's data store: the public DeepESDL bucket. */
export const DEEPESDL_BUCKET = "s3://deep-esdl-public";

function isBareName(id: string): boolean {
  return !id.includes("/") && !id.includes("\\") && !/^[a-z][a-z0-9+.-]*:/i.test(id);
}

async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function checkThemes(ctx: Ctx, themeIds: readonly string[], field: string, configPath?: string): Promise<void> {
  for (const [i, id] of themeIds.entries()) {
    if (!(await ctx.ws.exists(entityPath("themes", id)))) {
      throw new EocubeError("INVALID_CONFIG", `theme "${id}" is not in the catalog (themes/${id}/catalog.json)`, {
        path: configPath,
        field: `${field}[${i}]`,
        hint: "the catalog lacks this OSC theme; use one it has, or start from `eocube catalog init`",
      });
    }
  }
}

async function titleOf(ctx: Ctx, folder: EntityFolder, id: string): Promise<string> {
  return (await ctx.ws.title(entityPath(folder, id))) ?? id;
}

async function themeLinks(ctx: Ctx, themeIds: readonly string[]): Promise<Link[]> {
  const out: Link[] = [];
  for (const id of themeIds) out.push(relatedLink("themes", id, await titleOf(ctx, "themes", id)));
  return out;
}

/** Adds `child`/`item` entries to a sub-catalog (`products/catalog.json`, …). */
async function addToSubCatalog(ctx: Ctx, folder: EntityFolder, id: string, title: string): Promise<void> {
  await ctx.ws.appendLinks(`${folder}/catalog.json`, [subCatalogEntryLink(folder, id, title)]);
}

// --- product, variables, missions --------------------------------------------------------------------------------

interface ProductResult {
  id: string;
  title: string;
  themes: string[];
  format: string;
  /** The product's temporal extent (absent for a product already in the catalog). */
  interval?: [string | null, string | null];
}

function formatName(source: string): string {
  const s = source.replace(/\/+$/, "").toLowerCase();
  if (s.endsWith(".zarr")) return "Zarr";
  if (s.endsWith(".levels")) return "xcube levels";
  if (/\.(nc|nc4|cdf|netcdf|h5|hdf5)$/.test(s)) return "NetCDF";
  if (/\.(tif|tiff|cog)$/.test(s)) return "GeoTIFF";
  return "Zarr";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;
}

function timeInterval(ctx: Ctx, info: DatasetInfo, source: string): [string | null, string | null] {
  const tr = ctx.dc!.time_range;
  if (tr) {
    const conv = (t: string | null, i: number): string | null => {
      if (t === null) return null;
      try {
        return toIsoString(parseIsoTime(t));
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
    return out;
  }
  if (!info.timeRange) {
    throw new EocubeError("INVALID_CONFIG", `${source} has no time coordinate, so the product's temporal extent is unknown`, {
      path: ctx.dPath,
      field: "time_range",
      hint: 'give the time range in the dataset config, e.g. time_range: ["2017-01-01", "2017-12-31"]',
    });
  }
  return info.timeRange;
}

/** How many times a wrong interactive answer is asked again before giving up. */
const MAX_ASKS = 3;

async function ask(ctx: Ctx, question: string): Promise<string | undefined> {
  const { opts } = ctx;
  if (!opts.interactive && !opts.prompt) return undefined;
  if (!opts.prompt && !(process.stdin.isTTY && process.stderr.isTTY)) return undefined;
  if (opts.prompt) return (await opts.prompt(question)).trim();
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question, { signal: opts.signal })).trim();
  } finally {
    rl.close();
  }
}

interface PlannedVariable {
  name: string;
  id: string;
  title: string;
  isNew: boolean;
  doc?: Record<string, unknown>;
}

async function planVariables(ctx: Ctx, info: DatasetInfo, themeIds: string[], source: string): Promise<PlannedVariable[]> {
  const cfg = ctx.dc!.variables ?? {};
  const names = info.variables.map((v) => v.name);
  for (const name of Object.keys(cfg)) {
    if (!names.includes(name)) {
      throw new EocubeError("INVALID_CONFIG", `variables.${name}: ${source} has no data variable "${name}"`, {
        path: ctx.dPath,
        field: `variables.${name}`,
        hint: `its data variables are: ${names.join(", ")}`,
      });
    }
  }
  const out: PlannedVariable[] = [];
  const missing: { field: string; message: string }[] = [];
  const tLinks = await themeLinks(ctx, themeIds);
  for (const v of info.variables) {
    const vc = cfg[v.name] ?? {};
    if (vc.skip) continue;
    const id = vc.id ?? slugify(v.name);
    if (!id) {
      missing.push({ field: `variables.${v.name}.id`, message: `variable ${v.name} needs an id (lower-case letters, digits and hyphens)` });
      continue;
    }
    if (out.some((p) => p.id === id)) {
      out.push({ ...out.find((p) => p.id === id)!, name: v.name });
      continue;
    }
    const path = entityPath("variables", id);
    if (await ctx.ws.exists(path)) {
      out.push({ name: v.name, id, title: await titleOf(ctx, "variables", id), isNew: false });
      continue;
    }
    const field = `variables.${v.name}.gcmd_keyword_url`;
    let gcmd = vc.gcmd_keyword_url ?? str(v.attrs.gcmd_keyword_url);
    if (gcmd) {
      const problem = checkGcmdUrl(gcmd);
      if (problem?.level === "error") {
        const from = vc.gcmd_keyword_url ? field : `the gcmd_keyword_url attribute of ${v.name} in ${source}`;
        throw new EocubeError("INVALID_CONFIG", `${from}: ${problem.reason}`, {
          path: ctx.dPath,
          field,
          hint: `set ${field} to the variable's page on the GCMD keyword viewer (${GCMD_KEYWORD_VIEWER}…)`,
        });
      }
    } else {
      // asked on a terminal with --interactive only; a wrong answer is asked again with the reason (bounded)
      const question = `GCMD keyword URL for variable ${v.name} (${GCMD_KEYWORD_VIEWER}…): `;
      let reason = "";
      for (let attempt = 0; attempt < MAX_ASKS && !gcmd; attempt++) {
        const answer = await ask(ctx, reason ? `${reason}; ${question}` : question);
        if (!answer) break;
        const problem = checkGcmdUrl(answer);
        if (problem?.level === "error") reason = problem.reason;
        else gcmd = answer;
      }
    }
    const gcmdProblem = gcmd ? checkGcmdUrl(gcmd) : undefined;
    if (gcmd && gcmdProblem?.level === "warning") {
      ctx.warnings.push(`${field}: ${gcmdProblem.reason}; the OSC expects the variable's GCMD science keyword page`);
    }
    const description = vc.description ?? str(v.attrs.description) ?? cfDescription(v.attrs, vc.units);
    if (!gcmd) {
      missing.push({
        field: `variables.${v.name}.gcmd_keyword_url`,
        message: `new variable ${id} (data variable ${v.name}) needs a GCMD keyword URL`,
      });
    }
    if (!description) {
      missing.push({ field: `variables.${v.name}.description`, message: `new variable ${id} (data variable ${v.name}) needs a description` });
    }
    if (!gcmd || !description) continue;
    const title = vc.title ?? str(v.attrs.long_name) ?? v.name;
    if (repeatsIdOrTitle(description, id, title)) {
      ctx.warnings.push(
        `new variable ${id} (data variable ${v.name}) gets the description "${description}", which repeats its id or title; ` +
          `set variables.${v.name}.description in the dataset config (what it measures, units, method)`,
      );
    }
    const doc = variableCatalog({ id, title, description, gcmdUrl: gcmd, themes: themeIds, themeLinks: tLinks, now: ctx.now });
    out.push({ name: v.name, id, title, isNew: true, doc });
  }
  if (missing.length > 0) {
    throw new EocubeError(
      "INVALID_CONFIG",
      missing.length === 1 ? missing[0]!.message : `${missing.length} variables lack metadata: ${missing.map((m) => m.field).join(", ")}`,
      {
        path: ctx.dPath,
        field: missing[0]!.field,
        hint: "set variables.<name>.gcmd_keyword_url (https://gcmd.earthdata.nasa.gov/KeywordViewer/) and description in the dataset config, or skip: true",
        details: missing,
      },
    );
  }
  return out;
}

async function planMissions(ctx: Ctx, missions: MissionConfig[]): Promise<{ id: string; title: string; doc?: Record<string, unknown> }[]> {
  const out: { id: string; title: string; doc?: Record<string, unknown> }[] = [];
  for (const [i, m] of missions.entries()) {
    const id = typeof m === "string" ? m : m.id;
    if (await ctx.ws.exists(entityPath("eo-missions", id))) {
      out.push({ id, title: await titleOf(ctx, "eo-missions", id) });
      continue;
    }
    const def = typeof m === "string" ? KNOWN_MISSIONS[id] : m;
    if (!def) {
      const have = (((await ctx.ws.json("eo-missions/catalog.json"))?.links as Link[] | undefined) ?? [])
        .filter((l) => l.rel === "child")
        .map((l) => l.href.split("/").slice(-2, -1)[0]!)
        .concat(Object.keys(KNOWN_MISSIONS));
      throw new EocubeError("INVALID_CONFIG", `EO mission "${id}" is neither in the catalog nor known to eocube`, {
        path: ctx.dPath,
        field: `osc_missions[${i}]`,
        hint: `use one of: ${[...new Set(have)].sort().join(", ")}; or define it: {id, title, description, url}`,
      });
    }
    out.push({ id, title: def.title, doc: missionCatalog({ id, title: def.title, description: def.description, url: def.url, now: ctx.now }) });
  }
  return out;
}

async function planProduct(ctx: Ctx, info: DatasetInfo, source: string, projectId: string): Promise<ProductResult> {
  const { ws } = ctx;
  const dc = ctx.dc!;
  const id = dc.collection_id;
  const themeIds = dc.osc_themes;
  const title = dc.title ?? str(info.attrs.title) ?? id;
  if (dc.title === undefined && !str(info.attrs.title)) {
    ctx.warnings.push(`the product has no title (none in the dataset config, no title attribute in ${source}), so its id ${id} is used; set title in the dataset config`);
  }
  const description = dc.description ?? str(info.attrs.description) ?? str(info.attrs.summary) ?? str(info.attrs.title);
  if (!description) {
    throw new EocubeError("INVALID_CONFIG", `the product needs a description and ${source} has no description, summary or title attribute`, {
      path: ctx.dPath,
      field: "description",
      hint: "set description in the dataset config",
    });
  }
  const interval = timeInterval(ctx, info, source);
  const variables = await planVariables(ctx, info, themeIds, source);
  const missions = await planMissions(ctx, dc.osc_missions ?? []);
  const varIds = [...new Set(variables.map((v) => v.id))];

  // via links: where to get the data and read about it (no redundant s3:// via link)
  const via: Link[] = [];
  if (dc.access_link) {
    if (dc.access_link.startsWith("s3://")) {
      ctx.warnings.push(`access_link ${dc.access_link} is an s3:// URL and is not written as a via link (the OSC wants a web page)`);
    } else via.push(viaLink(dc.access_link, "Access"));
  }
  if (dc.documentation_link) via.push(viaLink(dc.documentation_link, "Documentation"));
  if (via.length === 0 && /^https?:\/\/[^@?#]+$/.test(source)) via.push(viaLink(source, "Access"));
  if (via.length === 0) {
    const s3 = dc.access_link?.startsWith("s3://") ? ` (access_link ${dc.access_link} is an s3:// URL, not a web page)` : "";
    const deepCode = dc.stac_catalog_s3_root
      ? "; deep-code took it from the STAC catalog it uploads to stac_catalog_s3_root, which eocube does not upload"
      : "";
    throw new EocubeError("INVALID_CONFIG", `the OSC requires a via link on every product${s3}: set access_link (an https page) or documentation_link${deepCode}`, {
      path: ctx.dPath,
      field: "access_link",
      hint: "e.g. access_link: https://example.org/my-cube, or documentation_link: https://example.org/my-cube-docs",
    });
  }
  if (dc.stac_catalog_s3_root) ctx.warnings.push("stac_catalog_s3_root is a deep-code field; eocube does not upload a STAC item catalog and ignores it");

  const projectTitle = (await ws.title(entityPath("projects", projectId))) ?? dc.osc_project_title ?? titleCase(projectId);
  const links: Link[] = [relatedLink("projects", projectId, projectTitle)];
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
  if (dc.visualisation_link) links.push({ rel: "visualisation", href: dc.visualisation_link, type: "text/html", title: "Dataset visualisation" });

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
  await unlinkDropped(ctx, path, previous?.["osc:missions"], missions.map((m) => m.id), "eo-missions");

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
async function unlinkDropped(ctx: Ctx, productPath: string, before: unknown, now: string[], folder: "variables" | "eo-missions"): Promise<void> {
  const dropped = (Array.isArray(before) ? before : []).filter((v): v is string => typeof v === "string" && !now.includes(v));
  for (const d of dropped) {
    const entity = entityPath(folder, d);
    await ctx.ws.removeLinks(productPath, (l) => l.rel === "related" && linkTarget(productPath, l.href) === entity);
    await ctx.ws.removeLinks(entity, (l) => l.rel === "child" && linkTarget(entity, l.href) === productPath);
  }
}

function cfParameters(ctx: Ctx, info: DatasetInfo, variables: PlannedVariable[]): { name: string; unit?: string }[] {
  const out: { name: string; unit?: string }[] = [];
  const push = (name: string, unit: string | undefined) => {
    const p = unit ? { name, unit } : { name };
    if (!out.some((q) => JSON.stringify(q) === JSON.stringify(p))) out.push(p);
  };
  const dc = ctx.dc!;
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

function titleCase(id: string): string {
  return id
    .split("-")
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(" ");
}

// --- workflow and experiment -------------------------------------------------------------------------------------

async function planRecords(ctx: Ctx, projectId: string, product: ProductResult | undefined, source: string | undefined): Promise<void> {
  const wc = ctx.wc!;
  const { ws } = ctx;
  const themeIds = wc.properties.themes ?? ctx.dc?.osc_themes;
  if (!themeIds) {
    throw new EocubeError("INVALID_CONFIG", "the workflow needs OSC themes: set properties.themes (or publish it with its dataset config)", {
      path: ctx.wPath,
      field: "properties.themes",
      hint: "e.g. themes: [land]",
    });
  }
  await checkThemes(ctx, themeIds, "properties.themes", ctx.wPath);
  const wfId = wc.workflow_id;
  const expId = wc.experiment_id ?? wfId;
  const title = wc.properties.title;
  const projectTitle = (await ws.title(entityPath("projects", projectId))) ?? ctx.dc?.osc_project_title ?? titleCase(projectId);

  // in workflow-only mode the product may already be in the catalog
  let productRef = product;
  if (!productRef && ctx.dc && (await ws.exists(entityPath("products", ctx.dc.collection_id)))) {
    const pid = ctx.dc.collection_id;
    productRef = { id: pid, title: await titleOf(ctx, "products", pid), themes: ctx.dc.osc_themes, format: formatName(ctx.dc.dataset_id) };
    await ws.appendLinks(entityPath("products", pid), [relatedLink("experiments", expId, title)]);
    await ws.setMember(entityPath("products", pid), "osc:experiment", expId);
  }
  // without the dataset config, keep the product the existing experiment already names
  if (!productRef) {
    const existing = await ws.json(entityPath("experiments", expId));
    const link = ((existing?.links as Link[] | undefined) ?? []).find((l) => l.rel === "child" && /products\/[^/]+\/collection\.json$/.test(l.href));
    const pid = link?.href.split("/").slice(-2, -1)[0];
    if (pid && (await ws.exists(entityPath("products", pid)))) {
      const formats = ((existing?.properties as Record<string, unknown> | undefined)?.formats as { name?: string }[] | undefined) ?? [];
      productRef = { id: pid, title: await titleOf(ctx, "products", pid), themes: themeIds, format: formats[0]?.name ?? "Zarr" };
    }
  }
  // one experiment is one run that produced its outputs: it cannot become the run of a second product
  if (productRef) {
    const existing = await ws.json(entityPath("experiments", expId));
    const others = ((existing?.links as Link[] | undefined) ?? [])
      .filter((l) => l.rel === "child")
      .map((l) => /(?:^|\/)products\/([^/]+)\/collection\.json$/.exec(l.href)?.[1])
      .filter((pid): pid is string => pid !== undefined && pid !== productRef!.id);
    if (others.length > 0) {
      const suggestion = suggestId(`${expId}-${productRef.id}`);
      throw new EocubeError(
        "INVALID_CONFIG",
        `experiment ${expId} is already the run that produced ${others.map((o) => `product ${o}`).join(", ")}; ` +
          `it cannot also be the run of product ${productRef.id} (an OSC experiment is one run and its outputs)`,
        {
          path: ctx.wPath,
          field: "experiment_id",
          hint: `give this run its own experiment: set experiment_id: ${suggestion} in the workflow config (workflow ${wfId} may have several experiments)`,
        },
      );
    }
  }
  const formats = productRef ? [productRef.format] : [];
  // the workflow lists the formats of all its experiments' outputs
  const wfDoc = await ws.json(entityPath("workflows", wfId));
  const wfFormats = [
    ...(((wfDoc?.properties as Record<string, unknown> | undefined)?.formats as { name?: unknown }[] | undefined) ?? [])
      .map((f) => f?.name)
      .filter((n): n is string => typeof n === "string"),
  ];
  for (const f of formats) if (!wfFormats.includes(f)) wfFormats.push(f);
  const tLinks = await themeLinks(ctx, themeIds);
  const wf = workflowRecord({
    config: wc,
    themes: themeIds,
    formats: wfFormats,
    now: ctx.now,
    configPath: ctx.wPath,
    project: projectId,
    projectLink: relatedLink("projects", projectId, projectTitle),
    experimentLink: childLink("experiments", expId, title),
    themeLinks: tLinks,
  });
  const exp = experimentRecord({
    config: wc,
    themes: themeIds,
    formats,
    now: ctx.now,
    configPath: ctx.wPath,
    id: expId,
    workflowLink: relatedLink("workflows", wfId, title),
    productLink: productRef ? childLink("products", productRef.id, productRef.title) : undefined,
    themeLinks: tLinks,
  });
  await ws.merge(entityPath("workflows", wfId), wf);
  await ws.merge(entityPath("experiments", expId), exp);
  const publicSource = source && /^(https?|s3):\/\/[^@?#]+$/.test(source) ? source : undefined;
  ws.write(`experiments/${expId}/input.yaml`, inputYaml(wc, productRef ? { id: productRef.id, source: publicSource } : undefined));
  ws.write(`experiments/${expId}/environment.yaml`, environmentYaml(wc));
  await addToSubCatalog(ctx, "workflows", wfId, title);
  await addToSubCatalog(ctx, "experiments", expId, title);
}

// --- project -----------------------------------------------------------------------------------------------------

async function planProject(ctx: Ctx, projectId: string, product: ProductResult | undefined, info: DatasetInfo | undefined): Promise<void> {
  const { ws, dc, wc } = ctx;
  const path = entityPath("projects", projectId);
  const links: Link[] = [];
  if (product) links.push(childLink("products", product.id, product.title));
  if (wc) links.push(relatedLink("workflows", wc.workflow_id, wc.properties.title));
  if (await ws.exists(path)) {
    await ws.appendLinks(path, links);
    if (wc) await ws.appendValues(path, "osc:workflows", [wc.workflow_id]);
    return;
  }
  if (!dc) {
    throw new EocubeError("INVALID_CONFIG", `project "${projectId}" is not in the catalog`, {
      path: ctx.wPath,
      field: "osc_project",
      hint: "set osc_project to a project of the catalog, or publish with the dataset config (mode all) to create it",
    });
  }
  const field = (name: string, what: string, hint: string) =>
    new EocubeError("INVALID_CONFIG", `project "${projectId}" is not in the catalog, and creating it needs ${what}`, {
      path: ctx.dPath,
      field: name,
      hint,
    });
  if (!dc.osc_project_technical_officer) {
    throw field("osc_project_technical_officer", "its ESA technical officer", "set osc_project_technical_officer: {name, email} (required by the OSC), or osc_project to an existing project");
  }
  if (!dc.osc_project_url) throw field("osc_project_url", "a website (its via link)", "set osc_project_url: https://… in the dataset config");
  const title = dc.osc_project_title ?? titleCase(projectId);
  if (!dc.osc_project_description) {
    ctx.warnings.push(`the new project ${projectId} has no osc_project_description, so its title "${title}" is used as its description; set osc_project_description in the dataset config`);
  }
  const themeIds = dc.osc_themes;
  const bbox = info?.bbox ?? [-180, -90, 180, 90];
  const doc = projectCollection({
    id: projectId,
    title,
    description: dc.osc_project_description ?? title,
    website: dc.osc_project_url,
    technicalOfficer: dc.osc_project_technical_officer,
    themes: themeIds,
    themeLinks: await themeLinks(ctx, themeIds),
    workflows: wc ? [wc.workflow_id] : [],
    bbox,
    interval: projectInterval(ctx, product),
    license: dc.license_type,
    now: ctx.now,
  });
  (doc.links as Link[]).splice(-1, 0, ...links);
  ws.write(path, formatJson(doc));
  await addToSubCatalog(ctx, "projects", projectId, title);
}

/**
 * The temporal extent of a new project: osc_project_start / osc_project_end when given, else the product's
 * temporal extent; without either, from the publication time, open-ended.
 * @throws EocubeError INVALID_CONFIG when a date does not parse or the start is after the end.
 */
function projectInterval(ctx: Ctx, product: ProductResult | undefined): [string | null, string | null] {
  const dc = ctx.dc!;
  const conv = (t: string, field: string): string => {
    try {
      return toIsoString(parseIsoTime(t));
    } catch {
      throw new EocubeError("INVALID_CONFIG", `${field} ${JSON.stringify(t)} is not an ISO 8601 time`, { path: ctx.dPath, field, hint: "write e.g. 2021-01-01 or 2021-01-01T00:00:00Z" });
    }
  };
  const start = dc.osc_project_start !== undefined ? conv(dc.osc_project_start, "osc_project_start") : product?.interval ? product.interval[0] : ctx.now;
  const end = dc.osc_project_end !== undefined ? conv(dc.osc_project_end, "osc_project_end") : (product?.interval?.[1] ?? null);
  if (start !== null && end !== null && Date.parse(start) > Date.parse(end)) {
    throw new EocubeError("INVALID_CONFIG", `the project would start (${start}) after it ends (${end})`, {
      path: ctx.dPath,
      field: dc.osc_project_end !== undefined ? "osc_project_end" : "osc_project_start",
      hint: "set osc_project_start and osc_project_end in order (they default to the product's temporal extent)",
    });
  }
  return [start, end];
}
