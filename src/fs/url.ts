// fsFromUrl: the FileSystem for a URL or local path (file, memory://, http(s)://, s3://, abfs://).
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EocubeError } from "../core/errors.js";
import { AbfsFileSystem, abfsOptionsFromStorageOptions } from "./abfs.js";
import { FileFileSystem } from "./file.js";
import { HttpsFileSystem, redactUrl } from "./https.js";
import { sharedMemoryFileSystem } from "./memory.js";
import { checkKey, joinKey } from "./keys.js";
import { S3FileSystem } from "./s3.js";
import type { FileSystem } from "./types.js";

/**
 * Options for remote file systems, named as xcube's/fsspec's `storage_options`.
 * Unknown keys are ignored here (the stores' JSON Schemas reject them).
 */
export interface StorageOptions {
  /** S3: endpoint of an S3-compatible service, e.g. `http://127.0.0.1:4568`. */
  endpoint_url?: string;
  /** S3: region (default `us-east-1`). */
  region?: string;
  /** S3 and abfs: unsigned requests for public buckets/containers (default false). */
  anon?: boolean;
  /** S3: access key id. */
  key?: string;
  /** S3: secret access key (never printed). */
  secret?: string;
  /** S3: session token. */
  token?: string;
  /** S3: path-style addressing (default true with `endpoint_url`). */
  force_path_style?: boolean;
  /** abfs: storage account name (adlfs; env AZURE_STORAGE_ACCOUNT_NAME). */
  account_name?: string;
  /** abfs: the account's access key, base64 (never printed; env AZURE_STORAGE_ACCOUNT_KEY). */
  account_key?: string;
  /** abfs: connection string, wins over the other abfs credentials (never printed; env AZURE_STORAGE_CONNECTION_STRING). */
  connection_string?: string;
  /** abfs: shared access signature (never printed; env AZURE_STORAGE_SAS_TOKEN). */
  sas_token?: string;
  /** abfs: the account's blob host (`https://{account_host}`) or a whole URL (Azurite: `http://127.0.0.1:10000/devstoreaccount1`). */
  account_host?: string;
  /** http(s), S3 and abfs: per-request timeout in **seconds** (default 30). */
  timeout?: number;
  /** http(s): retries after 5xx/timeouts (default 2). */
  retries?: number;
  /** http(s): extra request headers (never printed). */
  headers?: Record<string, string>;
}

/** The URL schemes {@link fsFromUrl} understands; anything else is a local path. */
export type UrlScheme = "file" | "memory" | "https" | "s3" | "abfs";

/**
 * The scheme of a source: `https` for http(s)://, `s3`, `abfs` for abfs:// and az:// (adlfs's Azure Blob URLs), `memory`,
 * else `file` (local path or file://).
 * @throws EocubeError INVALID_ARGUMENT for any other `scheme://` (`ftp://x/y.nc` is not a local path).
 */
export function schemeOf(url: string): UrlScheme {
  if (/^https?:\/\//i.test(url)) return "https";
  if (/^s3:\/\//i.test(url)) return "s3";
  if (/^(abfs|az):\/\//i.test(url)) return "abfs";
  if (/^memory:\/\//i.test(url)) return "memory";
  const other = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (other && other[1]!.toLowerCase() !== "file") {
    throw new EocubeError("INVALID_ARGUMENT", `unsupported URL scheme ${other[1]}:// in ${redactUrl(url)}`, {
      path: redactUrl(url),
      hint: "use a local path or a file://, http(s)://, s3://, abfs:// or memory:// URL",
    });
  }
  return "file";
}

/**
 * The FileSystem rooted at `url` (a folder, a URL prefix, `s3://bucket/prefix`, `abfs://container/prefix` or `memory://id`).
 * @throws EocubeError INVALID_ARGUMENT for a malformed URL.
 */
export function fsFromUrl(url: string, storageOptions: StorageOptions = {}): FileSystem {
  const timeoutMs = storageOptions.timeout !== undefined ? storageOptions.timeout * 1000 : undefined;
  switch (schemeOf(url)) {
    case "https":
      return new HttpsFileSystem(url, { timeoutMs, retries: storageOptions.retries, headers: storageOptions.headers });
    case "s3": {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
      if (!m) throw new EocubeError("INVALID_ARGUMENT", `not a valid s3 URL: ${url}`, { path: url, hint: "use s3://bucket/prefix" });
      return new S3FileSystem(m[1]!, {
        prefix: m[2],
        endpointUrl: storageOptions.endpoint_url,
        region: storageOptions.region,
        anon: storageOptions.anon,
        key: storageOptions.key,
        secret: storageOptions.secret,
        token: storageOptions.token,
        forcePathStyle: storageOptions.force_path_style,
        timeoutMs,
      });
    }
    case "abfs": {
      const m = /^(?:abfs|az):\/\/([^/]+)\/?(.*)$/i.exec(url);
      if (!m) throw new EocubeError("INVALID_ARGUMENT", `not a valid abfs URL: ${url}`, { path: url, hint: "use abfs://container/prefix" });
      return new AbfsFileSystem(m[1]!, {
        ...abfsOptionsFromStorageOptions(storageOptions as Record<string, unknown>),
        prefix: m[2],
        optionPrefix: "storage_options/",
        rootName: "URL",
      });
    }
    case "memory": {
      const m = /^memory:\/\/([^/]*)\/?(.*)$/i.exec(url)!;
      const fs = sharedMemoryFileSystem(m[1] || "default");
      return m[2] ? subFileSystem(fs, m[2]) : fs;
    }
    default:
      return new FileFileSystem(url.startsWith("file://") ? fileURLToPath(url) : url);
  }
}

/**
 * Splits a dataset URL into the FileSystem of its parent and the dataset's key in it, so that the
 * format can be told from the key's extension: `https://h/d/cube.zarr` → (`https://h/d`, `cube.zarr`).
 */
export function fsAndPathFromUrl(url: string, storageOptions: StorageOptions = {}): { fs: FileSystem; path: string } {
  const trimmed = url.replace(/\/+$/, "");
  const scheme = schemeOf(trimmed);
  if (scheme === "file") {
    const p = resolve(trimmed.startsWith("file://") ? fileURLToPath(trimmed) : trimmed);
    return { fs: new FileFileSystem(dirname(p)), path: basename(p) };
  }
  const m = /^([a-z0-9]+:\/\/[^/]*)(?:\/(.*))?$/i.exec(trimmed);
  if (!m) throw new EocubeError("INVALID_ARGUMENT", `not a valid URL: ${trimmed}`, { path: trimmed });
  const rest = m[2] ?? "";
  const i = rest.lastIndexOf("/");
  if ((scheme === "s3" || scheme === "abfs") && rest === "") {
    return { fs: fsFromUrl(trimmed, storageOptions), path: "" };
  }
  if (scheme === "memory") {
    return { fs: fsFromUrl(m[1]!, storageOptions), path: rest };
  }
  const parent = i < 0 ? m[1]! : `${m[1]}/${rest.slice(0, i)}`;
  return { fs: fsFromUrl(parent, storageOptions), path: i < 0 ? rest : rest.slice(i + 1) };
}

/**
 * A view of `fs` below `prefix` (keys are prefixed through `joinKey`, so a key with `..`, a leading '/' or NUL
 * is refused with UNSAFE_ID; `root` shows the full location).
 */
export function subFileSystem(fs: FileSystem, prefix: string): FileSystem {
  const p = joinKey(prefix).replace(/\/+$/, "");
  if (p === "") return fs;
  const root = `${fs.root.replace(/\/+$/, "")}/${p}`;
  const k = (key: string) => joinKey(p, checkKey(key, root));
  return {
    root,
    get: async (key, o) => fs.get(k(key), o),
    getRange: async (key, offset, length, o) => fs.getRange(k(key), offset, length, o),
    put: async (key, data, o) => fs.put(k(key), data, o),
    list: async (prefix2, o) => fs.list(k(prefix2), o),
    delete: async (key, o) => fs.delete(k(key), o),
    exists: async (key, o) => fs.exists(k(key), o),
  };
}
