// Shared CLI plumbing: turns an action's result or error into output and an exit code.
import { EocubeError, exitCodeOf, isEocubeError } from "../core/errors.js";

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** Exit code of the last action, read by `main`. */
export const exitState = { code: 0 };

/** Exit code when stdout's (or stderr's) reader went away (EPIPE), as a shell reports a process ended by SIGPIPE. */
export const EXIT_PIPE_CLOSED = 141;

/** Set once stdout or stderr met EPIPE: nothing more is printed and the command exits {@link EXIT_PIPE_CLOSED}. */
export const pipeState = { closed: false };

/** The controllers of the running {@link withInterrupt} calls (aborted on EPIPE too). */
const running = new Set<AbortController>();

/**
 * Makes a closed stdout/stderr (`eocube … | head -3`: EPIPE) stop the command quietly instead of crashing
 * it: the running {@link withInterrupt} actions are aborted (they remove their temporary files), further
 * output is dropped, and `main` returns {@link EXIT_PIPE_CLOSED}. Installed once per process by `main`.
 */
export function handleClosedPipes(): void {
  if ((handleClosedPipes as { done?: boolean }).done) return;
  (handleClosedPipes as { done?: boolean }).done = true;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err?.code !== "EPIPE" && !pipeState.closed) throw err;
    if (pipeState.closed) return;
    pipeState.closed = true;
    // the error may come after `main` resolved (a pipe write fails asynchronously): set the exit code here too
    process.exitCode = EXIT_PIPE_CLOSED;
    for (const c of running) c.abort(new EocubeError("CANCELLED", "the output pipe was closed (EPIPE)"));
  };
  process.stdout.on("error", onError);
  process.stderr.on("error", onError);
}

/** Options of {@link withInterrupt}. */
export interface InterruptOptions {
  /** What is interrupted, for the CANCELLED message (e.g. `eocube gen`). */
  what: string;
}

/**
 * Runs `fn` with an AbortSignal fired by Ctrl-C (SIGINT), SIGTERM, or a closed output pipe (EPIPE): `fn`
 * is expected to stop, remove what it wrote and reject with CANCELLED, which the CLI reports (exit 2;
 * quietly with exit 141 for EPIPE). A second SIGINT/SIGTERM exits at once (130), leaving temporary files
 * that the next run reclaims.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, options: InterruptOptions): Promise<T> {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(130);
    if (!pipeState.closed)
      process.stderr.write(`\n${options.what}: ${sig} received, stopping and removing what was written (again to exit at once)\n`);
    abort.abort(new EocubeError("CANCELLED", `${options.what} was interrupted (${sig})`));
  };
  running.add(abort);
  if (pipeState.closed) abort.abort(new EocubeError("CANCELLED", "the output pipe was closed (EPIPE)"));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    running.delete(abort);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * Runs a command action: on success sets exit code 0 (or the code the action returns); on error prints
 * one clear message (JSON with `--json`) to stderr, never a stack trace for user errors, and sets
 * exit code 2 (user error) or 1 (internal). After a closed output pipe (EPIPE) nothing is printed and the
 * code is {@link EXIT_PIPE_CLOSED}.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an action returns an exit code or nothing at all
export async function runAction(opts: GlobalOptions, action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    exitState.code = typeof code === "number" ? code : 0;
  } catch (err) {
    exitState.code = exitCodeOf(err);
    if (!pipeState.closed) printError(err, opts);
  }
  if (pipeState.closed) exitState.code = EXIT_PIPE_CLOSED;
}

/** Prints an error: `error: message` + path/field/hint lines, or a JSON object with `--json`. */
export function printError(err: unknown, opts: GlobalOptions = {}): void {
  if (opts.json) {
    const body = isEocubeError(err) ? err.toJSON() : { code: "INTERNAL", message: String((err as Error)?.message ?? err) };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
    return;
  }
  if (isEocubeError(err)) {
    const lines = [`error: ${err.message}`];
    if (err.path) lines.push(`  file: ${err.path}`);
    if (err.field) lines.push(`  field: ${err.field}`);
    if (err.hint) lines.push(`  hint: ${err.hint}`);
    if (!err.isUserError || opts.verbose) lines.push(String(err.stack ?? ""));
    process.stderr.write(`${lines.join("\n")}\n`);
    return;
  }
  process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
}

/** Parses a JSON command-line option, naming the option on failure (INVALID_ARGUMENT). */
export function parseJsonOption(value: string | undefined, option: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new EocubeError("INVALID_ARGUMENT", `${option} is not valid JSON: ${(err as Error).message}`, {
      field: option,
      hint: `quote the JSON for the shell, e.g. ${option} '{"root": "/data"}'`,
    });
  }
}

/**
 * Parses an integer command-line option ≥ 1 (e.g. `--attempts 3`); undefined when not given.
 * @throws EocubeError INVALID_ARGUMENT naming the option and the value given.
 */
export function parsePositiveIntOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new EocubeError("INVALID_ARGUMENT", `${option} must be a positive integer, got ${value}`, { field: option });
  }
  return n;
}

/** Writes data as pretty JSON to stdout. */
export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}
