// The one ajv factory: every JSON Schema eocube checks (configs, store and open params, the bundled STAC/OSC
// schemas) is compiled by an instance made here, with ajv-formats and the same strictness everywhere.
// ajv (≈100 ms to load) is required on first use only, so commands that check nothing do not pay for it.
import { createRequire } from "node:module";
import type { Ajv, Options, SchemaObject, ValidateFunction } from "ajv";
import { precompiledValidator } from "./precompiled.js";

const require = createRequire(import.meta.url);

/** An ajv instance of any draft (`Ajv2019`, `Ajv2020` have the draft-07 `Ajv`'s methods). */
export type AjvInstance = Ajv;

/** The JSON Schema drafts ajv validates; a schema's `$schema` says which it is written in. */
export type SchemaDraft = "draft-07" | "2019-09" | "2020-12";

/** Options of {@link newAjv}. */
export interface NewAjvOptions {
  /** JSON Schema draft [default "draft-07"]. */
  draft?: SchemaDraft;
  /** Report every error, not only the first of each schema branch [default true]. */
  allErrors?: boolean;
  /** Errors carry `schema`/`parentSchema`, which the config error wording needs [default true]. */
  verbose?: boolean;
  /** Fill `default`s of missing properties into the validated value [default false]. */
  useDefaults?: boolean;
  /** Where ajv's warnings go (`false`: nowhere) [default: console]. */
  logger?: Options["logger"];
  /** Formats beyond ajv-formats' (e.g. `iri`), by name. */
  formats?: Options["formats"];
  /** ajv's code generation options (e.g. `{ source: true }` for standalone code, see catalog/stac/precompile.ts). */
  code?: Options["code"];
}

/**
 * A new ajv instance: ajv-formats added (date-time, uri, email, …), `strict: false` (unknown keywords such
 * as `description` extensions and unknown formats are ignored, as the OSC CI does).
 * @see https://ajv.js.org/options.html
 */
export function newAjv(options: NewAjvOptions = {}): AjvInstance {
  const opts: Options = {
    strict: false,
    allErrors: options.allErrors ?? true,
    verbose: options.verbose ?? true,
    useDefaults: options.useDefaults ?? false,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.formats ? { formats: options.formats } : {}),
    ...(options.code ? { code: options.code } : {}),
  };
  const draft = options.draft ?? "draft-07";
  const Ctor = (
    draft === "2020-12"
      ? require("ajv/dist/2020.js").Ajv2020
      : draft === "2019-09"
        ? require("ajv/dist/2019.js").Ajv2019
        : require("ajv").Ajv
  ) as new (
    o: Options,
  ) => AjvInstance;
  const ajv = new Ctor(opts);
  const formatsModule = require("ajv-formats") as { default?: (a: AjvInstance) => AjvInstance } & ((a: AjvInstance) => AjvInstance);
  (formatsModule.default ?? formatsModule)(ajv);
  return ajv;
}

let shared: AjvInstance | undefined;

/**
 * The compiled validator of a schema of eocube's own (configs, requests), from one shared instance
 * ({@link newAjv} defaults) whose cache is keyed by the schema's `$id`: each schema is compiled once per process; the
 * gen request's schema is precompiled at build (precompiled.ts) and then neither loads ajv nor compiles.
 * @param schema a draft-07 schema with an `$id` (`https://eocube.dev/schemas/<name>.json`).
 */
export function schemaValidator<T = unknown>(schema: SchemaObject & { $id: string }): ValidateFunction<T> {
  // precompiled at build (precompiled.ts): no ajv to load, nothing to compile
  const pre = precompiledValidator<T>(schema);
  if (pre) return pre;
  shared ??= newAjv();
  return (shared.getSchema(schema.$id) ?? shared.compile(schema)) as ValidateFunction<T>;
}
