// The bridge to the OSC catalog validator: runs it on a folder and turns its report into a list of errors.
import { EocubeError } from "../../core/errors.js";
import { validateCatalog } from "../osc/validate/index.js";

/** One problem found by the validator, as eocube prints it. */
export interface CatalogProblem {
  /** The catalog file, relative to the catalog root. */
  file: string;
  /** The rule that failed (schema or custom rule id). */
  rule: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** A catalog validator: validates the whole catalog in `dir` (e.g. `validateCatalog` of catalog/osc/validate). */
export type CatalogValidator = (dir: string) => Promise<unknown>;

/** The OSC validator (`validateCatalog` of src/catalog/osc/validate), with eocube's extra checks as warnings. */
export async function loadDefaultValidator(): Promise<CatalogValidator> {
  return validateCatalog;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function toProblem(p: Record<string, unknown>): CatalogProblem {
  return {
    file: str(p.file) ?? str(p.path) ?? str(p.document) ?? "(catalog)",
    rule: [str(p.rule) ?? str(p.code) ?? str(p.keyword) ?? "validation", str(p.section)].filter(Boolean).join(" / "),
    message: str(p.message) ?? JSON.stringify(p),
    ...(str(p.hint) ? { hint: str(p.hint) } : {}),
  };
}

function isError(p: Record<string, unknown>): boolean {
  const sev = str(p.severity) ?? str(p.level) ?? str(p.kind);
  return sev === undefined || sev === "error";
}

/**
 * The errors (not warnings) of a validation report. Accepts a report with an `errors` array, or with a
 * `problems`/`issues` array whose items carry `severity`/`level` ("error" | "warning"), optionally nested
 * per file (`files: [{file, errors}]`).
 */
export function reportErrors(report: unknown): CatalogProblem[] {
  if (report === null || typeof report !== "object") return [];
  const r = report as Record<string, unknown>;
  const out: CatalogProblem[] = [];
  if (Array.isArray(r.errors)) {
    for (const p of r.errors) if (p && typeof p === "object") out.push(toProblem(p as Record<string, unknown>));
  }
  for (const key of ["problems", "issues", "results"]) {
    const list = r[key];
    if (!Array.isArray(list)) continue;
    for (const p of list)
      if (p && typeof p === "object" && isError(p as Record<string, unknown>)) out.push(toProblem(p as Record<string, unknown>));
  }
  if (Array.isArray(r.files)) {
    for (const f of r.files) {
      if (!f || typeof f !== "object") continue;
      const fr = f as Record<string, unknown>;
      for (const p of reportErrors(fr))
        out.push({ ...p, file: p.file === "(catalog)" ? (str(fr.file) ?? str(fr.path) ?? p.file) : p.file });
    }
  }
  if (out.length === 0 && (r.valid === false || r.ok === false)) {
    out.push({ file: "(catalog)", rule: "validation", message: "the validator reported the catalog invalid" });
  }
  return out;
}

/**
 * The warnings of a validation report (eocube's extra checks, which never make a file invalid): the
 * `warnings` of each file report (`files: [{file, warnings}]`), a top-level `warnings` array, and items of
 * `problems`/`issues` whose severity is "warning".
 * @param onlyFiles keep only the warnings about these catalog-relative files (e.g. the ones a publication wrote).
 */
export function reportWarnings(report: unknown, onlyFiles?: Iterable<string>): CatalogProblem[] {
  if (report === null || typeof report !== "object") return [];
  const r = report as Record<string, unknown>;
  const out: CatalogProblem[] = [];
  const objects = (v: unknown) => (Array.isArray(v) ? v.filter((p): p is Record<string, unknown> => !!p && typeof p === "object") : []);
  for (const p of objects(r.warnings)) out.push(toProblem(p));
  for (const key of ["problems", "issues", "results"]) {
    for (const p of objects(r[key])) if (!isError(p)) out.push(toProblem(p));
  }
  for (const fr of objects(r.files)) {
    const file = str(fr.file) ?? str(fr.path);
    for (const p of objects(fr.warnings)) {
      const w = toProblem(p);
      out.push({ ...w, file: w.file === "(catalog)" ? (file ?? w.file) : w.file });
    }
  }
  if (onlyFiles === undefined) return out;
  const keep = new Set(onlyFiles);
  return out.filter((w) => keep.has(w.file));
}

/** One line per problem: `file: [rule] message (hint: …)`. */
export function formatProblem(p: CatalogProblem): string {
  return `${p.file}: [${p.rule}] ${p.message}${p.hint ? ` (hint: ${p.hint})` : ""}`;
}

/**
 * The VALIDATION_FAILED error for a list of problems, listing each file, rule and hint (all in `details.problems`).
 */
export function validationError(problems: CatalogProblem[], label = "the resulting catalog"): EocubeError {
  const lines = problems.slice(0, 20).map((p) => `  ${formatProblem(p)}`);
  if (problems.length > 20) lines.push(`  … ${problems.length - 20} more`);
  return new EocubeError(
    "VALIDATION_FAILED",
    `${label} does not pass OSC validation (${problems.length} error${problems.length === 1 ? "" : "s"}); nothing was written:\n${lines.join("\n")}`,
    {
      details: { problems },
      hint: "fix the configuration (or the catalog files named above) and publish again; `eocube validate <catalog>` shows the same report",
    },
  );
}
