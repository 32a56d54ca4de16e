// In-memory FileSystem: a Map of keys to bytes, for tests and the `memory` store.
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { checkKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** A FileSystem held in a Map; folders are implied by '/' in keys. Keys with `..`, a leading '/' or NUL are refused (UNSAFE_ID). */
export class MemoryFileSystem implements FileSystem {
  readonly root: string;
  readonly objects: Map<string, Uint8Array>;

  /** @param id name shown in `root` (`memory://id`); @param objects shared map (to share between instances). */
  constructor(id = "default", objects: Map<string, Uint8Array> = new Map()) {
    this.root = `memory://${id}`;
    this.objects = objects;
  }

  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal);
    return this.objects.get(norm(key, this.root));
  }

  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal);
    const data = this.objects.get(norm(key, this.root));
    if (!data) throw new EocubeError("NOT_FOUND", `no such object: ${this.root}/${norm(key, this.root)}`, { path: key });
    const start = offset < 0 ? Math.max(0, data.length + offset) : Math.min(offset, data.length);
    const end = length === undefined ? data.length : Math.min(data.length, start + length);
    return data.subarray(start, end);
  }

  async put(key: string, data: Uint8Array, options?: ReadOptions): Promise<void> {
    throwIfAborted(options?.signal);
    this.objects.set(norm(key, this.root), data.slice());
  }

  async list(prefix: string, options?: ReadOptions): Promise<string[]> {
    throwIfAborted(options?.signal);
    const p = dirPrefix(prefix, this.root);
    const out = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(p)) continue;
      const rest = key.slice(p.length);
      const i = rest.indexOf("/");
      out.add(i < 0 ? rest : rest.slice(0, i + 1));
    }
    return [...out].sort();
  }

  async delete(key: string, options?: ReadOptions): Promise<void> {
    throwIfAborted(options?.signal);
    const k = norm(key, this.root);
    this.objects.delete(k);
    const p = dirPrefix(k);
    for (const other of [...this.objects.keys()]) if (other.startsWith(p)) this.objects.delete(other);
  }

  async exists(key: string, options?: ReadOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    const k = norm(key, this.root);
    if (this.objects.has(k)) return true;
    const p = dirPrefix(k);
    for (const other of this.objects.keys()) if (other.startsWith(p)) return true;
    return false;
  }
}

/** The map key of a key: checked (`checkKey`: no `..`, absolute key or NUL), without trailing slashes. */
function norm(key: string, root: string): string {
  return checkKey(key, root).replace(/\/+$/, "");
}

function dirPrefix(key: string, root = "memory"): string {
  const k = norm(key, root);
  return k === "" ? "" : `${k}/`;
}

const SHARED = new Map<string, Map<string, Uint8Array>>();

/**
 * The process-wide MemoryFileSystem of `id`: every call with the same id sees the same objects
 * (what `memory://id` URLs and the `memory` store address).
 */
export function sharedMemoryFileSystem(id = "default"): MemoryFileSystem {
  let objects = SHARED.get(id);
  if (!objects) {
    objects = new Map();
    SHARED.set(id, objects);
  }
  return new MemoryFileSystem(id, objects);
}
