// FileSystem over an S3 bucket prefix (AWS S3 or any S3-compatible endpoint), via @aws-sdk/client-s3.
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { checkKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** Options of {@link S3FileSystem}; names follow xcube's/fsspec's `storage_options` where they exist. */
export interface S3FileSystemOptions {
  /** Key prefix inside the bucket (`"cubes/2024"`), without leading or trailing '/'. Default "". */
  prefix?: string;
  /** Endpoint of an S3-compatible service (`http://127.0.0.1:4568`); default AWS. */
  endpointUrl?: string;
  /** Region (default `us-east-1`). */
  region?: string;
  /** Anonymous (unsigned) requests, for public buckets (default false). */
  anon?: boolean;
  /** Access key id; without key/secret the SDK's default credential chain is used (unless `anon`). */
  key?: string;
  /** Secret access key. Never printed. */
  secret?: string;
  /** Session token for temporary credentials. */
  token?: string;
  /** Path-style addressing (`endpoint/bucket/key`); default true when `endpointUrl` is given. */
  forcePathStyle?: boolean;
  /** Per-request timeout in milliseconds (default 30 000) → TIMEOUT. */
  timeoutMs?: number;
  /** Attempts per request, the first included (SDK retry for throttling/5xx; default 3). */
  maxAttempts?: number;
}

/**
 * A {@link FileSystem} over `s3://bucket/prefix`. Keys are relative to the prefix.
 * Errors name `s3://bucket/key` (never credentials): NoSuchKey → `get` undefined / `getRange` NOT_FOUND;
 * AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch (HTTP 401/403) → ACCESS_DENIED;
 * NoSuchBucket → NOT_FOUND; 5xx → REMOTE_ERROR; no answer in `timeoutMs` → TIMEOUT.
 * S3 API reference: https://docs.aws.amazon.com/AmazonS3/latest/API/
 */
export class S3FileSystem implements FileSystem {
  readonly root: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #config: S3ClientConfig;
  #sdk?: Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }>;
  readonly #timeoutMs: number;

  /** @param bucket bucket name. */
  constructor(bucket: string, options: S3FileSystemOptions = {}) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,62}$/.test(bucket)) {
      throw new EocubeError("INVALID_ARGUMENT", `not a valid S3 bucket name: ${JSON.stringify(bucket)}`, {
        field: "bucket",
        hint: "bucket names have 3–63 letters, digits, '.', '-' or '_'",
      });
    }
    this.bucket = bucket;
    this.prefix = checkKey((options.prefix ?? "").replace(/^\/+|\/+$/g, ""), `s3://${bucket}`);
    this.root = `s3://${bucket}${this.prefix ? `/${this.prefix}` : ""}`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    const config: S3ClientConfig = {
      region: options.region ?? "us-east-1",
      forcePathStyle: options.forcePathStyle ?? options.endpointUrl !== undefined,
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: this.#timeoutMs, requestTimeout: this.#timeoutMs },
    };
    if (options.endpointUrl) config.endpoint = options.endpointUrl;
    if (options.anon) {
      config.credentials = { accessKeyId: "", secretAccessKey: "" };
      config.signer = { sign: async (request) => request };
    } else if (options.key !== undefined || options.secret !== undefined) {
      config.credentials = {
        accessKeyId: options.key ?? "",
        secretAccessKey: options.secret ?? "",
        ...(options.token ? { sessionToken: options.token } : {}),
      };
    }
    this.#config = config;
  }

  /** The SDK client, created on first use (the SDK is loaded lazily: it costs ~0.3 s to import). */
  async client(): Promise<S3Client> {
    return (await this.#load()).client;
  }

  #load(): Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> {
    // eocube supports Node 20; the SDK's notice that its 2027 releases need Node 22 would precede every
    // s3:// command's output, so it is turned off unless the user set the SDK's switch themselves
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.#sdk ??= import("@aws-sdk/client-s3").then((sdk) => ({ sdk, client: new sdk.S3Client(this.#config) }));
    return this.#sdk;
  }

  /** The object key of a relative key. @throws EocubeError UNSAFE_ID for a key with `..`, a leading '/' or NUL (`checkKey`). */
  objectKey(key: string): string {
    const k = checkKey(key, this.root);
    return this.prefix ? (k ? `${this.prefix}/${k}` : `${this.prefix}/`) : k;
  }

  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    try {
      return (await this.#getObject(key, undefined, options)).bytes;
    } catch (err) {
      if (err instanceof EocubeError && err.code === "NOT_FOUND" && err.field !== "bucket") return undefined;
      throw err;
    }
  }

  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    let range: string;
    if (offset < 0) range = `bytes=${offset}`;
    else if (length === undefined) range = `bytes=${offset}-`;
    else range = `bytes=${offset}-${offset + length - 1}`;
    try {
      const { bytes, contentRange } = await this.#getObject(key, range, options);
      if (offset < 0) {
        // Some S3-compatible servers (s3rver) misread suffix ranges: check Content-Range and re-ask explicitly.
        const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(contentRange ?? "");
        if (m && Number(m[1]) !== Math.max(0, Number(m[3]) + offset)) {
          const start = Math.max(0, Number(m[3]) + offset);
          return (await this.#getObject(key, `bytes=${start}-`, options)).bytes;
        }
      }
      return bytes;
    } catch (err) {
      if ((err as EocubeError).details === "InvalidRange") return new Uint8Array(0);
      throw err;
    }
  }

  async put(key: string, data: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#call(
      key,
      (abortSignal, c, sdk) =>
        c.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: data }), { abortSignal }),
      options,
    );
  }

  /**
   * Copies the object `from` to `to` in this bucket on the server (S3 CopyObject, objects up to 5 GB: no bytes through
   * this process; https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). The copy source is sent
   * URL-encoded, as the API requires.
   * @throws EocubeError NOT_FOUND (no object `from`), ACCESS_DENIED, REMOTE_ERROR, TIMEOUT, naming `to`.
   */
  async copy(from: string, to: string, options?: ReadOptions): Promise<void> {
    const source = `${this.bucket}/${this.objectKey(from)}`.split("/").map(encodeURIComponent).join("/");
    await this.#call(
      to,
      (abortSignal, c, sdk) =>
        c.send(new sdk.CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(to), CopySource: source }), { abortSignal }),
      options,
    );
  }

  async list(prefix: string, options?: ReadOptions): Promise<string[]> {
    const p = this.objectKey(prefix.replace(/\/+$/, ""));
    const full = p === "" || p.endsWith("/") ? p : `${p}/`;
    const out = new Set<string>();
    let token: string | undefined;
    do {
      const res = await this.#call(
        prefix,
        (abortSignal, c, sdk) =>
          c.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, Delimiter: "/", ContinuationToken: token }), {
            abortSignal,
          }),
        options,
      );
      for (const c of res.CommonPrefixes ?? []) if (c.Prefix) out.add(c.Prefix.slice(full.length));
      for (const o of res.Contents ?? []) if (o.Key && o.Key !== full) out.add(o.Key.slice(full.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return [...out].sort();
  }

  async delete(key: string, options?: ReadOptions): Promise<void> {
    const k = this.objectKey(key.replace(/\/+$/, ""));
    const keys = new Set<string>([k]);
    let token: string | undefined;
    do {
      const res = await this.#call(
        key,
        (abortSignal, c, sdk) =>
          c.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${k}/`, ContinuationToken: token }), { abortSignal }),
        options,
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.add(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    const all = [...keys];
    for (let i = 0; i < all.length; i += 1000) {
      await this.#call(
        key,
        (abortSignal, c, sdk) =>
          c.send(
            new sdk.DeleteObjectsCommand({
              Bucket: this.bucket,
              Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
            }),
            { abortSignal },
          ),
        options,
      );
    }
  }

  async exists(key: string, options?: ReadOptions): Promise<boolean> {
    if (key.endsWith("/")) {
      const res = await this.#call(
        key,
        (abortSignal, c, sdk) =>
          c.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.objectKey(key), Delimiter: "/" }), { abortSignal }),
        options,
      );
      return (res.Contents?.length ?? 0) + (res.CommonPrefixes?.length ?? 0) > 0;
    }
    try {
      await this.#call(
        key,
        (abortSignal, c, sdk) => c.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), { abortSignal }),
        options,
      );
      return true;
    } catch (err) {
      if (err instanceof EocubeError && err.code === "NOT_FOUND") return false;
      throw err;
    }
  }

  async #getObject(key: string, range: string | undefined, options?: ReadOptions): Promise<{ bytes: Uint8Array; contentRange?: string }> {
    return this.#call(
      key,
      async (abortSignal, c, sdk) => {
        const r = await c.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range }), { abortSignal });
        return { bytes: r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0), contentRange: r.ContentRange };
      },
      options,
    );
  }

  /** Runs one SDK call with the timeout, mapping SDK errors to EocubeErrors naming `s3://bucket/key`. */
  async #call<R>(
    key: string,
    call: (abortSignal: AbortSignal, client: S3Client, sdk: typeof import("@aws-sdk/client-s3")) => Promise<R>,
    options?: ReadOptions,
  ): Promise<R> {
    throwIfAborted(options?.signal);
    const { client, sdk } = await this.#load();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const abortSignal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const shown = `s3://${this.bucket}/${this.objectKey(key)}`;
    try {
      return await call(abortSignal, client, sdk);
    } catch (err) {
      throwIfAborted(options?.signal);
      throw s3Error(err, shown, timeout.aborted, this.#timeoutMs);
    }
  }
}

/** Maps an SDK error to an EocubeError; `shown` is the object's s3:// URL. */
function s3Error(err: unknown, shown: string, timedOut: boolean, timeoutMs: number): EocubeError {
  if (err instanceof EocubeError) return err;
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? e.Code ?? "";
  const status = e.$metadata?.httpStatusCode;
  if (timedOut || name === "TimeoutError" || name === "RequestTimeout") {
    return new EocubeError("TIMEOUT", `no answer from S3 for ${shown} within ${timeoutMs} ms`, {
      path: shown,
      cause: err,
      hint: "the endpoint is slow or unreachable; raise the timeout or check endpoint_url",
    });
  }
  if (name === "NoSuchBucket") {
    return new EocubeError("NOT_FOUND", `no such bucket: ${shown}`, { path: shown, field: "bucket", cause: err });
  }
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
    return new EocubeError("NOT_FOUND", `no such object: ${shown}`, { path: shown, cause: err });
  }
  if (name === "InvalidRange" || status === 416) {
    return new EocubeError("OUT_OF_RANGE", `range outside ${shown}`, { path: shown, cause: err, details: "InvalidRange" });
  }
  if (
    ["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "ExpiredToken", "Forbidden"].includes(name) ||
    status === 401 ||
    status === 403
  ) {
    return new EocubeError("ACCESS_DENIED", `access denied (${name || `HTTP ${status}`}) to ${shown}`, {
      path: shown,
      cause: err,
      hint: "check storage_options key/secret (or anon) and the bucket policy",
    });
  }
  if (name === "CredentialsProviderError") {
    return new EocubeError("ACCESS_DENIED", `no S3 credentials found for ${shown}`, {
      path: shown,
      cause: err,
      hint: 'give storage_options {"key", "secret"} or {"anon": true} for a public bucket',
    });
  }
  if (status !== undefined && status >= 500) {
    return new EocubeError("REMOTE_ERROR", `S3 error ${name} (HTTP ${status}) for ${shown}`, { path: shown, cause: err });
  }
  const code = (err as { code?: string }).code ?? "";
  if (["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "EAI_AGAIN"].includes(code) || status === undefined) {
    return new EocubeError("REMOTE_ERROR", `cannot reach S3 for ${shown}: ${code || name || e.message}`, {
      path: shown,
      cause: err,
      hint: "check endpoint_url and the network",
    });
  }
  return new EocubeError("REMOTE_ERROR", `S3 error ${name} (HTTP ${status}) for ${shown}: ${e.message ?? ""}`, {
    path: shown,
    cause: err,
  });
}
