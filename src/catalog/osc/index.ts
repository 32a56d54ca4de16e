// Public API of the OSC builder: configs, catalog init, templates, the publication builder and its helpers.
export { buildPublication, DEFAULT_PROJECT, type BuildPublicationOptions } from "./build/index.js";
export {
  loadDatasetConfig,
  loadWorkflowConfig,
  parseDatasetConfig,
  parseWorkflowConfig,
  configPathOf,
  CONFIG_PATH,
  DATASET_CONFIG_SCHEMA,
  WORKFLOW_CONFIG_SCHEMA,
  type LoadConfigOptions,
} from "./config.js";
export type {
  DatasetConfig,
  WorkflowConfig,
  VariableConfig,
  MissionConfig,
  CfParameterConfig,
  ContactConfig,
  LinkConfig,
  InputDatasetConfig,
  TechnicalOfficerConfig,
} from "./config-schema.js";
export { initCatalog, emptyCatalogFiles, type InitCatalogOptions, type InitCatalogResult } from "./init.js";
export {
  writeConfigTemplates,
  datasetConfigTemplate,
  workflowConfigTemplate,
  DATASET_TEMPLATE_NAME,
  WORKFLOW_TEMPLATE_NAME,
  type WriteTemplatesOptions,
} from "./templates.js";
export { readDatasetInfo, type DatasetInfo, type DataVariableInfo, type DatasetInfoOptions } from "./dataset-info.js";
export { OSC_THEMES, OSC_THEME_IDS, type OscTheme } from "./themes.js";
export { OSC_LICENSES } from "./licenses.js";
export {
  OSC_BASE_URL,
  OSC_STATUSES,
  SUB_CATALOGS,
  SLUG_ID_PATTERN,
  ENTITY_ID_PATTERN,
  slugify,
  assertSafeId,
  type OscStatus,
  type EntityFolder,
} from "./constants.js";
export type { PublicationPlan, PlannedFile } from "./plan.js";
export {
  loadExperiment,
  reproduceExperiment,
  workflowNeeds,
  type Experiment,
  type LoadExperimentOptions,
  type ReproduceOptions,
  type ReproduceResult,
  type WorkflowNeeds,
} from "./reproduce/index.js";
export type { GenRuntime } from "./records.js";
