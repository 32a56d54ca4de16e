// deep-code's real output (../shared/fixtures/deep-code/osc-real-output-0601c647, committed unedited to the
// OSC metadata repository) dropped into a copy of the real catalog sample: eocube must report the defects the
// maintainers fixed by hand (deep-code/provenance.json) that the schemas and rules can see.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateCatalog, type FileReport, type ValidationReport } from "../../src/catalog/osc/validate/index.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const DEEP = join(FIXTURES, "deep-code", "osc-real-output-0601c647");
const provenance = JSON.parse(readFileSync(join(FIXTURES, "deep-code", "provenance.json"), "utf8"));

const PRODUCT = "products/Predicted-Land-Surface-Temperature-and-Anomalies/collection.json";
const VARIABLE = "variables/lst-median/catalog.json";
const WORKFLOW = "workflows/downscaling-land-surface-temperature-over-kinshasa/record.json";
const EXPERIMENT = "experiments/downscaling-land-surface-temperature-over-kinshasa/record.json";

let dir: string;
let report: ValidationReport;
const file = (f: string): FileReport => report.files.find((x) => x.file === f)!;
const rules = (f: string) => [...file(f).errors, ...file(f).warnings].map((p) => p.rule);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-deepcode-"));
  cpSync(join(FIXTURES, "osc-catalog-sample"), dir, { recursive: true });
  cpSync(DEEP, dir, { recursive: true });
  report = await validateCatalog(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("deep-code's real output in the sample catalog", () => {
  it("validates the four deep-code files", () => {
    expect(provenance["osc-real-output-0601c647"].files.sort()).toEqual([EXPERIMENT, PRODUCT, VARIABLE, WORKFLOW].sort());
    for (const f of provenance["osc-real-output-0601c647"].files) expect(file(f)).toBeDefined();
  });

  it("product bbox in projected metres", () => {
    const w = file(PRODUCT).warnings.find((p) => p.rule === "bbox-wgs84");
    expect(w?.message).toMatch(/^bbox \[534394\.97\d*, 9503685\.69\d*, .*\] is not in WGS84 longitude\/latitude$/);
  });

  it("redundant via link to the s3:// zarr", () => {
    expect(file(PRODUCT).warnings.some((p) => p.rule === "via-link" && p.message.includes("s3://deep-esdl-public/lst.zarr"))).toBe(true);
  });

  it("variable description falling back to the title-cased id", () => {
    expect(file(VARIABLE).warnings.find((p) => p.rule === "description")?.message).toBe("description 'Lst Median' repeats the id or title");
  });

  it("experiment links ./input.yaml and ./environment.yaml that deep-code never writes", () => {
    const msgs = file(EXPERIMENT)
      .warnings.filter((p) => p.rule === "link-target-exists")
      .map((p) => p.message.split(dir).join("<root>"));
    expect(msgs).toContain(
      `Link with rel 'input' to './input.yaml' points to a missing file <root>/${EXPERIMENT.replace("record.json", "input.yaml")}`,
    );
    expect(msgs).toContain(
      `Link with rel 'environment' to './environment.yaml' points to a missing file <root>/${EXPERIMENT.replace("record.json", "environment.yaml")}`,
    );
  });

  it("workflow without a child link to its experiment; application:container/language as lists", () => {
    expect(
      file(EXPERIMENT).warnings.some((p) => p.rule === "reverse-link" && p.message.startsWith(`${WORKFLOW} has no 'child' link`)),
    ).toBe(true);
    const app = file(WORKFLOW)
      .warnings.filter((p) => p.rule === "application-fields")
      .map((p) => p.message);
    expect(app).toContain(`'application:container' in properties must be a boolean, not ["true"]`);
    expect(app).toContain(`'application:language' in properties must be a string, not ["Python"]`);
  });

  it("jupyter-notebook link typed application/json and pointing to a GitHub tree URL", () => {
    const nb = file(WORKFLOW)
      .warnings.filter((p) => p.rule === "notebook-link")
      .map((p) => p.message);
    expect(nb.some((m) => m.includes("must have type 'application/x-ipynb+json'"))).toBe(true);
    expect(nb.some((m) => m.includes("does not point to a .ipynb notebook file"))).toBe(true);
  });

  it("the CI's own errors: the sub-catalogs do not list the new entities, references to entities absent from the sample", () => {
    const norm = (f: string) => file(f).errors.map((e) => e.message.split(dir).join("<root>"));
    expect(norm("products/catalog.json")).toEqual([`must have link with relation child to <root>/${PRODUCT}`]);
    expect(norm("workflows/catalog.json")).toEqual([`must have link with relation item to <root>/${WORKFLOW}`]);
    expect(norm(PRODUCT)).toContain("The referenced theme 'land' must exist at <root>/themes/land/catalog.json");
    // A missing link target already reported as an error is not repeated as a warning.
    expect(file(PRODUCT).warnings.some((p) => p.message.includes("themes/land/catalog.json"))).toBe(false);
    expect(rules(EXPERIMENT)).not.toContain("osc-reference");
  });
});
