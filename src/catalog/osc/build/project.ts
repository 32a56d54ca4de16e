// The project collection: a new one made from the dataset config (technical officer, website, temporal extent,
// status), or the existing one given child links to the product, related links to the workflow and osc:workflows.
import { EocubeError } from "../../../core/errors.js";
import { parseIsoTime, toIsoString } from "../../../core/time.js";
import type { DatasetConfig } from "../config-schema.js";
import { type DatasetInfo, inclusiveEnd } from "../dataset-info.js";
import { KNOWN_PROJECTS, projectCollection } from "../entities.js";
import { formatJson } from "../json-text.js";
import { childLink, entityPath, relatedLink } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import { addToSubCatalog, checkCaseCollision, projectTitle, themeLinks, type BuildContext } from "./context.js";
import type { ProductResult } from "./product.js";

/**
 * Plans the project `projectId`: an existing project gets a child link to the product, a related link to the
 * workflow and the workflow in `osc:workflows` (made when missing); a new one is made from the dataset config (bbox
 * of the cube, else the globe; temporal extent from {@link projectInterval}; `osc:status` from `dataset_status`;
 * for a project of {@link KNOWN_PROJECTS} the real catalog's values where the config gives none) and listed in the
 * projects sub-catalog. An `osc_project_end` date includes its whole day.
 * @throws EocubeError INVALID_CONFIG naming the config and field: a new project without a dataset config (mode
 *   workflow), technical officer or website, or with a bad interval.
 */
export async function planProject(
  ctx: BuildContext,
  projectId: string,
  product: ProductResult | undefined,
  info: DatasetInfo | undefined,
): Promise<void> {
  const { ws, dc, wc } = ctx;
  const path = entityPath("projects", projectId);
  const links: LinkJson[] = [];
  if (product) links.push(childLink("products", product.id, product.title));
  if (wc) links.push(relatedLink("workflows", wc.workflow_id, wc.properties.title));
  if (await ws.exists(path)) {
    await ws.appendLinks(path, links);
    // the project lists its workflows (osc:workflows, made when the project has none yet)
    if (wc) {
      const doc = await ws.json(path);
      if (Array.isArray(doc?.["osc:workflows"])) await ws.appendValues(path, "osc:workflows", [wc.workflow_id]);
      else await ws.setMember(path, "osc:workflows", [wc.workflow_id]);
    }
    return;
  }
  if (!dc) {
    throw new EocubeError("INVALID_CONFIG", `project "${projectId}" is not in the catalog`, {
      path: ctx.wPath,
      field: "osc_project",
      hint: "set osc_project to a project of the catalog, or publish with the dataset config (mode all) to create it",
    });
  }
  await checkCaseCollision(ctx, "projects", projectId, "osc_project", ctx.dPath);
  const field = (name: string, what: string, hint: string) =>
    new EocubeError("INVALID_CONFIG", `project "${projectId}" is not in the catalog, and creating it needs ${what}`, {
      path: ctx.dPath,
      field: name,
      hint,
    });
  // a project the real OSC has (deep-code's default DeepESDL project) is made with its real values
  const known = KNOWN_PROJECTS[projectId];
  const officer = dc.osc_project_technical_officer ?? known?.technicalOfficer;
  if (!officer) {
    throw field(
      "osc_project_technical_officer",
      "its ESA technical officer",
      "set osc_project_technical_officer: {name, email} (required by the OSC), or osc_project to an existing project",
    );
  }
  const website = dc.osc_project_url ?? known?.website;
  if (!website) throw field("osc_project_url", "a website (its via link)", "set osc_project_url: https://… in the dataset config");
  const title = await projectTitle(ctx, projectId);
  const description = dc.osc_project_description ?? known?.description;
  if (!description) {
    ctx.warnings.push(
      `the new project ${projectId} has no osc_project_description, so its title "${title}" is used as its description; set osc_project_description in the dataset config`,
    );
  }
  if (known) {
    ctx.warnings.push(
      `project ${projectId} is not in the catalog; it is created with the values of the real Open Science Catalog's ${projectId} (title, website, technical officer) where the dataset config gives none`,
    );
  }
  const themeIds = dc.osc_themes;
  const bbox = info?.bbox ?? [-180, -90, 180, 90];
  const doc = projectCollection({
    id: projectId,
    title,
    description: description ?? title,
    website,
    technicalOfficer: officer,
    themes: themeIds,
    themeLinks: await themeLinks(ctx, themeIds),
    workflows: wc ? [wc.workflow_id] : [],
    bbox,
    interval: projectInterval(ctx, dc, product),
    license: dc.license_type,
    status: dc.dataset_status,
    now: ctx.now,
  });
  (doc.links as LinkJson[]).splice(-1, 0, ...links);
  ws.write(path, formatJson(doc));
  await addToSubCatalog(ctx, "projects", projectId, title);
}

/**
 * The temporal extent of a new project: osc_project_start / osc_project_end when given, else the product's
 * temporal extent; without either, from the publication time, open-ended.
 * @throws EocubeError INVALID_CONFIG when a date does not parse or the start is after the end.
 */
function projectInterval(ctx: BuildContext, dc: DatasetConfig, product: ProductResult | undefined): [string | null, string | null] {
  const conv = (t: string, field: string, end = false): string => {
    try {
      return toIsoString(end ? inclusiveEnd(t) : parseIsoTime(t));
    } catch {
      throw new EocubeError("INVALID_CONFIG", `${field} ${JSON.stringify(t)} is not an ISO 8601 time`, {
        path: ctx.dPath,
        field,
        hint: "write e.g. 2021-01-01 or 2021-01-01T00:00:00Z",
      });
    }
  };
  const start =
    dc.osc_project_start !== undefined
      ? conv(dc.osc_project_start, "osc_project_start")
      : product?.interval
        ? product.interval[0]
        : ctx.now;
  const end = dc.osc_project_end !== undefined ? conv(dc.osc_project_end, "osc_project_end", true) : (product?.interval?.[1] ?? null);
  if (start !== null && end !== null && parseIsoTime(start) > parseIsoTime(end)) {
    throw new EocubeError("INVALID_CONFIG", `the project would start (${start}) after it ends (${end})`, {
      path: ctx.dPath,
      field: dc.osc_project_end !== undefined ? "osc_project_end" : "osc_project_start",
      hint: "set osc_project_start and osc_project_end in order (they default to the product's temporal extent)",
    });
  }
  return [start, end];
}
