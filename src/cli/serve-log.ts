// `eocube serve`'s log output: pino JSON lines as they are, or one concise text line per request and message
// for a terminal (`--log-format text`), at a level (`--log-level`, `--quiet`).
import { Writable } from "node:stream";
import type { FastifyServerOptions } from "fastify";
import { EocubeError } from "../core/errors.js";

/** pino's levels, quietest last. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
/** A log level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How log lines are written: pino JSON lines, or concise text. */
export type LogFormat = "json" | "text";

const NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** Options of {@link serveLogger}. */
export interface ServeLogOptions {
  /** [default "info"; "warn" with `quiet`]. */
  level?: string;
  /** Only warnings and errors: no request lines [default false]. */
  quiet?: boolean;
  /** [default "text" when `out` is a terminal, else "json"]. */
  format?: string;
  /** Where lines go [default process.stdout]. */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * A stream turning pino's JSON lines into text: one line per request, `GET /tiles/olci/conc_chl/3/2/4 200
 * 12 ms` (fastify's "incoming request" and "request completed" lines joined by request id), and `WARN
 * message` for other lines (with the error's message, when there is one).
 */
export function textLogStream(out: NodeJS.WritableStream): Writable {
  const pending = new Map<string, string>();
  let buffer = "";
  const time = () => new Date().toISOString().slice(11, 19);
  const line = (text: string): void => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      out.write(`${text}\n`);
      return;
    }
    const level = NAMES[o.level as number] ?? "INFO";
    const reqId = typeof o.reqId === "string" ? o.reqId : undefined;
    const req = o.req as { method?: string; url?: string } | undefined;
    const res = o.res as { statusCode?: number } | undefined;
    if (o.msg === "incoming request" && reqId && req) {
      pending.set(reqId, `${req.method ?? ""} ${req.url ?? ""}`);
      if (pending.size > 10_000) pending.delete(pending.keys().next().value!);
      return;
    }
    if (o.msg === "request completed" && reqId) {
      const what = pending.get(reqId) ?? "request";
      pending.delete(reqId);
      const ms = typeof o.responseTime === "number" ? ` ${Math.round(o.responseTime)} ms` : "";
      out.write(`${time()} ${what} ${res?.statusCode ?? ""}${ms}\n`);
      return;
    }
    const err = o.err as { message?: string } | undefined;
    const extra = err?.message && err.message !== o.msg ? `: ${err.message}` : "";
    const ds = typeof o.dataset === "string" ? ` [${o.dataset}]` : "";
    out.write(`${time()} ${level}${ds} ${String(o.msg ?? "")}${extra}\n`);
  };
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (text.trim()) line(text);
      }
      done();
    },
  });
}

/**
 * The fastify logger option of `eocube serve`: pino at `level` writing JSON lines (`format: "json"`, the
 * default when the output is not a terminal: logs for machines) or concise text (see {@link textLogStream}).
 * `quiet` keeps warnings and errors only.
 * @throws EocubeError INVALID_ARGUMENT for an unknown level or format (field `--log-level`, `--log-format`).
 */
export function serveLogger(options: ServeLogOptions = {}): FastifyServerOptions["logger"] {
  const out = options.out ?? process.stdout;
  const level = (options.level ?? (options.quiet ? "warn" : "info")).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new EocubeError("INVALID_ARGUMENT", `--log-level ${JSON.stringify(options.level)} is not a log level`, {
      field: "--log-level",
      hint: `use one of ${LOG_LEVELS.join(", ")}`,
    });
  }
  const format = options.format ?? (out.isTTY ? "text" : "json");
  if (format !== "json" && format !== "text") {
    throw new EocubeError("INVALID_ARGUMENT", `--log-format ${JSON.stringify(options.format)} is neither json nor text`, {
      field: "--log-format",
      hint: "use --log-format text (one line per request) or json (pino JSON lines)",
    });
  }
  return { level, stream: format === "text" ? textLogStream(out) : out };
}
