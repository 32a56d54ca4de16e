// Single flight in the chunk cache (src/server/cache.ts): concurrent callers of one key share one load,
// a caller going away is released at once without cancelling the others' load, and the load's own
// signal aborts only when the last waiting caller has gone.
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { LruCache } from "../../src/server/cache.js";

/** A load that resolves when `release()` is called and records whether its signal was aborted. */
function gatedLoad() {
  let release!: (v: Float64Array) => void;
  const state = { calls: 0, aborted: false };
  const load = (signal: AbortSignal) => {
    state.calls++;
    signal.addEventListener("abort", () => (state.aborted = true));
    return new Promise<Float64Array>((resolve) => (release = resolve));
  };
  return { load, state, release: (v: Float64Array) => release(v) };
}

describe("LruCache single flight", () => {
  it("shares one load between concurrent callers and caches its value", async () => {
    const c = new LruCache<Float64Array>({ maxBytes: 1024 });
    const g = gatedLoad();
    const all = Promise.all(Array.from({ length: 50 }, () => c.getOrLoad("k", g.load, { signal: new AbortController().signal })));
    expect(c.loading).toBe(1);
    g.release(new Float64Array([1, 2]));
    const values = await all;
    expect(g.state.calls).toBe(1);
    expect(c.stats.loads).toBe(1);
    expect(new Set(values).size).toBe(1);
    expect(c.get("k")).toBe(values[0]);
    expect(c.loading).toBe(0);
  });

  it("a caller that aborts is released at once; the load goes on for the others", async () => {
    const c = new LruCache<Float64Array>({ maxBytes: 1024 });
    const g = gatedLoad();
    const a = new AbortController();
    const pa = c.getOrLoad("k", g.load, { signal: a.signal });
    const pb = c.getOrLoad("k", g.load, { signal: new AbortController().signal });
    a.abort(new Error("gone"));
    const ea = await pa.catch((e: unknown) => e);
    expect(isEocubeError(ea, "CANCELLED")).toBe(true);
    expect(g.state.aborted).toBe(false);
    g.release(new Float64Array([7]));
    expect(Array.from(await pb)).toEqual([7]);
    expect(g.state.calls).toBe(1);
  });

  it("aborts the load when the last waiting caller aborts, and the next caller starts a fresh one", async () => {
    const c = new LruCache<Float64Array>({ maxBytes: 1024 });
    const g = gatedLoad();
    const a = new AbortController();
    const b = new AbortController();
    const pa = c.getOrLoad("k", g.load, { signal: a.signal });
    const pb = c.getOrLoad("k", g.load, { signal: b.signal });
    a.abort();
    expect(g.state.aborted).toBe(false);
    b.abort();
    expect(g.state.aborted).toBe(true);
    await expect(pa).rejects.toMatchObject({ code: "CANCELLED" });
    await expect(pb).rejects.toMatchObject({ code: "CANCELLED" });
    expect(c.loading).toBe(0);
    const g2 = gatedLoad();
    const pc = c.getOrLoad("k", g2.load);
    g2.release(new Float64Array([3]));
    expect(Array.from(await pc)).toEqual([3]);
    expect(g2.state.calls).toBe(1);
  });

  it("an already aborted signal is refused before any load starts", async () => {
    const c = new LruCache<Float64Array>({ maxBytes: 1024 });
    const g = gatedLoad();
    const a = new AbortController();
    a.abort();
    await expect(c.getOrLoad("k", g.load, { signal: a.signal })).rejects.toMatchObject({ code: "CANCELLED" });
    expect(g.state.calls).toBe(0);
  });
});
