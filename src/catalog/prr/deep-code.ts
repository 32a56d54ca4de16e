// deep-code's `generate-prr-collection` config (its dataset config with `items_config`, deep-code dev after 0.1.10)
// read as an `eocube prr` config: the fields eocube writes are mapped, the others named in warnings.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { isMapping } from "../../core/config/index.js";
import { titleFromId } from "../osc/texts.js";

/** deep-code's PRR collection description when the config gives none (`build_prr_collection`). */
export const DEEP_CODE_PRR_DESCRIPTION = "No description provided.";

/** Where deep-code reads a bare `dataset_id` when `access_link_root` is not set (`OscDatasetStacGenerator`). */
export const DEEP_CODE_ACCESS_ROOT = "s3://deep-esdl-public/";

/** deep-code fields `eocube prr` does not write (PRR-only metadata of the later spec, OSC publish fields). */
const NOT_WRITTEN = [
  "osc_initiative",
  "osc_contract_number",
  "osc_project_description",
  "osc_project_title",
  "osc_missions",
  "osc_region",
  "cf_parameter",
  "thumbnail",
  "thumbnail_link",
  "thumbnail_media_type",
  "coord_position",
  "prr_output_dir",
  "stac_catalog_s3_root",
  "access_link",
  "workflow_id",
  "workflow_title",
  "dataset_id",
];

/** The fields of deep-code's config this module reads. */
const READ = new Set([
  ...NOT_WRITTEN,
  "collection_id",
  "items_config",
  "license_type",
  "description",
  "osc_project",
  "osc_project_url",
  "osc_project_website",
  "osc_status",
  "dataset_status",
  "osc_themes",
  "documentation_link",
  "visualisation_link",
  "sci_doi",
  "sci_citation",
  "access_link_root",
]);

/** True for a config in deep-code's shape: a `collection_id` and an `items_config` list, no eocube `items`. */
export function isDeepCodePrrConfig(value: unknown): value is Record<string, unknown> {
  return isMapping(value) && "items_config" in value && "collection_id" in value && !("items" in value);
}

/**
 * Rewrites a deep-code `generate-prr-collection` config in place as an `eocube prr` config (before the schema check,
 * so wrong values are named as usual):
 * - `collection_id` → `id`, its words → `title` (deep-code titles the collection with its id);
 * - `description` → `description` [default deep-code's "No description provided.", noted]; `license_type` → `license`;
 * - `osc_project` → `osc:project`; `osc_status` (or the older `dataset_status`) → `osc:status` [default "ongoing"];
 *   `osc_themes` → `themes` (lower-cased); `sci_doi`/`sci_citation` → `sci:doi`/`sci:citation`;
 * - `documentation_link` → a `via` link "Documentation", `visualisation_link` → a `visualisation` link,
 *   `osc_project_website` (else `osc_project_url`) → a `related` link "Project website";
 * - each `items_config` entry `{dataset_id, item_id}` → item `item_id` with one asset `zarr-data`
 *   (`application/vnd+zarr`, role data): a local `dataset_id` (relative to `baseDir`) is copied next to the item
 *   (href `./<name>`, as deep-code writes it for the PRR), any other is the href `<access_link_root><dataset_id>`
 *   (deep-code's default root `s3://deep-esdl-public/`), read for its extents.
 * @returns notes for the warnings: what was defaulted and which deep-code fields `eocube prr` does not write.
 */
export function fromDeepCodePrrConfig(value: Record<string, unknown>, baseDir: string): string[] {
  const notes: string[] = [];
  const src = { ...value };
  for (const k of Object.keys(value)) delete value[k];
  const id = src.collection_id;
  value.id = id;
  if (typeof id === "string") value.title = titleFromId(id);
  if (src.description === undefined || src.description === null) {
    value.description = DEEP_CODE_PRR_DESCRIPTION;
    notes.push(`deep-code config without description: the collection gets deep-code's "${DEEP_CODE_PRR_DESCRIPTION}"; set description`);
  } else value.description = src.description;
  value.license = src.license_type;
  if (src.osc_project !== undefined) value["osc:project"] = src.osc_project;
  value["osc:status"] = src.osc_status ?? src.dataset_status ?? "ongoing";
  if (Array.isArray(src.osc_themes)) value.themes = src.osc_themes.map((t) => (typeof t === "string" ? t.toLowerCase() : t));
  if (src.sci_doi !== undefined) value["sci:doi"] = src.sci_doi;
  if (src.sci_citation !== undefined) value["sci:citation"] = src.sci_citation;
  const links: Record<string, unknown>[] = [];
  if (src.documentation_link) links.push({ rel: "via", href: src.documentation_link, type: "text/html", title: "Documentation" });
  if (src.visualisation_link) links.push({ rel: "visualisation", href: src.visualisation_link, title: "Dataset visualisation" });
  const website = src.osc_project_website ?? src.osc_project_url;
  if (website) links.push({ rel: "related", href: website, type: "text/html", title: "Project website" });
  if (links.length > 0) value.links = links;
  const root = typeof src.access_link_root === "string" ? src.access_link_root : DEEP_CODE_ACCESS_ROOT;
  const items = src.items_config;
  value.items = Array.isArray(items)
    ? items.map((entry) => {
        if (!isMapping(entry)) return entry;
        const ds = entry.dataset_id;
        const asset: Record<string, unknown> = {
          key: "zarr-data",
          type: "application/vnd+zarr",
          title: "Zarr Data Store",
          roles: ["data"],
        };
        if (typeof ds === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(ds)) Object.assign(asset, { href: ds, extract: true });
        else if (typeof ds === "string" && existsSync(isAbsolute(ds) ? ds : resolve(baseDir, ds))) asset.path = ds;
        else if (typeof ds === "string") {
          const href = `${root.replace(/\/+$/, "")}/${ds}`;
          Object.assign(asset, { href, extract: true });
          notes.push(`items_config dataset_id ${ds} is no local file or folder: the item links ${href}, where deep-code reads it`);
        }
        const item: Record<string, unknown> = { id: entry.item_id, assets: [asset] };
        for (const [k, v] of Object.entries(entry)) if (k !== "dataset_id" && k !== "item_id") item[k] = v; // the schema names unknown keys
        return item;
      })
    : items;
  const dropped = NOT_WRITTEN.filter((k) => src[k] !== undefined && src[k] !== null);
  if (dropped.length > 0) notes.push(`deep-code field(s) eocube prr does not write: ${dropped.join(", ")}`);
  // anything else stays for the schema to name
  for (const [k, v] of Object.entries(src)) if (!READ.has(k)) value[k] = v;
  return notes;
}
