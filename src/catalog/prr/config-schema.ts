// The PRR config (YAML): its JSON Schema (checked through core/config) and the TypeScript types it declares.
import type { ConfigType } from "../../core/config/index.js";
import { LICENSE_SCHEMA } from "../osc/config-schema.js";
import { PRR_ID_PATTERN } from "./constants.js";

const ISO = {
  type: "string",
  pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$",
  description: "an ISO 8601 date or date-time",
} as const;
const STRINGS = { type: "array", items: { type: "string", minLength: 1 } } as const;
/** The pattern of asset keys. */
export const PRR_KEY_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:-]*$";
/** The pattern of glob id prefixes. */
export const PRR_PREFIX_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
/** The pattern of OSC theme ids given as strings. */
export const PRR_THEME_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$";
/** The pattern of `sci:doi` (the DOI name, without a resolver URL). */
export const PRR_DOI_PATTERN = "^10\\.[0-9a-zA-Z]{4,}/[^\\s]+$";
/** The pattern of `asset_base_url`: absolute, without query or fragment. */
export const PRR_BASE_URL_PATTERN = "^[A-Za-z][A-Za-z0-9+.-]*://[^?#]+$";

/**
 * JSON Schema of what happens to a local asset file or folder (Zarr) when the collection is written:
 * - `copy` [default]: it is copied into `<out>/<item-id>/<name>` and its href is `./<name>` (or
 *   `<asset_base_url><item-id>/<name>`), so the output folder is self-contained and can be uploaded as is;
 * - `link`: it stays where it is and its href is the path relative to the item's JSON file (or that path
 *   resolved against `<asset_base_url><item-id>/`); a warning says when the path leaves the output folder.
 * In both cases `file:size`/`file:checksum` and the extraction read the local file.
 */
export const PRR_ASSET_FILES_SCHEMA = { type: "string", enum: ["copy", "link"] } as const;

const ASSET_PROPS = {
  title: { type: "string" },
  description: { type: "string" },
  roles: { ...STRINGS, description: 'STAC asset roles [default: ["data"] for data formats, else the role told by the media type]' },
  type: { type: "string", minLength: 1, description: "media type [default: told from the format and file name]" },
  extract: {
    type: "boolean",
    description: "read the data for extents and variables [default: true for local data formats, false for remote hrefs]",
  },
  asset_files: {
    ...PRR_ASSET_FILES_SCHEMA,
    description:
      "copy the local file into the output or link to it where it is [default: the item's, else the collection's, else \"copy\"]",
  },
} as const;

/** JSON Schema of one asset of an item: a local `path` (relative to `base_dir`) or a remote `href`. */
export const PRR_ASSET_SCHEMA = {
  type: "object",
  required: ["key"],
  additionalProperties: false,
  properties: {
    key: { type: "string", pattern: PRR_KEY_PATTERN, description: "key of the asset in the item's `assets`" },
    path: { type: "string", minLength: 1, description: "local file or folder, relative to the config's `base_dir` (or absolute)" },
    href: { type: "string", format: "uri", description: "remote URL (https, s3), written as is; not read unless `extract: true`" },
    ...ASSET_PROPS,
  },
} as const;

/** JSON Schema of the item fields shared by explicit and glob items. */
export const PRR_ITEM_COMMON_SCHEMA = {
  type: "object",
  properties: {
    title: { type: "string" },
    description: { type: "string" },
    license: { ...LICENSE_SCHEMA, description: `${LICENSE_SCHEMA.description} [default: the collection's]` },
    datetime: { ...ISO, description: "ISO 8601 instant, used when the data hold no time" },
    start_datetime: ISO,
    end_datetime: ISO,
    keywords: STRINGS,
    asset_files: {
      ...PRR_ASSET_FILES_SCHEMA,
      description: "copy or link the item's local asset files [default: the collection's `asset_files`]",
    },
  },
} as const;

/** JSON Schema of one item with explicit assets. */
export const PRR_ITEM_SCHEMA = {
  type: "object",
  required: ["id", "assets"],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1 },
    ...PRR_ITEM_COMMON_SCHEMA.properties,
    assets: { type: "array", minItems: 1, items: PRR_ASSET_SCHEMA },
  },
} as const;

/** JSON Schema of items from a glob: one item per matching file, id from the file name (sanitised), one asset. */
export const PRR_GLOB_ITEM_SCHEMA = {
  type: "object",
  required: ["glob"],
  additionalProperties: false,
  properties: {
    glob: {
      type: "string",
      minLength: 1,
      description: "glob relative to `base_dir`: `*` and `?` within one path segment, `**` for any folders",
    },
    id_prefix: { type: "string", pattern: PRR_PREFIX_PATTERN, description: "prefix of the item ids [default: none]" },
    ...PRR_ITEM_COMMON_SCHEMA.properties,
    asset: {
      type: "object",
      additionalProperties: false,
      properties: { key: { type: "string", pattern: PRR_KEY_PATTERN, description: 'key of the asset [default: "data"]' }, ...ASSET_PROPS },
      description: "the asset of each item",
    },
  },
} as const;

/** JSON Schema of a provider (STAC core). */
export const PRR_PROVIDER_SCHEMA = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    roles: { type: "array", items: { enum: ["licensor", "producer", "processor", "host"] } },
    url: { type: "string", format: "uri" },
  },
} as const;

/** JSON Schema of a contact (contacts extension v0.1.1). */
export const PRR_CONTACT_SCHEMA = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    organization: { type: "string" },
    positionName: { type: "string" },
    emails: {
      type: "array",
      items: {
        type: "object",
        required: ["value"],
        additionalProperties: false,
        properties: { value: { type: "string", format: "email" }, roles: STRINGS },
      },
    },
    links: {
      type: "array",
      items: {
        type: "object",
        required: ["href", "rel", "type"],
        additionalProperties: false,
        properties: {
          href: { type: "string", format: "uri" },
          rel: { type: "string" },
          type: { type: "string" },
          title: { type: "string" },
        },
      },
    },
    roles: STRINGS,
  },
} as const;

/** JSON Schema of a theme: an OSC theme id, or a themes-extension theme object. */
export const PRR_THEME_SCHEMA = {
  if: { type: "string" },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then/else keyword
  then: { type: "string", pattern: PRR_THEME_PATTERN },
  else: {
    type: "object",
    required: ["scheme", "concepts"],
    additionalProperties: false,
    properties: {
      scheme: { type: "string", minLength: 1 },
      concepts: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["id"],
          additionalProperties: false,
          properties: { id: { type: "string", minLength: 1 }, title: { type: "string" }, url: { type: "string", format: "uri" } },
        },
      },
    },
  },
} as const;

/** JSON Schema (draft-07) of {@link PrrConfig}, the whole config of `eocube prr`. */
export const PRR_CONFIG_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://eocube.dev/schemas/prr-config.json",
  title: "eocube prr config",
  type: "object",
  required: ["id", "title", "description", "license", "items"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: PRR_ID_PATTERN },
    title: { type: "string", minLength: 1 },
    description: { type: "string", minLength: 1 },
    license: LICENSE_SCHEMA,
    base_dir: {
      type: "string",
      minLength: 1,
      description: 'folder the asset paths and globs are relative to, itself relative to the config file [default: "."]',
    },
    asset_files: {
      ...PRR_ASSET_FILES_SCHEMA,
      description: 'copy the local asset files into the output (self-contained) or link to them where they are [default: "copy"]',
    },
    asset_base_url: {
      type: "string",
      format: "uri",
      pattern: PRR_BASE_URL_PATTERN,
      description:
        "absolute URL the output folder will have once uploaded (e.g. `https://host/prr/my-collection/`; a missing final '/' is added): local asset hrefs become absolute URLs under it [default: none → relative hrefs]",
    },
    keywords: STRINGS,
    providers: { type: "array", items: PRR_PROVIDER_SCHEMA },
    contacts: { type: "array", items: PRR_CONTACT_SCHEMA },
    themes: { type: "array", items: PRR_THEME_SCHEMA },
    "osc:project": { type: "string", minLength: 1 },
    "osc:status": { enum: ["planned", "ongoing", "completed"] },
    "sci:doi": { type: "string", pattern: PRR_DOI_PATTERN },
    "sci:citation": { type: "string", minLength: 1 },
    datetime: { ...ISO, description: "default instant for items whose data hold no time (ISO 8601)" },
    links: {
      type: "array",
      description: "extra links (absolute URLs), e.g. the project's web site",
      items: {
        type: "object",
        required: ["rel", "href"],
        additionalProperties: false,
        properties: {
          rel: { type: "string", minLength: 1 },
          href: { type: "string", format: "uri" },
          type: { type: "string" },
          title: { type: "string" },
        },
      },
    },
    items: {
      type: "array",
      minItems: 1,
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then/else keyword
      items: { if: { type: "object", required: ["glob"] }, then: PRR_GLOB_ITEM_SCHEMA, else: PRR_ITEM_SCHEMA },
    },
  },
} as const;

/** What happens to a local asset file when the collection is written; see {@link PRR_ASSET_FILES_SCHEMA}. */
export type PrrAssetFiles = ConfigType<typeof PRR_ASSET_FILES_SCHEMA>;
/** One asset of an item; see {@link PRR_ASSET_SCHEMA}. */
export type PrrAssetConfig = ConfigType<typeof PRR_ASSET_SCHEMA>;
/** Item fields shared by explicit and glob items; see {@link PRR_ITEM_COMMON_SCHEMA}. */
export type PrrItemCommon = ConfigType<typeof PRR_ITEM_COMMON_SCHEMA>;
/** One item with explicit assets; see {@link PRR_ITEM_SCHEMA}. */
export type PrrItemConfig = ConfigType<typeof PRR_ITEM_SCHEMA>;
/** Items from a glob; see {@link PRR_GLOB_ITEM_SCHEMA}. */
export type PrrGlobItemConfig = ConfigType<typeof PRR_GLOB_ITEM_SCHEMA>;
/** A provider (STAC core); see {@link PRR_PROVIDER_SCHEMA}. */
export type PrrProvider = ConfigType<typeof PRR_PROVIDER_SCHEMA>;
/** A contact (contacts extension v0.1.1); see {@link PRR_CONTACT_SCHEMA}. */
export type PrrContact = ConfigType<typeof PRR_CONTACT_SCHEMA>;
/** A theme: an OSC theme id, or a themes-extension theme object; see {@link PRR_THEME_SCHEMA}. */
export type PrrTheme = ConfigType<typeof PRR_THEME_SCHEMA>;
/** The whole config of `eocube prr`; see {@link PRR_CONFIG_SCHEMA} for each field's meaning and default. */
export type PrrConfig = ConfigType<typeof PRR_CONFIG_SCHEMA>;
