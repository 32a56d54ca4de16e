// A served dataset's own user variables: computed `Variables` entries (`name=expr`) and the config's
// `Augmentation` as a JavaScript module (xcube runs Python there), added to the dataset when it opens.
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { Variable } from "../core/variable.js";
import { loadUserFunction } from "../expr/usercode.js";
import { computedVariable, splitAssignment } from "../expr/variable.js";
import { resolveConfigPath, type ServerConfig } from "./config.js";
import type { DatasetEntry } from "./datasets.js";

/** Module files an `Augmentation.Path` may name (anything else, e.g. xcube's `.py`, is not run: config-compat warns). */
export const JS_MODULE = /\.(m?js|cjs|m?ts|cts)$/i;

/** The name a `Variables` entry publishes: the entry itself, or the name of a `name=expr` entry. */
export function publishedName(pattern: string): string {
  return pattern.includes("=") ? splitAssignment(pattern).name : pattern;
}

/** The config object of an entry (`Datasets.3`, `DataStores.1.Datasets.0`), found by its config field. */
function entryConfig(config: ServerConfig, entry: DatasetEntry): Record<string, unknown> | undefined {
  let node: unknown = config;
  for (const key of (entry.configField ?? "").split(".")) {
    if (!node || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node && typeof node === "object" ? (node as Record<string, unknown>) : undefined;
}

/**
 * The dataset with its user variables: first the `Augmentation` module's (`Path` a .js/.mjs/.ts module,
 * relative to the config's folder; `Function` called with the dataset and `InputParameters` for the base and
 * every overview, returning a Dataset or a record of variables to add, as xcube's CombinedMultiLevelDataset),
 * then the computed `Variables` entries `name=expr` over its data variables (lazy; overview levels compute
 * them from their own variables).
 * @throws EocubeError INVALID_CONFIG naming the config field (module does not load, the function fails or
 *   returns no variables, an expression does not check).
 */
export async function withUserVariables(dataset: Dataset, entry: DatasetEntry, config: ServerConfig): Promise<Dataset> {
  const cfg = entryConfig(config, entry);
  const field = entry.configField ?? entry.id;
  let ds = dataset;
  const aug = cfg?.Augmentation as { Path?: string; Function?: string; InputParameters?: Record<string, unknown> } | undefined;
  if (aug?.Path && aug.Function && JS_MODULE.test(aug.Path)) {
    const where = `${field}.Augmentation`;
    const uf = await loadUserFunction(resolveConfigPath(config, aug.Path), aug.Function, `${where}.Function`).catch((err: unknown) => {
      throw isEocubeError(err)
        ? new EocubeError("INVALID_CONFIG", err.message, { field: `${where}.Path`, hint: err.hint, cause: err })
        : err;
    });
    const augment = async (level: Dataset): Promise<Dataset> => {
      let r: unknown;
      try {
        r = await uf.fn(level, { ...(aug.InputParameters ?? {}) });
      } catch (err) {
        throw new EocubeError(
          "INVALID_CONFIG",
          `${where}: ${aug.Function} failed for dataset ${entry.id}: ${(err as Error)?.message ?? err}`,
          {
            field: `${where}.Function`,
            hint: `fix ${uf.path}`,
            cause: err,
          },
        );
      }
      const added =
        r && typeof r === "object" ? ("data_vars" in r ? (r as Dataset).data_vars : (r as Record<string, Variable>)) : undefined;
      if (!added || Object.values(added).some((v) => !v || typeof (v as Variable).read !== "function")) {
        throw new EocubeError("INVALID_CONFIG", `${where}: ${aug.Function} must return a Dataset or a record of variables`, {
          field: `${where}.Function`,
          hint: "return e.g. { ndvi: dataset.data_vars.B08.with({ name: 'ndvi', read: … }) }",
        });
      }
      return level.with({ data_vars: { ...level.data_vars, ...added } });
    };
    const base = await augment(ds);
    ds = base.with({ overviews: await Promise.all(ds.overviews.map(augment)) });
  }
  const computed = (entry.variables ?? []).map((p, k) => [p, k] as const).filter(([p]) => p.includes("="));
  if (computed.length > 0) {
    const added: Record<string, Variable> = {};
    for (const [p, k] of computed) {
      const { name, expression } = splitAssignment(p);
      try {
        added[name] = computedVariable(ds.data_vars, name, expression ?? "", { field: `${field}.Variables.${k}` });
      } catch (err) {
        throw isEocubeError(err)
          ? new EocubeError("INVALID_CONFIG", `${field}.Variables.${k}: ${err.message}`, {
              field: `${field}.Variables.${k}`,
              hint: err.hint,
              cause: err,
            })
          : err;
      }
    }
    ds = ds.with({ data_vars: { ...ds.data_vars, ...added } });
  }
  return ds;
}
