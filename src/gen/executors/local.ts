// The embedded executor: today's worker-thread pool of runGen (piscina) and writeLevels, behind the Executor interface.
import { EocubeError } from "../../core/errors.js";
import { writeLevels } from "../level.js";
import { runGen } from "../run.js";
import type { Executor } from "./types.js";

const noResume = () =>
  new EocubeError("INVALID_ARGUMENT", "--resume needs a distributed run: --executor redis://host:6379", {
    field: "--resume",
    hint: "a local run that stopped is simply run again",
  });

/** Runs every task in this process ({@link runGen}'s worker threads, {@link writeLevels}); a run cannot be resumed. */
export const localExecutor: Executor = {
  name: "local",
  async run(req, options = {}) {
    if (options.resume || !req) throw noResume();
    return runGen(req, options);
  },
  async levels(input, output, options = {}) {
    if (options.resume || input === undefined || output === undefined) throw noResume();
    return writeLevels(input, output, options);
  },
};
