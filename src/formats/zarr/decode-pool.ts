// Decoding threads for reads over many local chunks: a pool of 1–2 worker threads (cores − 1, at most 2; started on
// the first such read and kept, unref'd), each reading and decoding chunk files into two slots of a
// SharedArrayBuffer of its own, while the main thread takes chunks from the same queue (one atomic counter), copies
// the threads' decoded chunks out of their slots and frees them. Everything is synchronous on the main thread
// (Atomics.wait): no message per chunk, only one per thread and read.
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";

/** Slots per thread: it decodes the next chunk while the main thread copies the last one. */
export const SLOTS = 2;
/** Int32 fields of a read's control block: next chunk to take, threads inside the read, chunks done, slots freed. */
export const C = { NEXT: 0, ACTIVE: 1, SEQ: 2, FREED: 3 } as const;
/** Int32 fields per slot in a thread's state block: status, chunk index, outcome, read id. */
export const SLOT_FIELDS = 4;
/** Slot status. */
export const FREE = 0;
export const BUSY = 1;
export const READY = 2;
/** Outcome of a chunk: not stored, decoded into the slot, or left to the main thread (which reports any error). */
export const K = { MISSING: 1, DATA: 2, DEFER: 3 } as const;

/** What a thread gets per read (one message). */
export interface DecodeJob {
  ctrl: SharedArrayBuffer;
  state: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  slotBytes: number;
  paths: string[];
  chunkBytes: number;
  blosc: boolean;
  read: number;
}

/** Far past any chunk index: no thread takes another chunk of a read this closed. */
export const CLOSED = 0x3fffffff;
/** Ids of reads, written into the slots so that a late result of an earlier read is recognised and dropped. */
let lastRead = 0;

interface DecodeThread {
  worker: Worker;
  /** Resolves when the thread listens for reads. */
  ready: Promise<void>;
  state: Int32Array;
  slots?: SharedArrayBuffer;
  slotBytes: number;
}

let threads: DecodeThread[] | undefined;
let wanted: number | undefined;
/** Tests: the main thread leaves every chunk to the threads (and waits for them without a time limit). */
let threadsOnly = false;
/** Chunks decoded by the threads since the process started (tests, benchmarks). */
let byThreads = 0;

/** Whether the thread count is the default (not set by setDecodeThreads or EOCUBE_READ_THREADS). */
function automatic(): boolean {
  return wanted === undefined && process.env.EOCUBE_READ_THREADS === undefined;
}

let loadSeen = { at: -Infinity, busy: false };
/**
 * Whether every core is busy (1-minute load average ≥ cores − ½, looked up at most once a second): then a decoding
 * thread only takes CPU time from the main thread (measured on a 2-core machine at load 9: reads 20–25% slower).
 */
function coresBusy(): boolean {
  const now = performance.now();
  if (now - loadSeen.at > 1000) loadSeen = { at: now, busy: loadavg()[0]! >= availableParallelism() - 0.5 };
  return loadSeen.busy;
}

/** Threads to use: `setDecodeThreads`, else EOCUBE_READ_THREADS, else cores − 1 (at most 2). */
function threadCount(): number {
  if (wanted !== undefined) return wanted;
  const env = Number(process.env.EOCUBE_READ_THREADS);
  if (process.env.EOCUBE_READ_THREADS !== undefined && Number.isInteger(env) && env >= 0) return Math.min(env, 8);
  return Math.max(0, Math.min(2, availableParallelism() - 1));
}

/**
 * Sets the number of decoding threads (0: decode on the main thread only); undefined restores the default
 * (EOCUBE_READ_THREADS, else cores − 1, at most 2). A running pool of another size is stopped.
 */
export function setDecodeThreads(n: number | undefined, options: { threadsOnly?: boolean } = {}): void {
  threadsOnly = options.threadsOnly === true;
  wanted = n === undefined ? undefined : Math.max(0, Math.floor(n));
  const count = threadCount();
  if (threads && count > 0 && threads.length !== count) dropPool(); // 0 only pauses the pool
}

/** The decoding threads started (0 before the first read that needed them), and the chunks they have decoded. */
export function decodeThreadStats(): { threads: number; chunks: number } {
  return { threads: threads?.length ?? 0, chunks: byThreads };
}

/** Starts the decoding threads now (they otherwise start on the first read over many chunks) and waits until they listen. */
export async function startDecodeThreads(): Promise<void> {
  await Promise.all((pool() ?? []).map((t) => t.ready));
}

function dropPool(): void {
  const t = threads;
  threads = undefined;
  for (const d of t ?? []) void d.worker.terminate();
}

function pool(): DecodeThread[] | undefined {
  const n = threadCount();
  if (n === 0) return undefined;
  if (threads) return threads;
  const ts = import.meta.url.endsWith(".ts");
  // from the TypeScript sources an .mjs shim registers tsx in the thread (the parent's hooks do not reach it)
  const file = fileURLToPath(new URL(ts ? "./decode-worker-tsx.mjs" : "./decode-worker.js", import.meta.url));
  const made: DecodeThread[] = [];
  for (let i = 0; i < n; i++) {
    const worker = new Worker(file);
    worker.unref();
    const ready = new Promise<void>((resolve) => {
      worker.once("message", () => resolve());
      worker.once("exit", () => resolve());
    });
    const drop = () => {
      if (threads === made) dropPool();
    };
    worker.on("error", drop);
    worker.on("exit", drop);
    made.push({ worker, ready, state: new Int32Array(new SharedArrayBuffer(SLOTS * SLOT_FIELDS * 4)), slotBytes: 0 });
  }
  threads = made;
  return made;
}

/**
 * Decodes `paths.length` local chunks (each `chunkBytes` decoded bytes, a blosc frame or raw when `blosc` is false)
 * on the main thread and the decoding threads together. For each chunk exactly one of: `own(i)` (the main thread
 * does chunk i itself: read, decode and place it), `got(i, bytes)` (a thread decoded it: `bytes` is valid only during
 * the call), `got(i, undefined)` (not stored). A chunk a thread could not decode is given to `own`, which reports any
 * error. When the queue is empty the main thread waits for the threads' chunks at most about twice its own time per
 * chunk, then does them itself (a thread descheduled on a loaded machine does not hold the read up; its late result
 * is dropped). Errors of `own` or `got` end the read.
 * By default the threads are not used while every core is busy (load average ≥ cores − ½).
 * @returns false when there are no decoding threads or they are not used (nothing was done).
 */
export function decodeInThreads(
  paths: string[],
  chunkBytes: number,
  blosc: boolean,
  own: (i: number) => void,
  got: (i: number, bytes: Uint8Array | undefined) => void,
): boolean {
  if (automatic() && coresBusy()) return false;
  const ts = pool();
  if (!ts) return false;
  const n = paths.length;
  lastRead = (lastRead % CLOSED) + 1;
  const read = lastRead;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * 4));
  const free = (t: DecodeThread, s: number) => {
    Atomics.store(t.state, s * SLOT_FIELDS, FREE);
    Atomics.add(ctrl, C.FREED, 1);
    Atomics.notify(ctrl, C.FREED);
  };
  for (const t of ts) {
    // late results of earlier reads are dropped
    for (let s = 0; s < SLOTS; s++) if (Atomics.load(t.state, s * SLOT_FIELDS) === READY) Atomics.store(t.state, s * SLOT_FIELDS, FREE);
    if (!t.slots || t.slotBytes < chunkBytes) {
      if (t.slots && Array.from({ length: SLOTS }, (_, s) => Atomics.load(t.state, s * SLOT_FIELDS)).some((x) => x !== FREE)) continue;
      t.slots = new SharedArrayBuffer(SLOTS * chunkBytes);
      t.slotBytes = chunkBytes;
    }
    const job: DecodeJob = {
      ctrl: ctrl.buffer as SharedArrayBuffer,
      state: t.state.buffer as SharedArrayBuffer,
      slots: t.slots,
      slotBytes: t.slotBytes,
      paths,
      chunkBytes,
      blosc,
      read,
    };
    t.worker.postMessage(job);
  }
  const done = new Uint8Array(n);
  let count = 0;
  // the chunks the threads have finished: placed (or given to own), their slots freed
  const drain = (): number => {
    let seen = 0;
    for (const t of ts) {
      for (let s = 0; s < SLOTS; s++) {
        const at = s * SLOT_FIELDS;
        if (Atomics.load(t.state, at) !== READY) continue;
        const i = t.state[at + 1]!;
        const kind = t.state[at + 2]!;
        try {
          if (t.state[at + 3] !== read || done[i]) continue;
          seen++;
          count++;
          done[i] = 1;
          if (kind !== K.DEFER) byThreads++;
          if (kind === K.DATA) got(i, new Uint8Array(t.slots!, s * t.slotBytes, chunkBytes));
          else if (kind === K.MISSING) got(i, undefined);
          else own(i);
        } finally {
          free(t, s);
        }
      }
    }
    return seen;
  };
  try {
    const t0 = performance.now();
    let mine = 0;
    for (;;) {
      drain();
      if (threadsOnly) break;
      const i = Atomics.add(ctrl, C.NEXT, 1);
      if (i >= n) break;
      done[i] = 1;
      count++;
      mine++;
      own(i);
    }
    // the chunks still with the threads: waited for up to about two chunks' time, then done here
    const patience = threadsOnly ? 60_000 : Math.max(0.5, (2 * (performance.now() - t0)) / Math.max(1, mine));
    const until = performance.now() + patience;
    while (count < n) {
      const seq = Atomics.load(ctrl, C.SEQ);
      if (drain() > 0) continue;
      const left = until - performance.now();
      if (left <= 0 || Atomics.wait(ctrl, C.SEQ, seq, left) === "timed-out") break;
    }
    Atomics.store(ctrl, C.NEXT, CLOSED);
    drain();
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      done[i] = 1;
      count++;
      own(i);
    }
  } finally {
    // the threads take no more chunks and a thread waiting for a slot wakes up and leaves
    Atomics.store(ctrl, C.NEXT, CLOSED);
    Atomics.add(ctrl, C.FREED, 1);
    Atomics.notify(ctrl, C.FREED);
  }
  return true;
}
