// Runs test/server/child-server.ts as a child process and resolves to its URL; `stop()` ends it by its pid.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A server running in a child process. */
export interface ChildServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server with `config` in a child Node process (tsx loader). */
export function startChildServer(config: unknown): Promise<ChildServer> {
  const script = fileURLToPath(new URL("./child-server.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1]!,
          pid: child.pid!,
          stop: () =>
            new Promise<void>((done) => {
              child.removeAllListeners("exit");
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}
