// Item time from the data, in order: time coordinate, ACDD/product global attributes, datetime-valued
// variables (NaT ignored). Checked against xarray (Debian /usr/bin/python3) on the real files of
// ../shared/data and on small NetCDF files written by xarray at test time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractDataset, parseTimeAttribute, writePrrCollection, type PrrResult } from "../../../src/catalog/prr/index.js";
import { iso } from "../../../src/catalog/prr/item.js";
import { validateStacObject } from "../../../src/catalog/stac/validate.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const SCHEMAS = fileURLToPath(new URL("../../../schemas/", import.meta.url));
const PY_VALIDATOR = fileURLToPath(new URL("./validate_stac.py", import.meta.url));
const MADIS = join(DATA, "netcdf3/madis-sao.nc");
const SWATH = join(DATA, "netcdf4/O_L2_0001_SNS_2017104102450_v1.0.nc");

// Writes the synthetic files and prints what xarray reads: per file, the ms-rounded ISO min/max of the
// time coordinate, of the datetime variables and of the time attributes.
// biome-ignore lint/complexity/noUselessStringRaw: embedded Python: any backslash added to it must stay as written
const PY = String.raw`
import json, sys, datetime
import numpy as np, pandas as pd, xarray as xr
work, madis, swath = sys.argv[1:4]
def iso(t):
    return pd.Timestamp(t).round("ms").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
t = np.array(["2019-03-01T06:00:00", "NaT", "2019-03-02T18:30:00.250", "NaT"], dtype="datetime64[ns]")
xr.Dataset({"obs_time": ("obs", t), "value": ("obs", np.arange(4.0))}).to_netcdf(work + "/nat.nc", format="NETCDF3_CLASSIC")
acdd = xr.Dataset({"obs_time": ("obs", t), "value": ("obs", np.arange(4.0))},
                  attrs={"time_coverage_start": "2018-01-01T00:00:00Z", "time_coverage_end": "2018-12-31T23:59:59Z"})
acdd.to_netcdf(work + "/acdd.nc", format="NETCDF3_CLASSIC")
coord = xr.Dataset({"v": ("time", np.arange(2.0))}, coords={"time": np.array(["2015-05-05", "2015-05-06"], dtype="datetime64[ns]")},
                   attrs={"time_coverage_start": "2001-01-01T00:00:00Z", "time_coverage_end": "2001-01-02T00:00:00Z"})
coord.to_netcdf(work + "/coord.nc", format="NETCDF3_CLASSIC")
out = {}
for name, path in [("madis", madis), ("nat", work + "/nat.nc"), ("acdd", work + "/acdd.nc"), ("coord", work + "/coord.nc")]:
    ds = xr.open_dataset(path)
    dt = [ds[n] for n, v in ds.variables.items() if v.dtype.kind == "M"]
    lo = min(v.min(skipna=True).values for v in dt)
    hi = max(v.max(skipna=True).values for v in dt)
    out[name] = {"vars": [iso(lo), iso(hi)], "names": sorted(v.name for v in dt), "attrs": {k: str(v) for k, v in ds.attrs.items()}}
    if "time" in ds.coords:
        out[name]["coord"] = [iso(ds.time.values.min()), iso(ds.time.values.max())]
ds = xr.open_dataset(swath)
f = "%d-%b-%Y %H:%M:%S.%f"
out["swath"] = {"attrs": [iso(datetime.datetime.strptime(ds.attrs[k], f)) for k in ("start_date", "stop_date")],
                "datetime_vars": [n for n, v in ds.variables.items() if v.dtype.kind == "M"], "coords": list(ds.coords)}
print(json.dumps(out))
`;

const work = mkdtempSync(join(tmpdir(), "eocube-prr-time-"));
let xr: Record<string, { vars: [string, string]; names: string[]; attrs: Record<string, string>; coord?: [string, string] }> & {
  swath: { attrs: [string, string]; datetime_vars: string[]; coords: string[] };
};
let result: PrrResult;
const out = join(work, "out");
const props = (id: string) => JSON.parse(readFileSync(join(out, id, `${id}.json`), "utf8")).properties;
/** ISO text with milliseconds always (xarray's side prints them), for comparing with ours. */
const ms = (iso: string) => new Date(iso).toISOString();

beforeAll(async () => {
  const r = spawnSync("/usr/bin/python3", ["-c", PY, work, MADIS, SWATH], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  xr = JSON.parse(r.stdout);
  const config = join(work, "prr.yaml");
  writeFileSync(
    config,
    `${[
      "id: time-test",
      "title: T",
      "description: D",
      "license: MIT",
      "asset_files: link",
      "items:",
      `  - { id: madis, assets: [{ key: data, path: ${MADIS} }] }`,
      `  - { id: swath, assets: [{ key: data, path: ${SWATH} }] }`,
    ].join("\n")}\n`,
  );
  result = await writePrrCollection(config, { outDir: out });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("item time from the data", () => {
  it("takes a station file's time from its datetime variables (madis timeObs/timeNominal), as xarray decodes them", () => {
    expect(xr.madis.names).toEqual(["timeNominal", "timeObs"]);
    expect(xr.madis.vars).toEqual(["2002-10-08T14:45:00.000Z", "2002-10-08T15:44:00.000Z"]);
    const p = props("madis");
    expect(p.datetime).toBeNull();
    expect([ms(p.start_datetime), ms(p.end_datetime)]).toEqual(xr.madis.vars);
  });

  it("takes a swath's time from its start_date/stop_date global attributes (no time coordinate, no datetime variable)", () => {
    expect(xr.swath.datetime_vars).toEqual([]);
    expect(xr.swath.coords).not.toContain("time");
    const p = props("swath");
    expect(p.datetime).toBeNull();
    expect([ms(p.start_datetime), ms(p.end_datetime)]).toEqual(xr.swath.attrs);
  });

  it("no longer falls back to the build time; the collection's extent spans both and validates with both validators", () => {
    expect(result.warnings.filter((w) => /no time/.test(w.message))).toEqual([]);
    const c = JSON.parse(readFileSync(join(out, "collection.json"), "utf8"));
    expect(c.extent.temporal.interval[0].map(ms)).toEqual([xr.madis.vars[0], xr.swath.attrs[1]]);
    for (const f of result.files) expect(validateStacObject(JSON.parse(readFileSync(join(out, f), "utf8"))), f).toEqual([]);
    const py = spawnSync("/usr/bin/python3", [PY_VALIDATOR, SCHEMAS, out], { encoding: "utf8" });
    expect(JSON.parse(py.stdout)).toEqual({ documents: 3, errors: [] });
  });

  it("ignores NaT in datetime variables", async () => {
    const x = await extractDataset(join(work, "nat.nc"));
    expect(xr.nat.vars).toEqual(["2019-03-01T06:00:00.000Z", "2019-03-02T18:30:00.250Z"]);
    expect(x.time!.map(ms)).toEqual(xr.nat.vars);
  });

  it("prefers the time coordinate to the attributes, and ACDD attributes to datetime variables", async () => {
    const c = await extractDataset(join(work, "coord.nc"));
    expect(c.time!.map(ms)).toEqual(xr.coord.coord);
    expect(xr.coord.attrs.time_coverage_start).toBe("2001-01-01T00:00:00Z"); // present, but not used
    const a = await extractDataset(join(work, "acdd.nc"));
    expect(a.time).toEqual([xr.acdd.attrs.time_coverage_start, xr.acdd.attrs.time_coverage_end]);
    expect(xr.acdd.vars[0]).not.toBe(a.time![0]);
  });
});

describe("parseTimeAttribute", () => {
  it("reads ISO 8601 extended and basic, zone offsets, and DD-MON-YYYY product times, as UTC", () => {
    const cases: Array<[string, string]> = [
      ["2017-04-14T10:27:29.454Z", "2017-04-14T10:27:29.454Z"],
      ["2017-04-14 10:27:29", "2017-04-14T10:27:29.000Z"],
      ["2017-04-14", "2017-04-14T00:00:00.000Z"],
      ["2017-04-14T12:27:29+02:00", "2017-04-14T10:27:29.000Z"],
      ["20170414T102729Z", "2017-04-14T10:27:29.000Z"],
      ["14-APR-2017 10:27:29.454657", "2017-04-14T10:27:29.455Z"],
      ["4-jan-2001 00:00:00", "2001-01-04T00:00:00.000Z"],
    ];
    for (const [text, iso] of cases) expect(Math.round(parseTimeAttribute(text)!), text).toBe(Date.parse(iso));
    for (const bad of ["", "soon", "14-XYZ-2017 10:00:00", "2017-13-01", 5]) expect(parseTimeAttribute(bad), String(bad)).toBeUndefined();
  });
});

describe("configured times (item.ts iso)", () => {
  it("a time without a zone is UTC whatever the process' time zone (it was read as local time)", () => {
    const old = process.env.TZ;
    process.env.TZ = "America/Los_Angeles";
    try {
      expect(new Date(Date.UTC(2020, 0, 31)).getHours()).not.toBe(0);
      expect(iso("2020-01-31T12:00:00")).toBe("2020-01-31T12:00:00Z");
      expect(iso("2020-01-31")).toBe("2020-01-31T00:00:00Z");
      expect(iso("2020-01-31T12:00:00+01:00")).toBe("2020-01-31T11:00:00Z");
      expect(() => iso("31/01/2020")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    } finally {
      if (old === undefined) delete process.env.TZ;
      else process.env.TZ = old;
    }
  });
});
