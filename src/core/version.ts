// The running eocube's version, and the versions of the packages its data path depends on (for environment.yaml).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

function readVersion(file: string | URL): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The version of this eocube: the `version` of its package.json (two folders up from src/core or dist/core).
 * @returns e.g. "0.1.0"; "unknown" when the package.json cannot be read.
 */
export function eocubeVersion(): string {
  return readVersion(new URL("../../package.json", import.meta.url)) ?? "unknown";
}

/** The file of a package's entry point, as `import` (ESM-only packages) or else `require` resolves it. */
function entryOf(name: string): string {
  try {
    return fileURLToPath(import.meta.resolve(name));
  } catch {
    return require.resolve(name);
  }
}

/** The packages whose code decides the values `eocube gen` writes (readers, codecs, reprojection). */
export const DATA_PACKAGES = ["zarrita", "netcdfjs", "h5wasm", "geotiff", "proj4"] as const;

/**
 * The installed versions of `names` (default {@link DATA_PACKAGES}), read from their package.json as Node
 * resolves them from eocube; packages that cannot be found are left out.
 * @returns name → version, in the order of `names`.
 */
export function packageVersions(names: readonly string[] = DATA_PACKAGES): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    let v: string | undefined;
    try {
      v = readVersion(require.resolve(`${name}/package.json`));
    } catch {
      // packages whose exports hide package.json: walk up from the entry point to its package.json
      try {
        let dir = entryOf(name);
        for (let i = 0; i < 6 && v === undefined; i++) {
          dir = dir.replace(/[/\\][^/\\]+$/, "");
          const pkg = `${dir}/package.json`;
          try {
            const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
            if (json.name === name) v = json.version;
          } catch {
            // not here
          }
        }
      } catch {
        // not installed
      }
    }
    if (v) out[name] = v;
  }
  return out;
}
