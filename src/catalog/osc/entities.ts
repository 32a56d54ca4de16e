// Pure builders of new OSC entity documents (product, variable, project, EO mission), in the field and link
// order of the real catalog. Links to existing entities are titled from those entities by the caller.
import type { BBox } from "../../core/gridmapping.js";
import { EXTENSIONS, STAC_VERSION, THEMES_SCHEME, type OscStatus } from "./constants.js";
import { entityPath, parentLink, rootLink, selfLink, viaLink } from "./links.js";
import type { LinkJson } from "../stac/link.js";
import type { Json } from "./workspace.js";

/** The `themes` value of an entity: one OSC-scheme entry with one concept per theme id. */
export function themesField(themeIds: readonly string[]): Json[] {
  return [{ scheme: THEMES_SCHEME, concepts: themeIds.map((id) => ({ id })) }];
}

/** STAC extent with one bbox (WGS 84) and one interval (ISO 'Z' or null). */
export function extentField(bbox: BBox, interval: [string | null, string | null]): Json {
  return { spatial: { bbox: [[...bbox]] }, temporal: { interval: [[...interval]] } };
}

/** Fields of a new product collection. */
export interface ProductFields {
  id: string;
  title: string;
  description: string;
  /** Links after root and parent, in order (related project, themes, missions, variables, experiment, via, …). */
  links: LinkJson[];
  project: string;
  status: OscStatus;
  region?: string;
  variables: string[];
  missions: string[];
  experiment?: string;
  cfParameters: { name: string; unit?: string }[];
  themes: string[];
  bbox: BBox;
  interval: [string | null, string | null];
  license: string;
  keywords?: string[];
  /** ISO time of `created` and `updated`. */
  now: string;
}

/**
 * A product collection (products/<id>/collection.json): STAC Collection with the osc, themes and (when there
 * are CF parameters) cf extensions. Spec: https://github.com/stac-extensions/osc, OSC schemas/products/children.json.
 */
export function productCollection(f: ProductFields): Json {
  const extensions: string[] = [EXTENSIONS.osc, EXTENSIONS.themes];
  if (f.cfParameters.length > 0) extensions.push(EXTENSIONS.cf);
  const doc: Json = {
    type: "Collection",
    id: f.id,
    stac_version: STAC_VERSION,
    description: f.description,
    links: [rootLink(2), parentLink("Products"), ...f.links, selfLink(entityPath("products", f.id))],
    stac_extensions: extensions,
    "osc:project": f.project,
    "osc:type": "product",
    "osc:status": f.status,
  };
  if (f.region) doc["osc:region"] = f.region;
  doc["osc:variables"] = f.variables;
  doc["osc:missions"] = f.missions;
  if (f.experiment) doc["osc:experiment"] = f.experiment;
  if (f.cfParameters.length > 0) doc["cf:parameter"] = f.cfParameters;
  doc.created = f.now;
  doc.updated = f.now;
  doc.themes = themesField(f.themes);
  doc.title = f.title;
  doc.extent = extentField(f.bbox, f.interval);
  doc.license = f.license;
  if (f.keywords && f.keywords.length > 0) doc.keywords = f.keywords;
  return doc;
}

/** Fields of a new variable catalog. */
export interface VariableFields {
  id: string;
  title: string;
  description: string;
  gcmdUrl: string;
  themes: string[];
  /** related links to the themes (titled "Theme: …"). */
  themeLinks: LinkJson[];
  now: string;
}

/**
 * A variable catalog (variables/<id>/catalog.json): STAC Catalog with the themes extension and a `via` link
 * titled "Description" to the GCMD keyword. Product `child` links are appended by the caller.
 */
export function variableCatalog(f: VariableFields): Json {
  return {
    type: "Catalog",
    id: f.id,
    stac_version: STAC_VERSION,
    description: f.description,
    links: [
      rootLink(2),
      viaLink(f.gcmdUrl, "Description", "text/html"),
      parentLink("Variables"),
      selfLink(entityPath("variables", f.id)),
      ...f.themeLinks,
    ],
    stac_extensions: [EXTENSIONS.themes],
    themes: themesField(f.themes),
    updated: f.now,
    keywords: [],
    title: f.title,
  };
}

/** Fields of a new project collection. */
export interface ProjectFields {
  id: string;
  title: string;
  description: string;
  website: string;
  technicalOfficer: { name: string; email: string };
  themes: string[];
  themeLinks: LinkJson[];
  workflows: string[];
  bbox: BBox;
  interval: [string | null, string | null];
  license: string;
  /** `osc:status` [default "ongoing"]; a new project takes the dataset config's `dataset_status`, as deep-code does. */
  status?: OscStatus;
  now: string;
}

/**
 * A project collection (projects/<id>/collection.json) with the osc, themes and contacts extensions, a `via`
 * "Website" link and the ESA technical officer as contact (required by the OSC validator).
 */
export function projectCollection(f: ProjectFields): Json {
  const doc: Json = {
    type: "Collection",
    id: f.id,
    stac_version: STAC_VERSION,
    description: f.description,
    links: [rootLink(2), parentLink("Projects"), viaLink(f.website, "Website"), ...f.themeLinks, selfLink(entityPath("projects", f.id))],
    stac_extensions: [EXTENSIONS.osc, EXTENSIONS.themes, EXTENSIONS.contacts],
    created: f.now,
    updated: f.now,
    "osc:status": f.status ?? "ongoing",
    "osc:type": "project",
  };
  if (f.workflows.length > 0) doc["osc:workflows"] = f.workflows;
  doc.themes = themesField(f.themes);
  doc.contacts = [{ name: f.technicalOfficer.name, roles: ["technical_officer"], emails: [{ value: f.technicalOfficer.email }] }];
  doc.title = f.title;
  doc.extent = extentField(f.bbox, f.interval);
  doc.license = f.license;
  return doc;
}

/** Fields of a new EO mission catalog. */
export interface MissionFields {
  id: string;
  title: string;
  description: string;
  url: string;
  now: string;
}

/** An EO mission catalog (eo-missions/<id>/catalog.json) with its `via` "Description" link. */
export function missionCatalog(f: MissionFields): Json {
  return {
    type: "Catalog",
    id: f.id,
    stac_version: STAC_VERSION,
    description: f.description,
    links: [rootLink(2), viaLink(f.url, "Description", "text/html"), parentLink("EO Missions"), selfLink(entityPath("eo-missions", f.id))],
    updated: f.now,
    keywords: [],
    title: f.title,
  };
}

/**
 * Projects eocube can add to a catalog that lacks them (values of the real OSC's projects/<id>/collection.json): the
 * DeepESDL project, deep-code's default `osc_project`, so that deep-code's configs publish into a fresh catalog.
 */
export const KNOWN_PROJECTS: Readonly<
  Record<string, { title: string; description: string; website: string; technicalOfficer: { name: string; email: string } }>
> = {
  "deep-earth-system-data-lab": {
    title: "DeepESDL",
    description:
      "The Deep Earth System Data Lab (DeepESDL) delivers a service to the Earth Science community. The lab provides convenient access to relevant data sets, many of them generated in ESA's science projects, in an analysis-ready format. Moreover, DeepESDL comprises a powerful data science environment with a focus on machine-learning and artificial intelligence workflows. Access the DeepESDL in github: https://github.com/deepesdl",
    website: "http://www.earthsystemdatalab.net",
    technicalOfficer: { name: "Anca Anghelea", email: "anca.anghelea@esa.int" },
  },
};

/**
 * EO missions eocube can add to a catalog that lacks them (values of the real OSC's eo-missions/<id>/catalog.json).
 * Other missions are defined in the dataset config (`osc_missions: [{id, title, description, url}]`).
 */
export const KNOWN_MISSIONS: Readonly<Record<string, { title: string; description: string; url: string }>> = {
  "sentinel-3": {
    title: "Sentinel-3",
    description:
      "Sentinel-3 (S3) is a constellation of two radar imaging satellites operated by the European Space Agency (ESA) and supported by EUMETSAT (European Organisation for the Exploitation of Meteorological Satellites). Both S3A, launched in February 2016, and S3B, launched in April 2018, are part of Copernicus - the European Union's Earth observation program, managed by the European Commission (COM).",
    url: "https://sentinel.esa.int/web/sentinel/missions/sentinel-3",
  },
};
