// `eocube lint-dataset`: deep-code's `lint-dataset` — checks a cube's metadata before publishing with the rules of
// deep-code's xrlint setup; exit 0 when clean or only warned about, 2 with errors (or warnings with --strict).
import type { Command } from "commander";
import { deepEsdlAttempts, isDeepEsdlId, type CubeAttempt } from "../catalog/osc/build/cube.js";
import { lintDataset, type LintResult } from "../catalog/osc/lint.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { Dataset } from "../core/dataset.js";
import { redactUrl } from "../fs/https.js";
import { parseJsonOption, printJson, runAction, type GlobalOptions } from "./run.js";

interface LintCliOptions extends GlobalOptions {
  store?: string;
  storeParams?: string;
  strict?: boolean;
}

/** The text report: one line per finding (`error  rule  variable: message`), then the counts. */
export function formatLint(source: string, result: LintResult): string {
  const lines = [`${source}:`];
  for (const m of result.messages) {
    lines.push(`  ${m.severity.padEnd(5)}  ${m.rule.padEnd(34)}  ${m.variable ? `${m.variable}: ` : ""}${m.message}`);
    if (m.suggestion) lines.push(`         ${"".padEnd(34)}  suggestion: ${m.suggestion}`);
  }
  if (result.messages.length === 0) lines.push("  no problems");
  lines.push(`${result.errors} error(s), ${result.warnings} warning(s)`);
  return `${lines.join("\n")}\n`;
}

/** Opens the first source that opens; a later one after a failure (deep-code's public, then team bucket). */
async function openFirst(attempts: CubeAttempt[], storeId: string | undefined): Promise<{ ds: Dataset; source: string; ms: number }> {
  const { openDataset } = await import("../stores/open.js");
  let last: unknown;
  for (const a of attempts) {
    const t0 = performance.now();
    try {
      const ds = await openDataset(a.source, { storeId, storeParams: a.storeParams });
      return { ds, source: a.source, ms: performance.now() - t0 };
    } catch (err) {
      last = err;
    }
  }
  if (attempts.length > 1 && isEocubeError(last)) {
    throw new EocubeError(last.code, `none of ${attempts.map((a) => redactUrl(a.source)).join(", ")} could be opened: ${last.message}`, {
      hint: last.hint,
      cause: last,
    });
  }
  throw last;
}

/** Registers `eocube lint-dataset <dataset>` on the program. */
export function register(program: Command): void {
  program
    .command("lint-dataset")
    .description(
      "check a cube's metadata before publishing, with the checks of deep-code's lint-dataset (xrlint's recommended rules as " +
        "deep-code sets them, plus a dataset description and a gcmd_keyword_url on every data variable); exit 2 on errors",
    )
    .argument(
      "<dataset>",
      "a local path or URL of the cube, or (as deep-code) the id of a Zarr in the DeepESDL public bucket, else the team bucket of S3_USER_STORAGE_BUCKET",
    )
    .option("--store <id>", "data store id: file, https, s3 (default: from the URL)")
    .option("--store-params <json>", 'store params as JSON, e.g. \'{"storage_options": {"endpoint_url": "http://127.0.0.1:9000"}}\'')
    .option("--strict", "fail (exit 2) on warnings too")
    .option("--json", "print the findings as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube lint-dataset ./my-cube.zarr\n  eocube lint-dataset my-cube.zarr   # in the DeepESDL bucket, as deep-code",
    )
    .action(async (dataset: string, opts: LintCliOptions) => {
      await runAction(opts, async () => {
        const storeParams = parseJsonOption(opts.storeParams, "--store-params") as Record<string, unknown> | undefined;
        const attempts =
          !opts.store && (await isDeepEsdlId(dataset))
            ? deepEsdlAttempts(dataset, storeParams, process.env)
            : [{ source: dataset, storeParams }];
        const { ds, source, ms } = await openFirst(attempts, opts.store);
        let result: LintResult;
        try {
          result = lintDataset(ds, { accessLatencyMs: ms });
        } finally {
          await ds.close();
        }
        const shown = redactUrl(source);
        if (opts.json)
          printJson({ source: shown, valid: result.valid, errors: result.errors, warnings: result.warnings, messages: result.messages });
        else process.stdout.write(formatLint(shown, result));
        if (!result.valid || (opts.strict && result.warnings > 0)) {
          throw new EocubeError(
            "VALIDATION_FAILED",
            result.valid
              ? `${shown} has ${result.warnings} warning(s) (--strict)`
              : `${shown} does not pass lint-dataset: ${result.errors} error(s)`,
            {
              path: shown,
              hint: "fix the attributes listed above (deep-code's publish needs them), e.g. with xarray before writing the cube",
            },
          );
        }
      });
    });
}
