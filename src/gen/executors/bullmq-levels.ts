// The distributed pyramid (`eocube level --executor redis://…`) on the gen executor's BullMQ machinery: the levels
// are written as successive waves (level i + 1 is computed from level i as written), each wave one job per chunk
// position of the level's data variables for `eocube worker` processes; the coordinator writes the coordinates,
// commits each level's Zarr store when its wave is done, and `.zlevels` + the rename of the temporary folder last.
import { basename, dirname } from "node:path";
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { joinStoreKey } from "../../formats/zarr/store.js";
import { createZarrWriter } from "../../formats/zarr/writer.js";
import type { FileSystem } from "../../fs/types.js";
import {
  beginLevels,
  commitLevels,
  type LevelsPlan,
  type LevelsResult,
  levelDataset,
  levelKey,
  levelPixels,
  levelsResult,
  levelWritePlan,
  type OpenLevels,
  openLevelSource,
  openLevels,
  openWrittenLevel,
  type WriteLevelsOptions,
} from "../level.js";
import type { LevelWorkerTask } from "../level-task.js";
import { chunkGrid, chunkSelection, planCube } from "../plan.js";
import type { GenRequest } from "../request.js";
import { interruptedError, outputFs } from "../run.js";
import {
  connectQueue,
  enqueue,
  type GenQueue,
  endedMeanwhile,
  loadRunDoc,
  newRunId,
  RUN_MARKER,
  type RunDocBase,
  removeRun,
  requeue,
  type TaskJobData,
  waitForRun,
  type WaitOptions,
} from "./bullmq.js";
import { parseRedisUrl, type RedisConnection, redisLabel, runKeys } from "./redis.js";
import { type CoordinatorLease, closeWave, openWave, removeStrayPutFiles, takeCoordinator } from "./run-state.js";

/** A pyramid run's document in Redis (`tempPath` is the temporary `.levels` folder, holding the run marker). */
export interface LevelRunDoc extends RunDocBase {
  kind: "level";
  plan: LevelsPlan;
  /** The output's parent folder as a `file` or `s3` store (`data_id` the `.levels` name): where workers write. */
  output: GenRequest["output"];
  /** Where each level's chunks go (inside `tempPath`): the level's own Zarr store, written in place. */
  levelTemps: string[];
  /** The first task (run-wide index) of each level's wave, and the wave's task count (0 for a linked level 0). */
  firsts: number[];
  counts: number[];
}

/** Options of {@link runLevelsBullmq}. */
export interface BullmqLevelsOptions extends WriteLevelsOptions {
  /** `redis://host:6379[/db]`. */
  redis: string;
  /** Continue the run with this id (input, output and options then come from Redis). */
  resume?: string;
  /** Attempts of a task before the run fails (default 3; a stalled task of a killed worker counts as one). */
  attempts?: number;
  /** Called once the run id is known (before any task runs), e.g. to print how to resume. */
  onRun?: (id: string) => void;
  /** Interval of progress polls in ms (default 250). */
  pollMs?: number;
  /** See {@link WaitOptions.onWaiting}. */
  onWaiting?: WaitOptions["onWaiting"];
}

/**
 * The output of a pyramid as a gen output store (how workers open it): its parent folder as a `file` store, or
 * for `s3://bucket/p/cube.levels` the `s3` store at `bucket/p` (credentials and endpoint from each process's
 * environment, AWS_*); `data_id` is the `.levels` name.
 */
function levelsOutputStore(plan: LevelsPlan): GenRequest["output"] {
  const m = /^s3:\/\/(.+)\/([^/]+)$/i.exec(plan.output);
  if (!m && /^[a-z][a-z0-9+.-]*:\/\//i.test(plan.output)) {
    throw new EocubeError("UNSUPPORTED", `a distributed pyramid is written to a local path or s3:// only, not ${plan.output}`, {
      field: "-o",
      hint: "e.g. -o /shared/cube.levels (a volume every worker sees) or -o s3://bucket/cube.levels",
    });
  }
  return {
    store_id: m ? "s3" : "file",
    store_params: { root: m ? m[1]! : dirname(plan.output) },
    data_id: m ? m[2]! : basename(plan.output),
    replace: plan.replace,
    format_version: 2,
  };
}

/** The worker thread's task of a job of a pyramid run, and the temporary store its chunks go to. */
export function levelTask(doc: LevelRunDoc, data: TaskJobData): { task: LevelWorkerTask; dest: string } {
  const level = data.level;
  if (level === undefined || !doc.levelTemps[level] || !data.items) {
    throw new EocubeError("INTERNAL", `job ${data.run}-${data.index} of a pyramid run names no level or no chunks`);
  }
  return {
    task: { kind: "level", run: doc.id, plan: doc.plan, output: doc.output, folder: doc.tempPath, level, items: data.items },
    dest: doc.levelTemps[level],
  };
}

/**
 * Writes the pyramid of `input` at `output` (as {@link writeLevels}, byte for byte) on `eocube worker` processes
 * through BullMQ. The output must be on a volume every worker sees at the same path (a worker that does not see
 * the run's temporary folder fails the task saying so). The levels are successive waves: the coordinator
 * writes a level's coordinates into its temporary Zarr store, enqueues one job per chunk position of its data
 * variables (job ids `<run>-<task>`, tasks numbered across the levels; a task rewrites exactly its own chunks),
 * waits with progress, and commits the level (metadata, consolidation) before the next wave reads it. `.zlevels`
 * is written and the temporary folder renamed into place only when every task succeeded; a failed or cancelled
 * run removes its queued jobs and the temporary folder. A coordinator killed meanwhile leaves the run in Redis:
 * `resume: <run id>` continues with the level being written.
 * @throws EocubeError as writeLevels; REMOTE_ERROR (Redis unreachable); NOT_FOUND (unknown run to resume);
 *   WORKER_FAILED or the task's own code when a task fails; CANCELLED when aborted.
 */
export async function runLevelsBullmq(
  inputPath: string | undefined,
  output: string | undefined,
  options: BullmqLevelsOptions,
): Promise<LevelsResult> {
  const conn = parseRedisUrl(options.redis);
  let label = output ?? "the output";
  let opened: OpenLevels | undefined;
  // the input, CF-decoded (levels 0 and 1 are computed from it)
  let input: { ds: Dataset; close(): Promise<unknown> } | undefined;
  let q: GenQueue | undefined;
  // the run's one coordinator (this process): see takeCoordinator
  let lease: CoordinatorLease | undefined;
  try {
    if (!options.resume) {
      if (inputPath === undefined || output === undefined) {
        throw new EocubeError("INVALID_ARGUMENT", "an input and an output (-o) are needed (or --resume <run id>)", { field: "input" });
      }
      // the options and the input are checked before Redis is asked
      opened = await openLevels(inputPath, output, options);
      input = opened;
      label = opened.plan.output;
    }
    q = await connectQueue(conn);
    const t0 = Date.now();
    let doc: LevelRunDoc;
    let fs: FileSystem;
    let start = 0;
    if (options.resume) {
      const found = await loadRunDoc(q.redis, options.resume);
      if (!found) {
        throw new EocubeError(
          "NOT_FOUND",
          `no pyramid run ${options.resume} in ${redisLabel(conn)} (it finished, failed, was cancelled, or never began)`,
          { field: "--resume", hint: "start it again without --resume" },
        );
      }
      if (found.kind !== "level") {
        throw new EocubeError("INVALID_ARGUMENT", `run ${options.resume} is a gen run, not a pyramid (eocube level)`, {
          field: "--resume",
          hint: `eocube gen --resume ${options.resume} --executor …`,
        });
      }
      doc = found;
      label = doc.plan.output;
      // before anything is written: a run already coordinated by a live process is refused
      lease = await takeCoordinator(q.redis, doc.id, "eocube level", {
        signal: options.signal,
        onWait: (holder, maxS) => options.onWaiting?.({ reason: "coordinator", holder, redis: redisLabel(conn), waited_s: maxS }),
      });
      // (it may have ended under that coordinator meanwhile)
      if (!(await loadRunDoc(q.redis, doc.id))) throw endedMeanwhile(conn, doc.id);
      fs = outputFs({ output: doc.output });
      if (!(await fs.exists(joinStoreKey(doc.tempPath, RUN_MARKER)))) {
        throw new EocubeError("NOT_FOUND", `the temporary folder of run ${doc.id} (${doc.tempPath}) is gone from ${dirname(label)}`, {
          field: "--resume",
          hint: "start the run again without --resume",
        });
      }
      const plan = doc.plan;
      input = await openLevelSource(plan, fs, doc.tempPath, 0, options);
      // the levels committed before the coordinator stopped are kept
      const committed = async (i: number) =>
        fs.exists(i === 0 && plan.link ? `${doc.tempPath}/0.link` : `${levelKey(doc.tempPath, i)}/.zmetadata`);
      while (start < plan.numLevels && (await committed(start))) start++;
      options.onRun?.(doc.id);
    } else {
      const plan = opened!.plan;
      const out = levelsOutputStore(plan);
      const name = out.data_id;
      try {
        fs = outputFs({ output: out });
      } catch (err) {
        if (!isEocubeError(err, "UNSAFE_ID")) throw err;
        throw new EocubeError("UNSAFE_ID", `the output name ${JSON.stringify(name)} is not safe for a distributed run`, {
          field: "-o",
          hint: "use letters, digits, '.', '_', '+' or '-' in the name",
        });
      }
      const tmpName = await beginLevels(plan, fs, options);
      // tasks per level, from the lazy levels of the input (the levels as written have the same shapes and chunks)
      const counts: number[] = [];
      let lazy = opened!.ds;
      for (let i = 0; i < plan.numLevels; i++) {
        const lv = await levelDataset(plan, i <= 1 ? opened!.ds : lazy, i, options);
        counts.push(i === 0 && plan.link ? 0 : planCube(lv).taskCount);
        lazy = lv;
      }
      const firsts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      doc = {
        kind: "level",
        id: newRunId(now),
        now: now.toISOString(),
        tempPath: tmpName,
        total: counts.reduce((a, b) => a + b, 0),
        attempts: options.attempts ?? 3,
        ...(process.env.EOCUBE_GEN_TASK_FAULT ? { fault: process.env.EOCUBE_GEN_TASK_FAULT } : {}),
        plan,
        output: out,
        // each level is written in place inside the temporary folder (committed by its .zmetadata, written last)
        levelTemps: plan.levels.map((_, i) => levelKey(tmpName, i)),
        firsts,
        counts,
      };
      try {
        await fs.put(joinStoreKey(tmpName, RUN_MARKER), new TextEncoder().encode(`${doc.id}\n`));
        await q.redis.hset(runKeys(doc.id).run, "doc", JSON.stringify(doc), "bytes", "0");
        lease = await takeCoordinator(q.redis, doc.id, "eocube level");
      } catch (err) {
        await fs.delete(`${tmpName}/`).catch(() => undefined);
        throw err;
      }
      options.onRun?.(doc.id);
    }
    try {
      const expired = await waves(q, conn, doc, fs, input!.ds, start, options, t0, lease!);
      await fs.delete(joinStoreKey(doc.tempPath, RUN_MARKER));
      await commitLevels(doc.plan, fs, doc.tempPath, options);
      // a writer frozen mid-write (its lease expired) may have left an unfinished file in the renamed pyramid
      if (expired) await removeStrayPutFiles(fs, doc.output.data_id);
    } catch (err) {
      // another coordinator has taken the run over: it is that one's to finish or remove
      if (lease && !(await lease.holds())) throw err;
      // a killed coordinator's run stays resumable; a failed or cancelled one is removed with its jobs and folder
      await removeRun(q, doc).catch(() => undefined);
      await fs.delete(`${doc.tempPath}/`).catch(() => undefined);
      throw err;
    }
    await q.redis.del(...Object.values(runKeys(doc.id)));
    return levelsResult(doc.plan);
  } catch (err) {
    throw interruptedError(err, options.signal, "eocube level", label);
  } finally {
    await lease?.release();
    await input?.close();
    await q?.close();
  }
}

/** Every chunk index of a chunk grid (none when a dim is empty; `[]` once for a 0-d array). */
function* chunkIndices(grid: number[]): Generator<number[]> {
  if (grid.some((g) => g === 0)) return;
  const idx = grid.map(() => 0);
  for (;;) {
    yield idx.slice();
    let d = idx.length - 1;
    while (d >= 0 && ++idx[d]! >= grid[d]!) {
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/**
 * Writes levels `start` … n − 1, one wave of tasks each, and commits each level's Zarr store; true when a wave's
 * close dropped expired write leases (see closeWave).
 */
async function waves(
  q: GenQueue,
  conn: RedisConnection,
  doc: LevelRunDoc,
  fs: FileSystem,
  input: Dataset,
  start: number,
  options: BullmqLevelsOptions,
  t0: number,
  lease: CoordinatorLease,
): Promise<boolean> {
  const { plan } = doc;
  let expired = false;
  const n = plan.numLevels;
  const totalPixels = plan.levels.reduce((a, l) => a + levelPixels(plan, l.level), 0);
  let donePixels = plan.levels.slice(0, start).reduce((a, l) => a + levelPixels(plan, l.level), 0);
  for (let i = start; i < n; i++) {
    if (i === 0 && plan.link) {
      await fs.put(`${doc.tempPath}/0.link`, new TextEncoder().encode(plan.source));
    } else {
      const prev = i >= 2 ? await openWrittenLevel(fs, doc.tempPath, i - 1, options) : undefined;
      try {
        const lv = await levelDataset(plan, prev?.ds ?? input, i, options);
        const { byName, attrs } = levelWritePlan(lv);
        const writer = await createZarrWriter(
          fs,
          levelKey(doc.tempPath, i),
          { arrays: [...byName.values()].map((p) => p.spec), attrs },
          doc.levelTemps[i] === levelKey(doc.tempPath, i)
            ? { signal: options.signal, inPlace: true }
            : { signal: options.signal, resumeTempPath: doc.levelTemps[i] },
        );
        // coordinates: small, written here (rewritten alike on resume)
        for (const [name, v] of Object.entries(lv.coords)) {
          const p = byName.get(name)!;
          for (const idx of chunkIndices(chunkGrid(p.spec))) {
            await writer.writeChunk(name, idx, p.convert(await v.read(chunkSelection(p.spec, idx), options)));
          }
        }
        const tasks = planCube(lv);
        const first = doc.firsts[i]!;
        const count = doc.counts[i]!;
        if (tasks.taskCount !== count) {
          throw new EocubeError("INTERNAL", `level ${i} has ${tasks.taskCount} tasks as written but ${count} were planned`);
        }
        const data = (k: number) => ({ items: tasks.task(k - first).items, level: i });
        // the workers of this level's tasks may write (see run-state.ts)
        await openWave(q.redis, doc.id, i);
        if (options.resume && i === start) await requeue(q, doc, data, [first, first + count]);
        else
          await enqueue(
            q.queue,
            doc,
            Array.from({ length: count }, (_, k) => first + k),
            data,
            options.signal,
          );
        const px = levelPixels(plan, i);
        await waitForRun(
          q,
          conn,
          doc,
          {
            signal: options.signal,
            pollMs: options.pollMs,
            onWaiting: options.onWaiting,
            lease,
            onProgress: (p) =>
              options.onProgress?.({
                done: donePixels + (count ? (px * Math.max(0, p.done - first)) / count : 0),
                total: totalPixels,
                level: i,
                numLevels: n,
              }),
          },
          t0,
          first + count,
        );
        // still the run's coordinator? then no task of this level writes from here on (a duplicate still writing
        // ends first)
        await lease.check();
        if (await closeWave(q.redis, doc.id, { signal: options.signal })) expired = true;
        await writer.commit();
      } finally {
        await prev?.close();
      }
    }
    donePixels += levelPixels(plan, i);
    options.onProgress?.({ done: donePixels, total: totalPixels, level: i, numLevels: n });
    options.onLevel?.(i, n);
  }
  return expired;
}
