// Which file is the dataset config and which the workflow config, as `deep-code publish` decides it: explicit
// --dataset-config/--workflow-config first, then positional files in either order, told apart by name and content.
import { access, readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { isMapping, parseConfigText } from "../../core/config/index.js";
import { EocubeError } from "../../core/errors.js";
import type { PublishMode } from "./builder.js";

/** What a config file holds. */
export type ConfigKind = "dataset" | "workflow";

/** Top-level keys that mark a dataset config (deep-code's `DATASET_MARKERS`). */
export const DATASET_MARKERS: readonly string[] = [
  "stac_version",
  "extent",
  "license",
  "summaries",
  "assets",
  "providers",
  "collection",
  "collection_id",
  "id",
];

/** Top-level keys that mark a workflow config (deep-code's `WORKFLOW_MARKERS`). */
export const WORKFLOW_MARKERS: readonly string[] = [
  "workflow",
  "workflow_id",
  "workflow_title",
  "experiment",
  "jupyter_notebook_url",
  "notebook",
  "parameters",
  "input_datasets",
];

/**
 * Tells a dataset config from a workflow config as deep-code does (`_detect_config_type`): by the file name
 * (`workflow` or `experiment` in it → workflow; `dataset` or `collection` → dataset), else by which of
 * {@link DATASET_MARKERS} / {@link WORKFLOW_MARKERS} its top-level keys hold more of.
 * @throws EocubeError NOT_FOUND (no such file), INVALID_CONFIG (not YAML, not a mapping), INVALID_ARGUMENT (as
 *   many markers of both kinds: ambiguous).
 */
export async function detectConfigType(path: string): Promise<ConfigKind> {
  const name = basename(path).toLowerCase();
  if (name.includes("workflow") || name.includes("experiment")) return "workflow";
  if (name.includes("dataset") || name.includes("collection")) return "dataset";
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `config file ${path} cannot be read: ${(err as Error).message}`, { path, cause: err });
  }
  const { value } = parseConfigText(text, path);
  const keys = isMapping(value) ? Object.keys(value) : [];
  const ds = keys.filter((k) => DATASET_MARKERS.includes(k)).length;
  const wf = keys.filter((k) => WORKFLOW_MARKERS.includes(k)).length;
  if (ds > wf) return "dataset";
  if (wf > ds) return "workflow";
  throw new EocubeError("INVALID_ARGUMENT", `cannot tell whether ${path} is a dataset or a workflow config`, {
    path,
    hint: "rename it to include 'dataset' or 'workflow', or pass it with --dataset-config / --workflow-config",
  });
}

/** The config files given to `publish`. */
export interface ConfigFileArgs {
  /** Positional files, in the order given (at most two). */
  positional: string[];
  mode: PublishMode;
  /** `--dataset-config`. */
  dataset?: string;
  /** `--workflow-config`. */
  workflow?: string;
}

/** The dataset and workflow config files to publish, and remarks about what was ignored. */
export interface ConfigFiles {
  dataset?: string;
  workflow?: string;
  notes: string[];
}

function usage(message: string, hint?: string): EocubeError {
  return new EocubeError("INVALID_ARGUMENT", message, { hint: hint ?? "e.g. eocube publish dataset.yaml workflow.yaml -m all" });
}

/**
 * Decides which file is the dataset config and which the workflow config, as `deep-code publish` does
 * (`_assign_configs`): explicit flags win (extra positional files are then ignored with a note); one missing slot is
 * filled from one positional file (the mode decides it when it names that slot, else {@link detectConfigType});
 * without flags, one positional file is the mode's config (mode all: detected), two are detected and must differ.
 * @throws EocubeError INVALID_ARGUMENT (two files of one kind, too many positional files, an ambiguous file).
 */
export async function assignConfigFiles(args: ConfigFileArgs): Promise<ConfigFiles> {
  const notes: string[] = [];
  const { mode } = args;
  let ds = args.dataset;
  let wf = args.workflow;
  const pos = args.positional.filter((p) => p.length > 0);
  if (pos.length > 2) throw usage(`at most two config files can be given, not ${pos.length}`);
  if (ds && wf) {
    if (pos.length > 0) notes.push("positional config paths ignored because --dataset-config and --workflow-config were given");
    return { dataset: ds, workflow: wf, notes };
  }
  const same = (a: string, b: string) => resolve(a) === resolve(b);
  const assignOne = async (p: string) => {
    if (!ds && mode === "dataset") ds = p;
    else if (!wf && mode === "workflow") wf = p;
    else if ((await detectConfigType(p)) === "dataset") {
      if (ds && !same(ds, p)) throw usage(`two dataset configs given: ${ds} and ${p}`);
      ds = p;
    } else {
      if (wf && !same(wf, p)) throw usage(`two workflow configs given: ${wf} and ${p}`);
      wf = p;
    }
  };
  if (ds || wf) {
    if (pos.length > 1) throw usage(`give at most one positional file with --${ds ? "dataset" : "workflow"}-config`);
    if (pos[0]) await assignOne(pos[0]);
    return { dataset: ds, workflow: wf, notes };
  }
  if (pos.length === 1) {
    const p = pos[0]!;
    if (mode === "dataset") return { dataset: p, notes };
    if (mode === "workflow") return { workflow: p, notes };
    return (await detectConfigType(p)) === "dataset" ? { dataset: p, notes } : { workflow: p, notes };
  }
  if (pos.length === 2) {
    const [p1, p2] = pos as [string, string];
    const [k1, k2] = [await detectConfigType(p1), await detectConfigType(p2)];
    if (k1 === k2) {
      throw usage(`both files look like ${k1} configs: ${p1} and ${p2}`, "rename one, or use --dataset-config / --workflow-config");
    }
    return k1 === "dataset" ? { dataset: p1, workflow: p2, notes } : { dataset: p2, workflow: p1, notes };
  }
  return { notes };
}

/** The file names looked for in the current folder when a config is not given: eocube's, then deep-code's. */
export const DEFAULT_CONFIG_NAMES: Readonly<Record<ConfigKind, readonly string[]>> = {
  dataset: ["dataset-config.yaml", "dataset_config.yaml"],
  workflow: ["workflow-config.yaml", "workflow_config.yaml"],
};

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Completes the files a mode needs (deep-code's `_validate_inputs`): mode dataset needs the dataset config (a
 * workflow config given is ignored with a note), mode workflow the workflow config (a dataset config given is
 * used for the project and themes), mode all both. A config not given is looked for under
 * {@link DEFAULT_CONFIG_NAMES} in `cwd`.
 * @throws EocubeError NOT_FOUND naming the missing config (`DATASET_CONFIG` / `WORKFLOW_CONFIG`) or the file given.
 */
export async function completeConfigFiles(files: ConfigFiles, mode: PublishMode, cwd = "."): Promise<ConfigFiles> {
  const out: ConfigFiles = { ...files, notes: [...files.notes] };
  if (mode === "dataset" && out.workflow) {
    out.notes.push(`ignoring the workflow config ${out.workflow} since mode is dataset`);
    out.workflow = undefined;
  }
  const need: ConfigKind[] = mode === "all" ? ["dataset", "workflow"] : [mode];
  for (const kind of need) {
    if (out[kind]) continue;
    for (const name of DEFAULT_CONFIG_NAMES[kind]) {
      const p = resolve(cwd, name);
      if (await exists(p)) {
        out[kind] = p;
        break;
      }
    }
    if (!out[kind]) {
      const label = kind === "dataset" ? "DATASET_CONFIG" : "WORKFLOW_CONFIG";
      throw new EocubeError(
        "NOT_FOUND",
        `${label} is required in mode ${mode} but was not given (and no ${DEFAULT_CONFIG_NAMES[kind].join(" or ")} here)`,
        {
          field: `--${kind}-config`,
          hint: `give it as a positional file or with --${kind}-config; write templates with \`eocube generate-config\``,
        },
      );
    }
  }
  for (const kind of ["dataset", "workflow"] as const) {
    const p = out[kind];
    if (p && !(await exists(p))) {
      throw new EocubeError("NOT_FOUND", `${kind} config ${p} does not exist`, {
        path: p,
        hint: "check the path; write templates with `eocube generate-config`",
      });
    }
  }
  return out;
}
