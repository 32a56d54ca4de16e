// core/glob.ts: the one glob matcher (picomatch) — `*`, `?` within a segment, `**` across folders, the rest literal.
import { describe, expect, it } from "vitest";
import { globMatch, globMatcher } from "../../src/core/glob.js";

describe("globMatcher", () => {
  it("matches * and ? within one path segment, ** across folders", () => {
    expect(globMatch("conc_*", "conc_chl")).toBe(true);
    expect(globMatch("*.zarr", "a/cube.zarr")).toBe(false);
    expect(globMatch("**/*.tif", "a/b/c.tif")).toBe(true);
    expect(globMatch("2017060?12*.nc", "20170601120000-x.nc")).toBe(true);
    expect(globMatch("?", "/")).toBe(false);
  });

  it("reads brackets, braces, parentheses, ! and + literally", () => {
    for (const lit of ["a[1]", "{a,b}", "x(1)", "!a", "a+b", "a.b", "@(a)"]) {
      expect(globMatch(lit, lit)).toBe(true);
    }
    expect(globMatch("a[12]", "a1")).toBe(false);
    expect(globMatch("{a,b}", "a")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
  });

  it("matches names starting with '.' unless dot: false", () => {
    expect(globMatcher("*")(".hidden")).toBe(true);
    expect(globMatcher("*", { dot: false })(".hidden")).toBe(false);
  });
});
