// The server layer's names in `import … from "eocube"` (src/index.ts): removing one must be deliberate.
import { describe, expect, it } from "vitest";
import * as eocube from "../../src/index.js";

describe("public API of the server layer", () => {
  it("exports the app factories, config, kernels and colour maps", () => {
    const names = Object.keys(eocube);
    for (const name of [
      "buildApp", "startServer", "DEFAULT_DEPS", "loadServerConfig", "validateServerConfig", "SERVER_CONFIG_SCHEMA",
      "DatasetsContext", "LruCache", "parseByteSize", "renderTile", "timeSeries", "computeStatistics", "parseGeoJson",
      "polygonMask", "resolveColorMap", "colorMapCategories", "encodePng", "tileBounds", "WEB_MERCATOR_QUAD", "CRS84_QUAD",
    ]) {
      expect(names, name).toContain(name);
    }
  });
});
