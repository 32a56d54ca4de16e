// The Executor interface of gen and level: where the chunk tasks of a planned cube or pyramid are computed (all
// executors commit alike).
import type { LevelsResult, WriteLevelsOptions } from "../level.js";
import type { GenRequest } from "../request.js";
import type { GenResult, RunGenOptions } from "../run.js";

/** Options of a distributed run (ignored or refused by the local executor). */
export interface DistributedRunOptions {
  /** Continue the run with this id (distributed executors; the request or pyramid is then read from the queue). */
  resume?: string;
  /** Called with the run's id once it is known (distributed executors). */
  onRun?: (id: string) => void;
  /** Attempts of a task before the run fails (distributed executors; default 3). */
  attempts?: number;
  /** Called when a distributed run waits on something other than its tasks (see {@link WaitingEvent}). */
  onWaiting?: (e: WaitingEvent) => void;
}

/**
 * Why a distributed run is stuck, told once per such stretch: `no_workers` — no progress for 5 s and no worker
 * connected to take its tasks; `redis_unreachable` — Redis has not answered for 5 s (the run goes on when it is back);
 * `coordinator` — a `--resume` waits (up to `waited_s` seconds) for the lease of the run's previous coordinator
 * `holder` to run out. `redis`: the executor's URL without password; `waited_s`: seconds waited so far (coordinator:
 * the most it will wait).
 */
export interface WaitingEvent {
  reason: "no_workers" | "redis_unreachable" | "coordinator";
  /** (coordinator) the live coordinator that holds the run, e.g. `eocube gen on host (pid 12)`. */
  holder?: string;
  redis: string;
  waited_s: number;
}

/** Options of {@link Executor.run}: runGen's, and those of a distributed run. */
export interface ExecutorRunOptions extends RunGenOptions, DistributedRunOptions {}

/** Options of {@link Executor.levels}: writeLevels's, and those of a distributed run. */
export interface ExecutorLevelsOptions extends WriteLevelsOptions, DistributedRunOptions {}

/** Computes a gen request's (or a pyramid's) tasks and commits the output only when all succeeded. */
export interface Executor {
  /** `local` or the Redis URL (without password). */
  readonly name: string;
  /**
   * Runs a request (`undefined` with `options.resume`).
   * @throws EocubeError as runGen; INVALID_ARGUMENT for options the executor lacks.
   */
  run(req: GenRequest | undefined, options?: ExecutorRunOptions): Promise<GenResult>;
  /**
   * Writes the pyramid of `input` at `output` (`*.levels`; both `undefined` with `options.resume`), as writeLevels.
   * @throws EocubeError as writeLevels; INVALID_ARGUMENT for options the executor lacks.
   */
  levels(input: string | undefined, output: string | undefined, options?: ExecutorLevelsOptions): Promise<LevelsResult>;
}
