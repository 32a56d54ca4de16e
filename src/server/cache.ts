// A least-recently-used cache bounded by the bytes of its values (chunks, index maps, tiles).
import { LRUCache } from "lru-cache";
import { EocubeError, throwIfAborted } from "../core/errors.js";

/** One shared load: its promise, the controller of its signal, and how many callers wait for it. */
interface Flight<V> {
  promise: Promise<V>;
  controller: AbortController;
  waiters: number;
}

/** Options of {@link LruCache}. */
export interface LruCacheOptions<V> {
  /** Upper bound of the summed sizes, in bytes. */
  maxBytes: number;
  /** Size of a value in bytes [default: byteLength, else 64]. */
  sizeOf?: (value: V) => number;
}

/**
 * An LRU map bounded in bytes: `set` evicts least-recently-used entries until the total fits (storage:
 * the `lru-cache` package, `maxSize` + `sizeCalculation`). A value larger than `maxBytes` is not stored
 * (and replaces nothing: an older value of its key is dropped); with `maxBytes` 0 nothing is stored.
 * Sizes are counted as at least 1 byte (lru-cache needs positive sizes). `getOrLoad` shares one in-flight load per key (single
 * flight), cancelled when the last caller waiting for it aborts.
 */
export class LruCache<V> {
  readonly maxBytes: number;
  #hits = 0;
  #misses = 0;
  #loads = 0;
  /** The stored values; undefined when `maxBytes` is 0 (lru-cache needs a positive bound). */
  readonly #lru: LRUCache<string, NonNullable<V>> | undefined;
  readonly #pending = new Map<string, Flight<V>>();
  readonly #sizeOf: (value: V) => number;

  constructor(options: LruCacheOptions<V>) {
    this.maxBytes = options.maxBytes;
    const sizeOf = options.sizeOf ?? ((v: V) => (v as { byteLength?: number })?.byteLength ?? 64);
    this.#sizeOf = (v) => Math.max(1, Math.ceil(sizeOf(v)));
    const maxSize = Math.floor(options.maxBytes);
    this.#lru = maxSize >= 1 ? new LRUCache<string, NonNullable<V>>({ maxSize, sizeCalculation: this.#sizeOf }) : undefined;
  }

  /** The value for `key`, marking it recently used. */
  get(key: string): V | undefined {
    const value = this.#lru?.get(key);
    if (value === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return value;
  }

  /** Stores a value, evicting old ones so that the total stays ≤ maxBytes. */
  set(key: string, value: V): void {
    if (!this.#lru) return;
    if (value === undefined || value === null || this.#sizeOf(value) > this.#lru.maxSize) {
      this.#lru.delete(key);
      return;
    }
    this.#lru.set(key, value);
  }

  /**
   * The cached value, or the result of `load(signal)` (stored). Concurrent callers of one key share one
   * load (single flight): the load gets its own signal, aborted only when every caller waiting for it
   * has aborted (`options.signal`), so one request going away never cancels another's read, and the
   * last one going away stops the read.
   * @throws EocubeError CANCELLED when `options.signal` aborts (at once, whatever the shared load does);
   *   the load's own errors.
   */
  async getOrLoad(key: string, load: (signal: AbortSignal) => Promise<V>, options: { signal?: AbortSignal } = {}): Promise<V> {
    const { signal } = options;
    throwIfAborted(signal);
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    let flight = this.#pending.get(key);
    if (!flight) {
      const controller = new AbortController();
      this.#loads++;
      const f: Flight<V> = { controller, waiters: 0, promise: undefined as unknown as Promise<V> };
      f.promise = load(controller.signal).then(
        (v) => {
          if (this.#pending.get(key) === f) this.#pending.delete(key);
          if (!controller.signal.aborted) this.set(key, v);
          return v;
        },
        (err) => {
          if (this.#pending.get(key) === f) this.#pending.delete(key);
          throw err;
        },
      );
      f.promise.catch(() => undefined); // a load every waiter left may still fail: nobody listens
      this.#pending.set(key, f);
      flight = f;
    }
    const f = flight;
    f.waiters++;
    if (!signal) return f.promise;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        f.waiters--;
        if (f.waiters === 0) {
          // the last waiter left: stop the read, and let the next caller start a fresh one
          if (this.#pending.get(key) === f) this.#pending.delete(key);
          f.controller.abort(signal.reason);
        }
        reject(new EocubeError("CANCELLED", "The operation was aborted.", { cause: signal.reason }));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      f.promise.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  /** Number of loads in flight (each shared by its waiters). */
  get loading(): number {
    return this.#pending.size;
  }

  /** Summed size of the stored values, in bytes. */
  get bytes(): number {
    return this.#lru?.calculatedSize ?? 0;
  }

  /** Number of stored entries. */
  get size(): number {
    return this.#lru?.size ?? 0;
  }

  /**
   * Counters since creation: lookups that found a value (`hits`) or not (`misses`; callers joining a
   * load in flight count here too), and `loads` started by `getOrLoad` (each shared by its callers).
   */
  get stats(): { hits: number; misses: number; loads: number; bytes: number; entries: number } {
    return { hits: this.#hits, misses: this.#misses, loads: this.#loads, bytes: this.bytes, entries: this.size };
  }

  /** Removes every entry. */
  clear(): void {
    this.#lru?.clear();
  }
}
