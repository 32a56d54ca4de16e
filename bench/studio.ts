// Benchmark: eocube studio on a copy of the real OSC catalog (2,224 files) — the index load and the first page as a
// browser gets it (GET /studio/api/summary + the first search over HTTP), then searches (text, facet, bbox + time).
// Goals (issue 18): first page < 1 s, search < 100 ms.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildApp } from "../src/server/app.js";
import { studioRoutes } from "../src/server/routes/studio.js";
import { loadCatalogIndex } from "../src/studio/catalog-index.js";
import type { BenchResult } from "./run.js";

const CATALOG_GIT = "/work/.mirror/ESA-EarthCODE+open-science-catalog-metadata/repo";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the studio workload (skipped, with a note, when the real catalog is not here: set OSC_CATALOG). */
export async function run(): Promise<BenchResult> {
  let dir = process.env.OSC_CATALOG ? resolve(process.env.OSC_CATALOG) : undefined;
  let temp: string | undefined;
  if (!dir && existsSync(CATALOG_GIT)) {
    temp = mkdtempSync(join(tmpdir(), "eocube-bench-studio-"));
    const r = spawnSync("sh", ["-c", `git --git-dir '${CATALOG_GIT}' archive HEAD | tar -x -C '${temp}'`]);
    if (r.status !== 0) throw new Error("git archive of the real catalog failed");
    dir = temp;
  }
  if (!dir) return { name: "studio", rows: [], notes: "The real OSC catalog is not here (set OSC_CATALOG to a checkout)." };
  try {
    const files = Number(spawnSync("sh", ["-c", `find '${dir}' -type f | wc -l`], { encoding: "utf8" }).stdout.trim());
    const loads: number[] = [];
    const firstPages: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const index = await loadCatalogIndex(dir);
      loads.push(performance.now() - t0);
      const app = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
      await studioRoutes(app, { catalogDir: dir, index });
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      const t1 = performance.now();
      await Promise.all([
        fetch(`${url}/studio/api/summary`).then((r) => r.json()),
        fetch(`${url}/studio/api/search?kind=product`).then((r) => r.json()),
      ]);
      firstPages.push(loads.at(-1)! + performance.now() - t1);
      await app.close();
    }
    const index = await loadCatalogIndex(dir);
    const queries = {
      "text 'sea ice'": { q: "sea ice" },
      "facet theme=oceans": { theme: "oceans" },
      "bbox Europe + 2018–2020": { bbox: [-10, 35, 30, 70] as [number, number, number, number], start: "2018-01-01", end: "2020-12-31" },
      "text + facet + bbox + time": {
        q: "temperature",
        theme: "oceans",
        bbox: [-180, -90, 180, 90] as [number, number, number, number],
        start: "2000-01-01",
      },
    };
    const rows: BenchResult["rows"] = [
      { step: `index load (${index.files} entities)`, "median ms": median(loads), goal: "" },
      { step: "first page: index load + summary + first search over HTTP", "median ms": median(firstPages), goal: "< 1000" },
    ];
    for (const [name, q] of Object.entries(queries)) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        total = index.search(q).total;
        times.push(performance.now() - t0);
      }
      rows.push({ step: `search: ${name} (${total} hits)`, "median ms": median(times), goal: "< 100" });
    }
    return {
      name: "studio",
      rows,
      notes: `A copy of the real OSC catalog (${files} files). Index load and first page: 3 runs, medians, in-process (module loading not included); searches: 50 runs each, in-process, medians. Shared 2-core machine.`,
    };
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
