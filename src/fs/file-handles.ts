// A small process-wide LRU (lru-cache) of open read-only file handles, so that ranged reads of local files cost
// one stat and one positioned read instead of open + fstat + read + close.
import { closeSync, type BigIntStats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { sep } from "node:path";
import { LRUCache } from "lru-cache";

/** Open handles kept at most (least recently used are closed first). */
export const MAX_OPEN_FILE_HANDLES = 64;

interface Entry {
  path: string;
  ready: Promise<{ fh: FileHandle; st: BigIntStats }>;
  /** The handle once open (closed synchronously at process exit). */
  fh?: FileHandle;
  st?: BigIntStats;
  users: number;
  dropped: boolean;
}

/** A leased handle: `release()` must be called once the read is done. */
export interface LeasedHandle {
  fh: FileHandle;
  /** Size in bytes of the file the handle reads. */
  size: number;
  release(): void;
}

/** True when a path's stat still describes the file a handle was opened on (same inode, size, times). */
function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * The LRU of open file handles, keyed by absolute path. Each lease first stats the path: a file replaced
 * (new inode, e.g. an atomic rename) or modified (size, mtime, ctime) since its handle was opened gets a new
 * handle, so other processes' writes are seen too. Handles in use when evicted or invalidated are closed
 * when their last read finishes; all are closed at process exit.
 */
export class FileHandleCache {
  /** Path → entry; an entry leaving it (evicted, deleted, cleared) is dropped. */
  readonly #entries: LRUCache<string, Entry>;

  /** @param max number of handles kept open (default {@link MAX_OPEN_FILE_HANDLES}). */
  constructor(max = MAX_OPEN_FILE_HANDLES) {
    this.#entries = new LRUCache<string, Entry>({ max: Math.max(1, max), dispose: (e) => this.#dispose(e) });
  }

  /** Number of handles currently cached. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * An open handle of the file at absolute `path`.
   * @throws the Node error of `stat`/`open` (ENOENT, EACCES, …) for the caller to map.
   */
  async lease(path: string): Promise<LeasedHandle> {
    const now = await stat(path, { bigint: true });
    let e = this.#entries.get(path); // most recently used now
    if (e?.st && !sameFile(e.st, now)) {
      this.#drop(e);
      e = undefined;
    }
    e ??= this.#open(path);
    e.users++;
    let got: Awaited<Entry["ready"]>;
    try {
      got = await e.ready;
    } catch (err) {
      e.users--;
      throw err;
    }
    const entry = e;
    let released = false;
    return {
      fh: got.fh,
      size: Number(got.st.size),
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.dropped && entry.users === 0) void closeQuietly(entry);
      },
    };
  }

  #open(path: string): Entry {
    const e: Entry = { path, users: 0, dropped: false, ready: undefined as never };
    e.ready = (async () => {
      const fh = await open(path, "r");
      e.fh = fh;
      try {
        e.st = await fh.stat({ bigint: true });
      } catch (err) {
        this.#drop(e);
        throw err;
      }
      return { fh, st: e.st };
    })();
    e.ready.catch(() => this.#drop(e));
    this.#entries.set(path, e); // the least recently used beyond `max` is evicted (and dropped)
    return e;
  }

  /** Forgets an entry; its handle is closed now, or after its last read. */
  #drop(e: Entry): void {
    if (this.#entries.peek(e.path) === e) this.#entries.delete(e.path);
    this.#dispose(e);
  }

  /** Marks an entry that left the cache as dropped and closes its handle unless a read still uses it. */
  #dispose(e: Entry): void {
    if (e.dropped) return;
    e.dropped = true;
    if (e.users === 0) void closeQuietly(e);
  }

  /** Closes the cached handle of `path`, and with `recursive` those of every file under it (after put/delete). */
  invalidate(path: string, recursive = false): void {
    const under = path.endsWith(sep) ? path : path + sep;
    for (const e of [...this.#entries.values()]) {
      if (e.path === path || (recursive && e.path.startsWith(under))) this.#drop(e);
    }
  }

  /** Closes every handle synchronously (for process exit). */
  closeAllSync(): void {
    for (const e of [...this.#entries.values()]) {
      e.dropped = true;
      if (e.fh) {
        try {
          closeSync(e.fh.fd);
        } catch {
          // already closed
        }
      }
    }
    this.#entries.clear();
  }
}

async function closeQuietly(e: Entry): Promise<void> {
  try {
    const { fh } = await e.ready;
    await fh.close();
  } catch {
    // open failed or already closed
  }
}

/** The process-wide handle cache used by {@link FileFileSystem}'s `getRange`. */
export const fileHandles = new FileHandleCache();
process.once("exit", () => fileHandles.closeAllSync());
