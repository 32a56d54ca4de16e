// The BullMQ executor end to end: redis-server from Debian, `eocube worker` processes and coordinators run from
// the sources; a worker SIGKILLed mid-task, a coordinator killed then resumed, Ctrl-C, a worker frozen while
// writing a task redone elsewhere (its late writes), and a task failing for good.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileSystem } from "../../src/fs/s3.js";
import type { FileSystem } from "../../src/fs/types.js";
import { type GenRunDoc, jobItems, tasksPerJob } from "../../src/gen/executors/bullmq.js";
import type { ZarrArraySpec } from "../../src/formats/zarr/writer.js";
import { parseRedisUrl } from "../../src/gen/executors/redis.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { type EocubeProcesses, eocubeProcesses, until } from "./executor-helpers.js";
import { cli, tempDir } from "./helpers.js";
const DAYS = ["20170605", "20170606", "20170607"];

/** The example request (3 OSTIA days → 12 tasks of 2 variables) with absolute roots, written into `dir`. */
function request(dir: string, dataId: string, output = `store_id: file\n  store_params: { root: ${dir}/out }`): string {
  const inputs = DAYS.map(
    (d) => `  - store_id: file
    store_params: { root: ${SHARED_DATA}netcdf3 }
    data_id: ${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
  ).join("\n");
  return `input_configs:
${inputs}
cube_config:
  variable_names: [analysed_sst, sst_anomaly]
  crs: EPSG:4326
  bbox: [-16.0, 34.0, 36.0, 72.0]
  spatial_res: 0.25
  tile_size: [104, 76]
  time_range: ["2017-06-05", "2017-06-07"]
  spatial_method: nearest
  metadata: { title: "OSTIA SST, Europe" }
output_config:
  ${output}
  data_id: ${dataId}
  replace: true
`;
}

/** The files whose content differs between two stores (or that only one has), or [] when they are equal. */
async function differences(path: Parameters<typeof storeFiles>[0]): Promise<string[]> {
  const files = await storeFiles(path);
  const keys = new Set([...files.keys(), ...reference.keys()]);
  return [...keys].filter((k) => files.get(k) !== reference.get(k)).sort();
}

/** Every file of a store (hidden ones too; a folder or a FileSystem prefix), metadata with its time stamps blanked. */
async function storeFiles(path: string | { fs: FileSystem; prefix: string }): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const files: Array<[string, Uint8Array]> = [];
  if (typeof path === "string") {
    for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) files.push([relative(path, join(e.parentPath, e.name)), await readFile(join(e.parentPath, e.name))]);
    }
  } else {
    const walk = async (prefix: string): Promise<void> => {
      for (const name of await path.fs.list(prefix)) {
        if (name.endsWith("/")) await walk(`${prefix}/${name.slice(0, -1)}`);
        else files.push([`${prefix}/${name}`.slice(path.prefix.length + 1), (await path.fs.get(`${prefix}/${name}`))!]);
      }
    };
    await walk(path.prefix);
  }
  for (const [key, data] of files) {
    const bytes = Buffer.from(data);
    out.set(
      key,
      /(^|\/)\.z|zarr\.json$/.test(key)
        ? bytes
            .toString("utf8")
            .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<time>")
            .replace(/eocube gen [^"\\]+/g, "eocube gen <request>")
        : bytes.toString("base64"),
    );
  }
  return out;
}

let redis: TestRedis;
let s3: TestS3Server;
let dir: string;
let cleanup: () => Promise<void>;
let reference: Map<string, string>;
let queue: Queue;
let procs: EocubeProcesses;
const spawnCli = (args: string[], env: Record<string, string> = {}) => procs.spawn(args, env);
const startWorker = () => procs.startWorker(redis.url);

let workers: Array<Awaited<ReturnType<typeof startWorker>>>;

const runIdOf = (stdout: string) => /"event":"run","id":"([^"]+)"/.exec(stdout)?.[1];
const outputs = async () => (await readdir(join(dir, "out")).catch(() => [] as string[])).sort();
/** The error of a `--json` CLI run that failed: its last stderr line. */
const lastError = (c: { err(): string }) => JSON.parse(c.err().trim().split("\n").at(-1)!).error;

/**
 * Writes the request `req-<name>.yaml` (output `out/<name>.zarr`), starts its coordinator on `url` with `env`, and
 * resolves once it has printed its run id.
 */
async function startRun(name: string, env: Record<string, string>, url = redis.url) {
  await writeFile(join(dir, `req-${name}.yaml`), request(dir, `${name}.zarr`));
  const coord = spawnCli(["gen", `req-${name}.yaml`, "--executor", url, "--json"], env);
  await until(`the run id of ${name}`, () => runIdOf(coord.out()) !== undefined);
  return { coord, id: runIdOf(coord.out())! };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  redis = await startRedis();
  s3 = await startS3Server("cubes");
  queue = new Queue("eocube-gen", { connection: parseRedisUrl(redis.url) });
  procs = await eocubeProcesses(dir);
  await writeFile(join(dir, "req.yaml"), request(dir, "cube.zarr"));
  const starting = Promise.all([startWorker(), startWorker(), startWorker()]);
  const local = await cli(["gen", join(dir, "req.yaml"), "-o", join(dir, "local.zarr"), "--workers", "0"]);
  expect(local.code, local.stderr).toBe(0);
  reference = await storeFiles(join(dir, "local.zarr"));
  workers = await starting;
}, 60_000);

afterAll(async () => {
  procs?.killAll();
  await queue?.close();
  await redis?.stop();
  await s3?.close();
  await cleanup?.();
});

describe("eocube gen --executor redis:// with eocube worker", () => {
  it("jobs hold ~128 MiB of chunk tasks, whole tiles, and a run keeps at least 64 jobs and 8 per worker", () => {
    expect(tasksPerJob(12, 12 * 2 ** 20)).toBe(1);
    // 1200 tasks of 395 kB (3 time steps per tile): 128 MiB would be 340 tasks, 64 jobs allow 18
    expect(tasksPerJob(1200, 1200 * 395_200, 3)).toBe(18);
    // 9600 tasks: 64 jobs allow 150 (whole tiles of 3)
    expect(tasksPerJob(9600, 9600 * 395_200, 3)).toBe(150);
    // 30 workers on the queue: 240 jobs allow 40 → 39, whole tiles
    expect(tasksPerJob(9600, 9600 * 395_200, 3, 30)).toBe(39);
    // large tasks of 20 MiB: 7 → 6, whole tiles
    expect(tasksPerJob(9600, 9600 * 20 * 2 ** 20, 3)).toBe(6);
    expect(tasksPerJob(9600, 9600 * 200 * 2 ** 20, 3)).toBe(1);
  });

  it("a job's chunks are derived from the run's specs (jobs carry none), or taken from the job (earlier coordinators)", () => {
    const spec = (name: string, dims: string[], shape: number[], chunks: number[]) =>
      ({ name, dims, shape, chunks, dtype: "float32", fill_value: null, attrs: {} }) as unknown as ZarrArraySpec;
    // two variables sharing a chunk grid of 3 × 2 × 2 (12 tasks, tiles outermost), then one of another grid (2 tasks)
    const specs = [
      spec("a", ["time", "lat", "lon"], [3, 20, 30], [1, 10, 15]),
      spec("b", ["time", "lat", "lon"], [3, 20, 30], [1, 10, 15]),
      spec("c", ["lat", "lon"], [20, 30], [20, 15]),
    ];
    const doc = { id: "r", specs, group: 5, jobItems: "derived" } as unknown as GenRunDoc;
    // job 0: tasks 0–4 (tile (0, 0): times 0–2, tile (0, 1): times 0–1), 2 variables each
    expect(jobItems(doc, { index: 0 }).map((it) => `${it.name}${it.index.join("")}`)).toEqual(
      ["000", "100", "200", "001", "101"].flatMap((k) => [`a${k}`, `b${k}`]),
    );
    // job 2: tasks 10–13 (the last of the first grid's, then the other grid's 2)
    expect(jobItems(doc, { index: 2 }).map((it) => `${it.name}${it.index.join("")}`)).toEqual([
      "a111",
      "b111",
      "a211",
      "b211",
      "c00",
      "c01",
    ]);
    const carried = [{ name: "a", index: [2, 1, 1] }];
    expect(jobItems({ ...doc, jobItems: undefined }, { index: 0, items: carried })).toBe(carried);
    expect(() => jobItems({ ...doc, jobItems: undefined }, { index: 0 })).toThrow(/holds no chunk items/);
  });

  it("a worker SIGKILLed mid-task: its task is retried by another and the cube equals the local run's", async () => {
    process.env.EOCUBE_GEN_TASK_FAULT = "delay:600";
    const run = cli(["gen", join(dir, "req.yaml"), "--executor", redis.url, "--json"]);
    try {
      const victim = `:${workers[0]!.child.pid}`;
      await until("a task on the first worker", async () => (await queue.getActive()).some((j) => j.processedBy?.endsWith(victim)));
      workers[0]!.child.kill("SIGKILL");
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('"event":"done"');
    } finally {
      delete process.env.EOCUBE_GEN_TASK_FAULT;
    }
    expect(await differences(join(dir, "out/cube.zarr"))).toEqual([]);
    expect(reference.size).toBeGreaterThan(30);
    expect(await outputs()).toEqual(["cube.zarr"]);
    // the 2 other workers stay for the next tests
    expect(workers.slice(1).every((w) => w.child.exitCode === null)).toBe(true);
  }, 30_000);

  it("an s3 output (s3rver) written by the 2 workers equals the local run's (jobs of 5 chunk tasks)", async () => {
    const output = `store_id: s3\n  store_params: { root: ${s3.bucket}/out, storage_options: ${JSON.stringify(s3.storageOptions)} }`;
    await writeFile(join(dir, "req-s3.yaml"), request(dir, "cube.zarr", output));
    // 12 tasks in jobs of 5, 5 and 2
    process.env.EOCUBE_GEN_TASKS_PER_JOB = "5";
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(["gen", join(dir, "req-s3.yaml"), "--executor", redis.url, "--json"]);
    } finally {
      delete process.env.EOCUBE_GEN_TASKS_PER_JOB;
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"total":3');
    const fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    expect(await differences({ fs, prefix: "out/cube.zarr" })).toEqual([]);
    expect(await fs.list("out")).toEqual(["cube.zarr/"]);
  }, 20_000);

  it("a coordinator killed mid-run is resumed by its run id and the cube equals the local run's", async () => {
    await writeFile(join(dir, "req2.yaml"), request(dir, "resumed.zarr"));
    // (its coordinator lease lasts 1 s: the resume waits that long for it to run out)
    const coord = spawnCli(["gen", "req2.yaml", "--executor", redis.url, "--json"], {
      EOCUBE_GEN_TASK_FAULT: "delay:300",
      EOCUBE_GEN_LEASE_MS: "1000",
    });
    await until("some progress", () => /"done":[1-9]/.test(coord.out()));
    coord.child.kill("SIGKILL");
    await coord.done;
    const id = runIdOf(coord.out())!;
    expect(id).toBeTruthy();
    expect(await outputs()).not.toContain("resumed.zarr");
    const resumed = await cli(["gen", "--resume", id, "--executor", redis.url]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await differences(join(dir, "out/resumed.zarr"))).toEqual([]);
    const again = await cli(["gen", "--resume", id, "--executor", redis.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no gen run .* \(it finished/);
  }, 40_000);

  it("Ctrl-C on the coordinator removes its queued jobs and leaves no cube", async () => {
    await writeFile(join(dir, "req3.yaml"), request(dir, "cancelled.zarr"));
    const coord = spawnCli(["gen", "req3.yaml", "--executor", redis.url, "--json"], { EOCUBE_GEN_TASK_FAULT: "delay:1500" });
    await until("a run id", () => runIdOf(coord.out()) !== undefined);
    const id = runIdOf(coord.out())!;
    await until("an active task", async () => (await queue.getActiveCount()) > 0);
    coord.child.kill("SIGINT");
    const r = await coord.done;
    expect(r.code, coord.err()).toBe(2);
    expect(coord.err()).toMatch(/CANCELLED|interrupted/);
    const queued = [...(await queue.getWaiting()), ...(await queue.getDelayed())].filter((j) => j.id?.startsWith(`${id}-`));
    expect(queued).toEqual([]);
    // the tasks running then end without writing (their run is gone)
    await until("no active task", async () => (await queue.getActiveCount()) === 0);
    expect((await outputs()).filter((n) => n.includes("cancelled"))).toEqual([]);
  }, 30_000);

  it("a run on a Redis database no worker serves says so (the workers of database 0 do not count), then completes once one starts there", async () => {
    // the 3 workers of these tests wait on database 0; BullMQ's own count (CLIENT LIST) would see them from database 3 too
    const url3 = redis.url.replace(/\/0$/, "/3");
    await writeFile(join(dir, "req-db3.yaml"), request(dir, "db3.zarr"));
    const coord = spawnCli(["gen", "req-db3.yaml", "--executor", url3, "--json"], { EOCUBE_GEN_WAIT_NOTICE_MS: "300" });
    await until("the no-workers event", () => coord.out().includes('"reason":"no_workers"'), 20_000);
    const event = JSON.parse(
      coord
        .out()
        .split("\n")
        .find((l) => l.includes('"reason":"no_workers"'))!,
    );
    expect(event).toMatchObject({ event: "waiting", reason: "no_workers", redis: url3 });
    expect(event.waited_s).toBeGreaterThanOrEqual(0);
    expect(coord.out()).not.toContain('"event":"done"');
    // said once, not at every poll
    await new Promise((r) => setTimeout(r, 1500));
    expect(coord.out().split('"reason":"no_workers"').length - 1).toBe(1);
    await procs.startWorker(url3, { concurrency: 1 });
    const r = await coord.done;
    expect(r.code, coord.err()).toBe(0);
    expect(coord.out()).toContain('"event":"done"');
    // the same without --json: a line on stderr naming the database and the command that starts a worker there
    const plain = spawnCli(["gen", "req-db3.yaml", "--executor", redis.url.replace(/\/0$/, "/4")], { EOCUBE_GEN_WAIT_NOTICE_MS: "300" });
    await until("the no-workers notice", () => plain.err().includes("no eocube worker"), 20_000);
    expect(plain.err()).toContain(`no eocube worker is connected to ${redis.url.replace(/\/0$/, "/4")}; the run waits for one`);
    expect(plain.err()).toContain(`eocube worker --redis ${redis.url.replace(/\/0$/, "/4")}`);
    plain.child.kill("SIGINT");
    expect((await plain.done).code).toBe(2);
  }, 60_000);

  it("Redis restarted without persistence mid-run: the coordinator says it waits for Redis, then fails with REMOTE_ERROR and leaves no cube; the worker serves the next run", async () => {
    // a Redis of its own (the other tests' workers stay on theirs), restarted empty on the same port, as a pod of
    // docs/k8s/redis.yaml (no persistence) would be
    let own = await startRedis();
    try {
      const worker = await procs.startWorker(own.url, { concurrency: 1 });
      const { coord } = await startRun("lost", { EOCUBE_GEN_TASK_FAULT: "delay:400", EOCUBE_GEN_WAIT_NOTICE_MS: "1000" }, own.url);
      await until("a task done", () => /"done":[1-9]/.test(coord.out()), 20_000);
      await own.stop();
      await until("the Redis notice", () => coord.out().includes('"reason":"redis_unreachable"'), 20_000);
      expect(coord.out()).not.toContain('"event":"done"');
      own = await startRedis(own.port);
      const r = await coord.done;
      expect(r.code, coord.err()).toBe(2);
      const err = lastError(coord);
      expect(err).toMatchObject({ code: "REMOTE_ERROR", field: "--executor" });
      expect(err.message).toMatch(/^run \S+ is no longer in Redis at redis:\/\/127\.0\.0\.1:\d+\/0 .*nothing was written to .*lost\.zarr/);
      expect(err.hint).toMatch(/appendonly yes/);
      // neither the cube nor its temporary store (writes after the restart are refused: the run is not in Redis; a
      // task that wrote during the outage has its late writes removed by its worker)
      await until("no lost.zarr nor its temporary store", async () => (await outputs()).every((n) => !n.includes("lost")), 10_000);
      expect(worker.child.exitCode).toBe(null);
      // the worker reconnected and serves the next run
      await writeFile(join(dir, "req-after.yaml"), request(dir, "after.zarr"));
      const next = await cli(["gen", join(dir, "req-after.yaml"), "--executor", own.url]);
      expect(next.code, next.stderr).toBe(0);
      expect(await differences(join(dir, "out/after.zarr"))).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it("eocube worker with its Redis down: says so and retries until it answers; SIGTERM while Redis is down ends it at once", async () => {
    const { freePort } = await import("../helpers/redis.js");
    const port = await freePort();
    const w = procs.spawn(["worker", "--redis", `redis://127.0.0.1:${port}/0`, "--concurrency", "1", "--quiet"]);
    await until("the unreachable notice", () => w.err().includes("cannot reach Redis"), 20_000);
    expect(w.err()).toContain(`cannot reach Redis at redis://127.0.0.1:${port}/0 (connect ECONNREFUSED 127.0.0.1:${port}); retrying`);
    expect(w.child.exitCode).toBe(null);
    const own = await startRedis(port);
    try {
      await until("the worker to wait for tasks", () => w.err().includes("waiting for tasks"), 20_000);
      expect(w.err()).toContain(`Redis at redis://127.0.0.1:${port}/0 answers again`);
    } finally {
      await own.stop();
    }
    await until("the second unreachable notice", () => w.err().split("cannot reach Redis").length === 3, 20_000);
    // (a graceful close would wait for Redis for ever: the test's timeout)
    w.child.kill("SIGTERM");
    expect((await w.done).code).toBe(0);
  }, 60_000);

  it("one coordinator per run: a --resume of a run whose coordinator runs is refused naming it, and the run completes", async () => {
    // (12 tasks on 6 worker slots: ≥ 8 s, while the second coordinator gives up after one lease time, ~2 s)
    const env = { EOCUBE_GEN_TASK_FAULT: "delay:4000", EOCUBE_GEN_LEASE_MS: "1000" };
    const { coord, id } = await startRun("one", env);
    const second = spawnCli(["gen", "--resume", id, "--executor", redis.url, "--json"], env);
    const r2 = await second.done;
    expect(r2.code, second.err()).toBe(2);
    const err = lastError(second);
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT", field: "--resume" });
    expect(err.message).toMatch(
      new RegExp(`^run ${id} is coordinated by eocube gen on \\S+ \\(pid ${coord.child.pid}\\), which is running`),
    );
    expect(second.out()).toContain('"reason":"coordinator"');
    const r = await coord.done;
    expect(r.code, coord.err()).toBe(0);
    expect(await differences(join(dir, "out/one.zarr"))).toEqual([]);
  }, 60_000);

  it("two --resume of a killed coordinator's run at once: one commits the cube whole, the other stops without touching it", async () => {
    // (before the lease, the second commit replaced the first one's cube with an empty store, both exiting 0)
    const env = { EOCUBE_GEN_TASK_FAULT: "delay:800", EOCUBE_GEN_LEASE_MS: "1000" };
    const { coord: killed, id } = await startRun("two", env);
    await until("an active task", async () => (await queue.getActiveCount()) > 0);
    killed.child.kill("SIGKILL");
    await killed.done;
    const resumers = [0, 1].map(() => spawnCli(["gen", "--resume", id, "--executor", redis.url, "--json"], env));
    const codes = (await Promise.all(resumers.map((c) => c.done))).map((d) => d.code);
    expect(codes.sort(), resumers.map((c) => c.err()).join("\n")).toEqual([0, 2]);
    const other = resumers.find((c) => c.child.exitCode === 2)!;
    const err = lastError(other);
    expect(err.field).toBe("--resume");
    expect(err.code).toMatch(/^(INVALID_ARGUMENT|NOT_FOUND)$/); // refused while the other ran, or it had ended
    expect(await differences(join(dir, "out/two.zarr"))).toEqual([]);
    expect((await outputs()).filter((n) => n.includes("two"))).toEqual(["two.zarr"]);
  }, 60_000);

  it("a coordinator frozen (SIGSTOP) longer than its lease while a --resume took over stops without touching the run; the cube is whole", async () => {
    const env = { EOCUBE_GEN_TASK_FAULT: "delay:800", EOCUBE_GEN_LEASE_MS: "1000" };
    const { coord: frozen, id } = await startRun("frozen", env);
    await until("an active task", async () => (await queue.getActiveCount()) > 0);
    frozen.child.kill("SIGSTOP");
    try {
      const other = spawnCli(["gen", "--resume", id, "--executor", redis.url, "--json"], env);
      await until("the resume to take over", () => other.out().includes('"event":"run"'), 20_000);
      frozen.child.kill("SIGCONT");
      const [a, b] = await Promise.all([frozen.done, other.done]);
      expect(b.code, other.err()).toBe(0);
      expect(a.code).toBe(2);
      const err = lastError(frozen);
      // (it learns it from its lease, or from the run having ended under the other one)
      expect(err.message).toMatch(/lost run .* to eocube gen on .*it stops and leaves the run to that one|is no longer in Redis/);
    } finally {
      frozen.child.kill("SIGCONT");
    }
    expect(await differences(join(dir, "out/frozen.zarr"))).toEqual([]);
    expect((await outputs()).filter((n) => n.includes("frozen"))).toEqual(["frozen.zarr"]);
  }, 60_000);

  it("gen --runs lists the runs of a Redis database: a live one with its coordinator, one left by a killed coordinator; resume + Ctrl-C discards it", async () => {
    // database 5: no worker, so the runs stay where they are
    const url5 = redis.url.replace(/\/0$/, "/5");
    const list = async () => {
      const r = await cli(["gen", "--runs", "--executor", url5, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    };
    expect(await list()).toEqual([]);
    const local = await cli(["gen", "--runs"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--runs lists the runs of a Redis: give --executor redis:\/\/host:6379\[\/db\]/);
    const env = { EOCUBE_GEN_LEASE_MS: "1000" };
    const { coord: left, id: leftId } = await startRun("left", env, url5);
    left.child.kill("SIGKILL");
    await left.done;
    const { coord: live, id: liveId } = await startRun("live", env, url5);
    await new Promise((r) => setTimeout(r, 1200)); // the killed coordinator's lease runs out
    const runs = await list();
    expect(runs.map((r) => r.id)).toEqual([leftId, liveId]);
    expect(runs[0]).toMatchObject({ kind: "gen", done: 0, total: 12, output: join(dir, "out/left.zarr") });
    expect(runs[0]!.coordinator).toBeUndefined();
    expect(runs[1]!.coordinator).toMatch(new RegExp(`^eocube gen on \\S+ \\(pid ${live.child.pid}\\)$`));
    const text = await cli(["gen", "--runs", "--executor", url5]);
    expect(text.stdout).toContain(`no coordinator: resume it (eocube gen --resume ${leftId} --executor ${url5})`);
    // discarded: resumed, then Ctrl-C
    const resumer = spawnCli(["gen", "--resume", leftId, "--executor", url5, "--json"]);
    await until("the resume to start", () => resumer.out().includes('"event":"run"'), 20_000);
    resumer.child.kill("SIGINT");
    expect((await resumer.done).code).toBe(2);
    live.child.kill("SIGINT");
    expect((await live.done).code).toBe(2);
    expect(await list()).toEqual([]);
    expect((await outputs()).filter((n) => n.includes("left") || n.includes("live"))).toEqual([]);
  }, 60_000);

  it("a worker that does not see the run's temporary store fails the task saying so", async () => {
    // a run whose output is on a disk the workers do not share: its marker is not where they look
    const { runKeys } = await import("../../src/gen/executors/redis.js");
    const { Redis } = await import("ioredis");
    const client = new Redis(parseRedisUrl(redis.url));
    try {
      const req = { output: { store_id: "file", store_params: { root: join(dir, "elsewhere") }, data_id: "x.zarr", format_version: 2 } };
      await client.hset(
        runKeys("unshared").run,
        "doc",
        JSON.stringify({ id: "unshared", request: req, tempPath: ".x.zarr.tmp-1", specs: [] }),
      );
      const job = await queue.add("task", { run: "unshared", index: 0, items: [] }, { jobId: "unshared-0", attempts: 1 });
      await until("the task to fail", async () => (await job.getState()) === "failed");
      const failed = await queue.getJob("unshared-0");
      expect(failed!.failedReason).toMatch(/does not see the temporary store \.x\.zarr\.tmp-1 of the output .*elsewhere/);
      await failed!.remove();
    } finally {
      await client.del(runKeys("unshared").run, runKeys("unshared").errors);
      client.disconnect();
    }
  }, 20_000);

  it("a worker frozen while writing a task redone elsewhere: its late writes after the commit are removed", async () => {
    // the first worker to reach task 3's writes holds its write lease 1.5 s; frozen (SIGSTOP) meanwhile, its job
    // stalls and is redone by the other worker and the run commits; thawed, it writes its chunks into the
    // temporary store's old path (a hidden .late.zarr.tmp-… folder again), learns the lease had expired, and
    // removes them once the run has ended
    await writeFile(join(dir, "req5.yaml"), request(dir, "late.zarr"));
    const coord = spawnCli(["gen", "req5.yaml", "--executor", redis.url, "--json"], { EOCUBE_GEN_TASK_FAULT: "hold:3:1500" });
    await until("a run id", () => runIdOf(coord.out()) !== undefined);
    const id = runIdOf(coord.out())!;
    const held = `eocube:gen:run:${id}:held`;
    const client = await queue.client;
    await until("a worker holding task 3's writes", async () => (await client.get(held)) !== null);
    const pid = Number(await client.get(held));
    const frozen = workers.find((w) => w.child.pid === pid)!;
    expect(frozen).toBeDefined();
    process.kill(pid, "SIGSTOP");
    try {
      const r = await coord.done;
      expect(r.code, coord.err()).toBe(0);
      expect(await differences(join(dir, "out/late.zarr"))).toEqual([]);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await until("the late writes removed", () => frozen.err().includes(`removed the late writes of run ${id}`));
    expect((await outputs()).filter((n) => n.includes("late"))).toEqual(["late.zarr"]);
    expect(await differences(join(dir, "out/late.zarr"))).toEqual([]);
    expect(frozen.child.exitCode).toBeNull();
  }, 40_000);

  it("a task failing every attempt fails the run with its error and leaves no valid-looking cube", async () => {
    await writeFile(join(dir, "req4.yaml"), request(dir, "failed.zarr"));
    process.env.EOCUBE_GEN_TASK_FAULT = "fail:5";
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(["gen", join(dir, "req4.yaml"), "--executor", redis.url, "--attempts", "2"]);
    } finally {
      delete process.env.EOCUBE_GEN_TASK_FAULT;
    }
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/injected fault in task 5 .*task 5 of 12 .* failed 2 time/);
    expect((await outputs()).filter((n) => n.includes("failed"))).toEqual([]);
    expect(await queue.getFailedCount()).toBe(0);
  }, 30_000);
});
