// The product's variables: which data variables become OSC variables (ids, skips), existing catalogs reused (by id,
// GCMD keyword, standard_name or title; asked or warned about for close titles), new ones built from the config
// and the cube's attributes (GCMD keyword URL, asked for when a prompt is given; titles in the OSC's title case).
import { EocubeError } from "../../../core/errors.js";
import { slugify } from "../constants.js";
import type { DatasetInfo } from "../dataset-info.js";
import { variableCatalog } from "../entities.js";
import { checkGcmdUrl, GCMD_KEYWORD_VIEWER } from "../gcmd.js";
import { entityPath } from "../links.js";
import { cfDescription, oscTitleCase, titleFromId } from "../texts.js";
import { repeatsIdOrTitle } from "../validate/extra.js";
import { checkCaseCollision, str, themeLinks, titleOf, type BuildContext, type DatasetContext } from "./context.js";
import { catalogVariables, describeCandidate, matchVariables, type VariableCandidate } from "./variable-match.js";

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
 * Which existing variable a data variable without a configured id is, if any: with a prompt, the user picks one of
 * the candidates (number or id) or none (empty answer); without one, the best candidate when its match is strong (same
 * GCMD keyword, standard_name or title; noted in the warnings), else none with a warning listing the close titles.
 */
async function chooseExisting(
  ctx: BuildContext,
  name: string,
  newId: string,
  candidates: VariableCandidate[],
): Promise<VariableCandidate | undefined> {
  if (candidates.length === 0) return undefined;
  const list = candidates.map((c, i) => `${i + 1}) ${describeCandidate(c)}`).join(", ");
  if (ctx.opts.prompt) {
    const answer = await ask(
      ctx,
      `data variable ${name} may be an existing OSC variable: ${list}; its number or id to use it, Enter for a new variable ${newId}: `,
    );
    if (!answer) return undefined;
    const n = Number(answer);
    const picked = Number.isInteger(n) && n >= 1 && n <= candidates.length ? candidates[n - 1] : candidates.find((c) => c.id === answer);
    if (picked) return picked;
    ctx.warnings.push(
      `data variable ${name}: the answer "${answer}" names none of the candidates (${list}); a new variable ${newId} is planned`,
    );
    return undefined;
  }
  const best = candidates[0]!;
  if (best.reason !== "close title") {
    const others = candidates.length > 1 ? `; other candidates: ${candidates.slice(1).map(describeCandidate).join(", ")}` : "";
    ctx.warnings.push(
      `data variable ${name} is published as the existing OSC variable ${best.id} ("${best.title}", same ${best.reason})${others}; set variables.${name}.id to choose another`,
    );
    return best;
  }
  ctx.warnings.push(
    `data variable ${name} becomes the new variable ${newId}, but the catalog has variables with a close title: ${candidates.map(describeCandidate).join(", ")}; set variables.${name}.id to one of them to reuse it (or run with --interactive)`,
  );
  return undefined;
}

/**
 * Plans the OSC variables of the cube's data variables (in cube order, `skip: true` ones left out): the
 * configured or slugified id; an existing variable catalog is reused with its title; a data variable without a
 * configured id whose slug is not in the catalog is matched against the catalog's variables (see
 * {@link chooseExisting}, `matchVariables`); a new one needs a GCMD keyword URL (config, `gcmd_keyword_url`
 * attribute, or asked for up to 3 times through the prompt) and a description (config, attribute, or made from CF
 * attributes), and its title is the configured one, else its long_name in the OSC's title case, else its name in words.
 * @throws EocubeError INVALID_CONFIG naming the dataset config and field: a configured variable the cube lacks,
 *   a gcmd_keyword_url that is no web URL, an id differing only in case from an existing one, or every new
 *   variable lacking an id, GCMD URL or description (in `details`, with the existing variables it may be).
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
    const longName = str(v.attrs.long_name);
    const title = vc.title ?? (longName ? oscTitleCase(longName) : titleFromId(v.name));
    // an existing variable it may be (same GCMD keyword, standard_name or title): reuse it rather than add a twin
    const candidates =
      vc.id === undefined
        ? matchVariables(
            { gcmd, standardName: str(v.attrs.standard_name), titles: [title, longName ?? "", titleFromId(v.name)] },
            await catalogVariables(ctx),
          )
        : [];
    const chosen = await chooseExisting(ctx, v.name, id, candidates);
    if (chosen) {
      const twin = out.find((p) => p.id === chosen.id);
      out.push(twin ? { ...twin, name: v.name } : { name: v.name, id: chosen.id, title: chosen.title, isNew: false });
      continue;
    }
    await checkCaseCollision(ctx, "variables", id, `variables.${v.name}.id`, ctx.dPath);
    const maybe = candidates.length > 0 ? `; existing variables it may be: ${candidates.map(describeCandidate).join(", ")}` : "";
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
        message: `new variable ${id} (data variable ${v.name}) needs a GCMD keyword URL${maybe}`,
      });
    }
    if (!description) {
      missing.push({
        field: `variables.${v.name}.description`,
        message: `new variable ${id} (data variable ${v.name}) needs a description`,
      });
    }
    if (!gcmd || !description) continue;
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
        hint: "set variables.<name>.gcmd_keyword_url (https://gcmd.earthdata.nasa.gov/KeywordViewer/) and description in the dataset config, variables.<name>.id to an existing variable, or skip: true",
        details: missing,
      },
    );
  }
  return out;
}
