// core/pacer: long work yields to the event loop once its slice is used up, and stops when aborted.
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { Pacer } from "../../src/core/pacer.js";

describe("Pacer", () => {
  it("lets a timer run during a busy loop that ticks", async () => {
    const pacer = new Pacer(undefined, 1);
    let fired = false;
    setImmediate(() => {
      fired = true;
    });
    const end = performance.now() + 20;
    while (performance.now() < end && !fired) await pacer.tick();
    expect(fired).toBe(true);
  });

  it("throws CANCELLED once its signal aborts", async () => {
    const ac = new AbortController();
    const pacer = new Pacer(ac.signal);
    await pacer.tick();
    ac.abort();
    const err = await pacer.tick().catch((e: unknown) => e);
    expect(isEocubeError(err, "CANCELLED")).toBe(true);
  });
});
