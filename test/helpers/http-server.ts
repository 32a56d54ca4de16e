// A real HTTP server on 127.0.0.1 serving a folder with Range support, request counting and injected faults.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize, sep } from "node:path";

/** A fault for requests whose path matches: an HTTP status, or `"hang"` (never answers). */
export type Fault = { status: number } | "hang";

/** A running test server. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received (method, path, range header), in order. */
  requests: { method: string; path: string; range?: string }[];
  /** Faults by path prefix (`"/netcdf3/"`), checked before serving files. */
  faults: Map<string, Fault>;
  /** Forgets the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a static file server for `folder` on 127.0.0.1 (random port). Supports GET/HEAD and single
 * `Range: bytes=a-b | a- | -n` requests (206 / 416); `faults` inject status codes or hanging answers.
 */
export async function startHttpServer(folder: string): Promise<TestHttpServer> {
  const requests: TestHttpServer["requests"] = [];
  const faults = new Map<string, Fault>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    requests.push({ method: req.method ?? "GET", path, range: req.headers.range });
    for (const [prefix, fault] of faults) {
      if (!path.startsWith(prefix)) continue;
      if (fault === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      res.writeHead(fault.status, { "content-type": "text/plain" }).end(`injected ${fault.status}`);
      return;
    }
    void serveFile(folder, path, req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    reset: () => void requests.splice(0),
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function serveFile(folder: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = normalize(join(folder, path));
  if (!file.startsWith(normalize(folder + sep)) && file !== normalize(folder)) {
    res.writeHead(403).end();
    return;
  }
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error("not a file");
    size = st.size;
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  const range = req.headers.range;
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range);
    if (!m || (m[1] === "" && m[2] === "")) {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    if (m[1] === "") {
      start = Math.max(0, size - Number(m[2]));
    } else {
      start = Number(m[1]);
      end = m[2] === "" ? size - 1 : Math.min(size - 1, Number(m[2]));
    }
    if (start >= size || start > end) {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    status = 206;
  }
  const headers: Record<string, string | number> = {
    "content-length": end - start + 1,
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
  };
  if (status === 206) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file, { start, end }).pipe(res);
}
