// `eocube studio [--catalog DIR]`: the catalog browser and publishing form, served with the viewer by one server.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { buildApp } from "../server/app.js";
import type { ServerConfig } from "../server/config.js";
import { productData, studioRoutes } from "../server/routes/studio.js";
import { loadCatalogIndex } from "../studio/catalog-index.js";
import { runAction, type GlobalOptions } from "./run.js";
import { serveLogger } from "./serve-log.js";

interface StudioOptions extends GlobalOptions {
  catalog: string;
  port: string;
  address: string;
  quiet?: boolean;
}

/**
 * Starts the studio: loads the catalog index, serves each product whose data is an http(s) Zarr/NetCDF/GeoTIFF (opened
 * on first use, for the viewer's preview) and the studio routes; prints the URL and runs until Ctrl-C.
 * @throws EocubeError NOT_FOUND (no catalog.json in --catalog), INVALID_ARGUMENT (cannot listen).
 */
export async function runStudio(opts: StudioOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const dir = resolve(opts.catalog);
  if (!existsSync(dir))
    throw new EocubeError("NOT_FOUND", `catalog folder ${opts.catalog} does not exist`, {
      path: opts.catalog,
      hint: "give --catalog DIR, a checkout of open-science-catalog-metadata or a folder made by eocube catalog init",
    });
  const t0 = performance.now();
  const index = await loadCatalogIndex(dir);
  const datasets = index
    .list("product")
    .map((e) => ({ e, data: productData(e) }))
    .filter((x) => x.data)
    .map(({ e, data }) => ({ Identifier: e.id, Path: data!.href, Title: e.title }));
  const config: ServerConfig = { Datasets: datasets };
  const app = await buildApp(config, {}, { logger: serveLogger({ quiet: opts.quiet, format: "text" }), warmUp: false });
  await studioRoutes(app, { catalogDir: dir, index, served: datasets.map((d) => d.Identifier) });
  let url: string;
  try {
    url = await app.listen({ port: Number(opts.port), host: opts.address });
  } catch (err) {
    await app.close();
    throw new EocubeError("INVALID_ARGUMENT", `cannot listen on ${opts.address}:${opts.port}: ${(err as Error).message}`, {
      field: "port",
      cause: err,
      hint: "choose another --port",
    });
  }
  process.stdout.write(
    `catalog ${dir}: ${index.files} entities indexed in ${Math.round(performance.now() - t0)} ms\nstudio: ${url}/studio\n`,
  );
  return { url, close: () => app.close() };
}

/** Registers `eocube studio [--catalog DIR] [--port N] [--address A]` on the program. */
export function register(program: Command): void {
  program
    .command("studio")
    .description("browse a local Open Science Catalog and publish datasets with a form, in the browser")
    .option("--catalog <dir>", "the local OSC catalog (a git repository to publish into)", ".")
    .option("--port <port>", "port to listen on (0: a free one)", "8080")
    .option("--address <address>", "address to listen on", "127.0.0.1")
    .option("-q, --quiet", "log warnings and errors only")
    .option("--json", "print errors as JSON")
    .action(async (opts: StudioOptions) => {
      await runAction(opts, async () => {
        const studio = await runStudio(opts);
        await new Promise<void>((done) => {
          const stop = () => void studio.close().then(done, done);
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      });
    });
}
