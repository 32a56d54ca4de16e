// JSON-Schema checking of store_params and open_params with ajv; errors quote the schema's words.
// ajv (≈100 ms to load and compile) is only loaded for schemas the plain checker below does not cover and
// for values that fail it, so that the CLI's cold start does not pay for it on every valid call.
import type { ErrorObject, ValidateFunction } from "ajv";
import { newAjv, type AjvInstance } from "../core/config/ajv.js";
import { EocubeError } from "../core/errors.js";
import type { JsonSchema } from "./types.js";

let ajvInstance: AjvInstance | undefined;
function ajv(): AjvInstance {
  ajvInstance ??= newAjv({ useDefaults: true, verbose: false });
  return ajvInstance;
}
const cache = new WeakMap<JsonSchema, ValidateFunction>();

/** Keywords {@link plainCheck} implements exactly as ajv does (annotations included). */
const PLAIN_KEYWORDS = new Set([
  "type",
  "properties",
  "additionalProperties",
  "required",
  "items",
  "minItems",
  "maxItems",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "default",
  "description",
  "title",
]);
const plainOk = new WeakMap<object, boolean>();

/** Whether every (sub)schema uses only {@link PLAIN_KEYWORDS} with the simple forms plainCheck knows. */
function isPlain(schema: unknown): boolean {
  if (schema === true || schema === false) return true;
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return false;
  const known = plainOk.get(schema);
  if (known !== undefined) return known;
  const s = schema as Record<string, unknown>;
  let ok = Object.keys(s).every((k) => PLAIN_KEYWORDS.has(k));
  if (ok && s.properties !== undefined) {
    ok = typeof s.properties === "object" && s.properties !== null && Object.values(s.properties).every(isPlain);
  }
  if (ok && s.additionalProperties !== undefined) ok = isPlain(s.additionalProperties);
  if (ok && s.items !== undefined) ok = !Array.isArray(s.items) && isPlain(s.items);
  if (ok && s.type !== undefined) ok = typeof s.type === "string" || (Array.isArray(s.type) && s.type.every((t) => typeof t === "string"));
  for (const k of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems"]) {
    if (ok && s[k] !== undefined) ok = typeof s[k] === "number";
  }
  if (ok && s.pattern !== undefined) ok = typeof s.pattern === "string";
  if (ok && s.enum !== undefined) ok = Array.isArray(s.enum) && s.enum.every((v) => v === null || typeof v !== "object");
  if (ok && s.required !== undefined) ok = Array.isArray(s.required);
  plainOk.set(schema, ok);
  return ok;
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    case "array":
      return Array.isArray(v);
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    default:
      return false;
  }
}

/** Validates (a plain schema) and fills `properties` defaults in place as ajv's useDefaults does; false on any failure. */
function plainCheck(schema: unknown, v: unknown): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(t, v))) return false;
  }
  if (s.enum && !(s.enum as unknown[]).some((e) => e === v)) return false;
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && !(v >= s.minimum)) return false;
    if (typeof s.maximum === "number" && !(v <= s.maximum)) return false;
    if (typeof s.exclusiveMinimum === "number" && !(v > s.exclusiveMinimum)) return false;
    if (typeof s.exclusiveMaximum === "number" && !(v < s.exclusiveMaximum)) return false;
  }
  if (typeof v === "string" && typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)) return false;
  if (Array.isArray(v)) {
    if (typeof s.minItems === "number" && v.length < s.minItems) return false;
    if (typeof s.maxItems === "number" && v.length > s.maxItems) return false;
    if (s.items !== undefined && !v.every((x) => plainCheck(s.items, x))) return false;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [k, ps] of Object.entries(props)) {
      if (o[k] === undefined && ps && typeof ps === "object" && "default" in ps) o[k] = structuredClone(ps.default);
    }
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) return false;
    for (const [k, x] of Object.entries(o)) {
      if (k in props) {
        if (!plainCheck(props[k], x)) return false;
      } else if (s.additionalProperties !== undefined && !plainCheck(s.additionalProperties, x)) {
        return false;
      }
    }
  }
  return true;
}

/**
 * Checks `value` against `schema` (defaults filled in on a copy) and returns the copy.
 * @param name how the value is called in messages (`store_params`, `open_params`).
 * @throws EocubeError INVALID_PARAMS whose message quotes ajv's words, e.g. `store_params/root must be string`;
 *   `details` lists every problem.
 */
export function validateParams<T = Record<string, unknown>>(schema: JsonSchema, value: unknown, name: string): T {
  if (isPlain(schema)) {
    const copy = value === undefined ? {} : structuredClone(value);
    if (plainCheck(schema, copy)) return copy as T;
  }
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv().compile(schema);
    cache.set(schema, validate);
  }
  const copy = value === undefined ? {} : structuredClone(value);
  if (validate(copy)) return copy as T;
  const problems = (validate.errors ?? []).map((e) => formatAjvError(e, name));
  const first = validate.errors?.[0];
  throw new EocubeError("INVALID_PARAMS", problems.join("; "), {
    field: first ? `${name}${first.instancePath}` : name,
    hint: hintOf(schema),
    details: problems,
  });
}

/** `store_params/root must be string`, `store_params must NOT have additional properties (colour)`. */
export function formatAjvError(e: ErrorObject, name: string): string {
  let msg = `${name}${e.instancePath} ${e.message ?? "is invalid"}`;
  if (e.keyword === "additionalProperties") msg += ` (${(e.params as { additionalProperty: string }).additionalProperty})`;
  if (e.keyword === "enum") msg += `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return msg;
}

function hintOf(schema: JsonSchema): string | undefined {
  const props = schema.properties as Record<string, { type?: unknown }> | undefined;
  if (!props) return undefined;
  const list = Object.entries(props).map(([k, v]) => `${k} (${Array.isArray(v.type) ? v.type.join("|") : (v.type ?? "any")})`);
  return `allowed parameters: ${list.join(", ")}`;
}
