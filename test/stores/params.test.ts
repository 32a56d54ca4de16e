// store_params / open_params checking: values the plain checker accepts (without loading ajv) must be exactly
// those ajv accepts, with the same defaults filled in; rejected values keep ajv's messages.
import { describe, expect, it } from "vitest";
import { newAjv } from "../../src/core/config/ajv.js";
import { isEocubeError } from "../../src/core/errors.js";
import { OPEN_PARAMS_SCHEMA } from "../../src/stores/fsstore.js";
import { validateParams } from "../../src/stores/params.js";
import { getDataStoreParamsSchema, listDataStoreIds } from "../../src/stores/registry.js";

const ajv = newAjv({ useDefaults: true, verbose: false });

/** ajv's own verdict and defaults for a value. */
function byAjv(schema: Record<string, unknown>, value: unknown): { ok: boolean; value: unknown } {
  const copy = value === undefined ? {} : structuredClone(value);
  return { ok: ajv.validate(schema, copy) as boolean, value: copy };
}

function ours(schema: Record<string, unknown>, value: unknown): { ok: boolean; value: unknown; message?: string } {
  try {
    return { ok: true, value: validateParams(schema, value, "store_params") };
  } catch (err) {
    if (!isEocubeError(err)) throw err;
    expect(err.code).toBe("INVALID_PARAMS");
    return { ok: false, value: undefined, message: err.message };
  }
}

const STORE_VALUES: unknown[] = [
  undefined,
  {},
  { root: "." },
  { root: 3 },
  { root: "x", extra: 1 },
  { max_depth: 0 },
  { max_depth: 2 },
  { max_depth: 2.5 },
  { read_only: "yes" },
  { read_only: true },
  { root: "https://example.com/data" },
  { root: "ftp://x" },
  { root: "https://h", timeout: 0 },
  { root: "https://h", timeout: 1.5, retries: -1 },
  { root: "https://h", retries: 3 },
  { root: "bucket/prefix" },
  { root: "b" },
  { root: "bucket", storage_options: { anon: true, endpoint_url: "http://127.0.0.1:1" } },
  { root: "bucket", storage_options: { anon: "no" } },
  { root: "bucket", storage_options: { colour: 1 } },
  { root: "bucket", storage_options: { timeout: 0 } },
  { root: "bucket", storage_options: { timeout: Infinity } },
  [],
  null,
  "x",
];
const OPEN_VALUES: unknown[] = [
  undefined,
  {},
  { variable_names: ["a"] },
  { variable_names: "a" },
  { variable_names: [1] },
  { bbox: [0, 1, 2, 3] },
  { bbox: [0, 1, 2] },
  { bbox: [0, 1, 2, NaN] },
  { time_range: ["2020-01-01", null] },
  { time_range: [null, null, null] },
  { time_range: [1, 2] },
  { consolidated: false },
  { consolidated: 1 },
  { unknown: true },
];

describe("validateParams", () => {
  it("accepts exactly what ajv accepts, with the same defaults, for every store's store_params", () => {
    expect(listDataStoreIds().length).toBe(9); // file, memory, https, s3, stac, reference, ccizarr, zenodo, abfs
    for (const id of listDataStoreIds()) {
      const schema = getDataStoreParamsSchema(id) as Record<string, unknown>;
      for (const v of STORE_VALUES) {
        const want = byAjv(schema, v);
        const got = ours(schema, v);
        expect(got.ok, `${id} ${JSON.stringify(v)}`).toBe(want.ok);
        if (want.ok) expect(got.value).toEqual(want.value);
        else expect(got.message).toMatch(/^store_params/);
      }
    }
  });

  it("accepts exactly what ajv accepts for open_params", () => {
    for (const v of OPEN_VALUES) {
      const want = byAjv(OPEN_PARAMS_SCHEMA as Record<string, unknown>, v);
      const got = ours(OPEN_PARAMS_SCHEMA as Record<string, unknown>, v);
      expect(got.ok, JSON.stringify(v)).toBe(want.ok);
      if (want.ok) expect(got.value).toEqual(want.value);
    }
  });

  it("quotes ajv's words for a rejected value", () => {
    expect(ours(getDataStoreParamsSchema("file") as Record<string, unknown>, { root: 3 }).message).toContain(
      "store_params/root must be string",
    );
  });
});
