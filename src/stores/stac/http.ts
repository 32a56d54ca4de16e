// JSON documents of a STAC catalog or API: GET/POST over HTTP(S) with timeout, retries with backoff and
// 429 Retry-After, or read from a local file (static catalogs on disk).
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";
import { redactUrl } from "../../fs/https.js";

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions extends ReadOptions {
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Retries after a 5xx answer, a 429, a network error or a timeout (default 3). */
  retries?: number;
  /** Wait before the first retry in milliseconds, doubled for each further one (default 500). */
  retryDelayMs?: number;
  /** Longest Retry-After (ms) waited for on a 429; a longer one fails at once (default 60 000). */
  maxRetryAfterMs?: number;
  /** POST this JSON body instead of a GET. */
  body?: unknown;
  /** Extra request headers (never printed). */
  headers?: Record<string, string>;
}

/** The wait a Retry-After header asks for, in ms (RFC 9110 §10.2.3: delay-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * A JSON document from `url`: `http(s)://` with a GET (or a POST of `options.body`), `file://` or a local path read
 * from disk. HTTP: each request has `timeoutMs`; 5xx answers, network errors and timeouts are retried `retries` times
 * with exponential backoff (`retryDelayMs`, 2×, 4×, …); a 429 waits for its Retry-After (or the backoff) and is retried
 * too. Errors name the URL (credentials and query removed):
 * @throws EocubeError NOT_FOUND (404/410, missing file), ACCESS_DENIED (401/403), REMOTE_ERROR (other 4xx, 5xx or
 *   429 after the retries), TIMEOUT (no answer within timeoutMs after the retries), CORRUPT_DATA (not JSON),
 *   CANCELLED.
 */
export async function fetchJson(url: string, options: FetchJsonOptions = {}): Promise<unknown> {
  if (!/^https?:\/\//i.test(url)) return readJsonFile(url);
  const shown = redactUrl(url);
  const text = await fetchWithRetries(url, options, (res) => res.text());
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EocubeError("CORRUPT_DATA", `${shown} did not answer JSON`, {
      path: shown,
      cause: err,
      hint: "check that the URL is a STAC API or catalog",
    });
  }
}

/**
 * Sends a GET (or a POST of `options.body`) to an `http(s)://` URL with the retry rules of {@link fetchJson} and
 * reads an OK answer's body with `read(res, touch)` inside the attempt, so a body that fails or stalls is retried
 * too. `timeoutMs` is an idle timeout: it restarts whenever `read` calls `touch()` (a download reporting progress);
 * a `read` that never touches has `timeoutMs` for headers and body together.
 * @throws EocubeError NOT_FOUND, ACCESS_DENIED, REMOTE_ERROR, TIMEOUT, CANCELLED as {@link fetchJson}; errors
 *   `read` throws as EocubeErrors pass unchanged (not retried).
 */
export async function fetchWithRetries<T>(
  url: string,
  options: FetchJsonOptions,
  read: (res: Response, touch: () => void) => Promise<T>,
): Promise<T> {
  const shown = redactUrl(url);
  const retries = options.retries ?? 3;
  const delay = options.retryDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let lastError: EocubeError | undefined;
  let wait = 0;
  for (let attempt = 0; attempt <= retries; attempt++) {
    throwIfAborted(options.signal);
    if (attempt > 0)
      await sleep(wait || delay * 2 ** (attempt - 1), undefined, { signal: options.signal }).catch(() => throwIfAborted(options.signal));
    wait = 0;
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), timeoutMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), timeoutMs);
    };
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    let res: Response;
    let errText = "";
    try {
      try {
        res = await fetch(url, {
          method: options.body === undefined ? "GET" : "POST",
          headers: {
            accept: "application/geo+json, application/json",
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal,
        });
        if (res.ok) return await read(res, touch);
        errText = await res.text().catch(() => "");
      } catch (err) {
        throwIfAborted(options.signal);
        if (err instanceof EocubeError && !idle.signal.aborted) throw err;
        lastError = idle.signal.aborted
          ? new EocubeError("TIMEOUT", `no answer from ${shown} within ${timeoutMs} ms`, {
              path: shown,
              cause: err,
              hint: "the server is slow or unreachable; raise store_params.timeout or try later",
            })
          : new EocubeError("REMOTE_ERROR", `cannot reach ${shown}: ${(err as Error)?.message ?? String(err)}`, {
              path: shown,
              cause: err,
              hint: "check the URL and the network",
            });
        continue;
      }
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 404 || res.status === 410) throw new EocubeError("NOT_FOUND", `HTTP ${res.status} from ${shown}`, { path: shown });
    if (res.status === 401 || res.status === 403) {
      throw new EocubeError("ACCESS_DENIED", `access denied (HTTP ${res.status}) to ${shown}`, {
        path: shown,
        hint: "the server needs credentials or refuses them",
      });
    }
    if (res.status === 429) {
      const after = retryAfterMs(res.headers.get("retry-after"));
      const max = options.maxRetryAfterMs ?? 60_000;
      lastError = new EocubeError(
        "REMOTE_ERROR",
        `rate limited (HTTP 429) by ${shown}${after !== undefined ? `, Retry-After ${after / 1000} s` : ""}`,
        {
          path: shown,
          hint: "the server limits the request rate; try again later or ask for fewer items per page",
        },
      );
      if (after !== undefined && after > max) throw lastError;
      wait = after ?? 0;
      continue;
    }
    lastError = new EocubeError("REMOTE_ERROR", `HTTP ${res.status} ${res.statusText} from ${shown}${detailOf(errText)}`, {
      path: shown,
      hint: res.status >= 500 ? "the server failed; try again later" : "the server refused the request",
    });
    if (res.status < 500) throw lastError;
  }
  throw lastError!;
}

/** A short reason from an error body (`{"description": …}` or `{"message": …}`), for the message. */
function detailOf(text: string): string {
  try {
    const j = JSON.parse(text) as { description?: unknown; message?: unknown };
    const d = j.description ?? j.message;
    return typeof d === "string" ? `: ${d.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

async function readJsonFile(pathOrUrl: string): Promise<unknown> {
  const path = /^file:\/\//i.test(pathOrUrl) ? fileURLToPath(pathOrUrl) : pathOrUrl;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EocubeError(code === "ENOENT" ? "NOT_FOUND" : "ACCESS_DENIED", `cannot read ${path}: ${code ?? String(err)}`, {
      path,
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EocubeError("CORRUPT_DATA", `${path} is not JSON`, { path, cause: err });
  }
}
