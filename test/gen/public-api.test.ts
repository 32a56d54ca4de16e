// The ops and gen layers as `import … from "eocube"` exposes them (src/index.ts): removing a name must be deliberate.
import { describe, expect, it } from "vitest";
import * as eocube from "../../src/index.js";

describe("public API of the ops and gen layers", () => {
  it("exports the cube operations and the generator", () => {
    const names = Object.keys(eocube);
    for (const name of [
      "subset", "isel", "resampleInSpace", "rectify", "resampleInTime", "merge", "rechunk", "coarsen", "numLevelsFor",
      "updateCubeMetadata", "flattenAcdd", "regularGrid", "gridCoords", "resolveCrs", "pixelMapper", "parsePeriod", "periodBins",
      "TIME_METHODS", "LEVEL_AGGS",
      "GEN_REQUEST_SCHEMA", "loadGenRequest", "normalizeGenRequest", "buildCube", "planCube", "describePlan", "runGen", "genInfo", "checkOutputSize", "DEFAULT_MAX_OUTPUT_BYTES", "writeLevels",
    ]) {
      expect(names, name).toContain(name);
    }
  });
});
