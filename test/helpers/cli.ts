// Runs the built CLI (`node bin/eocube.js …`) and captures stdout, stderr and the exit code.
import { spawn, type ChildProcess } from "node:child_process";
import { REPO_ROOT } from "./paths.js";

/** Result of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/eocube.js ...args` in the repo root (needs `npm run build` first: the bin runs dist/).
 * Kills the process after `timeoutMs` (default 60 s) so a hang fails the test instead of blocking it.
 */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${REPO_ROOT}bin/eocube.js`, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A CLI process started by {@link startCli}: the child (for its pid and signals) and its result once it ends. */
export interface StartedCli {
  child: ChildProcess;
  /** Resolves when the process has ended (code null and `signal` set when a signal ended it). */
  result: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/eocube.js ...args` and returns at once, for tests that signal or kill it mid-run.
 * With `detached` the process leads its own process group, so `process.kill(-child.pid, sig)` reaches its
 * children (git, workers) too. Needs `npm run build` first (the bin runs dist/).
 */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): StartedCli {
  const child = spawn(process.execPath, [`${REPO_ROOT}bin/eocube.js`, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    detached: options.detached === true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result };
}
