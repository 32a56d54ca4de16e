// `reproduce`: re-runs a published experiment whose workflow is an eocube gen request and compares the new cube
// with the published one; for other workflow kinds (notebook, openEO, CWL, Argo, …) lists what a re-run needs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeCF } from "../../../core/cf.js";
import type { Dataset } from "../../../core/dataset.js";
import { EocubeError, isEocubeError } from "../../../core/errors.js";
import { eocubeVersion } from "../../../core/version.js";
import { normalizeGenRequest } from "../../../gen/request.js";
import { runGen } from "../../../gen/run.js";
import { compareDatasets, type DatasetComparison } from "../../../ops/compare.js";
import { openDataset } from "../../../stores/open.js";
import type { LinkJson } from "../../stac/link.js";
import type { Json } from "../workspace.js";
import { loadExperiment, type Experiment } from "./experiment.js";

/** Options of {@link reproduceExperiment}. */
export interface ReproduceOptions {
  /** The local catalog an experiment id is looked up in [default: the current folder]. */
  catalog?: string;
  /** Folder the regenerated cube is written to (kept) [default: a temp folder, removed afterwards]. */
  outputDir?: string;
  /** The published cube to compare with (path or URL) [default: input.yaml `outputs[0].source`, else the product's via "Access" link]. */
  published?: string;
  /** Relative tolerance of the value comparison [default 1e-5]. */
  rtol?: number;
  /** Absolute tolerance of the value comparison [default 1e-8]. */
  atol?: number;
  /** Worker threads of the gen run [default: gen's default]. */
  workers?: number;
  signal?: AbortSignal;
}

/** What a re-run of a workflow that eocube does not run would need. */
export interface WorkflowNeeds {
  /** `jupyter-notebook`, `openeo`, `cwl`, `argo-workflow`, `git-repository` or `unknown`. */
  kind: string;
  /** One line per requirement (runtime, files, parameters), in the order to set them up. */
  needs: string[];
  /** The workflow's and experiment's links that point at the code, the environment or the platform. */
  links: Array<{ rel: string; href: string; type?: string; title?: string }>;
}

/** The result of {@link reproduceExperiment}. */
export interface ReproduceResult {
  experiment: string;
  record: string;
  /** `eocube-gen`, or the other workflow's kind (then `comparison` is absent). */
  workflow: string;
  /** Warnings (another eocube version than the published run's, …). */
  warnings: string[];
  /** eocube gen workflows: the published cube, the regenerated one (undefined when removed) and the comparison. */
  published?: string;
  regenerated?: string;
  comparison?: DatasetComparison;
  /** Other workflows: what a re-run needs. */
  needs?: WorkflowNeeds;
}

const NOTEBOOK_TYPE = "application/x-ipynb+json";
const LINK_RELS = new Set(["application", "vcs", "git", "application-originating-platform", "related", "via", "environment", "input"]);

/**
 * The kind of a workflow that eocube does not re-run, and what a re-run needs, from the workflow record (its
 * `application:type`, conformance classes and links, as the OSC's workflows declare them: a notebook link of type
 * application/x-ipynb+json, an Argo workflow YAML, an openEO process graph, a CWL file, a git repository) and the
 * experiment's input.yaml and environment.yaml.
 */
export function workflowNeeds(exp: Experiment): WorkflowNeeds {
  const wf = exp.workflow;
  const props = (wf?.properties ?? {}) as Json;
  const links = ((wf?.links ?? []) as LinkJson[]).filter((l) => !["root", "parent", "self", "child"].includes(l.rel));
  const appType = typeof props["application:type"] === "string" ? (props["application:type"] as string) : "";
  const conforms = ((wf?.conformsTo ?? []) as string[]).join(" ");
  const hrefs = links.map((l) => `${l.type ?? ""} ${l.href}`).join(" ");
  const env = exp.environment ?? {};
  const input = exp.input ?? {};
  const params = Object.keys((input.parameters ?? {}) as Json);
  const paramLine = params.length
    ? `the parameters of input.yaml: ${params.join(", ")}`
    : `the run's parameters (${exp.input ? "input.yaml has none" : "no input.yaml"})`;
  const needs: string[] = [];
  let kind = "unknown";
  const find = (re: RegExp) => links.find((l) => re.test(`${l.type ?? ""} ${l.href}`));
  if (appType === "jupyter-notebook" || /jupyter-notebook/.test(conforms) || hrefs.includes(NOTEBOOK_TYPE) || /\.ipynb\b/.test(hrefs)) {
    kind = "jupyter-notebook";
    const nb = find(/x-ipynb\+json|\.ipynb\b/)?.href ?? (env.notebook as string | undefined);
    needs.push(`the notebook ${nb ?? "(no notebook link in the workflow record)"}`);
    const kernel = [env.kernel && `kernel ${env.kernel}`, env.python_version && `Python ${env.python_version}`].filter(Boolean).join(", ");
    needs.push(
      `a Jupyter ${(props["application:language"] as string | undefined) ?? "Python"} kernel${kernel ? ` (${kernel})` : exp.environment ? " (environment.yaml names none)" : " (no environment.yaml)"}`,
    );
    needs.push(
      env.env_file
        ? `its environment from ${env.env_file}`
        : `its package environment (${exp.environment ? "environment.yaml has no env_file" : "no environment.yaml"})`,
    );
  } else if (/openeo/i.test(`${appType} ${conforms} ${hrefs}`)) {
    kind = "openeo";
    needs.push(`the openEO process graph ${find(/openeo|process.?graph/i)?.href ?? "(not linked)"}`);
    needs.push("an account on an openEO back-end that offers the processes it uses (openEO Python or JS client)");
  } else if (/\bcwl\b/i.test(`${appType} ${conforms}`) || /\.cwl\b|application\/cwl/i.test(hrefs)) {
    kind = "cwl";
    needs.push(`the CWL application package ${find(/\.cwl\b|application\/cwl/i)?.href ?? "(not linked)"}`);
    needs.push("a CWL runner (cwltool, Calrissian or an OGC API Processes / EOEPCA ADES) and the container images it names");
  } else if (/argo/i.test(`${appType} ${conforms}`) || /x-argo-workflow/i.test(hrefs)) {
    kind = "argo-workflow";
    needs.push(`the Argo workflow template ${find(/x-argo-workflow/i)?.href ?? "(not linked)"}`);
    const platform = links.find((l) => l.rel === "application-originating-platform");
    needs.push(
      `a Kubernetes cluster with Argo Workflows${platform ? ` (it ran on ${platform.title ?? platform.href}: ${platform.href})` : ""}`,
    );
  } else if (links.some((l) => l.rel === "vcs" || l.rel === "git")) {
    kind = "git-repository";
    needs.push(`the source repository ${links.find((l) => l.rel === "vcs" || l.rel === "git")!.href} and its own instructions to run it`);
  } else {
    needs.push(
      `a description of how to run workflow ${(props.title as string | undefined) ?? exp.workflowHref ?? "(no workflow record)"}: its record links no notebook, process graph, CWL, Argo template or repository`,
    );
  }
  needs.push(paramLine);
  const inputs = (input.input_datasets ?? []) as Array<Json | string>;
  if (inputs.length)
    needs.push(`the input datasets: ${inputs.map((d) => (typeof d === "string" ? d : ((d.url ?? d.id) as string))).join(", ")}`);
  return {
    kind,
    needs,
    links: links
      .filter((l) => LINK_RELS.has(l.rel) && !/\/(projects|themes|experiments)\//.test(l.href))
      .map((l) => ({ rel: l.rel, href: l.href, ...(l.type ? { type: l.type } : {}), ...(l.title ? { title: l.title } : {}) })),
  };
}

/** The published cube: input.yaml `outputs[0].source`, else the first product's via "Access" link. */
function publishedSource(exp: Experiment): string | undefined {
  const outputs = exp.input?.outputs as Array<Json> | undefined;
  const source = outputs?.find((o) => typeof o.source === "string")?.source as string | undefined;
  if (source) return source;
  for (const p of exp.products) {
    const via = ((p.doc?.links ?? []) as LinkJson[]).find((l) => l.rel === "via" && /^access$/i.test(l.title ?? ""));
    if (via) return via.href;
  }
  return undefined;
}

/**
 * Re-runs the experiment `ref` (an experiment id in `options.catalog`, the path of experiments/<id>/record.json,
 * or its URL) when its input.yaml holds an eocube gen request (`workflow: eocube-gen`, `gen_request`, written by
 * `eocube publish` from the workflow config's `gen_request`): the request is run again (inputs as published, output
 * into `outputDir` or a temp folder) and the new cube is compared with the published one ({@link compareDatasets}:
 * same dims, coordinates and CRS; per variable the max abs difference, the fraction of differing cells and NaN
 * mismatches within rtol/atol). A warning names a different eocube version than environment.yaml's. Other workflows
 * are not run: the result lists what a re-run needs ({@link workflowNeeds}).
 * @throws EocubeError from {@link loadExperiment} (NOT_FOUND, INVALID_ARGUMENT, …); INVALID_ARGUMENT when the
 *   published cube's location is unknown (give `published`); the gen run's and the stores' errors; CANCELLED.
 */
export async function reproduceExperiment(ref: string, options: ReproduceOptions = {}): Promise<ReproduceResult> {
  const { signal } = options;
  const exp = await loadExperiment(ref, { catalog: options.catalog, signal });
  const warnings: string[] = exp.missing.map((m) => `${m} is linked by the experiment record but does not exist`);
  const request = exp.input?.gen_request;
  const base = { experiment: exp.id, record: exp.href, warnings };
  if (exp.input?.workflow !== "eocube-gen" || !request || typeof request !== "object") {
    const needs = workflowNeeds(exp);
    return { ...base, workflow: needs.kind, needs };
  }
  const published = options.published ?? publishedSource(exp);
  const from = options.published ? "--published" : "the experiment's input.yaml outputs or its product's Access link";
  if (!published) {
    throw new EocubeError(
      "INVALID_ARGUMENT",
      `the published cube of experiment ${exp.id} is unknown: input.yaml has no outputs source and its product no "Access" via link`,
      {
        path: exp.href,
        field: "--published",
        hint: "give the published cube with --published PATH_OR_URL",
      },
    );
  }
  const env = exp.environment ?? {};
  const running = eocubeVersion();
  if (typeof env.eocube === "string" && env.eocube !== running) {
    warnings.push(
      `the experiment was published with eocube ${env.eocube}; this is eocube ${running}: values may differ where the generator changed`,
    );
  } else if (env.eocube === undefined) {
    warnings.push("environment.yaml does not name the eocube version the experiment ran with");
  }
  if (typeof env.node === "string" && env.node.split(".")[0] !== process.version.split(".")[0]) {
    warnings.push(`the experiment ran on Node ${env.node}; this is Node ${process.version}`);
  }
  // the published cube first: a wrong location fails before the generator runs
  let old: Dataset;
  try {
    old = await openDataset(published, { signal });
  } catch (err) {
    if (!isEocubeError(err) || err.code === "CANCELLED") throw err;
    throw new EocubeError(err.code, `the published cube ${published} (from ${from}) cannot be opened: ${err.message}`, {
      path: err.path ?? published,
      field: "--published",
      hint: `${err.hint ? `${err.hint}; ` : ""}give the published cube's path or URL with --published`,
      cause: err,
    });
  }
  const tmp = options.outputDir ? undefined : await mkdtemp(join(tmpdir(), "eocube-reproduce-"));
  const dir = resolve(options.outputDir ?? tmp!);
  const out = join(dir, `${exp.id}.zarr`);
  try {
    const req = normalizeGenRequest(request, { output: out, replace: true, source: `${exp.href} (input.yaml gen_request)` });
    await runGen(req, { signal, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
    const fresh = await openDataset(out, { signal });
    try {
      const comparison = await compareDatasets(decodeCF(fresh), decodeCF(old), { rtol: options.rtol, atol: options.atol, signal });
      return { ...base, workflow: "eocube-gen", published, regenerated: tmp ? undefined : out, comparison };
    } finally {
      await fresh.close();
    }
  } finally {
    await old.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}
