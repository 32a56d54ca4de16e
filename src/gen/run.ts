// The gen executor: plan the cube, compute its chunks in a worker pool (piscina), write them into
// the Zarr writer's temporary store, and commit (metadata last, then rename) only on success. NetCDF4 and GeoTIFF
// outputs: that Zarr goes to a temporary folder beside the output and is then written by eocube subset's writers.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Piscina } from "piscina";
import { formatBytes } from "../core/bytes.js";
import { ERROR_CODES, EocubeError, isEocubeError, type ErrorCode } from "../core/errors.js";
import { encodeBloscLz4Transient, recycleFrame } from "../formats/zarr/blosc-encode.js";
import { LITTLE_ENDIAN } from "../formats/zarr/blosc-format.js";
import { LEVEL, type ZarrCompressorName } from "../formats/zarr/codecs.js";
import { decodeThreadStats, setDecodeThreads } from "../formats/zarr/decode-pool.js";
import { joinStoreKey } from "../formats/zarr/store.js";
import { createZarrWriter, type ZarrArraySpec, type ZarrWriter } from "../formats/zarr/writer.js";
import { FileFileSystem } from "../fs/file.js";
import { fileHandles } from "../fs/file-handles.js";
import { putLocalSync } from "../fs/put-local.js";
import type { FileSystem } from "../fs/types.js";
import { FsDataStore, checkDataId } from "../stores/fsstore.js";
import { newDataStore } from "../stores/registry.js";
import { buildCube } from "./pipeline.js";
import { chunkGrid, chunkSelection, describePlan, planCube, toStored, type GenInfo, type GenPlan } from "./plan.js";
import type { Dataset } from "../core/dataset.js";
import type { GenRequest } from "./request.js";
import { giveBuffer } from "../ops/buffers.js";
import type { TypedArray } from "../core/ndarray.js";
import type { EncodeThread } from "../formats/zarr/encode-thread.js";
import { computeTask, lendCube, type WorkerResult, type WorkerTask } from "./worker.js";
import { DEFAULT_MAX_OUTPUT_BYTES } from "./defaults.js";

/** Progress of a run, reported after each finished task. */
export interface GenProgress {
  done: number;
  total: number;
  /** Compressed bytes written so far. */
  bytes: number;
  elapsed_s: number;
}

/** Options of {@link runGen}. */
export interface RunGenOptions {
  /** Threads computing tasks (default: the core count): the main thread and up to `workers − 1` worker threads (see inlineMs); 0 computes on the main thread only. */
  workers?: number;
  /** Tasks in flight per worker (default 2): bounds memory to about workers × 2 tasks' chunks. */
  tasksPerWorker?: number;
  /**
   * With workers ≥ 1, the main thread computes tasks too, and `workers − 1` worker threads are started only once the
   * tasks done so far predict more than this many milliseconds of CPU time left on the main thread (a small job then runs
   * in one thread: starting a thread costs about 0.5 CPU-s), nor when the machine has no idle core meanwhile (see
   * {@link idleCores}); the run's reads decode on the computing thread, not in the Zarr reader's decoding threads (unless
   * EOCUBE_READ_THREADS is set; then no worker thread starts while those fill the other cores); 0: `workers` threads
   * from the start and no task on the main thread. Default {@link DEFAULT_INLINE_MS}, or env `EOCUBE_GEN_INLINE_MS`.
   */
  inlineMs?: number;
  /**
   * The chunks of a local blosc-lz4 output that the main thread computes are encoded and written by a light encoding
   * thread (formats/zarr/encode-thread.ts: the values handed over, not copied; same bytes), while the main thread computes
   * the next task, when the output is estimated at least this many bytes (uncompressed) and its chunks are at least
   * {@link MIN_ENCODE_THREAD_CHUNK_BYTES} on average; negative: never. Default {@link DEFAULT_ENCODE_THREAD_BYTES}, or env
   * `EOCUBE_GEN_ENCODE_BYTES`.
   */
  encodeThreadBytes?: number;
  /** Called after every finished task. */
  onProgress?: (p: GenProgress) => void;
  /** Time stamped into the metadata (default now). */
  now?: Date;
  /**
   * Largest estimated output (uncompressed bytes of the data variables, as `--info` prints) a run may
   * write [default {@link DEFAULT_MAX_OUTPUT_BYTES}]; a larger plan is refused before anything is written.
   */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/**
 * Default of {@link RunGenOptions.inlineMs}: 4 s. Measured on 2 idle cores, a worker thread did not shorten jobs of
 * 2–3 CPU-s (reprojection of 3 OSTIA days to 10240×5632: 2.3–2.4 s on the main thread alone, 2.4–2.6 s with a thread,
 * which costs ≈ 0.5 CPU-s to start and 40 MiB).
 */
export const DEFAULT_INLINE_MS = 4000;

/**
 * Default of {@link RunGenOptions.encodeThreadBytes}: 256 MiB. A local blosc-lz4 output at least this large (uncompressed,
 * as `--info` estimates it) is encoded and written by a light thread (formats/zarr/encode-thread.ts): the thread costs
 * ~10 MiB of memory (its isolate) and saves the main thread ~1.3 ms per 2 MiB chunk; measured on the 8-day mean (2 cores,
 * load 1.3–1.9): 384 MiB of output 1.46 → 1.63–1.71× xarray+dask's speed at 0.49× its RSS (was 0.43×); 192 MiB 1.76 →
 * 1.82–1.86× but 0.51× its RSS (was 0.44×), hence not below 256 MiB.
 */
export const DEFAULT_ENCODE_THREAD_BYTES = 256 * 1024 ** 2;

/**
 * The encoding thread is used only when the data chunks are at least this large on average (uncompressed): 1 MiB. A
 * hand-over costs the main thread ~15–30 µs per chunk (a message, a pooled buffer) whatever its size, so small chunks
 * gain nothing: 38400 chunks of 260 × 190 float32 (the distributed bench's 0.0025° request, 2 cores): 4.3–5.3 s and
 * 5.1–6.2 CPU-s on the main thread alone, 5.1–5.3 s and 8.0–8.4 CPU-s with the thread. The 8-day mean's 2 MiB chunks
 * gain (see {@link DEFAULT_ENCODE_THREAD_BYTES}).
 */
export const MIN_ENCODE_THREAD_CHUNK_BYTES = 1024 ** 2;

/**
 * Uncompressed output of the consecutive tasks a worker thread of the local pool takes at once (at most 256 tasks): 8
 * MiB. One task per message cost more than it gained for small tasks: 3 OSTIA days at 0.0015° (53868 tasks of 2 ×
 * 260 × 190 float32, ~0.2 ms each), 2 cores: 11 s on the main thread alone, 12–15 s with a worker thread taking one
 * task at a time (a message each way per task, and a tile's 3 tasks split between the threads, each computing its
 * pixel map).
 */
export const POOL_GROUP_BYTES = 8 * 1024 ** 2;

/** `EOCUBE_GEN_ENCODE_BYTES` as a number of bytes (a negative one: never), or undefined when unset or not a number. */
function envEncodeBytes(): number | undefined {
  const v = process.env.EOCUBE_GEN_ENCODE_BYTES;
  const n = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** The machine's idle and total CPU time so far, summed over its cores, in milliseconds (os.cpus(): /proc/stat on Linux). */
export function machineCpuMs(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const { times: t } of cpus()) {
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * Cores left idle between two {@link machineCpuMs} samples: the idle share of the CPU time times the core count, e.g.
 * 1.0 on 2 cores when this run kept one busy and nothing else ran. NaN when no time passed (the counters move in clock
 * ticks of 10 ms: compare samples ≥ {@link IDLE_WINDOW_MS} apart).
 */
export function idleCores(from: { idle: number; total: number }, to: { idle: number; total: number }, cores: number): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.idle - from.idle) / total) * cores : Number.NaN;
}

/** Wall milliseconds the main thread's first tasks run before the idle cores are judged (see the pool's start). */
export const IDLE_WINDOW_MS = 250;

/** CPU time of this process so far (user + system, all threads), in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `EOCUBE_GEN_INLINE_MS` as a number of milliseconds, or undefined when unset or not a number ≥ 0. */
function envInlineMs(): number | undefined {
  const v = process.env.EOCUBE_GEN_INLINE_MS;
  const n = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export { DEFAULT_MAX_OUTPUT_BYTES };

/** What a finished run reports. */
export interface GenResult {
  info: GenInfo;
  /** Compressed bytes of the data chunks written (a NetCDF or GeoTIFF output: the size of the file). */
  bytes_written: number;
  seconds: number;
}

/** A readable name of the output (`file:///out/cube.zarr`). */
export function outputLabel(req: Pick<GenRequest, "output">): string {
  const root = typeof req.output.store_params.root === "string" ? req.output.store_params.root : "";
  return `${req.output.store_id === "file" ? "" : `${req.output.store_id}:`}${root ? `${root.replace(/\/+$/, "")}/` : ""}${req.output.data_id}`;
}

/**
 * Plans the cube of a request without computing it: target grid, dims, variables, chunk and task
 * counts, estimated (uncompressed) bytes. Reads only metadata and coordinates.
 * @throws EocubeError as {@link buildCube}.
 */
export async function genInfo(req: GenRequest, options: { signal?: AbortSignal } = {}): Promise<GenInfo> {
  const built = await buildCube(req, { signal: options.signal });
  try {
    return await describePlan(built.cube, built.grid, planCube(built.cube), req.inputs.length, outputLabel(req));
  } finally {
    await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
  }
}

/**
 * Refuses a plan whose estimated output (uncompressed data variables) exceeds `maxBytes`.
 * @throws EocubeError TOO_LARGE naming the estimate, the grid and the limit.
 */
export function checkOutputSize(info: GenInfo, maxBytes: number): void {
  if (info.estimated_bytes <= maxBytes) return;
  const g = info.grid;
  throw new EocubeError(
    "TOO_LARGE",
    `the output ${info.output} would hold about ${formatBytes(info.estimated_bytes)} (uncompressed; ${g.width} × ${g.height} pixels, ${info.chunks} chunks), more than the limit of ${formatBytes(maxBytes)}`,
    {
      path: info.output,
      field: "--max-output-size",
      hint: "check cube_config bbox, spatial_res and time_range (eocube gen --info prints the plan), or raise the limit: --max-output-size <size> (e.g. 2T; maxOutputBytes in the library)",
    },
  );
}

/**
 * The file system of the request's output store.
 * @throws EocubeError UNSUPPORTED (a store gen cannot write), INVALID_ARGUMENT (bad data_id).
 */
export function outputFs(req: Pick<GenRequest, "output">): FileSystem {
  const store = newDataStore(req.output.store_id, req.output.store_params);
  if (!(store instanceof FsDataStore)) {
    throw new EocubeError("UNSUPPORTED", `output store ${req.output.store_id} cannot be written by gen`, {
      field: "output_config/store_id",
    });
  }
  checkDataId(req.output.data_id);
  return store.fs;
}

/** The worker module's file and the Node flags it needs (tsx when running from TypeScript sources). */
export function workerFile(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  const ts = here.endsWith(".ts");
  // From sources, an .mjs shim makes piscina import (not require) the worker, so tsx maps .js → .ts.
  const filename = fileURLToPath(new URL(ts ? "./worker-tsx.mjs" : "./worker.js", here));
  return { filename, execArgv: [] };
}

/**
 * Runs a gen request: builds the cube lazily, creates the Zarr writer (ALREADY_EXISTS unless
 * `output_config.replace`), writes the coordinates, computes the data chunks on the main thread and, for a job
 * predicted to be long, up to `workers − 1` worker threads ({@link RunGenOptions.inlineMs}), with at most
 * `tasksPerWorker` tasks in flight per thread, then commits (metadata written last,
 * temporary store renamed into place). On any failure the temporary store is removed and nothing
 * appears at the output path. `output.format` netcdf / geotiff: see {@link generateFile} (a temporary Zarr,
 * then one NetCDF4 file or Cloud Optimized GeoTIFF).
 * @throws EocubeError from the inputs and the request; ALREADY_EXISTS; WORKER_FAILED when a worker
 *   thread dies; CANCELLED when aborted.
 */
export async function runGen(req: GenRequest, options: RunGenOptions = {}): Promise<GenResult> {
  try {
    if (req.output.format === "netcdf" || req.output.format === "geotiff") return await generateFile(req, options);
    return await generate(req, options);
  } catch (err) {
    throw interruptedError(err, options.signal, "eocube gen", outputLabel(req));
  }
}

/**
 * The error of a run that `signal` stopped: CANCELLED saying why (the signal's EocubeError reason, e.g.
 * "eocube gen was interrupted (SIGINT)") and that no change was made to `output`; other errors unchanged.
 */
export function interruptedError(err: unknown, signal: AbortSignal | undefined, what: string, output: string): unknown {
  if (!signal?.aborted) return err;
  const why = isEocubeError(signal.reason) ? signal.reason.message : `${what} was aborted`;
  return new EocubeError("CANCELLED", `${why}; no change was made to ${output}`, { path: output, cause: err });
}

/** Hooks of {@link generate} for a NetCDF/GeoTIFF output: its label, and a check of the planned cube before any work. */
interface GenerateHooks {
  label?: string;
  check?: (cube: Dataset) => Promise<void>;
}

/**
 * A gen request whose output is a NetCDF4 file or a Cloud Optimized GeoTIFF: refuses an existing output (unless
 * replace) and, for GeoTIFF, a cube its band rule cannot hold (before any chunk is computed); computes the cube into a
 * temporary Zarr store in a hidden folder beside the output; writes the file with formats/netcdf4-write.ts or
 * formats/geotiff-write.ts (which write a temporary sibling and rename it into place); removes the folder in any case.
 * @throws EocubeError as {@link runGen}; INVALID_ARGUMENT (field output_config/format) for a GeoTIFF of several
 *   variables × several time steps.
 */
async function generateFile(req: GenRequest, options: RunGenOptions): Promise<GenResult> {
  const t0 = Date.now();
  const format = req.output.format as "netcdf" | "geotiff";
  const root = req.output.store_params.root;
  if (req.output.store_id !== "file" || typeof root !== "string") {
    throw new EocubeError("UNSUPPORTED", `output_config/format ${format} is written to a file store only`, {
      field: "output_config/format",
      hint: "use store_id file, or format zarr",
    });
  }
  checkDataId(req.output.data_id);
  const target = join(root, req.output.data_id);
  const label = outputLabel(req);
  if (existsSync(target) && !req.output.replace) {
    throw new EocubeError(
      "ALREADY_EXISTS",
      `the output ${label} exists`,
      req.format === "legacy"
        ? { path: label, field: "output_path", hint: "pass --replace to overwrite it, or choose another output_path (or -o)" }
        : {
            path: label,
            field: "output_config/replace",
            hint: "set output_config.replace: true (or pass --replace) to overwrite it, or choose another data_id",
          },
    );
  }
  const check =
    format === "geotiff"
      ? async (cube: Dataset) => {
          const { readGridMapping } = await import("../core/gridmapping-read.js");
          const { planBands } = await import("../formats/geotiff-bands.js");
          const gm = await readGridMapping(cube, { signal: options.signal });
          if (!gm) return; // writeGeoTiff names it
          try {
            await planBands(cube, gm, { signal: options.signal });
          } catch (err) {
            throw geotiffError(err);
          }
        }
      : undefined;
  await mkdir(dirname(target), { recursive: true });
  const tmp = await mkdtemp(join(dirname(target), `.${basename(target)}.gen-`));
  try {
    const zreq: GenRequest = {
      ...req,
      output: { ...req.output, store_id: "file", store_params: { root: tmp }, data_id: "cube.zarr", replace: false, format: "zarr" },
    };
    const result = await generate(zreq, options, { label, check });
    const { openDataset } = await import("../stores/open.js");
    const ds = await openDataset(join(tmp, "cube.zarr"), { signal: options.signal });
    try {
      if (format === "netcdf") await (await import("../formats/netcdf4-write.js")).writeNetcdf4(ds, target, { signal: options.signal });
      else {
        try {
          await (await import("../formats/geotiff-write.js")).writeGeoTiff(ds, target, { signal: options.signal });
        } catch (err) {
          throw geotiffError(err);
        }
      }
    } finally {
      await ds.close().catch(() => undefined);
    }
    return { ...result, bytes_written: (await stat(target)).size, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The GeoTIFF band rule's refusal (field `bands`) in the words of a gen request; other errors unchanged. */
function geotiffError(err: unknown): unknown {
  if (!isEocubeError(err, "INVALID_ARGUMENT") || err.field !== "bands") return err;
  return new EocubeError("INVALID_ARGUMENT", `output_config/format geotiff: ${err.message}`, {
    field: "output_config/format",
    hint: "select one time step (cube_config.time_range) or one variable (cube_config.variable_names), or write format netcdf or zarr",
    cause: err,
  });
}

async function generate(req: GenRequest, options: RunGenOptions, hooks: GenerateHooks = {}): Promise<GenResult> {
  const t0 = Date.now();
  const now = options.now ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const fs = outputFs(req);
  const built = await buildCube(req, { now, signal: options.signal });
  const plan = planCube(built.cube);
  const info = await describePlan(built.cube, built.grid, plan, req.inputs.length, hooks.label ?? outputLabel(req));
  try {
    checkOutputSize(info, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    await hooks.check?.(built.cube);
  } catch (err) {
    await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
    throw err;
  }
  const version = req.output.format_version;
  const compressor = (req.output.compressor ?? "blosc") as ZarrCompressorName;
  let writer: ZarrWriter;
  try {
    writer = await openOutputWriter(req, fs, plan, { signal: options.signal });
  } catch (err) {
    await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
    throw err;
  }
  const specsByName: Record<string, ZarrArraySpec> = Object.fromEntries(plan.specs.map((s) => [s.name, s]));
  let pool: Piscina | undefined;
  let encoder: EncodeThread | undefined;
  let bytes = 0;
  try {
    const nWorkers = Math.max(0, Math.floor(options.workers ?? availableParallelism()));
    const total = plan.taskCount;
    const perWorker = Math.max(1, options.tasksPerWorker ?? 2);
    // the main thread's tasks read local files synchronously, so a second task in flight there overlaps nothing but
    // the chunk writes and holds one more input block (8-day mean of 916 MiB: ~3 MiB less peak RSS with one); inputs on
    // other stores are read asynchronously and keep perWorker tasks in flight
    const mainPerThread = req.inputs.every((i) => i.store_id === "file") ? 1 : perWorker;
    const nowIso = now.toISOString();
    // tasks i … i + n − 1 as one WorkerTask (their chunk items one after the other)
    const makeTask = (i: number, n = 1): WorkerTask => {
      const items = n === 1 ? plan.task(i).items : Array.from({ length: n }, (_, k) => plan.task(i + k).items).flat();
      return {
        request: req,
        now: nowIso,
        version,
        compressor,
        specs: Object.fromEntries(items.map((it) => [it.name, specsByName[it.name]!])),
        items,
        // a worker thread writes a local output's chunk files itself, as this thread does its own
        ...(local ? { writeTo: local.resolve(writer.tempPath) } : {}),
      };
    };
    // Where tasks run: `--workers 0` on the main thread only; otherwise (unless inlineMs is 0) the main thread computes
    // too, with nWorkers − 1 worker threads started only once the tasks done so far predict more than inlineMs of
    // CPU time left (starting a thread costs ~0.5 CPU-s: module graph and the cube built again), not on a busy machine,
    // i.e. one with less than half a core idle while the main thread ran its first tasks (IDLE_WINDOW_MS or more),
    // and not when the Zarr reader's decoding threads (decode-pool.ts, with EOCUBE_READ_THREADS) already fill the other
    // cores; inlineMs 0: nWorkers threads from the start and none on the main thread (worker threads decode their reads
    // themselves, worker.ts).
    // chunks of a local output go straight into their files in the writer's temporary store (renamed into place only
    // when every task has succeeded), written on this thread (fs/put-local.ts: measured cheaper than libuv's pool, whose
    // waits left the main thread idle ~0.3 ms a chunk); a failure is left to put, which reports it
    const local = fs instanceof FileFileSystem ? fs : undefined;
    const madeDirs = new Set<string>();
    const putChunk = async (key: string, bytes: Uint8Array): Promise<void> => {
      if (!(local && putLocalSync(local, key, bytes, madeDirs))) await fs.put(key, bytes);
    };
    const inlineMs = Math.max(0, options.inlineMs ?? envInlineMs() ?? DEFAULT_INLINE_MS);
    const onMain = nWorkers === 0 || inlineMs > 0;
    const poolThreads = nWorkers === 0 ? 0 : onMain ? nWorkers - 1 : nWorkers;
    // a worker thread takes consecutive tasks in groups of ~POOL_GROUP_BYTES of output: one message each way per group,
    // and the tasks of a spatial tile (consecutive) reuse one pixel map on that thread; at least 4 groups per thread, so
    // that a small job still spreads over the threads
    const poolGroup = Math.max(
      1,
      Math.min(
        256,
        Math.floor(total / (4 * Math.max(1, poolThreads))),
        Math.floor(POOL_GROUP_BYTES / Math.max(1, info.estimated_bytes / Math.max(1, total))),
      ),
    );
    const giveBack = onMain ? lendCube(nowIso, req, built) : undefined;
    let failure: unknown;
    // the light blosc encoding thread (see encodeThreadBytes): for the main thread's tasks of a local blosc-lz4 output
    const encodeBytes = options.encodeThreadBytes ?? envEncodeBytes() ?? DEFAULT_ENCODE_THREAD_BYTES;
    // (a second thread: only with workers ≥ 2), started at once so that its start (~0.1 s: an isolate, its modules, the
    // encoder compiled) overlaps the coordinates and the first tasks, which the main thread encodes itself meanwhile;
    // stopped again when the first task on the main thread shows no chunks it can hand over (values in a pooled
    // buffer, e.g. the 8-day mean's; not every pipeline's)
    let wantEncoder =
      onMain &&
      nWorkers >= 2 &&
      local !== undefined &&
      compressor === "blosc" &&
      LITTLE_ENDIAN &&
      encodeBytes >= 0 &&
      info.estimated_bytes >= encodeBytes &&
      info.estimated_bytes / Math.max(1, info.chunks) >= MIN_ENCODE_THREAD_CHUNK_BYTES;
    if (wantEncoder) encoder = new (await import("../formats/zarr/encode-thread.js")).EncodeThread();
    await writeCoordinates(writer, built.cube, plan);
    // a chunk the main thread handed over: encoded and written by the thread, its buffer back into this thread's pool
    const putHandedOff = async (key: string, values: Uint8Array, typesize: number, pooled: TypedArray): Promise<number> => {
      const path = local!.resolve(key);
      const d = await encoder!.write(path, values, typesize, LEVEL);
      giveBuffer(new (pooled.constructor as new (b: ArrayBuffer) => TypedArray)(d.buffer));
      if (d.frame) await fs.put(key, d.frame);
      else fileHandles.invalidate(path);
      return d.size;
    };
    // piscina (~0.1–0.2 s to import on a loaded machine) is loaded only when threads are started
    const startPool = async (): Promise<Piscina> => {
      const { Piscina } = await import("piscina");
      const { filename, execArgv } = workerFile();
      // workerData must be an object: geotiff's `web-worker` dependency destructures
      // worker_threads.workerData when it is loaded in any worker thread (piscina passes undefined)
      const p = new Piscina({
        filename,
        execArgv,
        workerData: {},
        minThreads: Math.min(Math.max(1, poolThreads - (encoder ? 1 : 0)), total || 1),
        maxThreads: Math.max(1, poolThreads - (encoder ? 1 : 0)),
        idleTimeout: 1000,
        // a thread's next group is already on the thread when it finishes one, not waiting on the main thread (which
        // passes messages only between its own tasks, every ~2 ms): measured with the thread writing its own chunk
        // files (writeTo), --workers 2 at 0.0015° took 7.4–9.5 s (median 8.1) against 8.3–10.8 s (9.2), 8 pairs
        concurrentTasksPerWorker: 2,
      });
      // a thread that dies with no task assigned to it (a race of its exit with its last answer) is reported by
      // piscina as an 'error' event: without a listener that would end the process as an uncaught error (exit 1)
      p.on("error", (err: unknown) => {
        failure ??= err;
      });
      return p;
    };
    if (poolThreads > 0 && !onMain) pool = await startPool();
    let poolStarting = false;
    let next = 0;
    let done = 0;
    let mainDone = 0;
    let mainStart = 0;
    let firstDone = 0;
    // on a machine whose cores are already busy more threads would only add their start-up and contention, so the run
    // stays on the main thread, whose reads decode there too (measured on the 8-day mean at load 7–9 on 2 cores: 30–40 %
    // less CPU and RSS than with a decoding or a worker thread). Busy = less than half a core idle while the main thread
    // runs its tasks (machineCpuMs over ≥ IDLE_WINDOW_MS), judged anew each window until threads start: the 1-minute
    // load average used before counted a run that had ended a minute ago (or the tests before), and kept back-to-back
    // runs on a 2-core machine on one thread
    let mainOnly = false;
    let sawBusy = false;
    let machineAtStart = { idle: 0, total: 0 };
    let wallAtStart = 0;
    // the run's own reads decode on the thread that computes the task (a gen task reads one chunk-sized block): the
    // reader's decoding thread costs more CPU and memory than it saves here (8-day mean of 916 MiB on 2 idle cores:
    // 2.3–2.6 s, 3.4–3.9 CPU-s, 198 MiB with it; 2.3–2.4 s, 2.6 CPU-s, 120 MiB without)
    const quietDecoding = onMain && nWorkers > 0 && process.env.EOCUBE_READ_THREADS === undefined;
    if (quietDecoding) setDecodeThreads(0);
    const decodedBefore = decodeThreadStats().chunks;
    try {
      await new Promise<void>((resolveAll) => {
        let mainInflight = 0;
        let poolInflight = 0;
        // tasks computed whose chunks are being written: a thread's next task starts while its last one's chunks are
        // written, which matters for asynchronous stores (s3); a local output's chunks are written synchronously above
        let writing = 0;
        const maxWriting = 2 * (1 + poolThreads);
        // with the encoding thread, tasks whose chunks it has not yet written: the main thread starts a task while at most
        // one is there (computed while that one is encoded), so at most two tasks' values are held (one being encoded,
        // one waiting) while the main thread waits
        const maxHandedOff = 2;
        const finish = (res: WorkerResult, n: number) =>
          (async () => {
            if (res.handedOff && encoder!.busyFor() > encoder!.meanMs) {
              // the thread has more than a chunk's encoding still to do (it fell behind): encoded here rather than queued
              // (the two threads share the encoding as their speeds allow; same bytes), written from the encoder's scratch
              // at once; otherwise handed over, the main thread waiting (writing ≥ 2) at most until the thread takes it
              for (const c of res.handedOff) {
                const key = joinStoreKey(writer.tempPath, c.key);
                const frame = encodeBloscLz4Transient(c.values, c.typesize, LEVEL);
                if (!(local && putLocalSync(local, key, frame, madeDirs))) await fs.put(key, frame.slice());
                bytes += frame.length;
                giveBuffer(c.pooled);
              }
            } else if (res.handedOff) {
              // every hand-over has ended before this task counts as written (a failure then ends the run with no
              // write of the thread still coming into the temporary store it removes)
              const ends = await Promise.allSettled(
                res.handedOff.map((c) => putHandedOff(joinStoreKey(writer.tempPath, c.key), c.values, c.typesize, c.pooled)),
              );
              for (const e of ends) {
                if (e.status === "rejected") throw e.reason;
                bytes += e.value;
              }
            }
            for (const c of res.chunks) {
              await putChunk(joinStoreKey(writer.tempPath, c.key), c.bytes);
              bytes += c.bytes.length;
              recycleFrame(c.bytes); // written: the encoder may reuse its memory for the next frame
            }
            bytes += res.written ?? 0;
            done += n;
            options.onProgress?.({ done, total, bytes, elapsed_s: (Date.now() - t0) / 1000 });
          })();
        // the main thread's tasks follow one another in promise continuations (a local output is read and written with
        // synchronous calls), which never let the event loop run: with worker threads, every ~2 ms the next task waits
        // for one turn of it, or their answers (and new tasks for them) would wait until the main thread ran out of
        // tasks (measured: 42 of 53868 tasks went to the worker thread)
        let lastYield = performance.now();
        const yieldIfDue = (): Promise<void> => {
          if (!pool || performance.now() - lastYield < 2) return Promise.resolve();
          return new Promise<void>((resolve) =>
            setImmediate(() => {
              lastYield = performance.now();
              resolve();
            }),
          );
        };
        const launch = (i: number, where: "main" | "pool", n = 1) => {
          const task = makeTask(i, n);
          const running =
            where === "main"
              ? yieldIfDue().then(() => computeTask(task, { handOff: encoder !== undefined }))
              : (pool!.run(task) as Promise<WorkerResult>);
          let released = false;
          const release = () => {
            if (released) return;
            released = true;
            if (where === "main") mainInflight--;
            else poolInflight--;
          };
          running
            .then(async (res) => {
              if (where === "main" && wantEncoder) {
                wantEncoder = false;
                if (!res.handable) {
                  const unused = encoder;
                  encoder = undefined;
                  await unused?.close().catch(() => undefined);
                }
              }
              // the encoding thread takes one of the `workers` threads (and its CPU time would count in cpuMs)
              if (where === "main" && !pool && !poolStarting && !mainOnly && poolThreads > (encoder ? 1 : 0)) {
                mainDone++;
                // the CPU time per task since the first one (which also pays for first reads and compilation: 5–10× a
                // later task's) predicts the rest; this process's CPU time, all on this thread until threads start (CPU,
                // not wall time, so that a loaded machine does not make a small job look large)
                const cpu = cpuMs();
                if (mainDone === 1) firstDone = cpu;
                const spent = cpu - mainStart;
                const rest = mainDone >= 6 ? ((cpu - firstDone) / (mainDone - 1)) * (total - next) : 0;
                // judged once the first tasks have run long enough to see the machine's idle cores meanwhile (after a
                // busy verdict, again over the next window, while the tasks left still predict more than inlineMs)
                if ((rest > inlineMs || (spent > inlineMs && !sawBusy)) && performance.now() - wallAtStart >= IDLE_WINDOW_MS) {
                  // the Zarr reader's decoding threads (decode-pool.ts) already keep the other cores busy: no more threads
                  const d = decodeThreadStats();
                  const now = machineCpuMs();
                  if (d.chunks > decodedBefore && d.threads >= poolThreads) mainOnly = true;
                  else if (idleCores(machineAtStart, now, cpus().length) < 0.5) {
                    // less than half a core idle while this thread computed: other work holds the cores (as `make -l`)
                    sawBusy = true;
                    machineAtStart = now;
                    wallAtStart = performance.now();
                  } else {
                    poolStarting = true;
                    pool = await startPool();
                  }
                }
              }
              release();
              writing++;
              // the chunks are handed over (or their writes begun) before the next task starts: a main-thread task runs
              // mostly synchronously, so a hand-over queued behind it would reach the encoding thread a whole task late
              const finished = finish(res, n);
              pump();
              try {
                await finished;
              } finally {
                writing--;
              }
            })
            .catch((err) => {
              failure ??= err;
            })
            .finally(() => {
              release();
              pump();
            });
        };
        const pump = () => {
          if (failure !== undefined || options.signal?.aborted) {
            if (failure === undefined) failure = new EocubeError("CANCELLED", "eocube gen was aborted");
            if (mainInflight + poolInflight + writing === 0) resolveAll();
            return;
          }
          if (next >= total && mainInflight + poolInflight + writing === 0) {
            resolveAll();
            return;
          }
          while (next < total && writing < maxWriting) {
            if (onMain && mainInflight < mainPerThread && !(encoder && writing >= maxHandedOff)) {
              if (mainStart === 0) {
                mainStart = cpuMs();
                machineAtStart = machineCpuMs();
                wallAtStart = performance.now();
              }
              mainInflight++;
              launch(next++, "main");
            } else if (pool && poolInflight < poolThreads * perWorker) {
              poolInflight++;
              const n = Math.min(poolGroup, total - next);
              launch(next, "pool", n);
              next += n;
            } else break;
          }
        };
        pump();
      });
    } finally {
      giveBack?.();
      if (quietDecoding) setDecodeThreads(undefined);
    }
    if (failure !== undefined) throw mapFailure(failure);
    await writer.commit();
  } catch (err) {
    // the threads (which write a local output's chunk files themselves) are stopped before the temporary store goes
    if (pool) await pool.destroy().catch(() => undefined);
    pool = undefined;
    await writer.abort().catch(() => undefined);
    throw mapFailure(err);
  } finally {
    if (encoder) await encoder.close().catch(() => undefined);
    if (pool) await pool.destroy().catch(() => undefined);
    await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
  }
  return { info, bytes_written: bytes, seconds: (Date.now() - t0) / 1000 };
}

/** Errors of worker threads: EocubeErrors keep their code; a dead thread becomes WORKER_FAILED. */
export function mapFailure(err: unknown): unknown {
  if (isEocubeError(err)) return err;
  const e = err as { message?: string; name?: string; code?: string };
  const text = String(e?.message ?? err);
  if (/worker|terminated|exited|exit code/i.test(text)) {
    return new EocubeError("WORKER_FAILED", `a gen worker died: ${text}; nothing was written`, {
      cause: err,
      hint: "check memory (fewer --workers or smaller tile_size) and run again",
    });
  }
  // errors from a worker thread arrive as plain Errors carrying the EocubeError fields
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code in ERROR_CODES) {
    const anyErr = err as { path?: string; field?: string; hint?: string };
    return new EocubeError(code as ErrorCode, text, { path: anyErr.path, field: anyErr.field, hint: anyErr.hint, cause: err });
  }
  return new EocubeError("WORKER_FAILED", `a gen task failed: ${text}; nothing was written`, { cause: err });
}

/**
 * Begins the output Zarr store of a request (see createZarrWriter; `resumeTempPath` continues a distributed
 * run's temporary store).
 * @throws EocubeError ALREADY_EXISTS in the words of the request's format (output_path / output_config.replace).
 */
export async function openOutputWriter(
  req: GenRequest,
  fs: FileSystem,
  plan: GenPlan,
  options: { signal?: AbortSignal; resumeTempPath?: string } = {},
): Promise<ZarrWriter> {
  const version = req.output.format_version;
  const compressor = (req.output.compressor ?? "blosc") as ZarrCompressorName;
  try {
    return await createZarrWriter(
      fs,
      req.output.data_id,
      { arrays: plan.specs, attrs: plan.attrs },
      { version, compressor, replace: req.output.replace, signal: options.signal, resumeTempPath: options.resumeTempPath },
    );
  } catch (err) {
    if (isEocubeError(err, "ALREADY_EXISTS")) {
      // in the words of the request's format: xcube's legacy config has output_path and no replace key
      throw new EocubeError(
        "ALREADY_EXISTS",
        `the output ${outputLabel(req)} exists`,
        req.format === "legacy"
          ? { path: outputLabel(req), field: "output_path", hint: "pass --replace to overwrite it, or choose another output_path (or -o)" }
          : {
              path: outputLabel(req),
              field: "output_config/replace",
              hint: "set output_config.replace: true (or pass --replace) to overwrite it, or choose another data_id",
            },
      );
    }
    throw err;
  }
}

/** Writes the coordinate arrays of a planned cube (small; from the calling thread) into the writer's store. */
export async function writeCoordinates(writer: ZarrWriter, cube: Dataset, plan: GenPlan): Promise<void> {
  const specsByName: Record<string, ZarrArraySpec> = Object.fromEntries(plan.specs.map((s) => [s.name, s]));
  // coordinates: small, written from the main thread
  for (const name of plan.coordNames) {
    const spec = specsByName[name]!;
    const v = cube.coords[name]!;
    const grid = chunkGrid(spec);
    if (spec.shape.length === 0) {
      await writer.writeChunk(name, [], toStored(v, await v.read([])));
      continue;
    }
    if (grid.some((g) => g === 0)) continue;
    const idx = grid.map(() => 0);
    for (;;) {
      await writer.writeChunk(name, idx.slice(), toStored(v, await v.read(chunkSelection(spec, idx))));
      let d = idx.length - 1;
      while (d >= 0 && ++idx[d]! >= grid[d]!) {
        idx[d] = 0;
        d--;
      }
      if (d < 0) break;
    }
  }
}
