// The studio layer's public API: the in-memory index of a local Open Science Catalog (the real catalog's layout)
// that `eocube studio` browses and searches — load it once, then search by words, facets, bbox and time without I/O.
// (The publishing form's server side stays internal: the routes of `eocube studio` and `publish` are its API.)
export {
  CatalogIndex,
  ENTITY_KINDS as CATALOG_ENTITY_KINDS,
  entryOf as catalogEntryOf,
  loadCatalogIndex,
  resolveLink as resolveCatalogLink,
} from "./catalog-index.js";
export type {
  CatalogEntry,
  CatalogHit,
  CatalogQuery,
  CatalogSearchResult,
  EntityKind as CatalogEntityKind,
  EntryLink as CatalogEntryLink,
  EntryOrigin as CatalogEntryOrigin,
  IndexProblem as CatalogIndexProblem,
} from "./catalog-index.js";
