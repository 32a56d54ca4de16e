// Benchmark `describe`: eocube's describeDataset on every dataset of ../shared/data beside xarray's
// open_dataset + repr (a long-lived Python process, so imports are not timed), alternating, medians;
// plus the HTTP requests eocube's describe makes on the https store (real HTTP server on 127.0.0.1).
// Goal (issue 2): describe ≥ 3× faster than xarray; 1 metadata request for a consolidated Zarr.
import { spawnSync } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeDataset } from "../src/stores/open.js";
import { newDataStore } from "../src/stores/registry.js";
import { startHttpServer } from "../test/helpers/http-server.js";
import { median, startXarrayPeer } from "./lib/xarray-peer.js";

const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const REPEATS = 7;
const COLD_REPEATS = 3;
const BIN = fileURLToPath(new URL("../bin/eocube.js", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/cli/index.js", import.meta.url));
const PY_COLD =
  "import sys, warnings; warnings.filterwarnings('ignore'); import xarray as xr; p = sys.argv[1]; " +
  "ds = xr.open_dataset(p, engine='zarr' if p.endswith('.zarr') else None); print(len(repr(ds))); ds.close()";

/** Wall time in ms of one process run (start-up and imports included); NaN (and a warning) on failure or after 120 s. */
function timeProcess(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
  if (r.status !== 0) {
    process.stderr.write(
      `bench: ${cmd} ${args.join(" ")} failed (status ${r.status}, signal ${r.signal}): ${r.stderr?.toString().slice(-300)}\n`,
    );
    return NaN;
  }
  return performance.now() - t0;
}

/** Latency the delaying proxy adds to every request (to count request round trips). */
const LATENCY_MS = 40;

/** An HTTP proxy to `target` that holds every request `delayMs` before forwarding it (a slow network). */
async function startDelayProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const srv = createServer((req, res) => {
    setTimeout(() => {
      const up = httpRequest({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    }, delayMs);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** Median of the finite values; NaN when there are none. */
function finiteMedian(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? median(ok) : NaN;
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const ids = (await newDataStore("file", { root: DATA }).listDataIds()).filter((id) => !id.startsWith("zarr-conformance/"));
  const peer = await startXarrayPeer();
  const server = await startHttpServer(DATA);
  const slow = await startDelayProxy(server.url, LATENCY_MS);
  const rows: Array<Record<string, string | number>> = [];
  const totals = { eocube: 0, xarray: 0, coldEo: 0, coldXa: 0 };
  try {
    for (const id of ids) {
      const path = `${DATA}${id}`;
      const xarrayOk = !id.startsWith("geotiff/"); // xarray has no GeoTIFF engine without rioxarray
      await describeDataset(path); // warm-up (module loading: h5wasm, proj4, codecs)
      if (xarrayOk) await peer.send({ op: "describe", path });
      const eo: number[] = [];
      const xa: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const t0 = performance.now();
        await describeDataset(path);
        eo.push(performance.now() - t0);
        if (xarrayOk) xa.push((await peer.send({ op: "describe", path })).ms);
      }
      const coldEo: number[] = [];
      const coldXa: number[] = [];
      if (existsSync(DIST)) {
        for (let i = 0; i < COLD_REPEATS; i++) {
          coldEo.push(timeProcess(process.execPath, [BIN, "describe", path, "--json"]));
          if (xarrayOk) coldXa.push(timeProcess("/usr/bin/python3", ["-c", PY_COLD, path]));
        }
      }
      server.reset();
      await describeDataset(`${server.url}/${id}`);
      const reqs = server.requests.length;
      const metaReqs = server.requests.filter((r) => /\/\.z(metadata|group|array|attrs)$|zarr\.json$/.test(r.path)).length;
      const slowMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await describeDataset(`${slow.url}/${id}`);
        slowMs.push(performance.now() - t0);
      }
      const meta = metaReqs;
      const e = median(eo);
      const x = xa.length ? median(xa) : NaN;
      totals.eocube += e;
      if (xa.length) totals.xarray += x;
      if (coldXa.length) {
        totals.coldEo += finiteMedian(coldEo);
        totals.coldXa += finiteMedian(coldXa);
      }
      rows.push({
        dataset: id,
        "eocube ms": Number(e.toFixed(1)),
        "xarray ms": xa.length ? Number(x.toFixed(1)) : "n/a (no engine)",
        "speed-up": xa.length ? `${(x / e).toFixed(1)}×` : "",
        "eocube CLI ms (cold)": coldEo.length ? Number(finiteMedian(coldEo).toFixed(0)) : "n/a",
        "python+xarray ms (cold)": coldXa.length ? Number(finiteMedian(coldXa).toFixed(0)) : "n/a",
        "cold speed-up": coldXa.length ? `${(finiteMedian(coldXa) / finiteMedian(coldEo)).toFixed(1)}×` : "",
        "https requests": reqs,
        "of which Zarr metadata": id.endsWith(".zarr") ? meta : "",
        [`https ms @${LATENCY_MS} ms latency`]: Number(median(slowMs).toFixed(0)),
        "request rounds": Math.floor(median(slowMs) / LATENCY_MS),
      });
    }
  } finally {
    peer.close();
    await slow.close();
    await server.close();
  }
  const compared = rows.filter((r) => typeof r["xarray ms"] === "number");
  const eoCompared = compared.reduce((a, r) => a + (r["eocube ms"] as number), 0);
  rows.push({
    dataset: "**total (files xarray reads)**",
    "eocube ms": Number(eoCompared.toFixed(1)),
    "xarray ms": Number(totals.xarray.toFixed(1)),
    "speed-up": `${(totals.xarray / eoCompared).toFixed(1)}×`,
    "eocube CLI ms (cold)": Number(totals.coldEo.toFixed(0)),
    "python+xarray ms (cold)": Number(totals.coldXa.toFixed(0)),
    "cold speed-up": totals.coldEo ? `${(totals.coldXa / totals.coldEo).toFixed(1)}×` : "",
    "https requests": "",
    "of which Zarr metadata": "",
    [`https ms @${LATENCY_MS} ms latency`]: "",
    "request rounds": "",
  });
  return {
    name: "describe",
    rows,
    notes: [
      `Median of ${REPEATS} alternating runs per dataset after one warm-up each. eocube: \`describeDataset(path)\` in-process`,
      "(open, CF decoding, grid mapping, bbox/time range from the coordinates). xarray " +
        peer.version +
        ": `xr.open_dataset(path)` + `repr(ds)` +",
      "`close()` in a long-lived /usr/bin/python3 (imports not timed). GeoTIFFs have no xarray peer here (rioxarray is not installed).",
      '"https requests": requests eocube\'s describe sent to a local HTTP server serving the same file (Range requests; a',
      "consolidated Zarr costs 1 metadata request plus the chunks of its 1-D coordinates, read for bbox and time range;",
      "the cube's coordinates carry no exact extent attributes — no valid_min/valid_max/actual_range — so their values must be read).",
      `"https ms @${LATENCY_MS} ms latency": the same describe through a proxy that delays every request ${LATENCY_MS} ms (median of 3);`,
      `"request rounds" = that time ÷ ${LATENCY_MS} ms, rounded down: how many request latencies a user waits for (coordinate chunks are read concurrently).`,
      `Cold: median of ${COLD_REPEATS} whole-process runs, \`node bin/eocube.js describe PATH --json\` (needs \`npm run build\`) vs`,
      "`/usr/bin/python3 -c 'import xarray; open_dataset; repr'` — what a user waits for, start-up and imports included.",
      "Goal: ≥ 3× faster than xarray.",
    ].join("\n"),
  };
}
