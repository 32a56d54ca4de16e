// JSON Schemas of the publication configs and the TypeScript types they declare (one declaration each):
// deep-code's dataset and workflow YAML, every deep-code field plus eocube's additions (per-variable
// overrides, missions, keywords, technical officer, experiment parameters and input datasets, store_id/store_params).
import type { ConfigType } from "../../core/config/index.js";
import { ENTITY_ID_PATTERN, OSC_STATUSES, SLUG_ID_PATTERN } from "./constants.js";
import { OSC_LICENSES } from "./licenses.js";
import { OSC_THEME_IDS } from "./themes.js";

const uri = { type: "string", format: "uri" } as const;
/** An ISO 8601 date or UTC date-time (time_range, osc_project_start/end). */
export const ISO_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]00:?00)?)?$";
const themes = { type: "array", minItems: 1, uniqueItems: true, items: { enum: OSC_THEME_IDS } } as const;

/** A licence value the OSC accepts (its `license` enum); the description is the hint of a wrong value. */
export const LICENSE_SCHEMA = {
  enum: OSC_LICENSES,
  description:
    'an SPDX licence id such as CC-BY-4.0 or MIT (https://spdx.org/licenses/), "various", "various open source" or "proprietary"',
} as const;

/** JSON Schema of a link given in the workflow config. */
export const LINK_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["rel", "href"],
  properties: { rel: { type: "string", minLength: 1 }, href: uri, type: { type: "string" }, title: { type: "string" } },
} as const;

/** JSON Schema of one CF parameter of the product (`cf:parameter`); deep-code spells the unit `units`. */
export const CF_PARAMETER_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: { name: { type: "string", minLength: 1 }, units: { type: "string" }, unit: { type: "string" } },
} as const;

/** JSON Schema of the per-variable overrides, keyed by the data variable's name in the dataset. */
export const VARIABLE_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    id: {
      type: "string",
      pattern: SLUG_ID_PATTERN,
      description: "OSC variable id (folder under variables/); default: the name slugified (`conc_chl` → `conc-chl`)",
    },
    title: {
      type: "string",
      minLength: 1,
      description: "title of a new variable catalog; default: the `long_name` attribute, else the variable name",
    },
    description: {
      type: "string",
      minLength: 1,
      description:
        'description of a new variable catalog; default: the `description` attribute, else "Long name (standard_name, units)" from the CF attributes',
    },
    gcmd_keyword_url: {
      ...uri,
      description: 'GCMD keyword viewer URL, the variable catalog\'s `via` "Description" link; default: the `gcmd_keyword_url` attribute',
    },
    units: { type: "string", description: "unit used in `cf:parameter`; default: the `units` attribute" },
    skip: { type: "boolean", description: "leave this variable out of the publication" },
  },
} as const;

/** JSON Schema of the project technical officer (ESA), required by the OSC for new projects. */
export const TECHNICAL_OFFICER_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["name", "email"],
  properties: {
    name: { type: "string", minLength: 2, description: "the ESA technical officer's name" },
    email: { type: "string", format: "email", description: "the ESA technical officer's email" },
  },
} as const;

/** JSON Schema of an EO mission named by id (must exist in the catalog or be known to eocube) or defined in full. */
export const MISSION_CONFIG_SCHEMA = {
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
} as const;

/** JSON Schema of {@link DatasetConfig} (draft-07, for ajv): deep-code's `dataset-config.yaml` with eocube's additions. */
export const DATASET_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/dataset-config.json",
  type: "object",
  additionalProperties: false,
  required: ["dataset_id", "collection_id", "license_type", "osc_themes"],
  properties: {
    dataset_id: {
      type: "string",
      minLength: 1,
      description:
        "the cube to publish: a local path, an https:// or s3:// URL, or a data id of store_id (deep-code: the data id in the DeepESDL store)",
    },
    data_source: {
      anyOf: [
        { type: "string", minLength: 1 },
        { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
      ],
      description: "where to read the cube when it differs from dataset_id; a list is tried in order (first that opens wins)",
    },
    store_id: {
      type: "string",
      pattern: "^[a-z][a-z0-9_-]*$",
      description: "data store id (`file`, `https`, `s3`, `memory`); default: told from the source",
    },
    store_params: { type: "object", description: "data store parameters (xcube's store_params: root, storage_options, …); never logged" },
    collection_id: {
      type: "string",
      pattern: ENTITY_ID_PATTERN,
      description: "the OSC product id (folder under products/), e.g. my-cube-2024",
    },
    license_type: LICENSE_SCHEMA,
    stac_catalog_s3_root: { type: "string", description: "deep-code only (its STAC item upload); accepted and ignored with a warning" },
    description: {
      type: "string",
      minLength: 1,
      description:
        "product description; default: the dataset's `description`, `summary` or `title` attribute, else deep-code's \"No description available.\" (with a warning)",
    },
    title: { type: "string", minLength: 1, description: "product title; default: the dataset's `title` attribute, else collection_id" },
    time_range: {
      type: "array",
      minItems: 2,
      items: [
        { anyOf: [{ type: "null" }, { type: "string", pattern: ISO_TIME_PATTERN }] },
        { anyOf: [{ type: "null" }, { type: "string", pattern: ISO_TIME_PATTERN }] },
      ],
      additionalItems: false,
      description:
        "time range [start, end] (ISO 8601 dates or date-times, null for open ends) for cubes without a time coordinate (e.g. a GeoTIFF); when given it replaces the range read from the time coordinate",
    },
    osc_themes: { ...themes, description: `one or more of: ${OSC_THEME_IDS.join(", ")}` },
    osc_region: {
      type: "string",
      minLength: 1,
      description: "the region the product covers (`osc:region`), e.g. Global; left out when empty (deep-code's `osc_region: null`)",
    },
    dataset_status: { enum: OSC_STATUSES, description: `one of ${OSC_STATUSES.join(", ")}` },
    documentation_link: uri,
    access_link: uri,
    visualisation_link: uri,
    osc_project: { type: "string", pattern: SLUG_ID_PATTERN },
    osc_project_title: { type: "string", minLength: 1 },
    osc_project_url: uri,
    osc_project_description: { type: "string", minLength: 1 },
    osc_project_start: {
      type: "string",
      pattern: ISO_TIME_PATTERN,
      description: "start of a new project (ISO 8601 date or date-time); default: the start of the product's temporal extent",
    },
    osc_project_end: {
      type: "string",
      pattern: ISO_TIME_PATTERN,
      description:
        "end of a new project (ISO 8601 date or date-time); default: the end of the product's temporal extent (open when unknown)",
    },
    osc_project_technical_officer: TECHNICAL_OFFICER_CONFIG_SCHEMA,
    osc_missions: { type: "array", uniqueItems: true, items: MISSION_CONFIG_SCHEMA },
    keywords: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
    cf_parameter: { type: "array", items: CF_PARAMETER_CONFIG_SCHEMA },
    variables: {
      type: "object",
      additionalProperties: VARIABLE_CONFIG_SCHEMA,
      description: "per-variable overrides, keyed by the data variable's name",
    },
  },
} as const;

/** JSON Schema of a contact of the workflow (OGC API Records contact). */
export const CONTACT_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1 },
    organization: { type: "string" },
    position: { type: "string", description: "the contact's position (deep-code's Contact field; OGC API Records `position`)" },
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
    links: { type: "array", items: LINK_CONFIG_SCHEMA },
    contactInstructions: { type: "string" },
  },
} as const;

/** JSON Schema of an input dataset of the experiment (written to input.yaml). */
export const INPUT_DATASET_CONFIG_SCHEMA = {
  anyOf: [
    uri,
    {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: { id: { type: "string" }, title: { type: "string" }, url: uri },
    },
  ],
} as const;

/** JSON Schema of {@link WorkflowConfig} (draft-07, for ajv): deep-code's `workflow-config.yaml` with eocube's additions. */
export const WORKFLOW_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/workflow-config.json",
  type: "object",
  additionalProperties: false,
  required: ["workflow_id", "properties"],
  properties: {
    workflow_id: {
      type: "string",
      pattern: ENTITY_ID_PATTERN,
      description: "the OSC workflow id, e.g. my-workflow; normalised as deep-code does (spaces → '-', lower case)",
    },
    experiment_id: {
      type: "string",
      pattern: ENTITY_ID_PATTERN,
      description: "experiment id; default: workflow_id (deep-code uses the same id for both)",
    },
    osc_project: {
      type: "string",
      pattern: SLUG_ID_PATTERN,
      description: "project of the workflow; default: the dataset config's osc_project",
    },
    properties: {
      type: "object",
      additionalProperties: false,
      required: ["title", "license"],
      properties: {
        title: { type: "string", minLength: 1, description: "a human-readable title of the workflow" },
        osc_project: {
          type: "string",
          pattern: SLUG_ID_PATTERN,
          description: "project of the workflow as deep-code reads it (`properties.osc_project`); the top-level osc_project wins",
        },
        description: { type: "string", minLength: 1 },
        keywords: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
        themes,
        license: LICENSE_SCHEMA,
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
    gen_request: {
      type: "string",
      minLength: 1,
      description:
        "the eocube gen request (gen2 YAML/JSON) that made the product, relative to this config's folder: publish writes it to the experiment's input.yaml (input roots absolute, credentials left out) and the eocube, Node and package versions to environment.yaml, so `eocube reproduce <experiment>` can run it again",
    },
    contact: { type: "array", items: CONTACT_CONFIG_SCHEMA },
    links: { type: "array", items: LINK_CONFIG_SCHEMA },
    parameters: { type: "object", description: "parameters of the experiment run (input.yaml `parameters`)" },
    input_datasets: {
      type: "array",
      items: INPUT_DATASET_CONFIG_SCHEMA,
      description: "input datasets of the experiment (input.yaml `input_datasets`)",
    },
  },
} as const;

/** One CF parameter of the product (`cf:parameter`); see {@link CF_PARAMETER_CONFIG_SCHEMA}. */
export type CfParameterConfig = ConfigType<typeof CF_PARAMETER_CONFIG_SCHEMA>;
/** Per-variable overrides; see {@link VARIABLE_CONFIG_SCHEMA} for each field's meaning and default. */
export type VariableConfig = ConfigType<typeof VARIABLE_CONFIG_SCHEMA>;
/** An EO mission named by id or defined in full; see {@link MISSION_CONFIG_SCHEMA}. */
export type MissionConfig = ConfigType<typeof MISSION_CONFIG_SCHEMA>;
/** The project technical officer (ESA); see {@link TECHNICAL_OFFICER_CONFIG_SCHEMA}. */
export type TechnicalOfficerConfig = ConfigType<typeof TECHNICAL_OFFICER_CONFIG_SCHEMA>;
/** deep-code's dataset config (`dataset-config.yaml`) with eocube's additions; see {@link DATASET_CONFIG_SCHEMA}. */
export type DatasetConfig = ConfigType<typeof DATASET_CONFIG_SCHEMA>;
/** A contact of the workflow (OGC API Records contact); see {@link CONTACT_CONFIG_SCHEMA}. */
export type ContactConfig = ConfigType<typeof CONTACT_CONFIG_SCHEMA>;
/** A link given in the workflow config; see {@link LINK_CONFIG_SCHEMA}. */
export type LinkConfig = ConfigType<typeof LINK_CONFIG_SCHEMA>;
/** An input dataset of the experiment (written to input.yaml); see {@link INPUT_DATASET_CONFIG_SCHEMA}. */
export type InputDatasetConfig = ConfigType<typeof INPUT_DATASET_CONFIG_SCHEMA>;
/** deep-code's workflow config (`workflow-config.yaml`) with eocube's additions; see {@link WORKFLOW_CONFIG_SCHEMA}. */
export type WorkflowConfig = ConfigType<typeof WORKFLOW_CONFIG_SCHEMA>;
