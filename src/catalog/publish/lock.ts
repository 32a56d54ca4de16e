// One publisher per catalog: a lock file in the repository's git folder naming its holder's pid, and the temp
// folders of a publication (`<tmp>/eocube-publish-<pid>-*`), both taken over when their owner process has died.
import { readFileSync, rmSync, unlinkSync } from "node:fs";
import { type FileHandle, link, mkdtemp, open, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { EocubeError } from "../../core/errors.js";
import { runGit } from "./git.js";

/** The lock file's name in the repository's (common) git folder. */
export const LOCK_NAME = "eocube-publish.lock";

/** The prefix of every temp folder of a publication; the owner's pid follows it. */
export const TEMP_PREFIX = "eocube-publish-";

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks after boot (Linux /proc/<pid>/stat field 22), to tell a reused pid. */
  start?: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held catalog lock. */
export interface CatalogLock {
  /** Absolute path of the lock file. */
  path: string;
  /** Removes the lock file (once; later calls do nothing). */
  release(): Promise<void>;
}

// files and folders this process must remove when it ends, even through process.exit (see releaseOwnedSync)
const owned = { locks: new Set<string>(), dirs: new Set<string>() };
let exitHook = false;

function track(kind: "locks" | "dirs", path: string): void {
  owned[kind].add(path);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", releaseOwnedSync);
  }
}

/**
 * Removes, synchronously, every lock file and temp folder this process still holds. Runs on process exit; a signal
 * handler calls it before exiting at once. Never throws.
 */
export function releaseOwnedSync(): void {
  for (const p of owned.locks) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  owned.locks.clear();
  for (const d of owned.dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  owned.dirs.clear();
}

/** The start time of a process (Linux: field 22 of /proc/<pid>/stat) and whether it is a zombie; undefined elsewhere. */
function procStat(pid: number): { start: string; zombie: boolean } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) is in parentheses and may hold spaces: split after the last ')'
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { start: fields[19] ?? "", zombie: fields[0] === "Z" || fields[0] === "X" };
  } catch {
    return undefined;
  }
}

/**
 * True when process `pid` runs on this machine: `kill(pid, 0)` succeeds or is refused with EPERM, it is not a zombie,
 * and (when `start` is given and /proc is readable) it started when the lock says, so a reused pid counts as dead.
 */
export function isProcessAlive(pid: number, start?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const st = procStat(pid);
  if (st?.zombie) return false;
  if (start !== undefined && st !== undefined && st.start !== start) return false;
  return true;
}

function me(): LockOwner {
  const start = procStat(process.pid)?.start;
  return { pid: process.pid, host: hostname(), ...(start ? { start } : {}), since: new Date().toISOString() };
}

async function readOwner(path: string): Promise<{ text: string; owner?: LockOwner } | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as LockOwner;
    return { text, owner: typeof o?.pid === "number" ? o : undefined };
  } catch {
    return { text };
  }
}

/** A lock file older than this whose content cannot be read was left half-written by a killed process. */
const HALF_WRITTEN_MS = 10_000;

/**
 * True when the holder of a lock file is known to be gone: its record names this host and a process that is not
 * alive, or the record is unreadable and older than {@link HALF_WRITTEN_MS} (its writer was killed between
 * creating and writing it). A young unreadable record is being written: not dead.
 */
async function holderDead(path: string, held: { owner?: LockOwner }): Promise<boolean> {
  if (held.owner) return held.owner.host === hostname() && !isProcessAlive(held.owner.pid, held.owner.start);
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > HALF_WRITTEN_MS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** This process's temporary file beside a lock file `path` (see {@link createExclusive}). */
function recordFile(path: string, pid = process.pid): string {
  return `${path}.${pid}.tmp`;
}

/**
 * Creates `path` holding our owner record; false when it exists. The record is written whole into this process's
 * {@link recordFile}, which is then hard-linked as `path` (link(2) fails when `path` exists: an exclusive create that
 * publishes the whole record at once), so a kill at any moment never leaves an empty or half-written lock, only maybe
 * the temporary file, which the next {@link lockCatalog} removes. Where the file system has no hard links, the lock
 * is created with O_EXCL and written in place (then a kill in between leaves an unreadable lock, see
 * {@link HALF_WRITTEN_MS}).
 */
async function createExclusive(path: string): Promise<boolean> {
  const tmp = recordFile(path);
  const record = `${JSON.stringify(me())}\n`;
  const failed = (err: unknown) =>
    new EocubeError("GIT_ERROR", `cannot create the lock file ${path}: ${(err as Error).message}`, {
      path,
      hint: "check that the catalog repository's .git folder is writable",
    });
  try {
    await writeFile(tmp, record);
  } catch (err) {
    throw failed(err);
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw failed(err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  // no hard links here: exclusive create, then the record
  let fh: FileHandle;
  try {
    fh = await open(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw failed(err);
  }
  try {
    await fh.writeFile(record);
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes the {@link recordFile}s beside lock `path` (and its reclaim lock) of processes that no longer run. Never throws. */
async function removeDeadRecordFiles(path: string): Promise<void> {
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = /^(.*)\.(\d+)\.tmp$/.exec(n);
    if (!m || (m[1] !== basename(path) && m[1] !== `${basename(path)}.reclaim`)) continue;
    if (!isProcessAlive(Number(m[2]))) await unlink(join(dir, n)).catch(() => undefined);
  }
}

/**
 * Removes the lock at `path` if it still holds `staleText` (a dead owner's record). Reclaimers are serialised by a
 * second lock file `<path>.reclaim`, itself taken over when its owner died; so a fresh lock taken meanwhile by a
 * live process is never removed.
 */
async function reclaim(path: string, staleText: string): Promise<void> {
  const mutex = `${path}.reclaim`;
  if (!(await createExclusive(mutex))) {
    const other = await readOwner(mutex);
    if (other && !(await holderDead(mutex, other))) return; // another live process is reclaiming: let it
    await unlink(mutex).catch(() => undefined);
    if (!(await createExclusive(mutex))) return;
  }
  track("locks", mutex);
  try {
    const now = await readOwner(path);
    if (now?.text === staleText) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(mutex).catch(() => undefined);
    owned.locks.delete(mutex);
  }
}

/** The repository's common git folder (shared by its worktrees), absolute. */
async function gitCommonDir(repo: string): Promise<string> {
  const dir = (await runGit(["rev-parse", "--git-common-dir"], { cwd: repo })).stdout.trim();
  return isAbsolute(dir) ? dir : join(repo, dir);
}

/**
 * Takes the publication lock of the catalog repository `repo`: the file `<git common dir>/eocube-publish.lock`
 * created exclusively and whole (a hard link of a record written before, see createExclusive) with this process's
 * pid, host and start time. A lock whose holder has died (its pid
 * no longer runs on this host, is a zombie, or is a reused pid) is taken over. The lock is released by `release()`
 * and, whatever happens, when the process exits (an exit hook; a SIGKILLed holder leaves a lock the next run takes over).
 * @throws EocubeError GIT_ERROR naming the catalog and the holder's pid when another live process holds it.
 */
export async function lockCatalog(repo: string): Promise<CatalogLock> {
  const path = join(await gitCommonDir(repo), LOCK_NAME);
  await removeDeadRecordFiles(path);
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await createExclusive(path)) {
      track("locks", path);
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          owned.locks.delete(path);
          await unlink(path).catch(() => undefined);
        },
      };
    }
    const held = await readOwner(path);
    if (held === undefined) continue; // released in between: try again
    if (await holderDead(path, held)) {
      await reclaim(path, held.text);
      continue;
    }
    if (!held.owner) {
      await sleep(20); // being written by its creator: read it again
      continue;
    }
    const o = held.owner;
    const away = o.host !== hostname();
    throw new EocubeError(
      "GIT_ERROR",
      `the catalog ${repo} is locked by another eocube publish (pid ${o.pid}${away ? ` on ${o.host}` : ""}, since ${o.since})`,
      {
        path,
        details: { lock: path, pid: o.pid, host: o.host, since: o.since },
        hint:
          "wait until that publication has finished, then run again (a lock left by a process that has ended is taken " +
          `over automatically${away ? `; if no eocube runs as pid ${o.pid} on ${o.host}, remove the lock file` : ""})`,
      },
    );
  }
  throw new EocubeError("GIT_ERROR", `could not take the lock of the catalog ${repo}: other processes keep taking and releasing it`, {
    path,
    hint: "run again when the other publications have finished",
  });
}

/**
 * Makes a new temp folder `<os tmpdir>/eocube-publish-<pid>-XXXXXX` owned by this process: removed when the process
 * exits (an exit hook) unless removed before with {@link removeTempDir}; a folder left by a killed process is
 * removed by the next run's {@link reclaimTempDirs}.
 */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  track("dirs", dir);
  return dir;
}

/** Removes a folder made by {@link makeTempDir}. Never throws. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  owned.dirs.delete(dir);
}

/**
 * Removes the temp folders `<os tmpdir>/eocube-publish-<pid>-*` of this user whose owner process no longer runs
 * (left by a killed publication). Folders of live processes and of other users are left alone. Never throws.
 * @returns the folders removed.
 */
export async function reclaimTempDirs(): Promise<string[]> {
  const root = tmpdir();
  const names = await readdir(root).catch(() => [] as string[]);
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const m = /^eocube-publish-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    const dir = join(root, name);
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(dir);
  }
  return removed;
}
