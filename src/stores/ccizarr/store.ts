// CciZarrDataStore: the `ccizarr` store, xcube-cci's preset of the s3 store over ESA CCI's public Zarr bucket.
import type { Dataset } from "../../core/dataset.js";
import { EocubeError } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";
import { S3FileSystem } from "../../fs/s3.js";
import { storeError } from "../context-error.js";
import { FsDataStore, OPEN_PARAMS_SCHEMA } from "../fsstore.js";
import type { DataStore, DatasetDescriptor, JsonSchema, OpenParams, SearchQuery } from "../types.js";

/** The public CCI Zarr endpoint of xcube-cci (`xcube_cci/zarraccess.py`, CCI_ZARR_STORE_ENDPOINT). */
export const CCI_ZARR_ENDPOINT = "https://cci-ke-o.s3-ext.jc.rl.ac.uk:443/";
/** The public CCI Zarr bucket (CCI_ZARR_STORE_BUCKET_NAME). */
export const CCI_ZARR_BUCKET = "esacci";
/** The data id list at the bucket root that xcube-cci reads before listing (`esacci/data_ids.json`). */
export const CCI_DATA_IDS_FILE = "data_ids.json";

/** `store_params` of the `ccizarr` store: xcube-cci takes none; the endpoint/root overrides are for mirrors and tests. */
export const CCIZARR_STORE_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    endpoint_url: { type: "string", pattern: "^https?://", default: CCI_ZARR_ENDPOINT, description: "S3 endpoint of the CCI Zarr bucket" },
    root: {
      type: "string",
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{1,62}(/.*)?$",
      default: CCI_ZARR_BUCKET,
      description: "bucket[/prefix] holding the .zarr datasets (read anonymously)",
    },
    timeout: { type: "number", exclusiveMinimum: 0, default: 30, description: "per-request timeout in seconds" },
    max_depth: { type: "integer", minimum: 1, default: 1, description: "folder levels listed when there is no data_ids.json" },
  },
  additionalProperties: false,
};

/**
 * A read-only DataStore over the CCI Zarr bucket (anonymous S3, path-style): data ids are the `*.zarr` keys at the
 * bucket root, taken from `data_ids.json` when the bucket has one (as xcube-cci does), else from a listing.
 * Errors name the store, the data id and the cause (NOT_FOUND, ACCESS_DENIED, REMOTE_ERROR, TIMEOUT).
 */
export class CciZarrDataStore implements DataStore {
  readonly storeId = "ccizarr";
  readonly storeParams: Record<string, unknown>;
  readonly root: string;
  readonly #store: FsDataStore;

  constructor(params: Record<string, unknown>) {
    this.storeParams = params;
    const [bucket, ...prefix] = (params.root as string).split("/");
    const fs = new S3FileSystem(bucket!, {
      prefix: prefix.join("/"),
      endpointUrl: params.endpoint_url as string,
      anon: true,
      forcePathStyle: true,
      timeoutMs: (params.timeout as number) * 1000,
    });
    this.#store = new FsDataStore("ccizarr", params, fs, { readOnly: true, maxDepth: params.max_depth as number });
    this.root = fs.root;
  }

  async listDataIds(options?: ReadOptions): Promise<string[]> {
    try {
      const bytes = await this.#store.fs.get(CCI_DATA_IDS_FILE, options);
      if (bytes) {
        const ids = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
        if (!Array.isArray(ids) || ids.some((i) => typeof i !== "string")) {
          throw new EocubeError("CORRUPT_DATA", `${this.root}/${CCI_DATA_IDS_FILE} is not a JSON list of data ids`, {
            path: `${this.root}/${CCI_DATA_IDS_FILE}`,
          });
        }
        return ids as string[];
      }
      return await this.#store.listDataIds(options);
    } catch (err) {
      throw storeError("ccizarr", this.root, undefined, err);
    }
  }

  async hasData(dataId: string, options?: ReadOptions): Promise<boolean> {
    return this.#store.hasData(dataId, options);
  }

  async #check(dataId: string, options?: ReadOptions): Promise<void> {
    if (!(await this.#store.hasData(dataId, options))) {
      throw new EocubeError("NOT_FOUND", `no Zarr dataset at ${this.root}/${dataId}`, {
        path: `${this.root}/${dataId}`,
        field: "data_id",
        hint: "list the data ids with `eocube list --store ccizarr`",
      });
    }
  }

  async openData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<Dataset> {
    try {
      await this.#check(dataId, options);
      return await this.#store.openData(dataId, openParams, options);
    } catch (err) {
      throw storeError("ccizarr", this.root, dataId, err);
    }
  }

  async describeData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<DatasetDescriptor> {
    try {
      await this.#check(dataId, options);
      return await this.#store.describeData(dataId, openParams, options);
    } catch (err) {
      throw storeError("ccizarr", this.root, dataId, err);
    }
  }

  async searchData(query?: SearchQuery, options?: ReadOptions): Promise<DatasetDescriptor[]> {
    return this.#store.searchData(query, options);
  }

  async getOpenDataParamsSchema(dataId?: string, options?: ReadOptions): Promise<JsonSchema> {
    return dataId === undefined ? structuredClone(OPEN_PARAMS_SCHEMA) : this.#store.getOpenDataParamsSchema(dataId, options);
  }
}
