// The local pool's "busy machine" rule (gen/run.ts): idle cores measured over a window of the run's first tasks.
import { cpus } from "node:os";
import { describe, expect, it } from "vitest";
import { IDLE_WINDOW_MS, idleCores, machineCpuMs } from "../../src/gen/run.js";

describe("idleCores", () => {
  it("is the idle share of the CPU time times the core count", () => {
    expect(idleCores({ idle: 0, total: 0 }, { idle: 100, total: 200 }, 2)).toBe(1);
    expect(idleCores({ idle: 50, total: 100 }, { idle: 50, total: 300 }, 2)).toBe(0);
    expect(idleCores({ idle: 0, total: 0 }, { idle: 300, total: 400 }, 4)).toBe(3);
    expect(idleCores({ idle: 7, total: 9 }, { idle: 7, total: 9 }, 2)).toBeNaN();
  });

  it("reads the machine's counters: a window of busy work here leaves at most cores − 1 idle", () => {
    const a = machineCpuMs();
    const t = performance.now();
    let x = 0;
    while (performance.now() - t < IDLE_WINDOW_MS) x += Math.sqrt(x + 1);
    const b = machineCpuMs();
    expect(x).toBeGreaterThan(0);
    expect(b.total).toBeGreaterThan(a.total);
    expect(b.idle).toBeGreaterThanOrEqual(a.idle);
    // this thread was busy the whole window (clock ticks of 10 ms: a little slack)
    expect(idleCores(a, b, cpus().length)).toBeLessThan(cpus().length - 0.5);
  });
});
