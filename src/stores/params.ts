// JSON-Schema checking of store_params and open_params with ajv; errors quote the schema's words.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { EocubeError } from "../core/errors.js";
import type { JsonSchema } from "./types.js";

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const cache = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Checks `value` against `schema` (defaults filled in on a copy) and returns the copy.
 * @param name how the value is called in messages (`store_params`, `open_params`).
 * @throws EocubeError INVALID_PARAMS whose message quotes ajv's words, e.g. `store_params/root must be string`;
 *   `details` lists every problem.
 */
export function validateParams<T = Record<string, unknown>>(schema: JsonSchema, value: unknown, name: string): T {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
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
  const list = Object.entries(props).map(([k, v]) => `${k} (${Array.isArray(v.type) ? v.type.join("|") : v.type ?? "any"})`);
  return `allowed parameters: ${list.join(", ")}`;
}
