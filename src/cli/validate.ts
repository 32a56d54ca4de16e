// `eocube validate`: checks an OSC catalog folder offline as the OSC CI does, and prints per file the
// rule, the message and a hint.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { validateCatalog, type FileReport, type ValidationProblem, type ValidationReport } from "../catalog/osc/validate/index.js";
import { printJson, runAction, type GlobalOptions } from "./run.js";

interface ValidateOptions extends GlobalOptions {
  strict?: boolean;
  warnings?: boolean;
}

/** Registers `eocube validate <catalog-dir>` on the program. */
export function register(program: Command): void {
  program
    .command("validate")
    .description(
      "Validate an Open Science Catalog folder offline as the OSC CI does (STAC core + extensions + OSC schemas + OSC rules); exit 2 when invalid",
    )
    .argument("<catalog-dir>", "the catalog root: the folder holding the root catalog.json")
    .option("--json", "print the whole report as JSON")
    .option("--strict", "fail (exit 2) on warnings too")
    .option("--no-warnings", "do not print warnings (they are still counted)")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube validate ./open-science-catalog-metadata\n  eocube validate ./catalog --json > report.json\n  eocube validate ./catalog --strict",
    )
    .action(async (dir: string, opts: ValidateOptions) => {
      await runAction(opts, async () => {
        // the bar (cli-progress) is loaded only where it can be drawn: on a terminal, without --json
        const bar =
          opts.json || process.stderr.isTTY !== true
            ? undefined
            : (await import("./progress.js")).progressBar("validate", opts, { unit: "files" });
        const report = await validateCatalog(dir, bar ? { onFile: (done, total) => bar.update(done, total) } : {}).finally(() =>
          bar?.stop(),
        );
        if (opts.json) printJson(report);
        else process.stdout.write(formatReport(report, { warnings: opts.warnings !== false }));
        const failed = !report.valid || (opts.strict === true && report.summary.warnings > 0);
        if (failed) {
          const { invalid, warnings } = report.summary;
          const where = opts.json ? "in the report's files[].errors / files[].warnings" : "listed above";
          throw new EocubeError(
            "VALIDATION_FAILED",
            invalid > 0
              ? `The catalog does not pass validation: ${invalid} invalid file(s)`
              : `The catalog has ${warnings} warning(s) (--strict)`,
            {
              path: report.root,
              hint:
                invalid > 0
                  ? `fix the errors ${where} (each with its rule and a hint); the OSC CI would reject them`
                  : `fix the warnings ${where}, or drop --strict`,
            },
          );
        }
      });
    });
}

/** Options of {@link formatReport}. */
export interface FormatReportOptions {
  /** Print warnings [default: true]. */
  warnings?: boolean;
}

/**
 * The human form of a report: for each file with problems, the file, then per problem
 * `✗ [section] message (rule)` or `! [section] message (rule)` and its hint; then the summary line
 * "N files, N valid, N invalid, N warnings".
 */
export function formatReport(report: ValidationReport, options: FormatReportOptions = {}): string {
  const showWarnings = options.warnings !== false;
  const lines: string[] = [];
  const rel = (m: string) => m.split(`${report.root}/`).join("");
  const problem = (mark: string, p: ValidationProblem) => {
    const [first, ...rest] = rel(p.message).split("\n");
    lines.push(`  ${mark} [${p.section}] ${first}  (${p.rule})`);
    for (const r of rest) if (r.trim()) lines.push(`      ${r}`);
    lines.push(`      hint: ${p.hint}`);
  };
  const shown = (f: FileReport) => f.errors.length > 0 || (showWarnings && f.warnings.length > 0);
  for (const f of report.files.filter(shown)) {
    lines.push(`${f.file}: ${f.valid ? "valid, with warnings" : "INVALID"}`);
    for (const e of f.errors) problem("✗", e);
    if (showWarnings) for (const w of f.warnings) problem("!", w);
  }
  if (lines.length > 0) lines.push("");
  const s = report.summary;
  lines.push(`${s.files} files, ${s.valid} valid, ${s.invalid} invalid, ${s.warnings} warnings`);
  return `${lines.join("\n")}\n`;
}
