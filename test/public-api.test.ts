// The public API as `import … from "eocube"` exposes it (src/index.ts), every layer included: the sorted list of
// export names with their kinds is snapshot in __snapshots__/public-api.test.ts.snap, so adding, removing or
// changing an export shows in review (update with `npx vitest run test/public-api.test.ts -u`).
import { describe, expect, it } from "vitest";
import * as eocube from "../src/index.js";

/** What an export is: class, function, or the typeof of a value (object, string, number, …). */
function kindOf(value: unknown): string {
  if (typeof value === "function") return /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "function";
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

describe("public API", () => {
  it("exports these names (a change here must be deliberate)", () => {
    const names = Object.keys(eocube).sort();
    expect(names.map((name) => `${name}: ${kindOf((eocube as Record<string, unknown>)[name])}`)).toMatchSnapshot();
  });

  it("resolves names two layers export to one meaning", () => {
    // one isoDuration (core/time) for a resampling period and for a step in ms
    expect(eocube.isoDuration(eocube.parsePeriod("8D"))).toBe("P8D");
    expect(eocube.isoDuration(3 * 3_600_000)).toBe("PT3H");
  });
});
