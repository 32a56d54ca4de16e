import { describe, expect, it } from "vitest";
import { EocubeError, exitCodeOf, httpStatusOf, isEocubeError } from "../../src/core/errors.js";

describe("EocubeError", () => {
  it("maps user errors to exit code 2 and their HTTP status", () => {
    const err = new EocubeError("NOT_FOUND", "no such file", { path: "/x.nc", hint: "check the path" });
    expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
    expect(exitCodeOf(err)).toBe(2);
    expect(httpStatusOf(err)).toBe(404);
    expect(err.toJSON()).toEqual({ code: "NOT_FOUND", message: "no such file", path: "/x.nc", hint: "check the path" });
  });
  it("maps anything else to exit code 1 and HTTP 500", () => {
    expect(exitCodeOf(new Error("x"))).toBe(1);
    expect(httpStatusOf(new Error("x"))).toBe(500);
  });
});

describe("docs/errors.md", () => {
  it("lists exactly the codes of ERROR_CODES with their exit code and HTTP status", async () => {
    const { readFileSync } = await import("node:fs");
    const { ERROR_CODES } = await import("../../src/core/errors.js");
    const rows = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => l.split("|").map((c) => c.trim()));
    const documented = Object.fromEntries(rows.map((r) => [r[1]!.replaceAll("`", ""), [Number(r[2]), Number(r[3])]]));
    const actual = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, v]) => [code, [v.user ? 2 : 1, v.status]]));
    expect(documented).toEqual(actual);
  });
});
