// Benchmark `read`: from the Zarr cube (blosc-lz4, chunks 1×250×250), a point time series (all 5 steps at one
// pixel) and a full 2-D slice (1000×2000 float64) with eocube beside xarray+zarr, alternating, medians.
// Both sides have the dataset open already; only the reads are timed. Goal (issue 2): within 1.5× of xarray; issue 13:
// ≤ 1.0×.
// The fresh-result rows are measured twice: in this process (Node's defaults, as a library user's script runs) and in
// a child process started with the settings of the `eocube` command (bin/eocube.js's launcher line: glibc's malloc
// thresholds, V8 flags), which let a new 16 MB result reuse the pages of freed ones (docs/performance.md).
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { setDecodeThreads, startDecodeThreads } from "../src/formats/zarr/decode-pool.js";
import { openDataset } from "../src/stores/open.js";
import { commandSettings } from "./lib/launcher.js";
import { median, startXarrayPeer } from "./lib/xarray-peer.js";

const CUBE = fileURLToPath(new URL("../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));
const REPEATS = 7;
const VAR = "conc_chl";
/** Untimed fresh slices the child reads first, as a process that has been reading for a while (see the notes). */
const CHILD_WARM_READS = 10;

type Row = Record<string, string | number>;
type Variable = Awaited<ReturnType<typeof openDataset>>["data_vars"][string];
interface Case {
  name: string;
  eocube: (i: number) => Promise<unknown>;
  xarray: (i: number) => Record<string, unknown>;
  /** Decoding threads for this row (default: automatic). */
  threads?: number;
  /** A fresh result per read (measured again with the eocube command's settings). */
  fresh?: boolean;
  /**
   * Untimed warm-up runs of both sides before the timed ones (default 1: the case itself once). The point series warms
   * up on other pixels in other chunks: V8 runs the read path in its baseline tiers for the first few dozen calls
   * (≈0.55 ms against ≈0.28 ms a point after 10 calls, measured), while CPython's path is as fast on its second call;
   * the timed points open and decode chunks the warm-up did not read.
   */
  warmups?: { eocube: () => Promise<unknown>; xarray: Record<string, unknown> }[];
}

const POINTS: [number, number][] = [
  [500, 1000],
  [10, 20],
  [999, 1999],
  [250, 250],
  [731, 1234],
  [120, 1800],
  [640, 77],
];
/** Warm-up pixels of the point series: in 10 chunks (250 × 250) none of POINTS lies in. */
const WARM_POINTS: [number, number][] = [
  [300, 600],
  [300, 850],
  [800, 600],
  [800, 850],
  [100, 1300],
  [300, 1300],
  [850, 1400],
  [400, 1600],
  [600, 1700],
  [900, 300],
];

function cases(v: Variable, out: Float64Array): Case[] {
  return [
    {
      name: `point time series ${VAR}[:, lat, lon] (5 values, 5 chunks)`,
      eocube: (i) => v.read([null, POINTS[i % POINTS.length]![0], POINTS[i % POINTS.length]![1]]),
      xarray: (i) => ({ op: "point", var: VAR, lat: POINTS[i % POINTS.length]![0], lon: POINTS[i % POINTS.length]![1] }),
      warmups: WARM_POINTS.map(([lat, lon]) => ({
        eocube: () => v.read([null, lat, lon]),
        xarray: { op: "point", var: VAR, lat, lon },
      })),
    },
    {
      name: `2-D slice ${VAR}[t, :, :] (1000×2000, 32 chunks), t = 0…4 in turn`,
      eocube: (i) => v.read([i % 5]),
      xarray: (i) => ({ op: "slice", var: VAR, time: i % 5 }),
      fresh: true,
    },
    // the same slice at the time steps with the fewest and the most stored chunks: fixed vs per-chunk cost
    {
      name: `2-D slice ${VAR}[2, :, :] (2 of 32 chunks stored)`,
      eocube: () => v.read([2]),
      xarray: () => ({ op: "slice", var: VAR, time: 2 }),
      fresh: true,
    },
    {
      name: `2-D slice ${VAR}[3, :, :] (20 of 32 chunks stored)`,
      eocube: () => v.read([3]),
      xarray: () => ({ op: "slice", var: VAR, time: 3 }),
      fresh: true,
    },
    // eocube reading into one reused buffer (ReadOptions.out), as tiles, time series and gen tasks can
    {
      name: `2-D slice ${VAR}[t, :, :], t = 0…4 in turn, into a reused buffer (eocube: read(sel, { out }))`,
      eocube: (i) => v.read([i % 5], { out }),
      xarray: (i) => ({ op: "slice", var: VAR, time: i % 5 }),
    },
    {
      name: `2-D slice ${VAR}[2, :, :] (2 of 32 chunks stored) into a reused buffer`,
      eocube: () => v.read([2], { out }),
      xarray: () => ({ op: "slice", var: VAR, time: 2 }),
    },
    // decoding threads (issue 13) measured side by side: the main thread alone, then with one decoding thread forced
    {
      name: `2-D slice ${VAR}[3, :, :] (20 of 32 stored) into a reused buffer, main thread only`,
      eocube: () => v.read([3], { out }),
      xarray: () => ({ op: "slice", var: VAR, time: 3 }),
      threads: 0,
    },
    {
      name: `2-D slice ${VAR}[3, :, :] (20 of 32 stored) into a reused buffer, + 1 decoding thread`,
      eocube: () => v.read([3], { out }),
      xarray: () => ({ op: "slice", var: VAR, time: 3 }),
      threads: 1,
    },
  ];
}

/**
 * Times the cases (all, or only the fresh ones) beside a new xarray peer: per case one warm-up of each, then REPEATS
 * alternating runs; medians. `warmReads` fresh slices are read first, untimed.
 */
async function measure(onlyFresh: boolean, warmReads = 0): Promise<{ rows: Row[]; xarray: string }> {
  const peer = await startXarrayPeer();
  const ds = await openDataset(CUBE);
  const v = ds.data_vars[VAR]!;
  const out = new Float64Array(v.shape[1]! * v.shape[2]!);
  await peer.send({ op: "open", path: CUBE });
  const rows: Row[] = [];
  try {
    for (let i = 0; i < warmReads; i++) {
      await v.read([i % 5]);
      await peer.send({ op: "slice", var: VAR, time: i % 5 });
    }
    for (const c of cases(v, out).filter((c) => !onlyFresh || c.fresh)) {
      setDecodeThreads(c.threads);
      if (c.threads) await startDecodeThreads();
      for (const w of c.warmups ?? [{ eocube: () => c.eocube(0), xarray: c.xarray(0) }]) {
        await w.eocube();
        await peer.send(w.xarray);
      }
      const eo: number[] = [];
      const xa: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const t0 = performance.now();
        await c.eocube(i);
        eo.push(performance.now() - t0);
        xa.push((await peer.send(c.xarray(i))).ms);
      }
      const e = median(eo);
      const x = median(xa);
      rows.push({
        read: c.name,
        "eocube ms": Number(e.toFixed(1)),
        "xarray+zarr ms": Number(x.toFixed(1)),
        "eocube / xarray": `${(e / x).toFixed(2)}`,
      });
    }
  } finally {
    setDecodeThreads(undefined);
    peer.close();
    await ds.close();
  }
  return { rows, xarray: peer.version };
}

/** The fresh rows measured in a child process run with the eocube command's settings. */
function inChild(): Promise<Row[]> {
  const { env, flags } = commandSettings();
  const child = spawn(process.execPath, [...flags, "--import", "tsx", fileURLToPath(import.meta.url), "--child"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, ...env, EOCUBE_BENCH_CLEAR_ENV: Object.keys(env).join(",") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the child of bench/read.ts exited with ${code}`));
      else resolve(JSON.parse(text) as Row[]);
    });
  });
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Row[]; notes?: string }> {
  const load0 = loadavg()[0]!;
  const { rows, xarray } = await measure(false);
  const { env, flags } = commandSettings();
  const settings = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...flags].join(" ");
  const child = await inChild();
  const load1 = loadavg()[0]!;
  // each fresh row, then the same row as the eocube command runs it
  const all: Row[] = [];
  for (const r of rows) {
    all.push(r);
    const twin = child.find((c) => c.read === r.read);
    if (twin) all.push({ ...twin, read: `${r.read}, with the eocube command's settings` });
  }
  return {
    name: "read",
    rows: all,
    notes: [
      `Median of ${REPEATS} alternating runs after one warm-up (the point series: ${WARM_POINTS.length} warm-up reads on both sides at pixels in other chunks, so that V8 has compiled the read path, as in a server that has answered a few requests; CPython's path is as fast on its second call); different pixels / time steps per run (no chunk cache on either side).`,
      `eocube: \`openDataset(cube).data_vars.${VAR}.read(selection)\` (eocube's direct v2 chunk path; for a local store each chunk file read with synchronous calls straight into the WebAssembly decoder's memory, blosc-LZ4 + byte shuffle decoded there (16-byte copies, SIMD unshuffle), rows copied from there into the result with TypedArray.set; a read over ≥ 8 chunks lists the array's folder once and fills the chunks not stored with NaN without opening them. A point decodes only its element of each chunk: the LZ4 streams holding its bytes, each only up to them).`,
      "A slice holds 2 to 20 stored chunks (46 of the 160 are stored). The t = 2 and t = 3 rows separate the costs: the fixed part (the 16 MB result: its page faults when fresh, NaN fills of 30 missing chunks) and ≈0.16 ms of CPU per stored 500 kB chunk for eocube's WebAssembly blosc decoder against ≈0.2 ms for c-blosc under zarr-python.",
      `Fresh results, two ways. Rows without a suffix: this process, with Node's defaults (as a script using the library runs). A new 16 MB result's pages are fresh memory: V8 frees an ArrayBuffer only after a GC and glibc then unmaps (or trims) it, so each new result costs ≈3900 first-touch page faults (≈45 ms per 16 MB on this VM; CPython gets the pages of the previous result back at once: reference counting frees it, and glibc's dynamic mmap threshold keeps it). A size read twice in a row gets a spare buffer touched in idle time (formats/zarr/spare.ts), which helps only when the reads leave it time. Rows 'with the eocube command's settings': a child process started as bin/eocube.js starts (\`${settings}\`): results up to 64 MiB come from malloc's heap and freed memory is kept, so a new result reuses freed pages. Its first reads still fault until V8's first GC has freed earlier results; the child reads ${CHILD_WARM_READS} slices first (untimed, both sides), as a process that has been reading for a while. The xarray peer runs without those settings.`,
      "Decoding threads (issue 13): a read over ≥ 4 whole chunks is shared between the main thread and 1 decoding thread on this 2-core machine (cores − 1, at most 2), each thread reading and decoding chunk files into its own SharedArrayBuffer slots; by default only while the 1-minute load average leaves a core idle (≥ cores − ½: main thread only). The last two rows force 0 and 1 thread side by side.",
      `xarray ${xarray} + zarr: \`ds.${VAR}.isel(...).values\` on \`xr.open_dataset(cube, engine="zarr")\`.`,
      "Rows 'into a reused buffer': eocube reads into one Float64Array given as `out` (no 16 MB allocation per read, only the parts of missing chunks filled; issue 13); xarray's `.values` allocates as before.",
      "Goal: eocube / xarray ≤ 1.5 (issue 13: ≤ 1.0).",
      `1-minute load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end.`,
    ].join("\n"),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === "--child") {
  // glibc has read the malloc settings at start: the xarray peer this child starts runs without them
  for (const k of (process.env.EOCUBE_BENCH_CLEAR_ENV ?? "").split(",")) if (k) delete process.env[k];
  delete process.env.EOCUBE_BENCH_CLEAR_ENV;
  measure(true, CHILD_WARM_READS).then(
    ({ rows }) => process.stdout.write(JSON.stringify(rows)),
    (err) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
