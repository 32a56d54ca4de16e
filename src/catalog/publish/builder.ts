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
  /** Ask for missing values (a variable's GCMD keyword URL) on the terminal; honoured only on a TTY. */
  interactive?: boolean;
  /** The question asker used with `interactive` [default: the builder's readline on stdin/stderr]. */
  prompt?: (question: string) => Promise<string>;
}

type BuildFn = (dataset: unknown, workflow: unknown, catalogDir: string, options: Record<string, unknown>) => Promise<PublicationPlan>;

async function importOsc(name: string): Promise<Record<string, unknown>> {
  // resolved at run time so that the publisher does not depend on the builder's internal file layout
  return (await import(`../osc/${name}.js`)) as Record<string, unknown>;
}

async function findBuild(): Promise<BuildFn> {
  for (const name of ["build", "index"]) {
    const mod = await importOsc(name).catch(() => undefined);
    if (mod && typeof mod.buildPublication === "function") return mod.buildPublication as BuildFn;
  }
  throw new EocubeError("UNSUPPORTED", "the OSC publication builder (buildPublication) is not available in this build of eocube");
}

/**
 * Loads the configs with the OSC config loaders — the dataset config always (the builder reads its themes and
 * project even for mode workflow, as deep-code does), the workflow config unless mode is "dataset" — and returns a
 * {@link PlanBuilder} calling `buildPublication(dataset, workflow, catalogDir, {mode, now, configPaths, interactive})`.
 * @throws EocubeError NOT_FOUND / INVALID_CONFIG from the loaders (naming file and field).
 */
export async function configPlanBuilder(datasetConfigPath: string, workflowConfigPath: string | undefined, options: ConfigBuilderOptions): Promise<PlanBuilder> {
  const config = await importOsc("config");
  const loadDataset = config.loadDatasetConfig as (p: string) => Promise<unknown>;
  const loadWorkflow = config.loadWorkflowConfig as (p: string) => Promise<unknown>;
  const dataset = await loadDataset(datasetConfigPath);
  const useWorkflow = options.mode !== "dataset" && workflowConfigPath !== undefined;
  const workflow = useWorkflow ? await loadWorkflow(workflowConfigPath) : undefined;
  const build = await findBuild();
  const ds = dataset as { collection_id?: string };
  const wf = workflow as { workflow_id?: string } | undefined;
  const publicationId = options.mode === "workflow" ? wf?.workflow_id : (ds.collection_id ?? wf?.workflow_id);
  const builder: PlanBuilder = (catalogDir: string) =>
    build(dataset, workflow, catalogDir, {
      mode: options.mode,
      now: options.now,
      configPaths: { dataset: datasetConfigPath, ...(useWorkflow ? { workflow: workflowConfigPath } : {}) },
      interactive: options.interactive === true,
      ...(options.prompt ? { prompt: options.prompt } : {}),
    });
  if (publicationId) builder.publicationId = publicationId;
  return builder;
}
