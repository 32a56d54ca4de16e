// The server's per-request limits and connection timeouts (config key `Limits`): defaults, resolution
// from the config, and the TOO_LARGE errors that name the limit a request exceeds.
import type { ConfigType } from "../core/config/index.js";
import { EocubeError } from "../core/errors.js";
import { parseByteSize } from "../core/bytes.js";

/** {@link LimitsConfig} resolved: every value present, sizes in bytes. */
export interface Limits {
  maxFeatures: number;
  maxVertices: number;
  maxPixelSteps: number;
  maxBodyBytes: number;
  workMemoryBytes: number;
  maxConnections: number;
  headersTimeout: number;
  receiveTimeout: number;
  keepAliveTimeout: number;
  shutdownGrace: number;
}

/** The defaults of {@link LimitsConfig}. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFeatures: 1000,
  maxVertices: 100_000,
  maxPixelSteps: 50_000_000,
  maxBodyBytes: 16 * 1024 ** 2,
  workMemoryBytes: 256 * 1024 ** 2,
  maxConnections: 1000,
  headersTimeout: 10_000,
  receiveTimeout: 30_000,
  keepAliveTimeout: 5_000,
  shutdownGrace: 2_000,
});

/**
 * Memory beyond the configured caches and `WorkMemory` that a serving process needs (Node and V8,
 * codecs, connection buffers, responses being sent): the documented margin of the RSS bound.
 */
export const RSS_MARGIN_BYTES = 512 * 1024 ** 2;

/**
 * The JSON Schema of {@link LimitsConfig}, the `Limits` block of the server config (part of its schema).
 * Every key is optional (see {@link DEFAULT_LIMITS}); byte sizes are numbers of bytes or strings like "16M"
 * (powers of 1024); times are milliseconds.
 */
export const LIMITS_SCHEMA = {
  type: "object",
  properties: {
    MaxFeatures: {
      type: "integer",
      minimum: 1,
      description: "geometries (features, points of a MultiPoint) in one time-series or statistics request [default 1000]",
    },
    MaxVertices: { type: "integer", minimum: 1, description: "vertices in one request, all geometries together [default 100000]" },
    MaxPixelSteps: {
      type: "integer",
      minimum: 1,
      description:
        "work of one request, in pixel reads: for each geometry the pixels of its window (a point: 1) × the time steps asked for, plus the polygon-edge × pixel-row crossings its mask needs [default 50000000]",
    },
    MaxBodySize: {
      type: ["string", "number"],
      description: 'largest geometry body (POST /timeseries, /statistics), bytes or "16M" [default "16M"]',
    },
    WorkMemory: {
      type: ["string", "number"],
      description:
        'bytes of values (windows, masks, bodies being parsed) that running requests hold together [default "256M"]; a request that would exceed it waits for others to finish (within RequestTimeout)',
    },
    MaxConnections: {
      type: "integer",
      minimum: 1,
      description: "open client connections at most [default 1000]; further connections are closed at once",
    },
    HeadersTimeout: { type: "integer", minimum: 1, description: "time to receive a request's headers, ms [default 10000]" },
    ReceiveTimeout: {
      type: "integer",
      minimum: 1,
      description: "time to receive a whole request (headers and body), ms [default 30000]; slower clients get 408 and are closed",
    },
    KeepAliveTimeout: { type: "integer", minimum: 1, description: "time an idle keep-alive connection stays open, ms [default 5000]" },
    ShutdownGrace: {
      type: "integer",
      minimum: 0,
      description: "on SIGTERM/SIGINT, time running requests get to finish before they are aborted, ms [default 2000]",
    },
  },
  additionalProperties: false,
} as const;

/** The `Limits` block of the server config; see {@link LIMITS_SCHEMA} for each key's meaning, unit and default. */
export type LimitsConfig = ConfigType<typeof LIMITS_SCHEMA>;

/** Problems of the byte sizes of a `Limits` block (the schema checks the rest), as `{field, message}`. */
export function limitsProblems(config: LimitsConfig | undefined): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const key of ["MaxBodySize", "WorkMemory"] as const) {
    const v = config?.[key];
    if (v !== undefined && !(parseByteSize(v)! > 0))
      out.push({ field: `Limits.${key}`, message: `Limits.${key} ${JSON.stringify(v)} is not a size like "16M" or "1G"` });
  }
  return out;
}

/** Resolves a (validated) `Limits` block against {@link DEFAULT_LIMITS}. */
export function resolveLimits(config: LimitsConfig | undefined): Limits {
  const c = config ?? {};
  const d = DEFAULT_LIMITS;
  return {
    maxFeatures: c.MaxFeatures ?? d.maxFeatures,
    maxVertices: c.MaxVertices ?? d.maxVertices,
    maxPixelSteps: c.MaxPixelSteps ?? d.maxPixelSteps,
    maxBodyBytes: c.MaxBodySize === undefined ? d.maxBodyBytes : parseByteSize(c.MaxBodySize)!,
    workMemoryBytes: c.WorkMemory === undefined ? d.workMemoryBytes : parseByteSize(c.WorkMemory)!,
    maxConnections: c.MaxConnections ?? d.maxConnections,
    headersTimeout: c.HeadersTimeout ?? d.headersTimeout,
    receiveTimeout: c.ReceiveTimeout ?? d.receiveTimeout,
    keepAliveTimeout: c.KeepAliveTimeout ?? d.keepAliveTimeout,
    shutdownGrace: c.ShutdownGrace ?? d.shutdownGrace,
  };
}

/**
 * The error of a request over one of its limits: 413 TOO_LARGE naming the amount, the limit and the
 * config key (`Limits.<key>`), with what to do.
 */
export function limitError(
  key: "MaxFeatures" | "MaxVertices" | "MaxPixelSteps" | "MaxBodySize",
  message: string,
  hint: string,
): EocubeError {
  return new EocubeError("TOO_LARGE", message, {
    field: `Limits.${key}`,
    hint: `${hint}; the server's operator can raise Limits.${key} in the server config`,
  });
}

/** What a request will read and compute, planned before any read (see `planTimeSeries`). */
export interface RequestWork {
  /** Pixels under the geometries (their windows; a point: 1) × time steps. */
  pixelSteps: number;
  /** Edge × pixel-row crossings of the polygon masks. */
  crossings: number;
  geometries: number;
  steps: number;
}

/**
 * Refuses a request whose planned work exceeds `Limits.MaxPixelSteps`, before anything is read.
 * @throws EocubeError TOO_LARGE (field `Limits.MaxPixelSteps`) naming the work, its parts and the limit.
 */
export function checkWork(limits: Limits, work: RequestWork): void {
  const total = work.pixelSteps + work.crossings;
  if (total <= limits.maxPixelSteps) return;
  const n = (x: number) => x.toLocaleString("en-US");
  const parts = `${n(work.pixelSteps)} pixels × time steps under ${work.geometries} geometr${work.geometries === 1 ? "y" : "ies"} over ${work.steps} step${work.steps === 1 ? "" : "s"}${work.crossings > 0 ? ` + ${n(work.crossings)} polygon edge × pixel row crossings` : ""}`;
  throw limitError(
    "MaxPixelSteps",
    `the request needs ${n(total)} pixel reads (${parts}), more than the limit of ${n(limits.maxPixelSteps)} per request`,
    "ask for a shorter time range (startDate/endDate), fewer or smaller geometries, or simpler polygons",
  );
}
