// The embedded executor: today's worker-thread pool of runGen (piscina), behind the Executor interface.
import { EocubeError } from "../../core/errors.js";
import { runGen } from "../run.js";
import type { Executor } from "./types.js";

/** Runs every task in this process's worker threads ({@link runGen}); a run cannot be resumed. */
export const localExecutor: Executor = {
  name: "local",
  async run(req, options = {}) {
    if (options.resume || !req) {
      throw new EocubeError("INVALID_ARGUMENT", "--resume needs a distributed run: --executor redis://host:6379", {
        field: "--resume",
        hint: "a local run that stopped is simply run again",
      });
    }
    return runGen(req, options);
  },
};
