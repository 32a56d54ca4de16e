// Config schemas precompiled at build (scripts/precompile-schemas.mjs): ajv standalone validators of eocube's own
// config schemas (the gen request's), so that a command checking its config neither loads ajv nor compiles the schema
// (0.15–0.8 s of `eocube gen`'s start on a loaded 2-core machine). A validator is used only for the very schema it was
// made from (same `$id` and sha1 of the schema's JSON); any other schema, or a missing file, compiles as before.
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { SchemaObject, ValidateFunction } from "ajv";
import type { AjvInstance } from "./ajv.js";

/** The module of precompiled config validators, beside this file (dist/core/config after `npm run build`). */
export const PRECOMPILED_CONFIGS_FILE = "precompiled-configs.cjs";

const require = createRequire(import.meta.url);

/** The sha1 of a schema's JSON: which schema a precompiled validator was made from. */
export function schemaDigest(schema: object): string {
  return createHash("sha1").update(JSON.stringify(schema)).digest("hex");
}

type Entry = { digest: string; validate: ValidateFunction };
let loaded: Record<string, Entry> | null | undefined;

/**
 * The precompiled validator of `schema` (same `$id` and digest), or undefined (none built, or the schema changed
 * since the build, e.g. when running from the TypeScript sources).
 */
export function precompiledValidator<T = unknown>(schema: SchemaObject & { $id: string }): ValidateFunction<T> | undefined {
  if (loaded === undefined) {
    const file = fileURLToPath(new URL(`./${PRECOMPILED_CONFIGS_FILE}`, import.meta.url));
    try {
      loaded = existsSync(file) ? (require(file) as { validators: Record<string, Entry> }).validators : null;
    } catch {
      loaded = null;
    }
  }
  const entry = loaded?.[schema.$id];
  if (!entry || entry.digest !== schemaDigest(schema)) return undefined;
  return entry.validate as ValidateFunction<T>;
}

/**
 * Writes the ajv standalone code of `schemas` to `outFile` as a CommonJS module exporting `validators`: `$id` →
 * `{ digest, validate }`. Build time.
 * @param ajv `newAjv({ code: { source: true } })`: newAjv's defaults, as `schemaValidator` compiles (schemas without
 *   `format` keywords: their checks are not in the standalone code).
 * @returns the module's size in bytes.
 */
export function writePrecompiledConfigs(outFile: string, schemas: Array<SchemaObject & { $id: string }>, ajv: AjvInstance): number {
  const standaloneCode = (require("ajv/dist/standalone") as { default: (ajv: AjvInstance, refs: Record<string, string>) => string })
    .default;
  const refs: Record<string, string> = {};
  for (const [i, s] of schemas.entries()) {
    ajv.addSchema(s);
    refs[`v${i}`] = s.$id;
  }
  const entries = schemas.map(
    (s, i) => `${JSON.stringify(s.$id)}: { digest: ${JSON.stringify(schemaDigest(s))}, validate: exports.v${i} }`,
  );
  const source = [
    "// Written by scripts/precompile-schemas.mjs (src/core/config/precompiled.ts): ajv standalone validators of",
    "// eocube's config schemas. Do not edit; each is used only while its schema's digest is the one below.",
    standaloneCode(ajv, refs),
    `exports.validators = { ${entries.join(", ")} };`,
    "",
  ].join("\n");
  writeFileSync(outFile, source);
  return Buffer.byteLength(source);
}
