// loadYamlConfig: read a config file, parse it with lines, check it against its JSON Schema and return the
// typed value — the one path every config (OSC dataset/workflow, PRR, gen request, server) comes in by.
import { readFile } from "node:fs/promises";
import type { FromSchema, JSONSchema } from "json-schema-to-ts";
import { EocubeError, throwIfAborted } from "../errors.js";
import { schemaValidator } from "./ajv.js";
import { configError, schemaProblems, type ConfigErrorOptions, type SchemaProblemsOptions } from "./problems.js";
import { parseConfigText, type Locator, type ParseConfigTextOptions, type ParsedConfig } from "./yaml.js";

/** A config schema: a draft-07 JSON Schema (declared `as const`) with an `$id`. */
export type ConfigSchema = JSONSchema & { readonly $id: string };

/** The TypeScript type a config schema describes (`if`/`then`/`else` included): declared once, by the schema. */
export type ConfigType<S extends JSONSchema> = FromSchema<S, { parseIfThenElseKeywords: true }>;

/** Options of {@link readConfigText}. */
export interface ReadConfigTextOptions {
  /** What the file is called in messages [default "config file"], e.g. "request file". */
  what?: string;
  /** How to get a valid file (e.g. "write templates with `eocube generate-config`"). */
  hint?: string;
  signal?: AbortSignal;
}

/**
 * Reads a config file as UTF-8 text.
 * @throws EocubeError NOT_FOUND `<what> <path> does not exist` (or "is a folder, not a file", "cannot be
 *   read (permission denied)", "cannot be read (<code>)"); CANCELLED when `signal` is aborted.
 */
export async function readConfigText(path: string, options: ReadConfigTextOptions = {}): Promise<string> {
  throwIfAborted(options.signal);
  try {
    return await readFile(path, { encoding: "utf8", signal: options.signal });
  } catch (err) {
    throwIfAborted(options.signal);
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" || code === "ENOTDIR"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : code === "EACCES" || code === "EPERM"
            ? "cannot be read (permission denied)"
            : `cannot be read (${code ?? (err as Error).message})`;
    throw new EocubeError("NOT_FOUND", `${options.what ?? "config file"} ${path} ${why}`, { path, cause: err, hint: options.hint });
  }
}

/** Options of {@link checkConfig}. */
export interface CheckConfigOptions extends SchemaProblemsOptions, ConfigErrorOptions {}

/**
 * Checks a value against a config schema (compiled once, see {@link schemaValidator}).
 * @typeParam T the config's type, `ConfigType<typeof SCHEMA>` (named by the caller: deriving it here from a
 *   generic schema is too deep for the compiler).
 * @param file the file named in messages.
 * @throws EocubeError INVALID_CONFIG from {@link configError} with the {@link schemaProblems}.
 */
export function checkConfig<T>(schema: ConfigSchema, value: unknown, file: string, options: CheckConfigOptions = {}): T {
  const validate = schemaValidator(schema as unknown as { $id: string });
  if (!validate(value)) throw configError(file, schemaProblems(validate.errors ?? [], value, options), options);
  return value as T;
}

/** Options of {@link parseYamlConfig} and {@link loadYamlConfig}. */
export interface YamlConfigOptions extends ParseConfigTextOptions, CheckConfigOptions {
  /** Adjusts the parsed value before it is checked (e.g. lower-cases theme ids); may read the source text. */
  prepare?: (value: unknown, parsed: ParsedConfig) => void;
}

/** A checked config, its file and where its fields stand. */
export interface YamlConfig<T> {
  value: T;
  /** The file it was read from (as given). */
  file: string;
  /** The line of a field, for messages about it after the schema check. */
  locate: Locator;
}

/**
 * Parses YAML/JSON config text and checks it against `schema`.
 * @throws EocubeError INVALID_CONFIG (syntax with line and column; a top level that is not a mapping; schema
 *   problems with file:line, field, did-you-mean).
 */
export function parseYamlConfig<T>(text: string, file: string, schema: ConfigSchema, options: YamlConfigOptions = {}): YamlConfig<T> {
  const parsed = parseConfigText(text, file, options);
  options.prepare?.(parsed.value, parsed);
  return { value: checkConfig<T>(schema, parsed.value, file, { ...options, locate: parsed.locate }), file, locate: parsed.locate };
}

/**
 * Reads a YAML (or JSON) config file and checks it against `schema`: the typed value and a locator.
 * @typeParam T the config's type, `ConfigType<typeof SCHEMA>`.
 * @throws EocubeError NOT_FOUND (see {@link readConfigText}), INVALID_CONFIG (see {@link parseYamlConfig}).
 */
export async function loadYamlConfig<T>(
  path: string,
  schema: ConfigSchema,
  options: YamlConfigOptions & ReadConfigTextOptions = {},
): Promise<YamlConfig<T>> {
  return parseYamlConfig<T>(await readConfigText(path, options), path, schema, options);
}
