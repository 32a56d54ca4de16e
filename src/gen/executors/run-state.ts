// Who may write into a distributed run's temporary store, and when: the coordinator opens a wave (gen: wave 0;
// a pyramid: one wave per level) and closes it before committing; a worker writes a task's chunks only under a
// lease taken while the task's wave is open, and the coordinator commits only once no live lease is left. A
// worker that wrote without a valid lease (frozen longer than its lease, its job meanwhile redone elsewhere and
// the run committed) learns it when releasing, and removes what it wrote once the run has ended, so a slow
// duplicate never leaves a hidden temporary folder at the output. All times are Redis's (TIME), one clock.
import { randomUUID } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Redis } from "./bullmq-lib.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { FileFileSystem } from "../../fs/file.js";
import type { FileSystem } from "../../fs/types.js";
import { runKeys } from "./redis.js";

// now in ms of Redis's clock; the open wave of the run hash KEYS[1] (a run of a coordinator predating waves, with
// a document and no 'open' field, is always open)
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function openWave(wave)
  local open = redis.call('HGET', KEYS[1], 'open')
  if not open and redis.call('HEXISTS', KEYS[1], 'doc') == 1 then return wave end
  return open
end`;

// KEYS: run hash, leases; ARGV: wave, member, ttl ms → 1 when the wave is open (lease taken), else 0
const ACQUIRE = `${NOW}
if openWave(ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
return 1`;

// KEYS: run hash, leases; ARGV: member, ttl ms → 1 when the lease was still valid (and is extended), else 0
const RENEW = `${NOW}
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) < now then return 0 end
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[2]), ARGV[1])
return 1`;

// KEYS: run hash, leases[, done tasks]; ARGV: wave, member[, task, bytes] → 2: the wave is still open (the task is
// recorded as done in KEYS[3], its bytes added to the run's once); 1: it is being committed and the coordinator
// waits for this (valid) lease; 0: the writes may have come after a commit or a removal
const RELEASE = `${NOW}
local s = redis.call('ZSCORE', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
local open = openWave(ARGV[1])
if open == ARGV[1] then
  if KEYS[3] and redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[4]) == 1 then redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[4]) end
  return 2
end
if open == 'closed' and s and tonumber(s) >= now then return 1 end
return 0`;

// KEYS: leases → the number of live leases, and of expired ones dropped
const LIVE = `${NOW}
local dropped = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return { redis.call('ZCARD', KEYS[1]), dropped }`;

/** Opens wave `wave` of a run: the workers of its tasks may write (gen runs have wave 0 only). */
export async function openWave(client: Redis, run: string, wave: number): Promise<void> {
  await client.hset(runKeys(run).run, "open", String(wave));
}

/**
 * Closes the open wave of a run (no worker takes a new lease) and waits until no live lease is left: the
 * writers that began meanwhile have finished, or their leases expired (a worker killed or frozen; such a
 * writer removes its late writes itself, see {@link releaseWrite}). Call it before committing.
 * @returns true when expired leases were dropped (a writer may be frozen in the middle of a write: see
 *   {@link removeStrayPutFiles}).
 * @throws the signal's reason when aborted while waiting.
 */
export async function closeWave(client: Redis, run: string, options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<boolean> {
  const keys = runKeys(run);
  await client.hset(keys.run, "open", "closed");
  let expired = false;
  for (;;) {
    const [live, dropped] = (await client.eval(LIVE, 1, keys.leases)) as [number, number];
    if (Number(dropped) > 0) expired = true;
    if (Number(live) === 0) return expired;
    throwIfAborted(options.signal);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/**
 * Removes the temporary files of unfinished local writes (`<key>.tmp-<pid>-<random>`, see FileFileSystem.put)
 * from a committed store: a writer frozen between writing such a file and renaming it, whose lease expired, had
 * it caught by the commit's rename (its own rename then fails, and anything it writes later goes to the old
 * path, which it removes itself). Object stores write whole objects: nothing to do there.
 * @returns the number of files removed.
 */
export async function removeStrayPutFiles(fs: FileSystem, key: string): Promise<number> {
  if (!(fs instanceof FileFileSystem)) return 0;
  const entries = await readdir(fs.resolve(key), { recursive: true, withFileTypes: true }).catch(() => []);
  let n = 0;
  for (const e of entries) {
    if (e.isFile() && /\.tmp-\d+-[0-9a-z]+$/.test(e.name)) {
      await rm(join(e.parentPath, e.name), { force: true });
      n++;
    }
  }
  return n;
}

/**
 * Takes a write lease for a task of `wave` (valid `ttlMs`, extend it with {@link renewWrite} while writing).
 * @returns false when the wave is not open (the run was committed, removed, or is past that level): write nothing.
 */
export async function acquireWrite(client: Redis, run: string, wave: number, member: string, ttlMs: number): Promise<boolean> {
  const keys = runKeys(run);
  return Number(await client.eval(ACQUIRE, 2, keys.run, keys.leases, String(wave), member, String(Math.ceil(ttlMs)))) === 1;
}

/** Extends a live write lease by `ttlMs`; false when it had expired (the coordinator may not wait for it). */
export async function renewWrite(client: Redis, run: string, member: string, ttlMs: number): Promise<boolean> {
  const keys = runKeys(run);
  return Number(await client.eval(RENEW, 2, keys.run, keys.leases, member, String(Math.ceil(ttlMs)))) === 1;
}

/**
 * Releases a write lease after the writes: `open` (the wave is still open; with `done`, task `done.task` is
 * recorded as done in the same round trip, and its `bytes` added to the run's the first time), `waited` (the
 * wave is being committed and the coordinator waited for these writes: they are in, nothing to record), or
 * `late` (the lease had expired and the wave was closed, or the run was removed: the writes may have come after
 * its commit and must be removed once the run has ended).
 */
export async function releaseWrite(
  client: Redis,
  run: string,
  wave: number,
  member: string,
  done?: { task: number; bytes: number },
): Promise<"open" | "waited" | "late"> {
  const keys = runKeys(run);
  const r = Number(
    await (done
      ? client.eval(RELEASE, 3, keys.run, keys.leases, keys.done, String(wave), member, String(done.task), String(done.bytes))
      : client.eval(RELEASE, 2, keys.run, keys.leases, String(wave), member)),
  );
  return r === 2 ? "open" : r === 1 ? "waited" : "late";
}

/**
 * Resolves once run `run` has ended (its document is gone: committed, failed or cancelled), polling every
 * 0.2…5 s; false when it has not ended within `maxMs` (its coordinator was killed and not resumed, or Redis is
 * unreachable).
 */
export async function runEnded(client: Redis, run: string, maxMs: number): Promise<boolean> {
  const t0 = Date.now();
  let wait = 200;
  // (a Redis error counts as not ended yet: asked again)
  while (await client.hexists(runKeys(run).run, "doc").catch(() => 1)) {
    if (Date.now() - t0 > maxMs) return false;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(5000, wait * 2);
  }
  return true;
}

// KEYS: coordinator lease; ARGV: holder, ttl ms → 1 when this holder has the lease (extended; taken again when it
// had expired and nobody took it meanwhile), 0 when another coordinator holds it
const HOLD = `local h = redis.call('GET', KEYS[1])
if h and h ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1`;

// KEYS: coordinator lease; ARGV: holder → deleted when this holder has it
const LET_GO = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1`;

/** A coordinator lease's holder as told to users: `eocube gen on <host> (pid <n>)` (its random suffix left out). */
export function coordinatorName(holder: string): string {
  return holder.replace(/ [0-9a-f-]{36}$/, "");
}

/** Lifetime of a coordinator's lease (ms), renewed every third of it; `EOCUBE_GEN_LEASE_MS` sets another. */
export const COORDINATOR_LEASE_MS = 10_000;

function envLeaseMs(): number {
  const n = Number(process.env.EOCUBE_GEN_LEASE_MS);
  return Number.isFinite(n) && n >= 300 ? n : COORDINATOR_LEASE_MS;
}

/** The lease of the one coordinator of a run ({@link takeCoordinator}). */
export interface CoordinatorLease {
  /** Who holds it: `eocube gen on <host> (pid <n>)`. */
  readonly holder: string;
  /** True once a renewal found another coordinator holding the run (this one must stop without touching it). */
  lost(): boolean;
  /**
   * Renews the lease now (before a commit: the fence against a coordinator that was frozen longer than the lease).
   * @throws EocubeError CANCELLED naming the coordinator that took the run over.
   */
  check(): Promise<void>;
  /**
   * Whether this coordinator still holds the run (renewed now): asked before removing a failed run, which must not
   * touch a run another coordinator took over (it may be committing it). False when Redis does not answer.
   */
  holds(): Promise<boolean>;
  /** Stops the renewals and lets the lease go (when the run has ended, or this coordinator stops). */
  release(): Promise<void>;
}

/**
 * Takes the lease of the one coordinator of `run` (a new run, or `--resume`), renewed every third of
 * {@link COORDINATOR_LEASE_MS} until released. Two coordinators of one run would both commit it, the second one
 * replacing the first one's cube with an empty store: a second `--resume` waits up to one lease time (its
 * coordinator was killed moments ago: its lease runs out; `onWait` is told once), then refuses while the holder
 * keeps renewing. The caller loads the run again once it holds the lease (it may have ended meanwhile).
 * `command`: `eocube gen` or `eocube level` (named in the holder and the error).
 * @throws EocubeError INVALID_ARGUMENT (field --resume) naming the live holder; the signal's reason when aborted.
 */
export async function takeCoordinator(
  client: Redis,
  run: string,
  command: string,
  options: { signal?: AbortSignal; leaseMs?: number; onWait?: (holder: string, maxS: number) => void } = {},
): Promise<CoordinatorLease> {
  const key = runKeys(run).coordinator;
  const leaseMs = options.leaseMs ?? envLeaseMs();
  const holder = `${command} on ${hostname()} (pid ${process.pid}) ${randomUUID()}`;
  const name = coordinatorName;
  const hold = async () => Number(await client.eval(HOLD, 1, key, holder, String(leaseMs))) === 1;
  const busy = (other: string | null) =>
    new EocubeError(
      "INVALID_ARGUMENT",
      `run ${run} is coordinated by ${name(other ?? "another coordinator")}, which is running: a second coordinator would commit it twice`,
      {
        field: "--resume",
        hint: "wait for that one to finish, or stop it (Ctrl-C) and resume again",
      },
    );
  const until = Date.now() + leaseMs + 1000;
  let told = false;
  while (!(await hold())) {
    throwIfAborted(options.signal);
    if (!told) {
      told = true;
      options.onWait?.(name((await client.get(key)) ?? "another coordinator"), Math.ceil((until - Date.now()) / 1000));
    }
    if (Date.now() > until) throw busy(await client.get(key));
    await new Promise((r) => setTimeout(r, 250));
  }
  let lost = false;
  const timer = setInterval(
    () =>
      void hold().then(
        (ok) => {
          if (!ok) lost = true;
        },
        () => undefined, // Redis unreachable: the run's own polls say so
      ),
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    holder: name(holder),
    lost: () => lost,
    async check() {
      if (lost || !(await hold())) {
        lost = true;
        const other = name((await client.get(key)) ?? "another coordinator");
        throw new EocubeError(
          "CANCELLED",
          `this coordinator lost run ${run} to ${other} (it had not renewed its lease for ${leaseMs / 1000} s: frozen, or cut off from Redis); it stops and leaves the run to that one`,
          { hint: "see that coordinator's result" },
        );
      }
    },
    async holds() {
      if (lost) return false;
      const ok = await hold().catch(() => false);
      if (!ok) lost = true;
      return ok;
    },
    async release() {
      clearInterval(timer);
      if (!lost) await client.eval(LET_GO, 1, key, holder).catch(() => undefined);
    },
  };
}
