// eocube level --executor redis://: the pyramid written by 2 `eocube worker` processes (redis-server from Debian)
// equals the in-process one byte for byte, also when a worker is SIGKILLed mid-task.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRedisUrl } from "../../src/gen/executors/redis.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { type EocubeChild, type EocubeProcesses, eocubeProcesses, until } from "./executor-helpers.js";
import { cli, tempDir } from "./helpers.js";

// ECMWF ERA-Interim (NetCDF3, int16 packed with a negative scale_factor): z, u, v on 2 months × 3 pressure levels
// × 241 × 480; 128-pixel tiles → 3 levels of 8 + 2 + 1 tasks (a NetCDF3 input opens in a worker thread at once)
const INPUT = `${SHARED_DATA}netcdf3/eraint_uvz.nc`;
const ARGS = ["--tile-size", "128", "--agg", "mean"];

/** Every file under a folder (hidden ones too), relative path → bytes as base64. */
async function filesOf(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(relative(root, join(e.parentPath, e.name)), (await readFile(join(e.parentPath, e.name))).toString("base64"));
  }
  return out;
}

/** The files that differ from the local pyramid's (or that only one of them has). */
async function differences(root: string): Promise<string[]> {
  const files = await filesOf(root);
  return [...new Set([...files.keys(), ...reference.keys()])].filter((k) => files.get(k) !== reference.get(k)).sort();
}

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
let procs: EocubeProcesses;
let workers: EocubeChild[];
let queue: Queue;
let reference: Map<string, string>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  redis = await startRedis();
  queue = new Queue("eocube-gen", { connection: parseRedisUrl(redis.url) });
  procs = await eocubeProcesses(dir);
  const starting = Promise.all([procs.startWorker(redis.url, { concurrency: 1 }), procs.startWorker(redis.url, { concurrency: 1 })]);
  const local = await cli(["level", INPUT, "-o", join(dir, "local.levels"), ...ARGS]);
  expect(local.code, local.stderr).toBe(0);
  reference = await filesOf(join(dir, "local.levels"));
  workers = await starting;
}, 60_000);

afterAll(async () => {
  procs?.killAll();
  await queue?.close();
  await redis?.stop();
  await cleanup?.();
});

describe("eocube level --executor redis:// with eocube worker", () => {
  it("2 worker processes write the same pyramid as the local executor, byte for byte", async () => {
    const r = await cli(["level", INPUT, "-o", join(dir, "dist.levels"), ...ARGS, "--executor", redis.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/eocube level: run \d{8}-\d{6}-[0-9a-f]{8} on redis:\/\/127\.0\.0\.1:\d+\/0/);
    expect(r.stdout).toContain("3 levels, tile size 128×128");
    expect(reference.size).toBeGreaterThan(40);
    expect([...reference.keys()]).toEqual(
      expect.arrayContaining([".zlevels", "2.zarr/.zmetadata", "2.zarr/z/0.0.0.0", "0.zarr/v/0.0.1.3"]),
    );
    expect(await differences(join(dir, "dist.levels"))).toEqual([]);
    // no job left in the queue, no temporary folder beside the outputs
    expect(await queue.getJobCounts("waiting", "active", "failed")).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    expect((await readdir(dir)).filter((n) => n.endsWith(".levels") || n.startsWith("."))).toEqual(["dist.levels", "local.levels"]);
  }, 30_000);

  it("a resumed run id that is not there, or --resume on the local executor, is refused", async () => {
    const gone = await cli(["level", "--resume", "20200101-000000-00000000", "--executor", redis.url]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no pyramid run 20200101-000000-00000000 .* \(it finished/);
    const local = await cli(["level", "--resume", "x"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--resume needs a distributed run/);
  });

  it("a worker SIGKILLed mid-task: its task is retried by the other and the pyramid is the same", async () => {
    process.env.EOCUBE_GEN_TASK_FAULT = "delay:250";
    const run = cli(["level", INPUT, "-o", join(dir, "killed.levels"), ...ARGS, "--executor", redis.url]);
    try {
      const victim = `:${workers[0]!.child.pid}`;
      await until("a task on the first worker", async () => (await queue.getActive()).some((j) => j.processedBy?.endsWith(victim)));
      workers[0]!.child.kill("SIGKILL");
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
    } finally {
      delete process.env.EOCUBE_GEN_TASK_FAULT;
    }
    expect(await differences(join(dir, "killed.levels"))).toEqual([]);
    expect(workers[1]!.child.exitCode).toBeNull();
  }, 30_000);
});
