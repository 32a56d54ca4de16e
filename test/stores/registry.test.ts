// The store registry: ids, params JSON Schemas checked by ajv with the schema's words in the errors.
import { describe, expect, it } from "vitest";
import type { EocubeError } from "../../src/core/errors.js";
import { findDataStoreIds, getDataStoreParamsSchema, isMutableDataStore, listDataStoreIds, newDataStore } from "../../src/stores/index.js";

function errorOf(fn: () => unknown): EocubeError {
  try {
    fn();
  } catch (err) {
    return err as EocubeError;
  }
  throw new Error("no error thrown");
}

describe("data store registry", () => {
  it("lists the store ids and their params schemas", () => {
    expect(listDataStoreIds()).toEqual(["file", "memory", "https", "s3", "stac", "reference", "ccizarr", "zenodo", "abfs"]);
    for (const id of ["file", "memory", "https", "s3"]) {
      const schema = getDataStoreParamsSchema(id) as { type: string; properties: Record<string, unknown> };
      expect(schema.type).toBe("object");
      expect(schema.properties.root).toBeDefined();
    }
    expect(
      Object.keys(
        (getDataStoreParamsSchema("s3") as { properties: { storage_options: { properties: object } } }).properties.storage_options
          .properties,
      ),
    ).toEqual(expect.arrayContaining(["endpoint_url", "region", "anon", "key", "secret"]));
    expect(findDataStoreIds("https://h/x.zarr")).toEqual(["https"]);
    expect(findDataStoreIds("s3://b/x.zarr")).toEqual(["s3"]);
    expect(findDataStoreIds("memory://m/x.zarr")).toEqual(["memory"]);
    expect(findDataStoreIds("../data/x.nc")).toEqual(["file"]);
  });

  it("rejects wrong params with the schema's words", () => {
    let err = errorOf(() => newDataStore("file", { root: 3 }));
    expect(err.code).toBe("INVALID_PARAMS");
    expect(err.message).toBe("store_params/root must be string");
    expect(err.field).toBe("store_params/root");
    err = errorOf(() => newDataStore("s3", {}));
    expect(err.message).toBe("store_params must have required property 'root'");
    err = errorOf(() => newDataStore("file", { root: ".", colour: "red" }));
    expect(err.message).toBe("store_params must NOT have additional properties (colour)");
    err = errorOf(() => newDataStore("https", { root: "ftp://x" }));
    expect(err.message).toBe('store_params/root must match pattern "^https?://"');
    err = errorOf(() => newDataStore("s3", { root: "bucket", storage_options: { anon: "yes" } }));
    expect(err.message).toBe("store_params/storage_options/anon must be boolean");
    err = errorOf(() => newDataStore("https", { root: "http://h", timeout: 0 }));
    expect(err.message).toBe("store_params/timeout must be > 0");
  });

  it("rejects unknown store ids with UNKNOWN_STORE naming the known ones", () => {
    const err = errorOf(() => newDataStore("ftp", {}));
    expect(err.code).toBe("UNKNOWN_STORE");
    expect(err.hint).toContain("file, memory, https, s3");
  });

  it("makes file/memory/s3 stores mutable and https read-only", () => {
    expect(isMutableDataStore(newDataStore("file", { root: "." }))).toBe(true);
    expect(isMutableDataStore(newDataStore("memory", {}))).toBe(true);
    expect(isMutableDataStore(newDataStore("s3", { root: "bucket/prefix" }))).toBe(true);
    expect(isMutableDataStore(newDataStore("https", { root: "http://127.0.0.1:1" }))).toBe(false);
    const s = newDataStore("memory", {});
    expect(s.storeParams).toEqual({ root: "default", max_depth: 3, read_only: false });
  });
});
