// The e2e harness: the real eocube server (buildApp + listen on 127.0.0.1:0) on ../shared/data, and
// Debian's Chromium driven by playwright-core with a new empty profile. Used by the viewer tests and
// bench/viewer.ts.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildApp } from "../../src/server/app.js";
import type { ServerConfig } from "../../src/server/config.js";

/** ../shared/data of the repository (never copied into it). */
export const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where the screenshots of each step go. */
export const ARTIFACTS = join(ROOT, "test-artifacts", "e2e");
/** Debian's Chromium (scripts/install-system-deps.sh installs it). */
export const CHROMIUM = process.env.EOCUBE_CHROMIUM ?? "/usr/bin/chromium";

/** The datasets the tests serve: the OLCI Zarr cube, an OSTIA day and ERA-Interim (no time axis). */
export function defaultConfig(extra: ServerConfig["Datasets"] = []): ServerConfig {
  return {
    Datasets: [
      { Identifier: "olci", Title: "OLCI L2 cube (North Sea)", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      {
        Identifier: "ostia",
        Title: "OSTIA SST 2017-06-05",
        Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
      },
      { Identifier: "era", Title: "ERA-Interim climatology (no time axis)", Path: `${DATA}netcdf3/eraint_uvz.nc` },
      ...extra,
    ],
  };
}

/** Builds viewer/dist with Vite when it is missing (CI builds it in `npm ci` → prepare → build). */
export async function ensureViewerBuilt(): Promise<void> {
  if (existsSync(join(ROOT, "viewer", "dist", "index.html"))) return;
  const { build } = await import("vite");
  await build({ root: join(ROOT, "viewer"), logLevel: "warn" });
}

/** A running server. */
export interface Server {
  app: FastifyInstance;
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/** Starts the real server in-process on a free loopback port. */
export async function startServer(config: ServerConfig = defaultConfig()): Promise<Server> {
  const app = await buildApp(config);
  const addr = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url: addr.replace(/\/?$/, "/"), close: () => app.close() };
}

/** A browser with one context; `errors` collects console errors and page errors. */
export interface Browser {
  context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

/** Launches headless Chromium with a new empty --user-data-dir (removed on close). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "eocube-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  return {
    context,
    async newPage(viewport) {
      const page = (await context.newPage()) as Page & { errors: string[] };
      page.errors = [];
      page.on("console", (m) => {
        if (m.type() === "error") page.errors.push(m.text());
      });
      page.on("pageerror", (e) => page.errors.push(String(e)));
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the map has completely rendered its current tile layers (the viewer sets data-layer-key on
 * every change and copies it to data-rendered-key on OpenLayers' rendercomplete), at least `after + 1`
 * renders in all. Returns the render count.
 */
export async function waitForMap(page: Page, after = 0, timeout = 60_000): Promise<number> {
  await page.waitForFunction(
    (n) => {
      const el = document.getElementById("map");
      return (
        !!el?.dataset.layerKey &&
        el.dataset.render === "complete" &&
        el.dataset.renderedKey === el.dataset.layerKey &&
        Number(el.dataset.renderCount ?? 0) > n
      );
    },
    after,
    { timeout, polling: 100 },
  );
  return page.evaluate(() => Number(document.getElementById("map")!.dataset.renderCount));
}

/** Saves a screenshot of a step into test-artifacts/e2e/NAME.png and returns its bytes. */
export async function shot(page: Page, name: string, selector?: string): Promise<Buffer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  return selector ? page.locator(selector).screenshot({ path }) : page.screenshot({ path });
}
