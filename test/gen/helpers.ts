// Test helpers for gen: temp folders, running the CLI in-process, asking xarray about an output.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { main } from "../../src/cli/index.js";

const run = promisify(execFile);
const CHECK = fileURLToPath(new URL("./xr_check.py", import.meta.url));
/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A fresh temporary folder (removed by the returned cleanup). */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "eocube-gen-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `eocube …args` in this process; resolves to the exit code and what it printed. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["node", "eocube", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** Runs test/gen/xr_check.py with Debian's Python (xarray) and parses its JSON. */
export async function xr<T = Record<string, unknown>>(zarr: string, ...args: string[]): Promise<T> {
  const { stdout } = await run("/usr/bin/python3", [CHECK, zarr, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}
