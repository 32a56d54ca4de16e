// Benchmark the distributed gen executor (issue 13): the OSTIA request on a fine grid run by 1, 2 and 3 `eocube worker`
// processes (`--concurrency 1` each: one task at a time on the worker's main thread, i.e. one core per worker, the
// model of this 2-core machine) through BullMQ on a local redis-server, beside the local executor with 1 and 2
// threads, into a shared folder; then a coarser grid into an S3 bucket served by s3rver (a local process), the store a
// cluster's workers share. The runs of a grid alternate (BENCH_GEN_DIST_REPS rounds, medians reported) and the cubes
// must be byte-identical (time stamps aside). Goal: 2 workers ≥ 1.7× 1 worker. Also run by `npm run bench -- gen`.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { S3FileSystem } from "../src/fs/s3.js";
import { tasksPerJob } from "../src/gen/executors/bullmq.js";
import { commandSettings } from "./lib/launcher.js";

const exec = promisify(execFile);
const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = `${ROOT}bin/eocube.js`;
/**
 * Grid resolutions in degrees (BENCH_GEN_DIST_RES, comma-separated): 0.0015° is 34667 × 25334 pixels, 53868 chunk tasks
 * of 260 × 190 × 2 variables (one worker ~10–14 s: a job worth distributing); 0.0025° 20800 × 15200, 19200 tasks
 * (~5 s, of which the coordinator's start and commit are ~0.7 s).
 */
const RESES = (process.env.BENCH_GEN_DIST_RES ?? "0.0015,0.0025").split(",").map(Number);
const REPS = Math.max(1, Number(process.env.BENCH_GEN_DIST_REPS ?? 3));
/**
 * Where the shared output goes (BENCH_GEN_DIST_DIR): by default /dev/shm (tmpfs) when it exists, else the temporary
 * folder. Measured on this VM's ext4 root, two processes creating 19200 files each in one folder took 5.5–10.7 s
 * against 1.6–4.2 s for one (in two folders 1.4–5.2 s; on tmpfs 0.3–0.5 s in every case): creating the chunk files of
 * one store measures the disk's journal and the folder's lock, not the executor; a cluster's shared output is an
 * object store.
 */
const OUT_ROOT = process.env.BENCH_GEN_DIST_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
/**
 * Node flags of the worker processes (BENCH_GEN_DIST_WORKER_FLAGS, default `--single-threaded-gc`: measured on this
 * machine, a worker without it used 4.7–6.1 CPU-s for the job, its collector's threads on the other core; with it
 * 3.4–3.8 CPU-s).
 */
const WORKER_NODE_FLAGS = (process.env.BENCH_GEN_DIST_WORKER_FLAGS ?? "--single-threaded-gc").split(" ").filter(Boolean);
/**
 * Grid of the S3 rows (BENCH_GEN_DIST_S3_RES, degrees; "" = none): 0.01° is 5200 × 3800 pixels, 1200 chunk tasks, 2400
 * chunk objects. Each object is a PUT to s3rver and, at the commit, a CopyObject into place and a DeleteObject
 * (fs/swap.ts), so a finer grid mostly adds s3rver's time.
 */
const S3_RES = (process.env.BENCH_GEN_DIST_S3_RES ?? "0.01").split(",").filter(Boolean).map(Number);
/** Worker process counts of the BullMQ rows. */
const WORKER_COUNTS = [1, 2, 3];
/** s3rver's fixed credentials (it checks request signatures against them). */
const S3RVER_KEY = "S3RVER";
const S3_BUCKET = "cubes";

/** The OSTIA request at `res` degrees into `dataId` under the folder `dir`, or under `s3.root` on an S3 endpoint. */
function request(dir: string, dataId: string, res: number, s3?: { endpoint: string; root: string }): string {
  const inputs = ["20170605", "20170606", "20170607"]
    .map(
      (d) =>
        `  - store_id: file\n    store_params: { root: ${DATA}netcdf3 }\n    data_id: ${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
    )
    .join("\n");
  const output = s3
    ? `store_id: s3\n  store_params: { root: ${s3.root}, storage_options: { endpoint_url: "${s3.endpoint}", key: ${S3RVER_KEY}, secret: ${S3RVER_KEY}, region: us-east-1 } }`
    : `store_id: file\n  store_params: { root: ${dir} }`;
  return `input_configs:\n${inputs}\ncube_config:\n  variable_names: [analysed_sst, sst_anomaly]\n  crs: EPSG:4326\n  bbox: [-16.0, 34.0, 36.0, 72.0]\n  spatial_res: ${res}\n  tile_size: [260, 190]\n  spatial_method: nearest\noutput_config:\n  ${output}\n  data_id: ${dataId}\n  replace: true\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** A digest of the data chunks of a store, their keys and bytes (metadata left out: it carries time stamps). */
async function chunksDigest(path: string): Promise<string> {
  const files: string[] = [];
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.name.startsWith(".")) files.push(relative(path, join(e.parentPath, e.name)));
  }
  const hash = createHash("sha256");
  for (const f of files.sort()) hash.update(`${f}\n`).update(await readFile(join(path, f)));
  return `${files.length}:${hash.digest("hex")}`;
}

/** The digest of {@link chunksDigest} for a store under `prefix` in the S3 bucket (listed and read through S3FileSystem). */
async function s3ChunksDigest(fs: S3FileSystem, prefix: string): Promise<string> {
  const files: string[] = [];
  const walk = async (p: string): Promise<void> => {
    for (const e of await fs.list(p)) {
      if (e.endsWith("/")) await walk(`${p}${e}`);
      else if (!e.startsWith(".")) files.push(`${p}${e}`);
    }
  };
  await walk(`${prefix}/`);
  const hash = createHash("sha256");
  for (const f of files.sort()) hash.update(`${f.slice(prefix.length + 1)}\n`).update((await fs.get(f)) ?? new Uint8Array(0));
  return `${files.length}:${hash.digest("hex")}`;
}

/**
 * Starts s3rver (the npm package the tests use) as a process of its own on 127.0.0.1 with an empty bucket, its objects
 * in `dir`; resolves to the process and its endpoint. Run with --openssl-legacy-provider: s3rver encrypts the
 * continuation token of a listing longer than 1000 keys with DES, which Node's OpenSSL 3 refuses otherwise (HTTP 500).
 */
async function startS3rver(dir: string): Promise<{ proc: ReturnType<typeof spawn>; endpoint: string }> {
  const code = `import S3rver from "s3rver";
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.env.S3RVER_DIR, configureBuckets: [{ name: "${S3_BUCKET}", configs: [] }] });
const { port } = await server.run();
process.stdout.write(port + "\\n");`;
  const proc = spawn(process.execPath, ["--openssl-legacy-provider", "--input-type=module", "-e", code], {
    cwd: ROOT,
    env: { ...process.env, S3RVER_DIR: dir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let text = "";
    proc.stdout!.on("data", (d) => {
      text += d;
      if (text.includes("\n")) resolve(text.trim());
    });
    proc.once("exit", (c) => reject(new Error(`s3rver exited with ${c}`)));
  });
  return { proc, endpoint: `http://127.0.0.1:${port}` };
}

/** CPU seconds (user + system, all threads) a running process has used so far (Linux /proc; NaN elsewhere). */
async function cpuOf(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields 14 and 15 (utime, stime) in clock ticks of 1/100 s (USER_HZ)
  return f.length > 13 ? (Number(f[11]) + Number(f[12])) / 100 : Number.NaN;
}

/**
 * A fixed CPU-bound workload (~1 s: an integer loop and passes over a chunk-sized 200 KB buffer, no I/O, no
 * allocation) as a child process; resolves to its wall seconds.
 */
function cpuChild(): Promise<number> {
  const code =
    "let x=0;for(let i=0;i<3e8;i++)x=(x*1103515245+i)|0;const a=new Float32Array(49400);for(let r=0;r<6000;r++)for(let i=0;i<a.length;i++)a[i]=a[i]*0.5+r;process.exitCode=x===1&&a[0]===1?1:0";
  const t = performance.now();
  return exec(process.execPath, ["-e", code]).then(() => (performance.now() - t) / 1000);
}

/**
 * How much faster this machine runs 2 CPU-bound processes at once than one after the other: 2 · t(1) / t(2 at
 * once) for {@link cpuChild}, median of `reps` alternating rounds. 2 on 2 idle cores of their own; lower when the
 * 2 virtual cores share a physical one (SMT) or the host takes time; the ceiling of "2 workers vs 1".
 */
async function machineCeiling(reps: number): Promise<number> {
  const r: number[] = [];
  for (let k = 0; k < reps; k++) {
    const one = await cpuChild();
    const t = performance.now();
    await Promise.all([cpuChild(), cpuChild()]);
    r.push((2 * one) / ((performance.now() - t) / 1000));
  }
  return median(r);
}

/**
 * The same ceiling for this workload: 2 · t(one local `eocube gen --workers 1` of `req`) / t(two of them at once, into
 * outputs of their own), median of `reps` rounds. No coordinator, no Redis, no shared output: what 2 processes of
 * this work get from the machine, the most 2 worker processes could get.
 */
async function workloadCeiling(req: string, dir: string, reps: number): Promise<number> {
  const gen = async (out: string) => {
    await exec(BIN, ["gen", req, "-o", join(dir, out), "--workers", "1"], { maxBuffer: 1 << 26 });
  };
  const r: number[] = [];
  for (let k = 0; k < reps; k++) {
    let t = performance.now();
    await gen("alone.zarr");
    const one = performance.now() - t;
    t = performance.now();
    await Promise.all([gen("a.zarr"), gen("b.zarr")]);
    r.push((2 * one) / (performance.now() - t));
    await Promise.all(["alone.zarr", "a.zarr", "b.zarr"].map((o) => rm(join(dir, o), { recursive: true, force: true })));
  }
  return median(r);
}

/** Busy CPU seconds of the whole machine so far (all cores, /proc/stat: all but idle and iowait; NaN elsewhere). */
async function machineBusy(): Promise<number> {
  const line = (await readFile("/proc/stat", "utf8").catch(() => "")).split("\n")[0] ?? "";
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8) return Number.NaN;
  return (f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!) / 100;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const dir = await mkdtemp(join(OUT_ROOT, "eocube-bench-gen-dist-"));
  // dist/ as `npm run build` makes it (the precompiled request validator too); not timed
  await exec(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`], { cwd: ROOT }).catch(
    () => undefined,
  );
  await exec(process.execPath, [`${ROOT}scripts/precompile-schemas.mjs`], { cwd: ROOT, maxBuffer: 1 << 26 }).catch(() => undefined);
  // each `eocube gen` writes its own CPU time (all its threads) when it exits
  const cpuHook = join(dir, "cpu.mjs");
  await writeFile(
    cpuHook,
    'import { writeFileSync } from "node:fs";\nprocess.on("exit", () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_CPU_FILE, String((u.userCPUTime + u.systemCPUTime) / 1e6)); });\n',
  );
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 500));
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const rows: Array<Record<string, string | number>> = [];
  // workers as the command runs (its launcher line's settings) plus WORKER_NODE_FLAGS; `eocube gen` through the launcher
  const installed = commandSettings();
  const jobs: string[] = [];
  let ceiling = Number.NaN;
  let workCeiling = Number.NaN;
  // the n-worker pool on Redis database n: all pools start once
  const pools = new Map<number, ReturnType<typeof spawn>[]>();
  let s3: Awaited<ReturnType<typeof startS3rver>> | undefined;
  try {
    const reqs: string[] = [];
    for (const res of [...RESES, ...S3_RES]) {
      const req = join(dir, `req-${res}.yaml`);
      await writeFile(req, request(dir, "cube.zarr", res));
      reqs.push(req);
      const info = JSON.parse((await exec(process.execPath, [BIN, "gen", req, "--info", "--json"], { maxBuffer: 1 << 26 })).stdout) as {
        tasks: number;
        estimated_bytes: number;
        dims: Record<string, number>;
      };
      const group = tasksPerJob(info.tasks, info.estimated_bytes, info.dims.time ?? 1);
      jobs.push(`${res}°: ${Math.ceil(info.tasks / group)} jobs of ${group} chunk tasks (${info.tasks} tasks)`);
    }
    for (const n of WORKER_COUNTS) {
      pools.set(
        n,
        Array.from({ length: n }, () =>
          // one core per worker: V8's garbage collector on the worker's own thread too (docs/distributed.md)
          spawn(
            process.execPath,
            [
              ...installed.flags,
              ...WORKER_NODE_FLAGS,
              BIN,
              "worker",
              "--redis",
              `redis://127.0.0.1:${port}/${n}`,
              "--concurrency",
              "1",
              "--quiet",
            ],
            { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...installed.env } },
          ),
        ),
      );
    }
    await Promise.all(
      [...pools.values()]
        .flat()
        .map((w) => new Promise<void>((resolve) => w.stderr!.on("data", (d) => String(d).includes("waiting for tasks") && resolve()))),
    );
    const bull = WORKER_COUNTS.map((n) => ({
      label: `BullMQ, ${n} worker process${n > 1 ? "es" : ""}`,
      args: ["--executor", `redis://127.0.0.1:${port}/${n}`],
      pool: pools.get(n)!,
    }));
    const kinds = [
      { label: "local, 1 thread", args: ["--workers", "1"], pool: [] as ReturnType<typeof spawn>[] },
      { label: "local, 2 threads", args: ["--workers", "2"], pool: [] },
      ...bull,
    ];
    // the S3 rows: s3rver with its objects beside the shared folder's; one request per run (a new data_id each time)
    if (S3_RES.length > 0) s3 = await startS3rver(join(dir, "s3rver"));
    const s3fs = s3 && new S3FileSystem(S3_BUCKET, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_KEY });
    // the runs of each grid; each grid's first local run is the reference of its digests
    const runs = [
      ...RESES.flatMap((res, g) => kinds.map((r) => ({ ...r, grid: `${res}°`, res, req: reqs[g]!, s3: false }))),
      ...S3_RES.flatMap((res) => [kinds[0]!, ...bull].map((r) => ({ ...r, grid: `${res}° (s3rver)`, res, req: "", s3: true }))),
    ].map((r) => ({ ...r, wall: [] as number[], cpu: [] as number[], others: [] as number[], same: true }));
    const cpuFile = join(dir, "cpu.txt");
    const references = new Map<string, string>();
    // warm-up (not timed): each worker pool runs a small request once, as long-running workers have (JIT, modules)
    const small = join(dir, "small.yaml");
    await writeFile(small, request(dir, "small.zarr", 0.05));
    for (const r of kinds.slice(2)) {
      await exec(process.execPath, [BIN, "gen", small, "-o", join(dir, "warm.zarr"), ...r.args], { maxBuffer: 1 << 26 });
      await rm(join(dir, "warm.zarr"), { recursive: true, force: true });
    }
    for (let rep = 0; rep < REPS; rep++) {
      for (const [k, r] of runs.entries()) {
        // a new output each time (replacing one would add its removal to the run); checked, and (on a disk) kept until
        // all rounds are done: on ext4 the files of a run right after a large deletion are slow to create (the kernel skips
        // recently freed inodes), a cost of the previous run's removal, not of this run
        const out = join(dir, `run${k}-${rep}.zarr`);
        let req = r.req;
        if (r.s3) {
          req = join(dir, `req-s3-${k}-${rep}.yaml`);
          await writeFile(req, request(dir, `run${k}-${rep}.zarr`, r.res, { endpoint: s3!.endpoint, root: `${S3_BUCKET}/runs` }));
        }
        const servers = [redis.pid, ...(r.s3 ? [s3!.proc.pid] : []), ...r.pool.map((w) => w.pid)];
        const others = async () => (await Promise.all(servers.map(cpuOf))).reduce((a, b) => a + b, 0);
        const before = await others();
        const busy0 = await machineBusy();
        const t = Date.now();
        await exec(BIN, ["gen", req, ...(r.s3 ? [] : ["-o", out]), ...r.args], {
          maxBuffer: 1 << 26,
          env: { ...process.env, BENCH_CPU_FILE: cpuFile, NODE_OPTIONS: `--import=${pathToFileURL(cpuHook).href}` },
        });
        r.wall.push((Date.now() - t) / 1000);
        const cpu = Number(await readFile(cpuFile, "utf8")) + (await others()) - before;
        r.cpu.push(cpu);
        // CPU of every other process meanwhile (the kernel's own threads included): what the run did not have
        r.others.push(Math.max(0, (await machineBusy()) - busy0 - cpu));
        const digest = r.s3 ? await s3ChunksDigest(s3fs!, `runs/run${k}-${rep}.zarr`) : await chunksDigest(out);
        if (!references.has(r.grid)) references.set(r.grid, digest);
        if (digest !== references.get(r.grid)) r.same = false;
        if (r.s3) await s3fs!.delete(`runs/run${k}-${rep}.zarr/`);
        // on tmpfs an output is memory: removed at once (the slow creation after a deletion is ext4's)
        if (OUT_ROOT === "/dev/shm") await rm(out, { recursive: true, force: true });
      }
    }
    ceiling = await machineCeiling(3);
    workCeiling = await workloadCeiling(reqs[RESES.length - 1]!, dir, 3);
    for (const r of runs) {
      const one = median(runs.find((o) => o.grid === r.grid && o.label === bull[0]!.label)!.wall);
      rows.push({
        grid: r.grid,
        run: r.label,
        "wall_s (median)": Number(median(r.wall).toFixed(2)),
        "wall_s (each)": r.wall.map((s) => s.toFixed(2)).join(", "),
        "CPU_s (median)": Number(median(r.cpu).toFixed(1)),
        "others' CPU_s (median)": Number(median(r.others).toFixed(1)),
        "speed vs 1 worker": Number((one / median(r.wall)).toFixed(2)),
        identical: r.same ? "yes" : "NO",
      });
    }
  } finally {
    for (const w of [...pools.values()].flat()) w.kill("SIGTERM");
    redis.kill("SIGTERM");
    s3?.proc.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
  const load1 = loadavg()[0]!;
  return {
    name: `gen distributed: OSTIA 3 days at ${RESES.join("° and ")}° (nearest), BullMQ on redis-server (${WORKER_COUNTS.join(", ")} worker processes) vs the local pool${S3_RES.length ? `; at ${S3_RES.join("°, ")}° into s3rver` : ""}`,
    rows,
    notes: [
      `${REPS} alternating rounds of the runs of each grid (${((Date.now() - t0) / 1000).toFixed(0)} s); wall time of \`eocube gen\` (the coordinator, run as installed: bin/eocube.js through its launcher line) incl. its start, planning and commit, workers started before with the launcher's settings plus \`${WORKER_NODE_FLAGS.join(" ")}\` and warmed up by one small run (\`eocube worker --concurrency 1\`: one task at a time on its main thread, one core per worker process).`,
      "CPU_s: user + system seconds of the gen process, the worker processes, redis-server and (S3 rows) s3rver during the run (/proc); others' CPU_s: the rest of the machine's busy CPU meanwhile (/proc/stat: other processes and kernel threads, e.g. ext4's), which the run could not use.",
      `${jobs.join("; ")}: each job computes and writes its chunks into the shared output's temporary store, a file path here: ${OUT_ROOT === "/dev/shm" ? "on /dev/shm (tmpfs; BENCH_GEN_DIST_DIR sets another folder: on this VM's ext4 disk, creating the ~40k–110k chunk files of one store in one folder from two processes measures the disk's journal and folder lock more than the executor)" : OUT_ROOT}.`,
      S3_RES.length > 0
        ? "S3 rows: the output in a bucket of s3rver (the npm package the tests use; one Node process on this machine, its objects in the same folder). Each chunk is a PUT from the process that computes it; the commit, by the coordinator, copies each object from the temporary prefix into place and deletes it (S3 has no rename; fs/swap.ts), and s3rver's own CPU takes a share of the 2 cores: parts of the run that more workers do not shorten. A cluster's object store (S3, MinIO) serves PUTs in parallel."
        : "",
      "identical = every run's data chunks (keys and bytes) equal those of the first local run. Goal: 2 workers ≥ 1.7× 1 worker (the smaller the job, the more the coordinator's start, ~0.7 s before the first job, weighs on its ratio).",
      `The machine's own ceiling, measured in the same run: 2 processes of a plain CPU loop (no I/O) at once finish ${ceiling.toFixed(2)}× as fast as one after the other (median of 3; 2.0 would be 2 cores of their own); 2 local runs of the ${RESES[RESES.length - 1]}° request (\`--workers 1\`, outputs of their own) at once finish ${workCeiling.toFixed(2)}× as fast as one after the other (median of 3): the most 2 worker processes could get from this machine for this work.`,
      `1-minute load average: ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (2 cores).`,
    ]
      .filter(Boolean)
      .join("\n"),
  };
}
