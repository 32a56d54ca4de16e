// Builds dist/ once (tsc -p tsconfig.build.json) when bin/eocube.js has nothing to run, for CLI tests.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { REPO_ROOT } from "./paths.js";

/**
 * Makes sure dist/cli/index.js exists (CI runs `npm run build` before `npm test`; locally this builds
 * on first use). tsc emits even when unrelated files have type errors, so the CLI is still runnable.
 */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(`${REPO_ROOT}dist/cli/index.js`)) return;
  spawnSync(process.execPath, [`${REPO_ROOT}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], {
    cwd: REPO_ROOT,
    stdio: "ignore",
  });
  if (!existsSync(`${REPO_ROOT}dist/cli/index.js`)) throw new Error("npm run build did not produce dist/cli/index.js");
}
