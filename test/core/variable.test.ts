// Variable.read typed by dtype: the compiler narrows the data array with the dtype (checked by compiling snippets
// with the TypeScript API), and every real file's variables give at run time the array their dtype promises.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import type { DType, DTypeArrays } from "../../src/core/ndarray.js";
import { hasDtype } from "../../src/core/variable.js";
import { openDataset } from "../../src/stores/open.js";
import { REPO_ROOT, SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";
import { memVariable } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "eocube-variable-types-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Type-checks `code` (which may import "CORE", the core barrel) as an ES module; returns the error messages. */
function typeErrors(code: string): string[] {
  writeFileSync(join(dir, "package.json"), '{"type": "module"}');
  const file = join(dir, "snippet.ts");
  writeFileSync(file, code.replaceAll('"CORE"', JSON.stringify(join(REPO_ROOT, "src/core/index.js"))));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ["node"],
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    typeRoots: [join(REPO_ROOT, "node_modules/@types")],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

/** The typed-array class each dtype's data must be an instance of (str/object: plain arrays). */
const ARRAY_CLASS: Record<DType, new (n: number) => DTypeArrays[DType]> = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
  "datetime64[ns]": Float64Array,
  str: Array,
  object: Array,
};

describe("Variable.read typed by dtype", () => {
  it("narrows the data with a known dtype, a union of dtypes and hasDtype; a file's variable gives any NdData", () => {
    const errors = typeErrors(`
      import { Variable, hasDtype, type NdArray, type NdData, type Selection } from "CORE";
      const read = async (_s: Selection): Promise<NdArray> => ({ data: new Float32Array(1), shape: [1], dtype: "float32" });
      const f32 = new Variable({ name: "a", dims: ["x"], shape: [1], dtype: "float32", read });
      const a: Float32Array = (await f32.read()).data;
      // @ts-expect-error a float32 variable's data are not a Float64Array
      const b: Float64Array = (await f32.read([0])).data;
      const any: Variable = f32; // a narrowed variable is still a Variable
      const c: NdData = (await any.read()).data;
      // @ts-expect-error an unnarrowed variable's data may be any array
      const d: Float32Array = (await any.read()).data;
      let e = await any.read();
      e = { data: new Uint8ClampedArray(1), shape: [1], dtype: "uint8" }; // as before: an NdArray of any NdData
      if (hasDtype(any, "int16", "uint16")) {
        const g: Int16Array | Uint16Array = (await any.read()).data;
      }
      if (hasDtype(any, "datetime64[ns]")) {
        const h: Float64Array = (await any.read()).data;
      }
      const t = f32.with({ dtype: "int64" });
      const i: BigInt64Array = (await t.read()).data;
      const k: Float32Array = (await f32.with({ name: "b" }).read()).data;
      const m: Record<string, Variable> = { f32, t };
      export { a, b, c, d, e, i, k, m };
    `);
    expect(errors).toEqual([]);
  });

  it("hasDtype compares the dtype at run time", () => {
    const v = memVariable("x", ["x"], [1, 2], "float32");
    expect(hasDtype(v, "float32")).toBe(true);
    expect(hasDtype(v, "float64", "int8")).toBe(false);
    expect(hasDtype(v, "float64", "float32")).toBe(true);
  });

  it("every variable of the real files gives the array its dtype promises", async () => {
    const files = [
      ZARR_CUBE,
      `${SHARED_DATA}netcdf3/eraint_uvz.nc`,
      `${SHARED_DATA}netcdf3/madis-sao.nc`,
      `${SHARED_DATA}netcdf3/RGB.nc`,
      `${SHARED_DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
      `${SHARED_DATA}netcdf4/GFS_global.nc`,
      `${SHARED_DATA}netcdf4/basin_mask.nc`,
      `${SHARED_DATA}netcdf4/gfs_output.nc`,
      `${SHARED_DATA}geotiff/RGB.byte.tif`,
      `${SHARED_DATA}geotiff/sample-cog.tif`,
      `${SHARED_DATA}zarr-conformance/v2/data.zarr`,
      `${SHARED_DATA}zarr-conformance/v3/data.zarr`,
    ];
    const seen = new Set<DType>();
    for (const file of files) {
      const ds = await openDataset(file);
      try {
        for (const v of Object.values(ds.variables)) {
          if (v.encoding.unreadable) continue;
          const arr = await v.read(v.shape.map((n) => (n > 0 ? 0 : null))); // one value (a corner)
          const cls = ARRAY_CLASS[v.dtype];
          expect(
            arr.data instanceof cls && (cls !== Array || Array.isArray(arr.data)),
            `${file} ${v.name} ${v.dtype}: ${arr.data.constructor.name}`,
          ).toBe(true);
          expect(arr.dtype, `${file} ${v.name}`).toBe(v.dtype);
          seen.add(v.dtype);
        }
      } finally {
        await ds.close();
      }
    }
    // the files cover the common dtypes
    for (const dtype of ["float32", "float64", "datetime64[ns]", "int16", "int32", "int64", "uint8", "bool", "str"] as DType[]) {
      expect([...seen], dtype).toContain(dtype);
    }
  });
});
