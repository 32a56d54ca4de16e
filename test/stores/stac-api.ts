// A STAC API on 127.0.0.1 for the stac store tests: landing page, collections, items and item search with paging
// (GET and POST, `next` links with a token) in the shapes of the STAC API spec, plus injected faults
// (a status with headers a given number of times, or hanging). Assets point at real files of shared/data served by
// a second server (test/helpers/http-server.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An injected answer for requests whose path starts with a prefix. */
export interface ApiFault {
  status: number;
  headers?: Record<string, string>;
  /** How many requests get it (default: all). */
  times?: number;
  /** Never answer instead. */
  hang?: boolean;
}

/** The running API. */
export interface FakeStacApi {
  /** Landing page URL, `http://127.0.0.1:<port>/api`. */
  url: string;
  requests: { method: string; path: string; query: string; time: number }[];
  faults: Map<string, ApiFault>;
  close(): Promise<void>;
}

/** Items as the API serves them (collection, id, bbox, datetime, assets). */
export type FakeItem = { id: string; collection: string; bbox: number[]; datetime: string; assets: Record<string, unknown> };

/** Starts the API serving `items` in `collections`. */
export async function startStacApi(items: FakeItem[], collections: { id: string; title: string }[]): Promise<FakeStacApi> {
  const requests: FakeStacApi["requests"] = [];
  const faults = new Map<string, ApiFault>();
  const hanging = new Set<ServerResponse>();
  let base = "";
  const itemJson = (it: FakeItem) => ({
    type: "Feature",
    stac_version: "1.0.0",
    id: it.id,
    collection: it.collection,
    bbox: it.bbox,
    geometry: null,
    properties: { datetime: it.datetime },
    assets: it.assets,
    links: [
      { rel: "self", href: `${base}/api/collections/${it.collection}/items/${it.id}`, type: "application/geo+json" },
      { rel: "collection", href: `${base}/api/collections/${it.collection}` },
    ],
  });
  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

  const search = (res: ServerResponse, q: Record<string, unknown>, post: boolean) => {
    const limit = Number(q.limit ?? 10);
    const offset = Number(q.token ?? 0);
    const cols = q.collections === undefined ? undefined : Array.isArray(q.collections) ? q.collections : String(q.collections).split(",");
    const bbox = q.bbox === undefined ? undefined : (Array.isArray(q.bbox) ? q.bbox : String(q.bbox).split(",")).map(Number);
    const dt = q.datetime === undefined ? undefined : String(q.datetime).split("/");
    const ids = q.ids === undefined ? undefined : Array.isArray(q.ids) ? q.ids : String(q.ids).split(",");
    const matched = items.filter((it) => {
      if (cols && !cols.includes(it.collection)) return false;
      if (ids && !ids.includes(it.id)) return false;
      if (bbox && (bbox[0]! > it.bbox[2]! || bbox[2]! < it.bbox[0]! || bbox[1]! > it.bbox[3]! || bbox[3]! < it.bbox[1]!)) return false;
      if (dt) {
        const t = Date.parse(it.datetime);
        if (dt[0] !== ".." && t < Date.parse(dt[0]!)) return false;
        if (dt[1] !== ".." && t > Date.parse(dt[1]!)) return false;
      }
      return true;
    });
    const page = matched.slice(offset, offset + limit);
    const links: unknown[] = [{ rel: "self", href: `${base}/api/search` }];
    if (offset + limit < matched.length) {
      if (post) {
        links.push({ rel: "next", href: `${base}/api/search`, method: "POST", body: { token: String(offset + limit) }, merge: true });
      } else {
        const u = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) if (k !== "token") u.set(k, Array.isArray(v) ? v.join(",") : String(v));
        u.set("token", String(offset + limit));
        links.push({ rel: "next", href: `${base}/api/search?${u}`, method: "GET" });
      }
    }
    send(res, 200, {
      type: "FeatureCollection",
      features: page.map(itemJson),
      numberMatched: matched.length,
      numberReturned: page.length,
      links,
    });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [rawPath, query = ""] = (req.url ?? "/").split("?");
    const path = decodeURIComponent(rawPath!);
    requests.push({ method: req.method ?? "GET", path, query, time: Date.now() });
    for (const [prefix, f] of faults) {
      if (!path.startsWith(prefix) || f.times === 0) continue;
      if (f.times !== undefined) f.times--;
      if (f.hang) {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      res
        .writeHead(f.status, { "content-type": "application/json", ...(f.headers ?? {}) })
        .end(JSON.stringify({ code: "Fault", description: `injected ${f.status}` }));
      return;
    }
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const q = Object.fromEntries(new URLSearchParams(query));
      if (path === "/api" || path === "/api/") {
        return send(res, 200, {
          type: "Catalog",
          stac_version: "1.0.0",
          id: "fake",
          description: "fake STAC API",
          conformsTo: ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search"],
          links: [
            { rel: "self", href: `${base}/api` },
            { rel: "search", href: `${base}/api/search`, type: "application/geo+json", method: "GET" },
            { rel: "data", href: `${base}/api/collections` },
          ],
        });
      }
      if (path === "/api/collections") {
        return send(res, 200, {
          collections: collections.map((c) => ({
            type: "Collection",
            id: c.id,
            title: c.title,
            description: c.title,
            extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [["2017-01-01T00:00:00Z", null]] } },
            links: [],
          })),
          links: [],
        });
      }
      if (path === "/api/search") return search(res, req.method === "POST" ? JSON.parse(body || "{}") : q, req.method === "POST");
      const m = /^\/api\/collections\/([^/]+)\/items\/([^/]+)$/.exec(path);
      const it = m && items.find((i) => i.collection === m[1] && i.id === m[2]);
      if (it) return send(res, 200, itemJson(it));
      send(res, 404, { code: "NotFound", description: `no ${path}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/api`,
    requests,
    faults,
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
