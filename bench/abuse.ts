// Benchmark `abuse`: a mixed hostile load against the real `eocube serve` (child process on 127.0.0.1, the
// OLCI cube and a COG of ../shared/data, default limits and caches): ≥ 10,000 requests — a stream of valid
// tiles, time series and statistics (autocannon) while other clients send over-limit FeatureCollections,
// a 100k-point MultiPoint, 100k-vertex polygons, whole-cube series, malformed URLs and bodies, hang up
// mid-request, or never finish their body or headers. Bounded to 60 s; reports requests, status counts
// per kind, the p50/p99 of the valid requests, and the server's min/max RSS (polled from /proc). No peer:
// the figures are eocube's bounds (issue 10: no 5xx, RSS ≤ caches + WorkMemory + margin ≤ 1.5 GB).
import { connect, type Socket } from "node:net";
import autocannon from "autocannon";
import { DEFAULT_LIMITS, RSS_MARGIN_BYTES } from "../src/server/limits.js";
import { rssOf, startServeProcess, type ServeProcess } from "../test/server/hardening-child.js";
import { DATA } from "../test/server/helpers.js";
import type { BenchResult } from "./run.js";

/** Whole run at most (ms); new requests stop earlier so that the last ones finish inside it. */
const DEADLINE_MS = 60_000;
const LOAD_MS = 50_000;
/** Valid requests of the autocannon stream, and its connections. */
const VALID_REQUESTS = 10_500;
const VALID_CONNECTIONS = 16;
/** Clients sending the hostile kinds at the same time. */
const HOSTILE_CONCURRENCY = 3;
const SLOW_CLIENTS = 200;
const MiB = 1024 ** 2;

interface Kind {
  name: string;
  /** Expected statuses ("valid" kinds expect 200 and go into the autocannon stream, whose latencies are reported). */
  expect: string;
  valid: boolean;
  /** Valid kinds: requests of each in 40 of the stream's cycle; hostile kinds: how many are sent in the run. */
  weight: number;
  make(i: number): { path: string; method?: string; body?: string; type?: string; hangUpMs?: number };
}

const box = (lon: number, lat: number, w: number, h: number) => ({
  type: "Polygon",
  coordinates: [
    [
      [lon, lat],
      [lon + w, lat],
      [lon + w, lat + h],
      [lon, lat + h],
      [lon, lat],
    ],
  ],
});
const fc = (geoms: unknown[]) => ({
  type: "FeatureCollection",
  features: geoms.map((geometry) => ({ type: "Feature", properties: {}, geometry })),
});
const N = 100_000;
const BODIES = {
  fc500: JSON.stringify(fc(Array.from({ length: 500 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.5, 0.5)))),
  fc500small: JSON.stringify(
    fc(Array.from({ length: 500 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.05, 0.04))),
  ),
  fc20000: JSON.stringify(
    fc(Array.from({ length: 20_000 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.05, 0.04))),
  ),
  multipoint: JSON.stringify({
    type: "MultiPoint",
    coordinates: Array.from({ length: N }, (_, i) => [0.01 + ((i * 0.0137) % 4.98), 50.01 + ((i * 0.0071) % 2.48)]),
  }),
  zigzag: JSON.stringify({
    type: "Polygon",
    coordinates: [[...Array.from({ length: N - 1 }, (_, i) => [0.01 + (4.98 * i) / N, i % 2 ? 50.01 : 52.49]), [0.01, 50.01]]],
  }),
  circle: JSON.stringify({
    type: "Polygon",
    coordinates: [
      [
        ...Array.from({ length: N - 1 }, (_, i) => [
          2.5 + 2.4 * Math.cos((2 * Math.PI * i) / (N - 1)),
          51.25 + 1.2 * Math.sin((2 * Math.PI * i) / (N - 1)),
        ]),
        [4.9, 51.25],
      ],
    ],
  }),
  whole: JSON.stringify(box(-0.5, 49.5, 6, 3.5)),
};

/** XYZ tile of a lon/lat at zoom z. */
function tile(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}
const TIMES = ["2017-01-16", "2017-01-25", "2017-01-26", "2017-01-28", "2017-01-30"];
const ts = (v = "conc_chl", q = "") => `/timeseries/olci/${v}${q}`;

const KINDS: Kind[] = [
  {
    name: "tile (OLCI, z 5–10)",
    expect: "200",
    valid: true,
    weight: 40,
    make: (i) => {
      const z = 5 + (i % 6);
      const [x, y] = tile(0.3 + ((i * 0.71) % 4.4), 50.2 + ((i * 0.29) % 2.1), z);
      return {
        path: `/tiles/olci/conc_chl/${z}/${y}/${x}?crs=EPSG:3857&time=${TIMES[i % 5]}&vmin=0&vmax=${15 + (i % 7)}&cmap=${i % 2 ? "viridis" : "plasma_r"}`,
      };
    },
  },
  {
    name: "tile (COG, z 7–10)",
    expect: "200",
    valid: true,
    weight: 8,
    make: (i) => {
      const z = 7 + (i % 4);
      const [x, y] = tile(-105.5, 35.65, z);
      return { path: `/tiles/cog/band_data/${z}/${y}/${x}?crs=EPSG:3857&band=${1 + (i % 3)}&vmin=0&vmax=255` };
    },
  },
  {
    name: "point time series",
    expect: "200",
    valid: true,
    weight: 20,
    make: (i) => ({
      path: ts("conc_chl", "?aggMethods=mean,count"),
      body: JSON.stringify({ type: "Point", coordinates: [0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1)] }),
    }),
  },
  {
    name: "polygon time series (0.05°)",
    expect: "200",
    valid: true,
    weight: 10,
    make: (i) => ({
      path: ts("conc_tsm", "?aggMethods=mean,median,std"),
      body: JSON.stringify(box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.05, 0.04)),
    }),
  },
  {
    name: "statistics (point, polygon)",
    expect: "200",
    valid: true,
    weight: 8,
    make: (i) =>
      i % 2
        ? { path: `/statistics/olci/kd489?lon=${0.3 + ((i * 0.37) % 4.4)}&lat=${50.2 + ((i * 0.19) % 2.1)}&time=${TIMES[i % 5]}` }
        : {
            path: `/statistics/olci/kd489?time=${TIMES[i % 5]}`,
            body: JSON.stringify(box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.3, 0.2)),
          },
  },
  { name: "/datasets, /health", expect: "200", valid: true, weight: 4, make: (i) => ({ path: i % 2 ? "/datasets/olci" : "/health" }) },
  {
    name: "FeatureCollection 500 × 0.05° polygons (59 KB)",
    expect: "200",
    valid: false,
    weight: 6,
    make: () => ({ path: ts("conc_chl", "?aggMethods=mean"), body: BODIES.fc500small }),
  },
  {
    name: "FeatureCollection 500 × 0.5° polygons",
    expect: "413",
    valid: false,
    weight: 30,
    make: () => ({ path: ts(), body: BODIES.fc500 }),
  },
  {
    name: "FeatureCollection 20,000 features",
    expect: "413",
    valid: false,
    weight: 15,
    make: () => ({ path: ts(), body: BODIES.fc20000 }),
  },
  { name: "MultiPoint of 100k points", expect: "413", valid: false, weight: 15, make: () => ({ path: ts(), body: BODIES.multipoint }) },
  {
    name: "polygon of 100k vertices (zigzag: 10^8 crossings)",
    expect: "413",
    valid: false,
    weight: 15,
    make: () => ({ path: ts(), body: BODIES.zigzag }),
  },
  {
    name: "polygon of 100k vertices (circle, whole cube)",
    expect: "200",
    valid: false,
    weight: 2,
    make: () => ({ path: ts("kd489"), body: BODIES.circle }),
  },
  {
    name: "whole-cube series (median)",
    expect: "200 / 504",
    valid: false,
    weight: 3,
    make: (i) => ({ path: ts(["conc_chl", "conc_tsm", "kd489"][i % 3], "?aggMethods=mean,median"), body: BODIES.whole }),
  },
  {
    name: "heavy request, client hangs up after 100 ms",
    expect: "(closed)",
    valid: false,
    weight: 20,
    make: () => ({ path: ts("conc_tsm", "?aggMethods=median"), body: BODIES.whole, hangUpMs: 100 }),
  },
  {
    name: "malformed URL, body, media type, traversal, unknown route",
    expect: "400 / 404 / 415",
    valid: false,
    weight: 1200,
    make: (i) =>
      [
        { path: "/datasets/%E0%A4%A" },
        { path: ts(), body: '{"type": "Point", "coordinates": [2, ' },
        { path: ts(), body: "<Point/>", type: "text/xml" },
        { path: "/tiles/..%2F..%2Fetc%2Fpasswd/conc_chl/0/0/0" },
        { path: "/no/such/route" },
        { path: `/tiles/olci/conc_chl/3/0/0?cmap=${"x".repeat(2000)}` },
      ][i % 6]!,
  },
];

/** Slow clients: connect, send headers announcing a body (or half the headers) and then nothing. */
function slowClients(url: string, n: number): { closed: () => number; by408: () => number; end(): void } {
  const u = new URL(url);
  const sockets: Socket[] = [];
  let closed = 0;
  let by408 = 0;
  for (let i = 0; i < n; i++) {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(
        i % 4 === 0
          ? "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
          : 'POST /timeseries/olci/conc_chl HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"type":"Polygon",',
      );
    });
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("error", () => undefined);
    s.on("close", () => {
      closed++;
      if (data.startsWith("HTTP/1.1 408")) by408++;
    });
    sockets.push(s);
  }
  return {
    closed: () => closed,
    by408: () => by408,
    end: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<BenchResult> {
  const t0 = performance.now();
  const srv = await startServeProcess(
    {
      Datasets: [
        { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
        { Identifier: "cog", Path: `${DATA}geotiff/sample-cog.tif` },
      ],
    },
    { collectLogs: false },
  );
  try {
    return await measure(srv, t0);
  } finally {
    await srv.stop(); // nothing to do when it has exited already
  }
}

/** Drives the load against a started server and reports; the server is sent SIGTERM at the end. */
async function measure(srv: ServeProcess, t0: number): Promise<BenchResult> {
  let rssMin = Infinity;
  let rssMax = 0;
  const poll = setInterval(() => {
    const r = rssOf(srv.pid);
    if (r > 0) {
      rssMin = Math.min(rssMin, r);
      rssMax = Math.max(rssMax, r);
    }
  }, 100);
  const stats = new Map<string, Map<string, number>>(KINDS.map((k) => [k.name, new Map()]));
  const count = (kind: string, status: string) => {
    const m = stats.get(kind)!;
    m.set(status, (m.get(status) ?? 0) + 1);
  };
  const slow = slowClients(srv.url, SLOW_CLIENTS);
  try {
    return await drive(srv, t0, stats, count, slow, () => {
      clearInterval(poll);
      return { rssMin, rssMax };
    });
  } finally {
    clearInterval(poll);
    slow.end();
  }
}

/** The valid stream, the hostile clients, the shutdown and the report. */
async function drive(
  srv: ServeProcess,
  t0: number,
  stats: Map<string, Map<string, number>>,
  count: (kind: string, status: string) => void,
  slow: ReturnType<typeof slowClients>,
  rss: () => { rssMin: number; rssMax: number },
): Promise<BenchResult> {
  const loadEnd = t0 + LOAD_MS;

  // the valid stream: a fixed cycle of the valid kinds, statuses counted per kind
  const valid = KINDS.filter((k) => k.valid);
  const cycle: autocannon.Request[] = [];
  for (let i = 0; i < 400; i++) {
    for (const k of valid) {
      if (i % Math.round(40 / k.weight) !== 0) continue;
      const r = k.make(i);
      cycle.push({
        method: r.body !== undefined ? "POST" : "GET",
        path: r.path,
        ...(r.body !== undefined ? { body: r.body, headers: { "content-type": "application/json" } } : {}),
        onResponse: (status: number) => count(k.name, String(status)),
      } as autocannon.Request);
    }
  }
  // without a callback autocannon returns its instance (stop, events) with a `then` of the result
  const stream = autocannon({
    url: srv.url,
    connections: VALID_CONNECTIONS,
    amount: VALID_REQUESTS,
    timeout: 30,
    requests: cycle,
  }) as unknown as autocannon.Instance;
  const stopStream = setTimeout(() => stream.stop(), LOAD_MS);
  const streamDone = new Promise<autocannon.Result>((resolve) => stream.once("done", resolve)).finally(() => clearTimeout(stopStream));

  // the hostile kinds: each sent `weight` times, interleaved in a fixed order, by a few other clients
  const hostile = KINDS.filter((k) => !k.valid);
  const schedule: { kind: Kind; i: number }[] = hostile
    .flatMap((k) => Array.from({ length: k.weight }, (_, j) => ({ kind: k, i: j, at: (j + 0.5) / k.weight })))
    .sort((a, b) => a.at - b.at)
    .map(({ kind, i }) => ({ kind, i }));
  const all = new AbortController();
  const hardStop = setTimeout(() => all.abort(), Math.max(0, DEADLINE_MS - 5_000 - (performance.now() - t0)));
  let next = 0;
  const worker = async () => {
    while (next < schedule.length && performance.now() < loadEnd && !all.signal.aborted) {
      const { kind, i } = schedule[next++]!;
      const req = kind.make(i);
      const ac = new AbortController();
      const onAll = () => ac.abort();
      all.signal.addEventListener("abort", onAll, { once: true });
      const hang = req.hangUpMs ? setTimeout(() => ac.abort(), req.hangUpMs) : undefined;
      let status: string;
      try {
        const r = await fetch(srv.url + req.path, {
          method: req.body !== undefined ? "POST" : "GET",
          ...(req.body !== undefined ? { body: req.body, headers: { "content-type": req.type ?? "application/json" } } : {}),
          signal: ac.signal,
        });
        await r.arrayBuffer();
        status = String(r.status);
      } catch {
        status = "(closed)";
      } finally {
        if (hang) clearTimeout(hang);
        all.signal.removeEventListener("abort", onAll);
      }
      count(kind.name, status);
    }
  };
  const [result] = await Promise.all([streamDone, ...Array.from({ length: HOSTILE_CONCURRENCY }, worker)]);
  clearTimeout(hardStop);
  const loadSeconds = (performance.now() - t0) / 1000;
  const slowClosed = slow.closed();
  const slow408 = slow.by408();
  slow.end();
  const health = (await (await fetch(`${srv.url}/health`)).json()) as {
    work: { peak: number; capacity: number };
    chunkCache: { bytes: number; loads: number };
  };
  const { rssMin, rssMax } = rss();
  srv.signal("SIGTERM");
  const exit = await srv.exited;

  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ");
  const rows: BenchResult["rows"] = KINDS.map((k) => {
    const m = stats.get(k.name)!;
    return { request: k.name, expected: k.expect, requests: [...m.values()].reduce((a, b) => a + b, 0), statuses: fmt(m) };
  });
  const totals = new Map<string, number>();
  for (const m of stats.values()) for (const [k, v] of m) totals.set(k, (totals.get(k) ?? 0) + v);
  const requests = [...totals.values()].reduce((a, b) => a + b, 0);
  rows.push({ request: "**all requests**", expected: "no 5xx", requests, statuses: fmt(totals) });
  const validCount = valid.reduce((n, k) => n + [...stats.get(k.name)!.values()].reduce((a, b) => a + b, 0), 0);
  const bound = 256 * MiB + 64 * MiB + DEFAULT_LIMITS.workMemoryBytes + RSS_MARGIN_BYTES;
  const fives = [...totals].filter(([k]) => k.startsWith("5") && k !== "503" && k !== "504").reduce((a, [, v]) => a + v, 0);
  return {
    name: "abuse",
    rows,
    notes: [
      `${requests} requests in ${loadSeconds.toFixed(1)} s against \`eocube serve\` in its own process with default limits and caches (DatasetChunkCacheSize 256M, TileCacheSize 64M, Limits.WorkMemory 256M, RequestTimeout 30 s, MaxPixelSteps 5·10^7, MaxFeatures 1000, MaxVertices 100k). Valid requests (${validCount}): autocannon, ${VALID_CONNECTIONS} connections cycling the valid kinds — **p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms** (${result.errors} errors, ${result.timeouts} timeouts). Hostile kinds: ${HOSTILE_CONCURRENCY} more clients (fetch) at the same time, each kind the number of times listed, interleaved in a fixed order. The run stops by itself (the stream after ${VALID_REQUESTS} requests or ${LOAD_MS / 1000} s; everything aborted by ${DEADLINE_MS / 1000} s).`,
      `Server RSS (polled every 100 ms from /proc): **min ${(rssMin / MiB).toFixed(0)} MiB, max ${(rssMax / MiB).toFixed(0)} MiB**; documented bound with the defaults = caches 320 MiB + WorkMemory 256 MiB + margin ${RSS_MARGIN_BYTES / MiB} MiB = ${(bound / MiB).toFixed(0)} MiB (goal ≤ 1.5 GB). Work memory held at once: peak ${(health.work.peak / MiB).toFixed(1)} of ${(health.work.capacity / MiB).toFixed(0)} MiB; chunk loads ${health.chunkCache.loads}.`,
      `5xx other than 503/504: ${fives}. Slow clients (${SLOW_CLIENTS} sockets sending headers and part of a body, or half the headers, then nothing): ${slowClosed} closed by the server during the run, ${slow408} of them with 408 (Limits.HeadersTimeout 10 s / ReceiveTimeout 30 s).`,
      `SIGTERM at the end: the server exited with code ${exit.code} after ${(exit.ms / 1000).toFixed(1)} s.`,
      '"(closed)": the client hung up (as asked) or the connection was closed. The machine is shared by several concurrent jobs; latencies vary between runs.',
    ].join("\n"),
  };
}
