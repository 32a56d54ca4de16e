// The STAC link model: relation types (a string enum), media types, and Link with one builder per relation and
// a pure toJSON/fromJSON — the one place links of the OSC catalog, PRR collections and the server's STAC API are made.
// Spec: STAC 1.0.0 "Link Object" (https://github.com/radiantearth/stac-spec/blob/v1.0.0/commons/links.md), IANA link
// relations, STAC API 1.0.0 (item-search, ogcapi-features), OGC API Records; pattern: pystac rel_type.py / link.py.

/** Link relation types eocube writes (IANA, STAC, STAC API, OGC API and OSC ones). */
export const RelType = {
  SELF: "self",
  ROOT: "root",
  PARENT: "parent",
  CHILD: "child",
  ITEM: "item",
  ITEMS: "items",
  COLLECTION: "collection",
  RELATED: "related",
  VIA: "via",
  LICENSE: "license",
  CITE_AS: "cite-as",
  DESCRIBED_BY: "describedby",
  PREVIEW: "preview",
  NEXT: "next",
  PREV: "prev",
  CONFORMANCE: "conformance",
  DATA: "data",
  SEARCH: "search",
  SERVICE_DESC: "service-desc",
  /** OSC: a product's visualisation (web page). */
  VISUALISATION: "visualisation",
  /** OGC API Records / EOEPCA: the application (a Jupyter notebook) of a workflow. */
  APPLICATION: "application",
  /** OSC experiments: the input parameters file. */
  INPUT: "input",
  /** OSC experiments: the execution environment file. */
  ENVIRONMENT: "environment",
} as const;

/** One of {@link RelType}'s values, or another relation (links from user configs keep theirs). */
export type RelType = (typeof RelType)[keyof typeof RelType];

/** Media types of link targets. */
export const MediaType = {
  JSON: "application/json",
  GEOJSON: "application/geo+json",
  HTML: "text/html",
  YAML: "application/yaml",
  WEBP: "image/webp",
  PNG: "image/png",
  IPYNB: "application/x-ipynb+json",
  OPENAPI: "application/vnd.oai.openapi+json;version=3.0",
} as const;

/** A link as it appears in STAC / OGC API JSON: `rel`, `href`, optional `type`, `title`, `method` and other fields. */
export interface LinkJson {
  rel: string;
  href: string;
  type?: string;
  title?: string;
  method?: string;
  [key: string]: unknown;
}

/** The optional fields of a {@link Link}. */
export interface LinkOptions {
  /** Media type of the target (see {@link MediaType}). */
  type?: string;
  title?: string;
  /** HTTP method (STAC API search and paging links). */
  method?: "GET" | "POST";
  /** Other fields, written after the standard ones in their own order (e.g. `"application:type"`). */
  extra?: Record<string, unknown>;
}

/**
 * A link: relation, target and optional fields. Made by one builder per relation (`Link.self(href)`,
 * `Link.child(href, { title })`) or `new Link(rel, href, options)` for other relations. Immutable; its own
 * enumerable fields are exactly those of {@link toJSON}, in the same order (absent options are not set).
 */
export class Link {
  readonly rel: string;
  readonly href: string;
  // declared only: an absent option is no own field (class fields would be set to undefined)
  declare readonly type?: string;
  declare readonly title?: string;
  declare readonly method?: "GET" | "POST";
  [key: string]: unknown;

  constructor(rel: RelType | string, href: string, options: LinkOptions = {}) {
    this.rel = rel;
    this.href = href;
    if (options.type !== undefined) this.type = options.type;
    if (options.title !== undefined) this.title = options.title;
    if (options.method !== undefined) this.method = options.method;
    for (const [k, v] of Object.entries(options.extra ?? {})) {
      if (!(k in this) && v !== undefined) this[k] = v;
    }
  }

  /** The link as plain JSON (a new object: `rel`, `href`, `type`, `title`, `method`, then the other fields). */
  toJSON(): LinkJson {
    const out: LinkJson = { rel: this.rel, href: this.href };
    for (const [k, v] of Object.entries(this)) if (k !== "rel" && k !== "href") out[k] = v;
    return out;
  }

  /** A link from its JSON (the input is not changed; fields other than the standard ones are kept as `extra`). */
  static fromJSON(json: LinkJson): Link {
    const { rel, href, type, title, method, ...extra } = json;
    return new Link(rel, href, { type, title, method: method as LinkOptions["method"], extra });
  }

  /** This link with some fields replaced. */
  with(changes: { rel?: string; href?: string } & LinkOptions): Link {
    const { rel, href, type, title, method, ...extra } = this.toJSON();
    return new Link(changes.rel ?? rel, changes.href ?? href, {
      type: changes.type ?? type,
      title: changes.title ?? title,
      method: changes.method ?? (method as LinkOptions["method"]),
      extra: { ...extra, ...changes.extra },
    });
  }

  /** `self`: the document's own (absolute) location. */
  static self(href: string, options?: LinkOptions): Link {
    return new Link(RelType.SELF, href, options);
  }
  /** `root`: the root catalog of the tree. */
  static root(href: string, options?: LinkOptions): Link {
    return new Link(RelType.ROOT, href, options);
  }
  /** `parent`: the catalog or collection above. */
  static parent(href: string, options?: LinkOptions): Link {
    return new Link(RelType.PARENT, href, options);
  }
  /** `child`: a catalog or collection below. */
  static child(href: string, options?: LinkOptions): Link {
    return new Link(RelType.CHILD, href, options);
  }
  /** `item`: an item of a catalog or collection (also an OGC API record in a sub-catalog). */
  static item(href: string, options?: LinkOptions): Link {
    return new Link(RelType.ITEM, href, options);
  }
  /** `items`: a collection's items endpoint (STAC API ogcapi-features). */
  static items(href: string, options?: LinkOptions): Link {
    return new Link(RelType.ITEMS, href, options);
  }
  /** `collection`: an item's collection. */
  static collection(href: string, options?: LinkOptions): Link {
    return new Link(RelType.COLLECTION, href, options);
  }
  /** `related`: a related resource (OSC: project, theme, workflow … of an entity). */
  static related(href: string, options?: LinkOptions): Link {
    return new Link(RelType.RELATED, href, options);
  }
  /** `via`: the source of the information (e.g. a keyword's description page). */
  static via(href: string, options?: LinkOptions): Link {
    return new Link(RelType.VIA, href, options);
  }
  /** `license`: the license text. */
  static license(href: string, options?: LinkOptions): Link {
    return new Link(RelType.LICENSE, href, options);
  }
  /** `cite-as`: the persistent identifier to cite (a DOI URL). */
  static citeAs(href: string, options?: LinkOptions): Link {
    return new Link(RelType.CITE_AS, href, options);
  }
  /** `describedby`: a description of the resource. */
  static describedBy(href: string, options?: LinkOptions): Link {
    return new Link(RelType.DESCRIBED_BY, href, options);
  }
  /** `preview`: a preview image. */
  static preview(href: string, options?: LinkOptions): Link {
    return new Link(RelType.PREVIEW, href, options);
  }
  /** `next`: the next page (STAC API paging). */
  static next(href: string, options?: LinkOptions): Link {
    return new Link(RelType.NEXT, href, options);
  }
  /** `prev`: the previous page (STAC API paging). */
  static prev(href: string, options?: LinkOptions): Link {
    return new Link(RelType.PREV, href, options);
  }
  /** `conformance`: the conformance classes (STAC API landing page). */
  static conformance(href: string, options?: LinkOptions): Link {
    return new Link(RelType.CONFORMANCE, href, options);
  }
  /** `data`: the collections endpoint (STAC API landing page). */
  static data(href: string, options?: LinkOptions): Link {
    return new Link(RelType.DATA, href, options);
  }
  /** `search`: the item search endpoint (STAC API item-search). */
  static search(href: string, options?: LinkOptions): Link {
    return new Link(RelType.SEARCH, href, options);
  }
  /** `service-desc`: the API's OpenAPI description. */
  static serviceDesc(href: string, options?: LinkOptions): Link {
    return new Link(RelType.SERVICE_DESC, href, options);
  }
  /** `visualisation` (OSC): a web page showing the product. */
  static visualisation(href: string, options?: LinkOptions): Link {
    return new Link(RelType.VISUALISATION, href, options);
  }
  /** `application` (OGC API Records): the notebook or program of a workflow. */
  static application(href: string, options?: LinkOptions): Link {
    return new Link(RelType.APPLICATION, href, options);
  }
  /** `input` (OSC experiments): the input parameters file. */
  static input(href: string, options?: LinkOptions): Link {
    return new Link(RelType.INPUT, href, options);
  }
  /** `environment` (OSC experiments): the execution environment file. */
  static environment(href: string, options?: LinkOptions): Link {
    return new Link(RelType.ENVIRONMENT, href, options);
  }
}
