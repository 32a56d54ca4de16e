#!/usr/bin/env node
// `npm run demo`: eocube's main job end to end. Initialises a fresh local Open Science Catalog repository,
// publishes xcube's demo Zarr cube (from ../shared/data when present, else its public URL — see
// examples/dataset-config.yaml) with its workflow, switches to the publication's branch, validates the whole
// catalog, and shows the commit.
// Runs the built CLI (dist/, made by `npm ci` / `npm run build`). Usage: npm run demo [-- <catalog-dir>]
// (default ./demo-catalog, git-ignored, recreated on each run).
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "eocube.js");
if (!existsSync(join(root, "dist", "cli", "index.js"))) {
  console.error("error: dist/ is missing; run `npm run build` (npm ci does it) first");
  process.exit(1);
}
const catalog = resolve(process.argv[2] ?? join(root, "demo-catalog"));
rmSync(catalog, { recursive: true, force: true });

const shown = relative(root, catalog).startsWith("..") ? catalog : relative(root, catalog) || ".";
const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

function step(title, cmd, args) {
  const display = args.map((a) => (a === catalog ? shown : quote(a)));
  process.stdout.write(`\n# ${title}\n$ ${[cmd, ...display].join(" ")}\n`);
  const res = spawnSync(cmd === "eocube" ? process.execPath : cmd, cmd === "eocube" ? [bin, ...args] : args, {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  });
  if (res.status !== 0) {
    console.error(`\ndemo failed at: ${title} (exit code ${res.status})`);
    process.exit(res.status ?? 1);
  }
}

step("1. create a new, valid OSC catalog git repository", "eocube", ["catalog", "init", catalog]);
const localCube = join(root, "..", "shared", "data", "zarr", "cube-1-250-250.zarr");
process.stdout.write(
  `\nThe cube: ${existsSync(localCube) ? "../shared/data/zarr/cube-1-250-250.zarr (local copy)" : "its public URL (no local copy in ../shared/data)"}` +
    " — examples/dataset-config.yaml lists both in data_source.\n",
);
step("2. publish the Zarr cube and its workflow (one commit on a new branch)", "eocube", [
  "publish",
  "examples/dataset-config.yaml",
  "examples/workflow-config.yaml",
  "--catalog",
  catalog,
]);
// publish leaves the checkout alone: the publication is on its branch
const branch = spawnSync("git", ["-C", catalog, "for-each-ref", "--format=%(refname:short)", "refs/heads/publish/"], { encoding: "utf8" })
  .stdout.trim()
  .split("\n")[0];
step("3. switch to the publication's branch", "git", ["-C", catalog, "switch", branch]);
step("4. validate the whole catalog as the OSC CI would", "eocube", ["validate", catalog]);
step("5. the commit", "git", ["-C", catalog, "show", "--stat", "--format=commit %H (%D)%n%s", "HEAD"]);
step("6. publishing the same configs again is a no-op", "eocube", [
  "publish",
  "examples/dataset-config.yaml",
  "examples/workflow-config.yaml",
  "--catalog",
  catalog,
]);
process.stdout.write(`\nThe catalog is in ${catalog} (branch of the publication checked out).\n`);
