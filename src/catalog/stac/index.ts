// STAC helpers: the link model (RelType, MediaType, Link), the offline schema registry and STAC validation.
export { SchemaRegistry, getSchemaRegistry, bundledSchemaDir, type SchemaRegistryOptions } from "./schemas.js";
export {
  validateStacObject,
  getStacValidator,
  assertValidStac,
  coreSchemaUrl,
  validateAgainst,
  type StacProblem,
  type StacValidator,
  type StacValidateOptions,
} from "./validate.js";
export { sectionLabel, formatAjvErrors, ajvErrorMessage, type SchemaMessage } from "./messages.js";
export { isIri, isIriReference, iriFormats } from "./formats.js";
export { Link, RelType, MediaType, type LinkJson, type LinkOptions } from "./link.js";
