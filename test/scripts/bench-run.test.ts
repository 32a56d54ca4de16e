// The benchmark harness's choice of workloads (bench/run.ts): what `npm run bench -- <names>` runs.
import { describe, expect, it } from "vitest";
import { COMPANIONS, listWorkloads, withCompanions } from "../../bench/run.js";

describe("bench/run.ts", () => {
  it("runs gen-distributed after gen (issue 13), each workload once, in the asked order", () => {
    expect(withCompanions(["gen"])).toEqual(["gen", "gen-distributed"]);
    expect(withCompanions(["read", "gen"])).toEqual(["read", "gen", "gen-distributed"]);
    expect(withCompanions(["gen-distributed", "gen"])).toEqual(["gen-distributed", "gen"]);
    expect(withCompanions(["read"])).toEqual(["read"]);
  });

  it("names only workloads that exist", () => {
    const all = listWorkloads();
    for (const [name, companions] of Object.entries(COMPANIONS)) for (const n of [name, ...companions]) expect(all).toContain(n);
  });
});
