// Gen executors: `local` (worker threads, the default) and BullMQ on Redis (`eocube worker` processes).
import { bullmqExecutor } from "./bullmq-executor.js";
import { localExecutor } from "./local.js";
import type { Executor } from "./types.js";

export type { Executor, ExecutorRunOptions } from "./types.js";
export { localExecutor } from "./local.js";
export { bullmqExecutor } from "./bullmq-executor.js";
export { runGenBullmq, type BullmqGenOptions } from "./bullmq.js";
export { startGenWorker, type GenWorker, type GenWorkerOptions } from "./bullmq-worker.js";
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
