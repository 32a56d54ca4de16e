// Runs the Python helpers of test/server/fixtures/ (real GDAL and OWSLib from Debian, /usr/bin/python3) with a JSON
// argument and parses their JSON output; used by the WMTS and STAC client tests.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Debian's Python, which has python3-gdal and python3-owslib. */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs fixtures/`script` with `arg` as JSON and returns its parsed JSON output.
 * @param env extra environment (e.g. GDAL configuration options such as GDAL_DEFAULT_WMS_CACHE_PATH).
 */
export async function runPython<T = Record<string, unknown>>(script: string, arg: unknown, env: Record<string, string> = {}): Promise<T> {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  const { stdout } = await run(PYTHON, [path, JSON.stringify(arg)], {
    maxBuffer: 64 * 1024 ** 2,
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as T;
}
