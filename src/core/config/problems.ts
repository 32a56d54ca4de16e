// The one wording of config errors: ajv errors → problems naming the field (in the config's notation), its
// line, what is wrong and a fix (did-you-mean, allowed fields/values, the field's description), and one
// INVALID_CONFIG that leads with `file:line`.
import type { ErrorObject } from "ajv";
import { EocubeError } from "../errors.js";
import { closeNames } from "../names.js";
import type { FieldPath, Locator } from "./yaml.js";

/**
 * How a config names its fields: `dotted` `items[2].assets` (OSC, PRR), `slash` `cube_config/bbox` (gen
 * requests, as xcube gen2's messages), `dots` `Datasets.0.Path` (server config, as xcube serve's).
 */
export type FieldNotation = "dotted" | "slash" | "dots";

/** One problem of a config. */
export interface ConfigProblem {
  /** The field in the config's notation (`""` for the whole config). */
  field: string;
  /** What is wrong, naming the field. */
  message: string;
  /** How to fix it. */
  hint?: string;
  /** The 1-based line of the field in the file, when known. */
  line?: number;
  /** The field's path (keys and indices), used to find its line. */
  path?: FieldPath;
}

/** What a `pattern` stands for, so that a mismatch is worded for people, not as a regular expression. */
export interface PatternText {
  /** E.g. "a safe OSC id" → `collection_id "my cube" is not a safe OSC id`. */
  what: string;
  /** How to write a valid value. */
  hint?: string;
  /** A valid value made from the bad one (shown as `, e.g. "my-cube"`). */
  suggest?: (value: string) => string | undefined;
}

/** Options of {@link schemaProblems}. */
export interface SchemaProblemsOptions {
  /** Field notation [default "dotted"]. */
  notation?: FieldNotation;
  /** Wording of the schema's patterns, keyed by the pattern's source text. */
  patterns?: Record<string, PatternText>;
  /** Gives each problem its line. */
  locate?: Locator;
  /** What the whole config is called when a problem is at its top level [default "the config"]. */
  rootName?: string;
}

/** A field path in a notation: `["a", 0, "b"]` → `a[0].b` (dotted), `a/0/b` (slash), `a.0.b` (dots). */
export function fieldName(path: FieldPath, notation: FieldNotation = "dotted"): string {
  if (notation === "slash") return path.join("/");
  if (notation === "dots") return path.join(".");
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** The path of an ajv `instancePath` in `data` (array indices as numbers). */
function pointerPath(pointer: string, data: unknown): FieldPath {
  const out: FieldPath = [];
  let cur: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const s of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/** Rank of an ajv error: the most specific, user-meaningful first. */
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
    case "oneOf":
      return 9;
    default:
      return 5;
  }
}

const CHOICE = new Set(["anyOf", "oneOf"]);
const show = (v: unknown): string => JSON.stringify(v);

/** The field names a branch list of only `{required: [name]}` schemas asks for, or undefined. */
function requiredChoice(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const names: string[] = [];
  for (const b of branches) {
    const keys = b && typeof b === "object" ? Object.keys(b) : [];
    const req = (b as { required?: unknown })?.required;
    if (keys.length !== 1 || !Array.isArray(req) || req.length !== 1 || typeof req[0] !== "string") return undefined;
    names.push(req[0]);
  }
  return names;
}

/**
 * Drops the noise of anyOf/oneOf: a choice between `{required: [x]}` branches becomes one problem ("needs one
 * of …" / "give only one of …"); for other choices the errors of branches whose type does not match are
 * dropped when some branch's type matched, else all become one "must be A or B" problem; `if` errors go
 * (their then/else errors say what is wrong).
 */
function simplify(errors: readonly ErrorObject[]): {
  errors: ErrorObject[];
  choices: Map<ErrorObject, { kind: "required" | "type"; names: string[] }>;
} {
  let kept = errors.filter((e) => e.keyword !== "if");
  const choices = new Map<ErrorObject, { kind: "required" | "type"; names: string[] }>();
  for (const c of kept.filter((e) => CHOICE.has(e.keyword))) {
    const prefix = `${c.schemaPath}/`;
    const under = kept.filter((e) => e !== c && e.schemaPath.startsWith(prefix));
    const branchOf = (e: ErrorObject) => e.schemaPath.slice(prefix.length).split("/")[0]!;
    const names = requiredChoice(c.schema);
    if (names) {
      choices.set(c, { kind: "required", names });
      kept = kept.filter((e) => !under.includes(e));
      continue;
    }
    const mismatched = new Set(under.filter((e) => e.keyword === "type" && e.instancePath === c.instancePath).map(branchOf));
    const branches = Array.isArray(c.schema) ? c.schema.length : 0;
    if (mismatched.size > 0 && mismatched.size < branches) {
      kept = kept.filter((e) => !(under.includes(e) && mismatched.has(branchOf(e))));
      kept = kept.filter((e) => e !== c);
    } else if (mismatched.size === branches && branches > 0) {
      const types = under
        .filter((e) => e.keyword === "type" && e.instancePath === c.instancePath)
        .flatMap((e) => String((e.params as { type: string }).type).split(","));
      choices.set(c, { kind: "type", names: [...new Set(types)] });
      kept = kept.filter((e) => !under.includes(e));
    } else if (under.length > 0) {
      kept = kept.filter((e) => e !== c);
    }
  }
  return { errors: kept, choices };
}

/**
 * The problems of a value that failed a schema, most specific first, one per distinct message, each with
 * its field (in `options.notation`), line (`options.locate`), message and hint: unknown fields with a
 * did-you-mean and the allowed fields; missing fields with their schema `description`; enum values with a
 * did-you-mean and the allowed values (a long list shortened, or the schema's `description`); patterns in
 * the words of `options.patterns`; formats, types and ajv's own words for the rest.
 * @param errors ajv's errors of a validator made with `verbose: true` ({@link newAjv}'s default).
 */
export function schemaProblems(errors: readonly ErrorObject[], data: unknown, options: SchemaProblemsOptions = {}): ConfigProblem[] {
  const notation = options.notation ?? "dotted";
  const name = (p: FieldPath) => fieldName(p, notation);
  const rootName = options.rootName ?? "the config";
  const { errors: kept, choices } = simplify(errors);
  const sorted = [...kept].sort((a, b) => rank(a) - rank(b) || a.instancePath.length - b.instancePath.length);
  const describe = (e: ErrorObject): ConfigProblem => {
    const path = pointerPath(e.instancePath, data);
    const here = name(path);
    const value = valueAt(data, path);
    const parent = e.parentSchema as { properties?: Record<string, { description?: string }>; description?: string } | undefined;
    switch (e.keyword) {
      case "additionalProperties": {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        const known = Object.keys(parent?.properties ?? {});
        const guess = closeNames(extra, known)[0];
        const allowed = known.length ? `allowed fields: ${known.join(", ")}` : "this mapping takes no fields";
        return {
          field: name([...path, extra]),
          path: [...path, extra],
          message: `unknown field ${show(extra)}${here ? ` in ${here}` : ""}`,
          hint: guess ? `did you mean ${show(guess)}? ${allowed}` : allowed,
        };
      }
      case "required": {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        const full = name([...path, missing]);
        return {
          field: full,
          path: [...path, missing],
          message: `missing required field ${full}`,
          hint: parent?.properties?.[missing]?.description,
        };
      }
      case "enum": {
        const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
        const guess = typeof value === "string" ? closeNames(value, allowed)[0] : undefined;
        const list =
          allowed.length <= 12
            ? allowed.join(", ")
            : (parent?.description ?? `${allowed.slice(0, 12).join(", ")}, … (${allowed.length} values)`);
        return {
          field: here,
          path,
          message: `${here || rootName} has value ${show(value)}, which is not one of the allowed values`,
          hint: `${guess ? `did you mean ${show(guess)}? ` : ""}allowed values: ${list}`,
        };
      }
      case "pattern": {
        const pattern = (e.params as { pattern: string }).pattern;
        const text = options.patterns?.[pattern];
        if (!text) return { field: here, path, message: `${here || rootName} ${show(value)} must match the pattern ${pattern}` };
        const suggestion = typeof value === "string" ? text.suggest?.(value) : undefined;
        return {
          field: here,
          path,
          message: `${here || rootName} ${show(value)} is not ${text.what}`,
          hint: text.hint && `${text.hint}${suggestion ? `, e.g. ${show(suggestion)}` : ""}`,
        };
      }
      case "format": {
        const format = (e.params as { format: string }).format;
        return {
          field: here,
          path,
          message: `${here || rootName} ${show(value)} is not a valid ${format}`,
          hint: format === "uri" ? "write an absolute URL such as https://example.org/page" : undefined,
        };
      }
      case "type":
        return {
          field: here,
          path,
          message: `${here || rootName} must be ${String((e.params as { type: string }).type)
            .split(",")
            .join(" or ")}, not ${kindOf(value)}`,
        };
      case "anyOf":
      case "oneOf": {
        const choice = choices.get(e);
        if (choice?.kind === "type")
          return { field: here, path, message: `${here || rootName} must be ${choice.names.join(" or ")}, not ${kindOf(value)}` };
        if (choice?.kind === "required") {
          const present = choice.names.filter((n) => value !== null && typeof value === "object" && n in value);
          const fields = choice.names.map((n) => name([...path, n]));
          const hint = `give ${e.keyword === "oneOf" ? "exactly" : "at least"} one of ${fields.join(" or ")}`;
          return present.length > 1 && e.keyword === "oneOf"
            ? {
                field: name([...path, present[1]!]),
                path: [...path, present[1]!],
                message: `${here || rootName} has both ${present.map((n) => name([...path, n])).join(" and ")}: give only one`,
                hint,
              }
            : {
                field: name([...path, choice.names[0]!]),
                path,
                message: `${here || rootName} needs one of the fields ${fields.join(", ")}`,
                hint,
              };
        }
        return { field: here, path, message: `${here || rootName} ${e.message ?? "is invalid"}` };
      }
      default:
        return { field: here, path, message: `${here || rootName} ${e.message ?? "is invalid"}` };
    }
  };
  const seen = new Set<string>();
  return sorted
    .map(describe)
    .filter((p) => {
      if (seen.has(p.message)) return false;
      seen.add(p.message);
      return true;
    })
    .map((p) => ({ ...p, line: p.path && options.locate ? options.locate(p.path) : undefined }));
}

/** Options of {@link configError}. */
export interface ConfigErrorOptions {
  /** The fix when the first problem has none (e.g. "see examples/server-config.yaml"). */
  hint?: string;
  /** Problems named in the message; the rest are counted [default 5]. */
  maxListed?: number;
  /** The underlying error (e.g. of a time parser). */
  cause?: unknown;
}

/**
 * One INVALID_CONFIG for a config's problems: `file:line: first problem; line L: next problem … (and N
 * more problems)`, `field` and `hint` of the first, `details` every problem ({field, message, hint, line}).
 * @param problems at least one.
 */
export function configError(file: string, problems: readonly ConfigProblem[], options: ConfigErrorOptions = {}): EocubeError {
  const [first, ...rest] = problems;
  if (!first) throw new Error("configError needs a problem");
  const max = options.maxListed ?? 5;
  const listed = rest
    .slice(0, max - 1)
    .map((p) => `; ${p.line ? `line ${p.line}: ` : ""}${p.message}`)
    .join("");
  const left = rest.length - Math.min(rest.length, max - 1);
  const more = left > 0 ? ` (and ${left} more problem${left > 1 ? "s" : ""})` : "";
  return new EocubeError("INVALID_CONFIG", `${file}${first.line ? `:${first.line}` : ""}: ${first.message}${listed}${more}`, {
    path: file,
    field: first.field,
    hint: first.hint ?? options.hint,
    details: problems.map(({ field, message, hint, line }) => ({ field, message, hint, line })),
    cause: options.cause,
  });
}
