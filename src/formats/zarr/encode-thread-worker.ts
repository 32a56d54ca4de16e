// The blosc-lz4 encoding thread of encode-thread.ts: per message, encodes a chunk's values (transferred, not copied)
// as a blosc-lz4 frame, writes it in place into its file and sends the values' buffer back. It loads nothing but the
// encoder and the in-place write (a few modules: a light thread).
import { parentPort, workerData } from "node:worker_threads";
import { writeInPlaceSync } from "../../fs/write-in-place.js";
import { encodeBloscLz4Transient } from "./blosc-encode.js";
import { type EncodeJob, type EncodeReply, STATE } from "./encode-thread.js";

/** Folders this thread has made (one mkdir each). */
const made = new Set<string>();
/** Shared with the caller (encode-thread.ts): jobs done, and the current job's start and the mean time per job (ms). */
const done = new Int32Array((workerData as { state: SharedArrayBuffer }).state, 0, 1);
const ready = new Int32Array((workerData as { state: SharedArrayBuffer }).state, 4, 1);
const times = new Float64Array((workerData as { state: SharedArrayBuffer }).state, 8, 2);

// warm-up before the first chunk arrives: the encoder's loops compiled by V8's optimizing tier (the first real chunks
// otherwise take 5–10× their later time, and the caller would take them back); on data like a chunk's (runs of NaN,
// smooth values, noise in the low bytes)
{
  const warm = new Float64Array(65536);
  for (let i = 0; i < warm.length; i++) warm[i] = i % 4096 < 1024 ? Number.NaN : Math.sin(i / 300) + ((i * 2654435761) % 1000) * 1e-9;
  const bytes = new Uint8Array(warm.buffer);
  for (let r = 0; r < 6; r++) encodeBloscLz4Transient(bytes, 8, 5);
}
// from now on the caller hands chunks over (before, it encodes them itself: encode-thread.ts, busyFor)
Atomics.store(ready, 0, 1);

parentPort?.on("message", (job: EncodeJob) => {
  let reply: EncodeReply;
  const t0 = performance.timeOrigin + performance.now();
  times[STATE.START] = t0;
  try {
    // written from the encoder's scratch memory at once (no copy of the frame)
    const frame = encodeBloscLz4Transient(new Uint8Array(job.buffer, job.offset, job.length), job.typesize, job.clevel);
    const size = frame.length;
    if (writeInPlaceSync(job.path, frame, made)) {
      reply = { id: job.id, buffer: job.buffer, size };
    } else {
      // the caller writes it through its store, which reports the error
      reply = { id: job.id, buffer: job.buffer, size, frame: frame.slice() };
    }
  } catch (err) {
    reply = { id: job.id, buffer: job.buffer, size: 0, error: String((err as Error)?.message ?? err) };
  }
  const took = performance.timeOrigin + performance.now() - t0;
  times[STATE.AVG] = times[STATE.AVG] === 0 ? took : 0.5 * times[STATE.AVG]! + 0.5 * took;
  Atomics.add(done, 0, 1);
  const transfer: ArrayBuffer[] = [job.buffer];
  if (reply.frame) transfer.push(reply.frame.buffer as ArrayBuffer);
  parentPort!.postMessage(reply, transfer);
});
