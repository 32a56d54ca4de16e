import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["node_modules", "dist", "viewer/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // two test files at a time: most tests wait on child processes (GDAL, xarray, Chromium, servers), so two
    // workers on this 2-core machine finish sooner than vitest's default of cores - 1 = one
    maxWorkers: 2,
    // a trace per worker process (test-artifacts/workers/), read by scripts/test.mjs when a worker dies
    setupFiles: ["test/helpers/worker-trace.ts"],
  },
});
