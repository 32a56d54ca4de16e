// The product's variables: which data variables become OSC variables (ids, skips), existing catalogs reused,
// new ones built from the config and the cube's attributes (GCMD keyword URL, asked for when a prompt is given).
import { EocubeError } from "../../../core/errors.js";
import { slugify } from "../constants.js";
import type { DatasetInfo } from "../dataset-info.js";
import { variableCatalog } from "../entities.js";
import { checkGcmdUrl, GCMD_KEYWORD_VIEWER } from "../gcmd.js";
import { entityPath } from "../links.js";
import { cfDescription } from "../texts.js";
import { repeatsIdOrTitle } from "../validate/extra.js";
import { str, themeLinks, titleOf, type BuildContext, type DatasetContext } from "./context.js";

/** One data variable of the cube as an OSC variable. */
export interface PlannedVariable {
  /** The data variable's name in the cube. */
  name: string;
  /** The OSC variable id (several data variables may share one). */
  id: string;
  title: string;
  /** True when the catalog has no such variable yet (then `doc` is its catalog). */
  isNew: boolean;
  doc?: Record<string, unknown>;
}

/** How many times a wrong interactive answer is asked again before giving up. */
const MAX_ASKS = 3;

/** Asks the options' prompt; undefined without one. The answer is trimmed. */
async function ask(ctx: BuildContext, question: string): Promise<string | undefined> {
  const { prompt } = ctx.opts;
  if (!prompt) return undefined;
  return (await prompt(question)).trim();
}

/**
 * Plans the OSC variables of the cube's data variables (in cube order, `skip: true` ones left out): the
 * configured or slugified id; an existing variable catalog is reused with its title; a new one needs a GCMD
 * keyword URL (config, `gcmd_keyword_url` attribute, or asked for up to 3 times through the prompt) and a
 * description (config, attribute, or made from CF attributes).
 * @throws EocubeError INVALID_CONFIG naming the dataset config and field: a configured variable the cube lacks,
 *   a gcmd_keyword_url that is no web URL, or every new variable lacking an id, GCMD URL or description (in `details`).
 */
export async function planVariables(
  ctx: DatasetContext,
  info: DatasetInfo,
  themeIds: string[],
  source: string,
): Promise<PlannedVariable[]> {
  const cfg = ctx.dc.variables ?? {};
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
    const same = out.find((p) => p.id === id);
    if (same) {
      out.push({ ...same, name: v.name });
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
      // asked through the prompt only (the CLI's --interactive); a wrong answer is asked again with the reason (bounded)
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
      missing.push({
        field: `variables.${v.name}.description`,
        message: `new variable ${id} (data variable ${v.name}) needs a description`,
      });
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
  const first = missing[0];
  if (first) {
    throw new EocubeError(
      "INVALID_CONFIG",
      missing.length === 1 ? first.message : `${missing.length} variables lack metadata: ${missing.map((m) => m.field).join(", ")}`,
      {
        path: ctx.dPath,
        field: first.field,
        hint: "set variables.<name>.gcmd_keyword_url (https://gcmd.earthdata.nasa.gov/KeywordViewer/) and description in the dataset config, or skip: true",
        details: missing,
      },
    );
  }
  return out;
}
