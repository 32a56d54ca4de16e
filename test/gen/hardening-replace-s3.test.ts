// gen --replace to s3 (s3rver on 127.0.0.1), where rename is not atomic: a real `eocube gen` killed while the
// target is half-replaced leaves the complete old cube in a marked aside copy, which the next run restores;
// uninterrupted replaces leave nothing beside the target. Local folders: hardening-replace.test.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { S3FileSystem } from "../../src/fs/s3.js";
import { openDataset } from "../../src/stores/open.js";
import { ensureBuilt } from "../helpers/build.js";
import { REPO_ROOT, ZARR_CUBE } from "../helpers/paths.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";

const BBOX = [1, 51, 2, 52];
let dir: string;
let reference: Float64Array;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "eocube-hardening-replace-s3-"));
  const src = await openDataset(ZARR_CUBE, { openParams: { variable_names: ["conc_chl"], bbox: BBOX } });
  reference = Float64Array.from((await src.data_vars.conc_chl!.read()).data as ArrayLike<number>);
  await src.close();
  expect(reference.length).toBe(5 * 400 * 400);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A gen2 request writing conc_chl of the cube's 1°×1° window with `title` into `output`. */
async function request(name: string, title: string, output: Record<string, unknown>, replace = true, tileSize = 100): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    stringify({
      input_configs: [
        {
          store_id: "file",
          store_params: { root: ZARR_CUBE.replace(/\/[^/]+$/, "") },
          data_id: "cube-1-250-250.zarr",
          open_params: { bbox: BBOX },
        },
      ],
      cube_config: { variable_names: ["conc_chl"], tile_size: tileSize, metadata: { title } },
      output_config: { ...output, replace },
    }),
  );
  return path;
}

function startGen(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [`${REPO_ROOT}bin/eocube.js`, "gen", ...args], { cwd: dir, env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

/** Opens a cube and checks it is complete: conc_chl equal to the source window everywhere. Resolves to its title. */
async function completeCube(path: string, storeParams?: Record<string, unknown>): Promise<string> {
  const ds = await openDataset(path, storeParams ? { storeParams } : {});
  try {
    const got = (await ds.data_vars.conc_chl!.read()).data as Float64Array;
    expect(got.length).toBe(reference.length);
    let bad = 0;
    for (let i = 0; i < got.length; i++) if (!(got[i] === reference[i] || (Number.isNaN(got[i]!) && Number.isNaN(reference[i]!)))) bad++;
    expect(bad, `${path}: values differing from the source`).toBe(0);
    return String(ds.attrs.title);
  } finally {
    await ds.close();
  }
}

describe("gen --replace to s3 (no atomic rename)", () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server("cubes");
  }, 30_000);
  afterAll(async () => s3.close());

  it("a kill while the target is half-replaced keeps the complete old cube aside; the next run restores it", async () => {
    const out = { store_id: "s3", store_params: { root: `${s3.bucket}/out`, storage_options: s3.storageOptions }, data_id: "cube.zarr" };
    const sp = { storage_options: s3.storageOptions };
    const url = `s3://${s3.bucket}/out/cube.zarr`;
    const fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    const first = await startGen([await request("s0.yaml", "old", out, true, 200), "--workers", "0"]).done;
    expect(first.code, first.stderr).toBe(0);
    expect(await completeCube(url, sp)).toBe("old");
    // a replace is killed after the old cube was copied aside and the target deleted
    const run = startGen([await request("s1.yaml", "new", out, true, 200), "--workers", "0"], { EOCUBE_SWAP_PAUSE_MS: "1000" });
    let ended = false;
    void run.done.then(() => (ended = true));
    let aside: string | undefined;
    while (!ended && !aside) {
      aside = (await fs.list("out")).find((e) => e.startsWith(".cube.zarr.old-") && e.includes(`-${run.child.pid}-`));
      if (aside && !(await fs.exists(`out/${aside}.eocube-aside-complete`))) aside = undefined;
      await sleep(20);
    }
    expect(aside, "the run reached the swap").toBeDefined();
    await sleep(1300); // past the pause before the target is deleted, within the one before the new cube is copied
    run.child.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    expect(await fs.exists("out/cube.zarr/.zmetadata")).toBe(false); // the target is gone or half-copied
    expect(await completeCube(`s3://${s3.bucket}/out/${aside!.replace(/\/$/, "")}`, sp)).toBe("old");
    // the next run (without replace) restores the old cube, then refuses to overwrite it
    const again = await startGen([await request("s2.yaml", "new", out, false, 200), "--workers", "0"]).done;
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
    expect(await completeCube(url, sp)).toBe("old");
    expect((await fs.list("out")).filter((e) => e.startsWith(".cube.zarr."))).toEqual([]);
    // and a replace that is not interrupted replaces it
    const replaced = await startGen([await request("s3.yaml", "new", out, true, 200), "--workers", "0"]).done;
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await completeCube(url, sp)).toBe("new");
    expect((await fs.list("out")).filter((e) => e.startsWith(".cube.zarr."))).toEqual([]);
  }, 60_000);
});
