// Benchmark `serve`: tile latency (cold/warm p50, p95) and tiles/s at 8 concurrent clients for eocube's server
// beside a Python renderer built like titiler/rio-tiler (rasterio WarpedVRT → numpy colour map → PIL PNG,
// bench/serve_peer.py) on the same projected files and Web Mercator tiles; point time-series latency beside
// xarray. Both servers run in their own processes on 127.0.0.1; load by autocannon.
// Goals (issue 5): warm tile p50 < 10 ms, ≥ 3× the Python renderer's tiles/s; time series ≥ 2× xarray.
import { spawn, spawnSync } from "node:child_process";
import autocannon from "autocannon";
import { startChildServer } from "../test/server/serve-process.js";
import { DATA } from "../test/server/helpers.js";
import { DEFAULT_DEPS } from "../src/server/app.js";
import { DatasetsContext } from "../src/server/datasets.js";
import { sliceOf } from "../src/server/slices.js";
import { timeSeries } from "../src/server/timeseries.js";

const ZOOMS = [8, 9, 10, 11];
const FILES = { rgb: "geotiff/RGB.byte.tif", cog: "geotiff/sample-cog.tif" } as const;
/** WGS 84 bboxes of the two files (from /datasets/{id}). */
const BBOX = { rgb: [-78.9586, 23.565, -76.5749, 25.5509], cog: [-106.1119, 35.1503, -104.892, 36.1449] } as const;

type Row = Record<string, string | number>;

function tilesOf(name: keyof typeof BBOX): { z: number; y: number; x: number }[] {
  const [w, s, e, n] = BBOX[name];
  const out: { z: number; y: number; x: number }[] = [];
  const tx = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
  const ty = (lat: number, z: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  for (const z of ZOOMS) for (let x = tx(w, z); x <= tx(e, z); x++) for (let y = ty(n, z); y <= ty(s, z); y++) out.push({ z, y, x });
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timeSequential(urls: string[]): Promise<number[]> {
  const ms: number[] = [];
  for (const u of urls) {
    const t = performance.now();
    const r = await fetch(u);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${u}: HTTP ${r.status}`);
    ms.push(performance.now() - t);
  }
  return ms;
}

async function throughput(base: string, paths: string[], seconds = 8): Promise<{ rps: number; errors: number }> {
  const r = await autocannon({ url: base, connections: 8, duration: seconds, requests: paths.map((p) => ({ method: "GET", path: p })) });
  return { rps: r.requests.total / seconds, errors: r.errors + r.non2xx + r.timeouts };
}

function startPython(): Promise<{ url: string; stop(): void }> {
  const child = spawn("/usr/bin/python3", [new URL("./serve_peer.py", import.meta.url).pathname, "serve", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (c) => reject(new Error(`python renderer exited ${c}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({ url: m[1]!, stop: () => child.kill("SIGTERM") });
      }
    });
  });
}

async function tileRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const all = (Object.keys(FILES) as (keyof typeof FILES)[]).flatMap((name) => tilesOf(name).map((t) => ({ name, ...t })));
  const eoPath = (t: (typeof all)[number]) =>
    `/tiles/${t.name}/band_data/${t.z}/${t.y}/${t.x}?crs=EPSG:3857&band=1&vmin=0&vmax=255&cmap=viridis`;
  const pyPath = (t: (typeof all)[number]) => `/tiles/${t.name}/${t.z}/${t.y}/${t.x}?vmin=0&vmax=255`;
  const datasets = (Object.entries(FILES) as [string, string][]).map(([id, p]) => ({ Identifier: id, Path: `${DATA}${p}` }));

  for (const [label, extra] of [
    ["eocube", {}],
    ["eocube (no tile cache)", { TileCacheSize: 0 }],
  ] as const) {
    const srv = await startChildServer({ Datasets: datasets, ...extra });
    try {
      const cold = await timeSequential(all.map((t) => srv.url + eoPath(t)));
      const warm = await timeSequential(all.map((t) => srv.url + eoPath(t)));
      const tp = await throughput(srv.url, all.map(eoPath));
      rows.push({
        renderer: label,
        tiles: all.length,
        "cold p50 ms": pct(cold, 50),
        "cold p95 ms": pct(cold, 95),
        "warm p50 ms": pct(warm, 50),
        "warm p95 ms": pct(warm, 95),
        "tiles/s @8 clients": tp.rps,
        errors: tp.errors,
      });
    } finally {
      await srv.stop();
    }
  }
  const py = await startPython();
  try {
    const cold = await timeSequential(all.map((t) => py.url + pyPath(t)));
    const warm = await timeSequential(all.map((t) => py.url + pyPath(t)));
    const tp = await throughput(py.url, all.map(pyPath));
    rows.push({
      renderer: "rasterio WarpedVRT + numpy + PIL (rio-tiler style)",
      tiles: all.length,
      "cold p50 ms": pct(cold, 50),
      "cold p95 ms": pct(cold, 95),
      "warm p50 ms": pct(warm, 50),
      "warm p95 ms": pct(warm, 95),
      "tiles/s @8 clients": tp.rps,
      errors: tp.errors,
    });
  } finally {
    py.stop();
  }
  return rows;
}

async function timeseriesRows(): Promise<Row[]> {
  const path = `${DATA}zarr/cube-1-250-250.zarr`;
  const points: [number, number][] = Array.from({ length: 60 }, (_, i) => [0.05 + ((i * 0.731) % 4.9), 50.05 + ((i * 0.377) % 2.4)]);
  const srv = await startChildServer({ Datasets: [{ Identifier: "olci", Path: path }] });
  const eo: number[] = [];
  try {
    await fetch(`${srv.url}/datasets/olci`).then((r) => r.arrayBuffer());
    for (const [lon, lat] of points) {
      const t = performance.now();
      const r = await fetch(`${srv.url}/timeseries/olci/conc_chl`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "Point", coordinates: [lon, lat] }),
      });
      await r.json();
      eo.push(performance.now() - t);
    }
  } finally {
    await srv.stop();
  }
  // the same kernel in-process (no HTTP), fresh chunk cache
  const ctx = new DatasetsContext({ Datasets: [{ Identifier: "olci", Path: path }] }, DEFAULT_DEPS, { chunkCacheBytes: 256 * 1024 ** 2 });
  const sd = await ctx.get("olci");
  const slice = await sliceOf(ctx, sd, ctx.variable(sd, "conc_chl"), {});
  const inproc: number[] = [];
  for (const [lon, lat] of points) {
    const t = performance.now();
    for await (const _ of timeSeries(ctx, sd, slice, { type: "Point", coordinates: [lon, lat] }, { aggMethods: ["mean"] })) void _;
    inproc.push(performance.now() - t);
  }
  await ctx.close();
  const py = spawnSync("/usr/bin/python3", [new URL("./serve_peer.py", import.meta.url).pathname, "timeseries"], {
    input: JSON.stringify({ path, points }),
  });
  if (py.status !== 0) throw new Error(`xarray peer failed: ${py.stderr}`);
  const xa = (JSON.parse(py.stdout.toString()) as { ms: number[] }).ms;
  return [
    {
      renderer: "eocube POST /timeseries (HTTP, 60 points)",
      tiles: "",
      "cold p50 ms": eo[0]!,
      "warm p50 ms": pct(eo.slice(1), 50),
      "warm p95 ms": pct(eo.slice(1), 95),
    },
    {
      renderer: "eocube timeSeries() (in-process, 60 points)",
      tiles: "",
      "cold p50 ms": inproc[0]!,
      "warm p50 ms": pct(inproc.slice(1), 50),
      "warm p95 ms": pct(inproc.slice(1), 95),
    },
    {
      renderer: "xarray .sel(method=nearest).values (in-process, 60 points)",
      tiles: "",
      "cold p50 ms": xa[0]!,
      "warm p50 ms": pct(xa.slice(1), 50),
      "warm p95 ms": pct(xa.slice(1), 95),
    },
  ];
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Row[]; notes?: string }> {
  const rows = [...(await tileRows()), ...(await timeseriesRows())];
  const eo = rows[0]!;
  const py = rows[2]!;
  const ratio = Number(eo["tiles/s @8 clients"]) / Number(py["tiles/s @8 clients"]);
  const ratioNoCache = Number(rows[1]!["tiles/s @8 clients"]) / Number(py["tiles/s @8 clients"]);
  const tsRatio = Number(rows[5]!["warm p50 ms"]) / Number(rows[4]!["warm p50 ms"]);
  return {
    name: "serve",
    rows,
    notes: [
      `Tiles: every Web Mercator tile at zooms ${ZOOMS.join(", ")} over RGB.byte.tif (UTM 18N, strips) and sample-cog.tif (UTM 13N, COG with overviews), band 1, viridis, 0…255.`,
      "Cold = first pass over the tiles on a fresh server (sequential, one client); warm = second pass; throughput = autocannon, 8 connections, 8 s, cycling the tiles.",
      `eocube/python tiles/s: ${ratio.toFixed(1)}× with eocube's encoded-tile cache, ${ratioNoCache.toFixed(1)}× re-rendering every tile from the chunk cache (goal ≥ 3×). Warm p50 goal < 10 ms.`,
      `Point time series (60 scattered points, 5 time steps, chunks 1×250×250): xarray/eocube p50, both in-process = ${tsRatio.toFixed(1)}× (goal ≥ 2×). eocube keeps decoded chunks in its LRU, so later points reuse chunks that earlier points read; xarray decodes the chunks on every call. The HTTP row adds the request round trip. The p95 columns are points whose chunks were not cached yet: eocube's first read of a chunk is slower than xarray's.`,
      "The machine is shared by several concurrent jobs; figures vary between runs.",
    ].join("\n"),
  };
}
