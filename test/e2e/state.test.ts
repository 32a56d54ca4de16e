// The viewer's URL state (viewer/src/state.ts): parse ∘ format keeps every field, defaults are left out,
// bad values fall back to defaults. The browser round trip is in viewer.test.ts.
import { describe, expect, it } from "vitest";
import { formatState, parseState, type ViewState } from "../../viewer/src/state.js";
import { chunkBound, chunkLength, chunksNewestFirst, nearestIndex } from "../../viewer/src/timeaxis.js";

describe("viewer URL state", () => {
  it("round-trips every field", () => {
    const s: ViewState = {
      dataset: "olci",
      variable: "conc_chl",
      time: "2017-01-16T10:09:21.834Z",
      center: [2.5, 51.25],
      zoom: 7.5,
      projection: "EPSG:4326",
      cmap: "plasma",
      vmin: 0.5,
      vmax: 8,
      log: true,
      reversed: true,
      opacity: 0.75,
      split: "time",
      variable2: "kd489",
      time2: "2017-01-28T09:58:11.350Z",
      swipe: 30,
      dims: { level: "850", month: "7" },
      basemap: "osm",
      placeGroup: "stations",
    };
    expect(parseState(`#${formatState(s)}`)).toEqual(s);
    expect(formatState(s)).toContain("dim.level=850&dim.month=7");
    expect(formatState(s)).toContain("base=osm&places=stations");
  });

  it("leaves defaults out and restores them", () => {
    const text = formatState(parseState(""));
    expect(text).toBe("");
    expect(parseState("")).toEqual({ projection: "EPSG:3857", log: false, reversed: false, opacity: 1, split: "off", swipe: 50 });
  });

  it("ignores bad values", () => {
    const s = parseState("#proj=EPSG:9999&vmin=abc&opacity=7&split=sideways&swipe=-5&lon=2&base=google");
    expect(s.projection).toBe("EPSG:3857");
    expect(s.vmin).toBeUndefined();
    expect(s.opacity).toBe(1);
    expect(s.split).toBe("off");
    expect(s.swipe).toBe(0);
    expect(s.center).toBeUndefined();
    expect(s.basemap).toBeUndefined();
  });

  it("encodes times and names safely", () => {
    const text = formatState({ ...parseState(""), dataset: "a&b=c", time: "2017-01-16T10:09:21.834Z" });
    expect(text).toContain("ds=a%26b%3Dc");
    expect(parseState(text).dataset).toBe("a&b=c");
  });
});

describe("viewer time axis helpers", () => {
  // the OLCI cube's 5 irregular steps
  const iso = [
    "2017-01-16T10:09:21.834Z",
    "2017-01-25T09:35:51.060Z",
    "2017-01-26T10:50:16.686Z",
    "2017-01-28T09:58:11.350Z",
    "2017-01-30T10:46:33.837Z",
  ];
  const ms = iso.map((t) => Date.parse(t));

  it("splits the axis into chunks, newest first, covering every step once", () => {
    expect(chunksNewestFirst(5)).toEqual([
      [3, 4],
      [1, 2],
      [0, 0],
    ]);
    const big = chunksNewestFirst(1000);
    expect(big[0]).toEqual([900, 999]);
    expect(big.reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(1000);
    expect(chunkLength(1)).toBe(2);
    expect(chunkLength(10_000)).toBe(100);
  });

  it("puts chunk bounds strictly between labels", () => {
    for (const [a, b] of chunksNewestFirst(5)) {
      const lo = Date.parse(chunkBound(ms, a - 1, a));
      const hi = Date.parse(chunkBound(ms, b, b + 1));
      expect(ms.filter((t) => t >= lo && t <= hi)).toEqual(ms.slice(a, b + 1));
    }
    expect(chunkBound(ms, -1, 0)).toBe("2017-01-16T10:09:20.834Z");
  });

  it("finds the nearest step", () => {
    expect(nearestIndex(ms, Date.parse("2017-01-26T00:00:00Z"))).toBe(2);
    expect(nearestIndex(ms, 0)).toBe(0);
    expect(nearestIndex([], 5)).toBe(0);
  });
});
