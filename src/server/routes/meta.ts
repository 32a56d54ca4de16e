// Routes: server info (/), /health, /openapi.json, and the /viewer static slot.
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, RouteOptions } from "fastify";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".png": "image/png", ".svg": "image/svg+xml",
  ".ico": "image/x-icon", ".map": "application/json", ".wasm": "application/wasm", ".txt": "text/plain; charset=utf-8",
};

/** The viewer's build folder: `viewer/dist` at the package root (same path from src/ and dist/). */
export function viewerDir(): string {
  return fileURLToPath(new URL("../../../viewer/dist/", import.meta.url));
}

/** Registers /, /health, /openapi.json and /viewer. */
export function metaRoutes(app: FastifyInstance, state: ServerState): void {
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (r) => {
    routes.push(r as RouteOptions);
  });

  app.get("/", { schema: { summary: "Server information" } }, async (request) => ({
    name: "eocube",
    version: state.version,
    description: "eocube serve: data cubes over HTTP (xcube-compatible routes)",
    title: state.config.ServerTitle ?? "eocube server",
    apis: ["datasets", "tiles", "wmts", "timeseries", "statistics", "ogc/stac", "viewer"],
    links: [
      { rel: "service-desc", href: `${baseUrl(request)}/openapi.json`, type: "application/vnd.oai.openapi+json;version=3.0" },
      { rel: "data", href: `${baseUrl(request)}/datasets` },
      { rel: "stac", href: `${baseUrl(request)}/ogc` },
    ],
  }));

  app.get("/health", { schema: { summary: "Liveness and cache figures" } }, async () => ({
    status: "ok",
    uptimeSeconds: Math.round(process.uptime()),
    chunkCache: state.ctx.chunkCache.stats,
    chunkCacheLimit: state.ctx.chunkCache.maxBytes,
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
        const schema = (r.schema ?? {}) as { summary?: string; params?: { properties?: Record<string, unknown> }; querystring?: { properties?: Record<string, unknown>; required?: string[] } };
        const parameters = [
          ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: "path", required: true, schema: s })),
          ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({ name, in: "query", required: schema.querystring?.required?.includes(name) ?? false, schema: s })),
        ];
        (paths[path] ??= {})[m.toLowerCase()] = { summary: schema.summary ?? "", parameters, responses: { "200": { description: "OK" }, "4XX": { description: "Error {code, message, hint}" } } };
      }
    }
    return { openapi: "3.0.3", info: { title: "eocube server", version: state.version }, servers: [{ url: baseUrl(request) }], paths };
  });

  // xcube-viewer asks for place groups at start-up; eocube has none (an empty list, as xcube without PlaceGroups)
  app.get("/places", { schema: { summary: "Place groups (none configured)" } }, async () => ({ placeGroups: [] }));

  const dir = viewerDir();
  const sendViewerFile = async (rel: string, reply: FastifyReply) => {
    const file = resolve(dir, decodeURIComponent(rel));
    if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) throw new EocubeError("UNSAFE_ID", "path outside the viewer folder", { field: "path" });
    if (!existsSync(dir)) throw new EocubeError("NOT_FOUND", "the viewer is not built", { hint: "build it with npm run build (viewer/dist)" });
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new EocubeError("NOT_FOUND", `no viewer file ${rel.slice(0, 200)}`);
    return reply.type(MIME[extname(file)] ?? "application/octet-stream").header("Cache-Control", "public, max-age=300").send(await readFile(file));
  };
  // "/viewer" redirects to "/viewer/" (relative asset URLs); with ignoreTrailingSlash both reach this route
  app.get("/viewer", { schema: { summary: "The browser viewer" } }, async (request, reply) =>
    request.url.split("?")[0]!.endsWith("/") ? sendViewerFile("index.html", reply) : reply.redirect("/viewer/"),
  );
  app.get("/viewer/*", { schema: { summary: "Viewer files" } }, async (request, reply) =>
    sendViewerFile((request.params as { "*": string })["*"] || "index.html", reply),
  );
}

/** The server's base URL as the client addressed it (protocol + host). */
export function baseUrl(request: { protocol: string; host: string }): string {
  return `${request.protocol}://${request.host}`;
}
