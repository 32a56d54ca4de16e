// `eocube worker`'s engine: a BullMQ worker that takes the tasks of gen runs and of pyramids (eocube level) from
// Redis, computes them (the local executor's worker module: on the main thread with --concurrency 1, else in a
// thread pool) and writes their chunks into the run's shared temporary store.
import { randomUUID } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import { type Job, Redis, Worker } from "./bullmq-lib.js";
import { Piscina } from "piscina";
import { EocubeError } from "../../core/errors.js";
import type { ZarrCompressorName } from "../../formats/zarr/codecs.js";
import { joinStoreKey } from "../../formats/zarr/store.js";
import { FileFileSystem } from "../../fs/file.js";
import { putLocalSync } from "../../fs/put-local.js";
import type { FileSystem } from "../../fs/types.js";
import { chunkTasks } from "../plan.js";
import { mapFailure, outputFs, workerFile } from "../run.js";
import type { WorkerResult, WorkerTask } from "../worker.js";
import { errorRecord, jobItems, RUN_MARKER, type RunDoc, runLabel, runOutput, type TaskJobData } from "./bullmq.js";
import { levelTask } from "./bullmq-levels.js";
import { GEN_QUEUE, parseRedisUrl, redisLabel, runKeys } from "./redis.js";
import { acquireWrite, releaseWrite, renewWrite, runEnded } from "./run-state.js";

/** Options of {@link startGenWorker}. */
export interface GenWorkerOptions {
  /** `redis://host:6379[/db]`. */
  redis: string;
  /**
   * Tasks at once (default: the core count). With 1, tasks are computed on the process's main thread (one core
   * per worker, no thread hop nor copy of the request per task); with more, in a pool of that many threads.
   */
  concurrency?: number;
  /**
   * Seconds after which the task of a worker that stopped answering (killed, frozen) is handed to another
   * (BullMQ lockDuration; stalled jobs are looked for every quarter of it) [default 30].
   */
  stallTimeout?: number;
  /**
   * Called after each task (ok or failed), e.g. to log; `late`: its writes came after its lease expired (the
   * worker was frozen or slow, the task was redone elsewhere) and are removed once the run has ended.
   */
  onTask?: (e: { id: string; ok: boolean; ms: number; bytes?: number; error?: string; late?: boolean }) => void;
  /** Called when late writes were removed (`removed`), or left because the run did not end within a day. */
  onCleanup?: (e: { run: string; path: string; removed: boolean }) => void;
  /**
   * Called when Redis cannot be reached (at the start or later: the worker keeps retrying, it does not exit) with
   * the client's error (e.g. `connect ECONNREFUSED 10.0.0.5:6379`), and when it answers again; once per outage.
   * `redis`: the URL without password.
   */
  onConnection?: (e: { state: "unreachable" | "connected"; redis: string; error?: string }) => void;
}

/** Chunk writes of a job in flight at once (an output that is not a local path: s3, …). */
const PARALLEL_WRITES = 8;

/** Uncompressed output of a slice of a gen job: computed, then written, before the next slice is computed. */
const SLICE_BYTES = 8 * 2 ** 20;

/**
 * A gen task (a job's chunk items) cut into slices of about {@link SLICE_BYTES} of uncompressed output, given the
 * output bytes of one chunk item; the task itself when it is no larger.
 */
function slicesOf(task: WorkerTask, bytesPerItem: number): WorkerTask[] {
  if (task.kind === "level") return [task];
  const per = Math.max(1, Math.floor(SLICE_BYTES / Math.max(1, bytesPerItem)));
  if (task.items.length <= per) return [task];
  const out: WorkerTask[] = [];
  for (let k = 0; k < task.items.length; k += per) out.push({ ...task, items: task.items.slice(k, k + per) });
  return out;
}

/** How long a worker holding late writes waits for their run to end before leaving them (ms). */
const LATE_WAIT_MS = 24 * 3600 * 1000;

/**
 * Removes the writes of a task that came after its lease expired, once its run has ended (committed: the
 * temporary store was renamed or copied away, so whatever is at its path now is a late write; failed or
 * cancelled: it was removed). For a pyramid whose levels have hidden temporary stores, a late write into one may
 * also have been caught by the final rename: that hidden folder (a random name) is removed from the output too.
 */
async function removeLateWrites(
  client: Redis,
  doc: RunDoc,
  dest: string,
  fs: FileSystem,
  onCleanup: GenWorkerOptions["onCleanup"],
): Promise<void> {
  const path = `${runLabel(doc)} (${doc.tempPath})`;
  if (!(await runEnded(client, doc.id, LATE_WAIT_MS).catch(() => false))) {
    onCleanup?.({ run: doc.id, path, removed: false });
    return;
  }
  await fs.delete(`${doc.tempPath}/`).catch(() => undefined);
  // (only a hidden temporary level store: a level written in place is the pyramid's own, and a late write into it
  // before the final rename rewrote the same bytes)
  if (doc.kind === "level" && dest.startsWith(`${doc.tempPath}/.`)) {
    await fs.delete(`${doc.output.data_id}/${dest.slice(doc.tempPath.length + 1)}/`).catch(() => undefined);
  }
  onCleanup?.({ run: doc.id, path, removed: true });
}

/**
 * Test hook `hold:<task>:<ms>` (EOCUBE_GEN_TASK_FAULT): the first worker to reach task `<task>`'s writes records
 * its pid in `<run key>:held` and waits `ms` there, holding its write lease (a test freezes it meanwhile).
 */
async function hold(client: Redis, run: string, ms: number): Promise<void> {
  if ((await client.set(`${runKeys(run).run}:held`, String(process.pid), "PX", 120_000, "NX")) === "OK") {
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** A running worker; `close()` lets the running tasks end, then disconnects. */
export interface GenWorker {
  readonly label: string;
  close(): Promise<void>;
}

/**
 * Starts a worker on the gen queue (tasks of gen runs and of pyramids alike). Each job: loads its run's document from Redis (a run removed meanwhile,
 * cancelled or failed, is skipped), checks the run's marker in the output's temporary store (a worker that
 * cannot see it fails the task clearly: the output must be on a store every worker can write), computes the
 * task's chunks (on this thread with concurrency 1, else in a pool thread), writes them, and records the task
 * as done. Fault injection for tests: the run's `fault` (see RunDoc).
 * @throws EocubeError INVALID_ARGUMENT for a bad URL (Redis errors later are retried by ioredis).
 */
export async function startGenWorker(options: GenWorkerOptions): Promise<GenWorker> {
  const conn = parseRedisUrl(options.redis, "--redis");
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? availableParallelism()));
  // one task at a time: computed here, on the main thread (as the local executor's small jobs), which is otherwise
  // idle while a thread computes; between reads and encodings the event loop turns, so the job's lock is renewed
  let pool: Piscina | undefined;
  if (concurrency > 1) {
    const { filename, execArgv } = workerFile();
    // workerData must be an object: see run.ts (geotiff's web-worker dependency)
    pool = new Piscina({ filename, execArgv, workerData: {}, minThreads: 1, maxThreads: concurrency, idleTimeout: 30_000 });
    // a thread dying with no task assigned (its exit racing its last answer) is an 'error' event: the tasks it had
    // are rejected on their own and piscina starts another thread, so the worker process keeps serving (without a
    // listener the event would end it as an uncaught error)
    pool.on("error", () => undefined);
  }
  const compute = pool ? (task: WorkerTask) => pool.run(task) as Promise<WorkerResult> : (await import("../worker.js")).computeTask;
  // per run: its document, output, whether the marker was seen, the folders made, and (gen) its chunk tasks
  const docs = new Map<
    string,
    { doc: RunDoc; fs: FileSystem; checked: boolean; made: Set<string>; tasks?: ReturnType<typeof chunkTasks> }
  >();
  const lockDuration = Math.max(1, options.stallTimeout ?? 30) * 1000;
  const client = new Redis(conn);
  // an unreachable Redis is retried for ever (ioredis reconnects; a worker pod may start before its Redis), and told
  // once per outage; its errors name the host and port, never the password
  let unreachable = false;
  client.on("error", (err: Error) => {
    if (unreachable) return;
    unreachable = true;
    options.onConnection?.({ state: "unreachable", redis: redisLabel(conn), error: err.message });
  });
  client.on("ready", () => {
    if (!unreachable) return;
    unreachable = false;
    options.onConnection?.({ state: "connected", redis: redisLabel(conn) });
  });
  const worker = new Worker<TaskJobData>(
    GEN_QUEUE,
    async (job: Job<TaskJobData>) => {
      const t = Date.now();
      const keys = runKeys(job.data.run);
      try {
        let entry = docs.get(job.data.run);
        if (!entry) {
          const raw = await client.hget(keys.run, "doc");
          if (!raw) return { skipped: true };
          const doc = JSON.parse(raw) as RunDoc;
          entry = { doc, fs: outputFs({ output: runOutput(doc) }), checked: false, made: new Set() };
          docs.set(job.data.run, entry);
          if (docs.size > 8) docs.delete(docs.keys().next().value!);
        }
        const { doc, fs } = entry;
        if (!entry.checked) {
          const seen = await fs.exists(joinStoreKey(doc.tempPath, RUN_MARKER)).catch((err: unknown) => {
            throw new EocubeError(
              "WORKER_FAILED",
              `worker ${hostname()}: cannot reach the output ${runLabel(doc)}: ${(err as Error).message}`,
              {
                cause: err,
                hint: "every worker must be able to write the output store (s3 credentials, network)",
              },
            );
          });
          if (!seen) {
            throw new EocubeError(
              "WORKER_FAILED",
              `worker ${hostname()} does not see the temporary store ${doc.tempPath} of the output ${runLabel(doc)}`,
              { hint: "the output must be on a store every worker can write: s3, or a file path on a volume shared by all workers" },
            );
          }
          entry.checked = true;
        }
        const m = /^(fail|delay|hold):(\d+)(?::(\d+))?$/.exec(doc.fault ?? "");
        if (m?.[1] === "delay") await new Promise((r) => setTimeout(r, Number(m[2])));
        if (m?.[1] === "fail" && Number(m[2]) === job.data.index) {
          throw new EocubeError("WORKER_FAILED", `injected fault in task ${job.data.index} (EOCUBE_GEN_TASK_FAULT)`);
        }
        let task: WorkerTask;
        // where the chunks go: the cube's temporary store, or the temporary store of the level being written
        let dest = doc.tempPath;
        if (doc.kind === "level") {
          ({ task, dest } = levelTask(doc, job.data));
        } else {
          const specs = doc.specs;
          // the job's chunks: carried by the job (a run of an earlier coordinator), else derived from the run's specs
          if (!job.data.items && !entry.tasks) entry.tasks = chunkTasks(specs);
          const items = jobItems(doc, job.data, entry.tasks);
          task = {
            request: doc.request,
            now: doc.now,
            version: doc.request.output.format_version,
            compressor: (doc.request.output.compressor ?? "blosc") as ZarrCompressorName,
            specs: Object.fromEntries(items.map((it) => [it.name, specs.find((s) => s.name === it.name)!])),
            items,
          };
        }
        // a gen job of many chunk tasks is computed and written in slices of ~SLICE_BYTES of output (the encoded
        // chunks of a slice are held until written), level jobs whole
        const slices = doc.kind === "level" ? [task] : slicesOf(task, doc.info.estimated_bytes / Math.max(1, doc.info.chunks));
        const computeSlice = async (t: WorkerTask) => {
          try {
            return await compute(t);
          } catch (err) {
            throw mapFailure(err);
          }
        };
        let res = await computeSlice(slices[0]!);
        // the chunks are written under a lease taken while the task's wave is open (see run-state.ts): a task of a
        // run committed, removed or past its level meanwhile (a duplicate of a stalled job) writes nothing; it is
        // taken once the first slice is computed and held (renewed) until the job's last slice is written
        const wave = job.data.level ?? 0;
        const member = `${job.id}:${job.token ?? randomUUID()}`;
        if (!(await acquireWrite(client, doc.id, wave, member, lockDuration))) return { skipped: true };
        if (m?.[1] === "hold" && Number(m[2]) === job.data.index) await hold(client, doc.id, Number(m[3] ?? 0));
        const renewal = setInterval(() => void renewWrite(client, doc.id, member, lockDuration).catch(() => undefined), lockDuration / 3);
        let bytes = 0;
        let released: Awaited<ReturnType<typeof releaseWrite>> | undefined;
        let written = false;
        try {
          // a local path: on this thread; else a few writes at once (a job may hold the chunks of several positions)
          const local = fs instanceof FileFileSystem ? fs : undefined;
          for (let k = 0; ; ) {
            const chunks = res.chunks;
            let next = 0;
            const writeSome = async () => {
              while (next < chunks.length) {
                const c = chunks[next++]!;
                const key = joinStoreKey(dest, c.key);
                try {
                  if (!(local && putLocalSync(local, key, c.bytes, entry.made))) await fs.put(key, c.bytes);
                } catch (err) {
                  next = chunks.length; // the other writers stop after their current chunk
                  throw err;
                }
                bytes += c.bytes.length;
              }
            };
            // every write has ended before the lease is released (none runs on after a failed one)
            const ends = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_WRITES, chunks.length) }, writeSome));
            const failed = ends.find((e): e is PromiseRejectedResult => e.status === "rejected");
            if (failed) throw failed.reason;
            if (++k === slices.length) break;
            res = await computeSlice(slices[k]!);
          }
          written = true;
        } finally {
          clearInterval(renewal);
          // a failed release (Redis) fails the job (retried); its writes may be late as well. While the wave is
          // open the release of a task whose writes all succeeded also records it as done (and its bytes) in the
          // same round trip
          released = await releaseWrite(client, doc.id, wave, member, written ? { task: job.data.index, bytes } : undefined).catch(
            () => undefined,
          );
          // writes (all, or some before a failed put) that may have come after the run's commit: removed once it
          // has ended, which is safe whenever they came (in the background, not awaited by close(): a worker
          // stopped before the run ends leaves them)
          if (released === undefined || released === "late") {
            void removeLateWrites(client, doc, dest, fs, options.onCleanup).catch(() => undefined);
          }
        }
        if (released === undefined) throw new EocubeError("REMOTE_ERROR", `task ${job.id}: cannot release its write lease in Redis`);
        if (released === "late") {
          options.onTask?.({ id: String(job.id), ok: true, ms: Date.now() - t, bytes, late: true });
          return { skipped: true };
        }
        options.onTask?.({ id: String(job.id), ok: true, ms: Date.now() - t, bytes });
        return { bytes };
      } catch (err) {
        await client.hset(keys.errors, String(job.data.index), errorRecord(err)).catch(() => undefined);
        options.onTask?.({ id: String(job.id), ok: false, ms: Date.now() - t, error: (err as Error).message });
        throw err;
      }
    },
    {
      connection: conn,
      // shown as the jobs' processedBy
      name: `eocube-worker@${hostname()}:${process.pid}`,
      concurrency,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 4)),
      maxStalledCount: 2,
    },
  );
  worker.on("error", () => undefined);
  await worker.waitUntilReady();
  return {
    label: `${redisLabel(conn)} queue ${GEN_QUEUE}, ${concurrency} at once`,
    async close() {
      // with Redis unreachable a graceful close would wait for it for ever (its QUITs get no answer): closed at once,
      // the running tasks' jobs then stall and are handed to another worker when Redis is back
      await worker.close(unreachable);
      client.disconnect();
      await pool?.destroy().catch(() => undefined);
    },
  };
}
