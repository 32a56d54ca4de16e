// Progress bars of the long commands (cli-progress) on stderr, with count, rate and ETA: drawn only on a
// terminal, never with --json, and only once a job has run a moment, so piped and scripted output is unchanged.
import { createRequire } from "node:module";
import type { SingleBar } from "cli-progress";
import { formatBytes } from "../core/bytes.js";
import { pipeState } from "./run.js";

// cli-progress is loaded when a bar is first drawn (a terminal, a job of more than delayMs): piped and scripted runs
// (`eocube gen` in a benchmark, CI) do not pay for loading it
const require = createRequire(import.meta.url);

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** What is counted, after the numbers ("tasks", "files") [default: none]. */
  unit?: string;
  /** How a count is printed [default: the integer; `formatBytes` with `bytes`]. */
  format?: (n: number) => string;
  /** Counts are bytes: printed with `formatBytes` [default: false]. */
  bytes?: boolean;
  /** No bar before the job has run this long, ms, so short jobs print nothing [default: 1000]. */
  delayMs?: number;
  /** Draw even when stderr is not a terminal (tests) [default: false]. */
  force?: boolean;
  /** Where the bar goes [default: process.stderr]. */
  stream?: NodeJS.WritableStream;
}

/** A bar that a long job updates; a no-op when not drawn. */
export interface ProgressBar {
  /** Sets the work done of `total`; `note` is printed after the bar (e.g. bytes written). */
  update(done: number, total: number, note?: string): void;
  /** Draws the last state (if drawn at all) and ends the line; call it however the job ends. */
  stop(): void;
}

/**
 * A progress bar on stderr: `label [████░░░░] 42% | 420/1000 tasks | 35 tasks/s | ETA 17s`. Drawn only when
 * stderr is a terminal and the command has no `--json`, and from the first update after `delayMs`.
 * @param cli the command's options (`json` turns the bar off).
 */
export function progressBar(label: string, cli: { json?: boolean }, options: ProgressBarOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const tty = options.force || (stream as { isTTY?: boolean }).isTTY === true;
  if (cli.json || !tty) return { update() {}, stop() {} };
  const fmt = options.format ?? (options.bytes ? formatBytes : (n: number) => String(Math.round(n)));
  const unit = options.unit ? ` ${options.unit}` : "";
  const t0 = performance.now();
  const delayMs = options.delayMs ?? 1000;
  let bar: SingleBar | undefined;
  const last = { done: 0, total: 0, note: undefined as string | undefined };
  const payload = (done: number, note?: string) => {
    const s = (performance.now() - t0) / 1000;
    return {
      count: `${fmt(done)}/${fmt(last.total)}${unit}`,
      rate: s > 0 ? `${fmt(done / s)}${unit}/s` : "",
      note: note ? ` | ${note}` : "",
    };
  };
  return {
    update(done, total, note) {
      last.done = done;
      last.total = total;
      last.note = note;
      if (pipeState.closed) return;
      if (!bar) {
        if (performance.now() - t0 < delayMs) return;
        const { SingleBar: Bar } = require("cli-progress") as typeof import("cli-progress");
        bar = new Bar({
          stream,
          format: `${label} [{bar}] {percentage}% | {count} | {rate} | ETA {eta_formatted}{note}`,
          barsize: 24,
          fps: 5,
          etaBuffer: 20,
          hideCursor: false,
          noTTYOutput: options.force === true,
        });
        bar.start(total, done, payload(done, note));
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, payload(done, note));
    },
    stop() {
      if (!bar) return;
      if (!pipeState.closed) bar.update(last.done, payload(last.done, last.note));
      bar.stop();
      bar = undefined;
    },
  };
}
