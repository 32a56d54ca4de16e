// Redis connection settings of the BullMQ executor from a `redis://[user:password@]host:port[/db]` URL, and
// the names (queue, run keys) the coordinator and the workers share.
import { EocubeError } from "../../core/errors.js";

/** ioredis connection options as BullMQ takes them. */
export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  /** BullMQ workers need blocking commands without a retry limit. */
  maxRetriesPerRequest: null;
}

/** The BullMQ queue every gen run and `eocube worker` use. */
export const GEN_QUEUE = "eocube-gen";

/**
 * Redis keys of one run: its document (hash fields `doc`, `bytes`, `open`: the wave whose tasks may write, see
 * run-state.ts), done tasks (index → bytes), task errors, the write leases of workers (sorted set, member →
 * expiry in ms of Redis time), and the lease of its coordinator (a string naming it, with an expiry).
 */
export function runKeys(runId: string): { run: string; done: string; errors: string; leases: string; coordinator: string } {
  const base = `eocube:gen:run:${runId}`;
  return { run: base, done: `${base}:done`, errors: `${base}:errors`, leases: `${base}:leases`, coordinator: `${base}:coordinator` };
}

/**
 * Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS); port 6379 and db 0 by default.
 * @throws EocubeError INVALID_ARGUMENT naming `field` (e.g. `--executor`) when it is not such a URL.
 */
export function parseRedisUrl(url: string, field = "--executor"): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL("invalid://");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new EocubeError("INVALID_ARGUMENT", `${field} must be local or a Redis URL redis://host:6379[/db], got ${url}`, {
      field,
      hint: "e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS)",
    });
  }
  const path = u.pathname.replace(/^\/+/, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new EocubeError("INVALID_ARGUMENT", `${field}: the Redis database must be a number, got /${path}`, { field });
  }
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages. */
export function redisLabel(c: RedisConnection): string {
  return `redis${c.tls ? "s" : ""}://${c.host}:${c.port}/${c.db}`;
}
