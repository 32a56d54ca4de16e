// xcube's own web viewer (the real xcube-viewer build in ../shared/clients) against `eocube serve -c` with an
// xcube-style config (test/e2e/fixtures/xcube-viewer/server.yaml): what a user does with it, step by step, in
// headless Chromium with the internet blocked: the dataset list with its groups, non-blank tiles, one legend, the
// RGB layer, time steps, a point time series, a polygon's statistics, the server's place groups, Share → permalink,
// a user variable made in its dialog (validated by /expressions/validate), drawn and its time series (issue 15).
// Every step leaves a screenshot in test-artifacts/e2e/xcube-*.png (issue 11).
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsoleMessage, Page, Request, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as cli } from "../../src/cli/index.js";
import { decodePng } from "../server/helpers.js";
import {
  DATA,
  ensureViewerBuilt,
  launchBrowser,
  ROOT,
  serveStatic,
  shot,
  startServeProcess,
  waitForMap,
  type Browser,
  type ServeProcess,
  type StaticServer,
} from "./harness.js";

/** The built xcube-viewer (never copied into the repository). */
const XCUBE_VIEWER = join(ROOT, "..", "shared", "clients", "xcube-viewer", "dist");
const FIXTURE = join(ROOT, "test", "e2e", "fixtures", "xcube-viewer");
/** The OLCI cube's time steps. */
const TIMES = [
  "2017-01-16T10:09:21.834Z",
  "2017-01-25T09:35:51.060Z",
  "2017-01-26T10:50:16.686Z",
  "2017-01-28T09:58:11.350Z",
  "2017-01-30T10:46:33.837Z",
];

const haveViewer = existsSync(join(XCUBE_VIEWER, "index.html"));

let work: string;
let server: ServeProcess;
let statics: StaticServer;
let browser: Browser;
/** The eocube server's base URL as xcube-viewer takes it (no trailing slash). */
let apiUrl: string;

beforeAll(async () => {
  if (!haveViewer) return;
  // the deployment folder: the config and places as written, the shared data beside them, the pyramid made now
  work = mkdtempSync(join(tmpdir(), "eocube-xcube-viewer-"));
  cpSync(FIXTURE, work, { recursive: true });
  symlinkSync(DATA, join(work, "data"));
  const levels = await quietly(() =>
    cli([
      "node",
      "eocube",
      "level",
      join(work, "data", "zarr", "cube-1-250-250.zarr"),
      "-o",
      join(work, "cube-1-250-250.levels"),
      "--link",
    ]),
  );
  expect(levels).toBe(0);
  server = await startServeProcess(["-c", "server.yaml"], { cwd: work });
  apiUrl = server.url.replace(/\/$/, "");
  // the viewer's own web server; its config.json names the eocube server, as a deployment's does, so that a
  // permalink (which carries no serverUrl) opens against the same server
  // (the branding resources it names are the build's own: /config/images/… is /images/…)
  const config = { name: "eocube", server: { id: "eocube", name: "eocube server", url: apiUrl }, branding: {} };
  statics = await serveStatic(
    XCUBE_VIEWER,
    {
      "/config/config.json": { type: "application/json", body: JSON.stringify(config) },
    },
    { "/config/": "/" },
  );
  browser = await launchBrowser();
  // no internet: OpenStreetMap base-map tiles and anything else outside 127.0.0.1 are refused
  await browser.context.route(
    (u) => !isLocal(u.href),
    (route) => route.abort("internetdisconnected"),
  );
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: statics.url.replace(/\/$/, "") });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await statics?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function isLocal(href: string): boolean {
  return /^(https?:\/\/127\.0\.0\.1[:/]|data:|blob:|about:)/.test(href);
}

/** Runs `fn` with stdout/stderr swallowed (the CLI prints progress). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** A page with what the user would see go wrong: console errors and page errors, and the API traffic. */
interface ViewerPage {
  page: Page;
  /** Console errors and page errors, except those of blocked internet resources. */
  errors: string[];
  /** Console errors of blocked internet resources (base maps). */
  blocked: string[];
  requests: Request[];
  responses: Response[];
}

async function openViewer(query: string): Promise<ViewerPage> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const vp: ViewerPage = { page, errors: [], blocked: [], requests: [], responses: [] };
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() !== "error") return;
    const at = m.location().url;
    if (at && !isLocal(at) && /ERR_INTERNET_DISCONNECTED/.test(m.text())) vp.blocked.push(at);
    else vp.errors.push(`${m.text()} @ ${at}`);
  });
  page.on("pageerror", (e) => vp.errors.push(String(e)));
  page.on("request", (r) => {
    if (r.url().startsWith(apiUrl)) vp.requests.push(r);
  });
  page.on("response", (r) => {
    if (r.url().startsWith(apiUrl)) vp.responses.push(r);
  });
  await page.goto(`${statics.url}index.html?${query}`);
  return vp;
}

/** Clicks "Accept and continue" of the privacy notice when it is shown. */
async function acceptNotice(page: Page): Promise<void> {
  const accept = page.getByRole("button", { name: /accept and continue/i });
  await accept.waitFor({ timeout: 30_000 });
  await accept.click();
}

/** Opaque pixels of a PNG. */
function opaquePixels(png: Buffer): number {
  const img = decodePng(png);
  if (img.channels !== 4 && img.channels !== 2) return img.width * img.height;
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) if (img.pixels[i * img.channels + img.channels - 1]! > 0) n++;
  return n;
}

/** The route and query of a request to the eocube server (served at the root). */
const route = (r: Request | Response) => {
  const u = new URL(r.url());
  return u.pathname + u.search;
};

/** The PNG answers of tile requests of `dataset/variable` (all, or those after index `from`). */
async function tilePngs(v: ViewerPage, dataset: string, variable: string, from = 0): Promise<{ url: URL; png: Buffer }[]> {
  const out: { url: URL; png: Buffer }[] = [];
  for (const r of v.responses.slice(from)) {
    const u = new URL(r.url());
    if (!u.pathname.includes(`/tiles/${dataset}/${variable}/`) || r.status() !== 200) continue;
    out.push({ url: u, png: Buffer.from(await r.body()) });
  }
  return out;
}

/** Waits until the tiles of `dataset/variable` received so far (those whose URL passes `test`) hold more than `min` opaque pixels. */
async function expectOpaque(v: ViewerPage, dataset: string, variable: string, min: number, test: (u: URL) => boolean = () => true) {
  const count = async () => (await tilePngs(v, dataset, variable)).filter((t) => test(t.url)).reduce((n, t) => n + opaquePixels(t.png), 0);
  await expect.poll(count, { timeout: 30_000, interval: 500 }).toBeGreaterThan(min);
}

/**
 * Waits until the page has received a tile of `dataset/variable` whose URL passes `test` (at any time so far: the
 * viewer may have asked for it ahead, e.g. the next time step's) and returns the first such response.
 */
async function waitTile(v: ViewerPage, dataset: string, variable: string, test: (u: URL) => boolean = () => true): Promise<Response> {
  const find = () =>
    v.responses.find((r) => {
      const u = new URL(r.url());
      return u.pathname.includes(`/tiles/${dataset}/${variable}/`) && test(u);
    });
  await expect.poll(() => find() !== undefined, { timeout: 60_000, interval: 200 }).toBe(true);
  return find()!;
}

/** A MUI select's shown value (by its name: dataset, variable, place-groups, place). */
const selectText = async (page: Page, name: string) => ((await page.locator(`#mui-component-select-${name}`).textContent()) ?? "").trim();

/** The options of a MUI select, opened and closed again: items and (for grouped lists) divider titles, in order. */
async function selectOptions(page: Page, name: string): Promise<string[]> {
  await page.locator(`#mui-component-select-${name}`).click();
  const list = page.locator("[role=listbox]");
  await list.waitFor({ timeout: 10_000 });
  const items = await list.evaluate((ul) =>
    [...ul.children].map((c) => (c.classList.contains("MuiDivider-root") ? `— ${c.textContent!.trim()} —` : c.textContent!.trim())),
  );
  for (let k = 0; k < 3 && (await list.count()) > 0; k++) {
    await list.press("Escape").catch(() => undefined);
    await list.waitFor({ state: "detached", timeout: 3_000 }).catch(() => undefined);
  }
  await list.waitFor({ state: "detached", timeout: 10_000 });
  return items;
}

/** Picks the option `text` of a MUI select. */
async function pickOption(page: Page, name: string, text: string): Promise<void> {
  await page.locator(`#mui-component-select-${name}`).click();
  const list = page.locator("[role=listbox]");
  const option = list.locator("[role=option]", { hasText: text }).first();
  const multiple = (await list.getAttribute("aria-multiselectable")) === "true";
  await option.click();
  // a multiple select stays open: once the option shows as chosen, Escape (or, failing that, a click beside the
  // menu) closes it, as a user would
  if (multiple) {
    await expect.poll(() => option.getAttribute("aria-selected"), { timeout: 10_000 }).toBe("true");
    for (let k = 0; k < 3 && (await list.count()) > 0; k++) {
      if (k < 2) await list.press("Escape").catch(() => undefined);
      else
        await page
          .locator(".MuiBackdrop-root")
          .last()
          .click({ force: true })
          .catch(() => undefined);
      await list.waitFor({ state: "detached", timeout: 3_000 }).catch(() => undefined);
    }
  }
  await list.waitFor({ state: "detached", timeout: 10_000 });
}

/** The tool button (MUI icon button) holding icon `testId` (e.g. "ShareIcon"); `nth` among several. */
const iconButton = (page: Page, testId: string, nth = 0) => page.locator(`button:has([data-testid="${testId}"])`).nth(nth);

/** The middle row of the colour-bar legend's canvas (RGBA bytes) and its width. */
async function legendRow(page: Page): Promise<{ width: number; rgba: number[] }> {
  return page.evaluate(() => {
    // the legend: the canvas drawn from the colour bar, the widest canvas outside the map
    const canvases = [...document.querySelectorAll("canvas")].filter((c) => !c.closest(".ol-viewport") && c.width >= 100);
    const c = canvases.sort((a, b) => b.width - a.width)[0]!;
    const data = c.getContext("2d")!.getImageData(0, Math.floor(c.height / 2), c.width, 1).data;
    return { width: c.width, rgba: [...data] };
  });
}

describe.skipIf(!haveViewer)("the real xcube-viewer on eocube serve", { timeout: 300_000 }, () => {
  let v: ViewerPage;
  let colorBars: [string, string, [string, string][]][];

  it("starts: notice accepted; server info, colour bars, datasets and viewer settings answered without error", async () => {
    colorBars = (await (await fetch(`${apiUrl}/colorbars`)).json()) as typeof colorBars;
    v = await openViewer(`serverUrl=${encodeURIComponent(apiUrl)}`);
    await acceptNotice(v.page);
    const datasets = () => v.responses.find((r) => r.url().startsWith(`${apiUrl}/datasets?`));
    await expect.poll(() => datasets()?.status(), { timeout: 60_000 }).toBe(200);
    await expect.poll(() => v.requests.some((r) => r.url().includes("/tiles/olci_levels/conc_chl/")), { timeout: 60_000 }).toBe(true);
    await v.page.waitForTimeout(1000);
    await shot(v.page, "xcube-01-start");
    const asked = new Set(v.responses.map((r) => `${r.request().method()} ${route(r)}`));
    for (const r of ["GET /", "GET /colorbars", "GET /datasets", "GET /expressions/capabilities", "GET /viewer/ext/contributions"])
      expect(
        [...asked].some((a) => a === r || a.startsWith(`${r}?`) || a.startsWith(`${r}/`)),
        r,
      ).toBe(true);
    const failed = v.responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.request().method()} ${route(r)}`);
    expect(failed).toEqual([]);
  });

  it("lists the datasets in their groups (DatasetGroups, SortValue), the entry dataset and its first variable chosen", async () => {
    expect(await selectOptions(v.page, "dataset")).toEqual([
      "— Ocean colour —",
      "OLCI L2C cube, multi-level",
      "OLCI L2C cube, Zarr",
      "— Sea surface temperature —",
      "OSTIA SST anomaly 2017-06-05",
      "— GeoTIFF imagery —",
      "Sentinel-2 COG, New Mexico",
    ]);
    expect(await selectText(v.page, "dataset")).toBe("OLCI L2C cube, multi-level");
    // Variables: conc_chl, conc_tsm, kd489 first, then the rest
    const vars = await selectOptions(v.page, "variable");
    expect(vars.slice(0, 3).map((t) => t.toLowerCase())).toEqual([
      expect.stringContaining("chlorophyll"),
      expect.stringContaining("suspended matter"),
      expect.stringContaining("489"),
    ]);
    expect(await selectText(v.page, "variable")).toMatch(/chlorophyll/i);
  });

  it("draws non-blank tiles of the .levels cube in the custom colour map, with one legend of it", async () => {
    // the first time step has the most valid pixels
    await iconButton(v.page, "FirstPageIcon").click();
    await waitTile(v, "olci_levels", "conc_chl", (u) => u.searchParams.get("time") === TIMES[0]);
    await expectOpaque(v, "olci_levels", "conc_chl", 20_000, (u) => u.searchParams.get("time") === TIMES[0]);
    await shot(v.page, "xcube-02-tiles");
    const tiles = (await tilePngs(v, "olci_levels", "conc_chl")).filter((t) => t.url.searchParams.get("time") === TIMES[0]);
    expect(tiles[0]!.url.searchParams.get("cmap") ?? tiles[0]!.url.searchParams.get("cbar")).toBe("chl_cmap");
    // the colour bar of the custom map is one row, and the legend shows it once across its width
    const entry = colorBars.flatMap((c) => c[2]).find(([name]) => name === "chl_cmap");
    expect(entry, "chl_cmap in /colorbars").toBeDefined();
    const bar = decodePng(Buffer.from(entry![1], "base64"));
    expect([bar.width, bar.height]).toEqual([256, 1]);
    const row = await legendRow(v.page);
    const off: number[] = [];
    for (let k = 0; k < 16; k++) {
      const f = (k + 0.5) / 16;
      const cx = Math.floor(f * row.width) * 4;
      const bx = Math.floor(f * bar.width) * bar.channels;
      off.push(Math.max(...[0, 1, 2].map((c) => Math.abs(row.rgba[cx + c]! - bar.pixels[bx + c]!))));
    }
    expect(Math.max(...off), `legend vs colour bar per 1/16: ${off.join(" ")}`).toBeLessThan(40);
  });

  it("shows the dataset's RGB layer (the style's rgb mapping) and back", async () => {
    const rgb = v.page.getByRole("button", { name: /switch between dataset RGB layer/i });
    await rgb.click();
    const tile = await waitTile(v, "olci_levels", "rgb");
    expect(tile.status()).toBe(200);
    await expectOpaque(v, "olci_levels", "rgb", 20_000);
    await shot(v.page, "xcube-02a-rgb");
    await rgb.click();
    await v.page.waitForTimeout(500);
  });

  it("steps through time: each step asks for tiles of its own time", async () => {
    const times: string[] = [];
    for (let k = 1; k <= 2; k++) {
      await iconButton(v.page, "ChevronRightIcon").click();
      const tile = await waitTile(v, "olci_levels", "conc_chl", (u) => u.searchParams.get("time") === TIMES[k]);
      times.push(new URL(tile.url()).searchParams.get("time")!);
    }
    expect(times).toEqual([TIMES[1], TIMES[2]]);
    await shot(v.page, "xcube-02b-time-step");
    await iconButton(v.page, "FirstPageIcon").click();
    await v.page.waitForTimeout(1000);
  });

  it("a point clicked on the map: POST /timeseries answered and the time-series chart drawn", async () => {
    await iconButton(v.page, "TravelExploreIcon").click(); // locate the dataset: the map centre is the cube's centre
    await v.page.waitForTimeout(1500);
    await iconButton(v.page, "AddLocationIcon").click();
    const box = (await v.page.locator(".ol-viewport").first().boundingBox())!;
    const answered = v.page.waitForResponse((r) => r.url().includes("/timeseries/") && r.request().method() === "POST", {
      timeout: 60_000,
    });
    await v.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const ts = await answered;
    expect(ts.status(), await ts.text()).toBe(200);
    expect(ts.request().headers()["content-type"]).toMatch(/^text\/plain/);
    const body = JSON.parse(ts.request().postData()!) as { type: string };
    expect(body.type).toBe("Point");
    const result = ((await ts.json()) as { result: { time: string; mean: number | null }[] }).result;
    expect(result.length).toBeGreaterThan(0);
    // the series is added at once and the side panel opens on its chart (else its button opens it)
    const chart = v.page.locator(".recharts-surface").first();
    await chart.waitFor({ timeout: 10_000 }).catch(() => iconButton(v.page, "StackedLineChartIcon").click());
    await chart.waitFor({ timeout: 30_000 });
    await v.page.waitForTimeout(1000);
    await shot(v.page, "xcube-03-point-series");
    expect(await v.page.locator(".recharts-line, .recharts-bar").count()).toBeGreaterThan(0);
  });

  it("a polygon drawn on the map: POST /statistics answered and its statistics shown", async () => {
    await iconButton(v.page, "CategoryIcon").click();
    const box = (await v.page.locator(".ol-viewport").first().boundingBox())!;
    const cx = box.x + box.width * 0.3;
    const cy = box.y + box.height / 2;
    const corners = [
      [cx - 60, cy - 40],
      [cx + 60, cy - 40],
      [cx + 60, cy + 40],
      [cx - 60, cy + 40],
    ] as const;
    for (const [x, y] of corners) {
      await v.page.mouse.click(x, y);
      await v.page.waitForTimeout(150);
    }
    await v.page.mouse.click(corners[0][0], corners[0][1]); // back on the first vertex: the polygon is closed
    await v.page.waitForTimeout(1000);
    const answered = v.page.waitForResponse((r) => r.url().includes("/statistics/") && r.request().method() === "POST", {
      timeout: 60_000,
    });
    await iconButton(v.page, "FunctionsIcon").click(); // "Add statistics"
    const st = await answered;
    expect(st.status(), await st.text()).toBe(200);
    expect((JSON.parse(st.request().postData()!) as { type: string }).type).toBe("Polygon");
    const stats = ((await st.json()) as { result: { count: number; mean: number } }).result;
    expect(stats.count).toBeGreaterThan(0);
    await v.page.getByText("Deviation").first().waitFor({ timeout: 30_000 });
    await shot(v.page, "xcube-04-polygon-statistics");
  });

  it("lists the server's place groups of the dataset and draws the chosen one", async () => {
    await iconButton(v.page, "AdsClickIcon").click(); // back to select mode
    const groups = await selectOptions(v.page, "place-groups");
    expect(groups).toEqual(expect.arrayContaining(["North Sea stations", "North Sea areas"]));
    const before = await v.page.locator(".ol-viewport").first().screenshot();
    const loaded = v.page.waitForResponse((r) => /\/places\/stations/.test(r.url()), { timeout: 30_000 });
    await pickOption(v.page, "place-groups", "North Sea stations");
    expect((await loaded).status()).toBe(200);
    // the places are drawn (the map changes where they are) and listed in the place picker
    const a = decodePng(before);
    const changed = async () => {
      const b = decodePng(await shot(v.page, "xcube-05-place-group", ".ol-viewport"));
      let n = 0;
      for (let i = 0; i < Math.min(a.pixels.length, b.pixels.length); i += a.channels) if (a.pixels[i] !== b.pixels[i]) n++;
      return n;
    };
    await expect.poll(changed, { timeout: 20_000, interval: 500 }).toBeGreaterThan(50);
    expect(await selectOptions(v.page, "place")).toEqual(expect.arrayContaining(["Westhinder", "Noordhinder", "Dover Strait"]));
  });

  it("Share gives a permalink (PUT /viewer/state) that restores the state when opened (GET /viewer/state)", async () => {
    await iconButton(v.page, "LastPageIcon").click();
    await iconButton(v.page, "ChevronLeftIcon").click();
    await waitTile(v, "olci_levels", "conc_chl", (u) => u.searchParams.get("time") === TIMES[3]);
    const put = v.page.waitForResponse((r) => r.url().startsWith(`${apiUrl}/viewer/state`) && r.request().method() === "PUT", {
      timeout: 30_000,
    });
    await iconButton(v.page, "ShareIcon").click();
    expect((await put).status()).toBe(200);
    await v.page.getByText(/Permalink copied to clipboard/).waitFor({ timeout: 30_000 });
    const link = await v.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`^${statics.url}index\\.html\\?stateKey=\\w+$`));
    const w = await openViewer(new URL(link).search.slice(1));
    const got = await w.page.waitForResponse((r) => r.url().startsWith(`${apiUrl}/viewer/state?key=`) && !r.url().endsWith("sentinel"), {
      timeout: 60_000,
    });
    expect(got.status()).toBe(200);
    // the restored view asks for the same tiles: dataset, variable, time and colours
    const tile = await waitTile(w, "olci_levels", "conc_chl", (u) => u.searchParams.get("time") === TIMES[3]);
    expect(new URL(tile.url()).searchParams.get("time")).toBe(TIMES[3]);
    await w.page.waitForTimeout(2000);
    await shot(w.page, "xcube-06-permalink-restored");
    expect(await selectText(w.page, "dataset")).toBe("OLCI L2C cube, multi-level");
    expect(await selectText(w.page, "variable")).toMatch(/chlorophyll/i);
    expect(await selectText(w.page, "place-groups")).toContain("North Sea stations");
    expect(w.errors).toEqual([]);
    await w.page.close();
  });

  it("user variables: chl_ratio = conc_chl/(conc_tsm+1) added in the dialog, validated, drawn and its time series shown", async () => {
    const isUserVar = (u: string) => decodeURIComponent(new URL(u).pathname).includes("/olci_levels/chl_ratio=conc_chl/(conc_tsm+1)");
    await iconButton(v.page, "CalculateIcon").click();
    const dialog = v.page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "User Variables" }).waitFor({ timeout: 10_000 });
    await dialog.locator('button:has([data-testid="AddCircleOutlineIcon"])').click();
    await dialog.getByLabel("Name").fill("chl_ratio");
    // a bad expression first: the viewer shows the server's message under the editor
    const editor = dialog.locator(".cm-content");
    await editor.click();
    const validated = (text: string) =>
      v.page.waitForResponse((r) => r.url().includes("/expressions/validate/olci_levels/") && decodeURIComponent(r.url()).endsWith(text), {
        timeout: 30_000,
      });
    let answer = validated("conc_chl/nope");
    await v.page.keyboard.type("conc_chl/nope");
    const before = v.errors.length;
    expect((await answer).status()).toBe(400);
    await dialog.getByText(/nope/).last().waitFor({ timeout: 10_000 });
    // the viewer logs a refused expression as console errors (as against xcube server, which answers 400 too)
    await v.page.waitForTimeout(300);
    const logged = v.errors.splice(before);
    expect(
      logged.every((e) => /expressions\/validate|nope|^Response @/.test(e)),
      logged.join("\n"),
    ).toBe(true);
    await shot(v.page, "xcube-07a-user-variable-invalid");
    await v.page.keyboard.press("Control+A");
    await v.page.keyboard.press("Delete");
    answer = validated("conc_chl/(conc_tsm+1)");
    await v.page.keyboard.type("conc_chl/(conc_tsm+1");
    await v.page.keyboard.press("End");
    expect(await editor.textContent()).toBe("conc_chl/(conc_tsm+1)");
    expect((await answer).status()).toBe(200);
    await shot(v.page, "xcube-07b-user-variable-valid");
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    await dialog.getByRole("button", { name: "OK", exact: true }).click();
    await dialog.waitFor({ state: "detached", timeout: 10_000 });
    await pickOption(v.page, "variable", "chl_ratio");
    const opaque = async () => {
      let n = 0;
      for (const t of v.responses.filter((r) => isUserVar(r.url()) && r.url().includes("/tiles/") && r.status() === 200))
        n += opaquePixels(Buffer.from(await t.body()));
      return n;
    };
    await expect.poll(opaque, { timeout: 60_000, interval: 500 }).toBeGreaterThan(1000);
    // the time series of the chosen point, for the user variable
    const ts = v.page.waitForResponse((r) => r.url().includes("/timeseries/") && isUserVar(r.url()) && r.request().method() === "POST", {
      timeout: 60_000,
    });
    // a new point at the cube's centre (the places chosen by the steps before may be a polygon or a station)
    await iconButton(v.page, "TravelExploreIcon").click();
    await v.page.waitForTimeout(1500);
    await iconButton(v.page, "AddLocationIcon").click();
    const box = (await v.page.locator(".ol-viewport").first().boundingBox())!;
    await v.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const answered = await ts;
    expect(answered.status(), await answered.text()).toBe(200);
    const result = ((await answered.json()) as { result: { mean: number | null }[] }).result;
    expect(result.some((x) => typeof x.mean === "number")).toBe(true);
    await v.page.waitForTimeout(1000);
    await shot(v.page, "xcube-07c-user-variable-series");
    // back to the dataset's variable for the steps after this one
    await pickOption(v.page, "variable", "hlorophyll");
  });

  it("shows a GeoTIFF dataset with its bands named as xcube names them (band_1 …)", async () => {
    await pickOption(v.page, "dataset", "Sentinel-2 COG, New Mexico");
    expect(await selectOptions(v.page, "variable")).toEqual(expect.arrayContaining(["band_1", "band_2", "band_3"]));
    await pickOption(v.page, "variable", "band_1");
    const tile = await waitTile(v, "cog", "band_1");
    // in the style's colour map (tif: band_1 → bone, 0…255)
    expect(new URL(tile.url()).searchParams.get("cmap")).toBe("bone");
    expect(tile.status()).toBe(200);
    await expectOpaque(v, "cog", "band_1", 10_000);
    await shot(v.page, "xcube-07-geotiff");
  });

  it("logged no console error other than the blocked internet base map", async () => {
    expect(v.blocked.length).toBeGreaterThan(0);
    expect(v.errors).toEqual([]);
  });
});

describe.skipIf(!haveViewer)("eocube's own viewer on the same server and config", { timeout: 180_000 }, () => {
  it("shows the .levels cube in the custom colour map and the server's place groups", async () => {
    await ensureViewerBuilt();
    const page = await browser.newPage();
    const tiles: string[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/tiles/olci_levels/conc_chl/") && r.status() === 200) tiles.push(r.url());
    });
    await page.goto(`${server.url}viewer/#ds=olci_levels&time=${encodeURIComponent(TIMES[0]!)}&places=stations`);
    await waitForMap(page);
    expect(await page.locator("#dataset").inputValue()).toBe("olci_levels");
    expect(await page.locator("#variable").inputValue()).toBe("conc_chl");
    // the style's custom colour map, by name, in the colour-bar picker and the tiles
    expect(await page.locator("#cmap").inputValue()).toBe("chl_cmap");
    expect(new URL(tiles.at(-1)!).searchParams.get("cmap")).toBe("chl_cmap");
    // the dataset groups as option groups
    const groups = await page.locator("#dataset optgroup").evaluateAll((g) => g.map((x) => (x as HTMLOptGroupElement).label));
    expect(groups).toEqual(["Ocean colour", "Sea surface temperature", "GeoTIFF imagery"]);
    await page.waitForFunction(() => document.getElementById("map")!.dataset.placeCount === "3", null, { timeout: 30_000 });
    expect(await page.locator("#place-list button").allTextContents()).toEqual(["Westhinder", "Noordhinder", "Dover Strait"]);
    await shot(page, "xcube-08-eocube-viewer-same-server");
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
