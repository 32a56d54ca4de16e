// The product's EO missions: existing mission catalogs reused, new ones built from eocube's known missions or
// a full definition in the dataset config.
import { EocubeError } from "../../../core/errors.js";
import type { MissionConfig } from "../config-schema.js";
import { KNOWN_MISSIONS, missionCatalog } from "../entities.js";
import { entityPath } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import { checkCaseCollision, titleOf, type BuildContext } from "./context.js";

/** One EO mission of the product; `doc` is the catalog of a mission new to the catalog. */
export interface PlannedMission {
  id: string;
  title: string;
  doc?: Record<string, unknown>;
}

/**
 * Plans the missions of `osc_missions` in order: a mission in the catalog keeps its title; a new one is a
 * {@link KNOWN_MISSIONS} id or `{id, title, description, url}`.
 * @throws EocubeError INVALID_CONFIG naming `osc_missions[i]` and the missions to choose from.
 */
export async function planMissions(ctx: BuildContext, missions: MissionConfig[]): Promise<PlannedMission[]> {
  const out: PlannedMission[] = [];
  for (const [i, m] of missions.entries()) {
    const id = typeof m === "string" ? m : m.id;
    if (await ctx.ws.exists(entityPath("eo-missions", id))) {
      out.push({ id, title: await titleOf(ctx, "eo-missions", id) });
      continue;
    }
    await checkCaseCollision(ctx, "eo-missions", id, `osc_missions[${i}]`, ctx.dPath);
    const def = typeof m === "string" ? KNOWN_MISSIONS[id] : m;
    if (!def) {
      const have = (((await ctx.ws.json("eo-missions/catalog.json"))?.links as LinkJson[] | undefined) ?? [])
        .filter((l) => l.rel === "child")
        .flatMap((l) => l.href.split("/").slice(-2, -1))
        .concat(Object.keys(KNOWN_MISSIONS));
      throw new EocubeError("INVALID_CONFIG", `EO mission "${id}" is neither in the catalog nor known to eocube`, {
        path: ctx.dPath,
        field: `osc_missions[${i}]`,
        hint: `use one of: ${[...new Set(have)].sort().join(", ")}; or define it: {id, title, description, url}`,
      });
    }
    out.push({
      id,
      title: def.title,
      doc: missionCatalog({ id, title: def.title, description: def.description, url: def.url, now: ctx.now }),
    });
  }
  return out;
}
