// Benchmark `ml`: one shuffled epoch of random 32×32 patches (kd489, conc_tsm, conc_chl; batches of 64) over the
// real cube with eocube's chunk-aware batches, beside a PyTorch DataLoader over xarray `isel` at the same sample
// positions (bench/ml_peer.py, Debian python3-torch). Each side runs in its own process, one after the other, for
// its own peak RSS; chunk reads are counted on both sides (eocube: the counting fs; Python: a counting zarr store).
// Goal (issue 17): ≥ 3× the samples/s at ≤ ½ the memory, and chunk reads per epoch = stored chunks.
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { withCounting } from "../src/fs/counting.js";
import { FileFileSystem } from "../src/fs/file.js";
import { batches, createSampler } from "../src/ml/index.js";
import { FsDataStore } from "../src/stores/index.js";

const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const CUBE = `${DATA}zarr/cube-1-250-250.zarr`;
const PEER = fileURLToPath(new URL("./ml_peer.py", import.meta.url));
const VARS = ["kd489", "conc_tsm", "conc_chl"];
const BATCH = 64;
const REPEATS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The median run: median seconds and peak RSS; counts from the first run (they do not change). */
function medianSide(runs: Side[]): Side {
  return {
    ...runs[0]!,
    seconds: median(runs.map((r) => r.seconds)),
    peak_kib: median(runs.map((r) => r.peak_kib)),
    base_kib: median(runs.map((r) => r.base_kib)),
  };
}

interface Side {
  samples: number;
  seconds: number;
  peak_kib: number;
  base_kib: number;
  chunk_reads: number;
  stored_chunks: number;
  error?: string;
  torch?: string;
}

/** The eocube side, run in a child process (`node --import tsx bench/ml.ts --child <positions file>`). */
async function child(positionsFile: string): Promise<void> {
  const fs = withCounting(new FileFileSystem(DATA));
  const ds = await new FsDataStore("file", {}, fs).openData("zarr/cube-1-250-250.zarr", {});
  const sampler = await createSampler(ds, { inputs: VARS, size: { y: 32, x: 32 }, minValid: 0.5 });
  const storedKeys = new Set(
    (
      await Promise.all(
        VARS.map(async (v) =>
          (await fs.inner.list(`zarr/cube-1-250-250.zarr/${v}/`)).map((k) => (k.includes("/") ? k : `zarr/cube-1-250-250.zarr/${v}/${k}`)),
        ),
      )
    )
      .flat()
      .filter((k) => !/\/\.z/.test(k)),
  );
  const stored = storedKeys.size;
  const base = process.resourceUsage().maxRSS;
  fs.reset();
  const origins: number[] = [];
  const t0 = performance.now();
  let n = 0;
  for await (const b of batches(sampler, { batchSize: BATCH, seed: 0, bufferSize: 1024, nan: "fill" })) {
    n += b.size;
    for (const e of b.extents) origins.push(e.t0, e.y0, e.x0);
  }
  const seconds = (performance.now() - t0) / 1000;
  const reads = fs.counts.keys.filter((k) => storedKeys.has(k.replace(/^\/+/, ""))).length;
  writeFileSync(positionsFile, new Uint8Array(Int32Array.from(origins).buffer));
  const out: Side = {
    samples: n,
    seconds,
    peak_kib: process.resourceUsage().maxRSS,
    base_kib: base,
    chunk_reads: reads,
    stored_chunks: stored,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await ds.close();
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const load = loadavg()[0]!.toFixed(1);
  const work = mkdtempSync(join(tmpdir(), "eocube-bench-ml-"));
  try {
    const positions = join(work, "positions.i32");
    const exec = promisify(execFile);
    const me = fileURLToPath(import.meta.url);
    // alternating runs (eocube, peer, eocube, peer, …); each figure is the median of its side
    const eoRuns: Side[] = [];
    const pyRuns: Side[] = [];
    for (let r = 0; r < REPEATS; r++) {
      eoRuns.push(
        JSON.parse((await exec(process.execPath, ["--import", "tsx", me, "--child", positions], { maxBuffer: 1 << 24 })).stdout) as Side,
      );
      pyRuns.push(
        JSON.parse((await exec("/usr/bin/python3", [PEER, CUBE, positions, String(BATCH)], { maxBuffer: 1 << 24 })).stdout) as Side,
      );
      if (pyRuns[0]!.error) break;
    }
    const eo = medianSide(eoRuns);
    const py = pyRuns[0]!.error ? pyRuns[0]! : medianSide(pyRuns);
    const row = (name: string, s: Side) =>
      s.error
        ? {
            loader: name,
            samples: "-",
            "samples/s": "-",
            "peak RSS MB": "-",
            "RSS growth MB": "-",
            "chunk reads": "-",
            "stored chunks": "-",
            note: s.error,
          }
        : {
            loader: name,
            samples: s.samples,
            "samples/s": Math.round(s.samples / s.seconds),
            "peak RSS MB": Math.round(s.peak_kib / 1024),
            "RSS growth MB": Math.round((s.peak_kib - s.base_kib) / 1024),
            "chunk reads": s.chunk_reads,
            "stored chunks": s.stored_chunks,
            note: "",
          };
    const rows = [
      row("eocube batches (chunk-aware, buffer 1024)", eo),
      row(`PyTorch DataLoader over xarray isel${py.torch ? ` (torch ${py.torch})` : ""}`, py),
    ];
    const ratio = py.error
      ? ""
      : ` eocube / peer: ${(eo.samples / eo.seconds / (py.samples / py.seconds)).toFixed(1)}× the samples/s, ${((eo.peak_kib / py.peak_kib) * 100).toFixed(0)} % of the peak RSS.`;
    return {
      name: "ml",
      rows,
      notes: [
        `Medians of ${REPEATS} alternating runs (eocube, peer, …), each a new process.`,
        "One epoch of the real cube (5 × 1000 × 2000, chunks 1 × 250 × 250, float64, blosc-lz4): 32 × 32 patches of kd489, conc_tsm, conc_chl",
        "with ≥ 50 % valid pixels, batches of 64, float32, NaN filled. eocube: `createSampler` + `batches` (units of chunks in a seeded random",
        "order, samples drawn from a 1024-sample buffer, next unit prefetched). Peer: `torch.utils.data.DataLoader(shuffle=True, num_workers=0)`",
        "whose Dataset does `ds[vars].isel(time, lat, lon)` on `xr.open_zarr(chunks=None)` at the same patch origins eocube kept.",
        "Chunk reads: data-chunk keys read (eocube: `withCounting` fs; Python: a counting zarr DirectoryStore). Stored chunks: the chunk files",
        "of the three arrays (missing chunks are all-NaN and read as fill value). Peak RSS: each process's maxrss (Node: `process.resourceUsage`,",
        `Python: \`getrusage\`); growth = peak − RSS after imports and opening.${ratio}`,
        `1-minute load average at the start: ${load} on 2 cores (other helpers' work): absolute figures are noisy, the ratio less so.`,
        "Not compared: DataLoader worker processes (num_workers > 0) would add throughput and memory on the Python side.",
      ].join("\n"),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes("--child")) {
  child(process.argv[process.argv.indexOf("--child") + 1]!).catch((err) => {
    process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  });
}
