// buildPublication: config + cube + catalog → the files of one OSC publication (product, variables, project,
// missions, workflow and experiment records, and every reverse link), as a PublicationPlan. Writes nothing.
import { EocubeError } from "../../../core/errors.js";
import { toIsoString } from "../../../core/time.js";
import { redactUrl } from "../../../fs/https.js";
import type { DatasetConfig, WorkflowConfig } from "../config-schema.js";
import { configNotesOf, configPathOf } from "../config.js";
import { readDatasetInfo, type DatasetInfo } from "../dataset-info.js";
import type { PublicationPlan } from "../plan.js";
import { CatalogWorkspace } from "../workspace.js";
import { checkThemes, hasDatasetConfig, type BuildContext, type BuildPublicationOptions } from "./context.js";
import { openCube } from "./cube.js";
import { planProduct, type ProductResult } from "./product.js";
import { planProject } from "./project.js";
import { planRecords } from "./records.js";

/** Default project of deep-code configs without `osc_project`. */
export const DEFAULT_PROJECT = "deep-earth-system-data-lab";

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
  const mode = options.mode ?? "all";
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
  if (root?.id !== "osc") {
    throw new EocubeError("NOT_FOUND", `${catalogDir} is not an Open Science Catalog (no catalog.json with id "osc")`, {
      path: catalogDir,
      hint: "create one with `eocube catalog init <dir>` or clone ESA-EarthCODE/open-science-catalog-metadata",
    });
  }
  const ctx: BuildContext = {
    ws,
    mode,
    dc: datasetConfig,
    wc: mode === "dataset" ? undefined : workflowConfig,
    opts: options,
    now: toIsoString((options.now ?? new Date()).getTime()),
    warnings: [],
    dPath: options.configPaths?.dataset ?? configPathOf(datasetConfig),
    wPath: options.configPaths?.workflow ?? configPathOf(workflowConfig),
  };
  const plan: PublicationPlan = { files: [], warnings: ctx.warnings };

  // what the config loaders changed as deep-code does (a normalised workflow_id, …)
  ctx.warnings.push(...configNotesOf(datasetConfig), ...configNotesOf(ctx.wc));
  const projectId =
    (mode === "dataset" ? undefined : (ctx.wc?.osc_project ?? ctx.wc?.properties.osc_project)) ??
    datasetConfig?.osc_project ??
    DEFAULT_PROJECT;
  if (datasetConfig) await checkThemes(ctx, datasetConfig.osc_themes, "osc_themes", ctx.dPath);

  let product: ProductResult | undefined;
  let info: DatasetInfo | undefined;
  let source: string | undefined;
  // (a dataset config is there unless mode is "workflow": checked above)
  if (mode !== "workflow" && hasDatasetConfig(ctx)) {
    const opened = await openCube(ctx);
    source = opened.source;
    try {
      info = await readDatasetInfo(opened.ds, { signal: options.signal, source: redactUrl(opened.source), configPath: ctx.dPath });
    } finally {
      if (!options.dataset) await opened.ds.close();
    }
    product = await planProduct(ctx, info, redactUrl(opened.source), projectId);
    plan.collectionId = ctx.dc.collection_id;
  }

  if (ctx.wc) {
    await planRecords(ctx, ctx.wc, projectId, product, source);
    plan.workflowId = ctx.wc.workflow_id;
    // a cube made by eocube gen (its history names the request) could be published as a reproducible experiment
    const made = typeof info?.attrs.history === "string" ? /eocube gen (\S+)\s*$/.exec(info.attrs.history)?.[1] : undefined;
    if (made && ctx.wc.gen_request === undefined && mode === "all") {
      ctx.warnings.push(
        `the cube was made by eocube gen from ${made} (its history attribute): set gen_request: <path of that request> in the workflow config so that \`eocube reproduce ${ctx.wc.experiment_id ?? ctx.wc.workflow_id}\` can re-run it`,
      );
    }
  }

  // the project last: it links to the product and the workflow
  await planProject(ctx, projectId, product, info);

  // every patched file says when it was changed
  await ws.bumpUpdated(ctx.now);
  plan.files = await ws.files();
  return plan;
}
