// ZenodoDataStore: the `zenodo` store (as xcube-zenodo): a record's files as datasets, zip archives unpacked into a cache.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Dataset } from "../../core/dataset.js";
import { EocubeError } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";
import { formatFromPath } from "../../formats/registry.js";
import { FileFileSystem } from "../../fs/file.js";
import { HttpsFileSystem, redactUrl } from "../../fs/https.js";
import { storeError } from "../context-error.js";
import { FsDataStore, OPEN_PARAMS_SCHEMA } from "../fsstore.js";
import { searchDescribed } from "../search.js";
import { type FetchJsonOptions, fetchJson, fetchWithRetries } from "../stac/http.js";
import type { DataStore, DatasetDescriptor, JsonSchema, OpenParams, SearchQuery } from "../types.js";

/** `store_params` of the `zenodo` store (xcube-zenodo's `root` = record id, plus the cache folder and HTTP rules). */
export const ZENODO_STORE_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    root: {
      type: "string",
      pattern: "^[0-9]{1,20}$",
      description: "Zenodo record id, e.g. 13333034 (from https://zenodo.org/records/13333034)",
    },
    url: { type: "string", pattern: "^https?://", default: "https://zenodo.org", description: "Zenodo (or InvenioRDM) base URL" },
    access_token: { type: "string", description: "personal access token for restricted records (sent as a Bearer header, never printed)" },
    cache_dir: {
      type: "string",
      default: "zenodo_cache",
      description: "folder zip archives are downloaded to and unpacked in ({cache_dir}/{record}/…)",
    },
    timeout: { type: "number", exclusiveMinimum: 0, default: 30, description: "per-request timeout in seconds (idle time for downloads)" },
    retries: { type: "integer", minimum: 0, default: 3, description: "retries after 5xx, 429, network errors and timeouts" },
    retry_delay: { type: "number", minimum: 0, default: 0.5, description: "seconds before the first retry, doubled for each further one" },
    max_retry_after: { type: "number", minimum: 0, default: 60, description: "longest 429 Retry-After (seconds) waited for" },
    max_unpacked_size: {
      type: "integer",
      minimum: 1,
      default: 8 * 1024 ** 3,
      description: "most bytes one archive may unpack to (counted while inflating; zip bombs stop here)",
    },
    max_entries: { type: "integer", minimum: 1, default: 100_000, description: "most entries one archive may hold" },
  },
  required: ["root"],
  additionalProperties: false,
};

/** One file of a record, from the records API's `files` list. */
export interface ZenodoFile {
  key: string;
  size?: number;
  /** `md5:<hex>` as Zenodo gives it. */
  checksum?: string;
  /** Download URL (`links.content` or `links.self`). */
  url: string;
}

const ARCHIVE = /\.zip$/i;

/**
 * Data ids of a record's files (https://developers.zenodo.org/#records, InvenioRDM `files` list or the legacy
 * `files: [{key, links: {self}}]`). @throws EocubeError CORRUPT_DATA when the answer has no files list.
 */
export function zenodoFiles(record: unknown, where: string): ZenodoFile[] {
  const r = record as { files?: unknown; entries?: unknown };
  const list = Array.isArray(r?.files) ? r.files : (r?.files as { entries?: unknown } | undefined)?.entries;
  const files = Array.isArray(list) ? list : Object.values((list ?? {}) as Record<string, unknown>);
  if (!Array.isArray(r?.files) && !list) {
    throw new EocubeError("CORRUPT_DATA", `${where} answered a record without a files list`, { path: where });
  }
  return files.flatMap((f) => {
    const e = f as {
      key?: unknown;
      filename?: unknown;
      size?: unknown;
      filesize?: unknown;
      checksum?: unknown;
      links?: Record<string, unknown>;
    };
    const key = typeof e.key === "string" ? e.key : typeof e.filename === "string" ? e.filename : undefined;
    const url = (e.links?.content ?? e.links?.self ?? e.links?.download) as string | undefined;
    if (!key || typeof url !== "string") return [];
    return [
      { key, size: Number(e.size ?? e.filesize) || undefined, checksum: typeof e.checksum === "string" ? e.checksum : undefined, url },
    ];
  });
}

/**
 * A read-only DataStore over one Zenodo record (`store_params.root`). Data ids are the record's files of a known
 * format (`sst.nc`, `dem.tif`) and its zip archives (`cube.zarr.zip`); an archive is downloaded once into
 * `{cache_dir}/{record}/` and unpacked there (zip-slip and zip-bomb safe, {@link unpackZip}), then its datasets are
 * `{archive}/{path}` (`data.zip/a.nc`), and the archive's id alone opens it when it holds one dataset. Files are
 * read over HTTP Range requests from `{url}/records/{record}/files/{key}`. Errors name the store, the record, the data
 * id and the cause: NOT_FOUND (record or file), ACCESS_DENIED (401/403), REMOTE_ERROR (5xx/429 after the retries),
 * TIMEOUT, CORRUPT_DATA (checksum mismatch, broken archive), UNSAFE_ID / TOO_LARGE (hostile archive).
 */
export class ZenodoDataStore implements DataStore {
  readonly storeId = "zenodo";
  readonly storeParams: Record<string, unknown>;
  readonly root: string;
  readonly #record: string;
  readonly #base: string;
  readonly #http: FetchJsonOptions;
  readonly #cache: string;
  #files?: Promise<ZenodoFile[]>;
  readonly #unpacking = new Map<string, Promise<string>>();
  #remote?: FsDataStore;

  constructor(params: Record<string, unknown>) {
    this.storeParams = params;
    this.#record = params.root as string;
    this.#base = (params.url as string).replace(/\/+$/, "");
    this.root = `${redactUrl(this.#base)}/records/${this.#record}`;
    const token = params.access_token as string | undefined;
    this.#http = {
      timeoutMs: (params.timeout as number) * 1000,
      retries: params.retries as number,
      retryDelayMs: (params.retry_delay as number) * 1000,
      maxRetryAfterMs: (params.max_retry_after as number) * 1000,
      headers: token ? { authorization: `Bearer ${token}` } : undefined,
    };
    this.#cache = resolve(params.cache_dir as string, this.#record);
  }

  /** The record's files (one records-API request per store, repeated after a failure). */
  files(options?: ReadOptions): Promise<ZenodoFile[]> {
    if (!this.#files) {
      const url = `${this.#base}/api/records/${this.#record}`;
      this.#files = fetchJson(url, { ...this.#http, signal: options?.signal }).then((r) => zenodoFiles(r, redactUrl(url)));
      this.#files.catch(() => {
        this.#files = undefined;
      });
    }
    return this.#files;
  }

  async listDataIds(options?: ReadOptions): Promise<string[]> {
    try {
      const out: string[] = [];
      for (const f of await this.files(options)) {
        if (ARCHIVE.test(f.key)) {
          out.push(f.key);
          const dir = this.#unpackedDir(f.key);
          if (await exists(dir)) for (const id of await this.#local(dir).listDataIds(options)) out.push(`${f.key}/${id}`);
        } else if (formatFromPath(f.key) && !isZarrPart(f.key)) out.push(f.key);
      }
      return out;
    } catch (err) {
      throw storeError("zenodo", `record ${this.#record}`, undefined, err);
    }
  }

  async hasData(dataId: string, options?: ReadOptions): Promise<boolean> {
    const files = await this.files(options);
    return files.some((f) => f.key === dataId || (ARCHIVE.test(f.key) && dataId.startsWith(`${f.key}/`)));
  }

  async openData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<Dataset> {
    try {
      const [store, id] = await this.#resolve(dataId, options);
      return await store.openData(id, openParams, options);
    } catch (err) {
      throw storeError("zenodo", `record ${this.#record}`, dataId, err);
    }
  }

  async describeData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<DatasetDescriptor> {
    try {
      const [store, id] = await this.#resolve(dataId, options);
      return { ...(await store.describeData(id, openParams, options)), data_id: dataId };
    } catch (err) {
      throw storeError("zenodo", `record ${this.#record}`, dataId, err);
    }
  }

  async searchData(query: SearchQuery = {}, options?: ReadOptions): Promise<DatasetDescriptor[]> {
    const ids: string[] = [];
    for (const id of await this.listDataIds(options)) if (!ARCHIVE.test(id) || (await exists(this.#unpackedDir(id)))) ids.push(id); // never downloads
    return searchDescribed(ids, (id) => this.describeData(id, undefined, options), query, options);
  }

  async getOpenDataParamsSchema(): Promise<JsonSchema> {
    return structuredClone(OPEN_PARAMS_SCHEMA);
  }

  /**
   * Downloads and unpacks an archive of the record into the cache (once; later calls and stores reuse the folder).
   * @returns the data ids inside (`{archive}/{path}`).
   */
  async preloadData(archive: string, options?: ReadOptions): Promise<string[]> {
    try {
      const file = (await this.files(options)).find((f) => f.key === archive && ARCHIVE.test(f.key));
      if (!file) throw this.#notFound(archive, await this.files(options));
      const dir = await this.#unpack(file, options);
      return (await this.#local(dir).listDataIds(options)).map((id) => `${archive}/${id}`);
    } catch (err) {
      throw storeError("zenodo", `record ${this.#record}`, archive, err);
    }
  }

  /** The store and id that open `dataId`. */
  async #resolve(dataId: string, options?: ReadOptions): Promise<[FsDataStore, string]> {
    const files = await this.files(options);
    const direct = files.find((f) => f.key === dataId);
    if (direct && !ARCHIVE.test(direct.key)) return [this.#remoteStore(), direct.key];
    const archive = direct ?? files.find((f) => ARCHIVE.test(f.key) && dataId.startsWith(`${f.key}/`));
    if (!archive) throw this.#notFound(dataId, files);
    const local = this.#local(await this.#unpack(archive, options));
    if (archive.key !== dataId) return [local, dataId.slice(archive.key.length + 1)];
    const ids = await local.listDataIds(options);
    if (ids.length !== 1) {
      throw new EocubeError("INVALID_ARGUMENT", `the archive holds ${ids.length} datasets; name one`, {
        field: "data_id",
        hint: `data ids: ${ids.map((i) => `${dataId}/${i}`).join(", ") || "(none of a known format)"}`,
      });
    }
    return [local, ids[0]!];
  }

  #notFound(dataId: string, files: ZenodoFile[]): EocubeError {
    return new EocubeError("NOT_FOUND", `no file ${JSON.stringify(dataId)} in the record`, {
      field: "data_id",
      hint: `the record's files: ${files.map((f) => f.key).join(", ") || "(none)"}`,
    });
  }

  #remoteStore(): FsDataStore {
    this.#remote ??= new FsDataStore(
      "zenodo",
      this.storeParams,
      new HttpsFileSystem(`${this.#base}/records/${this.#record}/files`, {
        timeoutMs: this.#http.timeoutMs,
        retries: this.#http.retries,
        retryDelayMs: this.#http.retryDelayMs,
        headers: this.#http.headers,
      }),
      { readOnly: true },
    );
    return this.#remote;
  }

  #local(dir: string): FsDataStore {
    return new FsDataStore("zenodo", this.storeParams, new FileFileSystem(dir, { readOnly: true }), { readOnly: true, maxDepth: 3 });
  }

  #unpackedDir(key: string): string {
    return join(this.#cache, `${key}.d`);
  }

  /** Downloads (md5-checked when the record gives a checksum) and unpacks an archive; resolves to its folder. */
  #unpack(file: ZenodoFile, options?: ReadOptions): Promise<string> {
    let p = this.#unpacking.get(file.key);
    if (!p) {
      p = (async () => {
        const dir = this.#unpackedDir(file.key);
        if (await exists(dir)) return dir;
        await mkdir(this.#cache, { recursive: true });
        const zip = join(this.#cache, `.${file.key}.download-${process.pid}`);
        try {
          await this.#download(file, zip, options);
          const stem = file.key.replace(ARCHIVE, "").replace(/\.zarr$/i, "");
          // (fflate, loaded only when an archive is unpacked: ~10 ms of every command's start otherwise)
          const { unpackZip } = await import("./unzip.js");
          await unpackZip(zip, dir, {
            signal: options?.signal,
            maxBytes: this.storeParams.max_unpacked_size as number,
            maxEntries: this.storeParams.max_entries as number,
            // an archive of a bare Zarr (.zgroup/.zmetadata/zarr.json at its top) becomes {stem}.zarr/
            prefix: (names) => (names.some((n) => /^(\.zgroup|\.zmetadata|zarr\.json)$/.test(n)) ? `${stem}.zarr` : undefined),
          });
          return dir;
        } finally {
          await rm(zip, { force: true });
        }
      })();
      p.catch(() => this.#unpacking.delete(file.key));
      this.#unpacking.set(file.key, p);
    }
    return p;
  }

  async #download(file: ZenodoFile, path: string, options?: ReadOptions): Promise<void> {
    const shown = redactUrl(file.url);
    const md5 = await fetchWithRetries(file.url, { ...this.#http, signal: options?.signal }, async (res, touch) => {
      const hash = createHash("md5");
      const out = createWriteStream(path);
      try {
        const reader = res.body?.getReader();
        for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
          touch();
          hash.update(r.value);
          if (!out.write(r.value)) await new Promise<void>((ok) => out.once("drain", () => ok()));
        }
      } finally {
        await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
      }
      return hash.digest("hex");
    });
    const want = file.checksum?.match(/^md5:([0-9a-f]{32})$/i)?.[1];
    if (want && want.toLowerCase() !== md5) {
      throw new EocubeError("CORRUPT_DATA", `${shown}: downloaded bytes have md5 ${md5}, the record says ${want}`, {
        path: shown,
        hint: "the download was altered or cut; try again",
      });
    }
    if (file.size !== undefined && (await stat(path)).size !== file.size) {
      throw new EocubeError("CORRUPT_DATA", `${shown}: downloaded ${(await stat(path)).size} bytes, the record says ${file.size}`, {
        path: shown,
      });
    }
  }
}

/** Files inside a Zarr folder uploaded file by file (`x.zarr/.zattrs`) are not datasets of their own. */
function isZarrPart(key: string): boolean {
  return /\.zarr\//i.test(key);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
