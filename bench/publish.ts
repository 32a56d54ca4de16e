// Benchmark `publish`: wall time to publish the Zarr cube (examples/dataset-config.yaml + workflow-config.yaml)
// into a fresh local OSC catalog (catalog init → plan → validate the whole catalog → one commit). Goal < 1 s.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initCatalog } from "../src/catalog/osc/init.js";
import { configPlanBuilder } from "../src/catalog/publish/builder.js";
import { publish } from "../src/catalog/publish/publish.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs the publish workload 5 times in-process (the first one cold) and 3 times as the CLI command in a new process
 * (when dist/ is built), and reports each wall time in seconds. Each run starts from a fresh `catalog init`.
 */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  const rows: Array<Record<string, string | number>> = [];
  const cwd = process.cwd();
  process.chdir(ROOT); // the example configs name the cube relative to the repository root
  try {
    for (let i = 1; i <= 5; i++) {
      const tmp = await mkdtemp(join(tmpdir(), "eocube-bench-publish-"));
      try {
        const catalog = join(tmp, "catalog");
        await initCatalog(catalog);
        const t0 = performance.now();
        const build = await configPlanBuilder("examples/dataset-config.yaml", "examples/workflow-config.yaml", { mode: "all" });
        const res = await publish({ build, catalogDir: catalog });
        const seconds = (performance.now() - t0) / 1000;
        rows.push({
          tool: "eocube (library, in-process)",
          run: i === 1 ? "1 (cold)" : String(i),
          files: res.files.length,
          seconds: Number(seconds.toFixed(3)),
          goal: "< 1 s",
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    // the command a user runs: a fresh process each time (module loading and schema compilation included)
    const bin = join(ROOT, "bin", "eocube.js");
    if (existsSync(join(ROOT, "dist", "cli", "index.js"))) {
      for (let i = 1; i <= 3; i++) {
        const tmp = await mkdtemp(join(tmpdir(), "eocube-bench-publish-"));
        try {
          const catalog = join(tmp, "catalog");
          await initCatalog(catalog);
          const t0 = performance.now();
          const res = spawnSync(
            process.execPath,
            [bin, "publish", "examples/dataset-config.yaml", "examples/workflow-config.yaml", "--catalog", catalog, "--json"],
            { cwd: ROOT, encoding: "utf8" },
          );
          const seconds = (performance.now() - t0) / 1000;
          const files = res.status === 0 ? (JSON.parse(res.stdout) as { files: unknown[] }).files.length : -1;
          rows.push({
            tool: "eocube publish (CLI, new process)",
            run: String(i),
            files,
            seconds: Number(seconds.toFixed(3)),
            goal: "< 1 s",
          });
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      }
    }
  } finally {
    process.chdir(cwd);
  }
  return {
    name: "publish",
    rows,
    notes:
      "Wall time of config loading + opening the cube's metadata and coordinates + building the OSC plan + validating the whole " +
      "resulting catalog in a temp copy + one git commit on a new branch, into a catalog made by `catalog init`. " +
      "No peer run: deep-code needs network access (S3, GitHub) and is not installed here.",
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
