// Setup file (vitest `setupFiles`): leaves a trace per test worker process in test-artifacts/workers/<pid>.log —
// one line when each test starts and ends, and one when a test file's hooks are done. When a worker dies
// ("Worker exited unexpectedly": a signal, a native abort, the OOM killer), the last line of its trace names the
// test that was running; scripts/test.mjs prints it. Synchronous writes, so the line is on disk before a crash.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, expect } from "vitest";
import { REPO_ROOT } from "./paths.js";

const dir = join(REPO_ROOT, "test-artifacts", "workers");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${process.pid}.log`);
const line = (text: string) => {
  try {
    appendFileSync(file, `${new Date().toISOString()} ${text}\n`);
  } catch {
    // tracing must never fail a test
  }
};
const current = () => {
  const s = expect.getState();
  return `${(s.testPath ?? "?").replace(REPO_ROOT, "")} > ${s.currentTestName ?? "?"}`;
};

beforeEach(() => line(`start ${current()} rss=${Math.round(process.memoryUsage.rss() / 2 ** 20)}MB`));
afterEach(() => line(`end   ${current()}`));
afterAll(() => line(`file done rss=${Math.round(process.memoryUsage.rss() / 2 ** 20)}MB`));
