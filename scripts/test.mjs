// Runs the lint/format check (Biome), the type check (tsc over src, test and bench) and the whole test suite with
// vitest, and ends with one line CI can read: "N passed, N failed, N skipped" (a failed lint or type check counts as
// one failed each). With arguments (vitest file filters) the lint and the type check are skipped.
//
// A vitest worker process that dies mid-file ("Worker exited unexpectedly": killed by a signal, a native
// abort) leaves that file's remaining tests "pending" and fails the run although no assertion failed. Then
// this script prints what the worker was running (from test/helpers/worker-trace.ts) and runs the files it
// left unfinished once more, on their own; their results replace the unfinished ones and the notice stays in
// the output. A worker that never started ("[vitest-pool]: Timeout starting forks runner", "Failed to start",
// seen on a loaded machine) leaves its files out of the report altogether: the files vitest would run are
// listed first (`vitest list --filesOnly`), and those absent from the report are re-run the same way. A file
// absent from the report without such a notice fails the run. Assertion failures and other errors are never
// re-run: they fail the run as they are.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

const ARTIFACTS = "test-artifacts";
const TRACES = join(ARTIFACTS, "workers");

/**
 * Vitest's notices of a worker process that died or never started: the files it had are re-run once. A worker killed
 * mid-file shows as "Worker exited unexpectedly", or as "Worker forks emitted error" (EPIPE) when vitest's next message
 * to it finds the channel closed first.
 */
const WORKER_LOST = /Worker exited unexpectedly|\[vitest-pool\]: (Timeout starting|Failed to start|Worker forks emitted error)/;

/** The absolute paths of the test files vitest would run with these args (no test is run). */
function listFiles(extra) {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "list", "--filesOnly", "--json", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", () => {
      try {
        resolve(JSON.parse(out.slice(out.indexOf("["))).map((f) => f.file));
      } catch {
        resolve(undefined); // listing failed: the run below still reports what it ran
      }
    });
  });
}

/** Runs vitest with the given extra args, echoing its output; resolves to {status, workerDied, report}. */
function vitest(extra, report) {
  return new Promise((resolve) => {
    const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extra];
    const child = spawn("npx", args, { stdio: ["inherit", "pipe", "pipe"], env: process.env });
    let workerDied = false;
    let tail = "";
    const watch = (chunk) => {
      const text = tail + chunk.toString("utf8");
      if (WORKER_LOST.test(text)) workerDied = true;
      tail = text.slice(-96);
    };
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      watch(d);
    });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      watch(d);
    });
    child.on("close", (code) => {
      const r = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined;
      resolve({ status: code ?? 1, workerDied, report: r });
    });
  });
}

/** Counts of one report, per file: passed, failed, skipped, pending (= left unfinished by a dead worker). */
function count(results) {
  let passed = 0,
    failed = 0,
    skipped = 0,
    pending = 0;
  for (const t of results) {
    const a = t.assertionResults ?? [];
    if (a.length === 0 && t.status === "failed") failed++; // a file that failed to load or in a hook
    for (const x of a) {
      if (x.status === "passed") passed++;
      else if (x.status === "failed") failed++;
      else if (x.status === "pending") pending++;
      else skipped++; // skipped, todo, disabled
    }
  }
  return { passed, failed, skipped, pending };
}

/** The last lines of worker traces that do not end with "file done": what a dead worker was running. */
function deadWorkerTraces() {
  if (!existsSync(TRACES)) return [];
  const out = [];
  for (const f of readdirSync(TRACES)) {
    const lines = readFileSync(join(TRACES, f), "utf8").trim().split("\n");
    if (!lines.at(-1)?.includes("file done")) out.push(`  worker ${f.replace(/\.log$/, "")}: ${lines.slice(-3).join("\n    ")}`);
  }
  return out;
}

/** Lint and format check (Biome, biome.jsonc) over the whole tree; resolves to true when clean. */
function lint() {
  return new Promise((resolve) => {
    const child = spawn("npx", ["biome", "ci", "--reporter=summary", "."], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code) => resolve(code === 0));
  });
}

/** Type check (tsconfig.json: src, test and bench in one tsc run); resolves to true when clean. */
function typecheck() {
  return new Promise((resolve) => {
    const child = spawn("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code) => resolve(code === 0));
  });
}

// Lint and type check first (side by side, under a minute); a failure fails the run as one failed check, after the tests have run.
const checks = process.argv.length <= 2;
const [lintOk, typesOk] = await Promise.all([
  !checks || !existsSync("biome.jsonc") || lint(),
  !checks || !existsSync("tsconfig.json") || typecheck(),
]);
if (!lintOk) console.log("\nLint/format check failed (above): `npm run format` fixes formatting and the safe lint fixes.\n");
if (!typesOk) console.log("\nType check failed (above): `npm run typecheck` lists the errors.\n");
mkdirSync(ARTIFACTS, { recursive: true });
rmSync(TRACES, { recursive: true, force: true });
const expected = await listFiles(process.argv.slice(2));
const first = await vitest(process.argv.slice(2), join(ARTIFACTS, "vitest-report.json"));
const results = first.report?.testResults ?? [];
let totals = count(results);
const reported = new Set(results.map((t) => t.name));
const missing = (expected ?? []).filter((f) => !reported.has(f));
// a file never run counts as one failure unless the re-run below runs it
totals.pending += missing.length;
let ok = first.status === 0 && totals.failed === 0 && totals.pending === 0;

const unfinished = [
  ...results.filter((t) => (t.assertionResults ?? []).some((x) => x.status === "pending")).map((t) => t.name),
  ...missing,
];
if (!ok && first.workerDied && totals.failed === 0 && unfinished.length > 0) {
  console.log(`\nA test worker process exited unexpectedly or never started, leaving ${unfinished.length} file(s) unfinished:`);
  for (const n of unfinished) console.log(`  ${relative(process.cwd(), n)}${missing.includes(n) ? " (never started)" : ""}`);
  console.log("Last trace lines of the dead worker(s):");
  for (const l of deadWorkerTraces()) console.log(l);
  console.log("Running the unfinished file(s) once more, on their own:\n");
  const again = await vitest(unfinished, join(ARTIFACTS, "vitest-report-rerun.json"));
  const before = count(results.filter((t) => unfinished.includes(t.name)));
  before.pending += missing.length;
  const after = count(again.report?.testResults ?? []);
  const rerun = new Set((again.report?.testResults ?? []).map((t) => t.name));
  after.pending += unfinished.filter((f) => !rerun.has(f)).length;
  totals = {
    passed: totals.passed - before.passed + after.passed,
    failed: after.failed,
    skipped: totals.skipped - before.skipped + after.skipped,
    pending: after.pending,
  };
  ok = again.status === 0 && after.failed === 0 && after.pending === 0 && !again.workerDied;
  console.log(`\nRe-run of ${unfinished.length} file(s) after a worker exit: ${ok ? "passed" : "FAILED"}.`);
}
const checkFailures = (lintOk ? 0 : 1) + (typesOk ? 0 : 1);
if (checkFailures > 0) ok = false;
const failed = totals.failed + totals.pending + checkFailures + (ok || totals.failed + totals.pending > 0 || checkFailures > 0 ? 0 : 1);
console.log(`${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(ok ? 0 : 1);
