// The viewer's client of eocube's public server routes: JSON with time limits and readable errors.

/** A failed request, with a sentence a person can read (`message`) and the server's code/hint. */
export class ApiError extends Error {
  /** Server error code (NOT_FOUND, INVALID_PARAMS …), "NETWORK" or "TIMEOUT". */
  readonly code: string;
  /** HTTP status (0 when no answer came). */
  readonly status: number;
  readonly hint?: string;
  constructor(message: string, code: string, status: number, hint?: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    if (hint !== undefined) this.hint = hint;
  }
}

// The answers' types come from the server's declared response schemas (src/server/routes/responses.ts: one
// declaration gives the route's schema and both sides' types).
import type { DatasetInfo as ServerDatasetInfo } from "../../src/server/routes/responses.js";

export type { ColorBars, DimensionInfo, TimeSeriesEntry, VariableInfo } from "../../src/server/routes/responses.js";

/**
 * A dataset as /datasets/{id} describes it; the viewer shows datasets that have a bbox (every gridded one, and
 * ungridded ones with latitude/longitude), `[west, south, east, north]` in CRS84.
 */
export type DatasetInfo = ServerDatasetInfo & { bbox: [number, number, number, number] };

/** Connection settings: server base URL (ends with "/") and the time limit of one request in ms. */
export interface Api {
  base: string;
  timeoutMs: number;
}

/** Joins a route path to the base URL. */
export function url(api: Api, path: string): string {
  return new URL(path.replace(/^\//, ""), api.base).toString();
}

/**
 * Fetches JSON from a route. Network failures, time-outs and error answers become an {@link ApiError}
 * whose message says what happened and names the route.
 */
export async function getJson<T>(api: Api, path: string, init: RequestInit & { signal?: AbortSignal } = {}): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new DOMException("timeout", "TimeoutError")), api.timeoutMs);
  const onAbort = () => ac.abort(init.signal?.reason);
  init.signal?.addEventListener("abort", onAbort, { once: true });
  const route = path.split("?")[0];
  let res: Response;
  try {
    res = await fetch(url(api, path), { ...init, signal: ac.signal });
    if (!res.ok) throw await errorOf(res, route!);
    return (await res.json()) as T;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (init.signal?.aborted) throw err;
    if (ac.signal.aborted) {
      throw new ApiError(
        `The server did not answer within ${(api.timeoutMs / 1000).toFixed(1)} s (${route}).`,
        "TIMEOUT",
        0,
        "it may be busy: try again, or check that eocube serve is running",
      );
    }
    throw new ApiError(
      `Cannot reach the eocube server at ${api.base} (${route}).`,
      "NETWORK",
      0,
      "check that eocube serve is running and the address is right",
    );
  } finally {
    clearTimeout(timer);
    init.signal?.removeEventListener("abort", onAbort);
  }
}

/** POSTs a JSON body and reads the JSON answer (see {@link getJson}). */
export function postJson<T>(api: Api, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return getJson<T>(api, path, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...(signal ? { signal } : {}),
  });
}

/** The ApiError of an error answer ({code, message, hint} from eocube, else the status text). */
export async function errorOf(res: Response, route: string): Promise<ApiError> {
  let body: { code?: string; message?: string; hint?: string } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const msg = body?.message
    ? `${body.message} (${route}, HTTP ${res.status})`
    : `The server answered HTTP ${res.status} ${res.statusText} for ${route}.`;
  return new ApiError(msg, body?.code ?? "HTTP", res.status, body?.hint);
}

/** A short readable sentence for any error. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.hint ? `${err.message} Hint: ${err.hint}.` : err.message;
  return err instanceof Error ? err.message : String(err);
}
