// The studio's publishing form on the server side: pre-fills deep-code style configs from a dataset (read through the
// stores), suggests existing OSC variables, checks the configs field by field, and writes them as the CLI reads them.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { stringify } from "yaml";
import { schemaProblems, schemaValidator, type ConfigProblem } from "../core/config/index.js";
import { DEFAULT_PROJECT } from "../catalog/osc/build/index.js";
import { slugify } from "../catalog/osc/constants.js";
import { DATASET_CONFIG_SCHEMA, WORKFLOW_CONFIG_SCHEMA, type DatasetConfig, type WorkflowConfig } from "../catalog/osc/config.js";
import { readDatasetInfo } from "../catalog/osc/dataset-info.js";
import { type CatalogVariable, matchVariables, type VariableCandidate } from "../catalog/osc/build/variable-match.js";
import type { CatalogIndex } from "./catalog-index.js";

/** A data variable of the inspected dataset with the existing OSC variables it may be. */
export interface InspectedVariable {
  name: string;
  dims: string[];
  longName?: string;
  units?: string;
  standardName?: string;
  gcmdKeywordUrl?: string;
  /** Existing OSC variables it may be, best first, each with its GCMD keyword link when it has one. */
  suggestions: Array<VariableCandidate & { gcmd?: string }>;
}

/** What {@link inspectDataset} read: the facts and a dataset config pre-filled with them. */
export interface InspectResult {
  source: string;
  bbox: [number, number, number, number];
  crs: string;
  timeRange?: [string, string];
  variables: InspectedVariable[];
  /** The dataset config pre-filled with what can be read (themes, licence, project left for the user). */
  config: Partial<DatasetConfig>;
  /**
   * The workflow config pre-filled with what can be read: `gen_request`, the request named by the history attribute
   * of a cube made by `eocube gen` (as it was given to gen, relative to the folder gen ran in).
   */
  workflow: Partial<WorkflowConfig>;
}

/** The existing variables of the catalog as the variable-reuse rules read them (catalog/osc/build/variable-match). */
export function catalogVariablesOf(index: CatalogIndex): CatalogVariable[] {
  return index
    .list("variable")
    .map((e) => ({ id: e.id, title: e.title, description: e.description, via: e.links.filter((l) => l.rel === "via").map((l) => l.href) }));
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : undefined);
const isGcmd = (href: string) => /gcmd\.earthdata\.nasa\.gov/i.test(href);

/**
 * Opens `source` (a local path or an http(s)/s3 URL) through the stores (metadata and coordinates only) and returns
 * its bbox (WGS 84, pixel edges), time range and data variables, with the OSC variables each may be (same GCMD
 * keyword, standard_name or title) and a dataset config pre-filled with them.
 * @throws the stores' EocubeError (NOT_FOUND, UNSUPPORTED, …) naming the source.
 */
export async function inspectDataset(source: string, index: CatalogIndex, options: { signal?: AbortSignal } = {}): Promise<InspectResult> {
  const { openDataset } = await import("../stores/open.js");
  const ds = await openDataset(source, { signal: options.signal });
  try {
    const info = await readDatasetInfo(ds, { source, signal: options.signal });
    const known = catalogVariablesOf(index);
    const variables: InspectedVariable[] = info.variables.map((v) => {
      const longName = str(v.attrs.long_name);
      const gcmd = str(v.attrs.gcmd_keyword_url);
      const standardName = str(v.attrs.standard_name);
      const suggestions = matchVariables({ gcmd, standardName, titles: [longName ?? "", v.name.replace(/_/g, " ")] }, known).map((c) => {
        const href = known.find((k) => k.id === c.id)?.via.find(isGcmd);
        return { ...c, ...(href ? { gcmd: href } : {}) };
      });
      return {
        name: v.name,
        dims: v.dims,
        ...(longName ? { longName } : {}),
        ...(str(v.attrs.units) ? { units: str(v.attrs.units) } : {}),
        ...(standardName ? { standardName } : {}),
        ...(gcmd ? { gcmdKeywordUrl: gcmd } : {}),
        suggestions,
      };
    });
    const name = basename(source.replace(/\/+$/, "")).replace(/\.(zarr|nc|tiff?|h5|levels)$/i, "");
    const config: Partial<DatasetConfig> = {
      dataset_id: basename(source.replace(/\/+$/, "")),
      data_source: [source],
      collection_id: slugify(name),
      ...(str(info.attrs.title) ? { title: str(info.attrs.title) } : {}),
      ...(str(info.attrs.description ?? info.attrs.summary) ? { description: str(info.attrs.description ?? info.attrs.summary) } : {}),
      variables: Object.fromEntries(
        variables.map((v) => {
          const best = v.suggestions[0];
          const strong = best && best.reason !== "close title";
          const gcmdUrl = v.gcmdKeywordUrl ?? (strong ? best.gcmd : undefined);
          return [v.name, { id: strong ? best.id : slugify(v.name), ...(gcmdUrl ? { gcmd_keyword_url: gcmdUrl } : {}) }];
        }),
      ),
    };
    // a cube made by eocube gen names its request in its history ("… eocube gen <request>"), as publish's warning reads it
    const made = typeof info.attrs.history === "string" ? /eocube gen (\S+)\s*$/.exec(info.attrs.history)?.[1] : undefined;
    return {
      source,
      bbox: info.bbox,
      crs: info.crs,
      ...(info.timeRange ? { timeRange: info.timeRange } : {}),
      variables,
      config,
      workflow: made ? { gen_request: made } : {},
    };
  } finally {
    await (ds as { close?: () => Promise<void> }).close?.();
  }
}

/** A problem of the form's configs: the field as `dataset.<field>` or `workflow.<field>`, and what is wrong. */
export type FormProblem = ConfigProblem;

/**
 * Checks the form's configs against the config schemas (`DATASET_CONFIG_SCHEMA`, `WORKFLOW_CONFIG_SCHEMA`: the OSC
 * themes, licences, id patterns, …) and returns every problem, each naming its field (`dataset.osc_themes`,
 * `workflow.properties.license`), plus the OSC's rules that every product has a via link (a web cube URL, access_link or documentation_link), a new
 * project names its technical officer and website and a new
 * variable its GCMD keyword URL (with `index`, the catalog the publication goes to). Pure.
 */
export function checkConfigs(dataset: unknown, workflow: unknown, index?: CatalogIndex): FormProblem[] {
  const out: FormProblem[] = [];
  const run = (prefix: string, schema: typeof DATASET_CONFIG_SCHEMA | typeof WORKFLOW_CONFIG_SCHEMA, value: unknown) => {
    const validate = schemaValidator(schema);
    if (validate(value)) return;
    for (const p of schemaProblems(validate.errors ?? [], value)) out.push({ ...p, field: p.field ? `${prefix}.${p.field}` : prefix });
  };
  run("dataset", DATASET_CONFIG_SCHEMA, dataset);
  run("workflow", WORKFLOW_CONFIG_SCHEMA, workflow);
  const dc = dataset as Partial<DatasetConfig> | undefined;
  const newProject = index && dc?.osc_project && !index.get("project", dc.osc_project) && dc.osc_project !== DEFAULT_PROJECT;
  if (newProject && !dc.osc_project_technical_officer) {
    out.push({
      field: "dataset.osc_project_technical_officer",
      message: `the new project ${dc.osc_project} needs its ESA technical officer (name and email)`,
      hint: "give the technical officer, or choose an existing project",
    });
  }
  if (newProject && !dc.osc_project_url) {
    out.push({
      field: "dataset.osc_project_url",
      message: `the new project ${dc.osc_project} needs its website (its via link)`,
      hint: "give the project's URL, or choose an existing project",
    });
  }
  // the OSC requires a via link on every product: the cube's URL, else access_link or documentation_link
  if (dc && typeof dc === "object" && !dc.access_link && !dc.documentation_link) {
    const sources = dc.data_source === undefined ? [dc.dataset_id] : Array.isArray(dc.data_source) ? dc.data_source : [dc.data_source];
    if (!sources.some((s) => typeof s === "string" && /^(https?|s3):\/\//.test(s)))
      out.push({
        field: "dataset.access_link",
        message: "the OSC requires a via link on every product, and the dataset is no web or s3:// URL",
        hint: "give the access link (where users get the data) or a documentation link",
      });
  }
  // the OSC's rule for new variables (publish refuses them without): a GCMD keyword link
  for (const [name, v] of Object.entries(dc?.variables ?? {})) {
    if (!index || v?.skip) continue;
    const id = v?.id ?? slugify(name);
    if (!index.get("variable", id) && !v?.gcmd_keyword_url)
      out.push({
        field: `dataset.variables.${name}.gcmd_keyword_url`,
        message: `the new OSC variable ${id} needs its GCMD keyword URL`,
        hint: "paste the keyword's page from https://gcmd.earthdata.nasa.gov/KeywordViewer/, or choose an existing variable id",
      });
  }
  return out;
}

/**
 * The form's configs with the paths typed into it that publish reads relative to the config's folder made absolute
 * against `cwd` (the folder the studio serves from, where the dataset path is read too): the workflow's
 * `gen_request`. The configs are published from a temp folder, and the written configs then work from any folder.
 * Anything else, and values that are not configs, are returned as they are (the checks report them).
 */
export function absoluteFormPaths(dataset: unknown, workflow: unknown, cwd: string): { dataset: unknown; workflow: unknown } {
  const wc = workflow as Partial<WorkflowConfig> | undefined;
  if (!wc || typeof wc !== "object" || typeof wc.gen_request !== "string" || !wc.gen_request || isAbsolute(wc.gen_request))
    return { dataset, workflow };
  return { dataset, workflow: { ...wc, gen_request: resolve(cwd, wc.gen_request) } };
}

/**
 * The configs as YAML files with the names `eocube generate-config` writes (its templates, filled in), exactly what
 * `eocube publish dataset-config.yaml workflow-config.yaml` reads.
 */
export function configFiles(
  dataset: DatasetConfig,
  workflow: WorkflowConfig,
): { "dataset-config.yaml": string; "workflow-config.yaml": string } {
  const head = "# written by eocube studio; publish it again with: eocube publish dataset-config.yaml workflow-config.yaml --catalog DIR\n";
  return {
    "dataset-config.yaml": head + stringify(dataset, { lineWidth: 0 }),
    "workflow-config.yaml": head + stringify(workflow, { lineWidth: 0 }),
  };
}

/**
 * Writes the configs into a new temp folder and runs `fn` with their paths; the folder is removed afterwards.
 */
export async function withConfigFiles<T>(
  dataset: DatasetConfig,
  workflow: WorkflowConfig,
  fn: (paths: { dataset: string; workflow: string }) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "eocube-studio-"));
  try {
    const files = configFiles(dataset, workflow);
    const paths = { dataset: join(dir, "dataset-config.yaml"), workflow: join(dir, "workflow-config.yaml") };
    await writeFile(paths.dataset, files["dataset-config.yaml"]);
    await writeFile(paths.workflow, files["workflow-config.yaml"]);
    return await fn(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
