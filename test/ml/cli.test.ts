// `eocube ml split` / `ml export` run in-process through the CLI's main(): output, exit codes 0 / 2, no stack traces.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/index.js";
import { readSplit } from "../../src/ml/index.js";
import { ZARR_CUBE } from "../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "eocube-ml-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `eocube …args` in this process, capturing stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await main(["node", "eocube", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("eocube ml", () => {
  it("writes a split that the library reads back", async () => {
    const file = join(work, "split.json");
    const r = await run("ml", "split", ZARR_CUBE, "-o", file, "--block-size", "125", "--buffer", "8", "--seed", "1");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${file}: grid [5,1000,2000], 128 blocks (train 90, val 19, test 19), buffer 8 px\n`);
    const spec = await readSplit(file);
    expect(spec).toMatchObject({ shape: [5, 1000, 2000], blockSize: [125, 125], buffer: 8, blockGrid: [8, 16] });
  });

  it("refuses bad input with exit 2, the field and no stack trace; writes nothing", async () => {
    const out = join(work, "bad.zarr");
    const a = await run("ml", "export", ZARR_CUBE, "-o", out, "--inputs", "kd489,chl");
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('error: variable "chl" not found');
    expect(a.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const b = await run("ml", "export", ZARR_CUBE, "-o", out, "--inputs", "kd489", "--mask", "kd489 >");
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("field: mask");
    const c = await run("ml", "export", ZARR_CUBE, "-o", out, "--inputs", "kd489", "--kind", "cube");
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("--kind must be one of pixel, patch, block");
    expect(existsSync(out)).toBe(false);
  });
});
