// eocube level --executor redis://: the pyramid written by 2 `eocube worker` processes (redis-server from Debian)
// equals the in-process one byte for byte, also when a worker is SIGKILLed mid-task, when the coordinator is
// killed and the run resumed, and with an s3 input and output (s3rver); Ctrl-C removes the run.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileSystem } from "../../src/fs/s3.js";
import { parseRedisUrl, runKeys } from "../../src/gen/executors/redis.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";
import { type EocubeChild, type EocubeProcesses, eocubeProcesses, until } from "./executor-helpers.js";
import { cli, tempDir } from "./helpers.js";

// ECMWF ERA-Interim (NetCDF3, int16 packed with a negative scale_factor): z, u, v on 2 months × 3 pressure levels
// × 241 × 480; 128-pixel tiles → 3 levels of 8 + 12 + 6 tasks (a NetCDF3 input opens in a worker thread at once)
const INPUT = `${SHARED_DATA}netcdf3/eraint_uvz.nc`;
const ARGS = ["--tile-size", "128", "--agg", "mean"];

/** Every file under a folder, or under a prefix of an s3 bucket (hidden ones too), relative path → bytes as base64. */
async function filesOf(root: string | { fs: S3FileSystem; prefix: string }): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (typeof root !== "string") {
    const walk = async (rel: string): Promise<void> => {
      for (const name of await root.fs.list(`${root.prefix}${rel}`)) {
        if (name.endsWith("/")) await walk(`${rel}/${name.slice(0, -1)}`);
        else out.set(`${rel}/${name}`.slice(1), Buffer.from((await root.fs.get(`${root.prefix}${rel}/${name}`))!).toString("base64"));
      }
    };
    await walk("");
    return out;
  }
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(relative(root, join(e.parentPath, e.name)), (await readFile(join(e.parentPath, e.name))).toString("base64"));
  }
  return out;
}

/** The files that differ from the local pyramid's (or that only one of them has). */
async function differences(root: Parameters<typeof filesOf>[0], ref = reference): Promise<string[]> {
  const files = await filesOf(root);
  return [...new Set([...files.keys(), ...ref.keys()])].filter((k) => files.get(k) !== ref.get(k)).sort();
}

let redis: TestRedis;
let s3: TestS3Server;
let s3fs: S3FileSystem;
const savedEnv = { ...process.env };
let dir: string;
let cleanup: () => Promise<void>;
let procs: EocubeProcesses;
let workers: EocubeChild[];
let queue: Queue;
let reference: Map<string, string>;

/** The run id a coordinator printed on stderr. */
const runIdOf = (stderr: string) => /eocube level: run (\S+) on/.exec(stderr)?.[1];
/** The pyramids and hidden folders (temporary, aside) in the test folder whose name contains `name`. */
const entries = async (name: string) => (await readdir(dir)).filter((n) => n.includes(name)).sort();

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  redis = await startRedis();
  s3 = await startS3Server("cubes");
  // s3:// URLs of this process (in-process coordinators) and of the workers reach s3rver through the environment
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET,
    AWS_REGION: "us-east-1",
  });
  s3fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
  await s3fs.put("in/eraint_uvz.nc", await readFile(INPUT));
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
  await s3?.close();
  for (const k of ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
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

  it("an s3 input and output (s3rver): the workers write the pyramid into the bucket, byte for byte the local one", async () => {
    // 256-pixel tiles: 2 levels, a third of the objects of the other tests' pyramids (s3rver is slow per request)
    const args = ["--tile-size", "256", "--agg", "mean"];
    const local = await cli(["level", INPUT, "-o", join(dir, "local256.levels"), ...args]);
    expect(local.code, local.stderr).toBe(0);
    const input = `s3://${s3.bucket}/in/eraint_uvz.nc`;
    const r = await cli(["level", input, "-o", `s3://${s3.bucket}/out/cube.levels`, ...args, "--executor", redis.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("wrote s3://cubes/out/cube.levels: 2 levels");
    const ref = await filesOf(join(dir, "local256.levels"));
    expect(ref.size).toBeGreaterThan(20);
    expect(await differences({ fs: s3fs, prefix: "out/cube.levels" }, ref)).toEqual([]);
    expect(await s3fs.list("out")).toEqual(["cube.levels/"]);
  }, 30_000);

  it("Ctrl-C on the coordinator removes its queued jobs and leaves no pyramid; the run is gone", async () => {
    const coord = procs.spawn(["level", INPUT, "-o", "cancelled.levels", ...ARGS, "--executor", redis.url], {
      EOCUBE_GEN_TASK_FAULT: "delay:1000",
    });
    await until("a run id", () => runIdOf(coord.err()) !== undefined);
    const id = runIdOf(coord.err())!;
    await until("an active task", async () => (await queue.getActiveCount()) > 0);
    coord.child.kill("SIGINT");
    const r = await coord.done;
    expect(r.code, coord.err()).toBe(2);
    expect(coord.err()).toMatch(/CANCELLED|interrupted/);
    const queued = [...(await queue.getWaiting()), ...(await queue.getDelayed())].filter((j) => j.id?.startsWith(`${id}-`));
    expect(queued).toEqual([]);
    // the tasks running then end without writing (their run is gone)
    await until("no active task", async () => (await queue.getActiveCount()) === 0);
    expect(await entries("cancelled")).toEqual([]);
    const again = await cli(["level", "--resume", id, "--executor", redis.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no pyramid run .* \(it finished, failed, was cancelled/);
  }, 30_000);

  it("a coordinator killed mid-pyramid is resumed by its run id: committed levels are kept, the pyramid is the same", async () => {
    // (its coordinator lease lasts 1 s: the resume waits that long for it to run out)
    const coord = procs.spawn(["level", INPUT, "-o", "resumed.levels", ...ARGS, "--executor", redis.url], {
      EOCUBE_GEN_TASK_FAULT: "delay:200",
      EOCUBE_GEN_LEASE_MS: "1000",
    });
    await until("a run id", () => runIdOf(coord.err()) !== undefined);
    const id = runIdOf(coord.err())!;
    const client = (await queue.client) as unknown as Redis;
    // killed once level 0 (tasks 0-7) is committed and level 1's wave (tasks 8-19) has begun
    await until("a task of level 1 done", async () => (await client.hlen(runKeys(id).done)) >= 9);
    coord.child.kill("SIGKILL");
    await coord.done;
    expect((await entries("resumed")).map((n) => n.replace(/-\d+-[0-9a-f]+-[0-9a-z]+$/, ""))).toEqual([".resumed.levels.tmp"]);
    const tmp = join(dir, (await entries("resumed"))[0]!);
    expect(await readdir(join(tmp, "0.zarr"))).toContain(".zmetadata");
    const resumed = await cli(["level", "--resume", id, "--executor", redis.url]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("3 levels, tile size 128×128");
    expect(await differences(join(dir, "resumed.levels"))).toEqual([]);
    expect(await entries("resumed")).toEqual(["resumed.levels"]);
  }, 40_000);

  it("a task failing every attempt fails the pyramid with its error and leaves nothing at the output", async () => {
    process.env.EOCUBE_GEN_TASK_FAULT = "fail:9";
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(["level", INPUT, "-o", join(dir, "failed.levels"), ...ARGS, "--executor", redis.url, "--attempts", "2"]);
    } finally {
      delete process.env.EOCUBE_GEN_TASK_FAULT;
    }
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/injected fault in task 9 .*task 9 of 26 \(level 1\) .* failed 2 time/);
    expect(await entries("failed")).toEqual([]);
    expect(await queue.getFailedCount()).toBe(0);
  }, 30_000);

  it("a worker frozen while writing a level-0 task redone by the other: its late writes after the commit are removed", async () => {
    const coord = procs.spawn(["level", INPUT, "-o", "late.levels", ...ARGS, "--executor", redis.url], {
      EOCUBE_GEN_TASK_FAULT: "hold:2:1500",
    });
    await until("a run id", () => runIdOf(coord.err()) !== undefined);
    const id = runIdOf(coord.err())!;
    const client = (await queue.client) as unknown as Redis;
    const held = `${runKeys(id).run}:held`;
    await until("a worker holding task 2's writes", async () => (await client.get(held)) !== null);
    const pid = Number(await client.get(held));
    const frozen = workers.find((w) => w.child.pid === pid)!;
    expect(frozen).toBeDefined();
    process.kill(pid, "SIGSTOP");
    try {
      const r = await coord.done;
      expect(r.code, coord.err()).toBe(0);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    // thawed, it writes into the temporary folder's old path (renamed into place meanwhile), then removes that
    await until("the late writes removed", () => frozen.err().includes(`removed the late writes of run ${id}`));
    expect(await entries("late")).toEqual(["late.levels"]);
    expect(await differences(join(dir, "late.levels"))).toEqual([]);
  }, 40_000);

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
