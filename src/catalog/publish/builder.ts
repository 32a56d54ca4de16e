// The bridge to the OSC builder (catalog/osc): loads the configs and makes the plan builder for `publish`.
import { EocubeError } from "../../core/errors.js";
import type { PublicationPlan } from "../osc/plan.js";
import type { PlanBuilder } from "./publish.js";

/** What `-m` publishes: everything (deep-code's default), the dataset only, or the workflow/experiment only. */
export type PublishMode = "all" | "dataset" | "workflow";

/** Options of {@link configPlanBuilder}. */
export interface ConfigBuilderOptions {
  mode: PublishMode;
  /** Time for `created`/`updated` fields [default now]. */
  now?: Date;
  /** Asks the user for missing values (only given with `--interactive` on a TTY). */
  prompt?: (question: string) => Promise<string>;
}

type BuildFn = (dataset: unknown, workflow: unknown, catalogDir: string, options: Record<string, unknown>) => Promise<PublicationPlan>;

async function importOsc(name: string): Promise<Record<string, unknown>> {
  // resolved at run time so that the publisher does not depend on the builder's internal file layout
  return (await import(`../osc/${name}.js`)) as Record<string, unknown>;
}

async function findBuild(): Promise<BuildFn> {
  for (const name of ["index", "build", "publication", "builder", "plan-build"]) {
    const mod = await importOsc(name).catch(() => undefined);
    if (mod && typeof mod.buildPublication === "function") return mod.buildPublication as BuildFn;
  }
  throw new EocubeError("UNSUPPORTED", "the OSC publication builder (buildPublication) is not available in this build of eocube");
}

/**
 * Loads the dataset config (mode all|dataset) and the workflow config (mode all|workflow) with the OSC config
 * loaders, then returns a {@link PlanBuilder} calling `buildPublication(dataset, workflow, catalogDir, {mode, now})`.
 * @throws EocubeError NOT_FOUND / INVALID_CONFIG from the loaders.
 */
export async function configPlanBuilder(datasetConfigPath: string | undefined, workflowConfigPath: string | undefined, options: ConfigBuilderOptions): Promise<PlanBuilder> {
  const config = await importOsc("config");
  const loadDataset = config.loadDatasetConfig as (p: string) => Promise<unknown>;
  const loadWorkflow = config.loadWorkflowConfig as (p: string) => Promise<unknown>;
  const dataset = options.mode !== "workflow" && datasetConfigPath ? await loadDataset(datasetConfigPath) : undefined;
  const workflow = options.mode !== "dataset" && workflowConfigPath ? await loadWorkflow(workflowConfigPath) : undefined;
  const build = await findBuild();
  return (catalogDir: string) =>
    build(dataset, workflow, catalogDir, { mode: options.mode, now: options.now, ...(options.prompt ? { prompt: options.prompt } : {}) });
}
