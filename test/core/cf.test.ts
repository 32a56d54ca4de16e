// decodeCF: xarray's decode_cf rules (xarray 2023.01 `conventions.decode_cf_variables`, `coding.variables`) on
// small synthetic datasets, plus the CF edge cases of the real files (whole-file agreement with xarray is in
// test/formats/netcdf3.test.ts and netcdf4.test.ts).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHAR_ENCODING_KEY, chooseFloatDtype, decodeCF, promoteForNaN } from "../../src/core/cf.js";
import { Dataset } from "../../src/core/dataset.js";
import { isEocubeError } from "../../src/core/errors.js";
import type { DType, NdArray } from "../../src/core/ndarray.js";
import type { Selection } from "../../src/core/selection.js";
import { toIsoString } from "../../src/core/time.js";
import { Variable, type Attrs, type Encoding } from "../../src/core/variable.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { netcdf3Reader } from "../../src/formats/netcdf3.js";
import { netcdf4Reader } from "../../src/formats/netcdf4.js";
import { DATA_DIR } from "../formats/nc-expected.js";

/** A 1-D (or n-D with `shape`) in-memory raw variable that records the selections it was read with. */
function raw(
  name: string,
  dims: string[],
  data: NdArray["data"],
  dtype: DType,
  attrs: Attrs = {},
  shape?: number[],
  encoding: Encoding = {},
) {
  const calls: Selection[] = [];
  const sh = shape ?? (dims.length ? [(data as ArrayLike<unknown>).length] : []);
  const v = new Variable({
    name,
    dims,
    shape: sh,
    dtype,
    attrs,
    encoding,
    read: async (sel) => {
      calls.push(sel);
      return { data, shape: sh, dtype };
    },
  });
  return Object.assign(v, { calls });
}

const ds = (...vars: Variable[]) => new Dataset({ data_vars: Object.fromEntries(vars.map((v) => [v.name, v])) });

describe("decodeCF: mask and scale", () => {
  it("int16 + _FillValue + float scale/offset → float32 (mask promotes to float32 first), attrs move to encoding", async () => {
    const d = decodeCF(
      ds(
        raw("sst", ["x"], new Int16Array([1, -32768, 500]), "int16", {
          _FillValue: -32768,
          scale_factor: 0.01,
          add_offset: 273.15,
          units: "K",
        }),
      ),
    );
    const v = d.variable("sst");
    expect(v.dtype).toBe("float32");
    expect(v.attrs).toEqual({ units: "K" });
    expect(v.encoding).toEqual({ _FillValue: -32768, scale_factor: 0.01, add_offset: 273.15, dtype: "int16" });
    const a = await v.read();
    expect(a.data).toBeInstanceOf(Float32Array);
    // numpy: float32(1) * float32(0.01) → float32, + float32(273.15) → float32
    expect(a.data[0]).toBe(Math.fround(Math.fround(1 * Math.fround(0.01)) + Math.fround(273.15)));
    expect(a.data[1]).toBeNaN();
  });

  it("_choose_float_dtype: small ints without offset → float32, with offset or ≥ 32 bits → float64", async () => {
    expect(decodeCF(ds(raw("a", ["x"], new Int16Array([1]), "int16", { scale_factor: 2 }))).variable("a").dtype).toBe("float32");
    expect(decodeCF(ds(raw("a", ["x"], new Int16Array([1]), "int16", { scale_factor: 2, add_offset: 1 }))).variable("a").dtype).toBe(
      "float64",
    );
    expect(decodeCF(ds(raw("a", ["x"], new Int32Array([1]), "int32", { scale_factor: 2 }))).variable("a").dtype).toBe("float64");
    expect(decodeCF(ds(raw("a", ["x"], new Float32Array([1]), "float32", { add_offset: 2 }))).variable("a").dtype).toBe("float32");
    expect(chooseFloatDtype("uint8", false)).toBe("float32");
    expect(chooseFloatDtype("float64", false)).toBe("float64");
    expect(promoteForNaN("int8")).toBe("float32");
    expect(promoteForNaN("uint32")).toBe("float64");
  });

  it("_FillValue NaN on an integer variable masks nothing and keeps the int for the scale choice (eraint_uvz)", async () => {
    const d = decodeCF(
      ds(
        raw("z", ["x"], new Int16Array([-32767, 0, 32767]), "int16", {
          _FillValue: NaN,
          scale_factor: -1.7250274674967954,
          add_offset: 66825.5,
        }),
      ),
    );
    const v = d.variable("z");
    expect(v.dtype).toBe("float64");
    expect(v.encoding._FillValue).toBeNaN();
    const a = await v.read();
    expect(Array.from(a.data as Float64Array)).toEqual([
      -32767 * -1.7250274674967954 + 66825.5,
      66825.5,
      32767 * -1.7250274674967954 + 66825.5,
    ]);
  });

  it("missing_value and _FillValue both mask; integers ≥ 32 bits become float64", async () => {
    const v = decodeCF(ds(raw("n", ["x"], new Int32Array([-1, -2, 3, 9]), "int32", { missing_value: [-1, -2], _FillValue: 9 }))).variable(
      "n",
    );
    expect(v.dtype).toBe("float64");
    expect(Array.from((await v.read()).data as Float64Array)).toEqual([NaN, NaN, 3, NaN]);
    expect(v.encoding).toMatchObject({ missing_value: [-1, -2], _FillValue: 9 });
  });

  it("_Unsigned: 'true' on int8 → uint8 (fill wrapped), 'false' on uint16 → int16", async () => {
    const u = decodeCF(ds(raw("b", ["x"], new Int8Array([-1, 0, 127, -128]), "int8", { _Unsigned: "true", _FillValue: 0 }))).variable("b");
    expect(u.dtype).toBe("float32");
    expect(Array.from((await u.read()).data as Float32Array)).toEqual([255, NaN, 127, 128]);
    expect(u.encoding).toMatchObject({ _Unsigned: "true", _FillValue: 0, dtype: "int8" });
    const w = decodeCF(ds(raw("b", ["x"], new Int8Array([-1, 5]), "int8", { _Unsigned: "true", _FillValue: -1 }))).variable("b");
    expect(w.encoding._FillValue).toBe(255);
    expect(Array.from((await w.read()).data as Float32Array)).toEqual([NaN, 5]);
    const s = decodeCF(ds(raw("s", ["x"], new Uint16Array([65535, 1]), "uint16", { _Unsigned: "false" }))).variable("s");
    expect(s.dtype).toBe("int16");
    expect(Array.from((await s.read()).data as Int16Array)).toEqual([-1, 1]);
  });

  it("maskAndScale: false keeps stored values and attributes", async () => {
    const v = decodeCF(ds(raw("sst", ["x"], new Int16Array([1, -32768]), "int16", { _FillValue: -32768, scale_factor: 0.01 })), {
      maskAndScale: false,
    }).variable("sst");
    expect(v.dtype).toBe("int16");
    expect(v.attrs).toEqual({ _FillValue: -32768, scale_factor: 0.01 });
    expect(Array.from((await v.read()).data as Int16Array)).toEqual([1, -32768]);
  });
});

describe("decodeCF: times", () => {
  it("decodes CF time units to datetime64[ns] (epoch ms), moving units and calendar to encoding", async () => {
    const v = decodeCF(
      ds(
        raw("time", ["time"], new Int32Array([1149508800]), "int32", {
          units: "seconds since 1981-01-01 00:00:00",
          calendar: "Gregorian",
          long_name: "t",
        }),
      ),
    ).variable("time");
    expect(v.dtype).toBe("datetime64[ns]");
    expect(v.attrs).toEqual({ long_name: "t" });
    expect(v.encoding).toEqual({ units: "seconds since 1981-01-01 00:00:00", calendar: "Gregorian", dtype: "int32" });
    expect(toIsoString((await v.read()).data[0] as number)).toBe("2017-06-05T12:00:00Z");
  });

  it("time bounds inherit units and calendar; decodeTimes: false leaves numbers", async () => {
    const t = raw("time", ["time"], new Float64Array([0.5]), "float64", {
      units: "days since 2000-01-01",
      calendar: "noleap",
      bounds: "time_bnds",
    });
    const b = raw("time_bnds", ["time", "bnds"], new Float64Array([0, 1]), "float64", {}, [1, 2]);
    const d = decodeCF(ds(t, b));
    expect(d.variable("time_bnds").dtype).toBe("datetime64[ns]");
    expect(d.variable("time_bnds").encoding).toMatchObject({ units: "days since 2000-01-01", calendar: "noleap" });
    expect(Array.from((await d.variable("time_bnds").read()).data as Float64Array, toIsoString)).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-01-02T00:00:00Z",
    ]);
    const n = decodeCF(ds(t, b), { decodeTimes: false });
    expect(n.variable("time").dtype).toBe("float64");
    expect(n.variable("time").attrs.units).toBe("days since 2000-01-01");
    expect(n.variable("time_bnds").attrs.units).toBeUndefined();
  });

  it("variables that are already datetime64 pass through untouched", () => {
    const t = raw("t", ["t"], new Float64Array([0]), "datetime64[ns]", { units: "days since 2000-01-01" });
    const d = decodeCF(ds(t)).variable("t");
    expect(d.attrs.units).toBe("days since 2000-01-01");
    expect(d.encoding).toEqual({});
  });

  it("invalid time units give CORRUPT_DATA naming the variable and the way out", () => {
    let err: unknown;
    try {
      decodeCF(ds(raw("t", ["t"], new Float64Array([1]), "float64", { units: "eons since the big bang" })));
    } catch (e) {
      err = e;
    }
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect((err as Error).message).toContain("variable t");
    expect((err as { hint: string }).hint).toContain("decodeTimes: false");
  });
});

describe("decodeCF: coordinates and char arrays", () => {
  it("dimension-named variables and `coordinates` attributes make coords (all names must exist)", () => {
    const lat = raw("lat", ["y", "x"], new Float64Array(4), "float64", {}, [2, 2]);
    const lon = raw("lon", ["y", "x"], new Float64Array(4), "float64", {}, [2, 2]);
    const x = raw("x", ["x"], new Float64Array(2), "float64");
    const v = raw("v", ["y", "x"], new Float32Array(4), "float32", { coordinates: "lat lon" }, [2, 2]);
    const w = raw("w", ["y", "x"], new Float32Array(4), "float32", { coordinates: "lat nothere" }, [2, 2]);
    const d = decodeCF(ds(lat, lon, x, v, w));
    expect(Object.keys(d.coords).sort()).toEqual(["lat", "lon", "x"]);
    expect(Object.keys(d.data_vars).sort()).toEqual(["v", "w"]);
    expect(d.variable("v").attrs).not.toHaveProperty("coordinates");
    expect(d.variable("v").encoding.coordinates).toBe("lat lon");
    expect(d.variable("w").attrs.coordinates).toBe("lat nothere");
  });

  it("a global `coordinates` attribute names coords and is removed from attrs", () => {
    const st = raw("station", ["n"], new Float64Array(2), "float64");
    const d = decodeCF(new Dataset({ data_vars: { station: st }, attrs: { coordinates: "station", title: "x" } }));
    expect(Object.keys(d.coords)).toEqual(["station"]);
    expect(d.attrs).toEqual({ title: "x" });
  });

  it("char arrays are joined along a last dimension used only by char arrays (xarray's 'stackable')", async () => {
    const char = { [CHAR_ENCODING_KEY]: true };
    const names = raw("names", ["n", "len"], ["a", "b", "", "c", "", ""], "str", {}, [2, 3], char);
    const flags = raw("flags", ["n"], ["x", "y"], "str", {}, [2], char); // last dim n is used by `value` too
    const value = raw("value", ["n"], new Float32Array(2), "float32");
    const d = decodeCF(ds(names, flags, value));
    const v = d.variable("names");
    expect(v.dims).toEqual(["n"]);
    expect(v.shape).toEqual([2]);
    expect(v.encoding.char_dim_name).toBe("len");
    expect((await v.read()).data).toEqual(["ab", "c"]);
    await v.read([1]);
    expect(names.calls[1]).toEqual([1, null]); // the char dimension is read whole
    expect(d.variable("flags").dims).toEqual(["n"]);
    expect(d.variable("flags").encoding).not.toHaveProperty("char_dim_name");
  });

  it("`_Encoding` re-decodes joined byte strings (utf-8) and moves to encoding", async () => {
    const bytes = Array.from(new TextEncoder().encode("γ"), (b) => String.fromCharCode(b));
    const v = raw("s", ["n", "len"], [...bytes, "a"], "str", { _Encoding: "utf-8" }, [1, 3], { [CHAR_ENCODING_KEY]: true });
    const d = decodeCF(ds(v)).variable("s");
    expect(d.encoding._Encoding).toBe("utf-8");
    expect((await d.read()).data).toEqual(["γa"]);
  });

  it("stays lazy: decodeCF reads nothing, and reads pass the selection through", async () => {
    const v = raw("sst", ["x"], new Int16Array([1, 2, 3]), "int16", { scale_factor: 2 });
    const d = decodeCF(ds(v));
    expect(v.calls).toEqual([]);
    await d.variable("sst").read([[0, 2]]);
    expect(v.calls).toEqual([[[0, 2]]]);
  });
});

describe("decodeCF on the real edge cases", () => {
  const fs = new FileFileSystem(DATA_DIR);

  it("eraint_uvz.nc: negative scale_factor decodes as stored × scale + offset", async () => {
    const r = await netcdf3Reader.open(fs, "netcdf3/eraint_uvz.nc");
    const stored = (await r.data_vars.z!.read([0, 0, 0, [0, 3]])).data as Int16Array;
    const z = decodeCF(r).variable("z");
    expect(z.encoding.scale_factor).toBeLessThan(0);
    const sf = z.encoding.scale_factor!;
    const ao = z.encoding.add_offset!;
    expect(Array.from((await z.read([0, 0, 0, [0, 3]])).data as Float64Array)).toEqual(Array.from(stored, (s) => s * sf + ao));
  });

  it("RGB.nc: _Unsigned bytes above 127 decode to 128…255", async () => {
    const r = await netcdf3Reader.open(fs, "netcdf3/RGB.nc");
    const stored = (await r.data_vars.Band1!.read()).data as Int8Array;
    const i = stored.findIndex((s) => s < 0);
    expect(i).toBeGreaterThanOrEqual(0);
    const dec = (await decodeCF(r).variable("Band1").read()).data as Float32Array;
    expect(dec[i]).toBe(stored[i]! + 256);
    expect(dec.reduce((m, x) => (Number.isNaN(x) ? m : Math.max(m, x)), 0)).toBe(255);
  });

  it("madis-sao.nc: 'seconds since 1-1-1970' is 1970-01-01", async () => {
    const d = decodeCF(await netcdf3Reader.open(fs, "netcdf3/madis-sao.nc"));
    const t = d.variable("timeObs");
    expect(t.dtype).toBe("datetime64[ns]");
    expect(toIsoString((await t.read([0])).data[0] as number)).toBe("2002-10-08T14:45:00Z");
  });

  it("GFS_global.nc: 'Hour since 2021-01-30T12:00:00Z'", async () => {
    const d = decodeCF(await netcdf4Reader.open(fs, join("netcdf4", "GFS_global.nc")));
    try {
      expect(Array.from((await d.variable("time3").read()).data as Float64Array, toIsoString)).toEqual([
        "2021-01-30T12:00:00Z",
        "2021-01-30T15:00:00Z",
        "2021-01-30T18:00:00Z",
      ]);
    } finally {
      await d.close();
    }
  });
});
