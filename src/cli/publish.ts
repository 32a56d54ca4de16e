// `eocube publish`: deep-code-compatible publication of a dataset and its workflow to an Open Science Catalog.
import { resolve } from "node:path";
import type { Command } from "commander";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { PublishMode } from "../catalog/publish/builder.js";
import type { PublishEnvironment } from "../catalog/publish/github.js";
import type { PublishResult } from "../catalog/publish/publish.js";
import type { CatalogProblem } from "../catalog/publish/validation.js";
import { terminalPrompt } from "./prompt.js";
import { printJson, runAction, withInterrupt } from "./run.js";

// The publication modules (catalog building, validation, git and GitHub clients) are imported when the action runs,
// not when the command is registered, so `eocube publish --help` and argument errors do not load them.

/** The local catalog used without `-e` when `--catalog` is not given. */
export const DEFAULT_CATALOG_DIR = "catalog";

interface PublishCliOptions {
  datasetConfig?: string;
  workflowConfig?: string;
  catalog?: string;
  environment?: string;
  mode: string;
  dryRun?: boolean;
  json?: boolean;
  interactive?: boolean;
  verbose?: boolean;
}

function textReport(r: PublishResult, formatProblem: (p: CatalogProblem) => string): string {
  const lines: string[] = [];
  if (r.noop) {
    lines.push(r.message);
    if (r.pullRequest) lines.push(`pull request: ${r.pullRequest.url}`);
    return `${lines.join("\n")}\n`;
  }
  if (r.dryRun) {
    lines.push(r.message);
    for (const f of r.files) lines.push(`  ${f.action.padEnd(6)} ${f.path}`);
    for (const d of r.diffs ?? []) lines.push("", d.diff.trimEnd());
  } else {
    lines.push(`branch: ${r.branch}`, `commit: ${r.commit}`, `files (${r.files.length}):`);
    for (const f of r.files) lines.push(`  ${f.action.padEnd(6)} ${f.path}`);
    if (r.pullRequest) lines.push(`pull request #${r.pullRequest.number} (${r.pullRequest.action}): ${r.pullRequest.url}`);
    if (r.catalog && r.previous) {
      const at = r.previous.branch ?? `the detached HEAD ${r.previous.sha.slice(0, 12)}`;
      lines.push(`checked out: ${at} (unchanged); to see the publication: git -C ${shellWord(r.catalog)} switch ${r.branch}`);
    }
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const w of r.validationWarnings ?? []) lines.push(`warning: ${formatProblem(w)}`);
  return `${lines.join("\n")}\n`;
}

/** `s` quoted for a POSIX shell when it holds anything but safe characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Runs the publication under {@link withInterrupt}: Ctrl-C or SIGTERM aborts it (the lock and temp folders are removed,
 * the catalog is left as it was) and it fails with CANCELLED saying so; a second signal exits at once, and the
 * process exit hook of catalog/publish/lock still removes the lock and temp folders.
 */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await withInterrupt(fn, { what: "eocube publish" });
  } catch (err) {
    if (!isEocubeError(err, "CANCELLED")) throw err;
    throw new EocubeError("CANCELLED", `${err.message}; the catalog repository was left as it was`, {
      hint: "run the same command again to publish",
      cause: err,
    });
  }
}

/** Registers `eocube publish` on the program. */
export function register(program: Command): void {
  program
    .command("publish")
    .description(
      "publish a dataset and its workflow to an Open Science Catalog: validate the whole resulting catalog, commit " +
        "on a new branch, and with -e push to your fork and open the pull request (a drop-in for `deep-code publish`)",
    )
    .argument(
      "[CONFIG...]",
      "the dataset and/or workflow config YAML, in either order (told apart by name and content, as deep-code does); " +
        "default: dataset-config.yaml / workflow-config.yaml (or deep-code's dataset_config.yaml / workflow_config.yaml) here",
    )
    .option("--dataset-config <file>", "the dataset config (overrides the positional files' detection)")
    .option("--workflow-config <file>", "the workflow config (overrides the positional files' detection)")
    .option(
      "--catalog <dir>",
      `local catalog git repository (default ./${DEFAULT_CATALOG_DIR}; with -e, a temp clone of the upstream when not given)`,
    )
    .option(
      "-e, --environment <env>",
      "publish on GitHub to ESA-EarthCODE/open-science-catalog-metadata[-staging|-testing]: production, staging or testing",
    )
    .option(
      "-m, --mode <mode>",
      "what to publish: all (dataset, workflow and experiment), dataset, or workflow (the workflow record only, as deep-code)",
      "all",
    )
    .option("--dry-run", "print the planned files and their diffs; change nothing")
    .option(
      "--interactive",
      "ask for missing values (a variable's GCMD keyword URL) and whether a new variable is one the catalog has, when run on a terminal",
    )
    .option("--json", "print JSON")
    .option("--verbose", "print progress")
    .action(async (positional: string[], opts: PublishCliOptions) => {
      await runAction(opts, async () => {
        // deep-code takes -m and -e case-insensitively (click case_sensitive=False)
        opts.mode = opts.mode.toLowerCase();
        if (opts.environment !== undefined) opts.environment = opts.environment.toLowerCase();
        if (!["all", "dataset", "workflow"].includes(opts.mode)) {
          throw new EocubeError("INVALID_ARGUMENT", `unknown mode ${JSON.stringify(opts.mode)}`, {
            field: "-m",
            hint: "use all, dataset or workflow",
          });
        }
        const [
          { configPlanBuilder },
          { assignConfigFiles, completeConfigFiles },
          { UPSTREAMS },
          { publish },
          { formatProblem, validationError },
        ] = await Promise.all([
          import("../catalog/publish/builder.js"),
          import("../catalog/publish/config-files.js"),
          import("../catalog/publish/github.js"),
          import("../catalog/publish/publish.js"),
          import("../catalog/publish/validation.js"),
        ]);
        const env = opts.environment;
        if (env !== undefined && !(env in UPSTREAMS)) {
          throw new EocubeError("INVALID_ARGUMENT", `unknown environment ${JSON.stringify(env)}`, {
            field: "-e",
            hint: "use production, staging or testing",
          });
        }
        const mode = opts.mode as PublishMode;
        const files = await completeConfigFiles(
          await assignConfigFiles({ positional, mode, dataset: opts.datasetConfig, workflow: opts.workflowConfig }),
          mode,
        );
        for (const note of files.notes) process.stderr.write(`note: ${note}\n`);
        const interactive = opts.interactive === true && process.stdin.isTTY === true && process.stderr.isTTY === true;
        const catalogDir = opts.catalog ?? (env ? undefined : resolve(DEFAULT_CATALOG_DIR));
        const result = await interruptible(async (signal) => {
          const build = await configPlanBuilder(files.dataset, files.workflow, {
            mode,
            ...(interactive ? { prompt: terminalPrompt({ signal }) } : {}),
            signal,
          });
          return publish({
            build,
            catalogDir,
            environment: env as PublishEnvironment | undefined,
            dryRun: opts.dryRun === true,
            signal,
            log: opts.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
          });
        });
        if (opts.json) printJson(result);
        else process.stdout.write(textReport(result, formatProblem));
        if (result.dryRun && result.problems && result.problems.length > 0) {
          throw validationError(result.problems);
        }
      });
    });
}
