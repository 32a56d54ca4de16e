import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["node_modules", "dist", "viewer/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // a trace per worker process (test-artifacts/workers/), read by scripts/test.mjs when a worker dies
    setupFiles: ["test/helpers/worker-trace.ts"],
  },
});
