// One-change mutations of the real OSC catalog sample (../shared/fixtures/osc-catalog-sample) that probe where the
// OSC CI enforces its UI schemas; their real-validator verdicts are in test/fixtures/osc-mutation-verdicts.json.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** One mutation: `file` (relative to the sample root) is parsed, passed to `mutate`, and written back. */
export interface OscMutation {
  /** Stable id (the key of its verdict). */
  id: string;
  /** What changes, in words. */
  description: string;
  /** The one file changed, relative to the catalog root. */
  file: string;
  /** Changes the parsed file (in place or returning a new value). */
  mutate(json: Json): Json;
}

// biome-ignore lint/suspicious/noExplicitAny: a mutation edits arbitrary parsed JSON by field name
type Json = any;

const addLink =
  (link: Record<string, unknown>) =>
  (json: Json): Json => {
    json.links.push(link);
    return json;
  };

/** Sets `field` of the first link with `rel` (and href ending with `hrefEnd`), or deletes it when `value` is undefined. */
const editLink =
  (rel: string, field: string, value: unknown, hrefEnd = "") =>
  (json: Json): Json => {
    const link = json.links.find((l: Json) => l.rel === rel && String(l.href).endsWith(hrefEnd));
    if (!link) throw new Error(`no ${rel} link ending with '${hrefEnd}'`);
    if (value === undefined) delete link[field];
    else link[field] = value;
    return json;
  };

const LICENSE = { rel: "license", href: "https://creativecommons.org/licenses/by/4.0/", type: "text/html", title: "CC-BY-4.0" };
const VIA = { rel: "via", href: "https://earthcode.esa.int/", type: "text/html", title: "EarthCODE" };
const THEME_OCEANS = { rel: "related", href: "../themes/oceans/catalog.json", type: "application/json", title: "Theme: Oceans" };
const WEB_PAGE = { rel: "related", href: "https://earthcode.esa.int/", title: "EarthCODE" };

/** The mutations, the five of issue 12 first. */
export const OSC_MUTATIONS: OscMutation[] = [
  // issue 12: sub-catalogs are checked against <type>/parent.json, workflow records against workflows/children.json
  {
    id: "eo-missions-catalog-extra-related",
    description: "eo-missions/catalog.json gets a related link (parent.json allows root, parent, self, child)",
    file: "eo-missions/catalog.json",
    mutate: addLink(THEME_OCEANS),
  },
  {
    id: "workflows-catalog-extra-via",
    description: "workflows/catalog.json gets a via link (parent.json allows root, parent, self, item)",
    file: "workflows/catalog.json",
    mutate: addLink(VIA),
  },
  {
    id: "products-catalog-extra-license",
    description: "products/catalog.json gets a license link",
    file: "products/catalog.json",
    mutate: addLink(LICENSE),
  },
  {
    id: "workflow-related-link-without-type",
    description: "a workflow record gets a related web link without type (matches both related link kinds of children.json)",
    file: "workflows/polaris/record.json",
    mutate: addLink(WEB_PAGE),
  },
  {
    id: "workflow-related-link-pdf",
    description: "a workflow record gets a related link of type application/pdf",
    file: "workflows/polaris/record.json",
    mutate: addLink({ ...WEB_PAGE, href: "https://earthcode.esa.int/guide.pdf", type: "application/pdf" }),
  },
  // the other sub-catalogs
  {
    id: "themes-catalog-extra-via",
    description: "themes/catalog.json gets a via link",
    file: "themes/catalog.json",
    mutate: addLink(VIA),
  },
  {
    id: "variables-catalog-extra-related",
    description: "variables/catalog.json gets a related link",
    file: "variables/catalog.json",
    mutate: addLink(THEME_OCEANS),
  },
  {
    id: "projects-catalog-extra-license",
    description: "projects/catalog.json gets a license link",
    file: "projects/catalog.json",
    mutate: addLink(LICENSE),
  },
  {
    id: "experiments-catalog-extra-via",
    description: "experiments/catalog.json gets a via link",
    file: "experiments/catalog.json",
    mutate: addLink(VIA),
  },
  {
    id: "products-catalog-self-link-html",
    description: "products/catalog.json gets a self link of type text/html",
    file: "products/catalog.json",
    mutate: addLink({
      rel: "self",
      href: "https://esa-earthcode.github.io/open-science-catalog-metadata/products/catalog.json",
      type: "text/html",
    }),
  },
  {
    id: "workflows-catalog-item-link-geojson",
    description: "an item link of workflows/catalog.json has type application/geo+json",
    file: "workflows/catalog.json",
    mutate: editLink("item", "type", "application/geo+json", "/polaris/record.json"),
  },
  {
    id: "eo-missions-catalog-child-without-type",
    description: "a child link of eo-missions/catalog.json loses its type",
    file: "eo-missions/catalog.json",
    mutate: editLink("child", "type", undefined, "/grace/catalog.json"),
  },
  {
    id: "variables-catalog-child-empty-title",
    description: "a child link of variables/catalog.json has an empty title (the UI schema's link needs minLength 1)",
    file: "variables/catalog.json",
    mutate: editLink("child", "title", "", "/sea-ice/catalog.json"),
  },
  {
    id: "products-catalog-missing-description",
    description: "products/catalog.json loses its description",
    file: "products/catalog.json",
    mutate: (json) => {
      delete json.description;
      return json;
    },
  },
  // entity files the CI does not check against their UI schema (theme, variable, EO mission <id>/catalog.json)
  {
    id: "theme-extra-related",
    description: "themes/oceans/catalog.json gets a related link (its children.json allows none; the CI skips it)",
    file: "themes/oceans/catalog.json",
    mutate: addLink({ ...THEME_OCEANS, href: "../cryosphere/catalog.json", title: "Theme: Cryosphere" }),
  },
  {
    id: "theme-extra-license",
    description: "themes/oceans/catalog.json gets a license link",
    file: "themes/oceans/catalog.json",
    mutate: addLink(LICENSE),
  },
  {
    id: "variable-related-link-without-type",
    description: "variables/sea-ice/catalog.json gets a related web link without type",
    file: "variables/sea-ice/catalog.json",
    mutate: addLink(WEB_PAGE),
  },
  {
    id: "variable-extra-license",
    description: "variables/sea-ice/catalog.json gets a license link",
    file: "variables/sea-ice/catalog.json",
    mutate: addLink(LICENSE),
  },
  {
    id: "eo-mission-extra-related",
    description: "eo-missions/grace/catalog.json gets a related link",
    file: "eo-missions/grace/catalog.json",
    mutate: addLink({ ...THEME_OCEANS, href: "../../themes/oceans/catalog.json" }),
  },
  {
    id: "eo-mission-via-link-image",
    description: "the via link of eo-missions/grace/catalog.json has type image/png",
    file: "eo-missions/grace/catalog.json",
    mutate: editLink("via", "type", "image/png"),
  },
  // workflow and experiment records (workflows/children.json, experiments/children.json)
  {
    id: "workflow-via-link-image",
    description: "a workflow record gets a via link of type image/png",
    file: "workflows/polaris/record.json",
    mutate: addLink({ ...VIA, type: "image/png" }),
  },
  {
    id: "workflow-extra-license",
    description: "a workflow record gets a license link (an 'other' link for children.json)",
    file: "workflows/polaris/record.json",
    mutate: addLink(LICENSE),
  },
  {
    id: "workflow-related-link-html",
    description: "a workflow record gets a related web link of type text/html",
    file: "workflows/polaris/record.json",
    mutate: addLink({ ...WEB_PAGE, type: "text/html" }),
  },
  {
    id: "workflow-child-link-without-type",
    description: "the child link of a workflow record (to its experiment) loses its type",
    file: "workflows/polaris/record.json",
    mutate: editLink("child", "type", undefined),
  },
  {
    id: "experiment-related-link-without-type",
    description: "an experiment record gets a related web link without type",
    file: "experiments/polaris/record.json",
    mutate: addLink(WEB_PAGE),
  },
  {
    id: "experiment-related-link-pdf",
    description: "an experiment record gets a related link of type application/pdf",
    file: "experiments/polaris/record.json",
    mutate: addLink({ ...WEB_PAGE, href: "https://earthcode.esa.int/guide.pdf", type: "application/pdf" }),
  },
  {
    id: "experiment-input-link-json",
    description: "the input link of an experiment record has type application/json",
    file: "experiments/polaris/record.json",
    mutate: editLink("input", "type", "application/json"),
  },
  {
    id: "experiment-osc-workflow-number",
    description: "an experiment record's properties.osc:workflow is a number",
    file: "experiments/polaris/record.json",
    mutate: (json) => {
      json.properties["osc:workflow"] = 42;
      return json;
    },
  },
  // products and projects (children.json, enforced before issue 12 too) and product content (not checked)
  {
    id: "project-related-link-without-type",
    description: "a project gets a related web link without type",
    file: "projects/cerulean-information-factory/collection.json",
    mutate: addLink(WEB_PAGE),
  },
  {
    id: "product-related-link-pdf",
    description: "a product gets a related link of type application/pdf",
    file: "products/polaris/collection.json",
    mutate: addLink({ ...WEB_PAGE, href: "https://earthcode.esa.int/guide.pdf", type: "application/pdf" }),
  },
  {
    id: "product-item-related-link-without-type",
    description: "a product's item (products/polaris/item.json) gets a related web link without type (no UI schema)",
    file: "products/polaris/item.json",
    mutate: addLink(WEB_PAGE),
  },
];
