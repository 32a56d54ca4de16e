// STAC validation against the bundled schemas: core (Catalog / Collection / Item by stac_version) and
// the schemas listed in stac_extensions, with messages as stac-node-validator prints them.
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { formatAjvErrors, sectionLabel } from "./messages.js";
import { getSchemaRegistry, type SchemaRegistry } from "./schemas.js";

/** One problem found by a schema. */
export interface StacProblem {
  /** The schema URL that failed (or the `stac_extensions` entry that is not a URL). */
  schema: string;
  /** The section name the OSC CI prints: `Catalog`, `Collection`, `Feature`, `osc (1.0.0)`, or the URL. */
  section: string;
  /** JSON pointer into the object ("" for the root). */
  instancePath: string;
  /** One line, as stac-node-validator prints it. */
  message: string;
}

/** Options of {@link validateStacObject}. */
export interface StacValidateOptions {
  /** Also validate against every schema in `stac_extensions` [default: true]. */
  extensions?: boolean;
  /** More schema URLs to validate against after the extensions (e.g. the OSC UI schemas) [default: none]. */
  extraSchemas?: string[];
}

/** The core STAC schema URL for an object: `https://schemas.stacspec.org/v<stac_version>/<type>-spec/json-schema/<type>.json`. */
export function coreSchemaUrl(stacVersion: string, type: "Catalog" | "Collection" | "Feature"): string {
  const kind = type === "Feature" ? "item" : type.toLowerCase();
  return `https://schemas.stacspec.org/v${stacVersion}/${kind}-spec/json-schema/${kind}.json`;
}

/** True for an http(s) URL (the only kind of `stac_extensions` entry that can be validated). */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Validates one object against one schema of the registry; a schema that is not bundled gives one problem
 * with the CI's "Schema at '…' not found" message.
 */
export function validateAgainst(
  obj: unknown,
  schema: string,
  section: string,
  registry: SchemaRegistry = getSchemaRegistry(),
): StacProblem[] {
  try {
    const fn = registry.getValidator(schema);
    if (fn(obj)) return [];
    return formatAjvErrors(fn.errors ?? []).map((m) => ({ schema, section, instancePath: m.instancePath, message: m.message }));
  } catch (err) {
    if (isEocubeError(err, "NOT_FOUND")) return [{ schema, section, instancePath: "", message: err.message }];
    throw err;
  }
}

/** A reusable STAC validator over a schema registry. */
export interface StacValidator {
  /** The registry the schemas come from. */
  registry: SchemaRegistry;
  /** See {@link validateStacObject}. */
  validate(obj: unknown, options?: StacValidateOptions): StacProblem[];
}

/**
 * The STAC validator over the bundled schemas (schemas compiled once per process and cached).
 * Use it for many objects; {@link validateStacObject} is the one-call form.
 */
export function getStacValidator(registry: SchemaRegistry = getSchemaRegistry()): StacValidator {
  return { registry, validate: (obj, options) => validateStacObject(obj, options, registry) };
}

/**
 * Validates a STAC Catalog, Collection or Item offline: the core schema of its `stac_version` and type, then
 * (with `extensions`, the default) every schema in `stac_extensions`, then `extraSchemas`. Returns the problems
 * (empty when valid), in the CI's order and words. Objects that are not STAC (no `stac_version`, unknown
 * `type`) give one problem rather than an exception.
 * Spec: https://github.com/radiantearth/stac-spec/tree/v1.0.0 (and v1.1.0).
 * @throws EocubeError INTERNAL when a bundled schema does not compile.
 */
export function validateStacObject(
  obj: unknown,
  options: StacValidateOptions = {},
  registry: SchemaRegistry = getSchemaRegistry(),
): StacProblem[] {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
    return [{ schema: "", section: "File", instancePath: "", message: "must be a JSON object" }];
  }
  const data = obj as Record<string, unknown>;
  const type = data.type;
  if (typeof data.stac_version !== "string") {
    return [{ schema: "", section: String(type ?? "STAC"), instancePath: "/stac_version", message: "No STAC version found" }];
  }
  if (type !== "Catalog" && type !== "Collection" && type !== "Feature") {
    return [
      {
        schema: "",
        section: String(type ?? "STAC"),
        instancePath: "/type",
        message: "/type Can't detect type of the STAC object. Is the 'type' field missing or invalid?",
      },
    ];
  }
  const problems = validateAgainst(data, coreSchemaUrl(data.stac_version, type), type, registry);
  const schemas: string[] = [];
  if (options.extensions !== false && Array.isArray(data.stac_extensions)) schemas.push(...(data.stac_extensions as string[]));
  if (options.extraSchemas) schemas.push(...options.extraSchemas);
  for (const schema of new Set(schemas)) {
    if (!isHttpUrl(schema)) {
      problems.push({
        schema: String(schema),
        section: String(schema),
        instancePath: "",
        message: "'stac_extensions' must contain a valid HTTP(S) URL to a schema.",
      });
      continue;
    }
    problems.push(...validateAgainst(data, schema, sectionLabel(schema), registry));
  }
  return problems;
}

/**
 * Throws VALIDATION_FAILED listing the problems when `obj` is not valid STAC (see {@link validateStacObject}).
 * @param path the file the object comes from, for the error.
 */
export function assertValidStac(obj: unknown, path?: string, options: StacValidateOptions = {}): void {
  const problems = validateStacObject(obj, options);
  if (problems.length === 0) return;
  const first = problems[0];
  throw new EocubeError("VALIDATION_FAILED", `Invalid STAC (${problems.length} problem(s)); first: [${first.section}] ${first.message}`, {
    path,
    field: first.instancePath || undefined,
    hint: "fix the fields named in details, or check the stac_extensions versions",
    details: problems,
  });
}
