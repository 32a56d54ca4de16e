// The git CLI, run through execFile (no shell), with default identity and per-command credentials.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { EocubeError } from "../../core/errors.js";
import { redactSecrets } from "./redact.js";

/** Options of {@link runGit}. */
export interface GitOptions {
  /** Working directory (the repository). */
  cwd: string;
  /** Extra environment variables for this command only (e.g. credentials through GIT_CONFIG_*). */
  env?: Record<string, string>;
  /** Secrets to redact from any error text. */
  secrets?: Array<string | undefined>;
  /** Exit codes that are not errors (default [0]); `git diff --no-index` uses 1 for "differs". */
  okCodes?: number[];
  /** Hint put on the GIT_ERROR raised when the command fails. */
  hint?: string;
  /** Aborts the command (kills git) when signalled; the command then fails with CANCELLED (or the signal's EocubeError reason). */
  signal?: AbortSignal;
  /** Text written to git's standard input (e.g. `update-index --index-info`, `hash-object --stdin-paths`). */
  input?: string;
}

/** The output of a git command. */
export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Identity used for commits when the repository and the user's config set none (never written to any config). */
export const DEFAULT_IDENTITY = { name: "eocube", email: "eocube@users.noreply.github.com" } as const;

/**
 * Runs `git <args>` in `options.cwd` and resolves with its output.
 * The environment disables prompts (GIT_TERMINAL_PROMPT=0), localisation (LC_ALL=C) and optional locks
 * (GIT_OPTIONAL_LOCKS=0: `git status` never rewrites the user's index, so a killed eocube leaves no index.lock).
 * @throws EocubeError GIT_ERROR (with the command and git's redacted stderr) when git exits with a code
 *   not in `okCodes` or cannot be started; CANCELLED when `options.signal` aborted it.
 */
export function runGit(args: string[], options: GitOptions): Promise<GitResult> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", GCM_INTERACTIVE: "never", GIT_OPTIONAL_LOCKS: "0", ...options.env };
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelled(args, options.signal));
      return;
    }
    const child = execFile(
      "git",
      args,
      { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024, signal: options.signal, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err && options.signal?.aborted) {
          reject(cancelled(args, options.signal));
          return;
        }
        if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT" && !stderr && existsSync(options.cwd)) {
          reject(
            new EocubeError("GIT_ERROR", "git is not installed or not on PATH", {
              path: options.cwd,
              hint: "install git (e.g. apt-get install git)",
            }),
          );
          return;
        }
        const code = err
          ? typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number"
            ? (err as unknown as { code: number }).code
            : -1
          : 0;
        if (!err || (options.okCodes ?? [0]).includes(code)) {
          resolve({ stdout, stderr, code });
          return;
        }
        const secrets = options.secrets ?? [];
        const what = redactSecrets(`git ${args.join(" ")}`, secrets);
        // one line: git's own lines (hints, "error: failed to push some refs", remote messages) joined with "; "
        const detail = redactSecrets(
          (stderr || (err as Error).message || "")
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith("hint:"))
            .join("; "),
          secrets,
        );
        reject(
          new EocubeError("GIT_ERROR", `${what} failed: ${detail || `exit code ${code}`}`, {
            path: options.cwd,
            hint: options.hint,
          }),
        );
      },
    );
    // EPIPE when git exits before reading all its input: the exit code tells what happened
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/** The error of a git command stopped by its AbortSignal: the signal's EocubeError reason, else CANCELLED. */
function cancelled(args: string[], signal: AbortSignal): EocubeError {
  const reason: unknown = signal.reason;
  if (reason instanceof EocubeError) return reason;
  return new EocubeError("CANCELLED", `git ${args[0] ?? ""} was cancelled`, { cause: reason });
}

/**
 * The `-c user.name=… -c user.email=…` arguments to put before a committing command when the
 * repository (or the user's global config) sets no identity; an empty list otherwise. Never writes config.
 */
export async function identityArgs(cwd: string): Promise<string[]> {
  const args: string[] = [];
  const name = await runGit(["config", "user.name"], { cwd, okCodes: [0, 1] });
  const email = await runGit(["config", "user.email"], { cwd, okCodes: [0, 1] });
  if (!name.stdout.trim()) args.push("-c", `user.name=${DEFAULT_IDENTITY.name}`);
  if (!email.stdout.trim()) args.push("-c", `user.email=${DEFAULT_IDENTITY.email}`);
  return args;
}

/**
 * Environment variables that give git an HTTP Basic `Authorization` header for one command, through
 * GIT_CONFIG_COUNT/KEY/VALUE (git ≥ 2.31), so the token is never on the command line, in a URL or in
 * `.git/config`. User name "x-access-token" with the token as password, as GitHub accepts. With `urlBase`
 * the header is scoped to that URL prefix (`http.<urlBase>/.extraHeader`), so a redirect to another host
 * never receives it. Entries already in the environment's GIT_CONFIG_* list are kept.
 */
export function gitAuthEnv(
  token: string | undefined,
  urlBase?: string,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
  const index = Number.isFinite(n) && n > 0 ? n : 0;
  return {
    GIT_CONFIG_COUNT: String(index + 1),
    [`GIT_CONFIG_KEY_${index}`]: urlBase ? `http.${urlBase.replace(/\/+$/, "")}/.extraHeader` : "http.extraHeader",
    [`GIT_CONFIG_VALUE_${index}`]: `Authorization: Basic ${basic}`,
  };
}
