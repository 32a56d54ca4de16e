// Routes: server info (/), /health, /openapi.json, /maintenance/update (reload the config), and the /viewer static slot.
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { EocubeError } from "../../core/errors.js";
import { Link, MediaType } from "../../catalog/stac/link.js";
import type { ServerState } from "../app.js";
import { publicBaseUrl, urlPrefixOf } from "../prefix.js";
import { HEALTH_RESPONSE, SERVER_INFO_RESPONSE, UPDATE_RESPONSE, ERROR_RESPONSE } from "./responses.js";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/** The viewer's build folder: `viewer/dist` at the package root (same path from src/ and dist/). */
export function viewerDir(): string {
  return fileURLToPath(new URL("../../../viewer/dist/", import.meta.url));
}

const gzipAsync = promisify(gzip);
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt"]);

/** A file's bytes and, for text types, their gzip (level 9), keyed by path; refreshed when mtime/size change. */
interface CachedFile {
  mtimeMs: number;
  size: number;
  raw: Buffer;
  gz?: Buffer;
}
const viewerFiles = new Map<string, Promise<CachedFile>>();

/** The cached bytes of a viewer file (read and compressed once, off the event loop). */
async function cachedFile(file: string, st: { mtimeMs: number; size: number }): Promise<CachedFile> {
  const hit = viewerFiles.get(file);
  if (hit) {
    const c = await hit.catch(() => undefined);
    if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c;
  }
  const p = (async () => {
    const raw = await readFile(file);
    const gz = COMPRESSIBLE.has(extname(file)) && raw.length > 1024 ? await gzipAsync(raw, { level: 9 }) : undefined;
    return { mtimeMs: st.mtimeMs, size: st.size, raw, ...(gz ? { gz } : {}) };
  })();
  viewerFiles.set(file, p);
  p.catch(() => viewerFiles.delete(file));
  return p;
}

/**
 * Reads and gzips every file of the built viewer into memory (part of the server's warm-up), so the
 * first page load is served from memory. Does nothing when the viewer is not built; never rejects.
 */
export async function prepareViewerFiles(dir = viewerDir()): Promise<number> {
  let n = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        await cachedFile(p, await stat(p));
        n++;
      }
    }
  };
  await walk(dir).catch(() => undefined);
  return n;
}

/** Sends bytes with their precompressed gzip when the client accepts it (the compress plugin then leaves them). */
export function sendMaybeGzipped(request: FastifyRequest, reply: FastifyReply, raw: Buffer, gz: Buffer | undefined): FastifyReply {
  reply.header("Vary", "Accept-Encoding");
  const accepts = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
  if (gz && accepts) return reply.header("Content-Encoding", "gzip").send(gz);
  return reply.send(raw);
}

/** The APIs of GET / (xcube lists its APIs by name and description). */
const APIS = [
  { name: "meta", description: "Server information, OpenAPI, maintenance" },
  { name: "datasets", description: "Datasets, their variables, coordinates and place groups" },
  { name: "places", description: "Place groups" },
  { name: "tiles", description: "XYZ map tiles, legends and colour bars" },
  { name: "wmts", description: "OGC WMTS 1.0.0" },
  { name: "timeseries", description: "Time series at points and over areas" },
  { name: "statistics", description: "Values at points and statistics over areas" },
  { name: "ows.stac", description: "STAC API" },
  { name: "viewer", description: "Viewer files, states (permalinks) and configuration" },
];

/** Package versions of GET / (xcube: `versions`, package → version). */
function versionsOf(state: ServerState, app: FastifyInstance): Record<string, string> {
  return { eocube: state.version, node: process.versions.node, fastify: app.version, v8: process.versions.v8 };
}

/** Registers /, /health, /openapi.json, /maintenance/update and /viewer. */
export function metaRoutes(fastify: FastifyInstance, state: ServerState): void {
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (r) => {
    routes.push(r as RouteOptions);
  });

  app.get("/", { schema: { summary: "Server information", response: { 200: SERVER_INFO_RESPONSE } } }, async (request) => ({
    name: "eocube",
    version: state.version,
    description: "eocube serve: data cubes over HTTP (xcube-compatible routes)",
    title: state.config.ServerTitle ?? "eocube server",
    versions: versionsOf(state, fastify),
    apis: APIS,
    startTime: new Date(state.startTime).toISOString(),
    currentTime: new Date().toISOString(),
    updateTime: new Date(state.updateTime).toISOString(),
    pid: process.pid,
    links: [
      Link.serviceDesc(`${baseUrl(request)}/openapi.json`, { type: MediaType.OPENAPI }),
      Link.data(`${baseUrl(request)}/datasets`),
      new Link("stac", `${baseUrl(request)}/ogc`),
    ].map((l) => l.toJSON()),
  }));

  app.get("/health", { schema: { summary: "Liveness, cache and work figures", response: { 200: HEALTH_RESPONSE } } }, async () => ({
    status: "ok" as const,
    uptimeSeconds: Math.round(process.uptime()),
    chunkCache: state.ctx.chunkCache.stats,
    chunkCacheLimit: state.ctx.chunkCache.maxBytes,
    // bytes of values running requests hold (and the most held at once), against Limits.WorkMemory
    work: state.budget.stats,
    requests: state.inFlight.size,
    rssBytes: process.memoryUsage().rss,
  }));

  app.get("/openapi.json", { schema: { summary: "OpenAPI 3.0 description of this server" } }, async (request) => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of routes) {
      if (r.url.includes("*") || r.method === "HEAD" || (Array.isArray(r.method) && r.method.length > 2)) continue;
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods) {
        if (m === "HEAD" || m === "OPTIONS") continue;
        const schema = (r.schema ?? {}) as {
          summary?: string;
          params?: { properties?: Record<string, unknown> };
          querystring?: { properties?: Record<string, unknown>; required?: string[] };
          response?: Record<string, unknown>;
        };
        const ok = schema.response?.["200"];
        const parameters = [
          ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: "path", required: true, schema: s })),
          ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({
            name,
            in: "query",
            required: schema.querystring?.required?.includes(name) ?? false,
            schema: s,
          })),
        ];
        paths[path] ??= {};
        paths[path][m.toLowerCase()] = {
          summary: schema.summary ?? "",
          parameters,
          responses: {
            "200": { description: "OK", ...(ok ? { content: { "application/json": { schema: ok } } } : {}) },
            "4XX": { description: "Error", content: { "application/json": { schema: ERROR_RESPONSE } } },
          },
        };
      }
    }
    return { openapi: "3.0.3", info: { title: "eocube server", version: state.version }, servers: [{ url: baseUrl(request) }], paths };
  });

  app.get(
    "/maintenance/update",
    {
      schema: {
        summary: "Read the configuration again and serve it (datasets reopened, caches emptied), as xcube's server update",
        response: { 200: UPDATE_RESPONSE, "4xx": ERROR_RESPONSE },
      },
    },
    async (request) => {
      request.log.warn("forcing server update: reading the configuration again");
      await state.update();
      return { status: "OK" as const };
    },
  );

  const dir = viewerDir();
  const sendViewerFile = async (rel: string, request: FastifyRequest, reply: FastifyReply) => {
    // `rel` is decoded once by the router already (decoding it again made "%25zz" an internal error)
    const file = resolve(dir, rel);
    if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep))
      throw new EocubeError("UNSAFE_ID", "path outside the viewer folder", { field: "path" });
    if (!existsSync(dir))
      throw new EocubeError("NOT_FOUND", "the viewer is not built", { hint: "build it with npm run build (viewer/dist)" });
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new EocubeError("NOT_FOUND", `no viewer file ${rel.slice(0, 200)}`);
    const c = await cachedFile(file, st);
    reply.type(MIME[extname(file)] ?? "application/octet-stream").header("Cache-Control", "public, max-age=300");
    return sendMaybeGzipped(request, reply, c.raw, c.gz);
  };
  // "/viewer" redirects to "/viewer/" (relative asset URLs); with ignoreTrailingSlash both reach this route
  app.get("/viewer", { schema: { summary: "The browser viewer" } }, async (request, reply) =>
    request.url.split("?")[0]!.endsWith("/")
      ? sendViewerFile("index.html", request, reply)
      : reply.redirect(`${urlPrefixOf(state.config)}/viewer/`),
  );
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .get(
      "/viewer/*",
      { schema: { summary: "Viewer files", params: { type: "object", properties: { "*": { type: "string" } } } as const } },
      async (request, reply) => sendViewerFile(request.params["*"] || "index.html", request, reply),
    );
}

/**
 * The server's base URL as the client addressed it (protocol + host), with the config's reverse URL prefix
 * (`reverse_url_prefix`, else `url_prefix`; see prefix.ts).
 */
export function baseUrl(request: { protocol: string; host: string; reverseUrlPrefix?: string }): string {
  return publicBaseUrl(request);
}
