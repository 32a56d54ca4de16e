// The precompiled schema validators (ajv standalone code made at build): they match the bundled schemas (digest)
// and give the same verdicts and messages as the validators ajv compiles at run time, on real OSC files.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { precompiledSchemasSource, type PrecompiledSource } from "../../src/catalog/stac/precompile.js";
import { cacheFileOf, loadPrecompiledModule, writePrecompiledCache } from "../../src/catalog/stac/precompiled.js";
import { bundledSchemaDir, SchemaRegistry } from "../../src/catalog/stac/schemas.js";
import { validateStacObject } from "../../src/catalog/stac/validate.js";
import { afterLoadingSchemaFor, recordSchemaFor } from "../../src/catalog/osc/validate/index.js";
import { OSC_MUTATIONS } from "./osc-mutations.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));
const SAMPLE = join(FIXTURES, "osc-catalog-sample");
const DEEP_CODE = join(FIXTURES, "deep-code", "osc-real-output-0601c647");
const OSC_UI = "https://testing.earthcode.eox.at/schemas/";

// biome-ignore lint/suspicious/noExplicitAny: arbitrary parsed JSON, walked by field name
type Json = any;

const jsonFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith(".json") ? [p] : [];
  });

let tmp: string;
let pre: PrecompiledSource;
let file: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "eocube-precompiled-"));
  pre = precompiledSchemasSource();
  file = join(tmp, "precompiled-schemas.cjs");
  writeFileSync(file, pre.source);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("precompiled schema validators", () => {
  it("schema-map.json's digest is the digest of the bundled files (bundle-schemas.mjs's recipe)", () => {
    const dir = bundledSchemaDir();
    const map = JSON.parse(readFileSync(join(dir, "schema-map.json"), "utf8")) as { digest: string; files: string[] };
    const onDisk = jsonFiles(dir)
      .map((p) => relative(dir, p).split("\\").join("/"))
      .filter((p) => p !== "schema-map.json")
      .sort();
    expect([...map.files].sort()).toEqual(onDisk);
    const hash = createHash("sha256");
    for (const f of map.files)
      hash
        .update(`${f}\0`)
        .update(readFileSync(join(dir, f)))
        .update("\0");
    expect(map.digest).toBe(hash.digest("hex"));
    expect(pre.digest).toBe(map.digest);
  });

  it("holds a validator for every bundled schema", () => {
    const map = JSON.parse(readFileSync(join(bundledSchemaDir(), "schema-map.json"), "utf8")) as { files: string[] };
    expect(pre.skipped).toEqual([]);
    expect(pre.files).toEqual(map.files);
  });

  it("is used when its digest is the folder's, and ignored when stale", () => {
    expect(new SchemaRegistry({ precompiledFile: file }).usesPrecompiled()).toBe(true);
    expect(new SchemaRegistry({ precompiledFile: file, precompiled: false }).usesPrecompiled()).toBe(false);
    expect(new SchemaRegistry({ precompiledFile: file, allErrors: true }).usesPrecompiled()).toBe(false);
    const stale = join(tmp, "stale.cjs");
    writeFileSync(stale, pre.source.replace(/exports\.digest = "[0-9a-f]+"/, 'exports.digest = "0000"'));
    expect(new SchemaRegistry({ precompiledFile: stale }).usesPrecompiled()).toBe(false);
    expect(new SchemaRegistry({ precompiledFile: join(tmp, "missing.cjs") }).usesPrecompiled()).toBe(false);
  });

  it("loads through V8's code cache made for this very module, and parses as usual without it", () => {
    const cached = join(tmp, "cached.cjs");
    writeFileSync(cached, pre.source);
    expect(loadPrecompiledModule(cached).cacheUsed).toBe(false); // no cache yet
    expect(writePrecompiledCache(cached)).toBeGreaterThan(1000);
    const loaded = loadPrecompiledModule(cached);
    expect(loaded.cacheUsed).toBe(true);
    expect(loaded.module.files).toEqual(pre.files);
    // a cache of another module (its marker id differs) is not offered to V8
    const bytes = readFileSync(cacheFileOf(cached));
    writeFileSync(cacheFileOf(cached), Buffer.concat([Buffer.from("0".repeat(40), "latin1"), bytes.subarray(40)]));
    expect(loadPrecompiledModule(cached).cacheUsed).toBe(false);
    expect(new SchemaRegistry({ precompiledFile: cached }).usesPrecompiled()).toBe(true);
  });

  it("gives the runtime-compiled validators' verdicts and messages on real OSC files and their mutations", () => {
    const precompiled = new SchemaRegistry({ precompiledFile: file });
    const compiled = new SchemaRegistry({ precompiled: false });
    const docs: Array<{ rel: string; json: Json }> = [];
    for (const p of [...jsonFiles(SAMPLE), ...jsonFiles(DEEP_CODE)]) {
      docs.push({ rel: relative(p.startsWith(SAMPLE) ? SAMPLE : DEEP_CODE, p), json: JSON.parse(readFileSync(p, "utf8")) });
    }
    for (const m of OSC_MUTATIONS) {
      const json = JSON.parse(readFileSync(join(SAMPLE, m.file), "utf8"));
      docs.push({ rel: m.file, json: m.mutate(json) ?? json });
    }
    // A few broken ones: wrong types where every schema looks.
    const polaris = JSON.parse(readFileSync(join(SAMPLE, "products/polaris/collection.json"), "utf8"));
    docs.push({ rel: "products/polaris/collection.json", json: { ...polaris, extent: { spatial: { bbox: [[0, 0]] } }, "osc:status": 3 } });
    docs.push({ rel: "products/polaris/collection.json", json: { ...polaris, links: "none", license: 7 } });
    let errors = 0;
    for (const { rel, json } of docs) {
      const extra = [afterLoadingSchemaFor(rel), recordSchemaFor(rel), `${OSC_UI}records.json`].filter((x): x is string => !!x);
      const a = validateStacObject(json, { extraSchemas: extra }, precompiled);
      const b = validateStacObject(json, { extraSchemas: extra }, compiled);
      expect(a, rel).toEqual(b);
      errors += a.length;
    }
    expect(precompiled.usesPrecompiled()).toBe(true);
    expect(errors).toBeGreaterThan(20);
  });
});
