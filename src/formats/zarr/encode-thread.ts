// A light thread that encodes chunks as blosc-lz4 frames and writes them into their local files, so that the thread
// computing a gen task's values hands them over (their buffer transferred, not copied) and goes on with the next task
// on the other core. It loads only the encoder (blosc-encode.ts) and the in-place write (fs/write-in-place.ts): about
// 10 MiB of memory and a few ms to start, against ~40 MiB and ~0.5 CPU-s for a gen worker thread (gen/worker.ts), which
// loads the whole pipeline. The frames are those of encodeBloscLz4 on the calling thread (same bytes).
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** A chunk to encode and write (message to the thread). */
export interface EncodeJob {
  id: number;
  /** Absolute path of the chunk file. */
  path: string;
  /** The values' buffer (transferred); the values are `length` bytes at `offset`. */
  buffer: ArrayBuffer;
  offset: number;
  length: number;
  typesize: number;
  clevel: number;
}

/** The thread's answer: the buffer back; `frame` when the file could not be written; `error` when encoding threw. */
export interface EncodeReply {
  id: number;
  buffer: ArrayBuffer;
  /** Bytes of the frame. */
  size: number;
  frame?: Uint8Array;
  error?: string;
}

/**
 * Indices of the shared times (Float64Array at byte 8 of the shared state; the Int32 at byte 0 counts jobs done, the
 * Int32 at byte 4 is 1 once the thread has started and warmed up its encoder).
 */
export const STATE = { START: 0, AVG: 1 } as const;

/** What {@link EncodeThread.write} resolves to. */
export interface EncodeDone {
  /** The values' buffer, given back (the one passed in is detached). */
  buffer: ArrayBuffer;
  /** Compressed bytes of the frame. */
  size: number;
  /** The frame, when the thread could not write the file: the caller writes it through its store (which reports why). */
  frame?: Uint8Array;
}

/** A blosc-lz4 encoding and writing thread (see the file comment). */
export class EncodeThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (d: EncodeDone) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failure: Error | undefined;
  readonly #done: Int32Array;
  readonly #ready: Int32Array;
  readonly #times: Float64Array;

  constructor() {
    const ts = import.meta.url.endsWith(".ts");
    // from the TypeScript sources an .mjs shim registers tsx in the thread (the parent's hooks do not reach it)
    const file = fileURLToPath(new URL(ts ? "./encode-thread-tsx.mjs" : "./encode-thread-worker.js", import.meta.url));
    // small heap limits: the thread's data (values, frames) are typed arrays outside the JS heap
    const state = new SharedArrayBuffer(24);
    this.#done = new Int32Array(state, 0, 1);
    this.#ready = new Int32Array(state, 4, 1);
    this.#times = new Float64Array(state, 8, 2);
    this.#worker = new Worker(file, { workerData: { state }, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
    this.#worker.unref();
    this.#worker.on("message", (r: EncodeReply) => {
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (r.error !== undefined) p.reject(new Error(`the blosc encoding thread failed: ${r.error}`));
      else p.resolve({ buffer: r.buffer, size: r.size, frame: r.frame });
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      for (const p of this.#pending.values()) p.reject(this.#failure);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`the blosc encoding thread exited (code ${code})`)));
  }

  /** Chunks handed over and not yet written. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The thread's mean time per chunk so far (ms; 0 before its first). */
  get meanMs(): number {
    return this.#times[STATE.AVG]!;
  }

  /**
   * About how many ms the thread needs before it could start on another chunk: the rest of the one it encodes plus the
   * mean time of those waiting (what the thread has done, read from memory shared with it, not from its answers, which
   * this thread sees only between its own tasks). Infinity until the thread has started and warmed up (~0.1 s: a new
   * V8 isolate, its modules, the encoder's loops compiled), so that the caller encodes the first chunks itself rather
   * than waiting for it.
   */
  busyFor(): number {
    if (Atomics.load(this.#ready, 0) === 0) return Number.POSITIVE_INFINITY;
    const waiting = this.#next - Atomics.load(this.#done, 0);
    if (waiting <= 0) return 0;
    const mean = this.#times[STATE.AVG]!;
    const rest = Math.max(0, this.#times[STATE.START]! + mean - (performance.timeOrigin + performance.now()));
    return rest + (waiting - 1) * mean;
  }

  /**
   * Encodes `values` (typesize-byte little-endian elements; their whole ArrayBuffer is transferred to the thread and
   * detached here) as encodeBloscLz4(values, typesize, clevel) does, and writes the frame at `path` in place
   * (fs/write-in-place.ts).
   * @returns the buffer back, the frame's size, and the frame itself when the file could not be written.
   * @throws Error when the thread has died or the encoding failed.
   */
  write(path: string, values: Uint8Array, typesize: number, clevel: number): Promise<EncodeDone> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    const buffer = values.buffer as ArrayBuffer;
    return new Promise<EncodeDone>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      const job: EncodeJob = { id, path, buffer, offset: values.byteOffset, length: values.byteLength, typesize, clevel };
      this.#worker.postMessage(job, [buffer]);
    });
  }

  /** Stops the thread (pending writes fail). */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
