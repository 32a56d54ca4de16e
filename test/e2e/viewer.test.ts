// The viewer in real Chromium (Debian's, driven by playwright-core) against the real eocube server on
// ../shared/data: tiles of the OLCI Zarr cube, time steps, point and polygon time series equal to the
// server's /timeseries answers, CSV download, URL state, phone viewport, keyboard labels, bad input, the offline
// Natural Earth base map and the server's place groups.
// Every step leaves a screenshot in test-artifacts/e2e/; the main one is copied to docs/viewer.png.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/server/config.js";
import { decodePng } from "../server/helpers.js";
import {
  ARTIFACTS,
  DATA,
  defaultConfig,
  ensureViewerBuilt,
  launchBrowser,
  ROOT,
  shot,
  startServer,
  waitForMap,
  type Browser,
  type Server,
} from "./harness.js";

const T0 = "2017-01-16T10:09:21.834Z";
const T3 = "2017-01-28T09:58:11.350Z";
/** A place in the cube with valid chlorophyll on 2017-01-16 and 2017-01-28. */
const PLACE = { lon: 2.5, lat: 51.3 };

let server: Server;
let browser: Browser;
let brokenDir: string;

beforeAll(async () => {
  await ensureViewerBuilt();
  // "a variable whose tiles fail": a copy of the cube (made at test time) whose conc_tsm metadata names a
  // codec no reader has, so every chunk of it fails to decode (the server answers 422 CORRUPT_DATA)
  brokenDir = mkdtempSync(join(tmpdir(), "eocube-e2e-"));
  const broken = join(brokenDir, "broken.zarr");
  cpSync(`${DATA}zarr/cube-1-250-250.zarr`, broken, { recursive: true });
  const zmeta = JSON.parse(readFileSync(join(broken, ".zmetadata"), "utf8")) as { metadata: Record<string, { compressor?: unknown }> };
  zmeta.metadata["conc_tsm/.zarray"]!.compressor = { id: "zfpy", tolerance: 0.1 };
  writeFileSync(join(broken, ".zmetadata"), JSON.stringify(zmeta));
  server = await startServer(
    defaultConfig([
      { Identifier: "broken", Title: "Cube with damaged conc_tsm chunks", Path: broken },
      // datasets without a regular grid: an OLCI L2 swath (2-D lat/lon) and METAR station records
      { Identifier: "swath", Title: "OLCI L2 swath", Path: `${DATA}netcdf4/O_L2_0001_SNS_2017104102450_v1.0.nc` },
      { Identifier: "stations", Title: "MADIS stations", Path: `${DATA}netcdf3/madis-sao.nc` },
      // a time axis and a pressure-level dimension: series follow the level shown on the map
      { Identifier: "gfs", Title: "GFS global (time × isobaric level)", Path: `${DATA}netcdf4/GFS_global.nc` },
    ]),
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (brokenDir) rmSync(brokenDir, { recursive: true, force: true });
});

const viewerUrl = (hash = "", query = "") => `${server.url}viewer/${query ? `?${query}` : ""}${hash ? `#${hash}` : ""}`;

/** Pixels of a PNG whose colour is clearly saturated (colour-map colours, not the grey background). */
function colourfulPixels(png: Buffer): { count: number; pixels: Uint8Array; channels: number; width: number; height: number } {
  const img = decodePng(png);
  let count = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const r = img.pixels[i * img.channels]!,
      g = img.pixels[i * img.channels + 1]!,
      b = img.pixels[i * img.channels + 2]!;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
  }
  return { count, ...img };
}

function differingPixels(a: Buffer, b: Buffer): number {
  const x = decodePng(a),
    y = decodePng(b);
  expect([x.width, x.height]).toEqual([y.width, y.height]);
  let n = 0;
  for (let i = 0; i < x.width * x.height; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(x.pixels[i * x.channels + c]! - y.pixels[i * y.channels + c]!);
    if (d > 30) n++;
  }
  return n;
}

/** Page coordinates of a lon/lat on the map. */
async function pagePixel(page: Page, lon: number, lat: number): Promise<{ x: number; y: number }> {
  const [px, py] = await page.evaluate(
    ([lo, la]) => (window as unknown as { eocubeViewer: { pixelOf(a: number, b: number): number[] } }).eocubeViewer.pixelOf(lo!, la!),
    [lon, lat],
  );
  const box = (await page.locator("#map").boundingBox())!;
  return { x: box.x + px!, y: box.y + py! };
}

async function seriesRows(page: Page, id: number): Promise<{ time: string; mean: number | null; std: string }[]> {
  return page.$$eval(`#chart tbody tr[data-series="${id}"]`, (rows) =>
    rows.map((r) => ({
      time: (r as HTMLElement).dataset.time!,
      mean: (r as HTMLElement).dataset.mean === "" ? null : Number((r as HTMLElement).dataset.mean),
      std: r.children[3]!.textContent ?? "",
    })),
  );
}

async function serverSeries(
  geometry: unknown,
  dataset: string,
  variable: string,
  agg: string,
): Promise<{ time: string; mean: number | null; std?: number | null }[]> {
  const res = await fetch(`${server.url}timeseries/${dataset}/${variable}?aggMethods=${agg}`, {
    method: "POST",
    body: JSON.stringify(geometry),
    headers: { "content-type": "application/json" },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { time: string; mean: number | null; std?: number | null }[] }).result;
}

const waitSeries = (page: Page, n: number) =>
  page.waitForFunction(
    (k) => document.getElementById("chart")?.dataset.seriesCount === String(k) && document.getElementById("chart")?.dataset.loading === "0",
    n,
    { timeout: 60_000, polling: 100 },
  );

describe("viewer on the OLCI cube", { timeout: 180_000 }, () => {
  let page: Page & { errors: string[] };
  const tsRequests: { url: string; body: string }[] = [];
  const statRequests: string[] = [];

  beforeAll(async () => {
    page = await browser.newPage({ width: 1280, height: 800 });
    page.on("request", (r) => {
      if (r.url().includes("/timeseries/")) tsRequests.push({ url: r.url(), body: r.postData() ?? "" });
      if (r.url().includes("/statistics/") && r.method() === "GET") statRequests.push(r.url());
    });
  });

  it("is served by eocube serve at /viewer", async () => {
    const r = await fetch(`${server.url}viewer`, { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/viewer/");
    const html = await (await fetch(`${server.url}viewer/`)).text();
    expect(html).toContain("<title>eocube viewer</title>");
  });

  it("loads with no console errors and shows non-blank tiles of the cube", async () => {
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    expect(await page.locator("#dataset").inputValue()).toBe("olci");
    expect(await page.locator("#variable").inputValue()).toBe("conc_chl");
    expect(await page.locator("#time-label").textContent()).toContain(T0);
    const png = await shot(page, "01-loaded", "#map");
    const { count } = colourfulPixels(png);
    expect(count).toBeGreaterThan(20_000);
    await shot(page, "01-loaded-page");
    // the legend and the colour-bar previews came from the server
    expect(await page.locator("#legend-img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(256);
    expect(await page.locator("#cmap-preview-list [role=option]").count()).toBeGreaterThan(50);
    expect(page.errors).toEqual([]);
  });

  it("shows the value under the cursor from /statistics", async () => {
    const p = await pagePixel(page, PLACE.lon, PLACE.lat);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => /conc_chl = /.test(document.getElementById("mouse-info")?.textContent ?? ""), null, {
      timeout: 30_000,
    });
    const text = (await page.locator("#mouse-info").textContent())!;
    const asked = new URL(statRequests.at(-1)!);
    expect(asked.searchParams.get("time")).toBe(T0);
    expect(Number(asked.searchParams.get("lon"))).toBeCloseTo(PLACE.lon, 2);
    const r = (await (await fetch(asked)).json()) as { result: { value?: number } };
    expect(r.result.value).toBeDefined();
    expect(text).toContain(String(Number(r.result.value!.toPrecision(5))));
  });

  it("changing the time changes the tiles", async () => {
    const before = await shot(page, "02-time-before", "#map");
    const n = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
    await page.locator("#time-next").click();
    await waitForMap(page, n);
    expect(await page.locator("#time-label").textContent()).toContain("2017-01-25");
    const after = await shot(page, "02-time-after", "#map");
    expect(differingPixels(before, after)).toBeGreaterThan(5_000);
    expect(page.url()).toContain(encodeURIComponent("2017-01-25T09:35:51.060Z"));
    // back to the first step with the slider's keyboard control
    await page.locator("#time-first").click();
    await waitForMap(page, n + 1);
  });

  it("clicking a point draws a series equal to the server's /timeseries answer", async () => {
    const p = await pagePixel(page, PLACE.lon, PLACE.lat);
    await page.mouse.click(p.x, p.y);
    await waitSeries(page, 1);
    await page.locator("#chart details").evaluate((d: HTMLDetailsElement) => (d.open = true));
    await shot(page, "03-point-series");
    // loaded incrementally: several requests, newest chunk first
    const reqs = tsRequests.filter((r) => r.url.includes("/olci/conc_chl"));
    expect(reqs.length).toBeGreaterThan(1);
    const ends = reqs.map((r) => new URL(r.url).searchParams.get("endDate")!);
    expect(Date.parse(ends[0]!)).toBeGreaterThan(Date.parse("2017-01-30T10:46:33.837Z"));
    expect([...ends].sort().reverse()).toEqual(ends);
    const geometry = JSON.parse(reqs[0]!.body) as { type: string; coordinates: number[] };
    expect(geometry.type).toBe("Point");
    expect(geometry.coordinates[0]).toBeCloseTo(PLACE.lon, 2);
    expect(geometry.coordinates[1]).toBeCloseTo(PLACE.lat, 2);
    const expected = await serverSeries(geometry, "olci", "conc_chl", "mean");
    const rows = await seriesRows(page, 1);
    expect(rows.map((r) => Date.parse(r.time))).toEqual(expected.map((e) => Date.parse(e.time)));
    expect(rows.map((r) => r.mean)).toEqual(expected.map((e) => e.mean));
    expect(expected.filter((e) => e.mean !== null).length).toBeGreaterThanOrEqual(2);
    // the uPlot canvas is drawn
    expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
  });

  it("drawing a polygon adds a mean ± std series", async () => {
    await page.locator("#draw-polygon").click();
    const corners = [
      [2.3, 51.2],
      [2.7, 51.2],
      [2.7, 51.4],
      [2.3, 51.4],
    ] as const;
    for (const [lon, lat] of corners) {
      const p = await pagePixel(page, lon, lat);
      await page.mouse.click(p.x, p.y);
      await page.waitForTimeout(50);
    }
    await page.keyboard.press("Enter");
    await waitSeries(page, 2);
    await page.mouse.move(1, 1);
    await shot(page, "04-polygon-series");
    // the README's picture: the cube, a point and a polygon series
    copyFileSync(join(ARTIFACTS, "04-polygon-series.png"), join(ROOT, "docs", "viewer.png"));
    const req = tsRequests.filter((r) => JSON.parse(r.body).type === "Polygon");
    expect(req.length).toBeGreaterThan(0);
    expect(new URL(req[0]!.url).searchParams.get("aggMethods")).toBe("mean,std");
    const expected = await serverSeries(JSON.parse(req[0]!.body), "olci", "conc_chl", "mean,std");
    const rows = await seriesRows(page, 2);
    expect(rows.map((r) => r.mean)).toEqual(expected.map((e) => e.mean));
    const withStd = rows.filter((r) => r.std !== "");
    expect(withStd.length).toBe(expected.filter((e) => e.std !== null).length);
    expect(withStd.length).toBeGreaterThan(0);
  });

  it("clicking a chart point sets the map time", async () => {
    const n = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
    await page.locator(`#chart tbody tr[data-series="1"] button`).nth(3).click();
    await waitForMap(page, n);
    expect(await page.locator("#time-label").textContent()).toContain(T3);
    // and on the uPlot canvas: a click at the first point's x picks the first time
    const over = page.locator("#chart .u-over");
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.click(box.x + 2, box.y + box.height / 2);
    await page.waitForFunction((t) => document.getElementById("time-label")!.textContent!.includes(t), T0, { timeout: 30_000 });
  });

  it("downloads the series as CSV", async () => {
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), page.locator("#download-csv").click()]);
    const path = join(ARTIFACTS, "series.csv");
    await download.saveAs(path);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines[0]).toBe("series,dataset,variable,kind,time,mean,std");
    const rows1 = await seriesRows(page, 1);
    const rows2 = await seriesRows(page, 2);
    expect(lines.length).toBe(1 + rows1.length + rows2.length);
    const pointLines = lines.filter((l) => l.includes(",point,"));
    expect(pointLines.map((l) => l.split(",").at(-2))).toEqual(rows1.map((r) => (r.mean === null ? "" : String(r.mean))));
    expect(lines.filter((l) => l.includes(",polygon,")).length).toBe(rows2.length);
  });

  it("removes a series from the chart and the map", async () => {
    const places = () =>
      page.evaluate(() =>
        (
          window as unknown as {
            eocubeViewer: { map: { getLayers(): { getArray(): { getSource?(): { getFeatures?(): unknown[] } | null }[] } } };
          }
        ).eocubeViewer.map
          .getLayers()
          .getArray()
          .map((l) => l.getSource?.()?.getFeatures?.()?.length ?? 0)
          .at(-1),
      );
    expect(await places()).toBe(2);
    await page.locator(".chart-legend button").first().click();
    await waitSeries(page, 1);
    expect(await page.locator("#chart tbody tr[data-series='1']").count()).toBe(0);
    expect(await page.locator("#chart tbody tr[data-series='2']").count()).toBe(5);
    expect(await places()).toBe(1);
  });

  it("a log scale asks the server for norm=log tiles and still draws the cube", async () => {
    const n = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
    const tileUrls: string[] = [];
    const onReq = (r: { url(): string }) => {
      if (r.url().includes("/tiles/olci/conc_chl/")) tileUrls.push(r.url());
    };
    page.on("request", onReq);
    await page.locator("#vmin").fill("0.1");
    await page.locator("#vmin").dispatchEvent("change");
    await page.locator("#log").check();
    await waitForMap(page, n);
    page.off("request", onReq);
    const last = new URL(tileUrls.at(-1)!);
    expect(last.searchParams.get("norm")).toBe("log");
    expect(last.searchParams.get("vmin")).toBe("0.1");
    expect(colourfulPixels(await shot(page, "04b-log-scale", "#map")).count).toBeGreaterThan(20_000);
    expect(page.url()).toContain("log=1");
    await page.locator("#log").uncheck();
    await waitForMap(page, n + 1);
  });

  it("a log scale over a range from 0 moves the min above 0 instead of failing every tile", async () => {
    const page2 = await browser.newPage();
    const bad: string[] = [];
    page2.on("response", (r) => {
      if (r.url().includes("/tiles/") && r.status() >= 400) bad.push(`${r.status()} ${r.url()}`);
    });
    await page2.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    const n = await waitForMap(page2);
    expect(await page2.locator("#vmin").inputValue()).toBe("0");
    const vmax = Number(await page2.locator("#vmax").inputValue());
    await page2.locator("#log").check();
    await waitForMap(page2, n);
    expect(Number(await page2.locator("#vmin").inputValue())).toBe(Number((vmax / 1000).toPrecision(2)));
    expect(await page2.locator('.msg[data-key="range"]').textContent()).toContain("A log scale needs a min above 0");
    expect(bad).toEqual([]);
    expect(await page2.locator('.msg[data-key="tiles-conc_chl"]').count()).toBe(0);
    expect(colourfulPixels(await shot(page2, "04d-log-from-zero", "#map")).count).toBeGreaterThan(20_000);
    // a min ≤ 0 typed while the scale is logarithmic is refused with a message, the tiles stay
    await page2.locator("#vmin").fill("-1");
    await page2.locator("#vmin").dispatchEvent("change");
    expect(await page2.locator('.msg[data-key="range"]').textContent()).toContain("you entered -1");
    expect(page2.url()).not.toContain("vmin=-1");
    expect(bad).toEqual([]);
    // a link with log=1 and vmin=0 is repaired the same way
    await page2.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}&cmap=viridis&vmin=0&vmax=10&log=1`));
    await waitForMap(page2);
    expect(await page2.locator("#vmin").inputValue()).toBe("0.01");
    expect(await page2.locator("#log").isChecked()).toBe(true);
    expect(bad).toEqual([]);
    await page2.close();
  });

  it("asks for tiles only when the map stops moving", async () => {
    let n = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
    await page.locator("#map").evaluate(() => {
      const v = (
        window as unknown as { eocubeViewer: { map: { getView(): { setZoom(z: number): void; getZoom(): number } } } }
      ).eocubeViewer.map.getView();
      v.setZoom(v.getZoom() + 2);
    });
    n = await waitForMap(page, n);
    const urls: string[] = [];
    const onReq = (r: { url(): string }) => {
      if (/\/tiles\/[^/]+\/[^/]+\/\d+\//.test(r.url())) urls.push(r.url());
    };
    page.on("request", onReq);
    const box = (await page.locator("#map").boundingBox())!;
    const cx = box.x + box.width / 2,
      cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(cx - i * 50, cy - i * 30);
      await page.waitForTimeout(40);
    }
    const during = urls.length;
    await page.mouse.up();
    await expect.poll(() => urls.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await waitForMap(page, n);
    page.off("request", onReq);
    expect(during).toBe(0);
    await shot(page, "04c-after-pan", "#map");
  });

  it("plays through time and pauses", async () => {
    await page.locator("#play-interval").fill("300");
    const label = await page.locator("#time-label").textContent();
    await page.locator("#time-play").click();
    await page.waitForFunction((l) => document.getElementById("time-label")!.textContent !== l, label, { timeout: 30_000 });
    await page.locator("#time-play").click();
    expect(await page.locator("#time-play").getAttribute("aria-pressed")).toBe("false");
    // the slider tells screen readers the time, not the step number
    const iso = (await page.locator("#time-label").textContent())!.split(" ")[0]!;
    expect(await page.locator("#time-slider").getAttribute("aria-valuetext")).toBe(iso);
    // a new interval applies while playing: from 60 s down to 200 ms, the time moves within a second
    await page.locator("#play-interval").fill("60000");
    await page.locator("#time-play").click();
    await page.locator("#play-interval").fill("200");
    await page.locator("#play-interval").dispatchEvent("change");
    const label2 = await page.locator("#time-label").textContent();
    await page.waitForFunction((l) => document.getElementById("time-label")!.textContent !== l, label2, { timeout: 2_000 });
    await page.locator("#time-play").click();
    await page.locator("#play-interval").fill("1000");
  });

  it("keeps the view state in the URL and restores it from a link", async () => {
    await page.locator("#time-first").click();
    await page.locator("#cmap").selectOption("plasma");
    await page.locator("#reversed").check();
    await page.locator("#vmin").fill("0.5");
    await page.locator("#vmin").dispatchEvent("change");
    await page.locator("#vmax").fill("8");
    await page.locator("#vmax").dispatchEvent("change");
    await page.locator("#projection").selectOption("EPSG:4326");
    await page.locator("#split").check();
    await page.locator("#variable2").selectOption("kd489");
    await waitForMap(page);
    await page.waitForFunction(() => location.hash.includes("var2=kd489") && location.hash.includes("proj=EPSG%3A4326"), null, {
      timeout: 10_000,
    });
    const link = page.url();
    const mapPng = await shot(page, "05-split-4326", "#map");
    expect(colourfulPixels(mapPng).count).toBeGreaterThan(5_000);

    const page2 = await browser.newPage({ width: 1280, height: 800 });
    await page2.goto(link);
    await waitForMap(page2);
    await shot(page2, "06-restored");
    expect(await page2.locator("#dataset").inputValue()).toBe("olci");
    expect(await page2.locator("#variable").inputValue()).toBe("conc_chl");
    expect(await page2.locator("#time-label").textContent()).toContain(T0);
    expect(await page2.locator("#cmap").inputValue()).toBe("plasma");
    expect(await page2.locator("#reversed").isChecked()).toBe(true);
    expect(await page2.locator("#vmin").inputValue()).toBe("0.5");
    expect(await page2.locator("#vmax").inputValue()).toBe("8");
    expect(await page2.locator("#projection").inputValue()).toBe("EPSG:4326");
    expect(await page2.locator("#split").isChecked()).toBe(true);
    expect(await page2.locator("#variable2").inputValue()).toBe("kd489");
    const h1 = new URLSearchParams(new URL(link).hash.slice(1));
    await page2.waitForFunction(() => location.hash.includes("lon="), null, { timeout: 10_000 });
    const h2 = new URLSearchParams(new URL(page2.url()).hash.slice(1));
    for (const k of ["ds", "var", "time", "proj", "cmap", "vmin", "vmax", "rev", "split", "var2"])
      expect([k, h2.get(k)]).toEqual([k, h1.get(k)]);
    expect(Number(h2.get("lon"))).toBeCloseTo(Number(h1.get("lon")), 2);
    expect(Number(h2.get("lat"))).toBeCloseTo(Number(h1.get("lat")), 2);
    expect(Number(h2.get("z"))).toBeCloseTo(Number(h1.get("z")), 1);
    expect(page2.errors).toEqual([]);
    await page2.close();
    expect(page.errors).toEqual([]);
  });
});

describe("viewer layout and keyboard", { timeout: 180_000 }, () => {
  it("works on a 390×844 phone viewport", async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    await shot(page, "07-phone", undefined);
    const { count } = colourfulPixels(await page.locator("#map").screenshot());
    expect(count).toBeGreaterThan(2_000);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    // the controls are below the map and reachable
    await page.locator("#time-next").scrollIntoViewIfNeeded();
    expect(await page.locator("#time-next").isVisible()).toBe(true);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("compares two times with a swipe bar (split view from a link)", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}&split=time&time2=${encodeURIComponent(T3)}&swipe=30`));
    await waitForMap(page);
    expect(await page.locator("#split").isChecked()).toBe(true);
    expect(await page.locator("#split-mode").inputValue()).toBe("time");
    expect(await page.locator("#time2").inputValue()).toBe(T3);
    const bar = await page.locator("#swipe-bar").evaluate((el) => [getComputedStyle(el).display, el.style.left]);
    expect(bar).toEqual(["block", "30%"]);
    const before = await shot(page, "07b-split-time", "#map");
    await page.locator("#swipe").fill("80");
    await page.waitForFunction(() => location.hash.includes("swipe=80"), null, { timeout: 10_000 });
    await page.waitForTimeout(300);
    const after = await page.locator("#map").screenshot();
    expect(differingPixels(before, after)).toBeGreaterThan(1_000);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("compares another variable in its own colours, with a legend of its own", async () => {
    const page = await browser.newPage();
    const tileUrls: string[] = [];
    page.on("request", (r) => {
      if (/\/tiles\/olci\/conc_tsm\/\d+\//.test(r.url())) tileUrls.push(r.url());
    });
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    await page.locator("#split").check();
    await waitForMap(page);
    // the first right variable offered is not a flag variable, and only its picker shows
    expect(await page.locator("#variable2").inputValue()).toBe("conc_tsm");
    expect(await page.locator("#variable2").isVisible()).toBe(true);
    expect(await page.locator("#time2").isVisible()).toBe(false);
    // its tiles use conc_tsm's range (from its statistics), not conc_chl's
    expect(tileUrls.length).toBeGreaterThan(0);
    const q = new URL(tileUrls.at(-1)!).searchParams;
    const left = [await page.locator("#vmin").inputValue(), await page.locator("#vmax").inputValue()];
    expect(q.get("vmax")).not.toBe(left[1]);
    expect(await page.locator("#legend2").isVisible()).toBe(true);
    expect(await page.locator("#legend2-max").textContent()).toBe(String(Number(Number(q.get("vmax")).toPrecision(4))));
    expect(await page.locator("#legend2-units").textContent()).toContain("conc_tsm");
    await page.waitForFunction(() => (document.getElementById("legend2-img") as HTMLImageElement).naturalWidth === 256, null, {
      timeout: 10_000,
    });
    // the right half is drawn in several colours, not one saturated colour
    const png = await shot(page, "07c-split-variable", "#map");
    const img = decodePng(png);
    const colours = new Set<string>();
    for (let y = 0; y < img.height; y += 4)
      for (let x = Math.ceil(img.width / 2) + 4; x < img.width; x += 4) {
        const i = (y * img.width + x) * img.channels;
        colours.add(`${img.pixels[i]! >> 5},${img.pixels[i + 1]! >> 5},${img.pixels[i + 2]! >> 5}`);
      }
    expect(colours.size).toBeGreaterThan(15);
    // the panel does not grow wider than itself with a long variable title
    const over = await page.locator("#panel").evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(over).toBeLessThanOrEqual(1);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("every control has a label and is reachable with the keyboard", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl(`ds=olci&var=conc_chl`));
    await waitForMap(page);
    const unlabelled = await page.$$eval("button, select, input", (els) =>
      els
        .filter((el) => !(el as HTMLElement).closest("[hidden]"))
        .filter((el) => {
          const aria = el.getAttribute("aria-label");
          const labelled = (el as HTMLInputElement).labels?.length;
          const text = el.tagName === "BUTTON" ? el.textContent?.trim() : "";
          return !aria && !labelled && !text;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    // Tab from the page start reaches the dataset picker, then the variable picker
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("dataset");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("variable");
    // the time buttons work from the keyboard
    await page.locator("#time-first").focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("time-label")!.textContent!.includes("(1/5)"), null, { timeout: 10_000 });
    await page.close();
  });
});

describe("viewer dataset picker", { timeout: 180_000 }, () => {
  it("groups the datasets of a data store under its identifier, with their titles", async () => {
    const stores = await startServer({
      ...defaultConfig(),
      DataStores: [
        {
          Identifier: "tiffs",
          StoreId: "file",
          StoreParams: { root: `${DATA}geotiff` },
          Datasets: [{ Path: "RGB.byte.tif", Title: "Landsat 7, Bahamas (UTM 18N)" }, { Path: "world.byte.tif" }],
        },
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${stores.url}viewer/#ds=${encodeURIComponent("tiffs~RGB.byte.tif")}`);
      await waitForMap(page);
      const picker = await page
        .locator("#dataset")
        .evaluate((sel: HTMLSelectElement) =>
          Array.from(sel.children).map((c) =>
            c instanceof HTMLOptGroupElement
              ? { group: c.label, options: Array.from(c.children).map((o) => (o as HTMLOptionElement).text) }
              : (c as HTMLOptionElement).text,
          ),
        );
      expect(picker.slice(0, 3)).toEqual(["OLCI L2 cube (North Sea)", "OSTIA SST 2017-06-05", "ERA-Interim climatology (no time axis)"]);
      const group = picker.find((x) => typeof x === "object") as { group: string; options: string[] };
      expect(group.group).toBe("tiffs");
      expect(group.options[0]).toBe("Landsat 7, Bahamas (UTM 18N)");
      expect(await page.locator("#dataset").inputValue()).toBe("tiffs~RGB.byte.tif");
      expect(colourfulPixels(await shot(page, "13-data-store-group", "#map")).count).toBeGreaterThan(20_000);
      expect(page.errors).toEqual([]);
      await page.close();
    } finally {
      await stores.close();
    }
  });
});

/** Pixels of the offline base map's land colour (#f4f1ea, Natural Earth land) in a PNG. */
function landPixels(png: Buffer): number {
  const img = decodePng(png);
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const o = i * img.channels;
    if (Math.abs(img.pixels[o]! - 0xf4) + Math.abs(img.pixels[o + 1]! - 0xf1) + Math.abs(img.pixels[o + 2]! - 0xea) < 8) n++;
  }
  return n;
}

/** Waits until a screenshot of the map (saved as `name` when given) has more than `min` land pixels; returns it. */
async function waitLand(page: Page, min: number, name?: string): Promise<Buffer> {
  let png: Buffer = Buffer.alloc(0);
  await expect
    .poll(
      async () => {
        png = name ? await shot(page, name, "#map") : await page.locator("#map").screenshot();
        return landPixels(png);
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBeGreaterThan(min);
  return png;
}

/** The number of features the Natural Earth layers of the map hold (1:110m and 1:50m land). */
const baseMapFeatures = (page: Page) =>
  page.evaluate(() =>
    (
      window as unknown as {
        eocubeViewer: {
          map: { getLayers(): { getArray(): { getClassName(): string; getSource(): { getFeatures?(): unknown[] } | null }[] } };
        };
      }
    ).eocubeViewer.map
      .getLayers()
      .getArray()
      .filter((l) => l.getClassName() === "basemap-ne")
      .map((l) => l.getSource()?.getFeatures?.().length ?? 0),
  );

describe("viewer base map", { timeout: 180_000 }, () => {
  it("draws the Natural Earth coastlines bundled with the viewer by default, with no request leaving the server", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const assets: { url: string; status: number }[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) outside.push(r.url());
    });
    page.on("response", (r) => {
      if (/\/viewer\/assets\/land-\d+m-[^/]*\.json$/.test(r.url())) assets.push({ url: r.url(), status: r.status() });
    });
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    await page.waitForFunction(() => document.getElementById("map")!.dataset.basemap === "ne", null, { timeout: 10_000 });
    expect(await page.locator("#basemap").inputValue()).toBe("ne");
    // the 1:50m land at the cube's zoom, from the viewer's own assets
    await expect.poll(() => baseMapFeatures(page), { timeout: 30_000 }).toEqual([expect.any(Number), expect.any(Number)]);
    await expect.poll(async () => (await baseMapFeatures(page))[1], { timeout: 30_000 }).toBeGreaterThan(0);
    await waitForMap(page);
    expect(assets.some((a) => a.url.includes("land-50m") && a.status === 200)).toBe(true);
    // England, Belgium and the Netherlands around the cube are land; the cube is still drawn over the sea
    const png = await waitLand(page, 20_000, "14-basemap-natural-earth");
    expect(colourfulPixels(png).count).toBeGreaterThan(20_000);
    expect(outside).toEqual([]);
    expect(page.url()).not.toContain("base=");
    // the whole world at zoom 1 takes the 1:110m land
    await page.evaluate(() =>
      (window as unknown as { eocubeViewer: { map: { getView(): { setZoom(z: number): void } } } }).eocubeViewer.map.getView().setZoom(1.5),
    );
    await expect.poll(async () => (await baseMapFeatures(page))[0], { timeout: 30_000 }).toBeGreaterThan(0);
    await waitForMap(page);
    await waitLand(page, 20_000, "14b-basemap-world");
    // and in EPSG:4326
    await page.locator("#projection").selectOption("EPSG:4326");
    await waitForMap(page);
    await expect.poll(async () => (await baseMapFeatures(page))[0], { timeout: 30_000 }).toBeGreaterThan(0);
    await waitForMap(page);
    await waitLand(page, 20_000, "14c-basemap-4326");
    expect(outside).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("OpenStreetMap without a network: a note and back to the offline coastlines; 'none' leaves the graticule", async () => {
    const page = await browser.newPage();
    // no internet here: every request outside the server is refused, as a browser offline would see it
    await page.route(
      (u) => !u.href.startsWith(server.url),
      (r) => r.abort("internetdisconnected"),
    );
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    await page.locator("#basemap").selectOption("osm");
    await page.locator('.msg[data-key="basemap"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain("OpenStreetMap tiles could not be loaded");
    expect(await page.locator("#basemap").inputValue()).toBe("ne");
    await waitForMap(page);
    await waitLand(page, 20_000, "15-basemap-osm-offline");
    expect(page.errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
    // no base map: only the graticule under the data, kept in the link
    await page.locator("#basemap").selectOption("none");
    await page.waitForFunction(() => location.hash.includes("base=none"), null, { timeout: 10_000 });
    await waitForMap(page);
    // (a few pixels of the scale line and labels come close to the land colour)
    await expect.poll(async () => landPixels(await page.locator("#map").screenshot()), { timeout: 10_000 }).toBeLessThan(500);
    const page2 = await browser.newPage();
    await page2.goto(page.url());
    await waitForMap(page2);
    expect(await page2.locator("#basemap").inputValue()).toBe("none");
    await expect.poll(async () => landPixels(await page2.locator("#map").screenshot()), { timeout: 10_000 }).toBeLessThan(500);
    await page2.close();
    await page.close();
  });
});

describe("viewer place groups", { timeout: 180_000 }, () => {
  let placesServer: Server;
  const PLACES = join(ROOT, "test", "e2e", "fixtures", "xcube-viewer", "places");
  const WESTHINDER = { lon: 2.4367, lat: 51.3833 };

  beforeAll(async () => {
    placesServer = await startServer({
      ...defaultConfig(),
      PlaceGroups: [
        { Identifier: "stations", Title: "North Sea stations", Path: join(PLACES, "stations.geojson") },
        { Identifier: "areas", Title: "North Sea areas", Path: join(PLACES, "areas.geojson") },
      ],
    } as ServerConfig);
  });
  afterAll(async () => {
    await placesServer?.close();
  });

  const url = (hash: string) => `${placesServer.url}viewer/#${hash}`;

  it("lists the server's groups, draws the chosen group's places and gives a place's series on a click", async () => {
    const page = await browser.newPage();
    const series: { url: string; body: string }[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/timeseries/")) series.push({ url: r.url(), body: r.postData() ?? "" });
    });
    await page.goto(url(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    await page.waitForFunction(() => !document.getElementById("places-controls")!.hidden, null, { timeout: 30_000 });
    expect(await page.locator("#place-group option").allTextContents()).toEqual(["None", "North Sea stations", "North Sea areas"]);
    const before = await page.locator("#map").screenshot();
    await page.locator("#place-group").selectOption("stations");
    await page.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "3", null, { timeout: 30_000 });
    expect(await page.locator("#place-list button").allTextContents()).toEqual(["Westhinder", "Noordhinder", "Dover Strait"]);
    await page.waitForFunction(() => location.hash.includes("places=stations"), null, { timeout: 10_000 });
    await waitForMap(page);
    const drawn = await shot(page, "16-place-group", "#map");
    expect(differingPixels(before, drawn)).toBeGreaterThan(100);
    // the marker of Westhinder is drawn where the place is (its purple ring)
    const p = await pagePixel(page, WESTHINDER.lon, WESTHINDER.lat);
    const box = (await page.locator("#map").boundingBox())!;
    const img = decodePng(drawn);
    let purple = 0;
    for (let y = Math.round(p.y - box.y) - 8; y <= Math.round(p.y - box.y) + 8; y++)
      for (let x = Math.round(p.x - box.x) - 8; x <= Math.round(p.x - box.x) + 8; x++) {
        const o = (y * img.width + x) * img.channels;
        if (img.pixels[o]! > 80 && img.pixels[o]! < 150 && img.pixels[o + 1]! < 100 && img.pixels[o + 2]! > 150) purple++;
      }
    expect(purple).toBeGreaterThan(10);
    // a click on the place: its series, at the place's own coordinates (not the clicked pixel's)
    await page.mouse.click(p.x + 2, p.y + 2);
    await waitSeries(page, 1);
    expect(await page.locator(".chart-legend").textContent()).toContain("conc_chl @ Westhinder");
    const geometry = JSON.parse(series[0]!.body) as { type: string; coordinates: number[] };
    expect(geometry.type).toBe("Point");
    expect(geometry.coordinates[0]).toBeCloseTo(WESTHINDER.lon, 6);
    expect(geometry.coordinates[1]).toBeCloseTo(WESTHINDER.lat, 6);
    const expected = await serverSeries(geometry, "olci", "conc_chl", "mean");
    expect((await seriesRows(page, 1)).map((r) => r.mean)).toEqual(expected.map((e) => e.mean));
    // an area of another group, from the list: a polygon series (mean ± std) of its polygon
    await page.locator("#place-group").selectOption("areas");
    await page.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "1", null, { timeout: 30_000 });
    await page.locator("#place-list button", { hasText: "Thornton Bank" }).click();
    await waitSeries(page, 2);
    const poly = series.find((r) => JSON.parse(r.body).type === "Polygon")!;
    expect(new URL(poly.url).searchParams.get("aggMethods")).toBe("mean,std");
    expect(JSON.parse(poly.body).coordinates[0]).toHaveLength(5);
    const expected2 = await serverSeries(JSON.parse(poly.body), "olci", "conc_chl", "mean,std");
    expect((await seriesRows(page, 2)).map((r) => r.mean)).toEqual(expected2.map((e) => e.mean));
    expect(await page.locator(".chart-legend").textContent()).toContain("conc_chl @ Thornton Bank");
    await shot(page, "16b-place-series");
    // in EPSG:4326 the places stay where they are: a click on Westhinder still gives its series
    await page.locator("#place-group").selectOption("stations");
    await page.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "3", null, { timeout: 30_000 });
    await page.locator("#projection").selectOption("EPSG:4326");
    await waitForMap(page);
    const q = await pagePixel(page, WESTHINDER.lon, WESTHINDER.lat);
    const n = series.length;
    await page.mouse.click(q.x + 2, q.y - 2);
    await waitSeries(page, 3);
    const again = JSON.parse(series[n]!.body) as { coordinates: number[] };
    expect(again.coordinates[0]).toBeCloseTo(WESTHINDER.lon, 6);
    expect(again.coordinates[1]).toBeCloseTo(WESTHINDER.lat, 6);
    await page.locator("#place-group").selectOption("areas");
    await page.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "1", null, { timeout: 30_000 });
    // a link keeps the group
    const page2 = await browser.newPage();
    await page2.goto(page.url());
    await page2.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "1", null, { timeout: 30_000 });
    expect(await page2.locator("#place-group").inputValue()).toBe("areas");
    expect(page2.errors).toEqual([]);
    await page2.close();
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("a group the server does not have, named in a link: a note; a server without groups: no place control", async () => {
    const page = await browser.newPage();
    await page.goto(url("ds=olci&places=nope"));
    await page.locator('.msg[data-key="places"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain('The place group "nope" named in the link is not served here');
    expect(await page.locator("#place-group").inputValue()).toBe("");
    await waitForMap(page);
    await page.goto(viewerUrl("ds=olci"));
    await waitForMap(page);
    expect(await page.locator("#places-controls").isHidden()).toBe(true);
    expect(page.errors).toEqual([]);
    await page.close();
  });
});

describe("viewer on bad input", { timeout: 180_000 }, () => {
  it("an unknown dataset in the URL gives a message and the first dataset", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl("ds=nope&var=x"));
    await page.locator(".msg.error").first().waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain('The dataset "nope" named in the link is not served here');
    await waitForMap(page);
    expect(await page.locator("#dataset").inputValue()).toBe("olci");
    await shot(page, "08-unknown-dataset");
    await page.close();
  });

  it("an unknown variable in the URL gives a message and the dataset's first map variable", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl("ds=olci&var=nope"));
    await page.locator('.msg[data-key="variable"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain('The variable "nope" is not in dataset "olci"');
    await waitForMap(page);
    expect(await page.locator("#variable").inputValue()).toBe("conc_chl");
    await page.close();
  });

  it("a dataset without time: no time controls, a message instead of a series", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl("ds=era&var=z"));
    await waitForMap(page);
    expect(await page.locator("#no-time").isVisible()).toBe(true);
    expect(await page.locator("#time-next").isDisabled()).toBe(true);
    // the level picker of the other dimension is there
    expect(await page.locator("#extra-dims select").count()).toBe(2);
    const { count } = colourfulPixels(await page.locator("#map").screenshot());
    expect(count).toBeGreaterThan(20_000);
    const box = (await page.locator("#map").boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator(".msg.info").first().waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain("has no time axis");
    await shot(page, "09-no-time");
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("a time series follows the level shown on the map (the other dimensions go with the /timeseries request)", async () => {
    const page = await browser.newPage();
    const series: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/timeseries/gfs/")) series.push(r.url());
    });
    await page.goto(viewerUrl("ds=gfs&var=Temperature_isobaric"));
    await waitForMap(page);
    const level = await page.locator("#extra-dims select").first().inputValue();
    const box = (await page.locator("#map").boundingBox())!;
    const first = page.waitForRequest((r) => r.url().includes("/timeseries/gfs/"), { timeout: 30_000 });
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await first;
    await page.waitForFunction(() => document.getElementById("chart")!.dataset.loading === "0", null, { timeout: 30_000 });
    await shot(page, "09c-gfs-level-series");
    expect(series.length).toBeGreaterThan(0);
    for (const u of series) expect(new URL(u).searchParams.get("isobaric6")).toBe(level);
    expect(await page.locator("#messages .msg.error").count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("keeps the other dimensions' labels (level, month) in the URL", async () => {
    const page = await browser.newPage();
    const tileUrls: string[] = [];
    page.on("request", (r) => {
      if (/\/tiles\/era\/u\/\d+\//.test(r.url())) tileUrls.push(r.url());
    });
    await page.goto(viewerUrl("ds=era&var=u&dim.level=850&dim.month=7"));
    await waitForMap(page);
    expect(await page.locator("#extra-dims select").evaluateAll((s) => s.map((x) => (x as HTMLSelectElement).value))).toEqual(["7", "850"]);
    const q = new URL(tileUrls.at(-1)!).searchParams;
    expect([q.get("level"), q.get("month")]).toEqual(["850", "7"]);
    await page.waitForFunction(() => location.hash.includes("dim.level=850") && location.hash.includes("dim.month=7"), null, {
      timeout: 10_000,
    });
    const before = await shot(page, "09b-level-850", "#map");
    // another level changes the map and the link
    const n = await page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
    await page.locator("#extra-dims select").nth(1).selectOption("200");
    await waitForMap(page, n);
    await page.waitForFunction(() => location.hash.includes("dim.level=200"), null, { timeout: 10_000 });
    expect(differingPixels(before, await page.locator("#map").screenshot())).toBeGreaterThan(5_000);
    // a label the dataset does not have: a note and the first label
    await page.goto(viewerUrl("ds=era&var=u&dim.level=925"));
    await page.locator('.msg[data-key="dim-level"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain(
      'The level "925" in the link is not one of the dataset\'s (200, 500, 850)',
    );
    await waitForMap(page);
    expect(await page.locator("#extra-dims select").nth(1).inputValue()).toBe("200");
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("a dataset without a regular grid (swath, stations): a note and its outline, no tiles, no page error", async () => {
    const page = await browser.newPage();
    const tileUrls: string[] = [];
    page.on("request", (r) => {
      if (/\/tiles\/(swath|stations)\//.test(r.url()) && !r.url().includes("/legend")) tileUrls.push(r.url());
    });
    for (const id of ["swath", "stations"]) {
      await page.goto(viewerUrl(`ds=${id}`));
      await page.locator('.msg[data-key="no-grid"]').waitFor({ timeout: 30_000 });
      expect(await page.locator("#messages").textContent()).toContain("has no regular grid");
      await waitForMap(page);
      expect(await page.locator(".msg.error").count()).toBe(0);
      const outline = await page.evaluate(() =>
        (
          window as unknown as {
            eocubeViewer: { map: { getLayers(): { getArray(): { getSource?(): { getFeatures?(): unknown[] } | null }[] } } };
          }
        ).eocubeViewer.map
          .getLayers()
          .getArray()
          .map((l) => l.getSource?.()?.getFeatures?.()?.length ?? 0)
          .at(-2),
      );
      expect(outline).toBe(1);
      expect(await page.locator("#legend").isVisible()).toBe(false);
    }
    await shot(page, "09c-no-grid");
    // a click asks for no series, and the viewer goes on to a gridded dataset
    const box = (await page.locator("#map").boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.msg[data-key="series"]').waitFor({ timeout: 10_000 });
    await page.locator("#dataset").selectOption("olci");
    await page.waitForFunction(() => document.getElementById("map")!.dataset.layerKey?.includes("|olci|"), null, { timeout: 30_000 });
    await waitForMap(page);
    expect(await page.locator('.msg[data-key="no-grid"]').count()).toBe(0);
    expect(await page.locator("#legend").isVisible()).toBe(true);
    expect(colourfulPixels(await page.locator("#map").screenshot()).count).toBeGreaterThan(2_000);
    expect(tileUrls).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("a variable whose tiles fail gives a message and the viewer stays usable", async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl("ds=broken&var=conc_tsm"));
    await page.locator('.msg[data-key="tiles-conc_tsm"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("#messages").textContent()).toContain("Tiles of conc_tsm could not be drawn");
    await shot(page, "10-tiles-fail");
    await page.locator("#variable").selectOption("conc_chl");
    await waitForMap(page);
    expect(colourfulPixels(await page.locator("#map").screenshot()).count).toBeGreaterThan(500);
    await page.close();
  });

  it("a time series whose loading fails: a message, no endless 'loading…', no page error", async () => {
    const page = await browser.newPage();
    // the first chunk of the series is slow, then the server fails (as /timeseries of a variable it cannot read)
    let calls = 0;
    await page.route("**/timeseries/**", async (route) => {
      calls++;
      await new Promise((r) => setTimeout(r, 700));
      await route.fulfill({
        status: 400,
        contentType: "application/json",
        body: JSON.stringify({ code: "OUT_OF_RANGE", message: "index 2 out of range 0…0 for dimension 1" }),
      });
    });
    await page.goto(viewerUrl(`ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`));
    await waitForMap(page);
    const p = await pagePixel(page, PLACE.lon, PLACE.lat);
    await page.mouse.click(p.x, p.y);
    // while the first chunk loads the chart says so (no uPlot without data)
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#chart .chart-plot")?.dataset.empty === "true", null, {
      timeout: 10_000,
    });
    expect(await page.locator("#chart .chart-plot").textContent()).toContain("Loading the time series");
    await page.locator('.msg[data-key="series"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("#messages").textContent()).toContain("could not be loaded: index 2 out of range");
    // a series without any value goes, with its place on the map
    await page.waitForFunction(() => document.getElementById("chart")!.hidden, null, { timeout: 10_000 });
    expect(await page.locator(".chart-legend li").count()).toBe(0);
    expect(await page.evaluate(() => document.getElementById("chart")!.dataset.loading)).toBe("0");
    expect(calls).toBe(1);
    await shot(page, "10b-series-failed");
    // the viewer stays usable: with the route answering again, a series loads
    await page.unroute("**/timeseries/**");
    await page.mouse.click(p.x, p.y);
    await waitSeries(page, 1);
    expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
    expect(page.errors.filter((e) => !e.includes("400 (Bad Request)"))).toEqual([]);
    await page.close();
  });

  it("the server down: a readable message with a retry button", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as { port: number }).port;
    await new Promise((r) => dead.close(r));
    const page = await browser.newPage();
    await page.goto(viewerUrl("", `server=${encodeURIComponent(`http://127.0.0.1:${port}/`)}`));
    await page.locator('.msg[data-key="server"]').waitFor({ timeout: 30_000 });
    const text = await page.locator("#messages").textContent();
    expect(text).toContain("Cannot reach the eocube server");
    expect(await page.locator('.msg[data-key="server"] button', { hasText: "Retry" }).count()).toBe(1);
    expect(await page.locator("#time-slider").isVisible()).toBe(true);
    await shot(page, "11-server-down");
    await page.close();
  });

  it("a slow server: a time-out message", async () => {
    const held: import("node:http").ServerResponse[] = [];
    const slow: HttpServer = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    const port = (slow.address() as { port: number }).port;
    try {
      const page = await browser.newPage();
      await page.goto(viewerUrl("", `server=${encodeURIComponent(`http://127.0.0.1:${port}/`)}&timeout=1500`));
      await page.locator('.msg[data-key="server"]').waitFor({ timeout: 30_000 });
      expect(await page.locator("#messages").textContent()).toContain("did not answer within 1.5 s");
      await shot(page, "12-server-slow");
      await page.close();
    } finally {
      for (const r of held) r.destroy();
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
