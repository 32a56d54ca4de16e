// Test helpers of the BullMQ executor: `eocube` child processes run from the sources (coordinators, `eocube worker`),
// and polling until a condition holds.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./helpers.js";

const TSX = join(ROOT, "node_modules/tsx/dist/loader.mjs");

/** A started `eocube` child process: its exit, and what it printed so far. */
export interface EocubeChild {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null }>;
  out(): string;
  err(): string;
}

/** Starts `eocube` processes from the sources with `dir` as cwd; `killAll()` SIGKILLs those still running. */
export interface EocubeProcesses {
  /** Starts `eocube …args` (env added to this process's). */
  spawn(args: string[], env?: Record<string, string>): EocubeChild;
  /** Starts `eocube worker --redis <url> --stall-timeout 2 --quiet` (concurrency 2) and resolves once it waits for tasks. */
  startWorker(redis: string, options?: { concurrency?: number }): Promise<EocubeChild>;
  killAll(): void;
}

/** Writes the entry script into `dir` and returns the process starter. */
export async function eocubeProcesses(dir: string): Promise<EocubeProcesses> {
  const script = join(dir, "eocube.mjs");
  await writeFile(
    script,
    `import { main } from ${JSON.stringify(join(ROOT, "src/cli/index.ts"))};\nprocess.exitCode = await main(["node", "eocube", ...process.argv.slice(2)]);\n`,
  );
  const children: ChildProcess[] = [];
  const start = (args: string[], env: Record<string, string> = {}): EocubeChild => {
    const child = spawn(process.execPath, ["--import", TSX, script, ...args], { cwd: dir, env: { ...process.env, ...env } });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    return { child, done, out: () => stdout, err: () => stderr };
  };
  return {
    spawn: start,
    async startWorker(redis, options = {}) {
      const w = start(["worker", "--redis", redis, "--concurrency", String(options.concurrency ?? 2), "--stall-timeout", "2", "--quiet"]);
      await until("the worker to start", () => w.err().includes("waiting for tasks"), 30_000);
      return w;
    },
    killAll() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    },
  };
}

/** Polls `test` every 50 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const t = Date.now();
  while (!(await test())) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
