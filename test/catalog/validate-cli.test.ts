// `eocube validate` end to end through the CLI's main(): output, summary line and exit codes.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/index.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const SAMPLE = join(FIXTURES, "osc-catalog-sample");
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(["node", "eocube", "validate", ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function mutatedCopy(caseName: string): string {
  const cases = JSON.parse(readFileSync(join(FIXTURES, "osc-validation-cases.json"), "utf8")).cases;
  const c = cases.find((x: { case: string }) => x.case === caseName);
  const dir = mkdtempSync(join(tmpdir(), "eocube-cli-"));
  temps.push(dir);
  cpSync(SAMPLE, dir, { recursive: true });
  writeFileSync(join(dir, c.file), JSON.stringify(c.mutated, null, 2));
  return dir;
}

describe("eocube validate", () => {
  it("exits 0 on the valid sample and prints the summary", async () => {
    const r = await run(SAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^36 files, 36 valid, 0 invalid, 3 warnings$/m);
    expect(r.err).toBe("");
  });

  it("exits 2 (VALIDATION_FAILED) on an invalid catalog, naming file, section, message, rule and hint", async () => {
    const dir = mutatedCopy("project-missing-technical-officer");
    const r = await run(dir);
    expect(r.code).toBe(2);
    expect(r.out).toContain("projects/cerulean-information-factory/collection.json: INVALID");
    expect(r.out).toContain("✗ [Custom] must have technical officer as contact  (technical-officer)");
    expect(r.out).toMatch(/hint: add a contact with "roles": \["technical_officer"\]/);
    expect(r.out).toMatch(/^36 files, 35 valid, 1 invalid, \d+ warnings$/m);
    expect(r.err).toMatch(/^error: The catalog does not pass validation: 1 invalid file\(s\)/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("prints the report as JSON with --json", async () => {
    const dir = mutatedCopy("eo-mission-missing-via");
    const r = await run(dir, "--json");
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out);
    expect(report.summary).toMatchObject({ files: 36, valid: 35, invalid: 1 });
    const f = report.files.find((x: { file: string }) => x.file === "eo-missions/grace/catalog.json");
    expect(f.errors).toEqual([{ section: "Custom", message: "must have via link", rule: "via-link", hint: expect.any(String) }]);
    expect(JSON.parse(r.err).error.code).toBe("VALIDATION_FAILED");
    expect(JSON.parse(r.err).error.hint).toMatch(/^fix the errors in the report's files\[\]\.errors/);
  });

  it("fails on warnings with --strict", async () => {
    const r = await run(SAMPLE, "--strict", "--no-warnings");
    expect(r.code).toBe(2);
    expect(r.out).not.toContain("reverse-link");
    expect(r.err).toContain("3 warning(s) (--strict)");
  });

  it("exits 2 for a missing folder", async () => {
    const r = await run(join(tmpdir(), "eocube-no-such-catalog"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: Catalog folder not found/);
  });

  it("exits 2 for a folder without a root catalog.json (empty, or holding only entities), with --json too", async () => {
    const empty = mkdtempSync(join(tmpdir(), "eocube-empty-"));
    temps.push(empty);
    const nested = join(empty, "sub");
    cpSync(join(SAMPLE, "products", "polaris"), join(nested, "polaris"), { recursive: true });
    for (const dir of [empty, nested]) {
      const r = await run(dir);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^error: .* is not an Open Science Catalog: it has no root catalog\.json/);
      expect(r.err).toMatch(/^ {2}hint: give the catalog root .*eocube catalog init/m);
    }
    const j = await run(empty, "--json");
    expect(j.code).toBe(2);
    expect(j.out).toBe("");
    expect(JSON.parse(j.err).error).toMatchObject({
      code: "NOT_FOUND",
      path: empty,
      message: expect.stringMatching(/no root catalog\.json/),
    });
  });
});
