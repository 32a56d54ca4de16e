// The Executor interface of gen: where the chunk tasks of a planned cube are computed (all executors commit alike).
import type { GenRequest } from "../request.js";
import type { GenResult, RunGenOptions } from "../run.js";

/** Options of {@link Executor.run}: runGen's, and those of a distributed run. */
export interface ExecutorRunOptions extends RunGenOptions {
  /** Continue the run with this id (distributed executors; the request is then read from the queue). */
  resume?: string;
  /** Called with the run's id once it is known (distributed executors). */
  onRun?: (id: string) => void;
  /** Attempts of a task before the run fails (distributed executors; default 3). */
  attempts?: number;
}

/** Computes a gen request's tasks and commits the cube only when all succeeded. */
export interface Executor {
  /** `local` or the Redis URL (without password). */
  readonly name: string;
  /**
   * Runs a request (`undefined` with `options.resume`).
   * @throws EocubeError as runGen; INVALID_ARGUMENT for options the executor lacks.
   */
  run(req: GenRequest | undefined, options?: ExecutorRunOptions): Promise<GenResult>;
}
