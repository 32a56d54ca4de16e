// Helpers of the xcube-compatibility tests: GET with a Host header, a log sink for pino, Web Mercator tiles.
import { request as httpRequest } from "node:http";
import { Writable } from "node:stream";

/** GET with a Host header (the demo config allows only localhost:8080). */
export function getWithHost(url: string, host: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

/** A pino destination keeping the parsed log lines. */
export function logSink(): { stream: Writable; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  let buf = "";
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      buf += chunk.toString();
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        lines.push(JSON.parse(buf.slice(0, nl)) as { level: number; msg: string });
        buf = buf.slice(nl + 1);
      }
      cb();
    },
  });
  return { stream, lines };
}

/** The `z/y/x` of the Web Mercator tile holding a point. */
export function webMercatorTile(lon: number, lat: number, z: number): string {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return `${z}/${y}/${Math.floor(((lon + 180) / 360) * n)}`;
}
