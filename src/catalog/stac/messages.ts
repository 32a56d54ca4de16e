// Turns ajv errors into the one-line messages and section names that stac-node-validator (the OSC CI) prints.
import type { ErrorObject } from "ajv";

/** One schema error in the CI's words. */
export interface SchemaMessage {
  /** The JSON pointer into the validated object ("" for the root). */
  instancePath: string;
  /** The printed message, e.g. `/osc:status must be equal to one of the allowed values (allowed values: a,b)`. */
  message: string;
  /** The ajv keyword that failed (`required`, `enum`, …), when known. */
  keyword?: string;
}

const SCHEMA_CHOICE = new Set(["anyOf", "oneOf"]);

/**
 * The section name the CI prints for a schema: `osc (1.0.0)` for a stac-extensions.github.io schema
 * (`storage - Platforms Aws S3 (2.0.0)` for a sub-schema), else the URL or type name unchanged.
 */
export function sectionLabel(schema: string): string {
  const m = /^https?:\/\/stac-extensions\.github\.io\/([^/]+)\/v?([^/]+)(?:\/([^/.]+))?\/schema/.exec(schema);
  if (!m) return schema;
  let title = m[1];
  if (m[3]) title += ` - ${formatKey(m[3])}`;
  return `${title} (${m[2]})`;
}

function formatKey(key: string): string {
  if (key.includes("/")) return key;
  return key
    .replace(/^[\w-]+:/i, "")
    .split(/[:_\-\s]/g)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(" ");
}

/** One ajv error as one line: `<instancePath> <message> (<param label>: <value>, …)` or `…, for schema <schemaPath>`. */
export function ajvErrorMessage(error: Pick<ErrorObject, "message" | "params" | "instancePath" | "schemaPath">): string {
  let message = error.message ?? "";
  const params = error.params && typeof error.params === "object" ? Object.entries(error.params) : [];
  if (params.length > 0) {
    const text = params.map(([key, value]) => `${key.replace(/([^A-Z]+)([A-Z])/g, "$1 $2").toLowerCase()}: ${String(value)}`).join(", ");
    message += ` (${text})`;
  }
  if (error.instancePath) return `${error.instancePath} ${message}`;
  if (error.schemaPath) return `${message}, for schema ${error.schemaPath}`;
  return message || String(error);
}

/**
 * The CI's list of messages for one schema's errors: anyOf/oneOf summary errors dropped (unless alone),
 * errors under an anyOf/oneOf branch moved last, each formatted by {@link ajvErrorMessage}, duplicates removed.
 */
export function formatAjvErrors(errors: readonly ErrorObject[]): SchemaMessage[] {
  const kept = errors.filter((e) => errors.length === 1 || !SCHEMA_CHOICE.has(e.keyword));
  const choice = (e: ErrorObject) => /\/(one|any)Of\/\d+\//.test(e.schemaPath ?? "");
  const sorted = [...kept.filter((e) => !choice(e)), ...kept.filter(choice)];
  const seen = new Set<string>();
  const out: SchemaMessage[] = [];
  for (const e of sorted) {
    const message = ajvErrorMessage(e);
    if (seen.has(message)) continue;
    seen.add(message);
    out.push({ instancePath: e.instancePath ?? "", message, keyword: e.keyword });
  }
  return out;
}
