// Read-only FileSystem over HTTP(S) with Range requests, a per-request timeout and bounded retries.
import { LRUCache } from "lru-cache";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { checkKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** Options of {@link HttpsFileSystem}. */
export interface HttpsFileSystemOptions {
  /** Per-request timeout in milliseconds (default 30 000). A request that does not answer in time fails with TIMEOUT. */
  timeoutMs?: number;
  /** How many times a request is retried after a 5xx answer, a network error or a timeout (default 2). */
  retries?: number;
  /** Wait before the first retry in milliseconds, doubled for each further retry (default 200). */
  retryDelayMs?: number;
  /** Extra request headers (e.g. `Authorization`); never printed in errors. */
  headers?: Record<string, string>;
  /**
   * Bytes of whole bodies kept for URLs whose server ignores Range requests (answers 200 with the whole
   * object), so that later ranges are sliced from memory instead of downloaded again; least recently used
   * bodies are dropped first. A body larger than this is not kept. Default 256 MiB; 0 keeps none.
   */
  wholeBodyCacheBytes?: number;
}

/**
 * A read-only {@link FileSystem} over a URL prefix (`https://host/path`), using `fetch`.
 * `getRange` sends an HTTP Range request (RFC 9110 §14.2). When a server answers 200 with the whole body
 * instead (it ignores Range, e.g. Python's `http.server`), the range is sliced from it, the URL is
 * remembered as range-less and its body kept (bounded LRU, `wholeBodyCacheBytes`) for the next ranges of
 * this FileSystem object only (never beyond its lifetime). While the first ranged request to a URL is
 * unanswered, other ranges of the same URL wait for its status. HTTPS cannot list folders, so `list`
 * returns `[]`.
 *
 * Errors (each naming the URL without credentials or query string):
 * 404 → `get` resolves `undefined`, `getRange` throws NOT_FOUND; 401/403 → ACCESS_DENIED;
 * 5xx (after the retries) → REMOTE_ERROR; no answer within `timeoutMs` (after the retries) → TIMEOUT;
 * `put`/`delete` → READ_ONLY; an aborted signal → CANCELLED.
 */
export class HttpsFileSystem implements FileSystem {
  readonly root: string;
  readonly #base: string;
  /** Query string kept on every request (`?token=…`), never printed. */
  readonly #query: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #headers: Record<string, string>;
  /** Number of HTTP requests sent so far (retries included). */
  requestCount = 0;
  /** Keys whose server answered a Range request with 200 and the whole body. */
  readonly #noRanges = new Set<string>();
  /** Whole bodies of those keys, LRU bounded by their summed bytes; undefined when the limit is 0. */
  readonly #bodies: LRUCache<string, Uint8Array> | undefined;
  /** The first ranged request of each key until its status is known; later ranges of the key wait for it. */
  readonly #probes = new Map<string, Promise<unknown>>();

  /** @param root URL prefix, `http://` or `https://`; a trailing '/' is optional. */
  constructor(root: string, options: HttpsFileSystemOptions = {}) {
    let url: URL;
    try {
      url = new URL(root);
    } catch (err) {
      throw new EocubeError("INVALID_ARGUMENT", `not a valid URL: ${redactUrl(root)}`, { path: redactUrl(root), cause: err });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new EocubeError("INVALID_ARGUMENT", `not an http(s) URL: ${redactUrl(root)}`, { path: redactUrl(root) });
    }
    this.#query = url.search;
    url.search = "";
    url.hash = "";
    this.#base = url.href.replace(/\/+$/, "");
    this.root = redactUrl(this.#base) + (this.#query ? "?…" : "");
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#headers = { ...(options.headers ?? {}) };
    const bodyLimit = Math.floor(options.wholeBodyCacheBytes ?? 256 * 1024 * 1024);
    this.#bodies =
      bodyLimit >= 1 ? new LRUCache<string, Uint8Array>({ maxSize: bodyLimit, sizeCalculation: (b) => Math.max(1, b.length) }) : undefined;
    if (url.username || url.password) {
      // Credentials in the URL become a Basic header: fetch refuses URLs with credentials.
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      this.#headers.authorization ??= `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
      url.username = "";
      url.password = "";
      this.#base = url.href.replace(/\/+$/, "");
    }
  }

  /**
   * The full URL of a key (with credentials removed). The key is checked first (`checkKey`): a `..` segment
   * would be resolved away by the URL parser and reach outside the prefix.
   * @throws EocubeError UNSAFE_ID for a key with `..`, a leading '/' or NUL.
   */
  url(key: string): string {
    const k = checkKey(key, this.root);
    return (k === "" ? this.#base : `${this.#base}/${k.split("/").map(encodeURIComponent).join("/")}`) + this.#query;
  }

  /** The whole object; a body kept from a server that ignored a Range request is answered from memory. */
  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    const probe = this.#probes.get(key);
    if (probe) await probe.catch(() => undefined);
    if (this.#bodies?.has(key)) return this.getRange(key, 0, undefined, options);
    const res = await this.#fetch(key, "GET", {}, options);
    if (res === undefined) return undefined;
    return new Uint8Array(await res.arrayBuffer());
  }

  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const probe = this.#probes.get(key);
    if (probe) await probe.catch(() => undefined);
    const kept = this.#bodies?.get(key); // marks it most recently used
    if (kept) {
      return slice(kept, offset, length);
    }
    if (this.#noRanges.has(key) || this.#probes.has(key)) return this.#rangeOf(key, offset, length, options);
    // The first range of a key: others wait until it is known whether the server honours ranges.
    const first = this.#rangeOf(key, offset, length, options);
    this.#probes.set(key, first);
    try {
      return await first;
    } finally {
      this.#probes.delete(key);
    }
  }

  /** One request for a range (the whole object for keys whose server ignores ranges). */
  async #rangeOf(key: string, offset: number, length: number | undefined, options?: ReadOptions): Promise<Uint8Array> {
    let range: string;
    if (offset < 0)
      range = `bytes=${offset}`; // suffix range: the last -offset bytes
    else if (length === undefined) range = `bytes=${offset}-`;
    else range = `bytes=${offset}-${offset + length - 1}`;
    const res = await this.#fetch(key, "GET", this.#noRanges.has(key) ? {} : { range }, options);
    if (res === undefined) {
      throw new EocubeError("NOT_FOUND", `no such object: ${redactUrl(this.url(key))}`, {
        path: redactUrl(this.url(key)),
        hint: "check the URL",
      });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status === 206) return bytes;
    if (res.status === 416) return new Uint8Array(0);
    // The server ignored the Range header and sent the whole object.
    this.#noRanges.add(key);
    this.#keep(key, bytes);
    return slice(bytes, offset, length);
  }

  /** Keeps the whole body of a key whose server ignores ranges, dropping the least recently used bodies. */
  #keep(key: string, bytes: Uint8Array): void {
    if (!this.#bodies || bytes.length > this.#bodies.maxSize || this.#bodies.has(key)) return;
    this.#bodies.set(key, bytes);
  }

  async put(key: string): Promise<void> {
    throw new EocubeError("READ_ONLY", `${this.root} is read-only (HTTP)`, { path: redactUrl(this.url(key)) });
  }

  /** HTTP(S) cannot list folders: always `[]` (after checking the prefix like any key: UNSAFE_ID). */
  async list(prefix: string, options?: ReadOptions): Promise<string[]> {
    throwIfAborted(options?.signal);
    checkKey(prefix, this.root);
    return [];
  }

  async delete(key: string): Promise<void> {
    throw new EocubeError("READ_ONLY", `${this.root} is read-only (HTTP)`, { path: redactUrl(this.url(key)) });
  }

  /** HEAD request; a folder prefix (ending in '/') cannot be checked over HTTP and gives false. */
  async exists(key: string, options?: ReadOptions): Promise<boolean> {
    checkKey(key, this.root);
    if (key.endsWith("/")) return false;
    try {
      return (await this.#fetch(key, "HEAD", {}, options)) !== undefined;
    } catch (err) {
      // Servers that refuse HEAD (405/501) are asked for the first byte instead.
      if (!(err instanceof EocubeError) || !/HTTP (405|501)\b/.test(err.message)) throw err;
      const res = await this.#fetch(key, "GET", { range: "bytes=0-0" }, options);
      await res?.body?.cancel().catch(() => undefined);
      return res !== undefined;
    }
  }

  /** Sends one request with timeout and retries; resolves undefined on 404/410. */
  async #fetch(key: string, method: "GET" | "HEAD", headers: Record<string, string>, options?: ReadOptions): Promise<Response | undefined> {
    const url = this.url(key);
    const shown = redactUrl(url);
    let lastError: EocubeError | undefined;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      throwIfAborted(options?.signal);
      if (attempt > 0) await sleep(this.#retryDelayMs * 2 ** (attempt - 1), options?.signal);
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let res: Response;
      try {
        this.requestCount++;
        res = await fetch(url, { method, headers: { ...this.#headers, ...headers }, signal });
      } catch (err) {
        throwIfAborted(options?.signal);
        if (timeout.aborted) {
          lastError = new EocubeError("TIMEOUT", `no answer from ${shown} within ${this.#timeoutMs} ms`, {
            path: shown,
            cause: err,
            hint: "the server is slow or unreachable; raise the timeout (store_params.timeout) or try later",
          });
        } else {
          lastError = new EocubeError("REMOTE_ERROR", `cannot reach ${shown}: ${causeMessage(err)}`, {
            path: shown,
            cause: err,
            hint: "check the URL and the network",
          });
        }
        continue;
      }
      if (res.ok || res.status === 416) {
        if (method === "HEAD") await res.body?.cancel();
        return readBodyWithTimeout(res, timeout, shown, this.#timeoutMs);
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404 || res.status === 410) return undefined;
      if (res.status === 401 || res.status === 403) {
        throw new EocubeError("ACCESS_DENIED", `access denied (HTTP ${res.status}) to ${shown}`, {
          path: shown,
          hint: "the server needs credentials or refuses them; check the URL's access rights",
        });
      }
      lastError = new EocubeError("REMOTE_ERROR", `HTTP ${res.status} ${res.statusText} from ${shown}`, {
        path: shown,
        hint: res.status >= 500 ? "the server failed; try again later" : "the server refused the request",
      });
      if (res.status < 500) throw lastError;
    }
    throw lastError!;
  }
}

/**
 * Bytes `[offset, offset + length)` of a whole body (negative offset: from the end), as getRange gives them:
 * a copy, so a caller changing them in place cannot change the kept body.
 */
function slice(bytes: Uint8Array, offset: number, length?: number): Uint8Array {
  const start = offset < 0 ? Math.max(0, bytes.length + offset) : Math.min(offset, bytes.length);
  const end = length === undefined || offset < 0 ? bytes.length : Math.min(bytes.length, start + length);
  return bytes.slice(start, end);
}

/** Wraps a response so that reading its body still honours the timeout (a stalled body → TIMEOUT). */
function readBodyWithTimeout(res: Response, timeout: AbortSignal, shown: string, ms: number): Response {
  const original = res.arrayBuffer.bind(res);
  res.arrayBuffer = async () => {
    try {
      return await original();
    } catch (err) {
      if (timeout.aborted) {
        throw new EocubeError("TIMEOUT", `the body of ${shown} did not arrive within ${ms} ms`, { path: shown, cause: err });
      }
      throw new EocubeError("REMOTE_ERROR", `reading ${shown} failed: ${causeMessage(err)}`, { path: shown, cause: err });
    }
  };
  return res;
}

/**
 * A URL safe to print: user name, password and query string removed (`?…` marks a removed query).
 * Strings that are not URLs are returned unchanged.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const query = u.search ? "?…" : "";
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.href + query;
  } catch {
    return url;
  }
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(new EocubeError("CANCELLED", "The operation was aborted.", { cause: signal.reason }));
      },
      { once: true },
    );
  });
}
