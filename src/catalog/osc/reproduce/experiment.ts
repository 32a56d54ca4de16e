// Finding and reading a published OSC experiment: its record, input.yaml and environment.yaml, its workflow
// record and the product it made, from a local catalog (by id or path) or over HTTP(S) (by URL).
import { readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { EocubeError, isEocubeError } from "../../../core/errors.js";
import { redactUrl } from "../../../fs/https.js";
import { fsAndPathFromUrl } from "../../../fs/url.js";
import { ENTITY_ID_PATTERN } from "../constants.js";
import type { LinkJson } from "../../stac/link.js";
import type { Json } from "../workspace.js";

/** A published experiment as read from its catalog. */
export interface Experiment {
  id: string;
  /** Where its record.json was read (a path or an http(s) URL). */
  href: string;
  record: Json;
  /** input.yaml (its `input` link), or undefined when the record has none. */
  input?: Json;
  /** environment.yaml (its `environment` link), or undefined when the record has none. */
  environment?: Json;
  /** The workflow record (its related `workflows/<id>/record.json` link) when it can be read. */
  workflow?: Json;
  /** The workflow record's href. */
  workflowHref?: string;
  /** The product collections it made (its `child` links to products), as href → document (undefined when unreadable). */
  products: Array<{ href: string; doc?: Json }>;
  /** Files the record links (input.yaml, environment.yaml) that do not exist (deep-code links them without writing them). */
  missing: string[];
}

/** Options of {@link loadExperiment}. */
export interface LoadExperimentOptions {
  /** The local catalog an experiment id is looked up in [default: the current folder]. */
  catalog?: string;
  signal?: AbortSignal;
}

const isUrl = (s: string) => /^(https?|s3):\/\//i.test(s);

/** `rel` resolved against the document at `base` (a path or a URL). */
export function resolveHref(base: string, rel: string): string {
  if (isUrl(rel)) return rel;
  if (isUrl(base)) return new URL(rel, base).href;
  return resolve(dirname(base), rel);
}

/**
 * The text at `href`: a path, or an http(s):// or s3:// URL, read through the fs layer (its retries, time-outs and
 * credentials from the environment) with `signal`.
 * @throws EocubeError NOT_FOUND (no such file or object), and the fs layer's ACCESS_DENIED, REMOTE_ERROR, TIMEOUT.
 */
export async function readHref(href: string, what: string, signal?: AbortSignal): Promise<string> {
  const { fs, path } = fsAndPathFromUrl(href);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await fs.get(path, { signal });
  } catch (err) {
    if (!isEocubeError(err) || err.code === "CANCELLED") throw err;
    throw new EocubeError(err.code, `${what} ${redactUrl(href)} cannot be read: ${err.message}`, {
      path: redactUrl(href),
      hint: err.hint,
      cause: err,
    });
  }
  if (!bytes) throw new EocubeError("NOT_FOUND", `${what} ${redactUrl(href)} does not exist`, { path: redactUrl(href) });
  return new TextDecoder().decode(bytes);
}

async function readDoc(href: string, what: string, signal?: AbortSignal): Promise<Json> {
  const text = await readHref(href, what, signal);
  let value: unknown;
  try {
    value = href.endsWith(".json") ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw new EocubeError(
      "CORRUPT_DATA",
      `${what} ${href} is not valid ${href.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`,
      {
        path: href,
        cause: err,
      },
    );
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new EocubeError("CORRUPT_DATA", `${what} ${href} does not hold a mapping`, { path: href });
  }
  return value as Json;
}

/** The record.json an argument names: a URL, a path (of the record or its folder), or an experiment id. */
async function recordHref(ref: string, catalog: string | undefined): Promise<string> {
  if (isUrl(ref)) return /\.json$/i.test(new URL(ref).pathname) ? ref : new URL("record.json", ref.endsWith("/") ? ref : `${ref}/`).href;
  const looksLikePath = ref.includes("/") || ref.endsWith(".json");
  if (looksLikePath) {
    const path = resolve(ref);
    const st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) return join(path, "record.json");
    if (st) return path;
    throw new EocubeError("NOT_FOUND", `experiment record ${ref} does not exist`, {
      path: ref,
      hint: "give an experiment id with --catalog DIR, the path of experiments/<id>/record.json, or its URL",
    });
  }
  if (!new RegExp(ENTITY_ID_PATTERN).test(ref)) {
    throw new EocubeError("INVALID_ARGUMENT", `${JSON.stringify(ref)} is not an experiment id`, {
      field: "experiment",
      hint: "give an experiment id (letters, digits, - _ .) with --catalog DIR, the path of experiments/<id>/record.json, or its URL",
    });
  }
  const root = resolve(catalog ?? ".");
  const path = join(root, "experiments", ref, "record.json");
  if (await stat(path).catch(() => undefined)) return path;
  const known = (await readdir(join(root, "experiments"), { withFileTypes: true }).catch(() => undefined))
    ?.filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  if (!known) {
    throw new EocubeError("NOT_FOUND", `${root} is not an Open Science Catalog: it has no experiments/ folder`, {
      path: root,
      field: "--catalog",
      hint: "give the catalog folder with --catalog DIR (the folder holding catalog.json and experiments/)",
    });
  }
  const close = known.filter((k) => k.includes(ref) || ref.includes(k)).slice(0, 5);
  throw new EocubeError("NOT_FOUND", `experiment ${ref} does not exist in ${root}`, {
    path: join(root, "experiments", ref),
    hint: `${close.length ? `did you mean ${close.join(" or ")}? ` : ""}experiments here (${known.length}): ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", …" : ""}`,
  });
}

const linksOf = (doc: Json | undefined): LinkJson[] => (Array.isArray(doc?.links) ? (doc.links as LinkJson[]) : []);

/**
 * Reads an experiment: `ref` is an experiment id (looked up in `options.catalog`), the path of
 * `experiments/<id>/record.json` (or of its folder), or its http(s):// or s3:// URL. Reads its input.yaml and environment.yaml
 * through the record's `input` and `environment` links, its workflow record (related link to workflows/) and its
 * products (child links to products/); a workflow or product that cannot be read is left undefined, and a linked
 * input.yaml or environment.yaml that does not exist is listed in `missing`.
 * @throws EocubeError INVALID_ARGUMENT (not an id, not an experiment record), NOT_FOUND (no such experiment, with
 *   the ids there; no such record), CORRUPT_DATA (not JSON/YAML), REMOTE_ERROR.
 */
export async function loadExperiment(ref: string, options: LoadExperimentOptions = {}): Promise<Experiment> {
  const { signal } = options;
  const href = await recordHref(ref, options.catalog);
  const record = await readDoc(href, "experiment record", signal);
  const props = record.properties as Json | undefined;
  if (props?.type !== "experiment") {
    throw new EocubeError(
      "INVALID_ARGUMENT",
      `${href} is not an experiment record (properties.type is ${JSON.stringify(props?.type ?? null)})`,
      {
        path: href,
        field: "properties.type",
        hint: "give an experiment: experiments/<id>/record.json of an OSC catalog",
      },
    );
  }
  const links = linksOf(record);
  const inputLink = links.find((l) => l.rel === "input");
  const envLink = links.find((l) => l.rel === "environment");
  const missing: string[] = [];
  const optional = async (h: string, what: string, notFound: "missing" | "any" = "any") => {
    try {
      return await readDoc(h, what, signal);
    } catch (err) {
      if (!isEocubeError(err) || err.code === "CANCELLED" || (notFound === "missing" && err.code !== "NOT_FOUND")) throw err;
      if (notFound === "missing") missing.push(h);
      return undefined;
    }
  };
  // deep-code links ./input.yaml and ./environment.yaml without writing them: a linked file that is not there is noted
  const input = inputLink ? await optional(resolveHref(href, inputLink.href), "input file", "missing") : undefined;
  const environment = envLink ? await optional(resolveHref(href, envLink.href), "environment file", "missing") : undefined;
  const wfLink = links.find((l) => l.rel === "related" && /(^|\/)workflows\/[^/]+\/record\.json$/.test(l.href));
  const workflowHref = wfLink ? resolveHref(href, wfLink.href) : undefined;
  const workflow = workflowHref ? await optional(workflowHref, "workflow record") : undefined;
  const products = [];
  for (const l of links.filter((x) => x.rel === "child" && /(^|\/)products\/[^/]+\/collection\.json$/.test(x.href))) {
    const h = resolveHref(href, l.href);
    products.push({ href: h, doc: await optional(h, "product collection") });
  }
  return {
    id: typeof record.id === "string" ? record.id : ref,
    href,
    record,
    input,
    environment,
    workflow,
    workflowHref,
    products,
    missing,
  };
}
