// Precompiles the bundled schemas into ajv standalone code (one CommonJS module, plus V8's code cache of it), so that
// validation loads its validators instead of compiling them (≈1.5–3 s per process for the OSC catalog's schemas). Build time.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { AnySchemaObject } from "ajv";
import type { AjvInstance } from "../../core/config/ajv.js";
import { withMarker, writePrecompiledCache } from "./precompiled.js";
import { bundledSchemaDir, SchemaRegistry, schemaDraft } from "./schemas.js";

const require = createRequire(import.meta.url);

/** What {@link precompiledSchemasSource} made. */
export interface PrecompiledSource {
  /** The module's text (a `PrecompiledSchemas` CommonJS module, see precompiled.ts), its marker line first. */
  source: string;
  /** The schema files it holds validators for (relative to the schema folder, '/'-separated). */
  files: string[];
  /** Files left to compile at run time, with the reason (not draft-07, or not compilable offline). */
  skipped: Array<{ file: string; reason: string }>;
  /** The schema folder's digest (schema-map.json) the module carries. */
  digest: string;
}

/**
 * The ajv standalone code of every schema of a schema folder, compiled with the options the
 * {@link SchemaRegistry} uses (draft-07, `allErrors: false`, `strict: false`, ajv-formats and `iri` formats), each
 * schema addressed by the first URL prefix of schema-map.json that maps to its folder. Validators share the
 * functions of the schemas they reference. The module exports `digest`, `files` and `create(formats, require)`
 * (`require` resolves ajv's runtime helpers, `ajv/dist/runtime/*`, from the caller's package).
 * @param dir the schema folder [default: the bundled `schemas/`].
 * @throws EocubeError INTERNAL when the folder's schema-map.json has no digest (re-run scripts/bundle-schemas.mjs).
 */
export function precompiledSchemasSource(dir: string = bundledSchemaDir()): PrecompiledSource {
  const { _ } = require("ajv") as typeof import("ajv");
  const standaloneCode = (require("ajv/dist/standalone") as { default: (ajv: AjvInstance, refs: Record<string, string>) => string })
    .default;
  const mapJson = JSON.parse(readFileSync(join(dir, "schema-map.json"), "utf8")) as {
    map: Record<string, string>;
    files: string[];
    digest?: string;
  };
  if (!mapJson.digest) throw new Error(`${join(dir, "schema-map.json")} has no digest: re-run scripts/bundle-schemas.mjs`);
  const registry = new SchemaRegistry({ dir, precompiled: false, code: { source: true, formats: _`formats` } });
  const files: string[] = [];
  const refs: Record<string, string> = {};
  const skipped: PrecompiledSource["skipped"] = [];
  for (const file of mapJson.files) {
    const prefix = Object.entries(mapJson.map).find(([, folder]) => file.startsWith(folder));
    if (!prefix) {
      skipped.push({ file, reason: "no URL prefix maps to its folder" });
      continue;
    }
    const url = prefix[0] + file.slice(prefix[1].length);
    try {
      const draft = schemaDraft(registry.getSchema(url) as AnySchemaObject);
      if (draft !== "draft-07") {
        skipped.push({ file, reason: `draft ${draft}` });
        continue;
      }
      registry.getValidator(url);
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
      continue;
    }
    refs[`v${files.length}`] = url;
    files.push(file);
  }
  const code = standaloneCode(registry.ajvFor("draft-07"), refs);
  const body = [
    "// Written by scripts/precompile-schemas.mjs (src/catalog/stac/precompile.ts) from schemas/: ajv standalone validators",
    "// of the bundled JSON Schemas. Do not edit; used only while `digest` is schemas/schema-map.json's.",
    '"use strict";',
    `exports.digest = ${JSON.stringify(mapJson.digest)};`,
    `exports.files = ${JSON.stringify(files)};`,
    "exports.create = function create(formats, require) {",
    "  const exports = {};",
    code,
    `  return [${files.map((_f, i) => `exports.v${i}`).join(", ")}];`,
    "};",
    "",
  ].join("\n");
  const source = withMarker(body);
  return { source, files, skipped, digest: mapJson.digest };
}

/**
 * Writes {@link precompiledSchemasSource} of the bundled schemas to `outFile`, then V8's code cache of it beside it
 * (`<outFile>.v8cache`, for this Node), and returns what it holds with the cache's size.
 * @param outFile e.g. `dist/catalog/stac/precompiled-schemas.cjs` (where the registry of dist looks for it).
 */
export function writePrecompiledSchemas(outFile: string, dir?: string): PrecompiledSource & { cacheBytes: number } {
  const result = precompiledSchemasSource(dir);
  writeFileSync(outFile, result.source);
  return { ...result, cacheBytes: writePrecompiledCache(outFile) };
}
