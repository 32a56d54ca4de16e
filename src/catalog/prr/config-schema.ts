// The PRR config (YAML): its JSON Schema (checked with ajv) and the TypeScript types it describes.
import { OSC_LICENSES } from "../osc/licenses.js";
import { PRR_ID_PATTERN } from "./constants.js";

/**
 * What happens to a local asset file or folder (Zarr) when the collection is written:
 * - `copy` [default]: it is copied into `<out>/<item-id>/<name>` and its href is `./<name>` (or
 *   `<asset_base_url><item-id>/<name>`), so the output folder is self-contained and can be uploaded as is;
 * - `link`: it stays where it is and its href is the path relative to the item's JSON file (or that path
 *   resolved against `<asset_base_url><item-id>/`); a warning says when the path leaves the output folder.
 * In both cases `file:size`/`file:checksum` and the extraction read the local file.
 */
export type PrrAssetFiles = "copy" | "link";

/** One asset of an item: a local `path` (relative to `base_dir`) or a remote `href`. */
export interface PrrAssetConfig {
  /** Key of the asset in the item's `assets`. */
  key: string;
  /** Local file or folder, relative to the config's `base_dir` (or absolute). */
  path?: string;
  /** Remote URL (https, s3), written as is; not read unless `extract: true`. */
  href?: string;
  title?: string;
  description?: string;
  /** STAC asset roles [default: ["data"] for data formats, else the role told by the media type]. */
  roles?: string[];
  /** Media type [default: told from the format and file name]. */
  type?: string;
  /** Read the data for extents and variables [default: true for local data formats, false for remote hrefs]. */
  extract?: boolean;
  /** Copy the local file into the output or link to it where it is [default: the item's, else the collection's, else "copy"]; see {@link PrrAssetFiles}. */
  asset_files?: PrrAssetFiles;
}

/** Item fields shared by explicit and glob items. */
export interface PrrItemCommon {
  title?: string;
  description?: string;
  /** SPDX id or `various`/`proprietary` [default: the collection's]. */
  license?: string;
  /** ISO 8601 instant, used when the data hold no time. */
  datetime?: string;
  start_datetime?: string;
  end_datetime?: string;
  keywords?: string[];
  /** Copy or link the item's local asset files [default: the collection's `asset_files`]; see {@link PrrAssetFiles}. */
  asset_files?: PrrAssetFiles;
}

/** One item with explicit assets. */
export interface PrrItemConfig extends PrrItemCommon {
  id: string;
  assets: PrrAssetConfig[];
}

/** Items from a glob: one item per matching file, id from the file name (sanitised), one asset. */
export interface PrrGlobItemConfig extends PrrItemCommon {
  /** Glob relative to `base_dir`: `*` and `?` within one path segment, `**` for any folders. */
  glob: string;
  /** Prefix of the item ids [default: none]. */
  id_prefix?: string;
  /** The asset of each item (key defaults to "data"). */
  asset?: Omit<PrrAssetConfig, "path" | "href" | "key"> & { key?: string };
}

/** A provider (STAC core). */
export interface PrrProvider {
  name: string;
  description?: string;
  roles?: Array<"licensor" | "producer" | "processor" | "host">;
  url?: string;
}

/** A contact (contacts extension v0.1.1). */
export interface PrrContact {
  name: string;
  organization?: string;
  positionName?: string;
  emails?: Array<{ value: string; roles?: string[] }>;
  links?: Array<{ href: string; rel: string; type: string; title?: string }>;
  roles?: string[];
}

/** A theme: an OSC theme id, or a themes-extension theme object. */
export type PrrTheme = string | { scheme: string; concepts: Array<{ id: string; title?: string; url?: string }> };

/** The whole config of `eocube prr`. */
export interface PrrConfig {
  id: string;
  title: string;
  description: string;
  license: string;
  /** Folder the asset paths and globs are relative to, itself relative to the config file [default: "."]. */
  base_dir?: string;
  /** Copy the local asset files into the output (self-contained) or link to them where they are [default: "copy"]; see {@link PrrAssetFiles}. */
  asset_files?: PrrAssetFiles;
  /**
   * Absolute URL the output folder will have once uploaded (e.g. `https://host/prr/my-collection/`; a missing
   * final '/' is added): local asset hrefs become absolute URLs under it [default: none → relative hrefs].
   */
  asset_base_url?: string;
  keywords?: string[];
  providers?: PrrProvider[];
  contacts?: PrrContact[];
  themes?: PrrTheme[];
  "osc:project"?: string;
  "osc:status"?: "planned" | "ongoing" | "completed";
  "sci:doi"?: string;
  "sci:citation"?: string;
  /** Default instant for items whose data hold no time (ISO 8601). */
  datetime?: string;
  /** Extra links (absolute URLs), e.g. the project's web site. */
  links?: Array<{ rel: string; href: string; type?: string; title?: string }>;
  items: Array<PrrItemConfig | PrrGlobItemConfig>;
}

const ISO = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$" };
const STRINGS = { type: "array", items: { type: "string", minLength: 1 } };
const LICENSE = { type: "string", enum: [...OSC_LICENSES] };
const ASSET_FILES = { type: "string", enum: ["copy", "link"] };

const ASSET_PROPS = {
  title: { type: "string" },
  description: { type: "string" },
  roles: STRINGS,
  type: { type: "string", minLength: 1 },
  extract: { type: "boolean" },
  asset_files: ASSET_FILES,
};

const ITEM_COMMON = {
  title: { type: "string" },
  description: { type: "string" },
  license: LICENSE,
  datetime: ISO,
  start_datetime: ISO,
  end_datetime: ISO,
  keywords: STRINGS,
  asset_files: ASSET_FILES,
};

/** JSON Schema (draft-07) of {@link PrrConfig}. */
export const PRR_CONFIG_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "eocube prr config",
  type: "object",
  required: ["id", "title", "description", "license", "items"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: PRR_ID_PATTERN },
    title: { type: "string", minLength: 1 },
    description: { type: "string", minLength: 1 },
    license: LICENSE,
    base_dir: { type: "string", minLength: 1 },
    asset_files: ASSET_FILES,
    asset_base_url: { type: "string", format: "uri", pattern: "^[A-Za-z][A-Za-z0-9+.-]*://[^?#]+$" },
    keywords: STRINGS,
    providers: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1 },
          description: { type: "string" },
          roles: { type: "array", items: { enum: ["licensor", "producer", "processor", "host"] } },
          url: { type: "string", format: "uri" },
        },
      },
    },
    contacts: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1 },
          organization: { type: "string" },
          positionName: { type: "string" },
          emails: {
            type: "array",
            items: { type: "object", required: ["value"], additionalProperties: false, properties: { value: { type: "string", format: "email" }, roles: STRINGS } },
          },
          links: {
            type: "array",
            items: {
              type: "object",
              required: ["href", "rel", "type"],
              additionalProperties: false,
              properties: { href: { type: "string", format: "uri" }, rel: { type: "string" }, type: { type: "string" }, title: { type: "string" } },
            },
          },
          roles: STRINGS,
        },
      },
    },
    themes: {
      type: "array",
      items: {
        if: { type: "string" },
        then: { type: "string", pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" },
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
      },
    },
    "osc:project": { type: "string", minLength: 1 },
    "osc:status": { enum: ["planned", "ongoing", "completed"] },
    "sci:doi": { type: "string", pattern: "^10\\.[0-9a-zA-Z]{4,}/[^\\s]+$" },
    "sci:citation": { type: "string", minLength: 1 },
    datetime: ISO,
    links: {
      type: "array",
      items: {
        type: "object",
        required: ["rel", "href"],
        additionalProperties: false,
        properties: { rel: { type: "string", minLength: 1 }, href: { type: "string", format: "uri" }, type: { type: "string" }, title: { type: "string" } },
      },
    },
    items: {
      type: "array",
      minItems: 1,
      items: {
        if: { type: "object", required: ["glob"] },
        else: {
            type: "object",
            required: ["id", "assets"],
            additionalProperties: false,
            properties: {
              id: { type: "string", minLength: 1 },
              ...ITEM_COMMON,
              assets: {
                type: "array",
                minItems: 1,
                items: {
                  type: "object",
                  required: ["key"],
                  additionalProperties: false,
                  properties: {
                    key: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]*$" },
                    path: { type: "string", minLength: 1 },
                    href: { type: "string", format: "uri" },
                    ...ASSET_PROPS,
                  },
                },
              },
            },
        },
        then: {
            type: "object",
            required: ["glob"],
            additionalProperties: false,
            properties: {
              glob: { type: "string", minLength: 1 },
              id_prefix: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" },
              ...ITEM_COMMON,
              asset: {
                type: "object",
                additionalProperties: false,
                properties: { key: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]*$" }, ...ASSET_PROPS },
              },
            },
        },
      },
    },
  },
} as const;
