// Starts a throw-away redis-server (Debian's) on 127.0.0.1 and a free port, without persistence, for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A running redis-server: its URL and a stop function. */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no` and resolves once it accepts
 * connections (throws when it does not within 10 s, e.g. redis-server is not installed:
 * scripts/install-system-deps.sh installs it). `port`: that port instead (a restart of a stopped one: empty).
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  port ??= await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s: ${out}`)), 10_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (install it: scripts/install-system-deps.sh): ${err.message}`));
    });
    child.stdout!.on("data", (d) => {
      out += String(d);
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
