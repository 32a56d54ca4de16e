// The typed context one buildPublication run threads through its steps (workspace, options, clock, warnings,
// config paths), and the small catalog look-ups every step shares (themes, titles, sub-catalog entries).
import { EocubeError } from "../../../core/errors.js";
import type { Dataset } from "../../../core/dataset.js";
import type { EntityFolder } from "../constants.js";
import type { DatasetConfig, WorkflowConfig } from "../config-schema.js";
import { KNOWN_PROJECTS } from "../entities.js";
import { entityPath, relatedLink, subCatalogEntryLink } from "../links.js";
import type { LinkJson } from "../../stac/link.js";
import type { CatalogWorkspace } from "../workspace.js";

/** Options of {@link buildPublication}. */
export interface BuildPublicationOptions {
  /** What to publish: the product and the workflow/experiment ("all", the default), or one of them. */
  mode?: "all" | "dataset" | "workflow";
  /** Time of `created`/`updated` [default now]. */
  now?: Date;
  signal?: AbortSignal;
  /** The cube, already open (else it is opened from data_source/dataset_id through the stores). */
  dataset?: Dataset;
  /** Opens a cube (default: openDataset of src/stores). */
  open?: (source: string, options: { storeId?: string; storeParams?: Record<string, unknown>; signal?: AbortSignal }) => Promise<Dataset>;
  /** The config files, named in errors. */
  configPaths?: { dataset?: string; workflow?: string };
  /**
   * Environment variables read for deep-code's DeepESDL team bucket (`S3_USER_STORAGE_BUCKET`, `_KEY`, `_SECRET`)
   * [default process.env].
   */
  env?: Record<string, string | undefined>;
  /**
   * Asks for a missing value (a new variable's GCMD keyword URL) and resolves to the answer; the answer is trimmed
   * and an empty one means "no answer". Without it nothing is asked (the CLI passes a terminal prompt with
   * `--interactive` on a TTY).
   */
  prompt?: (question: string) => Promise<string>;
}

/** What every step of one publication build reads and appends to. */
export interface BuildContext {
  ws: CatalogWorkspace;
  opts: BuildPublicationOptions;
  /** The publication mode (the options' mode, default "all"). */
  mode: "all" | "dataset" | "workflow";
  /** `created`/`updated` time of new and patched entities (ISO 8601, Z). */
  now: string;
  /** Warnings of the plan; steps append to it. */
  warnings: string[];
  /** The dataset config file, named in errors. */
  dPath?: string;
  /** The workflow config file, named in errors. */
  wPath?: string;
  /** The dataset config (absent only in mode "workflow"). */
  dc?: DatasetConfig;
  /** The workflow config (absent in mode "dataset"). */
  wc?: WorkflowConfig;
}

/** A build context with its dataset config (the product's steps). */
export type DatasetContext = BuildContext & { dc: DatasetConfig };

/** True when the context holds a dataset config (narrows it to a {@link DatasetContext}). */
export function hasDatasetConfig(ctx: BuildContext): ctx is DatasetContext {
  return ctx.dc !== undefined;
}

/**
 * Checks that every theme id is a theme of the catalog (`themes/<id>/catalog.json`).
 * @throws EocubeError INVALID_CONFIG naming `configPath` and `<field>[i]`.
 */
export async function checkThemes(ctx: BuildContext, themeIds: readonly string[], field: string, configPath?: string): Promise<void> {
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

/** The title of a catalog entity, else its id. */
export async function titleOf(ctx: BuildContext, folder: EntityFolder, id: string): Promise<string> {
  return (await ctx.ws.title(entityPath(folder, id))) ?? id;
}

/**
 * The title of project `projectId`: as in the catalog, else (a project this publication creates) the dataset config's
 * `osc_project_title`, else the real catalog's title of a {@link KNOWN_PROJECTS} project, else the id title-cased.
 */
export async function projectTitle(ctx: BuildContext, projectId: string): Promise<string> {
  return (
    (await ctx.ws.title(entityPath("projects", projectId))) ??
    ctx.dc?.osc_project_title ??
    KNOWN_PROJECTS[projectId]?.title ??
    titleCase(projectId)
  );
}

/** `related` links to the themes, titled as in the catalog. */
export async function themeLinks(ctx: BuildContext, themeIds: readonly string[]): Promise<LinkJson[]> {
  const out: LinkJson[] = [];
  for (const id of themeIds) out.push(relatedLink("themes", id, await titleOf(ctx, "themes", id)));
  return out;
}

/** Adds `child`/`item` entries to a sub-catalog (`products/catalog.json`, …). */
export async function addToSubCatalog(ctx: BuildContext, folder: EntityFolder, id: string, title: string): Promise<void> {
  await ctx.ws.appendLinks(`${folder}/catalog.json`, [subCatalogEntryLink(folder, id, title)]);
}

/** A string attribute trimmed, or undefined when it is no string or blank. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;
}

/** A title made from a hyphenated id: `deep-earth` → `Deep Earth`. */
export function titleCase(id: string): string {
  return id
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

/**
 * Refuses a new entity whose id differs only in case from an entry of the same sub-catalog (`products/Polaris`
 * beside `products/polaris`): the OSC CI also runs on Windows, whose file system takes them for one folder.
 * An entity that already exists under exactly this id passes.
 * @throws EocubeError INVALID_CONFIG naming `configPath` and `field`, with the existing id in the hint.
 */
export async function checkCaseCollision(
  ctx: BuildContext,
  folder: EntityFolder,
  id: string,
  field: string,
  configPath?: string,
): Promise<void> {
  if (await ctx.ws.exists(entityPath(folder, id))) return;
  const twin = (await ctx.ws.ids(folder)).find((x) => x !== id && x.toLowerCase() === id.toLowerCase());
  if (twin === undefined) return;
  throw new EocubeError(
    "INVALID_CONFIG",
    `${folder}/${id} would sit beside ${folder}/${twin}: ids that differ only in case are one folder on a case-insensitive file system (the OSC CI runs on Windows too)`,
    { path: configPath, field, hint: `publish into the existing one (${field}: ${twin}) or choose another id` },
  );
}
