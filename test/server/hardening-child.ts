// Runs the real `eocube serve -c <config>` (CLI from source, tsx loader) as a child process on 127.0.0.1 for
// the hardening tests and the abuse benchmark: its URL, pid, log lines, RSS, and how and when it exited.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A running `eocube serve` process. */
export interface ServeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The JSON log lines (pino) printed so far on stdout, parsed. */
  logs: Record<string, unknown>[];
  /** stderr printed so far. */
  stderr(): string;
  /** Resolves when the process has exited: code, signal, and ms since `signal()` was last called (or since start). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Sends a signal (default SIGTERM) and notes the time. */
  signal(sig?: NodeJS.Signals): void;
  /** Ends the process (SIGTERM, then SIGKILL after 10 s) and removes its config folder. */
  stop(): Promise<void>;
}

/** The resident set size of a process in bytes (Linux /proc), or 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts `eocube serve -c <config as JSON> --port 0 --address 127.0.0.1` and resolves once it listens.
 * @param config the server config (written to a temp file; dataset paths absolute).
 * @param options `collectLogs: false` reads stdout without parsing it (a long load test) [default true].
 */
export function startServeProcess(config: unknown, options: { timeoutMs?: number; collectLogs?: boolean } = {}): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), "eocube-serve-hardening-"));
  const file = join(dir, "server.json");
  writeFileSync(file, JSON.stringify(config));
  const cli = fileURLToPath(new URL("./cli-main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", cli, "serve", "-c", file, "--port", "0", "--address", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  const logs: Record<string, unknown>[] = [];
  let signalledAt = performance.now();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((done) => {
    child.once("exit", (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      done({ code, signal, ms: performance.now() - signalledAt });
    });
  });
  child.stdout!.on("data", (d: Buffer) => {
    if (options.collectLogs === false) return;
    out += d.toString();
    for (let nl = out.indexOf("\n"); nl >= 0; nl = out.indexOf("\n")) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`eocube serve did not listen within ${options.timeoutMs ?? 60_000} ms: ${err}`));
    }, options.timeoutMs ?? 60_000);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`eocube serve exited with ${e.code ?? e.signal} before listening: ${err}`));
    });
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m && !(child as { listening?: boolean }).listening) {
        (child as { listening?: boolean }).listening = true;
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          pid: child.pid!,
          child,
          logs,
          stderr: () => err,
          exited,
          signal(sig: NodeJS.Signals = "SIGTERM") {
            signalledAt = performance.now();
            child.kill(sig);
          },
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill("SIGTERM");
            const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(t);
          },
        });
      }
    });
  });
}
