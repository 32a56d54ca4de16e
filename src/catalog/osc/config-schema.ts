// JSON Schemas and TypeScript types of the publication configs: deep-code's dataset and workflow YAML,
// every deep-code field plus eocube's additions (per-variable overrides, missions, keywords, technical officer,
// experiment parameters and input datasets, store_id/store_params).
import { ENTITY_ID_PATTERN, OSC_STATUSES, SLUG_ID_PATTERN, type OscStatus } from "./constants.js";
import { OSC_LICENSES } from "./licenses.js";
import { OSC_THEME_IDS } from "./themes.js";

/** One CF parameter of the product (`cf:parameter`); deep-code spells the unit `units`. */
export interface CfParameterConfig {
  name: string;
  units?: string;
  unit?: string;
}

/** Per-variable overrides, keyed by the data variable's name in the dataset. */
export interface VariableConfig {
  /** OSC variable id (folder under variables/); default: the name slugified (`conc_chl` → `conc-chl`). */
  id?: string;
  /** Title of a new variable catalog; default: the `long_name` attribute, else the variable name. */
  title?: string;
  /** Description of a new variable catalog; default: the `description` attribute, else "Long name (standard_name, units)" from the CF attributes. */
  description?: string;
  /** GCMD keyword viewer URL, the variable catalog's `via` "Description" link; default: the `gcmd_keyword_url` attribute. */
  gcmd_keyword_url?: string;
  /** Unit used in `cf:parameter`; default: the `units` attribute. */
  units?: string;
  /** Leave this variable out of the publication. */
  skip?: boolean;
}

/** An EO mission named by id (must exist in the catalog or be known to eocube) or defined in full. */
export type MissionConfig = string | { id: string; title: string; description: string; url: string };

/** The project technical officer (ESA), required by the OSC for new projects. */
export interface TechnicalOfficerConfig {
  name: string;
  email: string;
}

/** deep-code's dataset config (`dataset-config.yaml`) with eocube's additions. */
export interface DatasetConfig {
  /** deep-code: the data id in the DeepESDL store; eocube: a data id, local path, https:// or s3:// URL of the cube. */
  dataset_id: string;
  /** Where to read the cube when it differs from dataset_id; a list is tried in order (first that opens wins). */
  data_source?: string | string[];
  /** Data store id (`file`, `https`, `s3`, `memory`); default: told from the source. */
  store_id?: string;
  /** Data store parameters (xcube's store_params: root, storage_options, …). Never logged. */
  store_params?: Record<string, unknown>;
  /** OSC product id (folder under products/). */
  collection_id: string;
  /** SPDX licence id accepted by the OSC. */
  license_type: string;
  /** deep-code only (its STAC item upload); accepted and ignored with a warning. */
  stac_catalog_s3_root?: string;
  /** Product description; default: the dataset's `description`, `summary` or `title` attribute. */
  description?: string;
  /**
   * Time range `[start, end]` (ISO 8601 dates or date-times, `null` for open ends) for cubes without a time
   * coordinate (e.g. a GeoTIFF); when given it replaces the range read from the time coordinate.
   */
  time_range?: [string | null, string | null];
  /** Product title; default: the dataset's `title` attribute, else collection_id. */
  title?: string;
  osc_themes: string[];
  osc_region?: string;
  dataset_status?: OscStatus;
  documentation_link?: string;
  access_link?: string;
  visualisation_link?: string;
  osc_project?: string;
  osc_project_title?: string;
  osc_project_url?: string;
  osc_project_description?: string;
  /** Start of a new project (ISO 8601 date or date-time); default: the start of the product's temporal extent. */
  osc_project_start?: string;
  /** End of a new project (ISO 8601 date or date-time); default: the end of the product's temporal extent (open when unknown). */
  osc_project_end?: string;
  osc_project_technical_officer?: TechnicalOfficerConfig;
  osc_missions?: MissionConfig[];
  keywords?: string[];
  cf_parameter?: CfParameterConfig[];
  variables?: Record<string, VariableConfig>;
}

/** A contact of the workflow (OGC API Records contact). */
export interface ContactConfig {
  name: string;
  organization?: string;
  /** The contact's position (deep-code's Contact field; OGC API Records `position`). */
  position?: string;
  roles?: string[];
  emails?: { value: string; roles?: string[] }[];
  links?: LinkConfig[];
  contactInstructions?: string;
}

/** A link given in the workflow config. */
export interface LinkConfig {
  rel: string;
  href: string;
  type?: string;
  title?: string;
}

/** An input dataset of the experiment (written to input.yaml). */
export type InputDatasetConfig = string | { id?: string; title?: string; url: string };

/** deep-code's workflow config (`workflow-config.yaml`) with eocube's additions. */
export interface WorkflowConfig {
  workflow_id: string;
  /** Experiment id; default: workflow_id (deep-code uses the same id for both). */
  experiment_id?: string;
  /** Project of the workflow; default: the dataset config's osc_project. */
  osc_project?: string;
  properties: {
    title: string;
    description?: string;
    keywords?: string[];
    themes?: string[];
    license: string;
    jupyter_kernel_info?: { name?: string; python_version?: string | number; env_file?: string };
  };
  jupyter_notebook_url?: string;
  contact?: ContactConfig[];
  links?: LinkConfig[];
  /** Parameters of the experiment run (input.yaml `parameters`). */
  parameters?: Record<string, unknown>;
  /** Input datasets of the experiment (input.yaml `input_datasets`). */
  input_datasets?: InputDatasetConfig[];
}

const uri = { type: "string", format: "uri" } as const;
/** An ISO 8601 date or UTC date-time (time_range, osc_project_start/end). */
const ISO_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]00:?00)?)?$";
const themes = { type: "array", minItems: 1, uniqueItems: true, items: { enum: OSC_THEME_IDS } } as const;
const link = {
  type: "object",
  additionalProperties: false,
  required: ["rel", "href"],
  properties: { rel: { type: "string", minLength: 1 }, href: uri, type: { type: "string" }, title: { type: "string" } },
} as const;

/** JSON Schema of {@link DatasetConfig} (draft-07, for ajv). */
export const DATASET_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/dataset-config.json",
  type: "object",
  additionalProperties: false,
  required: ["dataset_id", "collection_id", "license_type", "osc_themes"],
  properties: {
    dataset_id: { type: "string", minLength: 1 },
    data_source: {
      anyOf: [
        { type: "string", minLength: 1 },
        { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
      ],
    },
    store_id: { type: "string", pattern: "^[a-z][a-z0-9_-]*$" },
    store_params: { type: "object" },
    collection_id: { type: "string", pattern: ENTITY_ID_PATTERN },
    license_type: { enum: OSC_LICENSES },
    stac_catalog_s3_root: { type: "string" },
    description: { type: "string", minLength: 1 },
    title: { type: "string", minLength: 1 },
    time_range: {
      type: "array",
      minItems: 2,
      maxItems: 2,
      items: { anyOf: [{ type: "null" }, { type: "string", pattern: ISO_TIME_PATTERN }] },
    },
    osc_themes: themes,
    osc_region: { type: "string", minLength: 1 },
    dataset_status: { enum: OSC_STATUSES },
    documentation_link: uri,
    access_link: uri,
    visualisation_link: uri,
    osc_project: { type: "string", pattern: SLUG_ID_PATTERN },
    osc_project_title: { type: "string", minLength: 1 },
    osc_project_url: uri,
    osc_project_description: { type: "string", minLength: 1 },
    osc_project_start: { type: "string", pattern: ISO_TIME_PATTERN },
    osc_project_end: { type: "string", pattern: ISO_TIME_PATTERN },
    osc_project_technical_officer: {
      type: "object",
      additionalProperties: false,
      required: ["name", "email"],
      properties: { name: { type: "string", minLength: 2 }, email: { type: "string", format: "email" } },
    },
    osc_missions: {
      type: "array",
      uniqueItems: true,
      items: {
        anyOf: [
          { type: "string", pattern: SLUG_ID_PATTERN },
          {
            type: "object",
            additionalProperties: false,
            required: ["id", "title", "description", "url"],
            properties: {
              id: { type: "string", pattern: SLUG_ID_PATTERN },
              title: { type: "string", minLength: 1 },
              description: { type: "string", minLength: 1 },
              url: uri,
            },
          },
        ],
      },
    },
    keywords: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
    cf_parameter: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: { name: { type: "string", minLength: 1 }, units: { type: "string" }, unit: { type: "string" } },
      },
    },
    variables: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          id: { type: "string", pattern: SLUG_ID_PATTERN },
          title: { type: "string", minLength: 1 },
          description: { type: "string", minLength: 1 },
          gcmd_keyword_url: uri,
          units: { type: "string" },
          skip: { type: "boolean" },
        },
      },
    },
  },
} as const;

/** JSON Schema of {@link WorkflowConfig} (draft-07, for ajv). */
export const WORKFLOW_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/workflow-config.json",
  type: "object",
  additionalProperties: false,
  required: ["workflow_id", "properties"],
  properties: {
    workflow_id: { type: "string", pattern: ENTITY_ID_PATTERN },
    experiment_id: { type: "string", pattern: ENTITY_ID_PATTERN },
    osc_project: { type: "string", pattern: SLUG_ID_PATTERN },
    properties: {
      type: "object",
      additionalProperties: false,
      required: ["title", "license"],
      properties: {
        title: { type: "string", minLength: 1 },
        description: { type: "string", minLength: 1 },
        keywords: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
        themes,
        license: { enum: OSC_LICENSES },
        jupyter_kernel_info: {
          type: "object",
          additionalProperties: false,
          properties: {
            name: { type: "string" },
            python_version: { type: ["string", "number"] },
            env_file: uri,
          },
        },
      },
    },
    jupyter_notebook_url: uri,
    contact: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          name: { type: "string", minLength: 1 },
          organization: { type: "string" },
          position: { type: "string" },
          roles: { type: "array", items: { type: "string", minLength: 1 } },
          emails: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["value"],
              properties: { value: { type: "string", format: "email" }, roles: { type: "array", items: { type: "string" } } },
            },
          },
          links: { type: "array", items: link },
          contactInstructions: { type: "string" },
        },
      },
    },
    links: { type: "array", items: link },
    parameters: { type: "object" },
    input_datasets: {
      type: "array",
      items: {
        anyOf: [
          uri,
          {
            type: "object",
            additionalProperties: false,
            required: ["url"],
            properties: { id: { type: "string" }, title: { type: "string" }, url: uri },
          },
        ],
      },
    },
  },
} as const;
