// The foundation's public API as `import … from "eocube"` exposes it (src/index.ts): these names are a
// contract for the publish, serve, gen and PRR layers, so removing one must be deliberate.
import { describe, expect, it } from "vitest";
import * as eocube from "../../src/index.js";

describe("public API of the foundation layers", () => {
  it("exports the stores, fs and formats entry points", () => {
    const names = Object.keys(eocube);
    for (const name of [
      "openDataset", "describeDataset", "resolveSource", "storeForRoot",
      "newDataStore", "listDataStoreIds", "getDataStoreParamsSchema", "getDataStoreInfo", "findDataStoreIds",
      "isMutableDataStore", "FsDataStore", "OPEN_PARAMS_SCHEMA", "describeDatasetObject", "summarizeCoords",
      "applyOpenParams", "windowDataset", "validateParams",
      "FileFileSystem", "MemoryFileSystem", "sharedMemoryFileSystem", "HttpsFileSystem", "S3FileSystem",
      "withCounting", "fsFromUrl", "fsAndPathFromUrl", "subFileSystem", "redactUrl",
      "openFormatDataset", "sniffFormat", "getFormatReader",
      "Dataset", "Variable", "EocubeError", "decodeCF", "readGridMapping",
    ]) {
      expect(names, name).toContain(name);
    }
  });
});
