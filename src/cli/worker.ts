// `eocube worker`: processes the chunk tasks of distributed gen runs and pyramids (`eocube gen|level --executor redis://…`).
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { formatBytes } from "../core/bytes.js";
import { EocubeError } from "../core/errors.js";
import type { WaitingEvent } from "../gen/executors/types.js";
import { runAction, type GlobalOptions } from "./run.js";

interface WorkerOptions extends GlobalOptions {
  redis: string;
  concurrency?: string;
  stallTimeout?: string;
  quiet?: boolean;
}

function positive(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new EocubeError("INVALID_ARGUMENT", `${field} must be a positive number, got ${value}`, { field });
  return n;
}

/**
 * The notice of `eocube gen|level` (`command`) when a distributed run waits on something other than its tasks
 * (Executor onWaiting): a line on stderr saying what to do, or with `jsonEvents` a
 * `{"event":"waiting","reason":…,"redis":…,"waited_s":…}` line on stdout (gen --json's event stream).
 */
export function waitingNotice(command: string, jsonEvents = false): (e: WaitingEvent) => void {
  return (e) => {
    if (jsonEvents) process.stdout.write(`${JSON.stringify({ event: "waiting", ...e })}\n`);
    else if (e.reason === "no_workers")
      process.stderr.write(
        `\n${command}: no task done for ${e.waited_s} s and no eocube worker is connected to ${e.redis}; the run waits for one. ` +
          `Start workers where the output is reachable: eocube worker --redis ${e.redis} (Ctrl-C stops the run)\n`,
      );
    else if (e.reason === "coordinator")
      process.stderr.write(
        `${command}: the run is held by ${e.holder}; waiting up to ${e.waited_s} s for its lease to run out (a coordinator stopped moments ago), then refusing if it still runs\n`,
      );
    else
      process.stderr.write(
        `\n${command}: Redis at ${e.redis} has not answered for ${e.waited_s} s; waiting for it (the run goes on when it is back; ` +
          "a Redis without persistence loses the run: it then fails. Ctrl-C twice exits at once)\n",
      );
  };
}

/** Registers `eocube worker --redis <url>` on the program. */
export function register(program: Command): void {
  program
    .command("worker")
    .description(
      "Process the chunk tasks of distributed gen runs and pyramids (eocube gen|level --executor redis://…) until stopped (Ctrl-C, SIGTERM)",
    )
    .requiredOption("--redis <url>", "the Redis of the runs: redis://host:6379[/db]")
    .option("--concurrency <n>", `tasks at once, each in a thread (default: the number of cores, ${availableParallelism()} here)`)
    .option("--stall-timeout <s>", "seconds after which the task of a worker that died is given to another (default 30)")
    .option("--quiet", "no line per task")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nThe output of a run must be on a store every worker can write: s3, or a file path on a volume all of them see.\n\nExample:\n  eocube worker --redis redis://127.0.0.1:6379/0",
    )
    .action(async (opts: WorkerOptions) => {
      await runAction(opts, async () => {
        const concurrency = positive(opts.concurrency, "--concurrency");
        const stallTimeout = positive(opts.stallTimeout, "--stall-timeout");
        // BullMQ, ioredis and the generator are loaded here, not at registration: `eocube worker --help` does not load them
        const { startGenWorker } = await import("../gen/executors/bullmq-worker.js");
        const worker = await startGenWorker({
          redis: opts.redis,
          concurrency: concurrency === undefined ? undefined : Math.floor(concurrency),
          stallTimeout,
          onTask: opts.quiet
            ? undefined
            : (e) =>
                process.stderr.write(
                  e.ok
                    ? `task ${e.id}: ${formatBytes(e.bytes ?? 0)} in ${e.ms} ms${e.late ? " (late: the task was redone elsewhere; these writes are removed when the run ends)" : ""}\n`
                    : `task ${e.id} failed after ${e.ms} ms: ${e.error}\n`,
                ),
          // rare and worth seeing: also with --quiet
          onConnection: (e) =>
            process.stderr.write(
              e.state === "unreachable"
                ? `eocube worker: cannot reach Redis at ${e.redis} (${e.error}); retrying until it answers (Ctrl-C stops)\n`
                : `eocube worker: Redis at ${e.redis} answers again\n`,
            ),
          onCleanup: (e) =>
            process.stderr.write(
              e.removed
                ? `eocube worker: removed the late writes of run ${e.run} at ${e.path}\n`
                : `eocube worker: run ${e.run} did not end within a day: late writes left at ${e.path}\n`,
            ),
        });
        process.stderr.write(`eocube worker: waiting for tasks on ${worker.label}\n`);
        await new Promise<void>((resolve) => {
          const stop = (sig: NodeJS.Signals) => {
            process.stderr.write(`eocube worker: ${sig} received, finishing the running tasks (${sig} again stops at once)\n`);
            resolve();
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await worker.close();
      });
    });
}
