// CF time helpers. Calendar reference dates were computed once with cftime 1.6.2 (`cftime.num2date(values,
// units, calendar)`, the library xarray falls back to) and pandas/xarray 2023.01 for the standard cases.
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import {
  decodeTimes,
  encodeTimes,
  isoDuration,
  normalizeCalendar,
  parseIsoTime,
  parseTimeAttribute,
  parseTimeText,
  parseTimeUnits,
  toIsoString,
} from "../../src/core/time.js";

const iso = (units: string, values: number[], calendar?: string) => Array.from(decodeTimes(values, units, calendar), toIsoString);

describe("parseTimeUnits", () => {
  it("reads any case and plural of the unit, and many reference date spellings", () => {
    expect(parseTimeUnits("days since 1970-01-01")).toMatchObject({
      unit: "days",
      unitMs: 86_400_000,
      ref: { year: 1970, month: 1, day: 1, ms: 0 },
    });
    expect(parseTimeUnits("Hour since 2021-01-30T12:00:00Z")).toMatchObject({
      unit: "hours",
      ref: { year: 2021, month: 1, day: 30, ms: 12 * 3_600_000 },
    });
    expect(parseTimeUnits("SECONDS since 1981-01-01 00:00:00").unit).toBe("seconds");
    expect(parseTimeUnits("minute since 2000-1-1 6:30").ref).toEqual({ year: 2000, month: 1, day: 1, ms: (6 * 60 + 30) * 60_000 });
    expect(parseTimeUnits("msecs since 2000-01-01T00:00:00.5").ref.ms).toBe(500);
    expect(parseTimeUnits("hours since 2000-01-01 00:00:00 +02:00").ref.ms).toBe(-2 * 3_600_000);
  });

  it("'seconds since 1-1-1970' is 1970-01-01 (month-day-year), not year 1", () => {
    expect(parseTimeUnits("seconds since 1-1-1970").ref).toEqual({ year: 1970, month: 1, day: 1, ms: 0 });
    expect(iso("seconds since 1-1-1970", [1034088300])).toEqual(["2002-10-08T14:45:00Z"]);
  });

  it("a reference without a four-digit year is read year first", () => {
    expect(parseTimeUnits("days since 1-1-1").ref).toEqual({ year: 1, month: 1, day: 1, ms: 0 });
  });

  it("rejects strings that are not CF time units with CORRUPT_DATA", () => {
    for (const bad of ["days", "fortnights since 2000-01-01", "days since yesterday", "days since 2000-13-01"]) {
      let err: unknown;
      try {
        parseTimeUnits(bad);
      } catch (e) {
        err = e;
      }
      expect(isEocubeError(err, "CORRUPT_DATA"), bad).toBe(true);
    }
  });
});

describe("decodeTimes", () => {
  it("standard calendar, as xarray decodes the shared files", () => {
    expect(iso("seconds since 1981-01-01 00:00:00", [1149508800], "Gregorian")).toEqual(["2017-06-05T12:00:00Z"]);
    expect(iso("Hour since 2021-01-30T12:00:00Z", [0, 3, 6], "proleptic_gregorian")).toEqual([
      "2021-01-30T12:00:00Z",
      "2021-01-30T15:00:00Z",
      "2021-01-30T18:00:00Z",
    ]);
    expect(iso("days since 1970-01-01", [17182.42316938, NaN])).toEqual(["2017-01-16T10:09:21.834Z", "NaT"]);
  });

  it("non-standard calendars give cftime's date fields", () => {
    expect(iso("days since 2000-01-01", [0, 59, 365, 730.5], "noleap")).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-03-01T00:00:00Z",
      "2001-01-01T00:00:00Z",
      "2002-01-01T12:00:00Z",
    ]);
    expect(iso("days since 2000-01-01", [0, 59, 366], "366_day")).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-02-29T00:00:00Z",
      "2001-01-01T00:00:00Z",
    ]);
    expect(iso("days since 2000-01-01", [0, 13, 367], "julian")).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-01-14T00:00:00Z",
      "2001-01-02T00:00:00Z",
    ]);
    // cftime: 2000-02-30 (rolled over to March 1 in a Gregorian date), 2001-01-01, 2001-02-06
    expect(iso("days since 2000-01-01", [0, 59, 360, 395], "360_day")).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-03-01T00:00:00Z",
      "2001-01-01T00:00:00Z",
      "2001-02-06T00:00:00Z",
    ]);
  });

  it("the standard calendar is Julian before 1582-10-15, proleptic_gregorian is not", () => {
    expect(iso("days since 0001-01-01", [0, 577737, 577738], "standard")).toEqual([
      "0001-01-01T00:00:00Z",
      "1582-10-15T00:00:00Z",
      "1582-10-16T00:00:00Z",
    ]);
    expect(iso("days since 0001-01-01", [0, 577737], "proleptic_gregorian")).toEqual(["0001-01-01T00:00:00Z", "1582-10-17T00:00:00Z"]);
    expect(iso("hours since 1582-10-15 00:00", [-1, 1], "standard")).toEqual(["1582-10-04T23:00:00Z", "1582-10-15T01:00:00Z"]);
    expect(iso("days since 1582-10-04", [10], "standard")).toEqual(["1582-10-24T00:00:00Z"]);
  });

  it("accepts bigint values and rejects unknown calendars with UNSUPPORTED", () => {
    expect(iso("seconds since 1970-01-01", [60n as unknown as number])).toEqual(["1970-01-01T00:01:00Z"]);
    expect(() => normalizeCalendar("none")).toThrow(/unsupported CF calendar/);
    expect(normalizeCalendar("GREGORIAN")).toBe("standard");
    expect(normalizeCalendar("365_day")).toBe("noleap");
  });
});

describe("encodeTimes, toIsoString, parseIsoTime", () => {
  it("encodeTimes inverts decodeTimes", () => {
    const values = [0, 1.5, 17182.42316938, -365];
    const ms = decodeTimes(values, "days since 1970-01-01");
    Array.from(encodeTimes(ms, "days since 1970-01-01")).forEach((v, i) => {
      expect(v).toBeCloseTo(values[i]!, 9);
    });
    expect(Array.from(encodeTimes([Date.UTC(2021, 0, 30, 18)], "hours since 2021-01-30T12:00:00Z"))).toEqual([6]);
    expect(() => encodeTimes([0], "days since 2000-01-01", "noleap")).toThrow(/not supported/);
  });

  it("toIsoString ends in Z and keeps milliseconds only when present", () => {
    expect(toIsoString(0)).toBe("1970-01-01T00:00:00Z");
    expect(toIsoString(1.5)).toBe("1970-01-01T00:00:00.002Z");
    expect(toIsoString(1484561361834)).toBe("2017-01-16T10:09:21.834Z");
    expect(toIsoString(NaN)).toBe("NaT");
  });

  it("parseIsoTime reads dates and date-times as UTC", () => {
    expect(parseIsoTime("2017-06-05")).toBe(Date.UTC(2017, 5, 5));
    expect(parseIsoTime("2017-06-05T12:00:00")).toBe(Date.UTC(2017, 5, 5, 12));
    expect(parseIsoTime("2017-06-05T12:00:00+02:00")).toBe(Date.UTC(2017, 5, 5, 10));
    expect(() => parseIsoTime("June 5th")).toThrow(/not an ISO 8601 time/);
  });
});

/** Runs `fn` with the process' time zone set to `tz` (Node reads TZ again when it changes). */
function inTimeZone<T>(tz: string, fn: () => T): T {
  const old = process.env.TZ;
  process.env.TZ = tz;
  try {
    expect(new Date(Date.UTC(2017, 5, 5)).getHours(), `TZ=${tz} took effect`).not.toBe(0);
    return fn();
  } finally {
    if (old === undefined) delete process.env.TZ;
    else process.env.TZ = old;
  }
}

describe("parseTimeText: the one parser of written times", () => {
  it("reads a time without a zone as UTC, whatever the process' time zone (Date.parse reads it as local time)", () => {
    inTimeZone("Asia/Tokyo", () => {
      expect(Date.parse("2017-06-05T12:00:00")).not.toBe(Date.UTC(2017, 5, 5, 12)); // the trap the old copies fell into
      expect(parseTimeText("2017-06-05T12:00:00")?.ms).toBe(Date.UTC(2017, 5, 5, 12));
      expect(parseTimeText("2017-06-05 12:00")?.ms).toBe(Date.UTC(2017, 5, 5, 12));
      expect(parseIsoTime("2017-06-05T12:00:00")).toBe(Date.UTC(2017, 5, 5, 12));
      expect(parseTimeAttribute("20170605T120000")).toBe(Date.UTC(2017, 5, 5, 12));
    });
  });

  it("gives what a time names: its first instant, its length and whether it is a date", () => {
    expect(parseTimeText("2017-01-16")).toEqual({ ms: Date.UTC(2017, 0, 16), unit: 86_400_000, dateOnly: true });
    expect(parseTimeText("2017-01-16T10")).toEqual({ ms: Date.UTC(2017, 0, 16, 10), unit: 3_600_000, dateOnly: false });
    expect(parseTimeText("2017-01-16T10:09Z")?.unit).toBe(60_000);
    expect(parseTimeText("2017-01-16T10:09:21")?.unit).toBe(1000);
    expect(parseTimeText("2017-01-16T10:09:21,8Z")).toMatchObject({ ms: Date.UTC(2017, 0, 16, 10, 9, 21, 800), unit: 100 });
    const ns = parseTimeText("2017-01-16T10:09:21.834255872")!;
    expect(ns.ms).toBeCloseTo(Date.UTC(2017, 0, 16, 10, 9, 21, 834) + 0.255872, 3);
    expect(ns.unit).toBeCloseTo(1e-6, 12);
    expect(parseTimeText("2017-01-16T11:09:21+0100")?.ms).toBe(Date.UTC(2017, 0, 16, 10, 9, 21));
    expect(parseTimeText("2017-01-16T05:09:21-05:00")?.ms).toBe(Date.UTC(2017, 0, 16, 10, 9, 21));
    expect(parseTimeText("16-JAN-2017 10:09:21.5")?.ms).toBe(Date.UTC(2017, 0, 16, 10, 9, 21, 500));
  });

  it("partial times (a year, a month) only when asked, with their real length", () => {
    expect(parseTimeText("2017")).toBeUndefined();
    expect(parseTimeText("2017-02")).toBeUndefined();
    expect(parseTimeText("2016-02", { partial: true })).toEqual({ ms: Date.UTC(2016, 1, 1), unit: 29 * 86_400_000, dateOnly: true });
    expect(parseTimeText("2017-12", { partial: true })?.unit).toBe(31 * 86_400_000);
    expect(parseTimeText("2016", { partial: true })).toEqual({ ms: Date.UTC(2016, 0, 1), unit: 366 * 86_400_000, dateOnly: true });
    expect(parseTimeText("0001-01-01")?.ms).toBe(Date.UTC(2001, 0, 1) - 2000 * 365.2425 * 86_400_000);
  });

  it("refuses impossible dates and other text", () => {
    for (const bad of ["2017-02-29", "2017-04-31", "2017-13-01", "2017-01-16T10:60", "June 5th", "", "17-01-16", "2017-1-16"]) {
      expect(parseTimeText(bad), bad).toBeUndefined();
    }
    expect(parseTimeText("2016-02-29")?.ms).toBe(Date.UTC(2016, 1, 29));
    expect(parseTimeText(null)).toBeUndefined();
    expect(parseTimeText({})).toBeUndefined();
  });

  it("parseIsoTime: a year, month or date as an end means its last millisecond; errors name the field", () => {
    expect(parseIsoTime("2017-06-05", { end: true })).toBe(Date.UTC(2017, 5, 6) - 1);
    expect(parseIsoTime("2017-06", { end: true })).toBe(Date.UTC(2017, 6, 1) - 1);
    expect(parseIsoTime("2017-06-05T12:00:00", { end: true })).toBe(Date.UTC(2017, 5, 5, 12));
    expect(() => parseIsoTime("soon", { field: "time_range" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", field: "time_range" }),
    );
  });
});

describe("isoDuration", () => {
  it("writes calendar periods (weeks as days) and steps in ms in their largest whole unit", () => {
    expect([{ count: 8, unit: "D" } as const, { count: 1, unit: "M" } as const, { count: 3, unit: "H" } as const].map(isoDuration)).toEqual(
      ["P8D", "P1M", "PT3H"],
    );
    expect(isoDuration({ count: 2, unit: "W" })).toBe("P14D");
    expect(isoDuration({ count: 1, unit: "Y" })).toBe("P1Y");
    expect([86_400_000, 2 * 86_400_000, 3 * 3_600_000, 90_000, 1500].map((ms) => isoDuration(ms))).toEqual([
      "P1D",
      "P2D",
      "PT3H",
      "PT90S",
      "PT1.5S",
    ]);
  });
});
