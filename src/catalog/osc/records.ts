// Workflow and experiment OGC API Records, and the experiment's input.yaml and environment.yaml.
// Spec: OGC API Records core (http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core), OSC
// schemas/workflows/children.json and experiments/children.json.
import { stringify } from "yaml";
import { EocubeError } from "../../core/errors.js";
import { RECORD_CORE } from "./constants.js";
import type { ContactConfig, InputDatasetConfig, LinkConfig, WorkflowConfig } from "./config-schema.js";
import { themesField } from "./entities.js";
import { entityPath, parentLink, rootLink, selfLink } from "./links.js";
import { Link, MediaType, RelType, type LinkJson } from "../stac/link.js";
import type { Json } from "./workspace.js";

const JUPYTER_PROFILE =
  "https://raw.githubusercontent.com/EOEPCA/metadata-profile/refs/heads/1.0/schemas/application-type-jupyter-notebook";
const APPLICATION_EXTENSION = "https://stac-extensions.github.io/application/v0.1.0/schema.json";

/** Media types the OSC accepts on `via` links. */
const VIA_TYPES = ["application/json", "application/pdf", "application/zip", "text/html", "text/plain"];

/**
 * The notebook URL as a link target: GitHub `tree` URLs of a .ipynb become `blob` URLs.
 * @throws EocubeError INVALID_CONFIG when the URL does not name a .ipynb file (e.g. a folder).
 */
export function notebookUrl(url: string, configPath?: string): string {
  const clean = url.split(/[?#]/)[0]!;
  if (!/\.ipynb$/i.test(clean)) {
    throw new EocubeError("INVALID_CONFIG", `jupyter_notebook_url must point to a .ipynb notebook file, not ${url}`, {
      path: configPath,
      field: "jupyter_notebook_url",
      hint: "give the notebook's own URL, e.g. https://github.com/org/repo/blob/main/notebooks/make-cube.ipynb",
    });
  }
  return url.replace(/^(https:\/\/github\.com\/[^/]+\/[^/]+)\/tree\//, "$1/blob/");
}

/** Config links as record links; `related` and `via` links get the media type the OSC schema expects. */
export function configLinks(links: LinkConfig[] = []): LinkJson[] {
  return links.map((l) => {
    let type = l.type;
    if (l.rel === RelType.RELATED && type !== MediaType.JSON) type = MediaType.HTML;
    if (l.rel === RelType.VIA && (type === undefined || !VIA_TYPES.includes(type))) type = MediaType.HTML;
    return new Link(l.rel, l.href, { type, title: l.title }).toJSON();
  });
}

/** Contacts of the workflow config as OGC API Records contacts (unchanged fields, empty ones dropped). */
function contacts(list: ContactConfig[] = []): Json[] {
  return list.map((c) => {
    const out: Json = { name: c.name };
    if (c.organization) out.organization = c.organization;
    if (c.position) out.position = c.position;
    if (c.roles?.length) out.roles = c.roles;
    if (c.emails?.length) out.emails = c.emails;
    if (c.links?.length) out.links = c.links.map((l) => ({ ...l }));
    if (c.contactInstructions) out.contactInstructions = c.contactInstructions;
    return out;
  });
}

/** Fields shared by the workflow and experiment records. */
export interface RecordFields {
  config: WorkflowConfig;
  themes: string[];
  /** Data formats of the product (e.g. "Zarr"). */
  formats: string[];
  now: string;
  configPath?: string;
}

function baseProperties(f: RecordFields, type: "workflow" | "experiment"): Json {
  const p = f.config.properties;
  const props: Json = { created: f.now, updated: f.now, type, title: p.title };
  if (p.description) props.description = p.description;
  if (p.keywords?.length) props.keywords = p.keywords;
  const c = contacts(f.config.contact);
  if (c.length > 0) props.contacts = c;
  props.themes = themesField(f.themes);
  props.formats = f.formats.map((name) => ({ name }));
  props.license = p.license;
  return props;
}

/**
 * The workflow record (workflows/<id>/record.json). Links: root, parent, related project, child experiment,
 * related themes, the notebook (`application`, `application/x-ipynb+json`), the config's links, self.
 */
export function workflowRecord(
  f: RecordFields & { project: string; projectLink: LinkJson; experimentLink?: LinkJson; themeLinks: LinkJson[] },
): Json {
  const cfg = f.config;
  const props = baseProperties(f, "workflow");
  props["osc:project"] = f.project;
  const conformsTo = [RECORD_CORE];
  const links: LinkJson[] = [rootLink(2), parentLink("Workflows"), f.projectLink];
  if (f.experimentLink) links.push(f.experimentLink);
  links.push(...f.themeLinks);
  if (cfg.jupyter_notebook_url) {
    conformsTo.push(JUPYTER_PROFILE, APPLICATION_EXTENSION);
    props["application:type"] = "jupyter-notebook";
    props["application:container"] = false;
    props["application:language"] = "Python";
    const kernel = cfg.properties.jupyter_kernel_info;
    if (kernel && Object.keys(kernel).length > 0) props.jupyter_kernel_info = { ...kernel };
    const nb: LinkJson = Link.application(notebookUrl(cfg.jupyter_notebook_url, f.configPath), {
      type: MediaType.IPYNB,
      title: `Jupyter Notebook: ${cfg.properties.title}`,
      extra: { "application:type": "jupyter-notebook", "application:container": false, "application:language": "Python" },
    }).toJSON();
    // deep-code's (and the EOEPCA jupyter-notebook profile's) kernel description on the notebook link
    const jk: Json = {};
    if (kernel?.name !== undefined) jk.name = kernel.name;
    if (kernel?.python_version !== undefined) jk.pythonVersion = kernel.python_version;
    if (kernel?.env_file !== undefined) jk.envFile = kernel.env_file;
    if (Object.keys(jk).length > 0) nb["jupyter:kernel"] = jk;
    links.push(nb);
  }
  links.push(...configLinks(cfg.links));
  links.push(selfLink(entityPath("workflows", cfg.workflow_id)));
  return { id: cfg.workflow_id, type: "Feature", conformsTo, geometry: null, properties: props, linkTemplates: [], links };
}

/**
 * The experiment record (experiments/<id>/record.json). Links: root, parent, related workflow, child product,
 * related themes, `input` (./input.yaml) and `environment` (./environment.yaml), self.
 */
export function experimentRecord(
  f: RecordFields & { id: string; workflowLink: LinkJson; productLink?: LinkJson; themeLinks: LinkJson[] },
): Json {
  const props = baseProperties(f, "experiment");
  props["osc:workflow"] = f.config.workflow_id;
  const links: LinkJson[] = [rootLink(2), parentLink("Experiments"), f.workflowLink];
  if (f.productLink) links.push(f.productLink);
  links.push(...f.themeLinks);
  links.push(Link.input("./input.yaml", { type: MediaType.YAML, title: "Input parameters" }).toJSON());
  links.push(Link.environment("./environment.yaml", { type: MediaType.YAML, title: "Execution environment" }).toJSON());
  links.push(selfLink(entityPath("experiments", f.id)));
  return { id: f.id, type: "Feature", conformsTo: [RECORD_CORE], geometry: null, properties: props, linkTemplates: [], links };
}

function inputDataset(d: InputDatasetConfig): Json {
  return typeof d === "string" ? { url: d } : { ...d };
}

/**
 * experiments/<id>/input.yaml: the run's parameters and input datasets (plus the published product); for a
 * workflow made by `eocube gen`, `workflow: eocube-gen` and the request as `gen_request` (a gen2 document).
 */
export function inputYaml(config: WorkflowConfig, product?: { id: string; source?: string }, genRequest?: Json): string {
  const doc: Json = {
    $comment: `Input of the experiment ${config.experiment_id ?? config.workflow_id} (workflow ${config.workflow_id}), written by eocube publish.`,
  };
  if (genRequest) doc.workflow = "eocube-gen";
  doc.parameters = config.parameters ?? {};
  doc.input_datasets = (config.input_datasets ?? []).map(inputDataset);
  if (product) doc.outputs = [{ product: product.id, ...(product.source ? { source: product.source } : {}) }];
  if (genRequest) doc.gen_request = genRequest;
  return stringify(doc, { lineWidth: 0 });
}

/** The software an eocube gen run used, as environment.yaml records it. */
export interface GenRuntime {
  /** eocube's version, e.g. "0.1.0". */
  eocube: string;
  /** Node's version, e.g. "v20.19.5". */
  node: string;
  /** `<os>-<cpu arch>`, e.g. "linux-x64". */
  platform: string;
  /** The versions of the packages that decide the values (readers, codecs, reprojection). */
  packages: Record<string, string>;
}

/**
 * experiments/<id>/environment.yaml: the execution environment (notebook kernel, Python version, env file); for
 * a workflow made by `eocube gen`, the eocube, Node and package versions and the platform of the publishing run.
 */
export function environmentYaml(config: WorkflowConfig, runtime?: GenRuntime): string {
  const k = config.properties.jupyter_kernel_info ?? {};
  const doc: Json = {
    $comment: `Execution environment of the experiment ${config.experiment_id ?? config.workflow_id}, written by eocube publish.`,
  };
  if (config.jupyter_notebook_url) doc.notebook = config.jupyter_notebook_url;
  if (k.name !== undefined) doc.kernel = k.name;
  if (k.python_version !== undefined) doc.python_version = String(k.python_version);
  if (k.env_file !== undefined) doc.env_file = k.env_file;
  if (runtime) {
    doc.eocube = runtime.eocube;
    doc.node = runtime.node;
    doc.platform = runtime.platform;
    doc.packages = { ...runtime.packages };
  }
  return stringify(doc, { lineWidth: 0 });
}
