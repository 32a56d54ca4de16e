// The e2e harness: the real eocube server (buildApp + listen on 127.0.0.1:0, or `eocube serve` as a process)
// on ../shared/data, a static file server for other clients' builds, and Debian's Chromium driven by
// playwright-core with a new empty profile. Used by the viewer tests, the xcube-viewer test and bench/viewer.ts.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/** A running `eocube serve` process. */
export interface ServeProcess {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  pid: number;
  /** What it printed on stderr so far (start-up line, warnings). */
  stderr(): string;
  /** Ends it (SIGTERM; SIGKILL after 10 s) and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real `eocube serve ...args --port 0 --address 127.0.0.1` (the CLI from source through tsx, as
 * test/server/cli-main.ts runs it) in `cwd` and resolves once it prints its address.
 * @throws Error when it exits or does not listen within `timeoutMs` [default 60000], with its stderr.
 */
export function startServeProcess(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const cli = join(ROOT, "test", "server", "cli-main.ts");
  // tsx named by its file URL: the process may run in a folder outside the repository
  const tsx = pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("tsx")).href;
  const child = spawn(process.execPath, ["--import", tsx, cli, "serve", ...args, "--port", "0", "--address", "127.0.0.1"], {
    cwd: options.cwd ?? ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  let listening = false;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`eocube serve did not listen within ${options.timeoutMs ?? 60_000} ms: ${err}`));
    }, options.timeoutMs ?? 60_000);
    void exited.then(() => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`eocube serve exited with ${child.exitCode ?? child.signalCode} before listening: ${err}`));
    });
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (!m || listening) return;
      listening = true;
      clearTimeout(timer);
      resolve({
        url: m[1]!.replace(/\/?$/, "/"),
        pid: child.pid!,
        stderr: () => err,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".md": "text/markdown; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain",
};

/** A static file server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the files of `dir` read-only on 127.0.0.1 (a folder's index.html for its path), as any web server
 * would host a built single-page app; `extra` answers chosen paths (e.g. a deployment's config.json) first, and
 * `aliases` maps a path prefix to another one in `dir` (`{"/config/": "/"}`). Paths outside `dir` and missing
 * files answer 404.
 */
export async function serveStatic(
  dir: string,
  extra: Record<string, { type: string; body: string | Buffer }> = {},
  aliases: Record<string, string> = {},
): Promise<StaticServer> {
  const root = normalize(dir + sep);
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const own = extra[path];
    if (own) {
      res.writeHead(200, { "content-type": own.type });
      res.end(own.body);
      return;
    }
    const alias = Object.keys(aliases).find((a) => path.startsWith(a));
    if (alias) path = aliases[alias]! + path.slice(alias.length);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
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
