// ReferenceDataStore: the `reference` store (xcube's, over kerchunk/fsspec reference JSON): each reference file is a
// dataset, opened as Zarr whose chunks are byte ranges of NetCDF/HDF5/GeoTIFF files on file/https/s3.
import { basename } from "node:path";
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";
import { redactUrl } from "../../fs/https.js";
import { FsDataStore, OPEN_PARAMS_SCHEMA } from "../fsstore.js";
import { resolveHref } from "../stac/catalog.js";
import { searchDescribed } from "../search.js";
import { fetchJson } from "../stac/http.js";
import type { DataStore, DatasetDescriptor, JsonSchema, OpenParams, SearchQuery } from "../types.js";
import { parseReferences, ReferenceFileSystem } from "./fs.js";

/** `store_params` of the `reference` store. */
export const REFERENCE_STORE_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    refs: {
      type: "array",
      items: { type: "string" },
      minItems: 1,
      description:
        "reference JSON files (kerchunk v0/v1): local paths, file://, http(s):// or s3:// URLs; data id = file name without .json",
    },
    timeout: {
      type: "number",
      exclusiveMinimum: 0,
      default: 30,
      description: "per-request timeout in seconds (reference JSON and https targets)",
    },
    retries: { type: "integer", minimum: 0, default: 2, description: "retries after 5xx answers and timeouts" },
    remote_options: { type: "object", description: "storage_options of s3:// targets (endpoint_url, region, anon, key, secret, token)" },
  },
  required: ["refs"],
  additionalProperties: false,
};

const MOUNT = "ref.zarr";

/** The data id of a reference file: its name without `.json` (`/data/sst.json` → `sst`). */
export function referenceDataId(ref: string): string {
  return basename(ref.replace(/[?#].*$/, "")).replace(/\.json$/i, "");
}

/**
 * A read-only DataStore over kerchunk reference files (`store_params.refs`). Opening a data id reads its JSON
 * (once per store) and opens the Zarr it describes; every error names the store, the data id and the cause.
 */
export class ReferenceDataStore implements DataStore {
  readonly storeId = "reference";
  readonly storeParams: Record<string, unknown>;
  readonly root: string;
  readonly #refs: string[];
  readonly #stores = new Map<string, Promise<FsDataStore>>();

  constructor(params: Record<string, unknown>) {
    this.storeParams = params;
    this.#refs = (params.refs as string[]).map((r) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(r) ? r : resolveHref(r, `${process.cwd()}/`)));
    this.root = this.#refs.length === 1 ? redactUrl(this.#refs[0]!) : `reference:${this.#refs.length} files`;
  }

  /** The reference file of a data id. @throws EocubeError NOT_FOUND naming the known ids. */
  #refOf(dataId: string): string {
    const ref = this.#refs.find((r) => referenceDataId(r) === dataId || r === dataId);
    if (!ref) {
      throw new EocubeError("NOT_FOUND", `reference store: no data id ${JSON.stringify(dataId)}`, {
        field: "data_id",
        hint: `data ids: ${this.#refs.map(referenceDataId).join(", ")}`,
      });
    }
    return ref;
  }

  #store(dataId: string, options?: ReadOptions): Promise<FsDataStore> {
    const ref = this.#refOf(dataId);
    let p = this.#stores.get(ref);
    if (!p) {
      p = (async () => {
        const http = { timeoutMs: (this.storeParams.timeout as number) * 1000, retries: this.storeParams.retries as number };
        const doc = await fetchJson(ref, { ...http, signal: options?.signal });
        const refs = parseReferences(doc, redactUrl(ref));
        const fs = new ReferenceFileSystem(redactUrl(ref), refs, `${MOUNT}/`, {
          base: ref,
          ...http,
          s3: this.storeParams.remote_options as Record<string, unknown> | undefined,
        });
        return new FsDataStore("reference", this.storeParams, fs, { readOnly: true });
      })();
      p.catch(() => this.#stores.delete(ref));
      this.#stores.set(ref, p);
    }
    return p;
  }

  async listDataIds(): Promise<string[]> {
    return this.#refs.map(referenceDataId);
  }

  async hasData(dataId: string): Promise<boolean> {
    return this.#refs.some((r) => referenceDataId(r) === dataId || r === dataId);
  }

  async openData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<Dataset> {
    try {
      return await (await this.#store(dataId, options)).openData(MOUNT, openParams, options);
    } catch (err) {
      throw this.#error(err, dataId);
    }
  }

  async describeData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<DatasetDescriptor> {
    try {
      return { ...(await (await this.#store(dataId, options)).describeData(MOUNT, openParams, options)), data_id: dataId };
    } catch (err) {
      throw this.#error(err, dataId);
    }
  }

  async searchData(query: SearchQuery = {}, options?: ReadOptions): Promise<DatasetDescriptor[]> {
    return searchDescribed(await this.listDataIds(), (id) => this.describeData(id, undefined, options), query, options);
  }

  async getOpenDataParamsSchema(): Promise<JsonSchema> {
    return structuredClone(OPEN_PARAMS_SCHEMA);
  }

  #error(err: unknown, dataId: string): unknown {
    if (!isEocubeError(err) || err.code === "CANCELLED" || err.message.startsWith("reference store")) return err;
    return new EocubeError(err.code, `reference store, data id ${JSON.stringify(dataId)}: ${err.message}`, {
      path: err.path,
      field: err.field,
      hint: err.hint,
      cause: err,
    });
  }
}
