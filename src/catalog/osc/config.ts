// Loads and validates the dataset and workflow configs (YAML) through the config edge (core/config): errors
// name the file, line, field and allowed values; OSC ids and dates are worded for people.
import { isMapping, loadYamlConfig, parseYamlConfig, type PatternText, type YamlConfigOptions } from "../../core/config/index.js";
import { ENTITY_ID_PATTERN, SLUG_ID_PATTERN, slugify } from "./constants.js";
import {
  DATASET_CONFIG_SCHEMA,
  ISO_TIME_PATTERN,
  WORKFLOW_CONFIG_SCHEMA,
  type DatasetConfig,
  type WorkflowConfig,
} from "./config-schema.js";

export type * from "./config-schema.js";
export { DATASET_CONFIG_SCHEMA, WORKFLOW_CONFIG_SCHEMA } from "./config-schema.js";

/** How the OSC configs' patterns are named in messages. */
const PATTERNS: Record<string, PatternText> = {
  [SLUG_ID_PATTERN]: { what: "a safe OSC id", hint: "use lower-case letters, digits and single hyphens", suggest: slugify },
  [ENTITY_ID_PATTERN]: {
    what: "a safe OSC id",
    hint: "use letters, digits and single '-', '_' or '.' (no spaces, slashes or '..')",
    suggest: (s) => s.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || undefined,
  },
  [ISO_TIME_PATTERN]: { what: "an ISO 8601 date or date-time", hint: "write e.g. 2017-01-16 or 2017-01-16T10:00:00Z" },
};

const TEMPLATE_HINT = "write templates with `eocube generate-config`";
const COMMON: YamlConfigOptions = { patterns: PATTERNS, mappingHint: TEMPLATE_HINT };

/**
 * Key under which the loaders record the config file on the returned object (not enumerable, so it never
 * reaches JSON); the builder names that file in its errors.
 */
export const CONFIG_PATH: unique symbol = Symbol.for("eocube.configPath");

/** The file a config was loaded from (see {@link CONFIG_PATH}), if known. */
export function configPathOf(config: object | undefined): string | undefined {
  return config ? ((config as Record<symbol, unknown>)[CONFIG_PATH] as string | undefined) : undefined;
}

function withPath<T extends object>(config: T, path: string): T {
  Object.defineProperty(config, CONFIG_PATH, { value: path, enumerable: false });
  return config;
}

/**
 * Key under which the loaders record notes about what they changed in a config as deep-code does (e.g. a
 * normalised workflow_id); not enumerable. The builder turns them into warnings of the plan.
 */
export const CONFIG_NOTES: unique symbol = Symbol.for("eocube.configNotes");

/** The notes the loader made about a config (see {@link CONFIG_NOTES}); empty when none. */
export function configNotesOf(config: object | undefined): string[] {
  return config ? (((config as Record<symbol, unknown>)[CONFIG_NOTES] as string[] | undefined) ?? []) : [];
}

function addNote(config: Record<string, unknown>, note: string): void {
  const notes = configNotesOf(config);
  if (notes.length === 0) Object.defineProperty(config, CONFIG_NOTES, { value: notes, enumerable: false });
  notes.push(note);
}

/**
 * deep-code's normalisation of a workflow id (`Publisher._normalize_name`): spaces → `-`, lower case.
 * `"My Workflow"` → `"my-workflow"`.
 */
export function normalizeWorkflowId(id: string): string {
  return id.replace(/ /g, "-").toLowerCase();
}

/** Text of deep-code's product description when neither the config nor the dataset gives one. */
export const DEEP_CODE_DEFAULT_DESCRIPTION = "No description available.";

/** Options of the config loaders. */
export interface LoadConfigOptions {
  signal?: AbortSignal;
}

/**
 * Reads and validates a dataset config (deep-code's `dataset-config.yaml`).
 * @throws EocubeError NOT_FOUND when the file is missing; INVALID_CONFIG naming the file and line, the field
 *   (dotted path) and the allowed values.
 */
export async function loadDatasetConfig(path: string, options: LoadConfigOptions = {}): Promise<DatasetConfig> {
  const { value } = await loadYamlConfig<DatasetConfig>(path, DATASET_CONFIG_SCHEMA, {
    ...COMMON,
    prepare: prepareDataset,
    hint: TEMPLATE_HINT,
    signal: options.signal,
  });
  return withPath(value, path);
}

/**
 * Reads and validates a workflow config (deep-code's `workflow-config.yaml`).
 * @throws EocubeError NOT_FOUND, INVALID_CONFIG (see {@link loadDatasetConfig}).
 */
export async function loadWorkflowConfig(path: string, options: LoadConfigOptions = {}): Promise<WorkflowConfig> {
  const { value } = await loadYamlConfig<WorkflowConfig>(path, WORKFLOW_CONFIG_SCHEMA, {
    ...COMMON,
    prepare: prepareWorkflow,
    hint: TEMPLATE_HINT,
    signal: options.signal,
  });
  return withPath(value, path);
}

/**
 * Parses and validates dataset-config YAML text. As deep-code reads it: theme ids are lower-cased and top-level
 * fields left empty (`osc_region:` → null) count as absent.
 * @param file the file name used in messages.
 * @throws EocubeError INVALID_CONFIG (invalid YAML with line/column, or a schema violation naming the field).
 */
export function parseDatasetConfig(text: string, file: string): DatasetConfig {
  return parseYamlConfig<DatasetConfig>(text, file, DATASET_CONFIG_SCHEMA, { ...COMMON, prepare: prepareDataset }).value;
}

/**
 * Parses and validates workflow-config YAML text. As deep-code reads it: theme ids are lower-cased, empty fields
 * (null) count as absent, and `workflow_id` is normalised (spaces → `-`, lower case; noted, see {@link configNotesOf}).
 * @throws EocubeError INVALID_CONFIG (see {@link parseDatasetConfig}).
 */
export function parseWorkflowConfig(text: string, file: string): WorkflowConfig {
  return parseYamlConfig<WorkflowConfig>(text, file, WORKFLOW_CONFIG_SCHEMA, { ...COMMON, prepare: prepareWorkflow }).value;
}

const lower = (themes: unknown[]) => themes.map((t) => (typeof t === "string" ? t.toLowerCase() : t));

/** Drops members whose value is null: deep-code reads every optional field with `config.get(key) or default`. */
function dropNulls(value: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(value)) if (v === null) delete value[k];
}

function prepareDataset(value: unknown): void {
  if (!isMapping(value)) return;
  dropNulls(value);
  if (Array.isArray(value.osc_themes)) value.osc_themes = lower(value.osc_themes);
}

const prepareWorkflow: YamlConfigOptions["prepare"] = (value, parsed) => {
  if (!isMapping(value)) return;
  dropNulls(value);
  if (typeof value.workflow_id === "string") {
    const id = normalizeWorkflowId(value.workflow_id);
    if (id !== value.workflow_id) {
      addNote(value, `workflow_id "${value.workflow_id}" is published as "${id}" (deep-code's normalisation: spaces → '-', lower case)`);
      value.workflow_id = id;
    }
  }
  if (!isMapping(value.properties)) return;
  dropNulls(value.properties);
  if (Array.isArray(value.properties.themes)) value.properties.themes = lower(value.properties.themes);
  // an unquoted `python_version: 3.10` is the YAML number 3.1: keep the version as written (a string) then
  const kernel = value.properties.jupyter_kernel_info;
  if (isMapping(kernel) && typeof kernel.python_version === "number") {
    const written = parsed.source(["properties", "jupyter_kernel_info", "python_version"]);
    if (written !== undefined && /^\d+(\.\d+)*$/.test(written) && written !== String(kernel.python_version))
      kernel.python_version = written;
  }
};
