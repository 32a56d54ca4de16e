// The OSC validator against the real validator's verdicts: ../shared/fixtures/osc-validation-cases.json holds
// one-file mutations of the real catalog sample with the output of open-science-catalog-validation (rc.15).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { recordSchemaFor, validateCatalog, validateCatalogFiles } from "../../src/catalog/osc/validate/index.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const SAMPLE = join(FIXTURES, "osc-catalog-sample");
const CASES = JSON.parse(readFileSync(join(FIXTURES, "osc-validation-cases.json"), "utf8")) as {
  baseline: { files: number; valid: number };
  cases: Array<{
    case: string;
    file: string;
    mutated: unknown;
    expected: { valid: number; invalid: number; invalid_files: Record<string, Array<{ section: string; message: string }>> };
  }>;
};

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A fresh copy of the sample catalog in a temp folder. */
function copySample(): string {
  const dir = mkdtempSync(join(tmpdir(), "eocube-osc-"));
  temps.push(dir);
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

/** First line, with the temp path replaced by `<root>` (the fixture keeps only the first line of multi-line assert messages). */
const norm = (dir: string, message: string) => message.split(dir).join("<root>").split("\n")[0];

describe("validateCatalog on the real OSC sample", () => {
  it("finds the unmutated sample fully valid (36/36)", async () => {
    const dir = copySample();
    const report = await validateCatalog(dir);
    expect(report.summary.files).toBe(CASES.baseline.files);
    expect(report.summary.valid).toBe(CASES.baseline.valid);
    expect(report.valid).toBe(true);
    for (const f of report.files) expect(f.errors).toEqual([]);
  });

  for (const c of CASES.cases) {
    it(`reproduces the real validator's verdict: ${c.case}`, async () => {
      const dir = copySample();
      writeFileSync(join(dir, c.file), `${JSON.stringify(c.mutated, null, 2)}\n`);
      const report = await validateCatalog(dir);
      expect({ valid: report.summary.valid, invalid: report.summary.invalid }).toEqual({
        valid: c.expected.valid,
        invalid: c.expected.invalid,
      });
      const got: Record<string, string[]> = {};
      for (const f of report.files) {
        // The CI files a record's UI schema errors under 'custom', where its custom rules overwrite them: it prints
        // none of them (the file still fails); eocube prints them under the schema's URL.
        const lost = recordSchemaFor(f.file);
        if (!f.valid) got[f.file] = f.errors.filter((e) => e.section !== lost).map((e) => `${e.section} :: ${norm(dir, e.message)}`);
        for (const e of [...f.errors, ...f.warnings]) {
          expect(e.rule).toMatch(/^[a-z-]+$/);
          expect(e.hint.length).toBeGreaterThan(5);
        }
      }
      const expected: Record<string, string[]> = {};
      for (const [file, errs] of Object.entries(c.expected.invalid_files)) {
        expected[file] = errs.map((e) => `${e.section} :: ${e.message.split("\n")[0]}`);
      }
      // Same files, same messages in the same order as the CI prints them.
      expect(got).toEqual(expected);
    });
  }

  it("validates only the given files with validateCatalogFiles, in the context of the whole catalog", async () => {
    const dir = copySample();
    const c = CASES.cases.find((x) => x.case === "product-missing-related-project")!;
    writeFileSync(join(dir, c.file), JSON.stringify(c.mutated, null, 2));
    const report = await validateCatalogFiles(dir, [c.file, "projects/catalog.json"]);
    expect(report.files.map((f) => f.file)).toEqual([c.file, "projects/catalog.json"]);
    expect(report.summary).toMatchObject({ files: 2, valid: 1, invalid: 1 });
    expect(report.files[0].errors.map((e) => e.message)).toEqual(c.expected.invalid_files[c.file].map((e) => e.message));
  });

  it("warns (never fails) on what the CI skips: absolute related links after the first checked one", async () => {
    const dir = copySample();
    const c = CASES.cases.find((x) => x.case === "absolute-related-link")!;
    writeFileSync(join(dir, c.file), JSON.stringify(c.mutated, null, 2));
    const report = await validateCatalog(dir);
    const f = report.files.find((x) => x.file === c.file)!;
    expect(f.valid).toBe(true);
    expect(f.warnings.some((w) => w.rule === "relative-links" && /must be relative/.test(w.message))).toBe(true);
  });

  it("warns about a self link outside the OSC URL prefix", async () => {
    const dir = copySample();
    const c = CASES.cases.find((x) => x.case === "self-link-wrong-prefix")!;
    writeFileSync(join(dir, c.file), JSON.stringify(c.mutated, null, 2));
    const report = await validateCatalog(dir);
    const f = report.files.find((x) => x.file === c.file)!;
    expect(f.valid).toBe(true);
    expect(f.warnings.some((w) => w.rule === "self-link")).toBe(true);
  });

  it("reports unreadable JSON and files in unexpected places", async () => {
    const dir = copySample();
    writeFileSync(join(dir, "products/polaris/collection.json"), "{ not json");
    writeFileSync(
      join(dir, "stray.json"),
      JSON.stringify({ type: "Catalog", id: "stray", stac_version: "1.0.0", description: "x", title: "Stray", links: [] }),
    );
    const report = await validateCatalog(dir);
    const broken = report.files.find((f) => f.file === "products/polaris/collection.json")!;
    expect(broken.valid).toBe(false);
    expect(broken.errors[0]).toMatchObject({ section: "File", rule: "json" });
    const stray = report.files.find((f) => f.file === "stray.json")!;
    expect(stray.errors.map((e) => e.message)).toContain(
      "A file was found in an unexpected location. Validation must occur in the context of a full OSC metadata catalog. Files outside of the expected structure can't be validated.",
    );
  });

  it("raises NOT_FOUND for a missing catalog folder", async () => {
    const err = await validateCatalog(join(tmpdir(), "eocube-no-such-catalog")).catch((e) => e);
    expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
    expect(err.hint).toMatch(/root catalog.json/);
  });
});

describe("validateCatalog options", () => {
  it("stops with CANCELLED when the signal is aborted", async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const err = await validateCatalog(SAMPLE, { signal: ctrl.signal }).catch((e) => e);
    expect(isEocubeError(err, "CANCELLED")).toBe(true);
  });

  it("leaves eocube's extra checks out with extraChecks: false", async () => {
    const report = await validateCatalog(SAMPLE, { extraChecks: false });
    expect(report.summary).toEqual({ files: 36, valid: 36, invalid: 0, warnings: 0 });
  });
});

describe("broken files", () => {
  it("a product without links: the schema errors, then the CI's rules stop on the missing links (one error, as in the CI)", async () => {
    const dir = copySample();
    const file = join(dir, "products/polaris/collection.json");
    const product = JSON.parse(readFileSync(file, "utf8"));
    delete product.links;
    writeFileSync(file, JSON.stringify(product, null, 2));
    const report = await validateCatalog(dir);
    const f = report.files.find((x) => x.file === "products/polaris/collection.json")!;
    expect(f.valid).toBe(false);
    expect(f.errors.find((e) => e.section === "Collection")?.message).toBe(
      "must have required property 'links' (missing property: links), for schema #/required",
    );
    const custom = f.errors.filter((e) => e.section === "Custom");
    expect(custom).toEqual([
      {
        section: "Custom",
        message: "this.data.links is not iterable",
        rule: "rule-crashed",
        hint: expect.stringMatching(/schema errors first/),
      },
    ]);
  });
});
