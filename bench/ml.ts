// Benchmark `ml`: one shuffled epoch of random 32×32 patches (kd489, conc_tsm, conc_chl; batches of 64) over the
// real cube with eocube's chunk-aware batches, beside a PyTorch DataLoader over xarray `isel` at the same sample
// positions (bench/ml_peer.py, Debian python3-torch). Each side runs in its own process, one after the other, for
// its own peak RSS; eocube runs as plain Node on the built package (bench/ml_child.mjs); chunk reads are counted on
// both sides (eocube: an extra epoch through the counting fs; Python: a counting zarr store).
// Goal (issue 17): ≥ 3× the samples/s at ≤ ½ the memory, and chunk reads per epoch = stored chunks.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const CUBE = `${DATA}zarr/cube-1-250-250.zarr`;
const PEER = fileURLToPath(new URL("./ml_peer.py", import.meta.url));
const CHILD = fileURLToPath(new URL("./ml_child.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BUFFER = 1024;
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

/** Builds dist/ (tsc -p tsconfig.build.json; not timed) so that eocube runs as the installed package does. */
async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`], {
    cwd: ROOT,
    maxBuffer: 1 << 26,
  }).catch(() => undefined); // type errors elsewhere still emit; a missing dist/ fails the child below
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const load = loadavg()[0]!.toFixed(1);
  const work = mkdtempSync(join(tmpdir(), "eocube-bench-ml-"));
  try {
    const positions = join(work, "positions.i32");
    const timedPositions = join(work, "positions-timed.i32");
    const exec = promisify(execFile);
    await build();
    const eocube = async (mode: "count" | "time", file: string) =>
      JSON.parse(
        (
          await exec(process.execPath, [CHILD, mode, DATA, "zarr/cube-1-250-250.zarr", file, String(BATCH), String(BUFFER)], {
            maxBuffer: 1 << 24,
          })
        ).stdout,
      ) as Side;
    // one counting epoch (chunk reads; the sample origins the peer reads), then alternating timed runs (eocube, peer,
    // eocube, peer, …) on the plain file system; each timed epoch must draw the same samples in the same order
    const counted = await eocube("count", positions);
    const eoRuns: Side[] = [];
    const pyRuns: Side[] = [];
    for (let r = 0; r < REPEATS; r++) {
      eoRuns.push(await eocube("time", timedPositions));
      if (!readFileSync(timedPositions).equals(readFileSync(positions)))
        throw new Error("a timed epoch drew other samples than the counted one");
      pyRuns.push(
        JSON.parse((await exec("/usr/bin/python3", [PEER, CUBE, positions, String(BATCH)], { maxBuffer: 1 << 24 })).stdout) as Side,
      );
      if (pyRuns[0]!.error) break;
    }
    const eo = { ...medianSide(eoRuns), chunk_reads: counted.chunk_reads };
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
      row(`eocube batches (chunk-aware, buffer ${BUFFER}; node on the built package)`, eo),
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
        `order, samples drawn from a ${BUFFER}-sample buffer, next unit prefetched), run as a user runs it: \`node bench/ml_child.mjs\` importing`,
        '"eocube" (the built package, dist/ built by tsc before timing; no TypeScript loader — tsx alone adds ~35 MB RSS and its start-up).',
        "Peer: `torch.utils.data.DataLoader(shuffle=True, num_workers=0)` whose Dataset does `ds[vars].isel(time, lat, lon)` on",
        "`xr.open_zarr(chunks=None)` at the same patch origins eocube kept; both sides pay their imports (Node + eocube's whole public API;",
        "CPython + torch + xarray + zarr) in their peak RSS.",
        "Chunk reads: data-chunk keys read (eocube: one extra epoch through a `withCounting` fs, whose samples the timed epochs must match",
        "exactly (checked); the timed epochs read the plain local fs, where the Zarr reader takes its synchronous local path; Python: a",
        "counting zarr DirectoryStore in the timed runs). Stored chunks: the chunk files of the three arrays (missing chunks are all-NaN and",
        "read as fill value). Peak RSS: each process's maxrss (Node: `process.resourceUsage`, Python: `getrusage`); growth = peak − RSS",
        `after imports and opening.${ratio}`,
        `1-minute load average: ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on 2 cores (other helpers' work): absolute figures are noisy, the ratio less so.`,
        "Not compared: DataLoader worker processes (num_workers > 0) would add throughput and memory on the Python side.",
      ].join("\n"),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
