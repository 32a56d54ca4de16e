// Benchmark the distributed gen executor (issue 13): the OSTIA request on a finer grid run by 1 and 2 `eocube
// worker` processes (one task at a time each) through BullMQ on a local redis-server, beside the local executor
// with 1 and 2 threads; the cubes must be byte-identical (time stamps aside). Goal: 2 workers ≥ 1.7× 1 worker.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = `${ROOT}bin/eocube.js`;
const RES = Number(process.env.BENCH_GEN_DIST_RES ?? 0.05);

function request(dir: string, dataId: string): string {
  const inputs = ["20170605", "20170606", "20170607"]
    .map(
      (d) =>
        `  - store_id: file\n    store_params: { root: ${DATA}netcdf3 }\n    data_id: ${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
    )
    .join("\n");
  return `input_configs:\n${inputs}\ncube_config:\n  variable_names: [analysed_sst, sst_anomaly]\n  crs: EPSG:4326\n  bbox: [-16.0, 34.0, 36.0, 72.0]\n  spatial_res: ${RES}\n  tile_size: [260, 190]\n  spatial_method: nearest\noutput_config:\n  store_id: file\n  store_params: { root: ${dir} }\n  data_id: ${dataId}\n  replace: true\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Data chunks of a store (metadata left out: it carries time stamps). */
async function chunks(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.name.startsWith("."))
      out.set(relative(path, join(e.parentPath, e.name)), (await readFile(join(e.parentPath, e.name))).toString("base64"));
  }
  return out;
}

/** Runs the workload; see the file comment. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const dir = await mkdtemp(join(tmpdir(), "eocube-bench-gen-dist-"));
  await exec(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`], { cwd: ROOT }).catch(
    () => undefined,
  );
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const url = `redis://127.0.0.1:${port}/0`;
  await new Promise((r) => setTimeout(r, 500));
  const rows: Array<Record<string, string | number>> = [];
  try {
    const req = join(dir, "req.yaml");
    await writeFile(req, request(dir, "cube.zarr"));
    const gen = async (label: string, args: string[], out: string) => {
      const t = Date.now();
      await exec(process.execPath, [BIN, "gen", req, "-o", join(dir, out), ...args], { maxBuffer: 1 << 26 });
      return { label, s: (Date.now() - t) / 1000, out };
    };
    const local1 = await gen("local, 1 thread", ["--workers", "1"], "local1.zarr");
    const local2 = await gen("local, 2 threads", ["--workers", "2"], "local2.zarr");
    const reference = await chunks(join(dir, "local1.zarr"));
    const results = [local1, local2];
    for (const n of [1, 2]) {
      const workers = Array.from({ length: n }, () =>
        spawn(process.execPath, [BIN, "worker", "--redis", url, "--concurrency", "1", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] }),
      );
      await Promise.all(
        workers.map(
          (w) => new Promise<void>((resolve) => w.stderr!.on("data", (d) => String(d).includes("waiting for tasks") && resolve())),
        ),
      );
      try {
        results.push(await gen(`BullMQ, ${n} worker process${n > 1 ? "es" : ""}`, ["--executor", url], `dist${n}.zarr`));
      } finally {
        for (const w of workers) w.kill("SIGTERM");
      }
    }
    const one = results[2]!.s;
    for (const r of results) {
      const same = JSON.stringify([...(await chunks(join(dir, r.out)))]) === JSON.stringify([...reference]);
      rows.push({
        run: r.label,
        wall_s: Number(r.s.toFixed(2)),
        "speed vs 1 worker": Number((one / r.s).toFixed(2)),
        identical: same ? "yes" : "NO",
      });
    }
  } finally {
    redis.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
  return {
    name: `gen distributed: OSTIA 3 days at ${RES}° (nearest), BullMQ on redis-server vs the local pool`,
    rows,
    notes:
      "wall time of `eocube gen` (coordinator) incl. planning and commit; workers started before; identical = same data chunk bytes as local, 1 thread. Goal: 2 workers ≥ 1.7× 1 worker.",
  };
}
