// Gen and level executors: `local` (this process, the default) and BullMQ on Redis (`eocube worker` processes). BullMQ
// (~0.25 s to load, bullmq-lib.ts) is loaded only when a distributed run or a worker starts.
import type { GenRequest } from "../request.js";
import type { GenResult } from "../run.js";
import type { BullmqGenOptions, RunSummary } from "./bullmq.js";
import { bullmqExecutor } from "./bullmq-executor.js";
import type { GenWorker, GenWorkerOptions } from "./bullmq-worker.js";
import { localExecutor } from "./local.js";
import type { Executor } from "./types.js";

export type { Executor, ExecutorLevelsOptions, ExecutorRunOptions } from "./types.js";
export type { BullmqGenOptions, RunSummary } from "./bullmq.js";
export type { GenWorker, GenWorkerOptions } from "./bullmq-worker.js";
export { localExecutor } from "./local.js";
export { bullmqExecutor } from "./bullmq-executor.js";
export { parseRedisUrl } from "./redis.js";

/**
 * The executor named by `--executor`: `local` (or nothing) → worker threads of this process; `redis://…` →
 * BullMQ on that Redis.
 * @throws EocubeError INVALID_ARGUMENT for anything else.
 */
export function executorOf(spec: string | undefined): Executor {
  if (spec === undefined || spec === "local") return localExecutor;
  return bullmqExecutor(spec);
}

/** Runs a gen request on `eocube worker` processes through BullMQ; see bullmq.ts `runGenBullmq` (loaded on first use). */
export async function runGenBullmq(req: GenRequest | undefined, options: BullmqGenOptions): Promise<GenResult> {
  return (await import("./bullmq.js")).runGenBullmq(req, options);
}

/** The runs in a Redis; see bullmq.ts `listRuns` (loaded on first use). */
export async function listRuns(redis: string): Promise<RunSummary[]> {
  return (await import("./bullmq.js")).listRuns(redis);
}

/** Starts a gen worker on BullMQ; see bullmq-worker.ts `startGenWorker` (loaded on first use). */
export async function startGenWorker(options: GenWorkerOptions): Promise<GenWorker> {
  return (await import("./bullmq-worker.js")).startGenWorker(options);
}
