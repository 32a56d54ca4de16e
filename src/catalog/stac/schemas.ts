// The offline JSON Schema registry: every schema STAC and OSC validation need, shipped in `schemas/`,
// keyed by URL; validators come precompiled (ajv standalone code made at build) or are compiled once on first use.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnySchemaObject, Options, ValidateFunction } from "ajv";
import { newAjv, type AjvInstance, type SchemaDraft as Draft } from "../../core/config/ajv.js";
import { EocubeError } from "../../core/errors.js";
import { iriFormats } from "./formats.js";
import { PRECOMPILED_FILE, precompiledValidators } from "./precompiled.js";

/** The `schemas/` folder of the package: `<package>/schemas`, both from `src/catalog/stac` (tsx) and `dist/catalog/stac`. */
export function bundledSchemaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "..", "..", "..", "schemas");
}

/** Options of a {@link SchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** Folder holding `schema-map.json` and the schema files [default: {@link bundledSchemaDir}]. */
  dir?: string;
  /**
   * Report every schema error instead of stopping at the first one per schema branch [default: false, as
   * stac-node-validator runs ajv in the OSC CI, which makes messages identical to the CI's].
   */
  allErrors?: boolean;
  /**
   * Use the precompiled validators (`precompiled-schemas.cjs` beside this module and its V8 code cache, written by
   * `npm run build`; see precompiled.ts) when
   * their digest is the folder's [default: true]. They hold ajv standalone code for every bundled schema, made with
   * this registry's options (`allErrors: false`), so a validator is loaded instead of compiled.
   */
  precompiled?: boolean;
  /** The precompiled validators' module [default: {@link PRECOMPILED_FILE} beside this module]. */
  precompiledFile?: string;
  /** ajv's code generation options (`{ source: true, … }` to make standalone code, see precompile.ts) [default: none]. */
  code?: Options["code"];
}

/**
 * A set of JSON Schemas resolved offline by URL. A URL is mapped to a file with the folder's
 * `schema-map.json` (URL prefix → sub-folder, longest prefix wins); schemas without `$id` get their URL as
 * `$id`. Each schema is read, parsed and compiled once (on first use) and then cached; the schemas it
 * `$ref`s are loaded with it. The ajv instance follows the schema's `$schema` (draft-07 by default,
 * 2019-09 or 2020-12 when declared), with ajv-formats plus `iri`/`iri-reference`, and `strict: false`
 * (unknown keywords and formats such as the OSC UI's `osc-project` are ignored, as in the OSC CI).
 */
export class SchemaRegistry {
  /** The folder the schemas are read from. */
  readonly dir: string;
  /** The `digest` of the folder's schema-map.json (undefined when it has none). */
  readonly digest: string | undefined;
  private readonly prefixes: Array<[string, string]>;
  private readonly allErrors: boolean;
  private readonly code: Options["code"] | undefined;
  private precompiled: Map<string, ValidateFunction> | null | undefined;
  private readonly precompiledFile: string;
  private readonly ajvs = new Map<Draft, AjvInstance>();
  private readonly added = new Map<Draft, Set<string>>();
  private readonly json = new Map<string, AnySchemaObject | null>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(options: SchemaRegistryOptions = {}) {
    this.dir = options.dir ?? bundledSchemaDir();
    this.allErrors = options.allErrors ?? false;
    this.code = options.code;
    this.precompiledFile = options.precompiledFile ?? join(dirname(fileURLToPath(import.meta.url)), PRECOMPILED_FILE);
    const mapFile = join(this.dir, "schema-map.json");
    if (!existsSync(mapFile)) {
      throw new EocubeError("INTERNAL", `The bundled schema folder is missing: ${mapFile}`, {
        path: mapFile,
        hint: "reinstall eocube, or run `node scripts/bundle-schemas.mjs` in a checkout",
      });
    }
    const parsed = JSON.parse(readFileSync(mapFile, "utf8")) as { map: Record<string, string>; digest?: string };
    this.prefixes = Object.entries(parsed.map).sort((a, b) => b[0].length - a[0].length);
    this.digest = parsed.digest;
    // Precompiled code exists for the default options only; null = not used.
    if (options.precompiled === false || this.allErrors || this.code) this.precompiled = null;
  }

  /** The local file for a schema URL (fragment ignored), or undefined when no bundled folder covers it. */
  fileFor(url: string): string | undefined {
    const base = url.split("#")[0];
    for (const [prefix, folder] of this.prefixes) {
      if (base.startsWith(prefix)) {
        const rest = base.slice(prefix.length);
        if (rest.split("/").includes("..")) return undefined;
        return join(this.dir, folder, rest);
      }
    }
    return undefined;
  }

  /** True when the schema at `url` is bundled. */
  has(url: string): boolean {
    return this.load(url.split("#")[0]) !== null;
  }

  /** The parsed schema document at `url` (with `$id` set), or throws NOT_FOUND. Do not mutate it. */
  getSchema(url: string): AnySchemaObject {
    const json = this.load(url.split("#")[0]);
    if (!json) throw notFound(url);
    return json;
  }

  /**
   * The compiled validator for the schema at `url` (compiled on first call, then cached).
   * Errors: NOT_FOUND when the schema (or one it references) is not bundled; INTERNAL when it does not compile.
   */
  getValidator(url: string): ValidateFunction {
    const cached = this.validators.get(url);
    if (cached) return cached;
    const pre = this.precompiledFor(url);
    if (pre) {
      this.validators.set(url, pre);
      return pre;
    }
    const root = this.getSchema(url);
    const draft = schemaDraft(root);
    const ajv = this.ajvFor(draft);
    this.addTree(url.split("#")[0], draft, ajv);
    let fn: ValidateFunction | undefined;
    try {
      fn = ajv.getSchema(url) as ValidateFunction | undefined;
    } catch (err) {
      if (isMissingRef(err)) throw notFound(String((err as { missingRef?: string }).missingRef ?? url));
      throw new EocubeError("INTERNAL", `The schema at '${url}' does not compile: ${(err as Error).message}`, { cause: err });
    }
    if (!fn) throw notFound(url);
    this.validators.set(url, fn);
    return fn;
  }

  /**
   * The ajv instance of a draft, created on first use (with `code: { source: true }` it holds the source of
   * every validator compiled so far, for ajv's standalone code).
   */
  ajvFor(draft: Draft): AjvInstance {
    let ajv = this.ajvs.get(draft);
    if (!ajv) {
      ajv = newAjv({
        draft,
        allErrors: this.allErrors,
        verbose: false,
        logger: false,
        formats: iriFormats,
        ...(this.code ? { code: this.code } : {}),
      });
      this.ajvs.set(draft, ajv);
      this.added.set(draft, new Set());
    }
    return ajv;
  }

  /**
   * True when the validators come precompiled (the module exists and was made from this folder's schemas); loads
   * the module on first call.
   */
  usesPrecompiled(): boolean {
    if (this.precompiled === undefined) this.precompiled = precompiledValidators(this.precompiledFile, this.digest);
    return this.precompiled !== null;
  }

  /** The precompiled validator of the file a URL maps to (no fragment), or undefined. */
  private precompiledFor(url: string): ValidateFunction | undefined {
    if (this.precompiled === null || url.includes("#")) return undefined;
    const file = this.fileFor(url);
    if (!file) return undefined;
    this.precompiled ??= precompiledValidators(this.precompiledFile, this.digest);
    return this.precompiled?.get(relative(this.dir, file).split(sep).join("/"));
  }

  private load(url: string): AnySchemaObject | null {
    if (this.json.has(url)) return this.json.get(url) ?? null;
    const file = this.fileFor(url);
    let json: AnySchemaObject | null = null;
    if (file && existsSync(file)) {
      json = JSON.parse(readFileSync(file, "utf8")) as AnySchemaObject;
      // A schema is addressed by the URL it was asked for (stac-node-validator gives schemas without $id their URL).
      if (typeof json.$id !== "string" || json.$id !== url) json = { ...json, $id: url };
    }
    this.json.set(url, json);
    return json;
  }

  /** Adds the schema at `url` and every schema it references (transitively) to `ajv`. */
  private addTree(url: string, draft: Draft, ajv: AjvInstance): void {
    const added = this.added.get(draft)!;
    const stack = [url];
    while (stack.length > 0) {
      const u = stack.pop()!;
      if (added.has(u)) continue;
      const json = this.load(u);
      added.add(u);
      // Not bundled: leave it to ajv, which knows its meta-schemas and reports any other missing $ref.
      if (!json) continue;
      try {
        ajv.addSchema(json);
      } catch (err) {
        if (!/already exists/.test((err as Error).message)) throw err;
      }
      for (const ref of collectRefs(json)) {
        if (ref.startsWith("#")) continue;
        let target: string;
        try {
          target = new URL(ref, u).toString().split("#")[0];
        } catch {
          continue;
        }
        if (!added.has(target)) stack.push(target);
      }
    }
  }
}

/** The JSON Schema draft a schema declares in `$schema` (draft-07 when it declares none). */
export function schemaDraft(schema: AnySchemaObject): Draft {
  const s = typeof schema.$schema === "string" ? schema.$schema : "";
  if (s.includes("2020-12")) return "2020-12";
  if (s.includes("2019-09")) return "2019-09";
  return "draft-07";
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if ((key === "$ref" || key === "$dynamicRef" || key === "$recursiveRef") && typeof value === "string") out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

function isMissingRef(err: unknown): boolean {
  return !!err && typeof err === "object" && "missingRef" in err;
}

function notFound(url: string): EocubeError {
  return new EocubeError("NOT_FOUND", `Schema at '${url}' not found. Please ensure all entries in 'stac_extensions' are valid.`, {
    path: url,
    hint: "eocube validates offline against its bundled schemas (see schemas/README.md); use a bundled version of the schema",
  });
}

let defaultRegistry: SchemaRegistry | undefined;

/** The process-wide registry over the bundled `schemas/` folder (created on first use). */
export function getSchemaRegistry(): SchemaRegistry {
  defaultRegistry ??= new SchemaRegistry();
  return defaultRegistry;
}
