// S3 ListObjects (v1 and v2) over a sorted key source, and the XML documents of the S3 REST API (ListBucketResult,
// Error), as xcube's server emulates them (xcube/webapi/s3/listbucket.py), with AWS's paging semantics.
// Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html and API_ListObjects.html.

/** One object of a listing. */
export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

/** The parameters of a listing (query parameters of `GET /{bucket}`). */
export interface ListParams {
  /** 1 (ListObjects, `marker`) or 2 (ListObjectsV2, `continuation-token`, `start-after`). */
  listType: 1 | 2;
  prefix?: string;
  delimiter?: string;
  /** At most this many keys and common prefixes together [default 1000; AWS's maximum too]. */
  maxKeys?: number;
  /** v1: list keys after this one. */
  marker?: string;
  /** v2: list keys after this one (ignored with a continuation token). */
  startAfter?: string;
  /** v2: the `NextContinuationToken` of the previous page. */
  continuationToken?: string;
}

/**
 * The keys of a bucket, lazily, group by group in ascending order (every key of a group starts with its `prefix`,
 * and groups do not interleave), so that a listing does not open the groups it skips or folds into a common prefix.
 */
export interface KeySource {
  /** Groups of keys, ascending: `prefix` is shared by all keys of the group (e.g. `cube.zarr/`). */
  groups(): Array<{ prefix: string; keys: () => Promise<S3Object[]> }>;
}

/** The result of a listing, as the fields of a `ListBucketResult`. */
export interface ListResult {
  contents: S3Object[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** v1: the last key or prefix returned when truncated; v2: the token of the next page. */
  next?: string;
}

const encodeToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");
const decodeToken = (token: string) => Buffer.from(token, "base64url").toString("utf8");

/**
 * Lists a bucket as S3 does: keys under `prefix` after the marker/start-after/continuation point, those with
 * `delimiter` after the prefix rolled up into one common prefix each (counted once against `maxKeys`), at most
 * `maxKeys` entries, `isTruncated` with the point to continue from. Groups that lie wholly before the start point
 * or outside the prefix, and groups the delimiter folds whole, are never asked for their keys.
 */
export async function listObjects(source: KeySource, params: ListParams): Promise<ListResult> {
  const prefix = params.prefix ?? "";
  const delimiter = params.delimiter || undefined;
  const maxKeys = Math.max(0, Math.min(params.maxKeys ?? 1000, 1000));
  const after =
    params.listType === 2 ? (params.continuationToken ? decodeToken(params.continuationToken) : params.startAfter) : params.marker;
  const contents: S3Object[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  /** Adds a key or the prefix it folds to; false once the page is full and another entry was found. */
  const add = (key: string, obj?: S3Object): boolean => {
    if (after !== undefined && key <= after) return true;
    if (!key.startsWith(prefix)) return true;
    if (delimiter) {
      const i = key.indexOf(delimiter, prefix.length);
      if (i >= 0) {
        const cp = key.slice(0, i + delimiter.length);
        if (commonPrefixes[commonPrefixes.length - 1] === cp) return true;
        if (after !== undefined && cp <= after && after.startsWith(cp)) return true; // continued inside this prefix
        if (contents.length + commonPrefixes.length >= maxKeys) return false;
        commonPrefixes.push(cp);
        last = cp;
        return true;
      }
    }
    if (contents.length + commonPrefixes.length >= maxKeys) return false;
    contents.push(obj ?? { key, size: 0, etag: "" });
    last = key;
    return true;
  };
  outer: for (const g of source.groups()) {
    // a group wholly outside the prefix: skipped unopened
    if (!g.prefix.startsWith(prefix) && !prefix.startsWith(g.prefix)) continue;
    // every key of the group sorts before `after`: they share g.prefix, which `after` passes without starting with it
    if (after !== undefined && !after.startsWith(g.prefix) && after > g.prefix) continue;
    if (delimiter && prefix.length < g.prefix.length) {
      const i = g.prefix.indexOf(delimiter, prefix.length);
      if (i >= 0 && i + delimiter.length <= g.prefix.length) {
        // the whole group folds into one common prefix: no need to list it
        if (!add(g.prefix.slice(0, i + delimiter.length))) {
          truncated = true;
          break;
        }
        continue;
      }
    }
    for (const o of await g.keys()) {
      if (!add(o.key, o)) {
        truncated = true;
        break outer;
      }
    }
  }
  return {
    contents,
    commonPrefixes,
    isTruncated: truncated,
    ...(truncated && last !== undefined ? { next: params.listType === 2 ? encodeToken(last) : last } : {}),
  };
}

/** XML text with `& < > " '` escaped. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/**
 * The `ListBucketResult` document of a listing (namespace `http://s3.amazonaws.com/doc/2006-03-01/`), with the
 * fields of v1 (`Marker`, `NextMarker`) or v2 (`KeyCount`, `ContinuationToken`, `NextContinuationToken`,
 * `StartAfter`); `lastModified` is an ISO time for every object.
 */
export function listBucketXml(bucket: string, params: ListParams, result: ListResult, lastModified: string): string {
  const el = (name: string, value: string | number | boolean | undefined) =>
    value === undefined ? "" : `<${name}>${xmlEscape(String(value))}</${name}>`;
  const parts = [
    el("Name", bucket),
    el("Prefix", params.prefix ?? ""),
    ...(params.listType === 2
      ? [
          el("KeyCount", result.contents.length + result.commonPrefixes.length),
          el("ContinuationToken", params.continuationToken),
          el("NextContinuationToken", result.isTruncated ? result.next : undefined),
          el("StartAfter", params.startAfter),
        ]
      : [el("Marker", params.marker ?? ""), el("NextMarker", result.isTruncated && params.delimiter ? result.next : undefined)]),
    el("MaxKeys", params.maxKeys ?? 1000),
    el("Delimiter", params.delimiter),
    el("IsTruncated", result.isTruncated),
    ...result.contents.map(
      (o) =>
        `<Contents>${el("Key", o.key)}${el("LastModified", lastModified)}${el("ETag", o.etag)}${el("Size", o.size)}${el("StorageClass", "STANDARD")}</Contents>`,
    ),
    ...result.commonPrefixes.map((p) => `<CommonPrefixes>${el("Prefix", p)}</CommonPrefixes>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join("")}</ListBucketResult>`;
}

/** An S3 `Error` document (`NoSuchKey`, `NoSuchBucket`, `InvalidArgument`) with extra fields (`Key`, `BucketName`). */
export function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries({ Code: code, Message: message, ...extra })
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`;
}
