// Routes for xcube-viewer as xcube serves it: GET/PUT /viewer/state (permalinks), /viewer/config/* (the configured
// `Viewer.Configuration` folder) and /viewer/ext/* (no viewer extensions: an empty set of contributions, the rest 404).
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply } from "fastify";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";
import { STATE_KEY } from "../viewer-state.js";
import { ERROR_RESPONSE, VIEWER_STATE_KEY_RESPONSE, VIEWER_STATE_KEYS_RESPONSE } from "./responses.js";

/**
 * The key xcube-viewer asks for at start to learn whether states can be stored (its `hasViewerStateApi`: any status
 * but 501 means yes). Unstored, it answers 204 instead of 404, so that the probe is not a failed request in the
 * browser's console; any other unknown key is 404 as in xcube.
 */
export const STATE_PROBE_KEY = "sentinel";

/** Largest file /viewer/config/* sends. */
const MAX_CONFIG_FILE_BYTES = 16 * 1024 ** 2;

/** xcube's content type of a viewer configuration item by extension (none for others). */
export function configItemType(path: string): string | undefined {
  const ext = path.split("/").pop()!.split(".").pop()!.toLowerCase();
  if (ext === "json" || ext === "xml") return `application/${ext}; charset=UTF-8`;
  if (["csv", "html", "css", "js"].includes(ext)) return `text/${ext}; charset=UTF-8`;
  if (ext === "geojson") return "application/geo+json; charset=UTF-8";
  if (ext === "gif" || ext === "png") return `image/${ext}`;
  if (ext === "jpeg" || ext === "jpg") return "image/jpeg";
  if (ext === "svg") return "image/svg+xml";
  return undefined;
}

/** Registers /viewer/state, /viewer/config/* and /viewer/ext/*. */
export function viewerRoutes(fastify: FastifyInstance, state: ServerState): void {
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  if ((state.config.Viewer as { Augmentation?: unknown } | undefined)?.Augmentation)
    app.log.warn("Viewer.Augmentation: xcube's Python viewer extensions are not run by eocube; /viewer/ext/* answer as without extensions");

  app.get(
    "/viewer/state",
    {
      schema: {
        summary: "A stored viewer state by key (the JSON the viewer stored), or the stored keys",
        querystring: { type: "object", properties: { key: { type: "string", maxLength: 200 } } } as const,
        response: { 200: { anyOf: [VIEWER_STATE_KEYS_RESPONSE, { type: "object", additionalProperties: true }] }, "4xx": ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const { key } = request.query;
      const store = state.viewerStates;
      if (!key) return { keys: await store.keys() };
      if (!STATE_KEY.test(key))
        throw new EocubeError("UNSAFE_ID", `viewer state key ${JSON.stringify(key.slice(0, 64))} is not a state key`, {
          field: "key",
          hint: "keys are letters, digits, _ and - (PUT /viewer/state returns them)",
        });
      const text = await store.get(key);
      if (text === undefined && key === STATE_PROBE_KEY) return (reply as FastifyReply).code(204).send();
      if (text === undefined) throw new EocubeError("NOT_FOUND", `no viewer state ${key}`, { field: "key" });
      request.log.info({ key, bytes: text.length }, "viewer state restored");
      // the JSON text as stored (pre-serialized)
      return (reply as FastifyReply).type("application/json; charset=utf-8").send(text);
    },
  );

  app.put(
    "/viewer/state",
    {
      schema: {
        summary: "Store a viewer state (JSON body, any content type) and return its key",
        response: { 200: VIEWER_STATE_KEY_RESPONSE, "4xx": ERROR_RESPONSE },
      },
    },
    async (request) => {
      if (request.body === undefined || request.body === null)
        throw new EocubeError("INVALID_PARAMS", "PUT /viewer/state needs the state as a JSON body", { field: "body" });
      const text = JSON.stringify(request.body);
      const key = await state.viewerStates.put(text);
      request.log.info({ key, bytes: text.length, store: state.viewerStates.where }, "viewer state stored");
      return { key };
    },
  );

  app.get(
    "/viewer/config/*",
    {
      schema: {
        summary: "An item of the viewer configuration folder (config Viewer.Configuration.Path)",
        params: { type: "object", properties: { "*": { type: "string" } } } as const,
      },
    },
    async (request, reply) => {
      const rel = request.params["*"] ?? "";
      const folder = (state.config.Viewer as { Configuration?: { Path?: string } } | undefined)?.Configuration?.Path;
      if (!folder)
        throw new EocubeError("NOT_FOUND", "xcube viewer has not been configured", {
          hint: "set Viewer.Configuration.Path in the server config",
        });
      const local = folder.replace(/^file:\/\//, "");
      const dir = isAbsolute(local) ? local : resolve(state.config.BaseDir ?? process.cwd(), local);
      const file = resolve(dir, rel);
      if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep))
        throw new EocubeError("UNSAFE_ID", "path outside the viewer configuration folder", { field: "path" });
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile())
        throw new EocubeError("NOT_FOUND", `The item ${JSON.stringify(rel.slice(0, 200))} was not found in viewer configuration`);
      if (st.size > MAX_CONFIG_FILE_BYTES)
        throw new EocubeError("TOO_LARGE", `viewer configuration item ${rel.slice(0, 200)} is over 16 MiB`);
      const type = configItemType(rel);
      if (type) reply.type(type);
      else reply.type("application/octet-stream");
      return reply.send(await readFile(file));
    },
  );

  const noExtensions = async () => {
    throw new EocubeError("NOT_FOUND", "No extensions configured", {
      hint: "eocube serve has no viewer extensions (xcube's Viewer.Augmentation)",
    });
  };
  const ext = { schema: { summary: "Viewer extensions (none: 404, as xcube without Viewer.Augmentation)" } };
  // xcube-viewer (its chartlets client) asks for the contributions at every start: an empty set, as an extension
  // context without extensions gives, reads as "no extensions" there; xcube's 404 would be a failed request in the
  // browser's console. The other routes are asked only when there are contributions, so they stay 404.
  app.get("/viewer/ext/contributions", { schema: { summary: "Viewer extensions and their contributions (none)" } }, async () => ({
    result: { extensions: [], contributions: {} },
  }));
  app.post("/viewer/ext/layout/:contribPoint/:contribIndex", ext, noExtensions);
  app.get("/viewer/ext/layout/:contribPoint/:contribIndex", ext, noExtensions);
  app.post("/viewer/ext/callback", ext, noExtensions);
}
