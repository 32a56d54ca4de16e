// The bridge to the OSC builder (catalog/osc): loads the configs and makes the plan builder for `publish`.
import { buildPublication } from "../osc/build/index.js";
import { loadDatasetConfig, loadWorkflowConfig } from "../osc/config.js";
import type { PlanBuilder } from "./publish.js";

/** What `-m` publishes: everything (deep-code's default), the dataset only, or the workflow/experiment only. */
export type PublishMode = "all" | "dataset" | "workflow";

/** Options of {@link configPlanBuilder}. */
export interface ConfigBuilderOptions {
  mode: PublishMode;
  /** Time for `created`/`updated` fields [default now]. */
  now?: Date;
  /** Asks for missing values (a variable's GCMD keyword URL); without it nothing is asked (the CLI's terminal prompt with --interactive). */
  prompt?: (question: string) => Promise<string>;
  signal?: AbortSignal;
}

/**
 * Loads the configs with the OSC config loaders — the dataset config always (the builder reads its themes and
 * project even for mode workflow, as deep-code does), the workflow config unless mode is "dataset" — and returns a
 * {@link PlanBuilder} calling `buildPublication(dataset, workflow, catalogDir, {mode, now, configPaths, prompt})`,
 * whose `publicationId` is the collection id (mode workflow: the workflow id).
 * @throws EocubeError NOT_FOUND / INVALID_CONFIG from the loaders (naming file and field).
 */
export async function configPlanBuilder(
  datasetConfigPath: string,
  workflowConfigPath: string | undefined,
  options: ConfigBuilderOptions,
): Promise<PlanBuilder> {
  const dataset = await loadDatasetConfig(datasetConfigPath, { signal: options.signal });
  const useWorkflow = options.mode !== "dataset" && workflowConfigPath !== undefined;
  const workflow = useWorkflow ? await loadWorkflowConfig(workflowConfigPath, { signal: options.signal }) : undefined;
  const builder: PlanBuilder = (catalogDir: string) =>
    buildPublication(dataset, workflow, catalogDir, {
      mode: options.mode,
      now: options.now,
      signal: options.signal,
      configPaths: { dataset: datasetConfigPath, ...(useWorkflow ? { workflow: workflowConfigPath } : {}) },
      ...(options.prompt ? { prompt: options.prompt } : {}),
    });
  const id = options.mode === "workflow" ? workflow?.workflow_id : (dataset.collection_id ?? workflow?.workflow_id);
  if (id) builder.publicationId = id;
  return builder;
}
