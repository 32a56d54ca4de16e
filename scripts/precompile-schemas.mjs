#!/usr/bin/env node
// Build step (after tsc): writes dist/catalog/stac/precompiled-schemas.cjs, the ajv standalone validators of the
// bundled schemas/, and its V8 code cache (.v8cache), so that `eocube validate` (and every STAC check) loads validators instead of compiling them.
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const stac = join(repo, "dist", "catalog", "stac");
const { writePrecompiledSchemas } = await import(pathToFileURL(join(stac, "precompile.js")).href);
const { PRECOMPILED_FILE } = await import(pathToFileURL(join(stac, "precompiled.js")).href);
const out = join(stac, PRECOMPILED_FILE);
const t0 = performance.now();
const result = writePrecompiledSchemas(out);
const kb = Math.round(Buffer.byteLength(result.source) / 1024);
console.log(
  `precompiled ${result.files.length} schemas into ${relative(process.cwd(), out)} (${kb} kB, V8 code cache ${Math.round(result.cacheBytes / 1024)} kB, ${Math.round(performance.now() - t0)} ms)` +
    (result.skipped.length
      ? `; compiled at run time: ${result.skipped.map((s) => `${s.file} (${s.reason.split("\n")[0]})`).join(", ")}`
      : ""),
);

// eocube's config schemas (the gen request's): ajv standalone validators, so that `eocube gen` loads no ajv
const config = join(repo, "dist", "core", "config");
const { writePrecompiledConfigs, PRECOMPILED_CONFIGS_FILE } = await import(pathToFileURL(join(config, "precompiled.js")).href);
const { newAjv } = await import(pathToFileURL(join(config, "ajv.js")).href);
const { GEN_REQUEST_SCHEMA } = await import(pathToFileURL(join(repo, "dist", "gen", "schema.js")).href);
const t1 = performance.now();
const configBytes = writePrecompiledConfigs(
  join(config, PRECOMPILED_CONFIGS_FILE),
  [GEN_REQUEST_SCHEMA],
  newAjv({ code: { source: true } }),
);
console.log(
  `precompiled 1 config schema into ${relative(process.cwd(), join(config, PRECOMPILED_CONFIGS_FILE))} (${Math.round(configBytes / 1024)} kB, ${Math.round(performance.now() - t1)} ms)`,
);
