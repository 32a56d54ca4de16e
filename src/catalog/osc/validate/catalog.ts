// Validates an OSC catalog folder as the OSC CI does (STAC core + extensions + OSC UI schemas + custom
// rules), file by file, and adds eocube's extra checks as warnings.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { EocubeError, throwIfAborted } from "../../../core/errors.js";
import { sectionLabel } from "../../stac/messages.js";
import { coreSchemaUrl, isHttpUrl, validateAgainst, type StacProblem } from "../../stac/validate.js";
import { CatalogIndex } from "./catalog-index.js";
import { Checks, type Finding } from "./checks.js";
import { extraChecks } from "./extra.js";
import { entityKind, OscRules } from "./rules.js";
import type { FileReport, ValidateCatalogOptions, ValidationProblem, ValidationReport } from "./types.js";

/** Where validate.js addresses the OSC UI schemas. */
export const OSC_SCHEMA_URL = "https://testing.earthcode.eox.at/schemas/";

/** STAC versions at or above 1.0.0-rc.1 that catalogs use (no version comparison needed). */
const SUPPORTED = new Set(["1.0.0", "1.1.0"]);

const SCHEMA_HINT = "fix the field named at the start of the message (see the schema named in 'section')";

/**
 * Validates every JSON file of an OSC catalog folder offline, reproducing the OSC CI
 * (ESA-EarthCODE/open-science-catalog-validation on stac-node-validator):
 * - records (workflows, experiments; no `stac_version`): the OGC API Records schema, the OSC UI schema of the
 *   entity and the custom rules;
 * - STAC files: the core schema of their `stac_version`, each `stac_extensions` schema, the OSC UI schema of
 *   the entity folder (`<entity>/parent.json` for the sub-catalogs, `<entity>/children.json` for the entities),
 *   then the custom rules (id = folder name, parent/root/child links and their titles, `osc:*` references with
 *   their `related` links and title prefixes, themes, technical officer, via links, experiments' input and
 *   environment links, sub-catalogs listing exactly their entity folders, files in unexpected places, …).
 * Errors carry the CI's section and message; eocube's extra checks (reverse links, link targets on disk,
 * links the CI skips, WGS84 bboxes) are warnings, which never make a file invalid.
 * Dot-folders (`.git`, `.github`, …), `node_modules` and the root's package.json / package-lock.json /
 * tsconfig.json are not catalog content and are skipped.
 * @param rootDir the catalog root (the folder holding the root catalog.json).
 * @throws EocubeError NOT_FOUND when `rootDir` is not a folder or has no root catalog.json; CANCELLED when `signal` aborts.
 */
export async function validateCatalog(rootDir: string, options: ValidateCatalogOptions = {}): Promise<ValidationReport> {
  const index = openIndex(rootDir);
  return validateWithIndex(index, index.files, options);
}

/**
 * Validates only some files of a catalog (e.g. the ones a publication writes), in the context of the whole
 * catalog (titles, existence and child listings come from the folder).
 * @param changedFiles paths relative to `rootDir` ('/'-separated) or absolute; files that do not exist are reported as errors.
 * @throws EocubeError NOT_FOUND when `rootDir` is not a folder or has no root catalog.json.
 */
export async function validateCatalogFiles(
  rootDir: string,
  changedFiles: string[],
  options: ValidateCatalogOptions = {},
): Promise<ValidationReport> {
  const index = openIndex(rootDir);
  const files = [...new Set(changedFiles.map((f) => resolve(index.root, f)))].sort();
  return validateWithIndex(index, files, options);
}

function openIndex(rootDir: string): CatalogIndex {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new EocubeError("NOT_FOUND", `Catalog folder not found: ${rootDir}`, {
      path: rootDir,
      hint: "give the folder that holds the root catalog.json of the OSC metadata repository",
    });
  }
  const rootCatalog = resolve(root, "catalog.json");
  if (!existsSync(rootCatalog) || !statSync(rootCatalog).isFile()) {
    throw new EocubeError("NOT_FOUND", `${rootDir} is not an Open Science Catalog: it has no root catalog.json`, {
      path: rootDir,
      hint: "give the catalog root (the folder holding the root catalog.json), or make a new catalog with `eocube catalog init <dir>`",
    });
  }
  return new CatalogIndex(root);
}

async function validateWithIndex(index: CatalogIndex, files: string[], options: ValidateCatalogOptions): Promise<ValidationReport> {
  const reports: FileReport[] = [];
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && (i & 255) === 0) await new Promise<void>((r) => setImmediate(r)); // let other work (and an abort) in
    throwIfAborted(options.signal);
    reports.push(validateFile(index, files[i], options));
    index.release(files[i]);
    options.onFile?.(i + 1, files.length);
  }
  reports.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const invalid = reports.filter((r) => !r.valid).length;
  return {
    root: index.root,
    valid: invalid === 0,
    summary: {
      files: reports.length,
      valid: reports.length - invalid,
      invalid,
      warnings: reports.reduce((n, r) => n + r.warnings.length, 0),
    },
    files: reports,
  };
}

/** Validates one file of the index; see {@link validateCatalog}. */
export function validateFile(index: CatalogIndex, abs: string, options: ValidateCatalogOptions = {}): FileReport {
  const rel = index.rel(abs);
  const report: FileReport = { file: rel, valid: true, errors: [], warnings: [] };
  const doc = index.doc(abs);
  if (!doc.ok) {
    report.errors.push({ section: "File", message: doc.error, rule: "json", hint: "the file must be readable, valid JSON" });
    report.valid = false;
    return report;
  }
  if (!doc.json || typeof doc.json !== "object" || Array.isArray(doc.json)) {
    report.errors.push({
      section: "File",
      message: "must be a JSON object",
      rule: "json",
      hint: "a STAC file or record is one JSON object",
    });
    report.valid = false;
    return report;
  }
  let data = doc.json as Record<string, any>;
  // validate.js afterLoading: the OSC UI schema of a sub-catalog or a product/project collection is appended to
  // stac_extensions (an extension like any other); records get theirs in bypassValidation (below).
  const appended = afterLoadingSchemaFor(rel);
  if (appended) data = { ...data, stac_extensions: [...(Array.isArray(data.stac_extensions) ? data.stac_extensions : []), appended] };
  const recordSchema = data.stac_version === undefined ? recordSchemaFor(rel) : undefined;
  // The editor's schema of an entity the CI does not check against it (themes, variables, EO missions): a warning.
  const ui = appended || recordSchema ? undefined : uiSchemaFor(rel);
  const kind = entityKind(rel, data.id);

  const errors: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  const schemaProblems = (problems: StacProblem[], section?: string): ValidationProblem[] => {
    let concrete = false; // a previous error of the same schema named a field
    return problems.map((p) => {
      const consequence = concrete && p.instancePath === "";
      concrete ||= p.instancePath !== "";
      const hint = consequence
        ? "most likely a consequence of the error above in the same schema (it allows several shapes): fix that one first"
        : schemaHint(p);
      return { section: section ?? p.section, message: p.message, rule: "schema", hint };
    });
  };

  if (data.stac_version === undefined) {
    // OGC API Records (workflows, experiments): records schema, the UI schema, then the custom rules.
    errors.push(...schemaProblems(validateAgainst(data, `${OSC_SCHEMA_URL}records.json`, String(data.type ?? "Record"))));
    // The CI files these under 'custom' and its custom rules then overwrite the list: the file fails with
    // no message printed. eocube prints them under the schema's URL.
    if (recordSchema) errors.push(...schemaProblems(validateAgainst(data, recordSchema, recordSchema)));
    if (kind === "workflow" || kind === "experiment") {
      const t = new Checks();
      t.run(() => new OscRules(index, abs, data, t)[kind]());
      errors.push(...t.findings.map((f) => custom_(f)));
    }
  } else if (
    typeof data.stac_version !== "string" ||
    (!SUPPORTED.has(data.stac_version) && compareVersions(data.stac_version, "1.0.0-rc.1") < 0)
  ) {
    warnings.push({
      section: "eocube",
      message: typeof data.stac_version !== "string" ? "No STAC version found" : "Can only validate STAC version >= 1.0.0-rc.1",
      rule: "skipped",
      hint: 'the OSC CI skips this file; set "stac_version": "1.0.0" so that it is validated',
    });
  } else if (data.type === "FeatureCollection") {
    warnings.push({
      section: "eocube",
      message: "STAC ItemCollections not supported yet",
      rule: "skipped",
      hint: "the OSC CI skips ItemCollections",
    });
  } else if (data.type !== "Catalog" && data.type !== "Collection" && data.type !== "Feature") {
    errors.push({
      section: String(data.type ?? "STAC"),
      message: "/type Can't detect type of the STAC object. Is the 'type' field missing or invalid?",
      rule: "type",
      hint: 'set "type" to "Catalog", "Collection" or "Feature"',
    });
  } else {
    errors.push(...schemaProblems(validateAgainst(data, coreSchemaUrl(data.stac_version, data.type), data.type)));
    const exts = Array.isArray(data.stac_extensions) ? [...new Set<unknown>(data.stac_extensions)] : [];
    for (const ext of exts) {
      if (!isHttpUrl(ext)) {
        errors.push({
          section: String(ext),
          message: "'stac_extensions' must contain a valid HTTP(S) URL to a schema.",
          rule: "schema",
          hint: "list schema URLs such as https://stac-extensions.github.io/osc/v1.0.0/schema.json",
        });
        continue;
      }
      errors.push(...schemaProblems(validateAgainst(data, ext as string, sectionLabel(ext as string))));
    }
    const t = new Checks();
    t.run(() => stacRules(index, abs, data, kind, t));
    errors.push(...t.findings.map((f) => custom_(f)));
  }

  if (ui && options.extraChecks !== false) {
    warnings.push(
      ...schemaProblems(validateAgainst(data, ui, ui)).map((p) => ({
        ...p,
        hint: `${p.hint}; the OSC editor's schema for this entity (not enforced by the OSC CI)`,
      })),
    );
  }
  if (options.extraChecks !== false) {
    warnings.push(...extraChecks(index, abs, data, kind));
  }
  report.errors = dedupe(errors);
  const errorMessages = new Set(report.errors.map((e) => e.message));
  // A link to a missing file is already an error when the CI names that file (e.g. an osc:* reference).
  const missingTarget = (w: ValidationProblem) =>
    w.rule === "link-target-exists" ? / points to a missing file (.+)$/.exec(w.message)?.[1] : undefined;
  report.warnings = dedupe(warnings).filter((w) => {
    if (errorMessages.has(w.message)) return false;
    const target = missingTarget(w);
    return !target || !report.errors.some((e) => e.message.includes(target));
  });
  if (report.errors.length > 0) report.valid = false;
  return report;
}

function stacRules(index: CatalogIndex, abs: string, data: any, kind: ReturnType<typeof entityKind>, t: Checks): void {
  t.truthy(
    ["1.0.0", "1.1.0"].includes(data.stac_version),
    `stac_version must be '1.0.0'`,
    "stac-version",
    'set "stac_version": "1.0.0" (or "1.1.0")',
  );
  const catalogLike = data.type === "Catalog" || data.type === "Collection";
  t.truthy(
    !catalogLike || (typeof data.title === "string" && data.title.length > 0),
    "must have a title",
    "title",
    'add a non-empty "title"',
  );
  const rules = new OscRules(index, abs, data, t);
  switch (kind) {
    case "product-content":
      return; // items and other files a product ships: no OSC rules
    case "sub-catalog": {
      const entity = index.rel(abs).split("/")[0];
      const child =
        entity === "products" || entity === "projects"
          ? "Collection"
          : entity === "workflows" || entity === "experiments"
            ? "Record"
            : "Catalog";
      rules.subCatalog(child);
      return;
    }
    case "root":
      rules.root();
      return;
    case "eo-mission":
      rules.eoMission();
      return;
    case "product":
      rules.product();
      return;
    case "project":
      rules.project();
      return;
    case "theme":
      rules.theme();
      return;
    case "variable":
      rules.variable();
      return;
    default:
      t.fail(
        "A file was found in an unexpected location. Validation must occur in the context of a full OSC metadata catalog. Files outside of the expected structure can't be validated.",
        "unexpected-file",
        "move the file into its entity folder (e.g. products/<id>/collection.json) or remove it",
      );
  }
}

// validate.js's path tests, applied as it applies them: unanchored, to the file's path ("/" + the path relative
// to the catalog root here; the CI's absolute path ends the same way), unescaped dots included.
const AFTER_LOADING =
  /\/(eo-missions|products|projects|themes|variables|workflows|experiments)\/(catalog.json|(?:[^/]+\/)?collection.json)/;
const WORKFLOW_RECORD = /\/workflows\/[^/]+\/record.json/;
const EXPERIMENT_RECORD = /\/experiments\/[^/]+\/record.json/;

/**
 * The OSC UI schema validate.js's `afterLoading` appends to a file's `stac_extensions`: `<type>/parent.json` for a
 * sub-catalog `<type>/catalog.json`, `<type>/children.json` for `<type>/<id>/collection.json` (products, projects);
 * undefined elsewhere — the `<id>/catalog.json` of themes, variables and EO missions are not matched.
 * Source: open-science-catalog-validation validate.js (v1.0.0-rc.15), `afterLoading`.
 * @param rel the path relative to the catalog root, '/'-separated.
 */
export function afterLoadingSchemaFor(rel: string): string | undefined {
  const m = AFTER_LOADING.exec(`/${rel}`);
  if (!m) return undefined;
  return `${OSC_SCHEMA_URL}${m[1]}/${m[2] === "catalog.json" ? "parent" : "children"}.json`;
}

/**
 * The OSC UI schema validate.js's `bypassValidation` checks a record (a file without `stac_version`) against,
 * after `records.json`: `workflows/children.json` for `workflows/<id>/record.json`, `experiments/children.json`
 * for `experiments/<id>/record.json`; undefined for other records.
 * Source: open-science-catalog-validation validate.js (v1.0.0-rc.15), `bypassValidation`.
 */
export function recordSchemaFor(rel: string): string | undefined {
  const p = `/${rel}`;
  if (WORKFLOW_RECORD.test(p)) return `${OSC_SCHEMA_URL}workflows/children.json`;
  if (EXPERIMENT_RECORD.test(p)) return `${OSC_SCHEMA_URL}experiments/children.json`;
  return undefined;
}

/**
 * The OSC editor (UI) schema of a path's entity folder: `<entity>/parent.json` for `<entity>/catalog.json`,
 * `<entity>/children.json` for an entity's own file (`<entity>/<id>/catalog|collection|record.json`). The CI
 * enforces it only where {@link afterLoadingSchemaFor} or {@link recordSchemaFor} say so; eocube checks the
 * rest (themes, variables, EO missions) as warnings.
 */
export function uiSchemaFor(rel: string): string | undefined {
  const m =
    /^(eo-missions|products|projects|themes|variables|workflows|experiments)\/(catalog\.json|[^/]+\/(catalog|collection|record)\.json)$/.exec(
      rel,
    );
  if (!m) return undefined;
  return `${OSC_SCHEMA_URL}${m[1]}/${m[2] === "catalog.json" ? "parent" : "children"}.json`;
}

function custom_(f: Finding): ValidationProblem {
  return { section: "Custom", message: f.message, rule: f.rule, hint: f.hint };
}

function schemaHint(p: StacProblem): string {
  if (p.message.startsWith("Schema at '"))
    return "eocube validates offline against its bundled schemas: use a bundled version of this schema (see schemas/README.md)";
  const m = /allowed values: ([^)]*)\)/.exec(p.message);
  if (m) return `use one of the allowed values${m[1].length > 200 ? " (see the schema)" : `: ${m[1]}`}`;
  const req = /missing property: ([^)]*)\)/.exec(p.message);
  if (req) return `add the field "${req[1]}"`;
  return SCHEMA_HINT;
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.section}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Compares two semantic versions (with pre-releases such as `1.0.0-rc.1`): negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.replace(/^v/, "").split("-", 2) as [string, string | undefined];
    return { core: core.split(".").map((x) => Number.parseInt(x, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  const xp = x.pre.split(".");
  const yp = y.pre.split(".");
  for (let i = 0; i < Math.max(xp.length, yp.length); i++) {
    if (xp[i] === undefined) return -1;
    if (yp[i] === undefined) return 1;
    const xn = /^\d+$/.test(xp[i]) ? Number(xp[i]) : NaN;
    const yn = /^\d+$/.test(yp[i]) ? Number(yp[i]) : NaN;
    if (!Number.isNaN(xn) && !Number.isNaN(yn)) {
      if (xn !== yn) return xn - yn;
    } else if (xp[i] !== yp[i]) return xp[i] < yp[i] ? -1 : 1;
  }
  return 0;
}
