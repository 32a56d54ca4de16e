// Shared CLI plumbing: turns an action's result or error into output and an exit code.
import { EocubeError, exitCodeOf, isEocubeError } from "../core/errors.js";

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** Exit code of the last action, read by `main`. */
export const exitState = { code: 0 };

/**
 * Runs a command action: on success sets exit code 0 (or the code the action returns); on error prints
 * one clear message (JSON with `--json`) to stderr, never a stack trace for user errors, and sets
 * exit code 2 (user error) or 1 (internal).
 */
export async function runAction(opts: GlobalOptions, action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    exitState.code = typeof code === "number" ? code : 0;
  } catch (err) {
    exitState.code = exitCodeOf(err);
    printError(err, opts);
  }
}

/** Prints an error: `error: message` + path/field/hint lines, or a JSON object with `--json`. */
export function printError(err: unknown, opts: GlobalOptions = {}): void {
  if (opts.json) {
    const body = isEocubeError(err) ? err.toJSON() : { code: "INTERNAL", message: String((err as Error)?.message ?? err) };
    process.stderr.write(JSON.stringify({ error: body }) + "\n");
    return;
  }
  if (isEocubeError(err)) {
    const lines = [`error: ${err.message}`];
    if (err.path) lines.push(`  file: ${err.path}`);
    if (err.field) lines.push(`  field: ${err.field}`);
    if (err.hint) lines.push(`  hint: ${err.hint}`);
    if (!err.isUserError || opts.verbose) lines.push(String(err.stack ?? ""));
    process.stderr.write(lines.join("\n") + "\n");
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

/** Writes data as pretty JSON to stdout. */
export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + "\n");
}
