// The data-store registry: store id → params JSON Schema + factory (xcube's new_data_store / get_data_store_params_schema).
import { EocubeError } from "../core/errors.js";
import { AbfsFileSystem, abfsOptionsFromStorageOptions } from "../fs/abfs.js";
import { FileFileSystem } from "../fs/file.js";
import { HttpsFileSystem } from "../fs/https.js";
import { sharedMemoryFileSystem } from "../fs/memory.js";
import { fsFromUrl, type StorageOptions, subFileSystem } from "../fs/url.js";
import { FsDataStore } from "./fsstore.js";
import { validateParams } from "./params.js";
import { STAC_STORE_PARAMS_SCHEMA } from "./stac/params.js";
import { StacDataStore } from "./stac/store.js";
import { REFERENCE_STORE_PARAMS_SCHEMA, ReferenceDataStore } from "./reference/store.js";
import { CCIZARR_STORE_PARAMS_SCHEMA, CciZarrDataStore } from "./ccizarr/store.js";
import { ZENODO_STORE_PARAMS_SCHEMA, ZenodoDataStore } from "./zenodo/store.js";
import type { DataStore, JsonSchema, MutableDataStore } from "./types.js";

/** Ids of the built-in stores; plugins add more (any string matching {@link STORE_ID_PATTERN}). */
export type DataStoreId = "file" | "memory" | "https" | "s3" | "abfs" | (string & {});

/** Store ids are lower-case letters, digits, `_` and `-`, starting with a letter (`file`, `stac`, `my-store`). */
export const STORE_ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * A data store registration, the plugin interface (docs/stores.md): id, title, params JSON Schema and a
 * factory that gets the params already validated against the schema (defaults filled in).
 */
export interface DataStoreInfo {
  storeId: DataStoreId;
  title: string;
  /** True when the store can write (`writeData`/`deleteData`). */
  mutable: boolean;
  /** JSON Schema of `store_params` (an object schema; `properties` documented with `description`). */
  paramsSchema: JsonSchema;
  create(params: Record<string, unknown>): DataStore;
  /** Where the registration came from: `"eocube"` for built-ins, else the npm package name@version. */
  source?: string;
}

const maxDepth = { type: "integer", minimum: 1, default: 3, description: "folder levels listDataIds descends" };
const readOnly = { type: "boolean", default: false, description: "refuse writes and deletes" };

const STORAGE_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    endpoint_url: { type: "string", description: "endpoint of an S3-compatible service, e.g. http://127.0.0.1:4568" },
    region: { type: "string", description: "region (default us-east-1)" },
    anon: { type: "boolean", description: "unsigned requests for public buckets" },
    key: { type: "string", description: "access key id" },
    secret: { type: "string", description: "secret access key" },
    token: { type: "string", description: "session token" },
    force_path_style: { type: "boolean", description: "path-style addressing (default true with endpoint_url)" },
    timeout: { type: "number", exclusiveMinimum: 0, description: "per-request timeout in seconds (default 30)" },
  },
  additionalProperties: false,
};

const BUILTIN_STORES: Record<string, DataStoreInfo> = {
  file: {
    storeId: "file",
    title: "Local file system",
    mutable: true,
    paramsSchema: {
      type: "object",
      properties: { root: { type: "string", default: ".", description: "root folder" }, max_depth: maxDepth, read_only: readOnly },
      additionalProperties: false,
    },
    create: (p) =>
      new FsDataStore("file", p, new FileFileSystem(p.root as string, { readOnly: p.read_only as boolean }), {
        readOnly: p.read_only as boolean,
        maxDepth: p.max_depth as number,
      }),
  },
  memory: {
    storeId: "memory",
    title: "In-memory store (process-wide, per root id)",
    mutable: true,
    paramsSchema: {
      type: "object",
      properties: {
        root: { type: "string", default: "default", description: "id of the memory space; stores with the same root share data" },
        max_depth: maxDepth,
        read_only: readOnly,
      },
      additionalProperties: false,
    },
    create: (p) => {
      const [id, ...rest] = (p.root as string).split("/");
      const fs = subFileSystem(sharedMemoryFileSystem(id || "default"), rest.join("/"));
      return new FsDataStore("memory", p, fs, { readOnly: p.read_only as boolean, maxDepth: p.max_depth as number });
    },
  },
  https: {
    storeId: "https",
    title: "HTTP(S) server (read-only, Range requests; cannot list)",
    mutable: false,
    paramsSchema: {
      type: "object",
      properties: {
        root: { type: "string", pattern: "^https?://", description: "URL prefix, e.g. https://example.com/data" },
        timeout: { type: "number", exclusiveMinimum: 0, default: 30, description: "per-request timeout in seconds" },
        retries: { type: "integer", minimum: 0, default: 2, description: "retries after 5xx answers and timeouts" },
        whole_body_cache_size: {
          type: "integer",
          minimum: 0,
          default: 256 * 1024 * 1024,
          description:
            "bytes of whole files kept from servers that ignore Range requests, so later ranges are cut from them (0 = keep none)",
        },
        max_depth: maxDepth,
      },
      required: ["root"],
      additionalProperties: false,
    },
    create: (p) =>
      readOnlyStore(
        new FsDataStore(
          "https",
          p,
          new HttpsFileSystem(p.root as string, {
            timeoutMs: (p.timeout as number) * 1000,
            retries: p.retries as number,
            wholeBodyCacheBytes: p.whole_body_cache_size as number,
          }),
          { readOnly: true, maxDepth: p.max_depth as number },
        ),
      ),
  },
  s3: {
    storeId: "s3",
    title: "Amazon S3 or S3-compatible object storage",
    mutable: true,
    paramsSchema: {
      type: "object",
      properties: {
        root: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{1,62}(/.*)?$", description: "bucket[/prefix]" },
        storage_options: STORAGE_OPTIONS_SCHEMA,
        max_depth: maxDepth,
        read_only: readOnly,
      },
      required: ["root"],
      additionalProperties: false,
    },
    create: (p) => {
      const fs = fsFromUrl(`s3://${p.root as string}`, (p.storage_options ?? {}) as StorageOptions);
      return new FsDataStore("s3", p, fs, { readOnly: p.read_only as boolean, maxDepth: p.max_depth as number });
    },
  },
};

BUILTIN_STORES.stac = {
  storeId: "stac",
  title: "STAC API or static catalog (items as datasets; read-only)",
  mutable: false,
  paramsSchema: STAC_STORE_PARAMS_SCHEMA,
  create: (p) => new StacDataStore(p),
};

BUILTIN_STORES.reference = {
  storeId: "reference",
  title: "kerchunk/fsspec references (Zarr over byte ranges of other files; read-only)",
  mutable: false,
  paramsSchema: REFERENCE_STORE_PARAMS_SCHEMA,
  create: (p) => new ReferenceDataStore(p),
};

BUILTIN_STORES.ccizarr = {
  storeId: "ccizarr",
  title: "ESA CCI Zarr bucket (xcube-cci's preset of s3: public esacci bucket, anonymous; read-only)",
  mutable: false,
  paramsSchema: CCIZARR_STORE_PARAMS_SCHEMA,
  create: (p) => new CciZarrDataStore(p),
};

BUILTIN_STORES.zenodo = {
  storeId: "zenodo",
  title: "Zenodo record (its files as datasets; zip archives unpacked into a cache; read-only)",
  mutable: false,
  paramsSchema: ZENODO_STORE_PARAMS_SCHEMA,
  create: (p) => new ZenodoDataStore(p),
};

/** `storage_options` of the abfs store: adlfs's AzureBlobFileSystem arguments, as xcube's abfs store takes them. */
const ABFS_STORAGE_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    account_name: {
      type: "string",
      minLength: 1,
      description: "storage account name (env AZURE_STORAGE_ACCOUNT_NAME); not needed with connection_string",
    },
    account_key: {
      type: "string",
      minLength: 1,
      description: "the account's access key, base64 (env AZURE_STORAGE_ACCOUNT_KEY; never printed)",
    },
    connection_string: {
      type: "string",
      minLength: 1,
      description: "connection string holding the account, key or SAS and endpoint (env AZURE_STORAGE_CONNECTION_STRING; never printed)",
    },
    sas_token: { type: "string", minLength: 1, description: "shared access signature (env AZURE_STORAGE_SAS_TOKEN; never printed)" },
    anon: { type: "boolean", description: "unsigned requests to a public container (also used when no credential is given)" },
    account_host: {
      type: "string",
      minLength: 1,
      description:
        "blob host of the account for other clouds (https://{account_host}), or a whole URL such as http://127.0.0.1:10000/devstoreaccount1",
    },
    timeout: { type: "number", exclusiveMinimum: 0, description: "per-request timeout in seconds (default 30)" },
  },
  additionalProperties: false,
};

BUILTIN_STORES.abfs = {
  storeId: "abfs",
  title: "Azure Blob Storage (adlfs's abfs://container/prefix; Azurite too)",
  mutable: true,
  paramsSchema: {
    type: "object",
    properties: {
      root: {
        type: "string",
        pattern: "^(\\$root|\\$web|[a-z0-9][a-z0-9-]{1,61}[a-z0-9])(/.*)?$",
        description: "container[/prefix]",
      },
      storage_options: ABFS_STORAGE_OPTIONS_SCHEMA,
      max_depth: maxDepth,
      read_only: readOnly,
    },
    required: ["root"],
    additionalProperties: false,
  },
  create: (p) => {
    const [container, ...rest] = (p.root as string).split("/");
    const fs = new AbfsFileSystem(container!, {
      ...abfsOptionsFromStorageOptions((p.storage_options ?? {}) as Record<string, unknown>),
      prefix: rest.join("/"),
      optionPrefix: "store_params/storage_options/",
      rootName: "store_params/root",
    });
    return new FsDataStore("abfs", p, fs, { readOnly: p.read_only as boolean, maxDepth: p.max_depth as number });
  },
};

/** A read-only view of a store: no writeData/deleteData methods. */
function readOnlyStore(store: FsDataStore): DataStore {
  return {
    storeId: store.storeId,
    storeParams: store.storeParams,
    root: store.root,
    listDataIds: (o) => store.listDataIds(o),
    hasData: (id, o) => store.hasData(id, o),
    describeData: (id, p, o) => store.describeData(id, p, o),
    searchData: (q, o) => store.searchData(q, o),
    openData: (id, p, o) => store.openData(id, p, o),
    getOpenDataParamsSchema: (id, o) => store.getOpenDataParamsSchema(id, o),
  };
}

/** The registrations by store id, in registration order (built-ins first). */
const STORES = new Map<string, DataStoreInfo>();

/** Options of {@link registerDataStore}. */
export interface RegisterDataStoreOptions {
  /** Replace an existing registration of the same id (default false → ALREADY_EXISTS). */
  replace?: boolean;
}

/**
 * Registers a data store under `info.storeId` (xcube's plugin `extension` point for data stores); the built-in
 * stores register through this too. The registration is checked: an id matching {@link STORE_ID_PATTERN}, a
 * title, an object params schema and a `create` function.
 * @throws EocubeError INVALID_ARGUMENT for a malformed registration, ALREADY_EXISTS for a taken id.
 */
export function registerDataStore(info: DataStoreInfo, options: RegisterDataStoreOptions = {}): void {
  const where = info?.source ? ` (from ${info.source})` : "";
  const bad = (what: string) =>
    new EocubeError("INVALID_ARGUMENT", `data store registration${where}: ${what}`, {
      field: "storeId",
      hint: 'a registration is {storeId, title, mutable, paramsSchema: {type: "object", properties: …}, create(params)}; see docs/stores.md',
    });
  if (!info || typeof info !== "object") throw bad("not an object");
  if (typeof info.storeId !== "string" || !STORE_ID_PATTERN.test(info.storeId)) {
    throw bad(`storeId ${JSON.stringify(info.storeId)} must match ${STORE_ID_PATTERN.source}`);
  }
  if (typeof info.title !== "string") throw bad(`store ${info.storeId}: title must be a string`);
  if (typeof info.create !== "function") throw bad(`store ${info.storeId}: create must be a function`);
  const schema = info.paramsSchema as { type?: unknown } | undefined;
  if (!schema || typeof schema !== "object" || schema.type !== "object")
    throw bad(`store ${info.storeId}: paramsSchema must be an object schema`);
  const old = STORES.get(info.storeId);
  if (old && !options.replace) {
    throw new EocubeError("ALREADY_EXISTS", `data store id ${JSON.stringify(info.storeId)}${where} is taken by ${old.source ?? "eocube"}`, {
      field: "storeId",
      hint: "choose another store id, or uninstall one of the two packages",
    });
  }
  STORES.set(info.storeId, {
    storeId: info.storeId,
    title: info.title,
    mutable: Boolean(info.mutable),
    paramsSchema: info.paramsSchema,
    create: (params) => info.create(params),
    source: info.source ?? "eocube",
  });
}

/** Removes a registration (tests, plugin reloads); true when there was one. Built-in stores can be removed too. */
export function unregisterDataStore(storeId: string): boolean {
  return STORES.delete(storeId);
}

for (const info of Object.values(BUILTIN_STORES)) registerDataStore(info);

/** Ids of the registered data stores: the built-ins (`file`, `memory`, `https`, `s3`, `stac`, `reference`) first, then plugins. */
export function listDataStoreIds(): DataStoreId[] {
  return [...STORES.keys()];
}

/**
 * The registration of `storeId`.
 * @throws EocubeError UNKNOWN_STORE naming the known ids.
 */
export function getDataStoreInfo(storeId: string): DataStoreInfo {
  const info = STORES.get(storeId);
  if (!info) {
    throw new EocubeError("UNKNOWN_STORE", `no data store ${JSON.stringify(storeId)}`, {
      field: "store_id",
      hint: `known store ids: ${listDataStoreIds().join(", ")}; plugin stores come from installed eocube-store-* packages (eocube store list)`,
    });
  }
  return info;
}

/** The JSON Schema of a store's `store_params` (a copy). @throws EocubeError UNKNOWN_STORE. */
export function getDataStoreParamsSchema(storeId: string): JsonSchema {
  return structuredClone(getDataStoreInfo(storeId).paramsSchema);
}

/**
 * Creates a data store (xcube's `new_data_store(store_id, **store_params)`): `file` {root, max_depth,
 * read_only}, `memory` {root (memory id)}, `https` {root URL, timeout (s), retries, whole_body_cache_size}, `s3` {root
 * "bucket/prefix", storage_options {endpoint_url, region, anon, key, secret, token, timeout}}, `abfs` {root
 * "container/prefix", storage_options {account_name, account_key, connection_string, sas_token, anon, account_host,
 * timeout}}, `stac` {url, timeout,
 * retries, page_size, max_items, stack_mode, …}, `reference` {refs, timeout, retries, remote_options}, and the stores
 * of plugin packages (docs/stores.md).
 * `file`, `memory`, `s3` and `abfs` stores are {@link MutableDataStore}s.
 * @throws EocubeError UNKNOWN_STORE, INVALID_PARAMS (message quotes the schema, e.g. `store_params/root must be string`).
 */
export function newDataStore(storeId: "file" | "memory" | "s3" | "abfs", storeParams?: Record<string, unknown>): MutableDataStore;
export function newDataStore(storeId: string, storeParams?: Record<string, unknown>): DataStore;
export function newDataStore(storeId: string, storeParams: Record<string, unknown> = {}): DataStore {
  const info = getDataStoreInfo(storeId);
  const params = validateParams(info.paramsSchema, storeParams, "store_params");
  return info.create(params);
}

/**
 * The ids of the stores that can open data of `source`'s kind, from its URL scheme
 * (`https`/`http` → https, `s3://` → s3, `abfs://` and `az://` → abfs, `memory://` → memory, anything else → file).
 */
export function findDataStoreIds(source: string): DataStoreId[] {
  if (/^https?:\/\//i.test(source)) return ["https"];
  if (/^s3:\/\//i.test(source)) return ["s3"];
  if (/^(abfs|az):\/\//i.test(source)) return ["abfs"];
  if (/^memory:\/\//i.test(source)) return ["memory"];
  return ["file"];
}
