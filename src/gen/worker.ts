// The gen worker: builds the lazy cube once per request (cached), then computes and encodes the
// chunks of one task. Runs in a piscina worker thread, or inline with `--workers 0`.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { EocubeError } from "../core/errors.js";
import { itemSize, sizeOf, type TypedArray } from "../core/ndarray.js";
import { readPooled } from "../ops/buffers.js";
import type { ZarrCompressorName } from "../formats/zarr/codecs.js";
import { setDecodeThreads } from "../formats/zarr/decode-pool.js";
import { chunkKey, encodeChunk, storedBytes, type ZarrArraySpec } from "../formats/zarr/writer.js";
import { checkKey } from "../fs/keys.js";
import { writeInPlaceSync } from "../fs/write-in-place.js";
import { loadStorePlugins } from "../stores/plugins.js";
import { computeLevelTask, type LevelWorkerTask } from "./level-task.js";
import { buildCube, type BuiltCube } from "./pipeline.js";
import { chunkSelection, toStored, type ChunkItem } from "./plan.js";
import type { GenRequest } from "./request.js";

/** What a worker receives for one task: a gen task, or a pyramid level's (level-task.ts). */
export type WorkerTask = GenWorkerTask | LevelWorkerTask;

/** A gen task: the chunks of a cube's data variables at one chunk position. */
export interface GenWorkerTask {
  kind?: "gen";
  request: GenRequest;
  /** ISO time shared by all workers (metadata stamps). */
  now: string;
  version: 2 | 3;
  compressor: ZarrCompressorName | null;
  /** Specs of the arrays the items name. */
  specs: Record<string, ZarrArraySpec>;
  items: ChunkItem[];
  /**
   * Absolute folder of a local output's temporary store: a worker thread writes the task's chunk files there itself
   * (fs/write-in-place.ts, as the main thread does) and returns only those it could not write, for the caller's store
   * to write (and report). Ignored on the main thread.
   */
  writeTo?: string;
}

/** Encoded chunks of one task: store keys relative to the output store, and bytes. */
export interface WorkerResult {
  chunks: Array<{ key: string; bytes: Uint8Array }>;
  /** Uncompressed bytes computed. */
  raw: number;
  /** Bytes of the chunk files this thread wrote itself ({@link GenWorkerTask.writeTo}); those chunks are not in `chunks`. */
  written?: number;
  /** With {@link ComputeOptions.handOff}: chunks left to the caller to encode with blosc-lz4 (not in `chunks`). */
  handedOff?: HandedOffChunk[];
  /** Chunks of the task that {@link ComputeOptions.handOff} hands over (whether it was given or not; main thread only). */
  handable?: number;
}

/**
 * A chunk's values in their stored layout (little endian), not encoded: the caller encodes them as blosc-lz4 with
 * `typesize` (gen/run.ts, on the encoding thread) and then gives their buffer back to this thread's pool
 * (ops/buffers.ts giveBuffer, as a typed array like `pooled`).
 */
export interface HandedOffChunk {
  key: string;
  values: Uint8Array;
  typesize: number;
  /** The pooled buffer `values` views (its whole ArrayBuffer). */
  pooled: TypedArray;
}

/** Options of {@link computeTask} (on the main thread only). */
export interface ComputeOptions {
  /**
   * Leave the chunks of a blosc-compressed task whose values are a whole pooled buffer unencoded (`handedOff`): the
   * caller encodes them elsewhere.
   */
  handOff?: boolean;
}

// a worker thread is one of several computing tasks side by side: its Zarr reads decode on this thread (no decoding
// threads of its own, decode-pool.ts) unless EOCUBE_READ_THREADS says otherwise
if (!isMainThread && process.env.EOCUBE_READ_THREADS === undefined) setDecodeThreads(0);

const cubes = new Map<string, Promise<BuiltCube>>();
/** Cubes lent by {@link lendCube} (never evicted nor closed here). */
const lent = new Map<string, Promise<BuiltCube>>();
let tasksDone = 0;

/** Requests as JSON, by object (a run's tasks on the main thread share its request: serialised once, not per task). */
const requestJson = new WeakMap<GenRequest, string>();

/** The key of a request's cube in this thread's cache. */
function cubeKey(now: string, request: GenRequest): string {
  let json = requestJson.get(request);
  if (json === undefined) {
    json = JSON.stringify(request);
    requestJson.set(request, json);
  }
  return `${now}|${json}`;
}

/**
 * Lends the cube the calling thread has already built for `request` (stamped `now`, an ISO time) to the tasks it
 * computes itself ({@link computeTask} on the main thread), so that they do not open the inputs a second time.
 * @returns a function that takes it back (the caller keeps closing its inputs).
 */
export function lendCube(now: string, request: GenRequest, built: BuiltCube): () => void {
  const key = cubeKey(now, request);
  const entry = Promise.resolve(built);
  lent.set(key, entry);
  return () => {
    if (lent.get(key) === entry) lent.delete(key);
  };
}

/**
 * Computes and encodes the chunks of a task (a level task: {@link computeLevelTask}). The cube of a request is
 * built once per worker.
 * Fault injection for tests: env `EOCUBE_GEN_FAULT=exit-after:N` ends the worker thread after N tasks.
 * @throws EocubeError from reading the inputs, or WORKER_FAILED for an injected fault in inline mode.
 */
export async function computeTask(task: WorkerTask, options: ComputeOptions = {}): Promise<WorkerResult> {
  if (task.kind === "level") {
    const res = await computeLevelTask(task);
    if (!isMainThread && process.env.EOCUBE_GEN_GC !== "0") collectGarbage();
    return res;
  }
  const fault = /^exit-after:(\d+)$/.exec(process.env.EOCUBE_GEN_FAULT ?? "");
  if (fault && tasksDone >= Number(fault[1])) {
    const { isMainThread } = await import("node:worker_threads");
    if (!isMainThread) process.exit(70);
    throw new EocubeError("WORKER_FAILED", "injected fault (EOCUBE_GEN_FAULT)");
  }
  const key = cubeKey(task.now, task.request);
  let built = lent.get(key) ?? cubes.get(key);
  if (!built) {
    // inputs from plugin stores: this thread registers the installed store plugins too (once)
    built = loadStorePlugins().then(() => buildCube(task.request, { now: new Date(task.now) }));
    cubes.set(key, built);
    built.catch(() => cubes.delete(key));
    if (cubes.size > 2) {
      const oldest = cubes.keys().next().value!;
      const old = cubes.get(oldest)!;
      cubes.delete(oldest);
      void old.then((b) => Promise.all(b.inputs.map((d) => d.close()))).catch(() => undefined);
    }
  }
  const { cube } = await built;
  const chunks: WorkerResult["chunks"] = [];
  const handedOff: HandedOffChunk[] = [];
  const handOff = options.handOff === true && task.compressor === "blosc";
  let handable = 0;
  let raw = 0;
  for (const item of task.items) {
    const spec = task.specs[item.name]!;
    const v = cube.data_vars[item.name];
    if (!v) throw new EocubeError("INTERNAL", `worker: variable ${item.name} missing from the cube`);
    // the chunk's values go into a buffer reused by the thread's next tasks (when the variable writes into one)
    const sel = chunkSelection(spec, item.index);
    const read = await readPooled(v, sel, sizeOf(sel.map(([a, b]) => b - a)));
    let kept = false;
    try {
      const values = toStored(v, read.block);
      raw += (values.data as ArrayLike<number>).length * ((values.data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 8);
      const stored = isMainThread && task.compressor === "blosc" && read.buffer ? storedBytes(spec, values) : undefined;
      if (stored && stored.buffer === read.buffer!.buffer) handable++;
      if (handOff && stored && stored.buffer === read.buffer!.buffer) {
        // the values are the pooled buffer's: handed to the caller (who gives the buffer back once they are written)
        handedOff.push({
          key: chunkKey(spec, item.index, task.version),
          values: stored,
          typesize: itemSize(spec.dtype),
          pooled: read.buffer!,
        });
        kept = true;
        continue;
      }
      let bytes = await encodeChunk(spec, values, { compressor: task.compressor });
      // without a compressor the bytes may be the values' own: copy them out of the reused buffer
      if (bytes.buffer === (read.block.data as Uint8Array).buffer) bytes = bytes.slice();
      chunks.push({ key: chunkKey(spec, item.index, task.version), bytes });
    } finally {
      if (!kept) read.done();
    }
  }
  tasksDone++;
  const written = !isMainThread && task.writeTo ? writeOwnChunks(task.writeTo, chunks) : 0;
  if (!isMainThread && process.env.EOCUBE_GEN_GC !== "0") collectGarbage();
  if (handedOff.length) return { chunks, raw, handedOff, handable };
  return written ? { chunks, raw, handable, written } : { chunks, raw, handable };
}

/** True when `key` stays inside its store ({@link checkKey}: no '..' segment, leading '/' or NUL). */
function safeKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Folders this thread has made, per temporary store (the last few). */
const madeDirs = new Map<string, Set<string>>();

/**
 * Writes `chunks` as files under `folder` in place ({@link writeInPlaceSync}); those written are taken out of `chunks`,
 * the rest stay for the caller. Returns the bytes written.
 */
function writeOwnChunks(folder: string, chunks: WorkerResult["chunks"]): number {
  let made = madeDirs.get(folder);
  if (!made) {
    if (madeDirs.size >= 4) madeDirs.delete(madeDirs.keys().next().value!);
    made = new Set();
    madeDirs.set(folder, made);
  }
  let written = 0;
  let k = 0;
  for (const c of chunks) {
    // a key that could reach outside the store (from a hostile variable name) is left to the caller's store, whose
    // put refuses it with UNSAFE_ID, as for the main thread's chunks
    if (safeKey(c.key) && writeInPlaceSync(join(folder, c.key), c.bytes, made)) written += c.bytes.length;
    else chunks[k++] = c;
  }
  chunks.length = k;
  return written;
}

let gc: ((options?: { type?: "major" | "minor" }) => void) | undefined;

/**
 * A young-generation collection after each task of a worker thread: a task's typed arrays (source
 * blocks, output chunks) live outside the JS heap, so V8 would otherwise keep tens of MB of dead buffers
 * per thread until its external-memory trigger fires; collecting them here keeps the peak memory at a
 * few chunks per thread. A scavenge of the small heap takes about a millisecond.
 */
function collectGarbage(): void {
  try {
    if (!gc) {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as typeof gc;
    }
    gc!({ type: process.env.EOCUBE_GEN_GC === "major" ? "major" : "minor" });
  } catch {
    gc = () => undefined;
  }
}

export default computeTask;
