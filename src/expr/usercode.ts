// User code: a function of a user's JavaScript/TypeScript module, found by xcube's `module:function`
// reference in a file set (gen's code_config) or by a path (the server's Augmentation), loaded once.
import { existsSync, statSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EocubeError } from "../core/errors.js";

/** Module file extensions tried for a module name, in order. */
export const MODULE_EXTENSIONS = [".mjs", ".js", ".mts", ".ts", ".cjs", ".cts"] as const;

/** A loaded user function and what its module declares. */
export interface UserFunction {
  /** The function. */
  fn: (...args: unknown[]) => unknown;
  /** The module file. */
  path: string;
  /** The function's name as referenced. */
  name: string;
  /** True when the module exports `chunkwise = true` (or the function has `chunkwise: true`). */
  chunkwise: boolean;
}

/**
 * The module file of a `module` name in a file set folder (`pkg.mod` → `pkg/mod.<ext>`), or `path` itself
 * when it is a file.
 * @throws EocubeError NOT_FOUND naming the files tried.
 */
export function resolveModule(path: string, module: string | undefined, field: string): string {
  if (existsSync(path) && statSync(path).isFile()) return path;
  if (!existsSync(path)) {
    throw new EocubeError("NOT_FOUND", `${field}: ${path} does not exist`, {
      field,
      path,
      hint: "give the folder (or file) of the module",
    });
  }
  if (!module) throw new EocubeError("INVALID_CONFIG", `${field}: ${path} is a folder: name the module`, { field, path });
  const base = join(path, ...module.split("."));
  const tried = MODULE_EXTENSIONS.map((e) => base + e);
  const found = tried.find((p) => existsSync(p));
  if (!found) {
    throw new EocubeError("NOT_FOUND", `${field}: module ${module} not found in ${path}`, {
      field,
      path,
      hint: `tried ${tried.map((t) => t.slice(path.length + 1)).join(", ")}`,
    });
  }
  return found;
}

/**
 * Imports a user module (TypeScript through tsx, when installed) and returns its function `name`.
 * User code runs with the rights of the process, as xcube runs a config's Python code: only configs and
 * requests the operator writes name it; nothing is taken from a client.
 * @throws EocubeError NOT_FOUND (no such function: the exported names are listed), INVALID_CONFIG (the module
 *   does not load: the cause's message; a TypeScript module without tsx installed).
 */
export async function loadUserFunction(path: string, name: string, field: string): Promise<UserFunction> {
  const abs = isAbsolute(path) ? path : resolve(path);
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(abs).href;
    if ([".ts", ".mts", ".cts"].includes(extname(abs))) {
      let tsx: { tsImport: (u: string, parent: string) => Promise<Record<string, unknown>> };
      try {
        tsx = (await import("tsx/esm/api")) as unknown as typeof tsx;
      } catch (err) {
        throw new EocubeError("INVALID_CONFIG", `${field}: ${abs} is TypeScript, which needs the tsx package`, {
          field,
          path: abs,
          hint: "npm install tsx next to eocube, or compile the module to JavaScript (.mjs)",
          cause: err,
        });
      }
      mod = await tsx.tsImport(url, import.meta.url);
    } else {
      mod = (await import(url)) as Record<string, unknown>;
    }
  } catch (err) {
    if (err instanceof EocubeError) throw err;
    throw new EocubeError("INVALID_CONFIG", `${field}: ${abs} does not load: ${(err as Error).message}`, {
      field,
      path: abs,
      hint: "check the module runs with node (syntax, imports)",
      cause: err,
    });
  }
  const fn = Object.hasOwn(mod, name) ? mod[name] : undefined;
  if (typeof fn !== "function") {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    throw new EocubeError("NOT_FOUND", `${field}: ${abs} exports no function ${name}`, {
      field,
      path: abs,
      hint: `exported functions: ${exported.join(", ") || "(none)"}`,
    });
  }
  const chunkwise = mod.chunkwise === true || (fn as { chunkwise?: unknown }).chunkwise === true;
  return { fn: fn as UserFunction["fn"], path: abs, name, chunkwise };
}
