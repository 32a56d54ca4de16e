// A least-recently-used cache bounded by the bytes of its values (chunks, index maps, tiles).

/** Options of {@link LruCache}. */
export interface LruCacheOptions<V> {
  /** Upper bound of the summed sizes, in bytes. */
  maxBytes: number;
  /** Size of a value in bytes [default: byteLength, else 64]. */
  sizeOf?: (value: V) => number;
}

/**
 * An LRU map bounded in bytes: `set` evicts least-recently-used entries until the total fits.
 * A value larger than `maxBytes` is not stored. `getOrLoad` shares one in-flight load per key.
 */
export class LruCache<V> {
  readonly maxBytes: number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  readonly #map = new Map<string, { value: V; size: number }>();
  readonly #pending = new Map<string, Promise<V>>();
  readonly #sizeOf: (value: V) => number;

  constructor(options: LruCacheOptions<V>) {
    this.maxBytes = options.maxBytes;
    this.#sizeOf = options.sizeOf ?? ((v) => ((v as { byteLength?: number })?.byteLength ?? 64));
  }

  /** The value for `key`, marking it recently used. */
  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value;
  }

  /** Stores a value, evicting old ones so that the total stays ≤ maxBytes. */
  set(key: string, value: V): void {
    const size = this.#sizeOf(value);
    const old = this.#map.get(key);
    if (old) {
      this.#bytes -= old.size;
      this.#map.delete(key);
    }
    if (size > this.maxBytes) return;
    this.#map.set(key, { value, size });
    this.#bytes += size;
    for (const [k, e] of this.#map) {
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= e.size;
    }
  }

  /** The cached value, or the result of `load()` (stored); concurrent callers share one load. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const p = load().then(
      (v) => {
        this.#pending.delete(key);
        this.set(key, v);
        return v;
      },
      (err) => {
        this.#pending.delete(key);
        throw err;
      },
    );
    this.#pending.set(key, p);
    return p;
  }

  /** Summed size of the stored values, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of stored entries. */
  get size(): number {
    return this.#map.size;
  }

  /** Hit/miss counters since creation. */
  get stats(): { hits: number; misses: number; bytes: number; entries: number } {
    return { hits: this.#hits, misses: this.#misses, bytes: this.#bytes, entries: this.#map.size };
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }
}

/**
 * Parses a byte size like xcube's `DatasetChunkCacheSize`: a number of bytes or "256M", "1G", "512K", "2T"
 * (powers of 1024; a trailing "B" is allowed).
 * @returns bytes, or undefined when the text is not a size.
 */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(value);
  if (!m) return undefined;
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.floor(Number(m[1]) * mult);
}
