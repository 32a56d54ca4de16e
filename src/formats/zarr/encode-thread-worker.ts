// The blosc-lz4 encoding thread of encode-thread.ts: per message, encodes a chunk's values (transferred, not copied)
// as a blosc-lz4 frame, writes it in place into its file and sends the values' buffer back. It loads nothing but the
// encoder and the in-place write (a few modules: a light thread).
import { parentPort } from "node:worker_threads";
import { writeInPlaceSync } from "../../fs/write-in-place.js";
import { encodeBloscLz4Transient } from "./blosc-encode.js";
import type { EncodeJob, EncodeReply } from "./encode-thread.js";

/** Folders this thread has made (one mkdir each). */
const made = new Set<string>();

parentPort?.on("message", (job: EncodeJob) => {
  let reply: EncodeReply;
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
  const transfer: ArrayBuffer[] = [job.buffer];
  if (reply.frame) transfer.push(reply.frame.buffer as ArrayBuffer);
  parentPort!.postMessage(reply, transfer);
});
