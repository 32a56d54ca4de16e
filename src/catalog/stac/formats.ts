// The `iri` and `iri-reference` JSON Schema formats (RFC 3987), which ajv-formats lacks.

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * True for an absolute IRI with a host (`https://…`), or a `file:` IRI with a path.
 * Empty strings, same-document references and host-less schemes such as `mailto:` are rejected,
 * as in the STAC validators. https://datatracker.ietf.org/doc/html/rfc3987#section-2.2
 */
export function isIri(value: unknown): boolean {
  if (typeof value !== "string" || value.length === 0 || /\s/.test(value) || !SCHEME.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "file:") return url.pathname.length > 0;
  return url.host.length > 0 || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/i.test(value);
}

/**
 * True for an {@link isIri absolute IRI} or a relative reference with a non-empty path
 * (`./item.json`, `../catalog.json`, `item.json?x#y`); false for `""` and bare fragments (`#a`).
 */
export function isIriReference(value: unknown): boolean {
  if (typeof value !== "string" || value.length === 0) return false;
  if (SCHEME.test(value)) return isIri(value);
  if (/[\s<>"{}|\\^`]/.test(value)) return false;
  const path = value.split(/[?#]/)[0];
  return path.length > 0;
}

/** The two formats, ready for ajv's `formats` option. */
export const iriFormats = {
  iri: isIri,
  "iri-reference": isIriReference,
};
