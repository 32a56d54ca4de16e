// Bounded work of running requests: a byte budget shared by all requests (a weighted FIFO semaphore
// that waits with an AbortSignal); the pacer that lets long computations yield is core/pacer.ts.
import { setMaxListeners } from "node:events";
import { EocubeError, throwIfAborted } from "../core/errors.js";

interface Waiter {
  bytes: number;
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A budget of bytes that running requests hold while they compute (windows of values, masks, bodies
 * being parsed). `acquire(bytes)` resolves once that many bytes are free, in arrival order; a request
 * asking for more than the whole budget runs alone. Callers hold one grant at a time (release before
 * asking again), so requests never wait for each other in a cycle.
 */
export class WorkBudget {
  /** The budget, in bytes. */
  readonly capacity: number;
  #used = 0;
  #peak = 0;
  readonly #queue: Waiter[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /**
   * Waits until `bytes` (clamped to the capacity) are free and takes them.
   * @returns the function that gives them back (idempotent).
   * @throws EocubeError CANCELLED when `signal` aborts first (its reason as cause).
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    throwIfAborted(signal);
    const want = Math.max(0, Math.min(this.capacity, Math.ceil(bytes)));
    if (this.#queue.length === 0 && this.#used + want <= this.capacity) return Promise.resolve(this.#grant(want));
    return new Promise((resolve, reject) => {
      const w: Waiter = { bytes: want, resolve, reject, ...(signal ? { signal } : {}) };
      if (signal) {
        w.onAbort = () => {
          const i = this.#queue.indexOf(w);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(new EocubeError("CANCELLED", "The operation was aborted.", { cause: signal.reason }));
          this.#drain();
        };
        signal.addEventListener("abort", w.onAbort, { once: true });
      }
      this.#queue.push(w);
    });
  }

  /** Runs `fn` holding `bytes` of the budget, giving them back however it ends. */
  async run<T>(bytes: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(bytes, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Bytes held now, the most held at once, and the requests waiting. */
  get stats(): { used: number; peak: number; waiting: number; capacity: number } {
    return { used: this.#used, peak: this.#peak, waiting: this.#queue.length, capacity: this.capacity };
  }

  #grant(bytes: number): () => void {
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#used -= bytes;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const w = this.#queue[0]!;
      if (this.#used + w.bytes > this.capacity && this.#used > 0) return;
      this.#queue.shift();
      if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
      w.resolve(this.#grant(w.bytes));
    }
  }
}

/** A request's AbortController whose signal may have any number of listeners (one per chunk wait). */
export function requestController(): AbortController {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  return ac;
}
