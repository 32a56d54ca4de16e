// gen --replace under SIGKILL: real `eocube gen` processes killed at random moments of the write and of the swap
// (widened by EOCUBE_SWAP_PAUSE_MS) must always leave the complete old or the complete new cube (or, between the
// two renames, the complete old one aside, restored by the next run); the next run reclaims what killed runs left.
// The same on s3: hardening-replace-s3.test.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { siblingPath } from "../../src/fs/swap.js";
import { replaceFixture } from "./replace-fixture.js";

const { dir: tmp, request, startGen, completeCube } = replaceFixture("eocube-hardening-replace-");

/** Hidden siblings (`.cube.zarr.tmp-…`, `.cube.zarr.old-…`) beside the target. */
function siblings(name: string): string[] {
  return readdirSync(tmp()).filter((f) => f.startsWith(`.${name}.`));
}

/** Resolves when `test()` holds (polled every 5 ms), or false when the run ended first. */
async function until(test: () => boolean, ended: () => boolean): Promise<boolean> {
  while (!ended()) {
    if (test()) return true;
    await sleep(5);
  }
  return false;
}

describe("gen --replace killed at random moments (local folder)", () => {
  it("leaves the complete old or new cube after every SIGKILL, and the next run recovers and reclaims", async () => {
    const out = { store_id: "file", store_params: { root: tmp() }, data_id: "cube.zarr" };
    const target = join(tmp(), "cube.zarr");
    const first = await startGen([await request("r0.yaml", "run 0", out), "--workers", "0"]).done;
    expect(first.code, first.stderr).toBe(0);
    expect(await completeCube(target)).toBe("run 0");
    let current = "run 0";
    // five kinds of moments, each at random within its window: start-up (opening the input), the chunk writes,
    // and the swap (EOCUBE_SWAP_PAUSE_MS widens each of its three steps to 200 ms): before the old cube is moved
    // aside, between the two renames (no target), after the new cube is in place (the old being removed)
    const PHASES = ["start", "write", "swap: before", "swap: between", "swap: after"] as const;
    const kills: Record<string, number> = { finished: 0, missing: 0 };
    const killed = () => PHASES.reduce((n, p) => n + (kills[p] ?? 0), 0);
    // at least 12 kills, one of them between the renames (a loaded machine may let a run finish first)
    for (let i = 1; (killed() < 12 || kills.missing === 0) && i <= 24; i++) {
      const title = `run ${i}`;
      const req = await request(`r${i}.yaml`, title, out);
      const run = startGen([req, "--workers", "0"], { EOCUBE_SWAP_PAUSE_MS: "200" });
      let ended = false;
      void run.done.then(() => (ended = true));
      const mine = (kind: string) => siblings("cube.zarr").find((f) => f.includes(`.${kind}-${run.child.pid}-`));
      const phase = PHASES[i % PHASES.length]!;
      let reached = true;
      if (phase === "start") await sleep(100 + Math.random() * 900);
      else if (phase === "write")
        reached = await until(
          () => mine("tmp") !== undefined,
          () => ended,
        );
      else if (phase === "swap: before")
        reached = await until(
          () => {
            const t = mine("tmp");
            return t !== undefined && existsSync(join(tmp(), t, ".zmetadata"));
          },
          () => ended,
        );
      else if (phase === "swap: between")
        reached = await until(
          () => mine("old") !== undefined,
          () => ended,
        );
      else
        reached = await until(
          () => mine("old") !== undefined && existsSync(target),
          () => ended,
        );
      if (reached) await sleep(phase === "start" ? 0 : Math.random() * (phase === "write" ? 300 : 80));
      run.child.kill("SIGKILL");
      const r = await run.done;
      if (r.signal !== "SIGKILL") {
        expect(r.code, r.stderr).toBe(0);
        kills.finished!++;
      } else kills[phase] = (kills[phase] ?? 0) + 1;
      if (existsSync(target)) {
        const t = await completeCube(target);
        expect([current, title]).toContain(t);
        current = t;
      } else {
        // killed between the two renames: the old cube is complete aside, and the next run puts it back
        kills.missing!++;
        const aside = siblings("cube.zarr").filter((f) => f.includes(".old-"));
        expect(aside).toHaveLength(1);
        expect(await completeCube(join(tmp(), aside[0]!))).toBe(current);
        const again = await startGen([await request(`r${i}b.yaml`, title, out, false), "--workers", "0"]).done;
        expect(again.code).toBe(2);
        expect(again.stderr).toMatch(/exists/);
        expect(await completeCube(target)).toBe(current);
        expect(siblings("cube.zarr")).toEqual([]);
      }
    }
    expect(killed()).toBeGreaterThanOrEqual(12);
    expect(kills.missing).toBeGreaterThanOrEqual(1);
    for (const p of PHASES) expect(kills[p], p).toBeGreaterThanOrEqual(1);
    // an uninterrupted run replaces whatever is there and reclaims every leftover of the killed runs, but not the
    // temporary store of a live process (this one's) nor one of another host
    const live = siblingPath(target, "tmp");
    const otherHost = join(tmp(), `.cube.zarr.tmp-${spawnSync("true").pid}-000000-x1`); // a dead pid of host tag 000000
    const deadLegacy = join(tmp(), `.cube.zarr.tmp-${spawnSync("true").pid}-lq2x9k3fab12cd`); // the pre-swap naming
    for (const d of [live, otherHost, deadLegacy]) await mkdir(d);
    const last = await startGen([await request("last.yaml", "last", out), "--workers", "0"]).done;
    expect(last.code, last.stderr).toBe(0);
    expect(await completeCube(target)).toBe("last");
    expect(siblings("cube.zarr").sort()).toEqual([live, otherHost].map((d) => d.slice(tmp().length + 1)).sort());
  }, 120_000);
});
