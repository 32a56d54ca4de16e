// Link builders with the OSC's rules (relative hrefs, `application/json` for catalog links, prefixed related
// titles), made with the STAC link model (catalog/stac/link.ts) and returned as plain JSON.
import { Link, MediaType, type LinkJson } from "../stac/link.js";
import { OSC_BASE_URL, RELATED_TITLE_PREFIX, ROOT_TITLE, entityFile, type EntityFolder } from "./constants.js";

/** `root` link from an entity two levels down (`../../catalog.json`) or a sub-catalog (`../catalog.json`). */
export function rootLink(depth: 0 | 1 | 2): LinkJson {
  const href = depth === 0 ? "./catalog.json" : depth === 1 ? "../catalog.json" : "../../catalog.json";
  return Link.root(href, { type: MediaType.JSON, title: ROOT_TITLE }).toJSON();
}

/** `parent` link to the entity folder's catalog (`../catalog.json`), titled like that catalog. */
export function parentLink(title: string, href = "../catalog.json"): LinkJson {
  return Link.parent(href, { type: MediaType.JSON, title }).toJSON();
}

/** `self` link: absolute URL of the file in the public OSC (`path` relative to the catalog root). */
export function selfLink(path: string): LinkJson {
  return Link.self(OSC_BASE_URL + path, { type: MediaType.JSON }).toJSON();
}

/** Relative href from an entity file (two levels down) to another entity: `../../<folder>/<id>/<file>`. */
export function entityHref(folder: EntityFolder, id: string): string {
  return `../../${folder}/${id}/${entityFile(folder)}`;
}

/** Path of an entity file relative to the catalog root: `<folder>/<id>/<file>`. */
export function entityPath(folder: EntityFolder, id: string): string {
  return `${folder}/${id}/${entityFile(folder)}`;
}

/** `related` link from an entity to another entity, titled `"<Prefix>: <title>"` (e.g. "Theme: Oceans"). */
export function relatedLink(folder: EntityFolder, id: string, title: string): LinkJson {
  return Link.related(entityHref(folder, id), { type: MediaType.JSON, title: `${RELATED_TITLE_PREFIX[folder]}: ${title}` }).toJSON();
}

/** `child` link from an entity to another entity, titled exactly like the linked file. */
export function childLink(folder: EntityFolder, id: string, title: string): LinkJson {
  return Link.child(entityHref(folder, id), { type: MediaType.JSON, title }).toJSON();
}

/** Link from a sub-catalog (`products/catalog.json`) to one of its entries (`./<id>/<file>`). */
export function subCatalogEntryLink(folder: EntityFolder, id: string, title: string): LinkJson {
  const build = folder === "workflows" || folder === "experiments" ? Link.item : Link.child;
  return build(`./${id}/${entityFile(folder)}`, { type: MediaType.JSON, title }).toJSON();
}

/** `via` link (e.g. the GCMD keyword page titled "Description"). */
export function viaLink(href: string, title: string, type?: string): LinkJson {
  return Link.via(href, { type, title }).toJSON();
}

/**
 * Normalised target of a link seen from the file `fromPath` (catalog-relative): the catalog-relative path
 * for relative hrefs and hrefs under the public OSC URL, the href itself otherwise.
 */
export function linkTarget(fromPath: string, href: string): string {
  if (href.startsWith(OSC_BASE_URL)) return href.slice(OSC_BASE_URL.length);
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
  const parts = fromPath.split("/").slice(0, -1);
  for (const seg of href.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/");
}

/** True when `links` already hold a link with the same rel to the same target as `link`. */
export function hasLink(fromPath: string, links: readonly LinkJson[], link: LinkJson): boolean {
  const target = linkTarget(fromPath, link.href);
  return links.some((l) => l.rel === link.rel && typeof l.href === "string" && linkTarget(fromPath, l.href) === target);
}

/**
 * The https URL of an `s3://bucket/key` URL, for a `via` link (the OSC's product schema wants a web URL, not
 * `s3://`): AWS virtual-hosted style `https://<bucket>.s3.amazonaws.com/<key>` as deep-code writes it
 * (`_s3_to_https`), path style `https://s3.amazonaws.com/<bucket>/<key>` for a bucket with dots (virtual hosts with dots
 * fail TLS), or `<endpoint>/<bucket>/<key>` for an S3-compatible `endpointUrl` (the configured storage_options).
 * @returns undefined when `url` is no `s3://` URL with a bucket.
 */
export function s3HttpsUrl(url: string, endpointUrl?: string): string | undefined {
  const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/.exec(url);
  if (!m) return undefined;
  const [, bucket, key] = m as unknown as [string, string, string];
  if (endpointUrl) return `${endpointUrl.replace(/\/+$/, "")}/${bucket}/${key}`;
  return bucket.includes(".") ? `https://s3.amazonaws.com/${bucket}/${key}` : `https://${bucket}.s3.amazonaws.com/${key}`;
}
