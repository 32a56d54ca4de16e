// The workflow and experiment records of a publication (workflow ↔ experiment ↔ product links, input.yaml,
// environment.yaml); as deep-code, the experiment only in mode "all", with the product published with it.
import { dirname, resolve } from "node:path";
import { EocubeError, isEocubeError } from "../../../core/errors.js";
import { eocubeVersion, packageVersions } from "../../../core/version.js";
import { loadGenRequest } from "../../../gen/request.js";
import { portableGenRequest } from "../../../gen/portable.js";
import type { WorkflowConfig } from "../config-schema.js";
import { childLink, entityPath, linkTarget, relatedLink } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import { environmentYaml, experimentRecord, inputYaml, workflowRecord, type GenRuntime } from "../records.js";
import type { Json } from "../workspace.js";
import { suggestId } from "../validate/extra.js";
import { addToSubCatalog, checkCaseCollision, checkThemes, projectTitle, themeLinks, type BuildContext } from "./context.js";
import type { ProductResult } from "./product.js";

/**
 * Plans the workflow record of the workflow config `wc` (merged into an existing one) and its sub-catalog entry.
 * In mode "all" (as deep-code) also the experiment record linking to `product`, its input.yaml and environment.yaml;
 * the workflow lists the formats of all its experiments. In mode "workflow" no experiment is written; the
 * experiments the workflow already has keep a related link to it titled as the workflow now is. `source` is the
 * cube's source (written to input.yaml only when it is a public http(s)/s3 URL without credentials).
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
  const pTitle = await projectTitle(ctx, projectId);
  await checkCaseCollision(ctx, "workflows", wfId, "workflow_id", ctx.wPath);
  const tLinks = await themeLinks(ctx, themeIds);
  const wfPath = entityPath("workflows", wfId);
  const wfDoc = await ws.json(wfPath);
  // the workflow lists the formats of all its experiments' outputs
  const wfFormats = [
    ...(((wfDoc?.properties as Record<string, unknown> | undefined)?.formats as { name?: unknown }[] | undefined) ?? [])
      .map((f) => f?.name)
      .filter((n): n is string => typeof n === "string"),
  ];
  const workflowDoc = (experimentLink: LinkJson | undefined) =>
    workflowRecord({
      config: wc,
      themes: themeIds,
      formats: wfFormats,
      now: ctx.now,
      configPath: ctx.wPath,
      project: projectId,
      projectLink: relatedLink("projects", projectId, pTitle),
      experimentLink,
      themeLinks: tLinks,
    });

  // deep-code writes the experiment only in mode "all" (it is the run that made the product published with it)
  if (ctx.mode !== "all" || !product) {
    await ws.merge(wfPath, workflowDoc(undefined));
    await addToSubCatalog(ctx, "workflows", wfId, title);
    // the experiments of an existing workflow keep their related link to it, titled as the workflow now is
    for (const l of ((wfDoc?.links as LinkJson[] | undefined) ?? []).filter((x) => x.rel === "child")) {
      const exp = /(?:^|\/)experiments\/([^/]+)\/record\.json$/.exec(linkTarget(wfPath, l.href))?.[1];
      if (exp && (await ws.exists(entityPath("experiments", exp)))) {
        await ws.appendLinks(entityPath("experiments", exp), [relatedLink("workflows", wfId, title)]);
      }
    }
    return;
  }
  await checkCaseCollision(ctx, "experiments", expId, wc.experiment_id === undefined ? "workflow_id" : "experiment_id", ctx.wPath);
  // one experiment is one run that produced its outputs: it cannot become the run of a second product
  const existing = await ws.json(entityPath("experiments", expId));
  const others = ((existing?.links as LinkJson[] | undefined) ?? [])
    .filter((l) => l.rel === "child")
    .map((l) => /(?:^|\/)products\/([^/]+)\/collection\.json$/.exec(l.href)?.[1])
    .filter((pid): pid is string => pid !== undefined && pid !== product.id);
  if (others.length > 0) {
    const suggestion = suggestId(`${expId}-${product.id}`);
    throw new EocubeError(
      "INVALID_CONFIG",
      `experiment ${expId} is already the run that produced ${others.map((o) => `product ${o}`).join(", ")}; ` +
        `it cannot also be the run of product ${product.id} (an OSC experiment is one run and its outputs)`,
      {
        path: ctx.wPath,
        field: "experiment_id",
        hint: `give this run its own experiment: set experiment_id: ${suggestion} in the workflow config (workflow ${wfId} may have several experiments)`,
      },
    );
  }
  const formats = [product.format];
  for (const f of formats) if (!wfFormats.includes(f)) wfFormats.push(f);
  const wf = workflowDoc(childLink("experiments", expId, title));
  const exp = experimentRecord({
    config: wc,
    themes: themeIds,
    formats,
    now: ctx.now,
    configPath: ctx.wPath,
    id: expId,
    workflowLink: relatedLink("workflows", wfId, title),
    productLink: childLink("products", product.id, product.title),
    themeLinks: tLinks,
  });
  await ws.merge(entityPath("workflows", wfId), wf);
  await ws.merge(entityPath("experiments", expId), exp);
  const publicSource = source && /^(https?|s3):\/\/[^@?#]+$/.test(source) ? source : undefined;
  const gen = wc.gen_request === undefined ? undefined : await genRequestOf(ctx, wc.gen_request);
  ws.write(`experiments/${expId}/input.yaml`, inputYaml(wc, { id: product.id, source: publicSource }, gen?.doc));
  ws.write(`experiments/${expId}/environment.yaml`, environmentYaml(wc, gen?.runtime));
  await addToSubCatalog(ctx, "workflows", wfId, title);
  await addToSubCatalog(ctx, "experiments", expId, title);
}

/**
 * The workflow config's `gen_request` (relative to the config's folder) as the gen2 document input.yaml holds,
 * and the running software for environment.yaml. Credentials in its store params are left out (a warning names them).
 * @throws EocubeError INVALID_CONFIG naming the workflow config and `gen_request` when the request cannot be read or
 *   is not valid (the request's own message and hint kept), or is a legacy config without a gen2 form.
 */
async function genRequestOf(ctx: BuildContext, path: string): Promise<{ doc: Json; runtime: GenRuntime }> {
  const file = resolve(ctx.wPath ? dirname(ctx.wPath) : process.cwd(), path);
  try {
    const { doc, dropped } = portableGenRequest(await loadGenRequest(file));
    if (dropped.length > 0) {
      ctx.warnings.push(`gen_request ${path}: ${dropped.join(", ")} hold credentials and are not written to input.yaml`);
    }
    const runtime: GenRuntime = {
      eocube: eocubeVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      packages: packageVersions(),
    };
    return { doc: doc as unknown as Json, runtime };
  } catch (err) {
    if (!isEocubeError(err)) throw err;
    throw new EocubeError("INVALID_CONFIG", `gen_request ${path}: ${err.message}`, {
      path: ctx.wPath,
      field: "gen_request",
      hint: err.hint ?? "give the path of the eocube gen request (gen2 YAML) that made the product",
      cause: err,
    });
  }
}
