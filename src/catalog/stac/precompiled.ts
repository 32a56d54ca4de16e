// Loads the precompiled schema validators (a CommonJS module written at build, see precompile.ts) through node:vm
// with the V8 code cache made beside it, so that a process neither compiles schemas nor parses 2.5 MB from scratch.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Script } from "node:vm";
import type { ValidateFunction } from "ajv";
import { iriFormats } from "./formats.js";

/** The file of precompiled validators, beside schemas.ts (dist/catalog/stac after `npm run build`). */
export const PRECOMPILED_FILE = "precompiled-schemas.cjs";

/** The first line of a precompiled module: this marker, then the sha1 of the rest of the module. */
export const PRECOMPILED_MARKER = "// eocube-precompiled-schemas ";

/** The shape of the precompiled validators' module (written by precompile.ts's `precompiledSchemasSource`). */
export interface PrecompiledSchemas {
  /** The `digest` of the schema-map.json the validators were made from. */
  digest: string;
  /** The schema files (relative to the schema folder, '/'-separated), in the order of `create`'s result. */
  files: string[];
  /**
   * Makes the validators, given the format checks by name (ajv-formats' full formats and the `iri` ones) and a
   * `require` that finds ajv's runtime helpers (`ajv/dist/runtime/*`).
   */
  create(formats: Record<string, unknown>, require: NodeJS.Require): ValidateFunction[];
}

/** A loaded precompiled module. */
export interface LoadedPrecompiled {
  module: PrecompiledSchemas;
  /** True when V8 took the code cache (no parse or compile of the module's code). */
  cacheUsed: boolean;
  /** The script, for {@link writePrecompiledCache}. */
  script: Script;
}

const localRequire = createRequire(import.meta.url);

/** The module's text with its marker line first: `<marker><sha1 of body>\n<body>`. */
export function withMarker(body: string): string {
  return `${PRECOMPILED_MARKER}${createHash("sha1").update(body).digest("hex")}\n${body}`;
}

/** The code cache of a precompiled module: `<file>.v8cache`, `<sha1 of the module>\n` then V8's cached data. */
export function cacheFileOf(file: string): string {
  return `${file}.v8cache`;
}

/** The sha1 on the module's marker line, or undefined without one. */
function moduleId(source: string): string | undefined {
  if (!source.startsWith(PRECOMPILED_MARKER)) return undefined;
  const end = source.indexOf("\n");
  return source.slice(PRECOMPILED_MARKER.length, end < 0 ? undefined : end).trim() || undefined;
}

/** V8's cached data of the cache file when it was made for this module (same marker id), else undefined. */
function readCache(file: string, id: string | undefined): Buffer | undefined {
  const cacheFile = cacheFileOf(file);
  if (!id || !existsSync(cacheFile)) return undefined;
  const bytes = readFileSync(cacheFile);
  const nl = bytes.indexOf(10);
  if (nl < 0 || bytes.subarray(0, nl).toString("latin1") !== id) return undefined;
  return bytes.subarray(nl + 1);
}

/**
 * Runs a precompiled module as CommonJS (`exports`, `require` of this package, `module`), with its V8 code cache
 * when the cache was made for this very module (V8 also refuses a cache of another V8 version or flags: then the
 * module is parsed as usual).
 * @throws the module's own errors (a broken file); callers treat that as "no precompiled validators".
 */
export function loadPrecompiledModule(file: string): LoadedPrecompiled {
  const source = readFileSync(file, "utf8");
  const cachedData = readCache(file, moduleId(source));
  const script = new Script(`(function (exports, require, module) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const fn = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }) => void;
  const module = { exports: {} };
  fn(module.exports, localRequire, module);
  return { module: module.exports as PrecompiledSchemas, cacheUsed: cachedData !== undefined && !script.cachedDataRejected, script };
}

/** The format checks the precompiled validators call, by name: ajv-formats' full set (as newAjv adds it) and the `iri` ones. */
export function precompiledFormats(): Record<string, unknown> {
  const { fullFormats } = localRequire("ajv-formats/dist/formats") as { fullFormats: Record<string, unknown> };
  return { ...fullFormats, ...iriFormats };
}

/**
 * The validators of a precompiled module by schema file (relative to the schema folder), when the module was made
 * from schemas with this `digest`; null when there is no module, it is stale, or it does not load.
 */
export function precompiledValidators(file: string, digest: string | undefined): Map<string, ValidateFunction> | null {
  if (!digest || !existsSync(file)) return null;
  let mod: PrecompiledSchemas;
  try {
    mod = loadPrecompiledModule(file).module;
  } catch {
    return null;
  }
  if (mod.digest !== digest) return null;
  const fns = mod.create(precompiledFormats(), localRequire);
  return new Map(mod.files.map((f, i) => [f, fns[i]!]));
}

/**
 * Writes the V8 code cache of a precompiled module ({@link cacheFileOf}), after making its validators and calling
 * each once (so that the cache holds their compiled code too). Run by the same Node as the one that will use it.
 * @returns the cache's size in bytes.
 */
export function writePrecompiledCache(file: string): number {
  const source = readFileSync(file, "utf8");
  const id = moduleId(source);
  if (!id) throw new Error(`${file} has no '${PRECOMPILED_MARKER.trim()}' line: re-run scripts/precompile-schemas.mjs`);
  const script = new Script(`(function (exports, require, module) {${source}\n})`, { filename: file });
  const fn = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }) => void;
  const module = { exports: {} };
  fn(module.exports, localRequire, module);
  for (const validate of (module.exports as PrecompiledSchemas).create(precompiledFormats(), localRequire)) {
    validate({});
    validate({ type: "Feature", stac_version: "1.0.0", links: [{ rel: "self", href: "x" }], properties: {} });
  }
  const data = script.createCachedData();
  writeFileSync(cacheFileOf(file), Buffer.concat([Buffer.from(`${id}\n`, "latin1"), data]));
  return data.length;
}
