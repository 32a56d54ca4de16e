// eocube's own viewer: the user-variable editor (viewer/src/controls/uservars.ts) in real Chromium against the
// real server on the OLCI cube: a bad expression refused next to the field, the NDVI preset filled with the
// cube's bands, a custom chl_ratio = conc_chl / (conc_tsm + 1) added: its tiles and a point's time series, and the
// user variable kept in the URL state across a reload (issue 15).
import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../server/helpers.js";
import { defaultConfig, ensureViewerBuilt, launchBrowser, shot, startServer, waitForMap, type Browser, type Server } from "./harness.js";

const T0 = "2017-01-16T10:09:21.834Z";
const CHL_RATIO = "chl_ratio=conc_chl / (conc_tsm + 1)";

let server: Server;
let browser: Browser;
let page: Page & { errors: string[] };
const responses: Response[] = [];

beforeAll(async () => {
  await ensureViewerBuilt();
  server = await startServer(defaultConfig());
  browser = await launchBrowser();
  page = await browser.newPage({ width: 1280, height: 800 });
  page.on("response", (r) => {
    if (r.url().startsWith(server.url)) responses.push(r);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Responses so far whose decoded URL contains `part`. */
const answered = (part: string) => responses.filter((r) => decodeURIComponent(r.url()).includes(part));

/** Opaque pixels of a PNG. */
function opaquePixels(png: Buffer): number {
  let img: ReturnType<typeof decodePng>;
  try {
    img = decodePng(png);
  } catch {
    return 0; // not a PNG this helper reads (e.g. an interlaced one): counted as nothing
  }
  if (img.channels !== 4 && img.channels !== 2) return img.width * img.height;
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) if (img.pixels[i * img.channels + img.channels - 1]! > 0) n++;
  return n;
}

describe("eocube viewer: user variables", { timeout: 120_000 }, () => {
  it("refuses a bad expression next to the field and fills the NDVI preset with the cube's bands", async () => {
    await page.goto(`${server.url}viewer/#ds=olci&var=conc_chl&time=${encodeURIComponent(T0)}`);
    await waitForMap(page);
    await page.locator("#uv-name").fill("bad");
    await page.locator("#uv-expr").fill("conc_chl / nope");
    await expect.poll(() => page.locator("#uv-status").textContent(), { timeout: 15_000 }).toMatch(/nope/);
    expect(await page.locator("#uv-add").isDisabled()).toBe(true);
    await shot(page, "uv-01-invalid", "#uservars");
    // the browser logs the refusal (400) of /expressions/validate: that one only
    expect(
      page.errors.every((e) => /status of 400/.test(e)),
      page.errors.join("\n"),
    ).toBe(true);
    page.errors.length = 0;
    await page.locator("#uv-preset").selectOption("ndvi");
    const ndvi = await page.locator("#uv-expr").inputValue();
    expect(ndvi).toMatch(/^\(\w+ - \w+\) \/ \(\w+ \+ \w+\)$/);
    await expect.poll(() => page.locator("#uv-status").textContent(), { timeout: 15_000 }).toMatch(/valid/);
    expect(await page.locator("#uv-add").isDisabled()).toBe(false);
  });

  it("adds chl_ratio: drawn on the map and its time series at a clicked point", async () => {
    await page.locator("#uv-preset").selectOption("");
    await page.locator("#uv-name").fill("chl_ratio");
    await page.locator("#uv-expr").fill("conc_chl / (conc_tsm + 1)");
    await expect.poll(() => page.locator("#uv-status").textContent(), { timeout: 15_000 }).toMatch(/valid/);
    await page.locator("#uv-add").click();
    expect(await page.locator("#variable").inputValue()).toBe(CHL_RATIO);
    const tiles = async () => {
      let n = 0;
      for (const r of answered(`/tiles/olci/${CHL_RATIO}/`).filter((r) => r.status() === 200))
        n += opaquePixels(Buffer.from(await r.body()));
      return n;
    };
    await expect.poll(tiles, { timeout: 30_000, interval: 500 }).toBeGreaterThan(1000);
    expect(await page.locator("#uv-list").textContent()).toContain("chl_ratio = conc_chl / (conc_tsm + 1)");
    const box = (await page.locator("#map").boundingBox())!;
    const series = page.waitForResponse((r) => decodeURIComponent(r.url()).includes(`/timeseries/olci/${CHL_RATIO}`), { timeout: 30_000 });
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const ts = await series;
    expect(ts.status(), await ts.text()).toBe(200);
    await shot(page, "uv-02-chl-ratio");
    expect(page.errors).toEqual([]);
  });

  it("keeps the user variable in the URL state: a reload shows it again", async () => {
    const url = page.url();
    expect(new URL(url).hash).toContain("uv.olci=");
    const before = answered(`/tiles/olci/${CHL_RATIO}/`).length;
    await page.reload();
    await waitForMap(page);
    expect(await page.locator("#variable").inputValue()).toBe(CHL_RATIO);
    expect(await page.locator("#uv-list").textContent()).toContain("chl_ratio = conc_chl / (conc_tsm + 1)");
    await expect.poll(() => answered(`/tiles/olci/${CHL_RATIO}/`).length, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(page.errors).toEqual([]);
  });
});
