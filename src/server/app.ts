// The server's factories: buildApp(config, deps) returns the fastify app without listening (inject() in
// tests); startServer listens, logs with request ids, and shuts down gracefully on SIGINT/SIGTERM.
import { randomUUID } from "node:crypto";
import compress from "@fastify/compress";
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from "fastify";
import { bboxToWgs84, readGridMapping } from "../core/gridmapping-read.js";
import { EocubeError } from "../core/errors.js";
import { newDataStore } from "../stores/registry.js";
import { openDataset } from "../stores/open.js";
import { LruCache } from "./cache.js";
import { checkDatasetPaths, chunkCacheBytes, loadServerConfig, tileCacheBytes, validateServerConfig, type ServerConfig } from "./config.js";
import { configWarnings, referenceWarnings } from "./config-compat.js";
import { installServerKeys, prefixRewriter } from "./prefix.js";
import { DatasetsContext, type ServerDeps } from "./datasets.js";
import { describeDataset } from "./describe.js";
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers, shutdownError } from "./errors.js";
import { resolveLimits, type Limits } from "./limits.js";
import { datasetsRoutes } from "./routes/datasets.js";
import { metaRoutes, prepareViewerFiles } from "./routes/meta.js";
import { placesRoutes } from "./routes/places.js";
import { PlacesContext } from "./places.js";
import { geotiffRoutes } from "./routes/geotiff.js";
import { s3Routes } from "./routes/s3.js";
import { coveragesRoutes } from "./routes/coverages.js";
import { stacRoutes } from "./routes/stac.js";
import { statisticsRoutes } from "./routes/statistics.js";
import { colorBarsBody, tilesRoutes } from "./routes/tiles.js";
import { timeseriesRoutes } from "./routes/timeseries.js";
import { viewerRoutes } from "./routes/viewer.js";
import { wmtsRoutes } from "./routes/wmts.js";
import { expressionsRoutes } from "./routes/expressions.js";
import { viewerStateStoreOf, type ViewerStateStore } from "./viewer-state.js";
import { requestController, WorkBudget } from "./work.js";

/** State shared by the route plugins of one app. */
export interface ServerState {
  config: ServerConfig;
  ctx: DatasetsContext;
  version: string;
  /** Start time (ms), part of tile ETags so that a restart with new data invalidates them. */
  startedAt: number;
  /** Encoded PNG tiles by ETag (bounded in bytes). */
  tileCache: LruCache<Buffer>;
  /** True once close() began: responses then ask clients to drop the connection. */
  closing?: boolean;
  /** The background warm-up (see {@link BuildAppOptions.warmUp}), settled when it is done; never rejects. */
  warmUp?: Promise<void>;
  /** The per-request limits and connection timeouts (config `Limits`, resolved). */
  limits: Limits;
  /** Bytes of values that running requests hold together (`Limits.WorkMemory`). */
  budget: WorkBudget;
  /** The controllers of the requests running now: aborted when a shutdown's grace time is over. */
  inFlight: Set<AbortController>;
  /** The dataset opener and grid-mapping reader (a configuration update builds a new context with them). */
  deps: ServerDeps;
  /** When the server started and when its configuration was last (re)loaded (epoch ms; GET / gives them as ISO). */
  startTime: number;
  updateTime: number;
  /** The place groups of the configuration (`PlaceGroups`, datasets' `PlaceGroups`), features loaded on first use. */
  places: PlacesContext;
  /** The viewer states of PUT /viewer/state (`Viewer.Persistence`; memory by default). */
  viewerStates: ViewerStateStore;
  /**
   * Reads the configuration again and serves it from now on (GET /maintenance/update, as xcube's server update):
   * new datasets context (datasets reopened, caches emptied), place groups and viewer settings; `Limits`, cache
   * bounds of tiles, `Address` and `Port` stay as started.
   * @throws EocubeError INVALID_CONFIG (the running configuration is kept).
   */
  update(): Promise<void>;
}

/** The state of each app built by {@link buildApp} (for its shutdown). */
const states = new WeakMap<FastifyInstance, ServerState>();

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** fastify logger option: false (default for buildApp), true, or pino options. */
  logger?: FastifyServerOptions["logger"];
  /** Handler time limit in ms [default config.RequestTimeout or 30000]; exceeded → 504 TIMEOUT. */
  requestTimeout?: number;
  /**
   * Warm-up [default true]: once the app is ready (listen/inject), open every listed dataset in the
   * background, in parallel (metadata and the coordinates /datasets reports, no data values), and read
   * and gzip /colorbars and the viewer's files, so first requests do not pay for opening, codec start-up
   * or compression. Requests never wait for it; failures are logged and the dataset is opened again on
   * its first request.
   */
  warmUp?: boolean;
  /**
   * Reads the configuration for GET /maintenance/update [default: the `ConfigFile` read again (loadServerConfig)
   * when the config came from a file, else the configuration given].
   */
  reloadConfig?: () => Promise<ServerConfig>;
  /**
   * Check the config's variable names against the data before returning [default false; startServer:
   * true]: `Variables` entries and style `ColorMappings` keys that name no variable are logged as warnings
   * (see `DatasetsContext.checkVariables`; opens the datasets concerned).
   */
  checkVariables?: boolean;
}

/** eocube's default dependencies: the data-store framework, CF decoding and grid mapping of core. */
export const DEFAULT_DEPS: ServerDeps = {
  openDataset: (entry, options) =>
    openDataset(entry.path, { ...(entry.storeId ? { storeId: entry.storeId, storeParams: entry.storeParams ?? {} } : {}), ...options }),
  readGridMapping: (ds, options) => readGridMapping(ds, options),
  bboxToWgs84: (gm) => bboxToWgs84(gm),
  listDataIds: (storeId, storeParams, options) => newDataStore(storeId, storeParams).listDataIds(options),
};

declare module "fastify" {
  interface FastifyRequest {
    /** Aborted when the client goes away or the request timeout passes; passed to every read. */
    opSignal: AbortSignal;
  }
  interface FastifySchema {
    /** One-line summary for /openapi.json. */
    summary?: string;
  }
}

/**
 * Builds the server app (no listen): CORS, gzip for JSON, JSON errors `{code, message, hint}`, and one
 * plugin per route family (meta, datasets, tiles, WMTS, time series, statistics, STAC, viewer).
 * @param deps dataset opener and grid-mapping reader [default {@link DEFAULT_DEPS}].
 * @throws EocubeError INVALID_CONFIG when the configuration does not pass the schema.
 */
export async function buildApp(
  config: ServerConfig,
  deps: Partial<ServerDeps> = {},
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const valid = validateServerConfig(config);
  const allDeps = { ...DEFAULT_DEPS, ...deps };
  const ctx = new DatasetsContext(valid, allDeps, { chunkCacheBytes: chunkCacheBytes(valid) });
  const warnings: string[] = [];
  const state: ServerState = {
    config: valid,
    ctx,
    version: process.env.npm_package_version ?? "0.1.0",
    startedAt: Date.now(),
    tileCache: new LruCache<Buffer>({ maxBytes: tileCacheBytes(valid) }),
    limits: resolveLimits(valid.Limits),
    budget: new WorkBudget(resolveLimits(valid.Limits).workMemoryBytes),
    inFlight: new Set(),
    deps: allDeps,
    startTime: Date.now(),
    updateTime: Date.now(),
    places: new PlacesContext(valid),
    viewerStates: viewerStateStoreOf(valid, (m) => warnings.push(m)),
    update: async () => {},
  };
  // contexts replaced by an update: closed once the requests that may still use them are over
  const retired = new Set<DatasetsContext>();
  const reload = options.reloadConfig ?? (async () => (valid.ConfigFile ? loadServerConfig(valid.ConfigFile) : valid));
  state.update = async () => {
    const next = validateServerConfig(await reload(), state.config.ConfigFile ?? "server config");
    const old = state.ctx;
    state.config = next;
    state.ctx = new DatasetsContext(next, state.deps, { chunkCacheBytes: chunkCacheBytes(next) });
    state.places = new PlacesContext(next);
    const path = (c: ServerConfig) => JSON.stringify((c.Viewer as { Persistence?: unknown } | undefined)?.Persistence ?? null);
    if (path(next) !== path(old.config)) state.viewerStates = viewerStateStoreOf(next, (m) => app.log.warn(m));
    state.tileCache.clear();
    state.startedAt = state.updateTime = Date.now();
    if (options.warmUp !== false) void state.ctx.warmUp();
    retired.add(old);
    setTimeout(() => {
      retired.delete(old);
      void old.close();
    }, timeoutMs + 1000).unref();
  };
  const { limits } = state;
  // xcube keys eocube does not honour, references naming nothing, styles' files: one warning each (config-compat.ts)
  warnings.push(...[...configWarnings(valid), ...referenceWarnings(valid), ...ctx.warnings].map((p) => p.message));
  if (options.checkVariables) warnings.push(...(await ctx.checkVariables()).map((p) => p.message));
  const timeoutMs = options.requestTimeout ?? valid.RequestTimeout ?? 30_000;
  const receiveTimeout = limits.receiveTimeout;
  const headersTimeout = Math.min(limits.headersTimeout, receiveTimeout);
  const rewriteUrl = prefixRewriter(valid); // url_prefix: routes served under it (prefix.ts)
  const app = Fastify({
    logger: options.logger ?? false,
    ...(rewriteUrl ? { rewriteUrl } : {}),
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(h) ? h : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // path segments as long as the request line allows (Node: 16 KiB of request line + headers, else 431), as xcube
    // (Tornado: no per-segment limit) — a user variable name=expr is one segment
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16_384 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // slow clients: headers within HeadersTimeout, the whole request within ReceiveTimeout (then 408 and
    // closed; checked 4× per timeout), idle keep-alive connections closed after KeepAliveTimeout, and a
    // socket silent for longer than a request may take is closed too
    http: {
      headersTimeout,
      requestTimeout: receiveTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
    },
    requestTimeout: receiveTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    connectionTimeout: Math.max(timeoutMs, receiveTimeout) + 30_000,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // requests arriving during a shutdown get the JSON error body (onRequest below), not fastify's own
    return503OnClosing: false,
  });
  states.set(app, state);
  app.server.maxConnections = limits.maxConnections;
  app.decorateRequest("opSignal", null as unknown as AbortSignal);
  app.addHook("onRequest", async (request, reply) => {
    const ac = requestController();
    const timer = setTimeout(
      () =>
        ac.abort(
          new EocubeError("TIMEOUT", `the request took longer than ${timeoutMs} ms (RequestTimeout)`, {
            hint: "ask for less (a shorter time range, fewer or smaller geometries) or retry later",
          }),
        ),
      timeoutMs,
    );
    timer.unref();
    state.inFlight.add(ac);
    const done = () => {
      clearTimeout(timer);
      state.inFlight.delete(ac);
    };
    // the response's close, not the request's: on Node 20 the request emits "close" as soon as its body
    // has been read, which would cancel the timer of every POST before its handler ran
    reply.raw.once("finish", done);
    reply.raw.once("close", () => {
      done();
      if (!reply.raw.writableFinished) ac.abort(new EocubeError("CANCELLED", "the client closed the connection"));
    });
    request.opSignal = ac.signal;
    reply.header("X-Request-Id", request.id);
    if (state.closing) throw shutdownError();
  });
  // a body being parsed holds memory too (raw bytes, text, objects ≈ 5× its size): reserve it from the
  // work budget before reading it, give it back once the handler runs
  app.addHook("preParsing", async (request, _reply, payload) => {
    const length = request.headers["content-length"];
    const chunked = request.headers["transfer-encoding"] !== undefined;
    const declared = Number(length);
    const bytes =
      length !== undefined && Number.isFinite(declared) && declared >= 0
        ? declared
        : chunked
          ? (request.routeOptions.bodyLimit ?? 1024 * 1024)
          : 0;
    if (bytes > 0) (request as { releaseBody?: () => void }).releaseBody = await state.budget.acquire(bytes * 5, request.opSignal);
    return payload;
  });
  const releaseBody = async (request: FastifyRequest) => {
    (request as { releaseBody?: () => void }).releaseBody?.();
  };
  app.addHook("preHandler", releaseBody);
  app.addHook("onResponse", releaseBody);
  app.addHook("onRequestAbort", releaseBody);
  app.addHook("onSend", async (_request, reply) => {
    if (state.closing) reply.header("Connection", "close");
  });
  app.addHook("preClose", async () => {
    state.closing = true;
  });
  installErrorHandlers(app);
  installServerKeys(app, () => state.config); // url_prefix, reverse_url_prefix, allowed_hosts
  // bodies are JSON whatever their content type, as xcube reads them (xcube-viewer posts GeoJSON as
  // text/plain;charset=UTF-8); the routes' body limits apply as before
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, app.getDefaultJsonParser("error", "error"));
  // declared response schemas type and document the answers; they are sent as JSON.stringify gives them (no
  // field dropped or coerced by a compiled serializer)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const w of warnings) app.log.warn(w);
  await app.register(cors, { origin: "*", exposedHeaders: ["ETag", "X-Request-Id"] });
  await app.register(compress, { global: true, threshold: 1024, encodings: ["gzip", "deflate"] });
  metaRoutes(app, state);
  datasetsRoutes(app, state);
  tilesRoutes(app, state);
  wmtsRoutes(app, state);
  timeseriesRoutes(app, state);
  statisticsRoutes(app, state);
  expressionsRoutes(app, state);
  stacRoutes(app, state);
  geotiffRoutes(app, state);
  s3Routes(app, state);
  coveragesRoutes(app, state);
  placesRoutes(app, state);
  viewerRoutes(app, state);
  if (options.warmUp !== false) {
    app.addHook("onReady", async () => {
      state.warmUp = (async () => {
        const t0 = performance.now();
        const results = await ctx.warmUp();
        for (const r of results) {
          if (!r.ok) app.log.warn({ dataset: r.id, err: r.error }, "warm-up: dataset not opened (it is retried on its first request)");
        }
        // the coordinate labels /datasets/{id} reports (cached by the context)
        await Promise.all(
          results.filter((r) => r.ok).map(async (r) => describeDataset(ctx, await ctx.open(r.id), true).catch(() => undefined)),
        );
        await new Promise((r) => setImmediate(r));
        if (!state.closing) await colorBarsBody();
        if (!state.closing) await prepareViewerFiles();
        app.log.info({ datasets: results.filter((r) => r.ok).length, ms: Math.round(performance.now() - t0) }, "warm-up done");
      })().catch((err: unknown) => app.log.warn({ err }, "warm-up failed"));
    });
  }
  app.addHook("onClose", async () => {
    await Promise.all([state.ctx, ...retired].map((c) => c.close()));
    await state.warmUp;
  });
  return app;
}

/** Options of {@link startServer}. */
export interface StartServerOptions extends BuildAppOptions {
  /** Port [default config.Port or 8080]; 0 picks a free one. */
  port?: number;
  /** Address [default config.Address or 127.0.0.1]. */
  address?: string;
  /** Install SIGINT/SIGTERM handlers that close the server gracefully [default true]. */
  handleSignals?: boolean;
  deps?: Partial<ServerDeps>;
}

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  /** `http://address:port`. */
  url: string;
  /**
   * Stops accepting connections, gives running requests `Limits.ShutdownGrace` to finish, then aborts
   * them (503) and closes their connections, and closes the datasets.
   */
  close(): Promise<void>;
}

/**
 * Builds the app and listens. Logs are JSON lines (pino) with a request id per request (taken from
 * `X-Request-Id` when sane).
 * @throws EocubeError INVALID_CONFIG (also for a local `Datasets[].Path` that does not exist, unless
 *   `deps.openDataset` is injected, and for variable names that name no variable: `checkVariables`
 *   [default true here]); listen errors (EADDRINUSE) as INVALID_ARGUMENT.
 */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  // local dataset paths must exist (loadServerConfig checks them too, naming the config file)
  if (!options.deps?.openDataset) checkDatasetPaths(validateServerConfig(config), "server config");
  const app = await buildApp(config, options.deps, {
    logger: options.logger ?? { level: "info" },
    ...(options.requestTimeout ? { requestTimeout: options.requestTimeout } : {}),
    ...(options.warmUp !== undefined ? { warmUp: options.warmUp } : {}),
    ...(options.reloadConfig ? { reloadConfig: options.reloadConfig } : {}),
    checkVariables: options.checkVariables ?? true,
  });
  const port = options.port ?? config.Port ?? config.port ?? 8080;
  const host = options.address ?? config.Address ?? config.address ?? "127.0.0.1";
  let url: string;
  try {
    url = await app.listen({ port, host });
  } catch (err) {
    await app.close();
    throw new EocubeError("INVALID_ARGUMENT", `cannot listen on ${host}:${port}: ${(err as Error).message}`, {
      field: "port",
      cause: err,
      hint: "choose another --port or --address",
    });
  }
  let closing: Promise<void> | undefined;
  const state = states.get(app)!;
  // a shutdown: stop accepting; new requests get 503; running ones get Limits.ShutdownGrace to finish
  // (their responses say Connection: close), then their work is aborted (503); keep-alive connections
  // are dropped as soon as they turn idle, and any left after another second are closed
  const close = () =>
    (closing ??= (async () => {
      state.closing = true;
      app.server.closeIdleConnections();
      const timer = setInterval(() => app.server.closeIdleConnections(), 50);
      const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
      try {
        const closed = app.close();
        const settled = closed.then(
          () => true,
          () => true,
        );
        if (!(await Promise.race([settled, sleep(state.limits.shutdownGrace).then(() => false)]))) {
          for (const ac of state.inFlight) ac.abort(shutdownError());
          if (!(await Promise.race([settled, sleep(1000).then(() => false)]))) app.server.closeAllConnections();
        }
        await closed;
      } finally {
        clearInterval(timer);
      }
    })());
  if (options.handleSignals !== false) {
    const onSignal = (sig: NodeJS.Signals) => {
      app.log.info({ signal: sig }, "shutting down");
      void close().then(() => process.exit(0));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  return { app, url, close };
}
