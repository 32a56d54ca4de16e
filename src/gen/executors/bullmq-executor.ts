// The BullMQ executor as an Executor: runGenBullmq and runLevelsBullmq with their Redis URL bound (parsed up front;
// BullMQ loaded on run).
import { EocubeError } from "../../core/errors.js";
import { parseRedisUrl, redisLabel } from "./redis.js";
import type { Executor } from "./types.js";

/**
 * An executor running tasks on `eocube worker` processes through BullMQ on `redis` (`redis://host:6379[/db]`).
 * @throws EocubeError INVALID_ARGUMENT (field --executor) for a URL that is not redis:// or rediss://.
 */
export function bullmqExecutor(redis: string): Executor {
  const label = redisLabel(parseRedisUrl(redis));
  return {
    name: label,
    run: async (req, options = {}) => {
      if (req?.output.format && req.output.format !== "zarr")
        throw new EocubeError("UNSUPPORTED", `output_config/format ${req.output.format}: a distributed run writes Zarr only`, {
          field: "output_config/format",
          hint: "run it locally (no --executor), or write Zarr and convert it with eocube subset -o cube.nc / cube.tif",
        });
      return (await import("./bullmq.js")).runGenBullmq(req, { ...options, redis });
    },
    levels: async (input, output, options = {}) =>
      (await import("./bullmq-levels.js")).runLevelsBullmq(input, output, { ...options, redis }),
  };
}
