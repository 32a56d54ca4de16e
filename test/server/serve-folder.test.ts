// `eocube serve <folder>` serves every dataset found in the folder as xcube does (a file store, ids
// `<folder>~<data id>`); the real CLI's log output: concise text lines or JSON, levels, --quiet.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { serveConfigOf } from "../../src/cli/serve.js";
import { isEocubeError } from "../../src/core/errors.js";
import { DATA } from "./helpers.js";

const CLI = fileURLToPath(new URL("./cli-main.ts", import.meta.url));

/** Runs `eocube serve …` until it listens, then `during(url)`, then SIGTERM; its stdout, stderr and exit code. */
async function runServe(
  args: string[],
  during?: (url: string) => Promise<void>,
): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve", "--port", "0", "--address", "127.0.0.1", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = await new Promise<string | undefined>((done) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (\S+)/.exec(err);
      if (m) done(m[1]);
    });
    void exited.then(() => done(undefined));
  });
  if (url) {
    await during?.(url);
    await new Promise((r) => setTimeout(r, 200)); // the last log lines
    child.kill("SIGTERM");
  }
  return { out, err, code: await exited };
}

describe("eocube serve <folder>", () => {
  it("turns a folder of datasets into a file store, a dataset folder (.zarr) into one dataset", async () => {
    const c = await serveConfigOf([`${DATA}geotiff`, `${DATA}zarr/cube-1-250-250.zarr`], {});
    expect(c.DataStores).toEqual([{ Identifier: "geotiff", StoreId: "file", StoreParams: { root: `${DATA}geotiff` } }]);
    expect(c.Datasets!.map((d) => d.Identifier)).toEqual(["cube-1-250-250"]);
  });

  it("refuses a folder without datasets, naming it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "eocube-empty-"));
    try {
      await serveConfigOf([empty], {});
      expect.unreachable();
    } catch (err) {
      expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
      expect((err as Error).message).toBe(`no datasets in folder ${empty}`);
    }
  });

  it("serves every dataset of the folder (real CLI), one concise text line per request with --log-format text", async () => {
    let ids: string[] = [];
    const r = await runServe([`${DATA}geotiff`, "--log-format", "text"], async (url) => {
      ids = ((await (await fetch(`${url}/datasets`)).json()) as { datasets: { id: string }[] }).datasets.map((d) => d.id);
      expect((await fetch(`${url}/datasets/geotiff~RGB.byte.tif`)).status).toBe(200);
    });
    expect(ids).toEqual(expect.arrayContaining(["geotiff~RGB.byte.tif", "geotiff~sample-cog.tif", "geotiff~world.byte.tif"]));
    expect(r.err).toContain("geotiff~sample-cog.tif");
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const lines = r.out.split("\n").filter((l) => l.includes("GET /datasets/geotiff~RGB.byte.tif"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d GET \/datasets\/geotiff~RGB\.byte\.tif 200 \d+ ms$/);
    expect(r.out).not.toContain('"level"');
  }, 90_000);

  it("keeps JSON log lines with --log-format json, and refuses an unknown level", async () => {
    const r = await runServe([`${DATA}zarr/cube-1-250-250.zarr`, "--log-format", "json", "--log-level", "info"], async (url) => {
      await fetch(`${url}/datasets`);
    });
    const logs = r.out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; req?: { url: string } });
    expect(logs.some((l) => l.msg === "incoming request" && l.req?.url === "/datasets")).toBe(true);
    const bad = await runServe([`${DATA}zarr/cube-1-250-250.zarr`, "--log-level", "loud"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--log-level "loud" is not a log level');
  }, 90_000);
});
