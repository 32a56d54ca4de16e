// Benchmark "viewer": in headless Chromium (Debian's, via playwright-core) against the real server on the
// OLCI Zarr cube — time from navigation to the first completely rendered map, time from a map click to
// the complete time series, and the gzip size of the built viewer. No peer runs beside it: xcube-viewer
// is a separate React app that cannot be built offline here.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ensureViewerBuilt, launchBrowser, ROOT, startServer, waitForMap } from "../test/e2e/harness.js";
import type { BenchResult } from "./run.js";

const RUNS = 5;
const HASH = "ds=olci&var=conc_chl&time=2017-01-16T10%3A09%3A21.834Z";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Gzip (level 9) bytes of every file of viewer/dist, and their raw size. */
function bundleSize(): { raw: number; gzip: number } {
  let raw = 0,
    gzip = 0;
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const b = readFileSync(p);
        raw += b.length;
        gzip += gzipSync(b, { level: 9 }).length;
      }
    }
  };
  walk(join(ROOT, "viewer", "dist"));
  return { raw, gzip };
}

/** One load in a new browser profile: [ms to first complete map, ms from click to complete series]. */
async function once(url: string): Promise<[number, number]> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ width: 1280, height: 800 });
    await page.goto(`${url}viewer/#${HASH}`);
    await waitForMap(page, 0, 120_000);
    const mapMs = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderedAt));
    const [px, py] = await page.evaluate(() =>
      (window as unknown as { eocubeViewer: { pixelOf(a: number, b: number): number[] } }).eocubeViewer.pixelOf(2.5, 51.3),
    );
    const box = (await page.locator("#map").boundingBox())!;
    await page.mouse.click(box.x + px!, box.y + py!);
    await page.waitForFunction(() => document.getElementById("chart")?.dataset.seriesCount === "1", null, { timeout: 120_000 });
    const seriesMs = await page.evaluate(
      () =>
        Number(document.getElementById("chart")!.dataset.seriesDoneAt) - Number(document.getElementById("chart")!.dataset.seriesStartedAt),
    );
    return [mapMs, seriesMs];
  } finally {
    await browser.close();
  }
}

/** Runs the viewer benchmark (see the file comment). */
export async function run(): Promise<BenchResult> {
  await ensureViewerBuilt();
  const server = await startServer();
  try {
    const cold = await once(server.url);
    const warm: [number, number][] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await once(server.url));
    const size = bundleSize();
    const mapWarm = median(warm.map((w) => w[0]));
    const seriesWarm = median(warm.map((w) => w[1]));
    return {
      name: "viewer",
      rows: [
        {
          measure: "first complete map (ms, from navigation)",
          "server cold": Math.round(cold[0]),
          [`server warm, median of ${RUNS}`]: Math.round(mapWarm),
          goal: "< 1500",
          met: mapWarm < 1500 ? "yes" : "no",
        },
        {
          measure: "first time series (ms, click → all chunks)",
          "server cold": Math.round(cold[1]),
          [`server warm, median of ${RUNS}`]: Math.round(seriesWarm),
          goal: "",
          met: "",
        },
        {
          measure: "bundle, gzip (kB)",
          "server cold": "",
          [`server warm, median of ${RUNS}`]: Math.round(size.gzip / 1024),
          goal: "< 400",
          met: size.gzip < 400 * 1024 ? "yes" : "no",
        },
        {
          measure: "bundle, raw (kB)",
          "server cold": "",
          [`server warm, median of ${RUNS}`]: Math.round(size.raw / 1024),
          goal: "",
          met: "",
        },
      ],
      notes:
        "Headless Debian Chromium (playwright-core), 1280×800, a new browser profile per load (empty HTTP cache), the server in-process on 127.0.0.1 " +
        "serving ../shared/data/zarr/cube-1-250-250.zarr. 'server cold' is the first load after the server started (chunk and tile caches empty); " +
        "'server warm' loads follow it. Map time is performance.now() at OpenLayers' rendercomplete for the shown layer (includes the colour-range " +
        "statistics request); the series is conc_chl at 2.5°E 51.3°N loaded newest first in chunks. No peer: xcube-viewer cannot be built offline here.",
    };
  } finally {
    await server.close();
  }
}
