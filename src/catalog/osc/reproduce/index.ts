// Barrel of reproduce: reading published experiments and re-running eocube gen ones.
export { loadExperiment, type Experiment, type LoadExperimentOptions } from "./experiment.js";
export { reproduceExperiment, workflowNeeds, type ReproduceOptions, type ReproduceResult, type WorkflowNeeds } from "./reproduce.js";
