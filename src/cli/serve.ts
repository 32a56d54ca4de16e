// `eocube serve`: serves datasets (PATHS and/or a server config) over HTTP with xcube's routes.
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { formatFromPath } from "../formats/registry.js";
import type { DatasetConfig, DataStoreConfig, ServerConfig } from "../server/config.js";
import { resolveLimits } from "../server/limits.js";
import { urlPrefixOf } from "../server/prefix.js";
import { runAction, type GlobalOptions } from "./run.js";
import { LOG_LEVELS, serveLogger } from "./serve-log.js";

// The server (fastify, the routes, the stores) and the config reader are imported when the command runs, not when
// it is registered, so `eocube serve --help` and argument errors do not load them.

interface ServeOptions extends GlobalOptions {
  config?: string;
  port?: string;
  address?: string;
  cacheSize?: string;
  quiet?: boolean;
  logLevel?: string;
  logFormat?: string;
  prefix?: string;
  revprefix?: string;
}

/**
 * True when a local folder is a dataset itself (`.zarr`, `.levels`, or a Zarr group/array or xcube pyramid
 * without the suffix), not a folder of datasets.
 */
function isDatasetFolder(path: string): boolean {
  const format = formatFromPath(path.replace(/\/+$/, ""));
  if (format === "zarr" || format === "levels") return true;
  return [".zmetadata", ".zgroup", ".zarray", "zarr.json", ".zlevels"].some((m) => existsSync(join(path, m)));
}

/**
 * On SIGTERM/SIGINT the process ends within `Limits.ShutdownGrace` + this many ms (4.5 s with the
 * default grace of 2 s), even mid-request.
 */
export const SHUTDOWN_MARGIN_MS = 2500;

/** A safe, unique dataset identifier from a path: its base name without extension. */
export function identifierOf(path: string, taken: Set<string>): string {
  const stem = basename(path.replace(/\/+$/, "")).replace(/\.(zarr|levels|nc4?|tiff?|cog|h5|hdf5)$/i, "");
  let id = stem.replace(/[^A-Za-z0-9_.~+-]/g, "_").replace(/^[^A-Za-z0-9_]+/, "") || "dataset";
  id = id.slice(0, 180);
  let k = 2;
  const base = id;
  while (taken.has(id)) id = `${base}_${k++}`;
  taken.add(id);
  return id;
}

/**
 * The server configuration for the command line: the config file (if any) plus one `Datasets` entry per
 * PATH (local paths must exist; URLs are opened on first use). A PATH that is a folder of datasets (not a
 * `.zarr`/`.levels` itself) is served as xcube serves one: a `file` data store over it, every dataset found
 * inside (`.zarr`, `.levels`, `.nc`, `.tif`…, three folder levels deep) as `<folder>~<data id>`.
 * `--prefix`/`--revprefix` set `url_prefix`/`reverse_url_prefix` (xcube's options).
 * @throws EocubeError INVALID_ARGUMENT (nothing to serve, bad port), NOT_FOUND (a missing path, a folder
 *   without datasets), INVALID_CONFIG.
 */
export async function serveConfigOf(paths: string[], opts: ServeOptions): Promise<ServerConfig> {
  const [{ loadServerConfig, validateServerConfig }, { newDataStore }] = await Promise.all([
    import("../server/config.js"),
    import("../stores/registry.js"),
  ]);
  const config: ServerConfig = opts.config ? await loadServerConfig(opts.config) : {};
  const taken = new Set([...(config.Datasets ?? []).map((d) => d.Identifier), ...(config.DataStores ?? []).map((s) => s.Identifier)]);
  const extra: DatasetConfig[] = [];
  const stores: DataStoreConfig[] = [];
  for (const p of paths) {
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !p.startsWith("file://");
    const local = p.replace(/^file:\/\//, "");
    if (!isUrl && !existsSync(local)) {
      throw new EocubeError("NOT_FOUND", `no dataset at ${p}`, {
        path: p,
        hint: "give the path of a .zarr, .levels, .nc or .tif dataset, or of a folder holding them",
      });
    }
    if (!isUrl && statSync(local).isDirectory() && !isDatasetFolder(local)) {
      const root = resolve(local);
      const ids = await newDataStore("file", { root }).listDataIds();
      if (ids.length === 0) {
        throw new EocubeError("NOT_FOUND", `no datasets in folder ${p}`, {
          path: p,
          hint: "the folder is scanned for .zarr, .levels, .nc, .tif (and .h5, .cog) datasets, three levels deep",
        });
      }
      stores.push({ Identifier: identifierOf(root, taken), StoreId: "file", StoreParams: { root } });
      continue;
    }
    extra.push({
      Identifier: identifierOf(p, taken),
      Path: isUrl ? p : resolve(local),
      Title: basename(p.replace(/\/+$/, "")),
    });
  }
  const merged: ServerConfig = {
    ...config,
    Datasets: [...(config.Datasets ?? []), ...extra],
    ...(stores.length > 0 ? { DataStores: [...(config.DataStores ?? []), ...stores] } : {}),
  };
  if (opts.cacheSize !== undefined) merged.DatasetChunkCacheSize = opts.cacheSize;
  if (opts.prefix !== undefined) merged.url_prefix = opts.prefix;
  if (opts.revprefix !== undefined) merged.reverse_url_prefix = opts.revprefix;
  if ((merged.Datasets ?? []).length === 0 && (merged.DataStores ?? []).length === 0) {
    throw new EocubeError("INVALID_ARGUMENT", "nothing to serve", {
      hint: "give dataset paths (eocube serve cube.zarr) or a config (-c server.yaml)",
    });
  }
  return validateServerConfig(merged, opts.config ?? "command line");
}

/** Registers `eocube serve` on the program. */
export function register(program: Command): void {
  program
    .command("serve")
    .description("Serve data cubes over HTTP: datasets API, XYZ/WMTS tiles, time series, statistics, STAC (xcube-compatible routes)")
    .argument("[paths...]", "datasets to serve (.zarr, .levels, .nc, .tif, or URLs)")
    .option(
      "-c, --config <file>",
      "server configuration (YAML/JSON with xcube's keys: Datasets, DataStores, Styles, DatasetChunkCacheSize)",
    )
    .option("--port <port>", "port to listen on (default 8080, or the config's Port)")
    .option("--address <address>", "address to listen on (default 127.0.0.1, or the config's Address)")
    .option("--cache-size <size>", 'chunk cache bound, e.g. "256M" or "2G" (default: DatasetChunkCacheSize or 256M)')
    .option("--prefix <path>", "path prefix of every route, e.g. /api (the config's url_prefix)")
    .option("--revprefix <prefix>", "prefix of URLs in answers, a path or an absolute URL (reverse_url_prefix; default --prefix)")
    .option("-q, --quiet", "log warnings and errors only (no line per request)")
    .option("--log-level <level>", `log level: ${LOG_LEVELS.join(", ")} (default info, or warn with --quiet)`)
    .option("--log-format <format>", "text (one line per request) or json (pino JSON lines); default text on a terminal, json otherwise")
    .option("--json", "print errors as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube serve ../shared/data/zarr/cube-1-250-250.zarr\n  eocube serve ../shared/data/geotiff          # every dataset in the folder\n  eocube serve -c examples/server-config.yaml --port 8000 --quiet",
    )
    .action(async (paths: string[], opts: ServeOptions) => {
      await runAction(opts, async () => {
        const logger = serveLogger({
          ...(opts.logLevel !== undefined ? { level: opts.logLevel } : {}),
          ...(opts.logFormat !== undefined ? { format: opts.logFormat } : {}),
          quiet: opts.quiet === true,
        });
        const config = await serveConfigOf(paths, opts);
        let port: number | undefined;
        if (opts.port !== undefined) {
          port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new EocubeError("INVALID_ARGUMENT", `--port ${opts.port} is not a port number`, { field: "--port" });
        }
        const { startServer } = await import("../server/app.js");
        const server = await startServer(config, {
          ...(port !== undefined ? { port } : {}),
          ...(opts.address ? { address: opts.address } : {}),
          handleSignals: false,
          logger,
          // GET /maintenance/update reads the config file and PATHS again, as at start
          reloadConfig: () => serveConfigOf(paths, opts),
        });
        // every served dataset, DataStores matches included, as the /datasets route lists them
        const base = `${server.url}${urlPrefixOf(config)}`;
        const listed = await server.app
          .inject({ method: "GET", url: `${urlPrefixOf(config)}/datasets`, headers: { host: config.allowed_hosts?.[0] ?? "localhost" } })
          .then((r) => r.json() as { datasets?: { id: string }[] })
          .catch(() => ({ datasets: undefined }));
        const ids = listed.datasets?.map((d) => d.id) ?? (config.Datasets ?? []).map((d) => d.Identifier);
        process.stderr.write(
          `eocube serve: listening on ${server.url} — datasets: ${ids.join(", ") || "(none)"}\n  ${base}/datasets  ${base}/wmts/1.0.0/WMTSCapabilities.xml  ${base}/ogc  ${base}/viewer\n`,
        );
        await new Promise<void>((done) => {
          const stop = (sig: NodeJS.Signals) => {
            process.stderr.write(`eocube serve: ${sig}, shutting down\n`);
            // running requests get Limits.ShutdownGrace, then are aborted (see startServer); should anything
            // still hold the process, it ends at the deadline anyway (a second signal ends it at once)
            const deadline = resolveLimits(config.Limits).shutdownGrace + SHUTDOWN_MARGIN_MS;
            setTimeout(() => {
              process.stderr.write(`eocube serve: not stopped within ${deadline} ms, exiting\n`);
              process.exit(1);
            }, deadline).unref();
            void server.close().then(done, done);
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      });
    });
}
