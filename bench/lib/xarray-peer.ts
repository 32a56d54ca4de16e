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

/** A long-lived /usr/bin/python3 peer speaking one JSON line per command and answer. */
export interface PythonPeer {
  /** The peer's first line (its versions and set-up), parsed. */
  ready: Record<string, unknown>;
  /** Sends one command and resolves to the peer's answer line, parsed. */
  send(cmd: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/**
 * Starts `/usr/bin/python3 script ...args` and waits for its first line. Answers are matched to commands in order;
 * when the process exits, the pending commands are rejected with the end of its stderr.
 */
export async function startPythonPeer(script: string, args: string[] = []): Promise<PythonPeer> {
  const child: ChildProcessWithoutNullStreams = spawn("/usr/bin/python3", [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout });
  const queue: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  lines.on("line", (l) => queue.shift()?.resolve(l));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.once("exit", (code) => {
    for (const q of queue.splice(0)) q.reject(new Error(`${script} exited (${code}): ${stderr.slice(-2000)}`));
  });
  const next = () => new Promise<string>((resolve, reject) => queue.push({ resolve, reject }));
  const ready = JSON.parse(await next()) as Record<string, unknown>;
  return {
    ready,
    async send(cmd) {
      const p = next();
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
      return JSON.parse(await p);
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** Starts bench/xarray_peer.py with /usr/bin/python3 and waits until xarray is imported. */
export async function startXarrayPeer(): Promise<XarrayPeer> {
  const peer = await startPythonPeer(fileURLToPath(new URL("../xarray_peer.py", import.meta.url)));
  return {
    version: xarrayVersion(String(peer.ready.xarray)),
    send: async (cmd) => (await peer.send(cmd)) as PeerAnswer,
    close: () => peer.close(),
  };
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
