// Shared fixture of the gen --replace kill tests (local folder and s3): a temporary folder, the source window's
// conc_chl values, gen requests writing that window, a `gen` child process, and a check that a cube is complete.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { stringify } from "yaml";
import type { BBox } from "../../src/core/gridmapping.js";
import { openDataset } from "../../src/stores/open.js";
import { ensureBuilt } from "../helpers/build.js";
import { REPO_ROOT, ZARR_CUBE } from "../helpers/paths.js";

const BBOX: BBox = [1, 51, 2, 52];

/** How a `gen` child process ended. */
export interface GenEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Registers beforeAll/afterAll hooks (build the CLI, a temporary folder named `prefix…`, the reference values of
 * conc_chl [time, lat, lon] = 5 × 400 × 400 of the cube's 1°×1° window) and returns the helpers that use them.
 */
export function replaceFixture(prefix: string) {
  let dir = "";
  let reference = new Float64Array(0);
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), prefix));
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

  /** Starts the built `eocube gen` with `args` in the temporary folder. */
  function startGen(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<GenEnd> } {
    const child = spawn(process.execPath, [`${REPO_ROOT}bin/eocube.js`, "gen", ...args], { cwd: dir, env: { ...process.env, ...env } });
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    child.stdout!.resume();
    const done = new Promise<GenEnd>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
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

  return { dir: () => dir, request, startGen, completeCube };
}
