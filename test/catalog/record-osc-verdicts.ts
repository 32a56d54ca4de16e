// Records the real OSC validator's verdicts on the mutations of osc-mutations.ts into test/fixtures/osc-mutation-verdicts.json.
// Not a test: run by hand when the mutations change, with a checkout of ESA-EarthCODE/open-science-catalog-validation
// whose dependencies are installed (`npm install` there; stac-node-validator from the npm registry):
//   node --import tsx test/catalog/record-osc-verdicts.ts <validation-checkout> [<osc-schemas folder>]
// Schemas are read offline through the shared fixtures' schema-map.json (stac-node-validator's schemaMap).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { OSC_MUTATIONS } from "./osc-mutations.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const SAMPLE = join(FIXTURES, "osc-catalog-sample");
const OUT = fileURLToPath(new URL("../fixtures/osc-mutation-verdicts.json", import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: arbitrary parsed JSON, walked by field name
type Json = any;
interface Verdict {
  valid: number;
  invalid: number;
  invalid_files: Record<string, Array<{ section: string; message: string }>>;
}

const validatorDir = resolve(process.argv[2] ?? "");
const schemaDir = resolve(process.argv[3] ?? join(FIXTURES, "osc-schemas"));
const req = createRequire(join(validatorDir, "package.json"));
const validate = req("stac-node-validator") as (files: string[], config: Json) => Promise<Json>;
const nodeLoader = req("stac-node-validator/src/loader/node");
const { resolveFiles } = req("stac-node-validator/src/nodeUtils");
const { makeAjvErrorMessage } = req("stac-node-validator/src/utils");
const CustomValidator = req(join(validatorDir, "validate.js"));
const schemaMap: Record<string, string> = {};
for (const [prefix, folder] of Object.entries(
  JSON.parse(readFileSync(join(schemaDir, "schema-map.json"), "utf8")).map as Record<string, string>,
)) {
  schemaMap[prefix] = resolve(schemaDir, folder) + sep;
}

/** The section name stac-node-validator's printReport uses. */
function section(category: string): string {
  const m = /^https?:\/\/stac-extensions\.github\.io\/([^/]+)\/v?([^/]+)(?:\/([^/.]+))?\/schema/.exec(category);
  return m ? `${m[1]}${m[3] ? ` - ${m[3]}` : ""} (${m[2]})` : category;
}

/** Messages as printAjvValidationResult prints them (anyOf/oneOf summaries dropped unless alone, choices last, deduplicated). */
function messages(errors: Json[]): string[] {
  const choice = (e: Json) => typeof e.schemaPath === "string" && /\/(one|any)Of\/\d+\//.test(e.schemaPath);
  const kept = errors.filter((e) => errors.length === 1 || !["anyOf", "oneOf"].includes(e.keyword));
  const sorted = [...kept.filter((e) => !choice(e)), ...kept.filter(choice)];
  return [...new Set(sorted.map((e) => String(makeAjvErrorMessage(e)).split("\n")[0]))];
}

async function runReal(dir: string): Promise<Verdict> {
  const files = await resolveFiles([dir], -1);
  const config = {
    lint: false,
    custom: "validate.js",
    customValidator: new CustomValidator(),
    loader: nodeLoader,
    schemaMap,
    SCHEMA_URL: "https://testing.earthcode.eox.at/schemas/",
  };
  const report = await validate(files.files, config);
  const children: Json[] = report.children.length > 0 ? report.children : [report];
  const verdict: Verdict = { valid: 0, invalid: 0, invalid_files: {} };
  for (const child of children) {
    if (child.valid === false) verdict.invalid++;
    else if (child.valid === true) verdict.valid++;
    if (child.valid !== false) continue;
    const out: Array<{ section: string; message: string }> = [];
    for (const m of messages(child.results.core)) out.push({ section: String(child.type), message: m });
    for (const [ext, errors] of Object.entries(child.results.extensions as Record<string, Json[]>)) {
      for (const m of messages(errors)) out.push({ section: section(ext), message: m });
    }
    for (const m of messages(child.results.custom)) out.push({ section: "Custom", message: m });
    const rel = String(child.id).slice(dir.length + 1);
    verdict.invalid_files[rel] = out.map((e) => ({ ...e, message: e.message.split(dir).join("<root>") }));
  }
  return verdict;
}

const copy = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "eocube-osc-verdicts-"));
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
};

const validationPkg = JSON.parse(readFileSync(join(validatorDir, "package.json"), "utf8"));
const snvPkg = JSON.parse(readFileSync(req.resolve("stac-node-validator/package.json"), "utf8"));
const result: Json = {
  _comment:
    "Verdicts of the real OSC validator on test/catalog/osc-mutations.ts (one-file mutations of ../shared/fixtures/osc-catalog-sample), written by test/catalog/record-osc-verdicts.ts. <root> stands for the catalog copy.",
  validator: `open-science-catalog-validation ${validationPkg.version} (validate.js + schemas/), stac-node-validator ${snvPkg.version}, schemas from osc-schemas/schema-map.json`,
  baseline: undefined,
  cases: {},
};
const base = copy();
try {
  const b = await runReal(base);
  result.baseline = { valid: b.valid, invalid: b.invalid };
} finally {
  rmSync(base, { recursive: true, force: true });
}
for (const m of OSC_MUTATIONS) {
  const dir = copy();
  try {
    const path = join(dir, m.file);
    const json = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, `${JSON.stringify(m.mutate(json) ?? json, null, 2)}\n`);
    result.cases[m.id] = await runReal(dir);
    console.log(`${m.id}: ${result.cases[m.id].invalid} invalid`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
writeFileSync(OUT, `${JSON.stringify(result, null, 1)}\n`);
console.log(`wrote ${OUT}`);
