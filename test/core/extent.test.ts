// The one lon/lat extent of ungridded data (core/extent.ts) — where the PRR and server copies differed: 0…360
// longitudes (the server gave east > 180), which variables count (standard_name, names, units).
import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { lonLatExtent, lonLatVariable, pointLonRange } from "../../src/core/extent.js";
import { memVariable } from "./helpers.js";

const stations = (
  lon: number[],
  lat: number[],
  names: [string, string] = ["lon", "lat"],
  attrs: [Record<string, unknown>, Record<string, unknown>] = [{}, {}],
) =>
  new Dataset({
    coords: {
      [names[0]]: memVariable(names[0], ["obs"], lon, "float64", attrs[0]),
      [names[1]]: memVariable(names[1], ["obs"], lat, "float64", attrs[1]),
    },
    data_vars: {
      t: memVariable(
        "t",
        ["obs"],
        lon.map(() => 1),
        "float32",
      ),
    },
  });

describe("pointLonRange", () => {
  it("keeps −180…180, shifts 0…360 points all at or beyond 180° by −360°, and gives −180…180 for points on both sides of 180°", () => {
    expect(pointLonRange(-20, 30)).toEqual([-20, 30]);
    expect(pointLonRange(0, 180)).toEqual([0, 180]);
    expect(pointLonRange(190, 350)).toEqual([-170, -10]);
    expect(pointLonRange(180, 181)).toEqual([-180, -179]);
    expect(pointLonRange(10, 350)).toEqual([-180, 180]);
  });
});

describe("lonLatExtent", () => {
  it("is the points' extent in −180…180 longitudes (0…360 data included)", async () => {
    expect(await lonLatExtent(stations([1.5, 1.1, NaN], [52.6, 52.3, 52.4]))).toEqual([1.1, 52.3, 1.5, 52.6]);
    expect(await lonLatExtent(stations([350, 355, 359.5], [10, -10, 0]))).toEqual([-10, -10, -0.5, 10]);
    expect(await lonLatExtent(stations([170, 190], [0, 1]))).toEqual([-180, 0, 180, 1]);
  });

  it("finds the variables by standard_name, by name in any case, or by CF units", async () => {
    const std = stations([5, 6], [50, 51], ["x", "y"], [{ standard_name: "longitude" }, { standard_name: "latitude" }]);
    expect(await lonLatExtent(std)).toEqual([5, 50, 6, 51]);
    expect(lonLatVariable(stations([5], [50], ["LONGITUDE", "Latitude"]), "lon")?.name).toBe("LONGITUDE");
    const units = stations([5, 7], [50, 52], ["xc", "yc"], [{ units: "degrees_east" }, { units: "degree_N" }]);
    expect(await lonLatExtent(units)).toEqual([5, 50, 7, 52]);
    expect(await lonLatExtent(stations([5], [50], ["x", "y"]))).toBeUndefined();
  });

  it("refuses latitudes beyond ±90 and variables without a finite value", async () => {
    expect(await lonLatExtent(stations([5, 6], [50, 95]))).toBeUndefined();
    expect(await lonLatExtent(stations([NaN], [50]))).toBeUndefined();
  });
});
