// xcube's url_prefix, reverse_url_prefix and allowed_hosts: every route under the prefix, URLs in answers
// built with the reverse prefix, and requests whose Host header is not allowed refused (400).
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { EocubeError } from "../core/errors.js";
import type { ServerConfig } from "./config.js";

/**
 * A URL prefix as xcube sanitises it (`_sanitize_url_prefix`): "" for none, else starting with `/` (or
 * `http://`, `https://`) and without a trailing `/`; `api/v1/` → `/api/v1`.
 */
export function sanitizeUrlPrefix(prefix: string | undefined): string {
  if (!prefix) return "";
  let p = prefix;
  while (p.startsWith("//")) p = p.slice(1);
  while (p.endsWith("/")) p = p.slice(0, -1);
  if (p === "") return "";
  return p.startsWith("/") || p.startsWith("http://") || p.startsWith("https://") ? p : `/${p}`;
}

/** The path part of the config's `url_prefix` routes are served under ("" for none); an absolute URL gives its path. */
export function urlPrefixOf(config: ServerConfig): string {
  const p = sanitizeUrlPrefix(config.url_prefix);
  return /^https?:\/\//.test(p) ? sanitizeUrlPrefix(new URL(p).pathname) : p;
}

/** The prefix of URLs in answers: `reverse_url_prefix`, else `url_prefix` (xcube's `get_reverse_url_prefix`). */
export function reverseUrlPrefixOf(config: ServerConfig): string {
  return sanitizeUrlPrefix(config.reverse_url_prefix ?? config.url_prefix);
}

/** Requests outside the prefix, marked by the rewriter for the check hook. */
const outside = new WeakSet<IncomingMessage>();

/**
 * fastify's `rewriteUrl` for the config's `url_prefix`: `/api/datasets` → `/datasets`; a URL outside the
 * prefix is kept and answered 404 by the hook of {@link installServerKeys}. Undefined without a prefix.
 */
export function prefixRewriter(config: ServerConfig): ((req: IncomingMessage) => string) | undefined {
  const prefix = urlPrefixOf(config);
  if (!prefix) return undefined;
  return (req) => {
    const url = req.url ?? "/";
    if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) {
      const rest = url.slice(prefix.length);
      return rest === "" || rest.startsWith("?") ? `/${rest}` : rest;
    }
    outside.add(req);
    return url;
  };
}

declare module "fastify" {
  interface FastifyRequest {
    /** The config's reverse URL prefix ("" for none; a path or an absolute URL), for URLs in answers. */
    reverseUrlPrefix: string;
  }
}

/**
 * The base URL of the server as a client addresses it: `protocol://host` and the reverse URL prefix, or the
 * reverse prefix itself when it is an absolute URL (xcube's `url_for_path(reverse=True)`).
 */
export function publicBaseUrl(request: { protocol: string; host: string; reverseUrlPrefix?: string }): string {
  const rev = request.reverseUrlPrefix ?? "";
  if (/^https?:\/\//.test(rev)) return rev;
  return `${request.protocol}://${request.host}${rev}`;
}

/**
 * Installs the request checks of xcube's server keys: a URL outside `url_prefix` → 404 NOT_FOUND; a Host
 * header not in `allowed_hosts` (when given) → 400 INVALID_PARAMS "Host … not allowed" (as xcube); and sets
 * each request's `reverseUrlPrefix`. `config()` is read per request (a configuration update may change
 * `allowed_hosts` and `reverse_url_prefix`; `url_prefix` stays as started).
 */
export function installServerKeys(app: FastifyInstance, config: () => ServerConfig): void {
  app.decorateRequest("reverseUrlPrefix", "");
  app.addHook("onRequest", async (request: FastifyRequest) => {
    const c = config();
    request.reverseUrlPrefix = reverseUrlPrefixOf(c);
    const hosts = c.allowed_hosts;
    if (hosts && !hosts.includes(request.headers.host ?? "")) {
      throw new EocubeError("INVALID_PARAMS", `Host ${JSON.stringify((request.headers.host ?? "").slice(0, 100))} not allowed`, {
        field: "host",
        hint: "the server's allowed_hosts lists the Host headers it answers",
      });
    }
    if (outside.has(request.raw)) {
      throw new EocubeError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`, {
        hint: `every route is under ${urlPrefixOf(c)} (url_prefix)`,
      });
    }
  });
}
