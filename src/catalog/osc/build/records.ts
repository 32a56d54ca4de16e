// The workflow and experiment records of a publication (workflow ↔ experiment ↔ product links, input.yaml,
// environment.yaml), including the product a workflow-only publication finds in the catalog.
import { EocubeError } from "../../../core/errors.js";
import type { WorkflowConfig } from "../config-schema.js";
import { childLink, entityPath, relatedLink } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import { environmentYaml, experimentRecord, inputYaml, workflowRecord } from "../records.js";
import { suggestId } from "../validate/extra.js";
import { addToSubCatalog, checkThemes, themeLinks, titleCase, titleOf, type BuildContext } from "./context.js";
import { formatName, type ProductResult } from "./product.js";

/**
 * Plans the workflow and experiment records of the workflow config `wc` (merged into existing ones), the
 * experiment's input.yaml and environment.yaml, and their sub-catalog entries. The experiment links to `product`,
 * else (mode workflow) to the config's product when the catalog has it, else to the product the existing
 * experiment names; the workflow lists the formats of all its experiments. `source` is the cube's source (written
 * to input.yaml only when it is a public http(s)/s3 URL without credentials).
 * @throws EocubeError INVALID_CONFIG naming the workflow config and field: no themes, unknown theme, or an
 *   experiment that is already the run of another product (with a suggested experiment_id).
 */
export async function planRecords(
  ctx: BuildContext,
  wc: WorkflowConfig,
  projectId: string,
  product: ProductResult | undefined,
  source: string | undefined,
): Promise<void> {
  const { ws } = ctx;
  const themeIds = wc.properties.themes ?? ctx.dc?.osc_themes;
  if (!themeIds) {
    throw new EocubeError(
      "INVALID_CONFIG",
      "the workflow needs OSC themes: set properties.themes (or publish it with its dataset config)",
      {
        path: ctx.wPath,
        field: "properties.themes",
        hint: "e.g. themes: [land]",
      },
    );
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
    const link = ((existing?.links as LinkJson[] | undefined) ?? []).find(
      (l) => l.rel === "child" && /products\/[^/]+\/collection\.json$/.test(l.href),
    );
    const pid = link?.href.split("/").slice(-2, -1)[0];
    if (pid && (await ws.exists(entityPath("products", pid)))) {
      const formats = ((existing?.properties as Record<string, unknown> | undefined)?.formats as { name?: string }[] | undefined) ?? [];
      productRef = { id: pid, title: await titleOf(ctx, "products", pid), themes: themeIds, format: formats[0]?.name ?? "Zarr" };
    }
  }
  // one experiment is one run that produced its outputs: it cannot become the run of a second product
  if (productRef) {
    const productId = productRef.id;
    const existing = await ws.json(entityPath("experiments", expId));
    const others = ((existing?.links as LinkJson[] | undefined) ?? [])
      .filter((l) => l.rel === "child")
      .map((l) => /(?:^|\/)products\/([^/]+)\/collection\.json$/.exec(l.href)?.[1])
      .filter((pid): pid is string => pid !== undefined && pid !== productId);
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
