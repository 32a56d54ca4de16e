// `eocube reproduce <experiment>`: re-runs a published eocube gen experiment and compares the new cube with the
// published one (exit 0 equal, 1 different); other workflows are listed with what a re-run needs (exit 3).
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { reproduceExperiment, type ReproduceResult } from "../catalog/osc/reproduce/index.js";
import { printJson, runAction, withInterrupt, type GlobalOptions } from "./run.js";

interface ReproduceCliOptions extends GlobalOptions {
  catalog?: string;
  output?: string;
  published?: string;
  rtol?: string;
  atol?: string;
  workers?: string;
}

/** Exit code when the regenerated cube differs from the published one (as `diff`/`cmp`: 1). */
export const EXIT_DIFFERENT = 1;
/** Exit code when the experiment's workflow is not an eocube gen request: not re-run, its needs listed. */
export const EXIT_NOT_RUNNABLE = 3;

function number(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new EocubeError("INVALID_ARGUMENT", `${option} must be a number ≥ ${min}, got ${JSON.stringify(value)}`, {
      field: option,
      hint: option === "--workers" ? "e.g. --workers 2 (0: on the main thread)" : `e.g. ${option} 1e-6`,
    });
  }
  return n;
}

const fmt = (x: number) =>
  x === 0 ? "0" : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(6))) : x.toExponential(3);

/** The human form of a result: the verdict, the grid check and one line per variable (or the workflow's needs). */
export function formatReproduce(r: ReproduceResult): string {
  const lines: string[] = [`experiment ${r.experiment} (${r.record})`, `workflow:   ${r.workflow}`];
  if (r.needs) {
    lines.push("not re-run: eocube re-runs eocube gen requests only. A re-run needs:");
    for (const n of r.needs.needs) lines.push(`  - ${n}`);
    if (r.needs.links.length) {
      lines.push("links:");
      for (const l of r.needs.links) lines.push(`  ${l.rel}: ${l.href}${l.title ? `  (${l.title})` : ""}`);
    }
  }
  const c = r.comparison;
  if (c) {
    lines.push(`published:  ${r.published}`);
    if (r.regenerated) lines.push(`regenerated: ${r.regenerated}`);
    const dims = Object.entries(c.grid.dims.expected)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    lines.push(`grid:       ${c.grid.equal ? "same" : "DIFFERENT"} (${dims}; CRS ${c.grid.crs.expected ?? "none"})`);
    for (const d of c.grid.differences) lines.push(`  ${d}`);
    lines.push(`variables (rtol ${c.rtol}, atol ${c.atol}):`);
    for (const v of c.variables) {
      if (v.status === "missing") lines.push(`  ${v.name}: MISSING in the published cube`);
      else if (v.status === "extra") lines.push(`  ${v.name}: only in the published cube`);
      else if (v.status === "shape") lines.push(`  ${v.name}: DIFFERENT shape: ${v.detail}`);
      else {
        const mark = v.status === "equal" ? "equal    " : "DIFFERENT";
        lines.push(
          `  ${v.name}: ${mark} max abs diff ${fmt(v.maxAbsDiff)}, ${v.differing} of ${v.cells} cells differ (${fmt(v.fraction * 100)} %), NaN mismatches ${v.nanMismatch}`,
        );
      }
    }
    lines.push(c.equal ? "result: the published cube is reproduced" : "result: the published cube is NOT reproduced");
  }
  return `${lines.join("\n")}\n`;
}

/** Registers `eocube reproduce <experiment>` on the program. */
export function register(program: Command): void {
  program
    .command("reproduce")
    .description(
      "Re-run a published experiment whose workflow is an eocube gen request and compare the result with the published cube " +
        "(exit 0 equal within tolerance, 1 different, 2 user error, 3 another workflow kind: what a re-run needs is listed)",
    )
    .argument("<experiment>", "an experiment id (in --catalog), the path of experiments/<id>/record.json, or its URL")
    .option("--catalog <dir>", "the local OSC catalog an experiment id is looked up in (default: the current folder)")
    .option("-o, --output <dir>", "keep the regenerated cube in this folder (<dir>/<experiment>.zarr); default: a temp folder, removed")
    .option("--published <cube>", "the published cube to compare with (default: input.yaml outputs source, else the product's Access link)")
    .option("--rtol <x>", "relative tolerance, as numpy's isclose (default 1e-5)")
    .option("--atol <x>", "absolute tolerance in the variable's units (default 1e-8)")
    .option("--workers <n>", "worker threads of the gen run (default: the core count; 0: main thread)")
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube reproduce my-experiment --catalog ./catalog\n  eocube reproduce ./catalog/experiments/my-experiment/record.json --atol 1e-4\n" +
        "  eocube reproduce https://example.org/catalog/experiments/my-experiment/record.json --json",
    )
    .action(async (ref: string, opts: ReproduceCliOptions) => {
      await runAction(opts, async () => {
        const rtol = number(opts.rtol, "--rtol", 0);
        const atol = number(opts.atol, "--atol", 0);
        const workers = number(opts.workers, "--workers", 0);
        const result = await withInterrupt(
          (signal) =>
            reproduceExperiment(ref, {
              catalog: opts.catalog,
              outputDir: opts.output,
              published: opts.published,
              rtol,
              atol,
              workers,
              signal,
            }),
          { what: "eocube reproduce" },
        );
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        if (opts.json) printJson(result);
        else process.stdout.write(formatReproduce(result));
        if (result.needs) return EXIT_NOT_RUNNABLE;
        return result.comparison?.equal ? 0 : EXIT_DIFFERENT;
      });
    });
}
