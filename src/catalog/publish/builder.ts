// The bridge to the OSC builder (catalog/osc): loads the configs and makes the plan builder for `publish`.
import { EocubeError } from "../../core/errors.js";
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
  /** Environment read for deep-code's DeepESDL team bucket (`S3_USER_STORAGE_*`) [default process.env]. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/**
 * Loads the configs with the OSC config loaders — the dataset config when given (mode workflow: optional; its
 * project and themes are used then), the workflow config unless mode is "dataset" — and returns a
 * {@link PlanBuilder} calling `buildPublication(dataset, workflow, catalogDir, {mode, now, configPaths, prompt})`,
 * whose `publicationId` is the collection id (mode workflow: the workflow id).
 * @throws EocubeError NOT_FOUND / INVALID_CONFIG from the loaders (naming file and field); INVALID_ARGUMENT when the
 *   mode's config is missing.
 */
export async function configPlanBuilder(
  datasetConfigPath: string | undefined,
  workflowConfigPath: string | undefined,
  options: ConfigBuilderOptions,
): Promise<PlanBuilder> {
  if (options.mode !== "workflow" && datasetConfigPath === undefined) {
    throw new EocubeError("INVALID_ARGUMENT", `publishing mode "${options.mode}" needs a dataset config`, {
      field: "--dataset-config",
      hint: "give the dataset config file, or use mode workflow",
    });
  }
  if (options.mode === "workflow" && workflowConfigPath === undefined) {
    throw new EocubeError("INVALID_ARGUMENT", 'publishing mode "workflow" needs a workflow config', {
      field: "--workflow-config",
      hint: "give the workflow config file",
    });
  }
  const dataset = datasetConfigPath === undefined ? undefined : await loadDatasetConfig(datasetConfigPath, { signal: options.signal });
  const useWorkflow = options.mode !== "dataset" && workflowConfigPath !== undefined;
  const workflow = useWorkflow ? await loadWorkflowConfig(workflowConfigPath, { signal: options.signal }) : undefined;
  const builder: PlanBuilder = (catalogDir: string) =>
    buildPublication(dataset, workflow, catalogDir, {
      mode: options.mode,
      now: options.now,
      signal: options.signal,
      configPaths: { ...(dataset ? { dataset: datasetConfigPath } : {}), ...(useWorkflow ? { workflow: workflowConfigPath } : {}) },
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  const id = options.mode === "workflow" ? workflow?.workflow_id : (dataset?.collection_id ?? workflow?.workflow_id);
  if (id) builder.publicationId = id;
  return builder;
}
