// A handle on bench/xarray_peer.py: one long-lived /usr/bin/python3 process answering timed xarray commands.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { xarrayVersion } from "../run.js";

/** Answer of one peer command: the time xarray took, in milliseconds, plus details. */
export interface PeerAnswer {
  ms: number;
  [key: string]: unknown;
}

/** The running xarray peer. */
export interface XarrayPeer {
  version: string;
  send(cmd: Record<string, unknown>): Promise<PeerAnswer>;
  close(): void;
}

/** Starts bench/xarray_peer.py with /usr/bin/python3 and waits until xarray is imported. */
export async function startXarrayPeer(): Promise<XarrayPeer> {
  const script = fileURLToPath(new URL("../xarray_peer.py", import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn("/usr/bin/python3", [script], { stdio: ["pipe", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout });
  const queue: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  lines.on("line", (l) => queue.shift()?.resolve(l));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.once("exit", (code) => {
    for (const q of queue.splice(0)) q.reject(new Error(`xarray peer exited (${code}): ${stderr.slice(-2000)}`));
  });
  const next = () => new Promise<string>((resolve, reject) => queue.push({ resolve, reject }));
  const ready = JSON.parse(await next()) as { xarray: string };
  return {
    version: xarrayVersion(String(ready.xarray)),
    async send(cmd) {
      const p = next();
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
      return JSON.parse(await p) as PeerAnswer;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
