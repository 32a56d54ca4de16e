// Fixed facts of the Open Science Catalog (OSC): extension URIs, entity folders, link-title prefixes, id rules.
// Source: ESA-EarthCODE/open-science-catalog-validation (definitions.js, validate.js, schemas/) and the catalog itself.
import { EocubeError } from "../../core/errors.js";

/** Public base URL of the production OSC; `self` links and the validator resolve against it. */
export const OSC_BASE_URL = "https://esa-earthcode.github.io/open-science-catalog-metadata/";

/** The STAC version eocube writes (the OSC validator accepts 1.0.0 and 1.1.0; most of the catalog is 1.0.0). */
export const STAC_VERSION = "1.0.0";

/** STAC extension schema URIs the OSC uses. */
export const EXTENSIONS = {
  osc: "https://stac-extensions.github.io/osc/v1.0.0/schema.json",
  themes: "https://stac-extensions.github.io/themes/v1.0.0/schema.json",
  cf: "https://stac-extensions.github.io/cf/v0.2.0/schema.json",
  contacts: "https://stac-extensions.github.io/contacts/v0.1.1/schema.json",
} as const;

/** The `scheme` of OSC theme concepts (themes extension). */
export const THEMES_SCHEME = "https://github.com/stac-extensions/osc#theme";

/** OGC API Records core conformance class (workflows and experiments are records). */
export const RECORD_CORE = "http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core";

/** Title of the root catalog; every `root` link carries it. */
export const ROOT_TITLE = "Open Science Catalog";

/** The seven entity folders of an OSC catalog, with the title and description of their sub-catalog. */
export const SUB_CATALOGS = [
  { id: "projects", title: "Projects", description: "Activities funded by ESA" },
  { id: "themes", title: "Themes", description: "Earth Science topics linked to the grand science challenges set in the ESA strategy" },
  { id: "variables", title: "Variables", description: "Geoscience, climate and environmental variables" },
  { id: "eo-missions", title: "EO Missions", description: "Earth Observation Satellite Missions by ESA" },
  {
    id: "products",
    title: "Products",
    description:
      "Geoscience products representing the measured or inferred values of one or more variables over a given time range and spatial area",
  },
  { id: "workflows", title: "Workflows", description: "Geoscience workflows for experiments" },
  { id: "experiments", title: "Experiments", description: "Geoscience experiments" },
] as const;

/** An OSC entity folder. */
export type EntityFolder = (typeof SUB_CATALOGS)[number]["id"];

/** Prefix of `related` link titles per target folder (validator: "Project: Cerulean Information Factory"). */
export const RELATED_TITLE_PREFIX: Record<EntityFolder, string> = {
  projects: "Project",
  products: "Product",
  experiments: "Experiment",
  workflows: "Workflow",
  themes: "Theme",
  variables: "Variable",
  "eo-missions": "EO Mission",
};

/** The file name of an entity inside its folder. */
export function entityFile(folder: EntityFolder): string {
  if (folder === "products" || folder === "projects") return "collection.json";
  if (folder === "workflows" || folder === "experiments") return "record.json";
  return "catalog.json";
}

/** Dataset status values of `osc:status`. */
export const OSC_STATUSES = ["planned", "ongoing", "completed"] as const;

/** `osc:status` value. */
export type OscStatus = (typeof OSC_STATUSES)[number];

/**
 * Ids that the OSC slugifies when it resolves references (projects, variables, eo-missions, themes):
 * lower-case letters and digits in groups joined by single hyphens.
 */
export const SLUG_ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$";

/**
 * Ids of products, workflows and experiments: letters, digits and single `-`, `_` or `.` between them
 * (no spaces, slashes, `..`, leading or trailing separators).
 */
export const ENTITY_ID_PATTERN = "^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$";

/** The OSC's own slugify (validate.js): non-alphanumeric runs → '-', trimmed, lower case. */
export function slugify(value: string): string {
  return value
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase();
}

/**
 * Checks an id that becomes a folder of the catalog.
 * @param kind "slug" for projects/variables/missions/themes, "entity" for products/workflows/experiments.
 * @throws EocubeError UNSAFE_ID naming the field and the pattern.
 */
export function assertSafeId(id: string, kind: "slug" | "entity", field: string, path?: string): void {
  const re = new RegExp(kind === "slug" ? SLUG_ID_PATTERN : ENTITY_ID_PATTERN);
  if (!re.test(id)) {
    throw new EocubeError("UNSAFE_ID", `${field} ${JSON.stringify(id)} is not a safe OSC id`, {
      path,
      field,
      hint:
        kind === "slug"
          ? `use lower-case letters, digits and single hyphens, e.g. ${JSON.stringify(slugify(id) || "my-id")}`
          : `use letters, digits and single '-', '_' or '.', e.g. ${JSON.stringify(id.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "my-id")}`,
    });
  }
}
