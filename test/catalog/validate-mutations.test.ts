// The OSC validator against the real validator's verdicts on one-change mutations of the real catalog sample that
// probe where the OSC CI enforces its UI schemas (sub-catalogs → <type>/parent.json, product/project collections and
// workflow/experiment records → <type>/children.json; theme/variable/EO-mission <id>/catalog.json: not at all).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { afterLoadingSchemaFor, recordSchemaFor, uiSchemaFor, validateCatalog } from "../../src/catalog/osc/validate/index.js";
import { OSC_MUTATIONS } from "./osc-mutations.js";

const SAMPLE = fileURLToPath(new URL("../../../shared/fixtures/osc-catalog-sample/", import.meta.url));
const VERDICTS = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/osc-mutation-verdicts.json", import.meta.url)), "utf8")) as {
  baseline: { valid: number; invalid: number };
  cases: Record<string, { valid: number; invalid: number; invalid_files: Record<string, Array<{ section: string; message: string }>> }>;
};

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("validateCatalog on mutations of the real sample, against the real validator's verdicts", () => {
  it("has a recorded verdict for every mutation, on a fully valid baseline", () => {
    expect(VERDICTS.baseline).toEqual({ valid: 36, invalid: 0 });
    expect(Object.keys(VERDICTS.cases).sort()).toEqual(OSC_MUTATIONS.map((m) => m.id).sort());
  });

  for (const m of OSC_MUTATIONS) {
    it(`${m.id}: ${m.description}`, async () => {
      const expected = VERDICTS.cases[m.id]!;
      const dir = mkdtempSync(join(tmpdir(), "eocube-osc-mut-"));
      temps.push(dir);
      cpSync(SAMPLE, dir, { recursive: true });
      const path = join(dir, m.file);
      const json = JSON.parse(readFileSync(path, "utf8"));
      writeFileSync(path, `${JSON.stringify(m.mutate(json) ?? json, null, 2)}\n`);
      const report = await validateCatalog(dir);
      expect({ valid: report.summary.valid, invalid: report.summary.invalid }).toEqual({
        valid: expected.valid,
        invalid: expected.invalid,
      });
      const got: Record<string, string[]> = {};
      for (const f of report.files.filter((x) => !x.valid)) {
        const lost = recordSchemaFor(f.file);
        if (lost) {
          // The CI prints no message for a record's UI schema errors (its custom rules overwrite them): eocube does.
          if (expected.invalid_files[f.file]?.length === 0) expect(f.errors.some((e) => e.section === lost)).toBe(true);
        }
        got[f.file] = f.errors
          .filter((e) => e.section !== lost)
          .map((e) => `${e.section} :: ${e.message.split(dir).join("<root>").split("\n")[0]}`);
      }
      const want: Record<string, string[]> = {};
      for (const [file, errs] of Object.entries(expected.invalid_files)) want[file] = errs.map((e) => `${e.section} :: ${e.message}`);
      expect(got).toEqual(want);
    });
  }
});

describe("where the CI adds its UI schemas (validate.js afterLoading / bypassValidation)", () => {
  const ui = "https://testing.earthcode.eox.at/schemas/";
  it("sub-catalogs get <type>/parent.json, product and project collections <type>/children.json", () => {
    expect(afterLoadingSchemaFor("eo-missions/catalog.json")).toBe(`${ui}eo-missions/parent.json`);
    expect(afterLoadingSchemaFor("workflows/catalog.json")).toBe(`${ui}workflows/parent.json`);
    expect(afterLoadingSchemaFor("products/polaris/collection.json")).toBe(`${ui}products/children.json`);
    expect(afterLoadingSchemaFor("projects/cerulean-information-factory/collection.json")).toBe(`${ui}projects/children.json`);
  });
  it("theme, variable and EO mission <id>/catalog.json and product content get none (the editor's schema stays a warning)", () => {
    for (const rel of [
      "themes/oceans/catalog.json",
      "variables/sea-ice/catalog.json",
      "eo-missions/grace/catalog.json",
      "products/polaris/item.json",
      "catalog.json",
    ]) {
      expect(afterLoadingSchemaFor(rel)).toBeUndefined();
      expect(recordSchemaFor(rel)).toBeUndefined();
    }
    expect(uiSchemaFor("themes/oceans/catalog.json")).toBe(`${ui}themes/children.json`);
  });
  it("workflow and experiment records get <type>/children.json", () => {
    expect(recordSchemaFor("workflows/polaris/record.json")).toBe(`${ui}workflows/children.json`);
    expect(recordSchemaFor("experiments/polaris/record.json")).toBe(`${ui}experiments/children.json`);
    expect(afterLoadingSchemaFor("workflows/polaris/record.json")).toBeUndefined();
  });
});
