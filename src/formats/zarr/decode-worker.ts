// A Zarr decoding thread (see decode-pool.ts): per read, takes chunk indices from the shared counter, reads each
// chunk file, decodes it into a free slot of its SharedArrayBuffer and marks the slot ready; anything unusual (an
// I/O error, a frame the TypeScript decoder declines, a wrong size) is left to the main thread, which reports it.
import { parentPort } from "node:worker_threads";
import { le32 } from "../bounded.js";
import { decodeBlosc } from "./blosc.js";
import { BUSY, C, CLOSED, type DecodeJob, FREE, K, READY, SLOT_FIELDS, SLOTS } from "./decode-pool.js";
import { readLocalChunk } from "./local-chunks.js";

parentPort?.on("message", (job: DecodeJob) => run(job));
parentPort?.postMessage("ready");

function run(job: DecodeJob): void {
  const ctrl = new Int32Array(job.ctrl);
  const state = new Int32Array(job.state);
  const n = job.paths.length;
  for (;;) {
    Atomics.add(ctrl, C.ACTIVE, 1);
    const i = Atomics.add(ctrl, C.NEXT, 1);
    if (i >= n) {
      leave(ctrl);
      return;
    }
    const s = acquire(ctrl, state);
    if (s < 0) {
      leave(ctrl); // the read is over
      return;
    }
    let kind: number = K.DEFER;
    try {
      kind = decodeInto(job.paths[i]!, new Uint8Array(job.slots, s * job.slotBytes, job.chunkBytes), job.blosc);
    } catch {
      kind = K.DEFER;
    }
    state[s * SLOT_FIELDS + 1] = i;
    state[s * SLOT_FIELDS + 2] = kind;
    state[s * SLOT_FIELDS + 3] = job.read;
    Atomics.store(state, s * SLOT_FIELDS, READY);
    Atomics.add(ctrl, C.SEQ, 1);
    Atomics.notify(ctrl, C.SEQ);
    leave(ctrl);
  }
}

function leave(ctrl: Int32Array): void {
  Atomics.sub(ctrl, C.ACTIVE, 1);
  Atomics.notify(ctrl, C.ACTIVE);
}

/** A free slot, marked busy; waits for the main thread to free one; -1 once the read is closed. */
function acquire(ctrl: Int32Array, state: Int32Array): number {
  for (;;) {
    const freed = Atomics.load(ctrl, C.FREED);
    if (Atomics.load(ctrl, C.NEXT) >= CLOSED) return -1;
    for (let s = 0; s < SLOTS; s++) if (Atomics.compareExchange(state, s * SLOT_FIELDS, FREE, BUSY) === FREE) return s;
    Atomics.wait(ctrl, C.FREED, freed, 1000);
  }
}

/** Reads and decodes one chunk into `dest` (exactly the chunk's decoded size). */
function decodeInto(path: string, dest: Uint8Array, blosc: boolean): number {
  const stored = readLocalChunk(path);
  if (stored === undefined) return K.MISSING;
  if (stored === null) return K.DEFER;
  if (!blosc) {
    if (stored.length !== dest.length) return K.DEFER;
    dest.set(stored);
    return K.DATA;
  }
  if (stored.length < 16 || le32(stored, 4) !== dest.length || le32(stored, 12) !== stored.length) return K.DEFER;
  return decodeBlosc(stored, dest) ? K.DATA : K.DEFER;
}
