// Replacing a store (a folder of objects) by a finished sibling so that a kill at any moment loses neither,
// and recovering what a killed run left beside its target (aside copies of the old store, temporary stores).
import { createHash, randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { FileFileSystem } from "./file.js";
import { joinKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** What a hidden sibling of a target holds: `tmp` a store being written (or garbage), `old` the replaced store. */
export type SiblingKind = "tmp" | "old";

/** This host, as a 6-hex tag in sibling names: a sibling of another host (shared disk, bucket) is never reclaimed. */
const HOST = createHash("sha1").update(hostname()).digest("hex").slice(0, 6);

/** The object that marks an aside copy on an object store as complete (written after the copy, deleted first). */
const ASIDE_COMPLETE = ".eocube-aside-complete";

/** Root metadata keys that make a store valid-looking: deleted first, copied last. */
const ROOT_MARKERS = new Set([".zmetadata", "zarr.json", ".zlevels", ".zgroup", ".zattrs"]);

/**
 * The hidden sibling of `target` (a key or path, `/`-separated) of a kind:
 * `dir/.name.<kind>-<pid>-<host>-<token>`. `token` defaults to a fresh random one; the aside copy of a
 * swap uses its temporary store's token ({@link asideOf}).
 */
export function siblingPath(
  target: string,
  kind: SiblingKind,
  token = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`,
): string {
  const base = target.replace(/\/+$/, "");
  const i = base.lastIndexOf("/");
  return `${i < 0 ? "" : base.slice(0, i + 1)}.${base.slice(i + 1)}.${kind}-${process.pid}-${HOST}-${token}`;
}

/** The fields of a sibling's name (its last path segment), or undefined when it is none. */
export function parseSibling(name: string): { target: string; kind: SiblingKind; pid: number; host?: string; token: string } | undefined {
  const m = /^\.(.+)\.(tmp|old)-(\d+)-(?:([0-9a-f]{6})-)?([0-9a-z]+)$/.exec(name.replace(/\/+$/, ""));
  if (!m) return undefined;
  return { target: m[1]!, kind: m[2] as SiblingKind, pid: Number(m[3]), host: m[4], token: m[5]! };
}

/** The aside path a swap of `tmp` (a `tmp` sibling) moves the old target to: same pid and token, kind `old`. */
function asideOf(tmp: string): string {
  return tmp.replace(/\.tmp-(\d+-(?:[0-9a-f]{6}-)?[0-9a-z]+)$/, ".old-$1");
}

/** True when the sibling's writer may still run: another host's, or a live process of this host. */
function ownerMayRun(s: { pid: number; host?: string }): boolean {
  if (s.host !== undefined && s.host !== HOST) return true;
  if (s.pid === process.pid) return true;
  try {
    process.kill(s.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, but another user's
  }
}

/** Test hook: `EOCUBE_SWAP_PAUSE_MS` pauses before each step of a swap, so tests can kill a run inside it. */
async function pause(): Promise<void> {
  const ms = Number(process.env.EOCUBE_SWAP_PAUSE_MS ?? 0);
  if (ms > 0) await sleep(ms);
}

async function renameKey(fs: FileFileSystem, from: string, to: string): Promise<void> {
  try {
    await rename(fs.resolve(from), fs.resolve(to));
  } catch (err) {
    throw new EocubeError("INTERNAL", `cannot rename ${fs.resolve(from)} to ${fs.resolve(to)}: ${(err as Error).message}`, {
      path: fs.resolve(to),
      cause: err,
    });
  }
}

/** Removes a local folder by renaming it to a fresh `tmp` sibling first, so a half-removed folder is never taken for a complete one. */
async function trashLocal(fs: FileFileSystem, key: string, target: string): Promise<void> {
  const trash = siblingPath(target, "tmp");
  await renameKey(fs, key, trash);
  await rm(fs.resolve(trash), { recursive: true, force: true }).catch(() => undefined);
}

/** True when a store (a folder prefix) or an object exists at `key` (s3's `exists` of a bare key is one object only). */
export async function storeExists(fs: FileSystem, key: string, options: ReadOptions = {}): Promise<boolean> {
  return (await fs.exists(`${key.replace(/\/+$/, "")}/`, options)) || (await fs.exists(key, options));
}

async function listAll(fs: FileSystem, prefix: string, options: ReadOptions, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.list(joinKey(prefix, rel), options)) {
    if (e.endsWith("/")) out.push(...(await listAll(fs, prefix, options, rel ? `${rel}/${e.slice(0, -1)}` : e.slice(0, -1))));
    else out.push(rel ? `${rel}/${e}` : e);
  }
  return out;
}

/**
 * Copies every object of store `from` to `to` (object stores): data first, array metadata, then the root metadata
 * last (each group done before the next begins; up to 16 objects of a group at once, 32 with copies on the server:
 * {@link FileSystem.copy}).
 */
async function copyStore(fs: FileSystem, from: string, to: string, options: ReadOptions): Promise<void> {
  const keys = (await listAll(fs, from, options)).filter((k) => k !== ASIDE_COMPLETE);
  const rank = (k: string) =>
    ROOT_MARKERS.has(k) ? (k === ".zgroup" || k === ".zattrs" ? 2 : 3) : /(^|\/)(\.zarray|\.zattrs|\.zgroup|zarr\.json)$/.test(k) ? 1 : 0;
  for (let r = 0; r <= 3; r++) {
    const group = keys.filter((k) => rank(k) === r);
    let next = 0;
    const copyNext = async (): Promise<void> => {
      while (next < group.length) {
        const k = group[next++]!;
        if (fs.copy) {
          // on the server (S3 CopyObject): the coordinator of a distributed run does not download and upload the cube;
          // a source the server says is missing is read and written here (gone since the listing: nothing to copy; or
          // a key the server decodes wrongly from the copy-source header, as s3rver does with '+' or non-ASCII letters)
          const copied = await fs.copy(joinKey(from, k), joinKey(to, k), options).then(
            () => true,
            (err: unknown) => {
              if (isEocubeError(err, "NOT_FOUND")) return false;
              throw err;
            },
          );
          if (copied) continue;
        }
        const bytes = await fs.get(joinKey(from, k), options);
        if (bytes) await fs.put(joinKey(to, k), bytes, options);
      }
    };
    // copies on the server are requests only: more of them in flight
    await Promise.all(Array.from({ length: Math.min(fs.copy ? 32 : 16, group.length) }, copyNext));
  }
}

/** Deletes a store on an object store: its completion mark and root metadata first, so a half-deleted store never looks valid. */
async function deleteStore(fs: FileSystem, key: string, options: ReadOptions): Promise<void> {
  await fs.delete(`${key}/${ASIDE_COMPLETE}`, options);
  for (const m of [".zmetadata", "zarr.json", ".zlevels"]) await fs.delete(`${key}/${m}`, options);
  await fs.delete(`${key}/`, options);
}

/**
 * Puts the finished store `tmp` (a `tmp` sibling of `target`, see {@link siblingPath}) in place of
 * `target`, which may exist. At no moment is the old store lost, whatever kills the process:
 * - local folders: the old target is renamed aside (`.name.old-<pid>-…`), `tmp` renamed to `target`,
 *   then the aside removed. A kill leaves the complete old store at `target` (before the second
 *   rename) or the complete new one (after it); between the two renames (microseconds) `target` is
 *   missing and the aside holds the complete old store, which the next {@link recoverSiblings} restores.
 * - object stores (s3, memory; no atomic rename): the old store is copied aside and marked complete,
 *   deleted, the new store copied in (root metadata last), then the aside deleted (mark first). A kill
 *   while the target is incomplete leaves the complete aside copy, which the next
 *   {@link recoverSiblings} copies back; the target may look incomplete until then.
 * @throws EocubeError from the file system; a failed local rename restores the old store first.
 */
export async function swapInto(fs: FileSystem, tmp: string, target: string, options: ReadOptions = {}): Promise<void> {
  const aside = asideOf(tmp);
  const had = await storeExists(fs, target, options);
  if (fs instanceof FileFileSystem) {
    await pause();
    if (had) await renameKey(fs, target, aside);
    await pause();
    try {
      await renameKey(fs, tmp, target);
    } catch (err) {
      if (had) await renameKey(fs, aside, target).catch(() => undefined);
      throw err;
    }
    await pause();
    if (had) await trashLocal(fs, aside, target).catch(() => undefined);
    return;
  }
  if (had) {
    await pause();
    await copyStore(fs, target, aside, options);
    await fs.put(`${aside}/${ASIDE_COMPLETE}`, new Uint8Array(0), options);
    await pause();
    await deleteStore(fs, target, options);
  }
  await pause();
  await copyStore(fs, tmp, target, options);
  await pause();
  if (had) await deleteStore(fs, aside, options);
  await fs.delete(`${tmp}/`, options);
}

/** What {@link recoverSiblings} did. */
export interface RecoveryReport {
  /** The aside copy restored to the target (the target was missing or, on object stores, incomplete). */
  restored?: string;
  /** Siblings removed (temporary stores and aside copies of dead runs). */
  removed: string[];
}

/**
 * Recovers what killed runs left beside `target` (runs of this host whose process is gone; the siblings of
 * live processes and of other hosts are left alone):
 * - an aside copy of the old store (`old` sibling) is restored when the target is missing (local), or
 *   when it is marked complete (object stores: the target may be half-deleted or half-copied); any other
 *   aside is removed (the target holds the complete new store);
 * - temporary stores (`tmp` siblings) are removed.
 * Call it before writing `target`. Errors while removing are ignored (the next run tries again).
 * @throws EocubeError from the file system while restoring.
 */
export async function recoverSiblings(fs: FileSystem, target: string, options: ReadOptions = {}): Promise<RecoveryReport> {
  const base = target.replace(/^\/+|\/+$/g, "");
  const i = base.lastIndexOf("/");
  const dir = i < 0 ? "" : base.slice(0, i);
  const name = base.slice(i + 1);
  const report: RecoveryReport = { removed: [] };
  let entries: string[];
  try {
    entries = await fs.list(dir, options);
  } catch {
    return report; // no parent folder yet: nothing to recover
  }
  const dead = entries
    .map((e) => ({ key: `${dir ? `${dir}/` : ""}${e.replace(/\/+$/, "")}`, s: parseSibling(e) }))
    .filter(
      (e): e is { key: string; s: NonNullable<ReturnType<typeof parseSibling>> } =>
        e.s !== undefined && e.s.target === name && !ownerMayRun(e.s),
    );
  const local = fs instanceof FileFileSystem ? fs : undefined;
  for (const { key } of dead.filter((e) => e.s.kind === "old")) {
    if (local) {
      if (report.restored === undefined && !(await storeExists(fs, base, options))) {
        await renameKey(local, key, base);
        report.restored = key;
      } else {
        await trashLocal(local, key, base).catch(() => undefined);
        report.removed.push(key);
      }
      continue;
    }
    if (report.restored === undefined && (await fs.exists(`${key}/${ASIDE_COMPLETE}`, options))) {
      if (await storeExists(fs, base, options)) await deleteStore(fs, base, options);
      await copyStore(fs, key, base, options);
      report.restored = key;
    }
    await deleteStore(fs, key, options).catch(() => undefined);
    if (report.restored !== key) report.removed.push(key);
  }
  for (const { key } of dead.filter((e) => e.s.kind === "tmp")) {
    await fs.delete(`${key}/`, options).catch(() => undefined);
    report.removed.push(key);
  }
  return report;
}
