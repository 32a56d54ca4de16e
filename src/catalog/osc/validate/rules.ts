// The custom rules of the OSC CI (open-science-catalog-validation's validate.js), per entity kind:
// root, sub-catalogs, products, projects, themes, variables, EO missions, workflows and experiments.
// Messages are the CI's, word for word; each finding also carries a rule id and a hint.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { basename, dirname, resolve as resolvePath } from "node:path";
import type { CatalogIndex } from "./catalog-index.js";
import type { Checks } from "./checks.js";
import { imageSize } from "./image-size.js";
import { RELATED_TITLE_PREFIX as BUILDER_RELATED_TITLE_PREFIX } from "../constants.js";

/** The URL prefix the OSC publishes under; links starting with it are read as catalog-relative. */
export const OSC_LINK_PREFIX = "https://esa-earthcode.github.io/open-science-catalog-metadata/";
/** The themes concept scheme of the OSC. */
export const THEMES_SCHEME = "https://github.com/stac-extensions/osc#theme";
/** Extension schema URLs the OSC requires, by short name. */
export const EXTENSION_SCHEMES: Record<string, string> = {
  themes: "https://stac-extensions.github.io/themes/v1.0.0/schema.json",
  contacts: "https://stac-extensions.github.io/contacts/v0.1.1/schema.json",
  osc: "https://stac-extensions.github.io/osc/v1.0.0/schema.json",
};
/** The root catalog's children. */
export const ROOT_CHILDREN = [
  "./eo-missions/catalog.json",
  "./products/catalog.json",
  "./projects/catalog.json",
  "./themes/catalog.json",
  "./variables/catalog.json",
  "./workflows/catalog.json",
  "./experiments/catalog.json",
];
/** Title prefixes of `related` links, by target folder (one table with the builder's). */
export const RELATED_TITLE_PREFIX: Record<string, string> = BUILDER_RELATED_TITLE_PREFIX;
/** The OGC API Records core conformance class every workflow/experiment record declares. */
export const RECORDS_CONFORMANCE_CLASS = "http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core";

/** The OSC entity folders. */
export const ENTITY_FOLDERS = ["eo-missions", "products", "projects", "themes", "variables", "workflows", "experiments"] as const;

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The custom rules for one file. */
export class OscRules {
  readonly folder: string;

  constructor(
    readonly index: CatalogIndex,
    /** Absolute path of the file. */
    readonly file: string,
    readonly data: any,
    readonly t: Checks,
  ) {
    this.folder = dirname(file);
  }

  /** Resolves a link href against the file's folder (hrefs under {@link OSC_LINK_PREFIX} count as relative). */
  resolve(href: string): string {
    return this.index.resolveHref(this.folder, href);
  }

  /** The root catalog: type, id `osc`, title, root link to itself, no parent, the seven sub-catalogs as children. */
  root(): void {
    const t = this.t;
    t.equal(this.data.type, "Catalog", `type must be 'Catalog'`, "type", 'set "type": "Catalog"');
    t.equal(this.data.id, "osc", `id must be 'osc'`, "root-id", 'the root catalog\'s id is "osc"');
    t.equal(
      this.data.title,
      "Open Science Catalog",
      `title must be 'Open Science Catalog'`,
      "root-title",
      'the root catalog\'s title is "Open Science Catalog"',
    );
    this.checkStacLink("root", "./catalog.json");
    t.truthy(!this.linkWithRel("parent"), "must NOT have a parent", "no-parent", "remove the root catalog's parent link");
    this.relativeLinks();
    this.childLinksForFiles(ROOT_CHILDREN);
  }

  /** A sub-catalog (`products/catalog.json`, …): id = folder, parent/root links, child (item for records) links to exactly its entity folders. */
  subCatalog(childStacType: "Catalog" | "Collection" | "Record"): void {
    this.t.equal(this.data.type, "Catalog", `type must be 'Catalog'`, "type", 'set "type": "Catalog"');
    this.idIsFolderName();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../catalog.json");
    this.relativeLinks();
    this.childLinksForFiles(null, childStacType.toLowerCase(), childStacType === "Record" ? "item" : "child");
  }

  /** An EO mission catalog: id = folder, via link, parent/root links, child links to products. */
  eoMission(): void {
    this.t.equal(this.data.type, "Catalog", `type must be 'Catalog'`, "type", 'set "type": "Catalog"');
    this.idIsFolderName();
    this.viaLink();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks();
    this.relativeLinks();
  }

  /** A product collection: osc extension, id = folder, via/parent/root links, osc:type, osc:project/variables/missions/experiment references with related links, themes. */
  product(): void {
    const t = this.t;
    t.equal(this.data.type, "Collection", `type must be 'Collection'`, "type", 'set "type": "Collection"');
    this.hasExtensions(["osc"]);
    this.idIsFolderName();
    this.viaLink();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.relativeLinks(false);
    t.equal(this.data["osc:type"], "product", `'osc:type' must be 'product'`, "osc-type", 'set "osc:type": "product"');
    t.equal(
      typeof this.data["osc:project"],
      "string",
      `'osc:project' must be a string`,
      "osc-project",
      'set "osc:project" to the id of the project (projects/<id>/collection.json)',
    );
    this.crossRef(this.data["osc:project"], "projects", true);
    this.crossRefArray(this.data, "osc:variables", "variables");
    this.crossRefArray(this.data, "osc:missions", "eo-missions");
    this.crossRef(this.data["osc:experiment"], "experiments");
    this.themes(this.data);
  }

  /** A project collection: osc + contacts extensions, id = folder, links, technical officer, osc:type, osc:workflows references, themes. */
  project(): void {
    const t = this.t;
    t.equal(this.data.type, "Collection", `type must be 'Collection'`, "type", 'set "type": "Collection"');
    this.hasExtensions(["osc", "contacts"]);
    this.idIsFolderName();
    this.viaLink();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks();
    this.relativeLinks();
    this.technicalOfficer();
    t.equal(this.data["osc:type"], "project", `'osc:type' must be 'project'`, "osc-type", 'set "osc:type": "project"');
    this.crossRefArray(this.data, "osc:workflows", "workflows");
    this.themes(this.data);
  }

  /** A theme catalog: id = folder, parent/root/child links, the WebP preview image and its shape. */
  theme(): void {
    this.t.equal(this.data.type, "Catalog", `type must be 'Catalog'`, "type", 'set "type": "Catalog"');
    this.idIsFolderName();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks();
    this.relativeLinks();
    this.previewImage();
  }

  /** A variable catalog: themes extension, id = folder, via/parent/root/child links, themes. */
  variable(): void {
    this.t.equal(this.data.type, "Catalog", `type must be 'Catalog'`, "type", 'set "type": "Catalog"');
    this.hasExtensions(["themes"]);
    this.idIsFolderName();
    this.viaLink();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks();
    this.relativeLinks();
    this.themes(this.data);
  }

  /** A workflow record: conformsTo, type Feature, id = folder, parent/root links, child links to experiments, properties.osc:project. */
  workflow(): void {
    this.recordConformance();
    const t = this.t;
    t.equal(this.data.type, "Feature", `type must be 'Feature'`, "type", 'set "type": "Feature" (OGC API Records)');
    this.idIsFolderName();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks("experiments", "record");
    this.relativeLinks(false);
    t.equal(
      typeof this.data.properties["osc:project"],
      "string",
      `'osc:project' must be a string`,
      "osc-project",
      'set properties."osc:project" to the id of the project',
    );
    this.crossRef(this.data.properties["osc:project"], "projects", true);
  }

  /** An experiment record: conformsTo, type Feature, id = folder, links, properties.osc:workflow, environment and input links. */
  experiment(): void {
    this.recordConformance();
    const t = this.t;
    t.equal(this.data.type, "Feature", `type must be 'Feature'`, "type", 'set "type": "Feature" (OGC API Records)');
    this.idIsFolderName();
    this.checkStacLink("parent", "../catalog.json");
    this.checkStacLink("root", "../../catalog.json");
    this.childLinks();
    this.relativeLinks(false);
    t.equal(
      typeof this.data.properties["osc:workflow"],
      "string",
      `'osc:workflow' must be a string`,
      "osc-workflow",
      'set properties."osc:workflow" to the id of the workflow',
    );
    this.crossRef(this.data.properties["osc:workflow"], "workflows", true);
    this.hasLinkWithRel("environment", 'add a link {"rel": "environment", "href": "./environment.yaml", "type": "application/yaml"}');
    this.hasLinkWithRel("input", 'add a link {"rel": "input", "href": "./input.yaml", "type": "application/yaml"}');
  }

  /** The first rules of every record. */
  private recordConformance(): void {
    this.t.truthy(
      Array.isArray(this.data.conformsTo),
      'must have a "conformsTo" array',
      "records-conformance",
      `add "conformsTo": ["${RECORDS_CONFORMANCE_CLASS}"]`,
    );
    this.t.truthy(
      this.data.conformsTo.includes(RECORDS_CONFORMANCE_CLASS),
      `must conform to ${RECORDS_CONFORMANCE_CLASS}`,
      "records-conformance",
      `add "${RECORDS_CONFORMANCE_CLASS}" to "conformsTo"`,
    );
  }

  private hasLinkWithRel(rel: string, hint?: string): any {
    const link = this.linkWithRel(rel);
    this.t.truthy(isObject(link), `must have ${rel} link`, `${rel}-link`, hint ?? `add a link with "rel": "${rel}"`);
    return link;
  }

  private hasExtensions(extensions: string[]): void {
    if (Array.isArray(this.data.stac_extensions)) {
      for (const ext of extensions) {
        this.t.truthy(
          this.data.stac_extensions.includes(EXTENSION_SCHEMES[ext]),
          `must implement extension: ${ext}`,
          "extensions",
          `add "${EXTENSION_SCHEMES[ext]}" to stac_extensions`,
        );
      }
    } else {
      this.t.fail(
        `must implement extensions: ${extensions.join(", ")}`,
        "extensions",
        "add a stac_extensions array with the OSC extension schemas",
      );
    }
  }

  private previewImage(): void {
    const link = this.hasLinkWithRel(
      "preview",
      'add a link {"rel": "preview", "href": "./<image>.webp", "type": "image/webp", "proj:epsg": null, "proj:shape": [height, width]}',
    );
    if (!link) return;
    const hint = 'the preview is a WebP image next to the theme, with "proj:epsg": null and "proj:shape": [height, width]';
    this.t.equal(link.type, "image/webp", undefined, "preview-image", hint);
    this.t.equal(link["proj:epsg"], null, undefined, "preview-image", hint);
    const previewPath = this.resolve(link.href);
    let size: ReturnType<typeof imageSize>;
    try {
      size = imageSize(previewPath);
    } catch {
      this.t.fail(`Preview image doesn't exist or is corrupt: ${previewPath}`, "preview-image", hint);
      return;
    }
    this.t.deepEqual(
      link["proj:shape"],
      [size.height, size.width],
      "preview-image",
      `set "proj:shape" to [${size.height}, ${size.width}] (the image's [height, width])`,
    );
  }

  private idIsFolderName(): void {
    const folder = basename(this.folder);
    this.t.equal(
      this.data.id,
      folder,
      "parent folder name must match id",
      "id-folder-name",
      `set "id": "${folder}" or move the file to a folder named after its id`,
    );
  }

  /** Child links of an entity: JSON type, target folder and file name, title, and the target must exist. */
  private childLinks(expectedType = "products", expectedFilename = "collection"): void {
    const links = this.data.links.filter((link: any) => link.rel === "child");
    for (const link of links) {
      this.t.equal(
        link.type,
        "application/json",
        `Link with relation 'child' to ${link.href} must be of type 'application/json'`,
        "child-link-type",
        'set the link\'s "type": "application/json"',
      );
      const type = basename(dirname(dirname(link.href)));
      const filename = basename(link.href);
      this.t.equal(
        type,
        expectedType,
        `Link with relation 'child' to ${link.href} must point to a file in folder '${expectedType}'`,
        "child-link-target",
        `child links of this entity point to ../../${expectedType}/<id>/${expectedFilename}.json`,
      );
      this.t.equal(
        filename,
        `${expectedFilename}.json`,
        `Link with relation 'child' to ${link.href} must point to a file with name '${expectedFilename}.json'`,
        "child-link-target",
        `child links of this entity point to ../../${expectedType}/<id>/${expectedFilename}.json`,
      );
      this.linkTitle(link);
    }
    for (const link of links) {
      const abs = this.resolve(link.href);
      this.t.truthy(
        this.index.exists(abs),
        `must have file for link ${abs} with relation 'child'`,
        "link-target-exists",
        "remove the child link or add the file it points to",
      );
    }
  }

  /** The (sub-)catalog's child/item links list exactly the entities present in its sub-folders. */
  private childLinksForFiles(files: string[] | null, filename = "collection", linkRel = "child"): void {
    let expected: string[];
    if (Array.isArray(files)) {
      expected = files.map((f) => this.resolve(f));
    } else {
      expected = this.index.subfolders(this.folder).map((name) => resolvePath(this.folder, name, `${filename}.json`));
    }
    const links = this.data.links.filter((link: any) => link.href && link.rel === linkRel);
    for (const link of links) {
      this.t.equal(
        link.type,
        "application/json",
        `Link with relation ${linkRel} to ${link.href} must be of type 'application/json'`,
        "child-link-type",
        'set the link\'s "type": "application/json"',
      );
      this.linkTitle(link);
    }
    const hrefs = new Set<string>(links.map((link: any) => this.resolve(link.href)));
    const expectedSet = new Set(expected);
    for (const file of expected) {
      if (!hrefs.has(file))
        this.t.fail(
          `must have link with relation ${linkRel} to ${file}`,
          "catalog-children",
          `add a '${linkRel}' link to ${this.index.rel(file)}, with its title`,
        );
    }
    for (const file of links.map((link: any) => this.resolve(link.href)) as string[]) {
      if (!expectedSet.has(file))
        this.t.fail(
          `must have file for link ${file} with relation ${linkRel}`,
          "catalog-children",
          `remove the '${linkRel}' link or add the entity folder it points to`,
        );
    }
  }

  /** A link's title equals the linked file's title (with `prefix`, e.g. "Theme: "), when the file has one. */
  private linkTitle(link: any, prefix = ""): void {
    const href = this.resolve(link.href);
    const title = this.index.title(href);
    if (typeof title !== "string") return;
    if (prefix) {
      this.t.equal(
        link.title,
        prefix + title,
        `Title of link to ${link.href} (rel: ${link.rel}) must be '${prefix + title}'`,
        "link-title",
        `set the link's "title": "${prefix + title}"`,
      );
    } else {
      this.t.equal(
        link.title,
        title,
        `Title of link to ${link.href} (rel: ${link.rel}) is not the title of the linked file ${href}`,
        "link-title",
        `set the link's "title": "${title}" (the linked file's title)`,
      );
    }
  }

  private themes(data: any): void {
    const t = this.t;
    t.truthy(
      Array.isArray(data.themes),
      `'themes' must be present as an array`,
      "themes",
      `add "themes": [{"scheme": "${THEMES_SCHEME}", "concepts": [{"id": "<theme id>"}]}]`,
    );
    t.truthy(
      data.stac_extensions.includes(EXTENSION_SCHEMES.themes),
      `themes extension must be implemented`,
      "extensions",
      `add "${EXTENSION_SCHEMES.themes}" to stac_extensions`,
    );
    if (!Array.isArray(data.themes)) return;
    const theme = data.themes.find((th: any) => th.scheme === THEMES_SCHEME);
    t.truthy(theme, `must have theme with scheme '${THEMES_SCHEME}'`, "themes", `add a themes entry with "scheme": "${THEMES_SCHEME}"`);
    t.truthy(
      Array.isArray(theme.concepts),
      `concepts in themes must be present as an array`,
      "themes",
      'add "concepts": [{"id": "<theme id>"}]',
    );
    if (!Array.isArray(theme.concepts)) return;
    for (const obj of theme.concepts) {
      const filepath = this.resolve(`../../themes/${obj.id}/catalog.json`);
      t.truthy(
        this.index.exists(filepath),
        `The referenced theme '${obj.id}' must exist at ${filepath}`,
        "osc-reference",
        "use one of the catalog's themes (themes/<id>/catalog.json)",
      );
    }
    t.truthy(Array.isArray(data.links), `'links' must be present as an array`, "links", "add a links array");
    for (const obj of theme.concepts) this.relatedLink(data, "themes", obj.id, "catalog");
  }

  private relatedLink(data: any, type: string, id: unknown, file = "collection"): void {
    const t = this.t;
    const link = data.links.find((l: any) => l.rel === "related" && l.href.endsWith(`/${type}/${id}/${file}.json`));
    t.truthy(
      link,
      `must have a 'related' link to ${type} with id '${id}'`,
      "related-link",
      `add a link {"rel": "related", "href": "../../${type}/${id}/${file}.json", "type": "application/json", "title": "${RELATED_TITLE_PREFIX[type]}: <title>"}`,
    );
    if (!link) return;
    t.truthy(
      link.type === "application/json",
      `type of 'related' link to ${type} with id '${id}' must be 'application/json'`,
      "related-link",
      'set the link\'s "type": "application/json"',
    );
    this.linkTitle(link, `${RELATED_TITLE_PREFIX[type]}: `);
    const folder = basename(dirname(dirname(link.href)));
    t.truthy(
      folder !== "products",
      `products should be 'child' links, not 'related' links`,
      "related-link",
      "link products with rel 'child'",
    );
  }

  private crossRefArray(parent: any, field: string, type: string, required = false): void {
    const values = parent[field];
    if (required) this.t.truthy(Array.isArray(values), `'${field}' must be present as an array`, "osc-reference", `add "${field}": [...]`);
    if (Array.isArray(values)) for (const value of values) this.crossRef(value, type, true);
  }

  private crossRef(value: unknown, type: string, required = false): void {
    if (!value && !required) return;
    const filename =
      type === "projects" || type === "products" ? "collection" : type === "experiments" || type === "workflows" ? "record" : "catalog";
    const filepath = this.resolve(`../../${type}/${value}/${filename}.json`);
    this.t.truthy(
      this.index.exists(filepath),
      `The referenced ${type} '${value}' must exist at ${filepath}`,
      "osc-reference",
      `use the id of an existing entity (${type}/<id>/${filename}.json) or add it`,
    );
    this.relatedLink(this.data, type, value, filename);
  }

  private technicalOfficer(): void {
    const t = this.t;
    const hint = 'add a contact with "roles": ["technical_officer"], a name and "emails": [{"value": "…"}]';
    t.truthy(Array.isArray(this.data.contacts), "must have contacts", "technical-officer", hint);
    if (!Array.isArray(this.data.contacts)) return;
    const contact = this.data.contacts.find((c: any) => Array.isArray(c.roles) && c.roles.includes("technical_officer"));
    if (contact) {
      t.truthy(
        typeof contact.name === "string" && contact.name.length > 1,
        "must have name for technical officer",
        "technical-officer",
        hint,
      );
      t.truthy(
        Array.isArray(contact.emails) && contact.emails.length > 0,
        "must have email array for technical officer",
        "technical-officer",
        hint,
      );
      const email = contact.emails[0].value;
      t.truthy(typeof email === "string" && email.length > 1, "must have email value for technical officer", "technical-officer", hint);
    } else {
      t.fail("must have technical officer as contact", "technical-officer", hint);
    }
  }

  private linkWithRel(rel: string): any {
    if (!Array.isArray(this.data.links)) return null;
    return this.data.links.find((link: any) => link.href && link.rel === rel) || null;
  }

  /**
   * The CI's relative/absolute link check: self links must start with the OSC URL prefix; the first
   * related/parent (and item/child) link must be relative — the CI stops at that first one, so eocube's
   * extra checks look at the rest (as warnings).
   */
  private relativeLinks(includeItemChild = true): void {
    const rels = includeItemChild ? ["related", "parent", "item", "child"] : ["related", "parent"];
    for (const link of this.data.links) {
      if (link.rel === "self") {
        this.t.truthy(
          link.href.startsWith(OSC_LINK_PREFIX),
          `Link with rel '${link.rel}' to '${link.href}' must start with '${OSC_LINK_PREFIX}'`,
          "self-link",
          `self links are ${OSC_LINK_PREFIX}<path of the file>`,
        );
      } else if (rels.includes(link.rel)) {
        this.t.truthy(
          !link.href.includes("://"),
          `Link with rel '${link.rel}' to '${link.href}' must be relative`,
          "relative-links",
          "use a relative href such as ../../projects/<id>/collection.json",
        );
        return;
      }
    }
  }

  private checkStacLink(rel: "parent" | "root", expectedPath: string): void {
    const link = this.hasLinkWithRel(
      rel,
      `add a link {"rel": "${rel}", "href": "${expectedPath}", "type": "application/json", "title": "<its title>"}`,
    );
    if (!link) return;
    this.t.equal(
      this.resolve(link.href),
      this.resolve(expectedPath),
      `${rel} link must point to ${expectedPath}`,
      `${rel}-link`,
      `set the ${rel} link's "href": "${expectedPath}"`,
    );
    this.t.equal(
      link.type,
      "application/json",
      `${rel} link type must be of type application/json`,
      `${rel}-link`,
      'set the link\'s "type": "application/json"',
    );
    this.linkTitle(link);
  }

  private viaLink(): void {
    this.hasLinkWithRel("via", 'add a link {"rel": "via", "href": "https://…", "type": "text/html"} to the web page describing it');
  }
}

/** The entity kind of a file, from its path relative to the catalog root (as the CI classifies files). */
export type EntityKind =
  | "root"
  | "sub-catalog"
  | "eo-mission"
  | "product"
  | "product-content"
  | "project"
  | "theme"
  | "variable"
  | "workflow"
  | "experiment"
  | "unexpected";

/** Classifies a STAC file by its '/'-separated path relative to the catalog root and its id. */
export function entityKind(rel: string, id: unknown): EntityKind {
  const p = `/${rel}`;
  if (/\/products\/[^/]+\/collection\.json$/.test(p)) return "product";
  if (/\/products\/[^/]+\/.+\.json$/.test(p)) return "product-content";
  if (/^\/(eo-missions|products|projects|themes|variables|workflows|experiments)\/catalog\.json$/.test(p)) return "sub-catalog";
  if (p.endsWith("/catalog.json") && id === "osc") return "root";
  if (/^\/eo-missions\/[^/]+\/catalog\.json$/.test(p)) return "eo-mission";
  if (/^\/projects\/[^/]+\/collection\.json$/.test(p)) return "project";
  if (/^\/themes\/[^/]+\/catalog\.json$/.test(p)) return "theme";
  if (/^\/variables\/[^/]+\/catalog\.json$/.test(p)) return "variable";
  if (/^\/workflows\/[^/]+\/record\.json$/.test(p)) return "workflow";
  if (/^\/experiments\/[^/]+\/record\.json$/.test(p)) return "experiment";
  return "unexpected";
}
