// The distributed gen coordinator on BullMQ (Redis): plans the cube, enqueues its chunk tasks (in jobs of one or a
// few) for `eocube worker` processes, writes the coordinates into the output's temporary store meanwhile, waits,
// and commits only when every task succeeded; a run killed meanwhile is resumed by its id. The run machinery (queue, jobs, waiting,
// removal) is shared with the distributed pyramid (bullmq-levels.ts).
import { randomBytes } from "node:crypto";
import { type Job, Queue, QueueEvents, Redis } from "./bullmq-lib.js";
import { ERROR_CODES, EocubeError, type ErrorCode, isEocubeError, throwIfAborted } from "../../core/errors.js";
import { joinStoreKey } from "../../formats/zarr/store.js";
import type { ZarrCompressorName } from "../../formats/zarr/codecs.js";
import { chunkKey, encodeChunk, type ZarrArraySpec, type ZarrWriter } from "../../formats/zarr/writer.js";
import { FileFileSystem } from "../../fs/file.js";
import { putLocalSync } from "../../fs/put-local.js";
import type { FileSystem } from "../../fs/types.js";
import { buildCube } from "../pipeline.js";
import { type ChunkItem, chunkTasks, describePlan, type GenInfo, type GenPlan, planCube } from "../plan.js";
import type { GenRequest } from "../request.js";
import type { LevelRunDoc } from "./bullmq-levels.js";
import type { WaitingEvent } from "./types.js";
import {
  checkOutputSize,
  DEFAULT_MAX_OUTPUT_BYTES,
  type GenProgress,
  type GenResult,
  interruptedError,
  openOutputWriter,
  outputFs,
  outputLabel,
  writeCoordinates,
} from "../run.js";
import { GEN_QUEUE, parseRedisUrl, type RedisConnection, redisLabel, runKeys } from "./redis.js";
import { type CoordinatorLease, closeWave, coordinatorName, openWave, removeStrayPutFiles, takeCoordinator } from "./run-state.js";

/** The document of a run kept in Redis: a gen run's or a pyramid's ({@link LevelRunDoc}). */
export type RunDoc = GenRunDoc | LevelRunDoc;

/** What every run's document holds. */
export interface RunDocBase {
  id: string;
  /** ISO time of the run (stamped into a cube's metadata, the same in every worker). */
  now: string;
  /** The output's temporary store (key in the output file system), shared by all workers; holds the run marker. */
  tempPath: string;
  /** Jobs of the run (job ids `<run>-0` … `<run>-<total − 1>`; a gen run's job may hold several chunk tasks). */
  total: number;
  attempts: number;
  /**
   * Fault injection for tests, from the coordinator's env `EOCUBE_GEN_TASK_FAULT`: `fail:<job>` fails that job
   * every time, `delay:<ms>` makes every job wait that long first (to kill or interrupt a run mid-way),
   * `hold:<job>:<ms>` makes the first worker to reach that job's writes wait that long holding its write lease,
   * its pid in `<run key>:held` (to freeze it there: a late writer). (A job is one task unless grouped.)
   */
  fault?: string;
}

/** A gen run's document: what workers need to compute a task and the coordinator to commit. */
export interface GenRunDoc extends RunDocBase {
  kind?: "gen";
  request: GenRequest;
  info: GenInfo;
  /** Specs of the data variables (what a task's chunks are encoded with). */
  specs: ZarrArraySpec[];
  /**
   * Chunk tasks per job (default 1: a run of a coordinator predating it): job i holds the plan's tasks
   * i·group … (i + 1)·group − 1 (fewer in the last), so `total` = ⌈plan tasks / group⌉. See {@link tasksPerJob}.
   */
  group?: number;
  /**
   * `derived`: the jobs carry no chunk items; a worker derives job i's from `specs` and `group` ({@link jobItems}).
   * Absent (a run of a coordinator predating it): each job carries its items.
   */
  jobItems?: "derived";
}

/**
 * Job data: the run and the job's number (`index`), its chunks (of which pyramid level, for a level run; a gen run
 * whose document says `jobItems: "derived"` leaves them out, see {@link jobItems}).
 */
export interface TaskJobData {
  run: string;
  index: number;
  items?: ChunkItem[];
  level?: number;
}

/** The output store of a run (as a gen request's `output`). */
export function runOutput(doc: RunDoc): GenRequest["output"] {
  return doc.kind === "level" ? doc.output : doc.request.output;
}

/** A readable name of a run's output (`file:///out/cube.zarr`, `/data/cube.levels`). */
export function runLabel(doc: RunDoc): string {
  return doc.kind === "level" ? doc.plan.output : outputLabel(doc.request);
}

/** A run in Redis as {@link listRuns} tells it. */
export interface RunSummary {
  id: string;
  kind: "gen" | "level";
  /** The output (path or URL, without credentials). */
  output: string;
  /** Jobs done of `total` (a pyramid's: over all its levels). */
  done: number;
  total: number;
  /** ISO time the run began. */
  began: string;
  /** Its live coordinator, `eocube gen on <host> (pid <n>)`; undefined when none holds it (killed, not resumed). */
  coordinator?: string;
}

/**
 * The runs in Redis (`redis://host:6379[/db]`): running ones, and those whose coordinator died and that nobody
 * resumed (their queued jobs are still computed, into their temporary store); oldest first. Keys are found with
 * SCAN (https://redis.io/docs/latest/commands/scan/), not KEYS, so a busy Redis is not blocked.
 * @throws EocubeError INVALID_ARGUMENT for a bad URL; REMOTE_ERROR when Redis does not answer within 5 s.
 */
export async function listRuns(redis: string): Promise<RunSummary[]> {
  const conn = parseRedisUrl(redis);
  const client = await connectRedis(conn, "--executor");
  try {
    const prefix = runKeys("").run;
    const ids = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const k of keys) {
        const id = k.slice(prefix.length);
        if (/^\d{8}-\d{6}-[0-9a-f]{8}$/.test(id)) ids.add(id);
      }
    } while (cursor !== "0");
    const out: RunSummary[] = [];
    for (const id of [...ids].sort()) {
      const keys = runKeys(id);
      const [raw, done, holder] = await Promise.all([client.hget(keys.run, "doc"), client.hlen(keys.done), client.get(keys.coordinator)]);
      if (!raw) continue;
      const doc = JSON.parse(raw) as RunDoc;
      out.push({
        id,
        kind: doc.kind === "level" ? "level" : "gen",
        output: runLabel(doc),
        done,
        total: doc.total,
        began: doc.now,
        ...(holder ? { coordinator: coordinatorName(holder) } : {}),
      });
    }
    return out;
  } finally {
    client.disconnect();
  }
}

/** A new run id: `YYYYMMDD-HHMMSS-<8 hex>`. */
export function newRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]|\.\d+Z$/g, "")
    .replace("T", "-")}-${randomBytes(4).toString("hex")}`;
}

/** The document of run `id` from Redis, or undefined when there is none (finished, failed, cancelled). */
export async function loadRunDoc(client: Redis, id: string): Promise<RunDoc | undefined> {
  const raw = await client.hget(runKeys(id).run, "doc");
  return raw ? (JSON.parse(raw) as RunDoc) : undefined;
}

/** The marker a coordinator puts in the temporary store; a worker that does not see it cannot reach the output. */
export const RUN_MARKER = ".eocube-run";

/** Options of {@link runGenBullmq}. */
export interface BullmqGenOptions {
  /** `redis://host:6379[/db]`. */
  redis: string;
  /** Continue the run with this id (the request then comes from Redis; `req` is ignored). */
  resume?: string;
  /** Attempts of a task before the run fails (default 3; a stalled task of a killed worker counts as one). */
  attempts?: number;
  onProgress?: (p: GenProgress) => void;
  /** Called once the run id is known (before any task runs), e.g. to print how to resume. */
  onRun?: (id: string) => void;
  now?: Date;
  maxOutputBytes?: number;
  /** Interval of progress polls in ms (default 250). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Chunk tasks per job (default: {@link tasksPerJob}'s choice, or env `EOCUBE_GEN_TASKS_PER_JOB`). */
  tasksPerJob?: number;
  /** See {@link WaitOptions.onWaiting}. */
  onWaiting?: WaitOptions["onWaiting"];
  /** See {@link WaitOptions.waitNoticeMs}. */
  waitNoticeMs?: number;
}

/** Uncompressed output a job aims at (bytes): {@link tasksPerJob}. */
export const JOB_TARGET_BYTES = 128 * 2 ** 20;
/** Jobs a run keeps at least (when it has that many chunk tasks), so that many workers share it evenly. */
export const MIN_JOBS = 64;
/** Jobs a run keeps at least per worker seen on the queue when it starts (the share of the last job stays small). */
export const JOBS_PER_WORKER = 8;

/**
 * How many chunk tasks (consecutive in the plan: the time steps of a spatial tile, then the next tile) one job of a
 * distributed gen run holds. A job costs ~3 ms of CPU besides its work (Redis ~0.5 ms, the coordinator ~0.6 ms:
 * adding it and following its events, the worker 1–2 ms: BullMQ's moves and the write lease), while a small task
 * computes in well under a millisecond (a 260 × 190 tile of 2 float32 variables by nearest resampling, encoded:
 * ~0.4 ms; measured on 2 cores: jobs of 21 such tasks spent a quarter of the run's CPU on these costs). So jobs hold
 * tasks up to about {@link JOB_TARGET_BYTES} of uncompressed output (~100–200 ms of work for plain resampling, more
 * with aggregation), yet the run keeps at least {@link MIN_JOBS} jobs and {@link JOBS_PER_WORKER} per worker; a group
 * larger than the time steps of a tile is rounded down to whole tiles (a tile's pixel map is then computed by one
 * worker).
 * @param taskCount chunk tasks of the plan; `estimatedBytes`: their uncompressed output; `perTile`: tasks per
 *   spatial tile (1 when unknown); `workers`: workers on the queue (0 when unknown).
 * @returns a group size ≥ 1 (1 for runs of up to {@link MIN_JOBS} tasks).
 */
export function tasksPerJob(taskCount: number, estimatedBytes: number, perTile = 1, workers = 0): number {
  const minJobs = Math.max(MIN_JOBS, JOBS_PER_WORKER * workers);
  if (taskCount <= minJobs) return 1;
  const bytesPerTask = Math.max(1, estimatedBytes / taskCount);
  let g = Math.max(1, Math.min(Math.ceil(JOB_TARGET_BYTES / bytesPerTask), Math.floor(taskCount / minJobs)));
  if (perTile > 1 && g > perTile) g -= g % perTile;
  return g;
}

/** Tasks per spatial tile of a plan's data variables: the chunks along their dims other than the last two. */
function tasksPerTile(specs: ZarrArraySpec[]): number {
  const s = specs[0];
  if (!s || s.shape.length < 3) return 1;
  let n = 1;
  for (let d = 0; d < s.shape.length - 2; d++) n *= Math.ceil(s.shape[d]! / s.chunks[d]!);
  return n;
}

/**
 * Job i's chunks: those of the plan's tasks i·group … (i + 1)·group − 1 (fewer in the last). `plan`: a GenPlan,
 * or the {@link chunkTasks} of the run's data specs (the same numbering).
 */
function groupItems(plan: Pick<GenPlan, "taskCount" | "task">, group: number, i: number): ChunkItem[] {
  const items: ChunkItem[] = [];
  for (let k = i * group; k < Math.min(plan.taskCount, (i + 1) * group); k++) items.push(...plan.task(k).items);
  return items;
}

/** The group size asked for by `EOCUBE_GEN_TASKS_PER_JOB` (a positive integer), else undefined. */
function envTasksPerJob(): number | undefined {
  const n = Number(process.env.EOCUBE_GEN_TASKS_PER_JOB);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * `eocube worker` processes connected to the queue on Redis database `db`. BullMQ's getWorkersCount counts the
 * workers of the queue's name on every database of the server (CLIENT LIST lists them all); each worker's named
 * connection says its database (`db=` of https://redis.io/docs/latest/commands/client-list/).
 * @throws the Redis client's error when CLIENT LIST fails.
 */
export async function workersOnDb(queue: Pick<Queue, "getWorkers">, db: number): Promise<number> {
  return (await queue.getWorkers()).filter((w) => w.db === undefined || Number(w.db) === db).length;
}

/** Default of {@link WaitOptions.waitNoticeMs}: 5 s (`EOCUBE_GEN_WAIT_NOTICE_MS` sets another). */
export const WAIT_NOTICE_MS = 5000;

function envWaitNoticeMs(): number {
  const v = process.env.EOCUBE_GEN_WAIT_NOTICE_MS;
  const n = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : WAIT_NOTICE_MS;
}

/**
 * The chunks of job `index` of a gen run: those the job carries, else (`jobItems: "derived"`) those of the run's
 * tasks index·group … (index + 1)·group − 1, numbered from the run's data specs as the coordinator's plan numbers
 * them ({@link chunkTasks}). `tasks`: the run's chunkTasks when the caller keeps them (a worker, per run).
 * @throws EocubeError WORKER_FAILED when the job has no items and the run does not derive them (a corrupt job).
 */
export function jobItems(
  doc: GenRunDoc,
  data: Pick<TaskJobData, "index" | "items">,
  tasks?: Pick<GenPlan, "taskCount" | "task">,
): ChunkItem[] {
  if (data.items) return data.items;
  if (doc.jobItems !== "derived") throw new EocubeError("WORKER_FAILED", `job ${data.index} of run ${doc.id} holds no chunk items`);
  return groupItems(tasks ?? chunkTasks(doc.specs), doc.group ?? 1, data.index);
}

const jobId = (run: string, i: number) => `${run}-${i}`;

/**
 * The writer of a run's temporary store, whose chunks (the coordinates: ~330 small chunks for a 20800 × 15200 grid)
 * go, for a local output, into their files in place on this thread (fs/put-local.ts, as the workers write theirs)
 * instead of through a temporary file and a rename each in libuv's pool: the coordinator writes them while the workers
 * compute, on the same cores. Same bytes (encodeChunk is what the writer's writeChunk does); a failed write falls back
 * to the writer's. Another store: the writer itself.
 */
function inPlaceChunks(writer: ZarrWriter, fs: FileSystem, plan: GenPlan, req: GenRequest, signal?: AbortSignal): ZarrWriter {
  if (!(fs instanceof FileFileSystem)) return writer;
  const specs = new Map(plan.specs.map((s) => [s.name, s]));
  const compressor = (req.output.compressor ?? "blosc") as ZarrCompressorName;
  const version = req.output.format_version;
  const made = new Set<string>();
  return {
    tempPath: writer.tempPath,
    commit: () => writer.commit(),
    abort: () => writer.abort(),
    async writeChunk(name, index, data) {
      throwIfAborted(signal);
      const spec = specs.get(name);
      if (!spec) return writer.writeChunk(name, index, data);
      const bytes = await encodeChunk(spec, data, { compressor });
      if (!putLocalSync(fs, joinStoreKey(writer.tempPath, chunkKey(spec, index, version)), bytes, made)) {
        await writer.writeChunk(name, index, data);
      }
    },
  };
}

/** A Queue and a plain Redis client (for the run's own keys) on one Redis. */
export interface GenQueue {
  queue: Queue;
  redis: Redis;
  close(): Promise<void>;
}

/**
 * Connects to the gen queue and checks that Redis answers within 5 s. The queue's own connection is ready when this
 * resolves (closing a BullMQ Queue whose connection is still starting makes it emit an 'error' nobody listens to
 * any more, which ends the process).
 * @throws EocubeError REMOTE_ERROR naming the Redis URL (and `field`) when it does not.
 */
export async function connectQueue(conn: RedisConnection, field = "--executor"): Promise<GenQueue> {
  const redis = await connectRedis(conn, field);
  const queue = new Queue(GEN_QUEUE, { connection: conn });
  queue.on("error", () => undefined);
  await queue.waitUntilReady();
  return {
    queue,
    redis,
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/**
 * A Redis client whose server answered within 5 s.
 * @throws EocubeError REMOTE_ERROR naming the Redis URL (and `field`) when it does not.
 */
async function connectRedis(conn: RedisConnection, field: string): Promise<Redis> {
  const redis = new Redis({ ...conn, lazyConnect: true, retryStrategy: (n: number) => Math.min(n * 200, 2000) });
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new EocubeError("REMOTE_ERROR", `cannot reach Redis at ${redisLabel(conn)}: ${(lastError ?? (err as Error)).message}`, {
      field,
      hint: "start redis-server there, or give the right host, port and database",
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/**
 * Runs a gen request on `eocube worker` processes through BullMQ: plans the cube, writes a run marker into the
 * output's temporary store (it must be on a store every worker can write: s3, or a `file` path all of them see),
 * enqueues the chunk tasks in jobs of one or a few ({@link tasksPerJob}; job id `<run>-<job>`; a job rewrites
 * exactly its own chunks, so a retried one is harmless), writes the coordinates while the first jobs run
 * (again on resume), reports progress, and commits (metadata, consolidation, rename:
 * the local executor's commit) only when every task succeeded. A task failing `attempts` times fails the run
 * with its error; a failed or cancelled run removes its queued jobs and the temporary store (nothing appears
 * at the output). A coordinator killed meanwhile leaves the run in Redis: `resume: <run id>` continues it.
 * @throws EocubeError as runGen; REMOTE_ERROR (Redis unreachable); NOT_FOUND (unknown run to resume);
 *   WORKER_FAILED or the task's own code when a task fails; CANCELLED when aborted.
 */
export async function runGenBullmq(req: GenRequest | undefined, options: BullmqGenOptions): Promise<GenResult> {
  const conn = parseRedisUrl(options.redis);
  // a new run connects to Redis while it plans the cube (Redis's answer and the inputs' metadata are awaited at
  // once), and has the connection before it writes anything
  const connecting = connectQueue(conn);
  connecting.catch(() => undefined);
  let q: GenQueue | undefined;
  let label = req ? outputLabel(req) : "the output";
  // the run's one coordinator (this process): see takeCoordinator
  let lease: CoordinatorLease | undefined;
  try {
    const t0 = Date.now();
    let doc: GenRunDoc;
    let writer: ZarrWriter;
    let start: (() => Promise<void>) | undefined;
    if (options.resume) {
      q = await connecting;
      const client = q.redis;
      const found = await loadRunDoc(client, options.resume);
      if (!found) {
        throw new EocubeError(
          "NOT_FOUND",
          `no gen run ${options.resume} in ${redisLabel(conn)} (it finished, failed, was cancelled, or never began)`,
          {
            field: "--resume",
            hint: "start it again without --resume",
          },
        );
      }
      if (found.kind === "level") {
        throw new EocubeError("INVALID_ARGUMENT", `run ${options.resume} is a pyramid (eocube level), not a gen run`, {
          field: "--resume",
          hint: `eocube level --resume ${options.resume} --executor …`,
        });
      }
      doc = found;
      label = outputLabel(doc.request);
      // before anything is written: a run already coordinated by a live process is refused
      lease = await takeCoordinator(client, doc.id, "eocube gen", {
        signal: options.signal,
        onWait: (holder, maxS) => options.onWaiting?.({ reason: "coordinator", holder, redis: redisLabel(conn), waited_s: maxS }),
      });
      // (it may have ended under that coordinator meanwhile)
      if (!(await loadRunDoc(client, doc.id))) throw endedMeanwhile(conn, doc.id);
      const fs = outputFs(doc.request);
      if (!(await fs.exists(joinStoreKey(doc.tempPath, RUN_MARKER)))) {
        throw new EocubeError("NOT_FOUND", `the temporary store of run ${doc.id} (${doc.tempPath}) is gone from ${label}`, {
          field: "--resume",
          hint: "start the run again without --resume",
        });
      }
      const built = await buildCube(doc.request, { now: new Date(doc.now), signal: options.signal });
      let plan: GenPlan;
      try {
        plan = planCube(built.cube);
        writer = await openOutputWriter(doc.request, fs, plan, { signal: options.signal, resumeTempPath: doc.tempPath });
        // the coordinates are written while the first tasks run: a coordinator killed before it had written them
        // all leaves them to its resume (they are rewritten whole)
        await writeCoordinates(inPlaceChunks(writer, fs, plan, doc.request, options.signal), built.cube, plan);
      } finally {
        await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
      }
      options.onRun?.(doc.id);
      // (a coordinator killed while committing had closed it)
      await openWave(client, doc.id, 0);
      const group = doc.group ?? 1;
      // (a run of an earlier coordinator: its jobs carry their items)
      await requeue(q, doc, doc.jobItems === "derived" ? () => ({}) : (i) => ({ items: groupItems(plan, group, i) }));
    } else {
      if (!req) throw new EocubeError("INVALID_ARGUMENT", "a gen request is needed (or --resume <run id>)", { field: "request" });
      const now = options.now ?? new Date(Math.floor(Date.now() / 1000) * 1000);
      const fs = outputFs(req);
      const built = await buildCube(req, { now, signal: options.signal });
      let inputsOpen = true;
      const closeInputs = async () => {
        if (inputsOpen) await Promise.all(built.inputs.map((d) => d.close().catch(() => undefined)));
        inputsOpen = false;
      };
      try {
        const plan = planCube(built.cube);
        const info = await describePlan(built.cube, built.grid, plan, req.inputs.length, label);
        checkOutputSize(info, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
        q = await connecting;
        const { queue, redis: client } = q;
        writer = await openOutputWriter(req, fs, plan, { signal: options.signal });
        const id = newRunId(now);
        const specs = plan.specs.filter((s) => !plan.coordNames.includes(s.name));
        const asked = options.tasksPerJob ?? envTasksPerJob();
        const group = Math.max(
          1,
          Math.floor(
            asked ??
              tasksPerJob(plan.taskCount, info.estimated_bytes, tasksPerTile(specs), await workersOnDb(queue, conn.db).catch(() => 0)),
          ),
        );
        doc = {
          id,
          request: req,
          now: now.toISOString(),
          tempPath: writer.tempPath,
          total: Math.ceil(plan.taskCount / group),
          info,
          specs,
          group,
          jobItems: "derived",
          attempts: options.attempts ?? 3,
          ...(process.env.EOCUBE_GEN_TASK_FAULT ? { fault: process.env.EOCUBE_GEN_TASK_FAULT } : {}),
        };
        try {
          await fs.put(joinStoreKey(writer.tempPath, RUN_MARKER), new TextEncoder().encode(`${id}\n`));
          // wave 0 open: workers may write its chunks (see run-state.ts)
          await client.hset(runKeys(id).run, "doc", JSON.stringify(doc), "bytes", "0", "open", "0");
          lease = await takeCoordinator(client, id, "eocube gen");
        } catch (err) {
          await writer.abort().catch(() => undefined);
          throw err;
        }
        options.onRun?.(id);
        const d = doc;
        const w = writer;
        start = async () => {
          try {
            // (no chunk items: the workers derive them from the run's specs, see jobItems)
            await enqueue(
              queue,
              d,
              Array.from({ length: d.total }, (_, i) => i),
              () => ({}),
              options.signal,
            );
            // the coordinates while the workers take the first jobs (they are needed by the commit only)
            await writeCoordinates(inPlaceChunks(w, fs, plan, d.request, options.signal), built.cube, plan);
          } finally {
            await closeInputs();
          }
        };
      } catch (err) {
        await closeInputs();
        throw err;
      }
    }
    const client = q.redis;
    try {
      // a new run's jobs: queued here, so that a failure or Ctrl-C while queueing removes them too
      await start?.();
      await waitForRun(q, conn, doc, { ...options, lease }, t0);
      // still the run's coordinator (not frozen longer than the lease while another one took over)?
      await lease!.check();
      // no task writes from here on; a duplicate still writing (a stalled job's first worker) ends first
      const expired = await closeWave(client, doc.id, { signal: options.signal });
      const fs = outputFs(doc.request);
      await fs.delete(joinStoreKey(doc.tempPath, RUN_MARKER));
      await writer.commit();
      // a writer frozen mid-write (its lease expired) may have left an unfinished file in the renamed store
      if (expired) await removeStrayPutFiles(fs, doc.request.output.data_id);
    } catch (err) {
      // another coordinator has taken the run over: it is that one's to finish or remove
      if (lease && !(await lease.holds())) throw err;
      // a killed coordinator's run stays resumable; a failed or cancelled one is removed with its jobs and chunks
      await removeRun(q, doc).catch(() => undefined);
      await writer.abort().catch(() => undefined);
      throw err;
    }
    const bytes = Number((await client.hget(runKeys(doc.id).run, "bytes")) ?? 0);
    await client.del(...Object.values(runKeys(doc.id)));
    return { info: doc.info, bytes_written: bytes, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    throw interruptedError(err, options.signal, "eocube gen", label);
  } finally {
    await lease?.release();
    await (q ?? (await connecting.catch(() => undefined)))?.close();
  }
}

/** What a job of task `i` carries besides its run and index. */
export type TaskData = (i: number) => Omit<TaskJobData, "run" | "index">;

/** Jobs in the first batch {@link enqueue} adds: waiting workers start on them while the rest are being added. */
const FIRST_BATCH = 16;

/**
 * Adds the jobs of tasks `indices` of a run: {@link FIRST_BATCH} first, then 500 per round trip (adding 500 jobs
 * takes the coordinator ~0.1–0.3 s, which waiting workers would otherwise spend idle); stops between batches when
 * `signal` fired.
 */
export async function enqueue(queue: Queue, doc: RunDoc, indices: number[], data: TaskData, signal?: AbortSignal): Promise<void> {
  for (let k = 0, n = FIRST_BATCH; k < indices.length; k += n, n = 500) {
    throwIfAborted(signal);
    await queue.addBulk(
      indices.slice(k, k + n).map((i) => ({
        name: "task",
        data: { run: doc.id, index: i, ...data(i) } satisfies TaskJobData,
        opts: { jobId: jobId(doc.id, i), attempts: doc.attempts, removeOnComplete: true, removeOnFail: false },
      })),
    );
  }
}

/**
 * Resume: the tasks in `[from, to)` (default all) not done are queued again unless their job still waits or
 * runs; failed ones are retried.
 */
export async function requeue(
  { queue, redis: client }: GenQueue,
  doc: RunDoc,
  data: TaskData,
  [from, to]: [number, number] = [0, doc.total],
): Promise<void> {
  const done = new Set((await client.hkeys(runKeys(doc.id).done)).map(Number));
  const missing: number[] = [];
  await forEachPending(done, [from, to], async (i) => {
    const state = await queue.getJobState(jobId(doc.id, i));
    if (state === "failed" || state === "completed") await queue.remove(jobId(doc.id, i)).catch(() => undefined);
    if (state === "unknown" || state === "failed" || state === "completed") missing.push(i);
  });
  missing.sort((a, b) => a - b);
  await client.del(runKeys(doc.id).errors);
  await enqueue(queue, doc, missing, data);
}

/** Calls `fn` for every task in `[from, to)` not in `done`, 64 at a time (one Redis round trip each). */
async function forEachPending(done: Set<number>, [from, to]: [number, number], fn: (i: number) => Promise<void>): Promise<void> {
  const pending: number[] = [];
  for (let i = from; i < to; i++) if (!done.has(i)) pending.push(i);
  for (let k = 0; k < pending.length; k += 64) await Promise.all(pending.slice(k, k + 64).map(fn));
}

/** Removes a run's queued jobs and its keys (workers skip the tasks of a run whose document is gone). */
export async function removeRun({ queue, redis: client }: GenQueue, doc: RunDoc): Promise<void> {
  await client.del(runKeys(doc.id).run);
  const done = new Set((await client.hkeys(runKeys(doc.id).done)).map(Number));
  await forEachPending(done, [0, doc.total], (i) =>
    queue.remove(jobId(doc.id, i)).then(
      () => undefined,
      () => undefined,
    ),
  );
  await client.del(runKeys(doc.id).done, runKeys(doc.id).errors, runKeys(doc.id).leases);
}

/** Options of {@link waitForRun}. */
export interface WaitOptions {
  onProgress?: (p: GenProgress) => void;
  /** Interval of progress polls in ms (default 250). */
  pollMs?: number;
  signal?: AbortSignal;
  /**
   * Called once per stretch of waiting on something other than the tasks: `no_workers` when the run has made no
   * progress for {@link WaitOptions.waitNoticeMs} and no `eocube worker` is connected to its Redis database (workers
   * not started, on another database, or all gone; told again only after progress or a worker was seen);
   * `redis_unreachable` when a progress poll has had no answer for that long (told again after an answer).
   */
  onWaiting?: (e: WaitingEvent) => void;
  /** Milliseconds of such waiting before {@link WaitOptions.onWaiting} is called (default {@link WAIT_NOTICE_MS}). */
  waitNoticeMs?: number;
  /** This coordinator's lease of the run: the wait ends (with its error) once another coordinator took the run over. */
  lease?: CoordinatorLease;
}

/**
 * Waits until `target` tasks of the run are done (default all; a run in waves waits for each wave's end),
 * polling the progress, or throws the error of a task that failed for good, or the signal's reason.
 * @throws EocubeError REMOTE_ERROR when the run's keys vanished from Redis meanwhile (its tasks could never be
 *   recorded as done).
 */
export async function waitForRun(
  { queue, redis: client }: GenQueue,
  conn: RedisConnection,
  doc: RunDoc,
  options: WaitOptions,
  t0: number,
  target = doc.total,
): Promise<void> {
  const keys = runKeys(doc.id);
  const events = new QueueEvents(GEN_QUEUE, { connection: conn });
  events.on("error", () => undefined);
  let failure: unknown;
  const checkFailed = async (id: string) => {
    if (!id.startsWith(`${doc.id}-`) || failure !== undefined) return;
    const job = (await queue.getJob(id)) as Job<TaskJobData> | undefined;
    if (!job || (await job.getState()) !== "failed") return;
    failure = await taskError(client.hget(keys.errors, String(job.data.index)), job, doc);
  };
  events.on("failed", ({ jobId: id }) => void checkFailed(id).catch(() => undefined));
  // the poll below sleeps pollMs; when the run's jobs completed since its last look may be all it waits for, it
  // looks at once (a run's end is then seen within a round trip, not up to pollMs later)
  let completed = 0;
  let last = -1;
  let wake: (() => void) | undefined;
  const noticeMs = options.waitNoticeMs ?? envWaitNoticeMs();
  const tell = (reason: WaitingEvent["reason"], since: number) =>
    options.onWaiting?.({ reason, redis: redisLabel(conn), waited_s: Math.round((Date.now() - since) / 1000) });
  let lastChange = Date.now();
  let lastLook = 0;
  let told = false;
  let toldRedis = false;
  events.on("completed", ({ jobId: id }) => {
    if (id.startsWith(`${doc.id}-`) && Math.max(0, last) + ++completed >= target) wake?.();
  });
  try {
    await events.waitUntilReady();
    // failures before the listener was ready (a resumed run): look once at the run's failed jobs
    for (const job of await queue.getFailed()) if (job?.id) await checkFailed(job.id);
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason ?? new EocubeError("CANCELLED", "the run was aborted");
      if (failure !== undefined) throw failure;
      if (options.lease?.lost()) await options.lease.check();
      completed = 0;
      // (ioredis queues commands while Redis is down and sends them once it is back: a poll then just waits)
      const asked = Date.now();
      const poll = Promise.all([client.hlen(keys.done), client.exists(keys.run)]);
      let lateTimer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        lateTimer = setTimeout(() => resolve("late"), noticeMs);
      });
      if ((await Promise.race([poll, late])) === "late" && !toldRedis) {
        toldRedis = true;
        tell("redis_unreachable", asked);
      }
      clearTimeout(lateTimer);
      const [done, alive] = await poll;
      if (Date.now() - asked < noticeMs) toldRedis = false;
      // the run's state is gone from Redis (a restart without persistence, a FLUSHDB, or another coordinator removed
      // the run): no task will ever be recorded, so waiting would last forever
      if (!alive) throw runLost(conn, doc);
      if (done !== last) {
        last = done;
        lastChange = Date.now();
        told = false;
        const bytes = Number((await client.hget(keys.run, "bytes")) ?? 0);
        options.onProgress?.({ done, total: doc.total, bytes, elapsed_s: (Date.now() - t0) / 1000 });
      }
      if (done >= target) return;
      // no progress for a while: is anyone computing? (CLIENT LIST at most once a second)
      if (options.onWaiting && Date.now() - lastChange >= noticeMs && Date.now() - lastLook >= 1000) {
        lastLook = Date.now();
        const n = await workersOnDb(queue, conn.db).catch(() => 1);
        if (n > 0) told = false;
        else if (!told) {
          told = true;
          tell("no_workers", lastChange);
        }
      }
      await new Promise<void>((resolve) => {
        const end = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", end);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(end, options.pollMs ?? 250);
        options.signal?.addEventListener("abort", end, { once: true });
        wake = end;
      });
    }
  } finally {
    await events.close().catch(() => undefined);
  }
}

/** The error of a `--resume` whose run ended under its other coordinator while this one waited for its lease. */
export function endedMeanwhile(conn: RedisConnection, run: string): EocubeError {
  return new EocubeError(
    "NOT_FOUND",
    `run ${run} ended (committed, failed or cancelled) under its other coordinator while this one waited for it in ${redisLabel(conn)}`,
    { field: "--resume", hint: "see that coordinator's result; nothing was done by this one" },
  );
}

/** The error of a run whose keys vanished from Redis while its coordinator waited (see waitForRun). */
function runLost(conn: RedisConnection, doc: RunDoc): EocubeError {
  return new EocubeError(
    "REMOTE_ERROR",
    `run ${doc.id} is no longer in Redis at ${redisLabel(conn)} (Redis restarted without persistence, its database was flushed, or another coordinator removed the run); nothing was written to ${runLabel(doc)}`,
    {
      field: "--executor",
      hint: "run the request again; for runs that outlive a Redis restart, give Redis persistence (appendonly yes, docs/distributed.md)",
    },
  );
}

/** The error of a task that failed for good: the worker's EocubeError (code, field, hint) when it recorded one. */
async function taskError(recorded: Promise<string | null>, job: Job<TaskJobData>, doc: RunDoc): Promise<EocubeError> {
  let tasks = "";
  if (doc.kind !== "level" && (doc.group ?? 1) > 1) {
    const first = job.data.index * doc.group!;
    tasks = ` (chunk tasks ${first}–${Math.min(first + doc.group!, doc.info.tasks) - 1})`;
  }
  const where = `task ${job.data.index} of ${doc.total}${tasks}${job.data.level === undefined ? "" : ` (level ${job.data.level})`} (job ${job.id}) failed ${job.attemptsMade} time(s)`;
  const raw = await recorded.catch(() => null);
  if (raw) {
    const e = JSON.parse(raw) as { code?: string; message?: string; field?: string; path?: string; hint?: string };
    const code = (e.code && e.code in ERROR_CODES ? e.code : "WORKER_FAILED") as ErrorCode;
    return new EocubeError(code, `${e.message}; ${where}; nothing was written to ${runLabel(doc)}`, {
      field: e.field,
      path: e.path,
      hint: e.hint,
    });
  }
  const reason = job.failedReason || "unknown error";
  return new EocubeError("WORKER_FAILED", `${reason}; ${where}; nothing was written to ${runLabel(doc)}`, {
    hint: /stalled/i.test(reason) ? "a worker died while running it (memory? killed?): check the workers, then run again" : undefined,
  });
}

/** True for errors of the executor that carry an EocubeError code (for the worker's error record). */
export function errorRecord(err: unknown): string {
  const e = isEocubeError(err) ? err : undefined;
  return JSON.stringify({
    code: e?.code ?? (err as { code?: unknown })?.code ?? "WORKER_FAILED",
    message: String((err as Error)?.message ?? err),
    field: e?.field,
    path: e?.path,
    hint: e?.hint,
  });
}
