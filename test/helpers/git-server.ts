// Test helper: a real git HTTP server on 127.0.0.1 — git's own git-http-backend (CGI) behind a small Node shim
// that checks HTTP Basic auth (password = the token) and serves bare repositories as /<owner>/<repo>.git.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** git's CGI program (Debian package git). */
export const GIT_HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

/** One HTTP request the server saw (for assertions). */
export interface GitRequest {
  method: string;
  url: string;
  status: number;
  /** The Authorization header, as received (tests check the token never travels elsewhere). */
  authorization?: string;
}

/** A running git HTTP server. */
export interface GitServer {
  /** Base URL, e.g. http://127.0.0.1:PORT — remotes are `${url}/<owner>/<repo>.git`. */
  url: string;
  /** Folder holding `<owner>/<repo>.git` bare repositories. */
  root: string;
  requests: GitRequest[];
  /** Path of a bare repository. */
  barePath(owner: string, repo: string): string;
  /** Creates a bare repository from a folder that is a git repository (clone --bare). */
  createBare(owner: string, repo: string, from: string): string;
  /** Runs git in a bare repository and returns stdout. */
  git(owner: string, repo: string, ...args: string[]): string;
  /** Makes pushes to this repository fail (a pre-receive hook that exits 1 with `message`). */
  rejectPushes(owner: string, repo: string, message: string): void;
  close(): Promise<void>;
}

function checkAuth(req: IncomingMessage, token: string): string | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith("Basic ")) return undefined;
  const [user, ...rest] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":");
  return rest.join(":") === token ? user || "git" : undefined;
}

function runBackend(req: IncomingMessage, res: ServerResponse, root: string, user: string): Promise<number> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: user,
    REMOTE_ADDR: "127.0.0.1",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
  if (req.headers["git-protocol"]) env.HTTP_GIT_PROTOCOL = String(req.headers["git-protocol"]);
  return new Promise((resolve) => {
    const child = spawn(GIT_HTTP_BACKEND, [], { env });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    let status = 200;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let idx = head.indexOf("\r\n\r\n");
      let sepLen = 4;
      if (idx < 0) {
        idx = head.indexOf("\n\n");
        sepLen = 2;
      }
      if (idx < 0) return;
      headersDone = true;
      for (const line of head.subarray(0, idx).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      res.write(head.subarray(idx + sepLen));
    });
    child.stderr.on("data", () => {});
    child.on("close", () => {
      if (!headersDone) {
        status = 500;
        res.statusCode = 500;
      }
      res.end();
      resolve(status);
    });
  });
}

/**
 * Starts the git HTTP server on 127.0.0.1 (random port). Every request needs HTTP Basic auth whose password is
 * `token` (any user name), else 401 with a Basic challenge. Pushes are enabled (REMOTE_USER is set).
 */
export async function startGitServer(token: string): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), "eocube-gitsrv-"));
  const requests: GitRequest[] = [];
  const server = createServer((req, res) => {
    const user = checkAuth(req, token);
    const record = (status: number) =>
      requests.push({ method: req.method ?? "", url: req.url ?? "", status, authorization: req.headers.authorization });
    if (!user) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="eocube test git server"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      req.resume();
      record(401);
      return;
    }
    void runBackend(req, res, root, user).then(record);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const barePath = (owner: string, repo: string) => join(root, owner, `${repo}.git`);
  const git = (owner: string, repo: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: barePath(owner, repo), encoding: "utf8" });
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    requests,
    barePath,
    git,
    createBare(owner, repo, from) {
      mkdirSync(join(root, owner), { recursive: true });
      execFileSync("git", ["clone", "-q", "--bare", from, barePath(owner, repo)]);
      execFileSync("git", ["config", "http.receivepack", "true"], { cwd: barePath(owner, repo) });
      return barePath(owner, repo);
    },
    rejectPushes(owner, repo, message) {
      const hook = join(barePath(owner, repo), "hooks", "pre-receive");
      mkdirSync(join(barePath(owner, repo), "hooks"), { recursive: true });
      writeFileSync(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`);
      chmodSync(hook, 0o755);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
