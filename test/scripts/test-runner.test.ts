// scripts/test.mjs (the README's `npm test`): a vitest worker that dies mid-file or never starts gets its files
// re-run once; assertion failures are never re-run. Runs the real script on a scratch project with real workers.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];

/**
 * The repo's node_modules for a scratch project whose vitest waits `startTimeoutS` seconds (instead of its
 * hard-coded 60) for a worker to start: every package is a link to the repo's, but vitest is a copy with that
 * one constant changed, so the "never started" case takes seconds. The copy is the installed vitest otherwise.
 */
function fastStartNodeModules(dir: string, startTimeoutS: number): void {
  const src = join(ROOT, "node_modules");
  const nm = join(dir, "node_modules");
  mkdirSync(join(nm, ".bin"), { recursive: true });
  for (const name of readdirSync(src)) {
    if (name === "vitest" || name === ".bin") continue;
    symlinkSync(join(src, name), join(nm, name));
  }
  for (const name of readdirSync(join(src, ".bin"))) {
    if (name !== "vitest") symlinkSync(join(src, ".bin", name), join(nm, ".bin", name));
  }
  cpSync(join(src, "vitest"), join(nm, "vitest"), { recursive: true, dereference: true });
  symlinkSync("../vitest/vitest.mjs", join(nm, ".bin", "vitest"));
  const chunks = join(nm, "vitest", "dist", "chunks");
  let patched = 0;
  for (const f of readdirSync(chunks)) {
    const text = readFileSync(join(chunks, f), "utf8");
    if (!text.includes("const START_TIMEOUT = 6e4;")) continue;
    writeFileSync(join(chunks, f), text.replace("const START_TIMEOUT = 6e4;", `const START_TIMEOUT = ${startTimeoutS * 1000};`));
    patched++;
  }
  if (patched !== 1) throw new Error(`vitest's START_TIMEOUT found in ${patched} files (vitest updated?): update this helper`);
}

/** A scratch vitest project with three passing files (and `extra` files), using the repo's node_modules. */
function project(extra: (dir: string) => Record<string, string> = () => ({}), startTimeoutS?: number): string {
  const dir = mkdtempSync(join(tmpdir(), "eocube-runner-"));
  dirs.push(dir);
  if (startTimeoutS) fastStartNodeModules(dir, startTimeoutS);
  else symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), '{"type":"module"}\n');
  writeFileSync(
    join(dir, "vitest.config.ts"),
    'import { defineConfig } from "vitest/config";\nexport default defineConfig({ test: { include: ["t/**/*.test.ts"], pool: "forks", maxWorkers: 2 } });\n',
  );
  mkdirSync(join(dir, "t"));
  for (const n of [1, 2, 3]) {
    writeFileSync(
      join(dir, "t", `ok${n}.test.ts`),
      `import { test, expect } from "vitest";\ntest("ok${n}", () => expect(${n}).toBe(${n}));\n`,
    );
  }
  for (const [name, text] of Object.entries(extra(dir))) writeFileSync(join(dir, "t", name), text);
  return dir;
}

/** A preload that ends the first `times` vitest fork worker processes before they start. */
function killStarts(dir: string, times: number): string {
  const file = join(dir, "exit-at-start.cjs");
  writeFileSync(
    file,
    `if (/workers[\\\\/]forks\\.js$/.test(process.argv[1] ?? "")) { const fs = require("fs"); const f = ${JSON.stringify(join(dir, "starts"))};
  let n = 0; try { n = +fs.readFileSync(f, "utf8"); } catch {}
  fs.writeFileSync(f, String(n + 1)); if (n < ${times}) process.exit(3); }\n`,
  );
  return file;
}

/** The environment of a fresh shell: this worker's IPC channel and vitest variables are not passed on. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_CHANNEL_|VITEST|NODE_OPTIONS$|TEST$)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(dir: string, env: Record<string, string> = {}) {
  const r = spawnSync("node", [join(ROOT, "scripts/test.mjs")], { cwd: dir, encoding: "utf8", env: cleanEnv(env), timeout: 180_000 });
  const out = `${r.stdout}${r.stderr}`;
  return { status: r.status, out, last: r.stdout.trim().split("\n").at(-1) };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("scripts/test.mjs", () => {
  it("re-runs the files of a worker that never started, and passes when they pass", () => {
    const dir = project(undefined, 15);
    const r = run(dir, { NODE_OPTIONS: `--require ${killStarts(dir, 1)}` });
    expect(r.out).toContain("(never started)");
    expect(r.out).toContain("after a worker exit: passed");
    expect(r.last).toBe("3 passed, 0 failed, 0 skipped");
    expect(r.status).toBe(0);
  }, 200_000); // vitest (its START_TIMEOUT set to 15 s in this project's copy) waits that long for the dead worker

  it("re-runs a file whose worker was killed mid-file", () => {
    const dir = project((d) => ({
      "dies.test.ts": `import { test, expect } from "vitest"; import fs from "node:fs";
const f = ${JSON.stringify(join(d, "died"))};
test("dies once", () => { if (!fs.existsSync(f)) { fs.writeFileSync(f, "1"); process.kill(process.pid, "SIGKILL"); } expect(1).toBe(1); });
test("after", () => expect(2).toBe(2));\n`,
    }));
    const r = run(dir);
    expect(r.out).toContain("after a worker exit: passed");
    expect(r.last).toBe("5 passed, 0 failed, 0 skipped");
    expect(r.status).toBe(0);
  });

  it("never re-runs an assertion failure", () => {
    const dir = project(() => ({ "bad.test.ts": 'import { test, expect } from "vitest";\ntest("bad", () => expect(1).toBe(2));\n' }));
    const r = run(dir);
    expect(r.out).not.toContain("once more");
    expect(r.last).toBe("3 passed, 1 failed, 0 skipped");
    expect(r.status).toBe(1);
  });
});
