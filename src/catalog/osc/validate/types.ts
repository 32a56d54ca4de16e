// The shapes of an OSC validation report: per file, errors (the OSC CI would fail) and warnings (eocube's extra checks).

/** One problem in one file. */
export interface ValidationProblem {
  /**
   * Where the OSC CI reports it: "Custom" (a rule of open-science-catalog-validation's validate.js),
   * "Catalog" / "Collection" / "Feature" (STAC core schema), "osc (1.0.0)" etc. (an extension schema),
   * the OSC UI schema URL (https://testing.earthcode.eox.at/schemas/…), "File" (unreadable JSON), or
   * "eocube" for eocube's own checks (warnings only).
   */
  section: string;
  /** The message, identical to the CI's for CI problems (absolute paths inside it point into the catalog). */
  message: string;
  /** A stable rule id, e.g. `id-folder-name`, `related-link`, `schema` (see docs of {@link validateCatalog}). */
  rule: string;
  /** How to fix it, in one sentence. */
  hint: string;
}

/** The verdict for one file. */
export interface FileReport {
  /** The file, relative to the catalog root, '/'-separated (e.g. "products/my-cube/collection.json"). */
  file: string;
  /** False when the OSC CI would reject the file (any error). Warnings never make a file invalid. */
  valid: boolean;
  /** Problems the OSC CI reports. */
  errors: ValidationProblem[];
  /** Problems the OSC CI does not report but that eocube sees (missing reverse links, missing link targets, …). */
  warnings: ValidationProblem[];
}

/** The verdict for a whole catalog. */
export interface ValidationReport {
  /** The catalog root as given (absolute). */
  root: string;
  /** True when every file is valid (warnings allowed). */
  valid: boolean;
  /** Counts over the validated files. */
  summary: { files: number; valid: number; invalid: number; warnings: number };
  /** One report per validated JSON file, sorted by path. */
  files: FileReport[];
}

/** Options of {@link validateCatalog}. */
export interface ValidateCatalogOptions {
  /** Aborts between files (CANCELLED). */
  signal?: AbortSignal;
  /** Run eocube's extra checks, reported as warnings [default: true]. */
  extraChecks?: boolean;
  /** Called after each file is validated, with the files done and the files to validate. */
  onFile?: (done: number, total: number) => void;
}
