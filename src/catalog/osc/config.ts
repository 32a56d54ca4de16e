// Loads and validates the dataset and workflow configs (YAML) with ajv; errors name the file, field, line and allowed values.
import { readFile } from "node:fs/promises";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { LineCounter, parseDocument } from "yaml";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { editDistance } from "../../core/names.js";
import { ENTITY_ID_PATTERN, OSC_STATUSES, SLUG_ID_PATTERN, slugify } from "./constants.js";
import {
  DATASET_CONFIG_SCHEMA,
  WORKFLOW_CONFIG_SCHEMA,
  type DatasetConfig,
  type WorkflowConfig,
} from "./config-schema.js";
import { OSC_THEME_IDS } from "./themes.js";

export type * from "./config-schema.js";
export { DATASET_CONFIG_SCHEMA, WORKFLOW_CONFIG_SCHEMA } from "./config-schema.js";

// ajv-formats is CommonJS; its default export is the plugin function.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (
  ajv: Ajv,
) => Ajv;

let validators: { dataset: ValidateFunction; workflow: ValidateFunction } | undefined;

function getValidators(): { dataset: ValidateFunction; workflow: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    validators = { dataset: ajv.compile(DATASET_CONFIG_SCHEMA), workflow: ajv.compile(WORKFLOW_CONFIG_SCHEMA) };
  }
  return validators;
}

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

/** Options of the config loaders. */
export interface LoadConfigOptions {
  signal?: AbortSignal;
}

/**
 * Reads and validates a dataset config (deep-code's `dataset-config.yaml`).
 * @throws EocubeError NOT_FOUND when the file is missing; INVALID_CONFIG naming the file, the field
 *   (dotted path), its line and the allowed values.
 */
export async function loadDatasetConfig(path: string, options: LoadConfigOptions = {}): Promise<DatasetConfig> {
  return withPath(parseDatasetConfig(await readConfigFile(path, options), path), path);
}

/**
 * Reads and validates a workflow config (deep-code's `workflow-config.yaml`).
 * @throws EocubeError NOT_FOUND, INVALID_CONFIG (see {@link loadDatasetConfig}).
 */
export async function loadWorkflowConfig(path: string, options: LoadConfigOptions = {}): Promise<WorkflowConfig> {
  return withPath(parseWorkflowConfig(await readConfigFile(path, options), path), path);
}

async function readConfigFile(path: string, options: LoadConfigOptions): Promise<string> {
  throwIfAborted(options.signal);
  try {
    return await readFile(path, { encoding: "utf8", signal: options.signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new EocubeError("NOT_FOUND", `config file ${path} does not exist`, {
        path,
        hint: "write templates with `eocube generate-config`",
      });
    }
    throw new EocubeError("INVALID_CONFIG", `cannot read config file ${path}: ${(err as Error).message}`, { path, cause: err });
  }
}

/**
 * Parses and validates dataset-config YAML text. Theme ids are lower-cased first (as deep-code does).
 * @param file the file name used in messages.
 * @throws EocubeError INVALID_CONFIG (invalid YAML with line/column, or a schema violation naming the field).
 */
export function parseDatasetConfig(text: string, file: string): DatasetConfig {
  const { value, locate } = parseYaml(text, file);
  if (isObject(value) && Array.isArray(value.osc_themes)) {
    value.osc_themes = value.osc_themes.map((t) => (typeof t === "string" ? t.toLowerCase() : t));
  }
  check(getValidators().dataset, value, file, locate);
  return value as unknown as DatasetConfig;
}

/**
 * Parses and validates workflow-config YAML text. Theme ids are lower-cased first (as deep-code does).
 * @throws EocubeError INVALID_CONFIG (see {@link parseDatasetConfig}).
 */
export function parseWorkflowConfig(text: string, file: string): WorkflowConfig {
  const { value, locate, source } = parseYaml(text, file);
  if (isObject(value) && isObject(value.properties) && Array.isArray(value.properties.themes)) {
    value.properties.themes = value.properties.themes.map((t) => (typeof t === "string" ? t.toLowerCase() : t));
  }
  // an unquoted `python_version: 3.10` is the YAML number 3.1: keep the version as written (a string) then
  const kernel = isObject(value) && isObject(value.properties) ? value.properties.jupyter_kernel_info : undefined;
  if (isObject(kernel) && typeof kernel.python_version === "number") {
    const written = source(["properties", "jupyter_kernel_info", "python_version"]);
    if (written !== undefined && /^\d+(\.\d+)*$/.test(written) && written !== String(kernel.python_version)) kernel.python_version = written;
  }
  check(getValidators().workflow, value, file, locate);
  return value as unknown as WorkflowConfig;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Parses YAML; returns the value, a function giving the line of a path and one giving a scalar's source text. */
function parseYaml(
  text: string,
  file: string,
): { value: unknown; locate: (path: (string | number)[]) => number | undefined; source: (path: (string | number)[]) => string | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    throw new EocubeError(
      "INVALID_CONFIG",
      `${file} is not valid YAML at line ${pos.line}, column ${pos.col}: ${err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      { path: file, details: { line: pos.line, column: pos.col }, hint: "check the indentation and quoting around that line" },
    );
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isObject(value)) {
    throw new EocubeError("INVALID_CONFIG", `${file} must hold a YAML mapping (key: value lines), not ${value === null ? "nothing" : typeof value}`, {
      path: file,
      hint: "write templates with `eocube generate-config`",
    });
  }
  const locate = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && Array.isArray(node.range)) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  /** The source text of a scalar as written in the file (e.g. `3.10` for the number 3.1). */
  const source = (path: (string | number)[]): string | undefined => {
    const node = doc.getIn(path, true) as { source?: unknown } | undefined;
    return typeof node?.source === "string" ? node.source : undefined;
  };
  return { value, locate, source };
}

/** Dotted field path of a JSON pointer: `/variables/conc_chl/id` → `variables.conc_chl.id`, arrays as `[i]`. */
function dotted(segments: (string | number)[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function pointerSegments(pointer: string, data: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = editDistance(lower, c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Rank of an ajv error: the most specific, user-meaningful error first. */
function rank(e: ErrorObject): number {
  switch (e.keyword) {
    case "additionalProperties":
      return 0;
    case "required":
      return 1;
    case "enum":
      return 2;
    case "pattern":
    case "format":
      return 3;
    case "anyOf":
      return 9;
    default:
      return 5;
  }
}

function describe(e: ErrorObject, data: unknown): { field: string; segments: (string | number)[]; message: string; hint?: string } {
  const segments = pointerSegments(e.instancePath, data);
  let value: unknown = data;
  for (const s of segments) value = (value as Record<string | number, unknown>)?.[s];
  const here = dotted(segments);
  const show = (v: unknown): string => JSON.stringify(v);
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const segs = [...segments, extra];
      const parent = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const guess = closest(extra, known);
      return {
        field: dotted(segs),
        segments: segs,
        message: `unknown field ${show(extra)}${here ? ` in ${here}` : ""}`,
        hint: guess ? `did you mean ${show(guess)}? allowed fields: ${known.join(", ")}` : `allowed fields: ${known.join(", ")}`,
      };
    }
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      const segs = [...segments, missing];
      return {
        field: dotted(segs),
        segments: segs,
        message: `missing required field ${dotted(segs)}`,
        hint: requiredHint(dotted(segs)),
      };
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof value === "string" ? closest(value, allowed) : undefined;
      const list = allowed.length > 12 ? `${allowed.slice(0, 12).join(", ")}, … (${allowed.length} SPDX ids, see https://spdx.org/licenses/)` : allowed.join(", ");
      return {
        field: here,
        segments,
        message: `${here} has value ${show(value)}, which is not one of the allowed values`,
        hint: `${guess ? `did you mean ${show(guess)}? ` : ""}allowed values: ${list}`,
      };
    }
    case "pattern": {
      const pattern = (e.params as { pattern: string }).pattern;
      const slug = pattern === SLUG_ID_PATTERN;
      const entity = pattern === ENTITY_ID_PATTERN;
      const s = typeof value === "string" ? value : "";
      const suggestion = slug ? slugify(s) : s.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
      return {
        field: here,
        segments,
        message: slug || entity ? `${here} ${show(value)} is not a safe OSC id` : `${here} ${show(value)} is not an ISO 8601 date or date-time`,
        hint:
          slug || entity
            ? `${slug ? "use lower-case letters, digits and single hyphens" : "use letters, digits and single '-', '_' or '.' (no spaces, slashes or '..')"}${suggestion ? `, e.g. ${show(suggestion)}` : ""}`
            : "write e.g. 2017-01-16 or 2017-01-16T10:00:00Z",
      };
    }
    case "format":
      return {
        field: here,
        segments,
        message: `${here} ${show(value)} is not a valid ${(e.params as { format: string }).format}`,
        hint: (e.params as { format: string }).format === "uri" ? "write an absolute URL such as https://example.org/page" : undefined,
      };
    case "type":
      return { field: here, segments, message: `${here || "the config"} must be ${(e.params as { type: string }).type}, not ${Array.isArray(value) ? "array" : value === null ? "null" : typeof value}` };
    default:
      return { field: here, segments, message: `${here || "the config"} ${e.message ?? "is invalid"}` };
  }
}

function requiredHint(field: string): string | undefined {
  const hints: Record<string, string> = {
    dataset_id: "the cube to publish: a local path, an https:// or s3:// URL, or a data id of store_id",
    collection_id: "the OSC product id, e.g. my-cube-2024",
    license_type: "an SPDX licence id such as CC-BY-4.0",
    osc_themes: `one or more of: ${OSC_THEME_IDS.join(", ")}`,
    workflow_id: "the OSC workflow id, e.g. my-workflow",
    "properties.title": "a human-readable title of the workflow",
    "properties.license": "an SPDX licence id such as MIT or CC-BY-4.0",
    "osc_project_technical_officer.name": "the ESA technical officer's name",
    "osc_project_technical_officer.email": "the ESA technical officer's email",
  };
  if (hints[field]) return hints[field];
  if (field.endsWith("dataset_status")) return `one of ${OSC_STATUSES.join(", ")}`;
  return undefined;
}

function check(validate: ValidateFunction, value: unknown, file: string, locate: (p: (string | number)[]) => number | undefined): void {
  if (validate(value)) return;
  const errors = [...(validate.errors ?? [])]
    // anyOf branches report their own errors; keep the anyOf summary only when nothing better exists
    .sort((a, b) => rank(a) - rank(b) || a.instancePath.length - b.instancePath.length);
  const seen = new Set<string>();
  const problems = errors
    .map((e) => describe(e, value))
    .filter((p) => (seen.has(p.message) ? false : (seen.add(p.message), true)))
    .map((p) => ({ ...p, line: locate(p.segments) }));
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  throw new EocubeError(
    "INVALID_CONFIG",
    `${file}${first.line ? `:${first.line}` : ""}: ${first.message}${more}`,
    {
      path: file,
      field: first.field,
      hint: first.hint,
      details: problems.map(({ field, message, hint, line }) => ({ field, message, hint, line })),
    },
  );
}
