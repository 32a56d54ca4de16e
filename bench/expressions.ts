// Benchmark `expressions`: user-variable expressions over the real cube's chunks (160 chunks of 1×250×250 float64,
// 10 million values per variable) with eocube's compiled programs beside numpy (and numexpr when Debian has it) on
// the same contiguous chunk arrays; only the evaluation is timed, the chunks are in memory on both sides. eocube
// holds its chunks and its result in the SIMD loop's WebAssembly memory (read with ReadOptions.out into
// wasmArray views, as computed variables read their inputs), so nothing is copied in or out; a second column
// runs the same programs over ordinary arrays (copied into that memory block by block). eocube and the peer (a
// long-lived Python process) alternate pass by pass, so both see the same load.
// Goal (issue 15): eocube at least as fast as numpy.
import { fileURLToPath } from "node:url";
import type { NdArray, TypedArray } from "../src/core/ndarray.js";
import type { NumDType } from "../src/expr/dtypes.js";
import { checkExpression, compileExpression, type InputBlock, type Program, runProgram } from "../src/expr/index.js";
import { releaseWasmArray, reserveWasmArena, wasmArray } from "../src/expr/wasm-memory.js";
import { openDataset } from "../src/stores/open.js";
import { median, startPythonPeer } from "./lib/xarray-peer.js";

const CUBE = fileURLToPath(new URL("../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));
const PEER = fileURLToPath(new URL("./expressions_peer.py", import.meta.url));
const REPEATS = 9;
const WARMUP = 3;
const NAMES = ["conc_chl", "conc_tsm", "kd489", "c2rcc_flags"];
const CASES: [string, string, string][] = [
  ["ndvi", "(kd489 - conc_chl) / (kd489 + conc_chl)", "NDVI-like normalised difference"],
  ["ratio", "conc_chl / (conc_tsm + 1)", "chl_ratio"],
  ["masked", "where(c2rcc_flags.Valid_PE, conc_chl / (conc_tsm + 1), nan)", "chl_ratio where the Valid_PE flag is set"],
];

/** The numpy peer: one long-lived /usr/bin/python3 answering one timed pass per command. */
async function startPeer() {
  const peer = await startPythonPeer(PEER, [CUBE]);
  return {
    ready: peer.ready as { numpy: string; numexpr: string | null; chunks: number },
    /** One timed pass of the peer: wall and CPU milliseconds (nulls when the engine cannot evaluate the case). */
    pass: async (key: string, engine: "numpy" | "numexpr") =>
      (await peer.send({ case: key, engine })) as { ms: number | null; cpu: number | null },
    close: () => peer.close(),
  };
}

/** Bytes per value of a numeric dtype. */
function allocateBytes(dtype: string): number {
  return dtype.endsWith("64") ? 8 : dtype.endsWith("32") ? 4 : dtype.endsWith("16") ? 2 : 1;
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const ds = await openDataset(CUBE);
  const [t, h, w] = ds.data_vars.conc_chl!.shape as [number, number, number];
  const chunks: Map<string, InputBlock>[] = [];
  const plain: Map<string, InputBlock>[] = [];
  const views: TypedArray[] = [];
  const sizes = NAMES.map((n) => allocateBytes(ds.data_vars[n]!.dtype));
  // room for every chunk at once (the arena cannot grow while views are live), plus the result
  reserveWasmArena(t * h * w * sizes.reduce((a, b) => a + b, 0) + 250 * 250 * 8 + 4096);
  for (let ti = 0; ti < t; ti++) {
    for (let y = 0; y < h; y += 250) {
      for (let x = 0; x < w; x += 250) {
        const m = new Map<string, InputBlock>();
        const p = new Map<string, InputBlock>();
        for (const n of NAMES) {
          const v = ds.data_vars[n]!;
          const into = wasmArray(v.dtype as NumDType, 250 * 250);
          views.push(into);
          const a: NdArray = await v.read([ti, [y, y + 250], [x, x + 250]], { out: into });
          m.set(n, { data: a.data, dims: ["lat", "lon"], shape: a.shape });
          p.set(n, { data: (a.data as Float64Array).slice(), dims: ["lat", "lon"], shape: a.shape });
        }
        chunks.push(m);
        plain.push(p);
      }
    }
  }
  const vars = Object.fromEntries(NAMES.map((n) => [n, { ...ds.data_vars[n]!, dims: ["lat", "lon"], shape: [250, 250] }]));
  // one result buffer reused for every chunk (numpy's allocator reuses freed memory likewise), in wasm memory
  const out = wasmArray("float64", 250 * 250) as Float64Array;
  views.push(out);
  const inWasm = views.every((a) => a.buffer === out.buffer);
  const plainOut = new Float64Array(250 * 250);
  /** One pass over all chunks: wall and CPU milliseconds (CPU of the process, as the peer's process_time). */
  const pass = (program: Program, over = chunks, into = out) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const c of over) runProgram(program, c, ["lat", "lon"], [250, 250], into);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ms, cpu: (c.user + c.system) / 1000 };
  };
  const programs = CASES.map(([, expr]) => {
    const checked = checkExpression(expr, vars);
    return { eocube: compileExpression(checked), js: compileExpression(checked, { simd: false }) };
  });
  const peer = await startPeer();
  const times = CASES.map(() => ({
    eocube: [] as number[],
    eocubeCpu: [] as number[],
    copying: [] as number[],
    js: [] as number[],
    numpy: [] as number[],
    numpyCpu: [] as number[],
    numexpr: [] as number[],
  }));
  try {
    for (let r = 0; r < WARMUP + REPEATS; r++) {
      for (const [k, [key]] of CASES.entries()) {
        const t = times[k]!;
        const p = programs[k]!;
        const e = pass(p.eocube);
        const cp = pass(p.eocube, plain, plainOut);
        const j = p.eocube.simd ? pass(p.js) : e;
        const np = await peer.pass(key, "numpy");
        const ne = await peer.pass(key, "numexpr");
        if (r < WARMUP) continue;
        t.eocube.push(e.ms);
        t.eocubeCpu.push(e.cpu);
        t.copying.push(cp.ms);
        t.js.push(j.ms);
        t.numpy.push(np.ms!);
        t.numpyCpu.push(np.cpu!);
        if (ne.ms !== null) t.numexpr.push(ne.ms);
      }
    }
  } finally {
    peer.close();
    for (const a of views) releaseWasmArray(a);
  }
  const values = chunks.length * 250 * 250;
  const rows = CASES.map(([, expr, what], k) => {
    const t = times[k]!;
    const e = median(t.eocube);
    const np = median(t.numpy);
    return {
      expression: `${what}: \`${expr}\``,
      "eocube ms": Number(e.toPrecision(3)),
      "numpy ms": Number(np.toPrecision(3)),
      "eocube, ordinary arrays ms": Number(median(t.copying).toPrecision(3)),
      "numexpr ms": t.numexpr.length ? Number(median(t.numexpr).toPrecision(3)) : "–",
      "eocube JS loop ms": programs[k]!.eocube.simd ? Number(median(t.js).toPrecision(3)) : "(= eocube)",
      "eocube Mvalues/s": Math.round(values / e / 1000),
      "numpy / eocube": Number((np / e).toFixed(2)),
      "eocube CPU ms": Number(median(t.eocubeCpu).toPrecision(3)),
      "numpy CPU ms": Number(median(t.numpyCpu).toPrecision(3)),
      "numpy / eocube (CPU)": Number((median(t.numpyCpu) / median(t.eocubeCpu)).toFixed(2)),
    };
  });
  const v = peer.ready;
  return {
    name: "expressions",
    rows,
    notes: [
      `${chunks.length} chunks of 250×250 float64 (all 5 time steps of the cube), in memory on both sides; eocube and numpy (a long-lived /usr/bin/python3) alternate pass by pass (eocube, eocube over ordinary arrays, its JS loop, numpy, numexpr; ${WARMUP} warm-up rounds), median of ${REPEATS} passes over all chunks.`,
      "eocube: `checkExpression` + `compileExpression` once, `runProgram` per chunk into one reused result buffer: the WebAssembly SIMD loop (f64x2, emitted from the checked tree) where the expression has one, else the JavaScript loop generated from the tree; 'eocube JS loop' is the same program compiled with `{ simd: false }`.",
      `eocube's chunks and result buffer lie in the SIMD loop's WebAssembly memory${inWasm ? "" : " (NOT all of them: the arena was full)"}: each chunk read with \`read(selection, { out: wasmArray(dtype, n) })\`, as a computed variable reads its float64 inputs before evaluating (src/expr/variable.ts), so the SIMD loop reads and writes them in place; 'eocube, ordinary arrays' runs the same programs over copies of the chunks in ordinary ArrayBuffers and an ordinary result buffer (copied into and out of that memory block by block).`,
      `numpy ${v.numpy} (Debian, /usr/bin/python3): the same expression per chunk (\`np.where\`, flags as \`nan_to_num(f).astype(int64) & -2**31\`)${v.numexpr ? `; numexpr ${v.numexpr}: \`numexpr.evaluate\` per chunk (no bit operators: not for the masked case)` : "; numexpr is not installed"}.`,
      "Goal: numpy / eocube ≥ 1.",
    ].join("\n"),
  };
}
