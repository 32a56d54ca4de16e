// Store plugins: finds installed npm packages that provide data stores and registers their stores.
// A plugin is a package named `eocube-store-*` (or `@scope/eocube-store-*`), or any package whose
// package.json has `"eocube": {"stores": "./stores.js"}`; its module exports `stores: DataStoreInfo[]`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EocubeError } from "../core/errors.js";
import { type DataStoreInfo, registerDataStore } from "./registry.js";

/** One plugin package found on disk and what became of it. */
export interface StorePluginRecord {
  /** npm package name (`eocube-store-demo`, `@org/eocube-store-x`). */
  package: string;
  version?: string;
  /** Folder of the package. */
  path: string;
  /** Store ids the package registered. */
  storeIds: string[];
  /** Why the package or one of its stores could not be registered (the others still are). */
  error?: string;
}

/** Options of {@link loadStorePlugins}. */
export interface LoadStorePluginsOptions {
  /**
   * `node_modules` folders to search. Default: the `node_modules` of the current folder and of each of its
   * parents, the folders of `EOCUBE_STORE_PLUGIN_PATH` (':'-separated), and the `node_modules` eocube itself
   * was installed into.
   */
  nodeModules?: string[];
  /** Search again even when plugins were loaded before (default false: a second call returns the first result). */
  reload?: boolean;
}

let loaded: Promise<StorePluginRecord[]> | undefined;

/**
 * Finds the store plugin packages and registers their stores (once per process unless `reload`). Packages
 * looked at in each `node_modules` folder: those named `eocube-store-*` / `@scope/eocube-store-*`, and the
 * dependencies listed in the package.json beside that folder whose package.json has an `eocube.stores` field.
 * The module is `eocube.stores` (a path relative to the package, or a list of them) or else the package's
 * entry (`exports["."]`, `main`, `index.js`); it exports `stores` (an array of {@link DataStoreInfo}) or a
 * default export of that shape. A package found in several folders is taken from the first.
 * A broken plugin does not stop the others: its record carries `error` (shown by `eocube store list`).
 * @returns one record per plugin package, in discovery order.
 */
export function loadStorePlugins(options: LoadStorePluginsOptions = {}): Promise<StorePluginRecord[]> {
  if (loaded && !options.reload) return loaded;
  loaded = discover(options.nodeModules ?? defaultNodeModules());
  return loaded;
}

/** The default `node_modules` folders of {@link loadStorePlugins}. */
export function defaultNodeModules(): string[] {
  const out: string[] = [];
  const up = (start: string) => {
    let dir = resolve(start);
    for (;;) {
      out.push(join(dir, "node_modules"));
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  };
  up(process.cwd());
  for (const p of (process.env.EOCUBE_STORE_PLUGIN_PATH ?? "").split(":")) if (p) out.push(resolve(p));
  // eocube's own package folder (dist/stores or src/stores → the package root) and its parents
  up(resolve(dirname(fileURLToPath(import.meta.url)), "../.."));
  return [...new Set(out)].filter((d) => existsSync(d));
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const PLUGIN_NAME = /^(@[^/]+\/)?eocube-store-[a-z0-9._-]+$/;

/** Package folders in one node_modules folder that are plugin candidates. */
function candidates(nodeModules: string): string[] {
  const names = new Set<string>();
  let entries: string[] = [];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  for (const e of entries) {
    if (e.startsWith("@")) {
      try {
        for (const sub of readdirSync(join(nodeModules, e))) if (PLUGIN_NAME.test(`${e}/${sub}`)) names.add(`${e}/${sub}`);
      } catch {
        /* not a folder */
      }
    } else if (PLUGIN_NAME.test(e)) {
      names.add(e);
    }
  }
  // dependencies of the project owning this node_modules that declare stores in their package.json
  const project = readJson(join(dirname(nodeModules), "package.json"));
  for (const field of ["dependencies", "optionalDependencies", "devDependencies"]) {
    const deps = project?.[field];
    if (deps && typeof deps === "object") {
      for (const name of Object.keys(deps)) {
        const pkg = readJson(join(nodeModules, name, "package.json"));
        if ((pkg?.eocube as { stores?: unknown } | undefined)?.stores !== undefined) names.add(name);
      }
    }
  }
  return [...names].map((n) => join(nodeModules, n));
}

/** The module files of a plugin package (absolute paths). */
function moduleFiles(dir: string, pkg: Record<string, unknown>): string[] {
  const declared = (pkg.eocube as { stores?: unknown } | undefined)?.stores;
  if (typeof declared === "string") return [join(dir, declared)];
  if (Array.isArray(declared)) return declared.filter((d): d is string => typeof d === "string").map((d) => join(dir, d));
  const exp = pkg.exports as unknown;
  const dot = typeof exp === "string" ? exp : (exp as Record<string, unknown> | undefined)?.["."];
  const entry =
    typeof dot === "string"
      ? dot
      : ((dot as Record<string, unknown> | undefined)?.import ?? (dot as Record<string, unknown> | undefined)?.default);
  if (typeof entry === "string") return [join(dir, entry)];
  return [join(dir, typeof pkg.main === "string" ? pkg.main : "index.js")];
}

async function discover(nodeModulesList: string[]): Promise<StorePluginRecord[]> {
  const records: StorePluginRecord[] = [];
  const seen = new Set<string>();
  for (const nm of nodeModulesList) {
    for (const dir of candidates(nm)) {
      const pkg = readJson(join(dir, "package.json"));
      const name = typeof pkg?.name === "string" ? pkg.name : dir.slice(nm.length + 1);
      if (seen.has(name)) continue;
      seen.add(name);
      const rec: StorePluginRecord = { package: name, path: dir, storeIds: [] };
      if (typeof pkg?.version === "string") rec.version = pkg.version;
      records.push(rec);
      if (!pkg) {
        rec.error = `no readable package.json in ${dir}`;
        continue;
      }
      const source = rec.version ? `${name}@${rec.version}` : name;
      const errors: string[] = [];
      for (const file of moduleFiles(dir, pkg)) {
        let mod: Record<string, unknown>;
        try {
          mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        } catch (err) {
          errors.push(`cannot load ${file}: ${(err as Error)?.message ?? String(err)}`);
          continue;
        }
        const stores = mod.stores ?? (mod.default as { stores?: unknown } | undefined)?.stores ?? mod.default;
        if (!Array.isArray(stores)) {
          errors.push(`${file} exports no "stores" array of data store registrations`);
          continue;
        }
        for (const info of stores as DataStoreInfo[]) {
          try {
            registerDataStore({ ...info, source });
            rec.storeIds.push(info.storeId);
          } catch (err) {
            errors.push(err instanceof EocubeError ? err.message : String(err));
          }
        }
      }
      if (errors.length > 0) rec.error = errors.join("; ");
    }
  }
  return records;
}
