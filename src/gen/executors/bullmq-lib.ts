// BullMQ and ioredis, loaded with `require` instead of `import`. Both are CommonJS packages (bullmq's ESM build uses
// directory imports that Node's ESM loader rejects); imported from ESM, Node first scans every module bullmq's index
// re-exports with its CommonJS export lexer (cjs-module-lexer), which doubled their load time on this machine
// (measured here: import 430–590 ms, require 220–260 ms). Values and types are re-exported under the same names.
import { createRequire } from "node:module";
import type * as BullMQ from "bullmq";
import type * as IORedis from "ioredis";

const require = createRequire(import.meta.url);
const bullmq = require("bullmq") as typeof BullMQ;

export const Queue = bullmq.Queue;
export type Queue<T = unknown> = BullMQ.Queue<T>;
export const QueueEvents = bullmq.QueueEvents;
export type QueueEvents = BullMQ.QueueEvents;
export const Worker = bullmq.Worker;
export type Worker<T = unknown> = BullMQ.Worker<T>;
export type Job<T = unknown> = BullMQ.Job<T>;
export const Redis = (require("ioredis") as typeof IORedis).Redis;
export type Redis = IORedis.Redis;
