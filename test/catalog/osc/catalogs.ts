// Test helper of the OSC builder tests: temp catalogs (a fresh `catalog init` one, a copy of the real OSC sample),
// applying a plan to a folder, the OSC CI's errors of a folder, a catalog file as JSON.
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initCatalog } from "../../../src/catalog/osc/init.js";
import type { PublicationPlan } from "../../../src/catalog/osc/plan.js";
import { validateCatalog } from "../../../src/catalog/osc/validate/index.js";

/** The real OSC sample (shared/fixtures). */
export const OSC_SAMPLE = fileURLToPath(new URL("../../../../shared/fixtures/osc-catalog-sample/", import.meta.url));

/** A JSON document of the catalog. */
// biome-ignore lint/suspicious/noExplicitAny: parsed catalog JSON, walked by field name in the tests
export type Json = Record<string, any>;

/** A new catalog made by `catalog init` in a temp folder (`<temp>/osc`), dated `now`. */
export async function freshCatalog(now: Date, prefix = "eocube-osc-"): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), prefix)), "osc");
  await initCatalog(dir, { now });
  return dir;
}

/** A copy of the real OSC sample in a temp folder (`<temp>/osc`). */
export async function sampleCopy(prefix = "eocube-osc-sample-"): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), prefix)), "osc");
  await cp(OSC_SAMPLE, dir, { recursive: true });
  return dir;
}

/** Writes a plan's files into `dir` (what the commit would hold). */
export async function applyPlan(dir: string, plan: PublicationPlan): Promise<void> {
  for (const f of plan.files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
}

/** Runs the OSC validator; returns the CI errors as `file: section: message` (warnings are eocube's extra checks). */
export async function ciErrors(dir: string): Promise<string[]> {
  const report = await validateCatalog(dir);
  return report.files.flatMap((f) => f.errors.map((e) => `${f.file}: ${e.section}: ${e.message}`));
}

/** A catalog file parsed. */
export async function readJson(dir: string, path: string): Promise<Json> {
  return JSON.parse(await readFile(join(dir, path), "utf8"));
}
