// The BullMQ executor as an Executor: runGenBullmq and runLevelsBullmq with their Redis URL bound (parsed up front;
// BullMQ loaded on run).
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
    run: async (req, options = {}) => (await import("./bullmq.js")).runGenBullmq(req, { ...options, redis }),
    levels: async (input, output, options = {}) =>
      (await import("./bullmq-levels.js")).runLevelsBullmq(input, output, { ...options, redis }),
  };
}
