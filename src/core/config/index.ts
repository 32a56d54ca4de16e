// The config edge: one ajv factory, YAML with lines, one wording of config errors, loadYamlConfig.
export { newAjv, schemaValidator, type AjvInstance, type NewAjvOptions, type SchemaDraft } from "./ajv.js";
export {
  parseConfigText,
  isMapping,
  yamlTimestampToIso,
  type FieldPath,
  type Locator,
  type ParsedConfig,
  type ParseConfigTextOptions,
} from "./yaml.js";
export {
  schemaProblems,
  configError,
  fieldName,
  type ConfigProblem,
  type FieldNotation,
  type PatternText,
  type SchemaProblemsOptions,
  type ConfigErrorOptions,
} from "./problems.js";
export {
  readConfigText,
  checkConfig,
  parseYamlConfig,
  loadYamlConfig,
  type ConfigSchema,
  type ConfigType,
  type ReadConfigTextOptions,
  type CheckConfigOptions,
  type YamlConfigOptions,
  type YamlConfig,
} from "./load.js";
