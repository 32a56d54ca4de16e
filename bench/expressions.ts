// Benchmark `expressions`: user-variable expressions over the real cube's chunks (160 chunks of 1×250×250 float64,
// 10 million values per variable) with eocube's compiled kernels beside numpy (and numexpr when Debian has it) on
// the same contiguous chunk arrays; only the evaluation is timed, the chunks are in memory on both sides.
// Goal (issue 15): eocube at least as fast as numpy.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { NdArray } from "../src/core/ndarray.js";
import { openDataset } from "../src/stores/open.js";
import { checkExpression, compileExpression, runProgram, type InputBlock } from "../src/expr/index.js";

const CUBE = fileURLToPath(new URL("../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));
const PEER = fileURLToPath(new URL("./expressions_peer.py", import.meta.url));
const REPEATS = 5;
const NAMES = ["conc_chl", "conc_tsm", "kd489", "c2rcc_flags"];
const CASES: [string, string, string][] = [
  ["ndvi", "(kd489 - conc_chl) / (kd489 + conc_chl)", "NDVI-like normalised difference"],
  ["ratio", "conc_chl / (conc_tsm + 1)", "chl_ratio"],
  ["masked", "where(c2rcc_flags.Valid_PE, conc_chl / (conc_tsm + 1), nan)", "chl_ratio where the Valid_PE flag is set"],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const ds = await openDataset(CUBE);
  const [t, h, w] = ds.data_vars.conc_chl!.shape as [number, number, number];
  const chunks: Map<string, InputBlock>[] = [];
  for (let ti = 0; ti < t; ti++) {
    for (let y = 0; y < h; y += 250) {
      for (let x = 0; x < w; x += 250) {
        const m = new Map<string, InputBlock>();
        for (const n of NAMES) {
          const a: NdArray = await ds.data_vars[n]!.read([ti, [y, y + 250], [x, x + 250]]);
          m.set(n, { data: a.data, dims: ["lat", "lon"], shape: a.shape });
        }
        chunks.push(m);
      }
    }
  }
  const vars = Object.fromEntries(NAMES.map((n) => [n, { ...ds.data_vars[n]!, dims: ["lat", "lon"], shape: [250, 250] }]));
  const eo: Record<string, number[]> = {};
  for (const [key, expr] of CASES) {
    const program = compileExpression(checkExpression(expr, vars));
    // one result buffer reused for every chunk (numpy's allocator reuses freed memory likewise)
    const out = new Float64Array(250 * 250);
    for (const c of chunks) runProgram(program, c, ["lat", "lon"], [250, 250], out);
    eo[key] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      for (const c of chunks) runProgram(program, c, ["lat", "lon"], [250, 250], out);
      eo[key].push(performance.now() - t0);
    }
  }
  // the peer runs after eocube's timing, not beside it: on a small machine they would compete for the cores
  const peer = await promisify(execFile)("/usr/bin/python3", [PEER, CUBE, String(REPEATS)], { maxBuffer: 1 << 24 });
  const py = JSON.parse(peer.stdout) as Record<string, { numpy: number[]; numexpr: number[] }> & {
    _versions: { numpy: string; numexpr: string | null; chunks: number };
  };
  const values = chunks.length * 250 * 250;
  const rows = CASES.map(([key, expr, what]) => {
    const e = median(eo[key]!);
    const np = median(py[key]!.numpy);
    const ne = py[key]!.numexpr.length ? median(py[key]!.numexpr) : undefined;
    return {
      expression: `${what}: \`${expr}\``,
      "eocube ms": Number(e.toPrecision(3)),
      "numpy ms": Number(np.toPrecision(3)),
      "numexpr ms": ne === undefined ? "–" : Number(ne.toPrecision(3)),
      "eocube Mvalues/s": Math.round(values / e / 1000),
      "numpy / eocube": Number((np / e).toFixed(2)),
    };
  });
  const v = py._versions;
  return {
    name: "expressions",
    rows,
    notes: [
      `${chunks.length} chunks of 250×250 float64 (all 5 time steps of the cube), in memory on both sides, one side after the other; median of ${REPEATS} runs of all chunks after one warm-up.`,
      "eocube: `checkExpression` + `compileExpression` once (one loop generated from the checked tree), `runProgram` per chunk into one reused result buffer.",
      `numpy ${v.numpy} (Debian, /usr/bin/python3): the same expression per chunk (\`np.where\`, flags as \`nan_to_num(f).astype(int64) & -2**31\`)${v.numexpr ? `; numexpr ${v.numexpr}: \`numexpr.evaluate\` per chunk (no bit operators: not for the masked case)` : "; numexpr is not installed"}.`,
      "Goal: numpy / eocube ≥ 1.",
    ].join("\n"),
  };
}
