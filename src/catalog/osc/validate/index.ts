// OSC catalog validation (the OSC CI, offline): public API.
export {
  validateCatalog,
  validateCatalogFiles,
  uiSchemaFor,
  afterLoadingSchemaFor,
  recordSchemaFor,
  OSC_SCHEMA_URL,
} from "./catalog.js";
export type { FileReport, ValidateCatalogOptions, ValidationProblem, ValidationReport } from "./types.js";
export {
  OSC_LINK_PREFIX,
  THEMES_SCHEME,
  EXTENSION_SCHEMES,
  ROOT_CHILDREN,
  RELATED_TITLE_PREFIX,
  RECORDS_CONFORMANCE_CLASS,
} from "./rules.js";
