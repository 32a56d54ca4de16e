// A pacer that lets long computations yield to the event loop between slices of work (masks, sums,
// aggregations), checking an AbortSignal each time.
import { throwIfAborted } from "./errors.js";

/**
 * Lets a long computation yield to the event loop: `await pacer.tick()` returns at once until `sliceMs`
 * have passed since the last yield, then waits for one turn of the event loop (setImmediate), so timers,
 * sockets and other requests run in between; it checks the signal each time.
 */
export class Pacer {
  readonly #signal?: AbortSignal;
  readonly #sliceMs: number;
  #last = performance.now();

  /** @param sliceMs longest stretch without yielding, ms [default 10]. */
  constructor(signal?: AbortSignal, sliceMs = 10) {
    if (signal) this.#signal = signal;
    this.#sliceMs = sliceMs;
  }

  /** True when the time slice is used up (the next {@link tick} will yield). */
  get due(): boolean {
    return performance.now() - this.#last >= this.#sliceMs;
  }

  /**
   * Yields when the time slice is used up.
   * @throws EocubeError CANCELLED when the signal has aborted.
   */
  async tick(): Promise<void> {
    throwIfAborted(this.#signal);
    if (!this.due) return;
    await new Promise<void>((r) => setImmediate(r));
    this.#last = performance.now();
    throwIfAborted(this.#signal);
  }
}
