// Writes that fail on a full disk (ENOSPC) or a read-only file system (EROFS) give one EocubeError naming
// the path and the fix, leave nothing half-written, and the CLI prints no stack: a real 64 KiB tmpfs is
// mounted for the test (skipped, saying why, only where mounting is not permitted).
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { REPO_ROOT, SHARED_DATA } from "../helpers/paths.js";
import { memVariable } from "../server/helpers.js";

const work = mkdtempSync(join(tmpdir(), "eocube-enospc-"));
const disk = join(work, "disk");
mkdirSync(disk);
let mounted = false;
let why = "";
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk], { stdio: "pipe" });
  mounted = true;
} catch (err) {
  why = `mounting a 64 KiB tmpfs is not permitted here (${
    String((err as { stderr?: Buffer }).stderr ?? err)
      .trim()
      .split("\n")[0]
  })`;
}

afterAll(() => {
  if (mounted) execFileSync("umount", [disk]);
  rmSync(work, { recursive: true, force: true });
});

/** 200 KiB of incompressible bytes (more than the tmpfs holds). */
const big = () => {
  const b = new Uint8Array(200 * 1024);
  for (let i = 0; i < b.length; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
  return b;
};

/** Runs `eocube …args` from source in its own process. */
function eocube(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const cli = fileURLToPath(new URL("../server/cli-main.ts", import.meta.url));
  return new Promise((done) => {
    const child = execFile(process.execPath, ["--import", "tsx", cli, ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (_e, _out, stderr) =>
      done({ code: child.exitCode, stderr }),
    );
  });
}

describe.skipIf(!mounted)(`writes on a full or read-only disk${mounted ? "" : ` (skipped: ${why})`}`, () => {
  beforeAll(() => {
    for (const e of readdirSync(disk)) rmSync(join(disk, e), { recursive: true, force: true });
  });

  it("FileFileSystem.put: READ_ONLY naming the file and the fix; no temporary file left", async () => {
    const fs = new FileFileSystem(disk);
    const err = await fs.put("sub/big.bin", big()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "READ_ONLY", path: join(disk, "sub", "big.bin") });
    expect((err as Error).message).toBe(
      `cannot write ${join(disk, "sub", "big.bin")} while writing the file: no space left on the device (ENOSPC)`,
    );
    expect((err as { hint: string }).hint).toMatch(/free some space/);
    expect(readdirSync(join(disk, "sub"))).toEqual([]);
    // small writes still work: the failed one released its space
    await fs.put("sub/small.txt", new TextEncoder().encode("ok"));
    expect(readdirSync(join(disk, "sub"))).toEqual(["small.txt"]);
    rmSync(join(disk, "sub"), { recursive: true });
  });

  it("the Zarr writer: READ_ONLY naming a file of the store; no temporary store left", async () => {
    const values = new Float64Array(160 * 160).map(() => Math.random());
    const v = memVariable("noise", ["y", "x"], [160, 160], values, { chunks: [80, 80] });
    const err = await writeDataset(new Dataset({ data_vars: { noise: v } }), new FileFileSystem(disk), "noise.zarr", {
      compressor: null,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "READ_ONLY" });
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot write ${disk}/\\.noise\\.zarr\\.tmp-[^ ]+ while writing the file: no space left on the device \\(ENOSPC\\)$`),
    );
    expect(readdirSync(disk)).toEqual([]);
  });

  it("eocube prr: exit 2 naming the output file and 'no space left', no stack trace, nothing left on the disk", async () => {
    const cfg = join(work, "prr.yaml");
    writeFileSync(
      cfg,
      `id: full\ntitle: T\ndescription: D\nlicense: MIT\nbase_dir: ${SHARED_DATA}geotiff\nitems:\n  - { id: cog, datetime: 2020-01-01, assets: [{ key: data, path: sample-cog.tif }] }\n`,
    );
    const r = await eocube("prr", cfg, "-o", join(disk, "out"));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `error: cannot write ${join(disk, "out", "cog", "sample-cog.tif")} while copying an asset into the collection: no space left on the device (ENOSPC)`,
    );
    expect(r.stderr).toMatch(/hint: free some space/);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(readdirSync(disk)).toEqual([]);
  });

  it("a read-only file system (EROFS): put and prr name the path and say read-only", async () => {
    execFileSync("mount", ["-o", "remount,ro", disk]);
    try {
      const err = await new FileFileSystem(disk).put("x.bin", new Uint8Array(4)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: "READ_ONLY" });
      expect((err as Error).message).toMatch(/the file system is read-only \(EROFS\)/);
      const cfg = join(work, "prr-ro.yaml");
      writeFileSync(
        cfg,
        `id: ro\ntitle: T\ndescription: D\nlicense: MIT\nbase_dir: ${SHARED_DATA}geotiff\nitems:\n  - { id: cog, datetime: 2020-01-01, assets: [{ key: data, path: sample-cog.tif }] }\n`,
      );
      const r = await eocube("prr", cfg, "-o", join(disk, "out"), "--json");
      expect(r.code, r.stderr).toBe(2);
      expect(JSON.parse(r.stderr).error).toMatchObject({ code: "READ_ONLY", path: join(disk, "out") });
      expect(r.stderr).toMatch(/read-only \(EROFS\)/);
    } finally {
      execFileSync("mount", ["-o", "remount,rw", disk]);
    }
  });
});

it.runIf(!mounted)(`reports why the full-disk tests were skipped: ${why || "—"}`, () => {
  expect(why).not.toBe("");
});
