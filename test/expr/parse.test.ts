// The expression parser and checker: Python precedence on jsep, positions in messages, limits, and names
// that resolve to nothing but the dataset's variables, the constants and the function table.
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { checkExpression, parseExpression, type Ast } from "../../src/expr/index.js";

const show = (a: Ast): string =>
  a.type === "num"
    ? String(a.value)
    : a.type === "name"
      ? a.name
      : a.type === "attr"
        ? `${show(a.object)}.${a.name}`
        : a.type === "call"
          ? `${show(a.callee)}(${a.args.map(show).join(", ")})`
          : a.type === "unary"
            ? `(${a.op} ${show(a.arg)})`
            : a.type === "binary"
              ? `(${show(a.left)} ${a.op} ${show(a.right)})`
              : `where(${show(a.test)}, ${show(a.then)}, ${show(a.else)})`;

const vars = {
  conc_chl: { dtype: "float64", dims: ["time", "lat", "lon"], shape: [5, 4, 4] },
  conc_tsm: { dtype: "float32", dims: ["time", "lat", "lon"], shape: [5, 4, 4] },
  mask: { dtype: "uint8", dims: ["lat", "lon"], shape: [4, 4] },
  flags: {
    dtype: "float64",
    dims: ["lat", "lon"],
    shape: [4, 4],
    attrs: { flag_meanings: "LAND WATER", flag_masks: [1, -2147483648] },
  },
  time_v: { dtype: "datetime64[ns]", dims: ["time"], shape: [5] },
} as const;

describe("parseExpression", () => {
  it.each([
    ["conc_chl/(conc_tsm+1)", "(conc_chl / (conc_tsm + 1))"],
    ["-a**2", "(- (a ** 2))"],
    ["not a == b and c", "((not (a == b)) and c)"],
    ["a if c1 else b if c2 else d", "where(c1, a, where(c2, b, d))"],
    ["flags & 1 == 0", "((flags & 1) == 0)"],
    ["2 ** -1", "(2 ** (- 1))"],
    ["0x1F & flags", "(31 & flags)"],
    ["a or b if c else d", "where(c, (a or b), d)"],
    ["(-a)**2", "((- a) ** 2)"],
    ["a // b % c", "((a // b) % c)"],
    ["np.sqrt(x)", "np.sqrt(x)"],
  ])("%s reads as Python does", (text, expected) => {
    expect(show(parseExpression(text))).toBe(expected);
  });

  it.each([
    ["a < b < c", "chained comparisons", 6],
    ["a == not b", "'not' cannot follow '=='", 5],
    ["a && b", "write and", 2],
    ["a in b", "'in' is not supported", 2],
    ["a ? b : c", "x if c else y", 0],
    ["a[0]", "subscripts", 0],
    ["'s'", "text literal", 0],
    ["x if c", "'if' without 'else'", 2],
    ["a b", "one expression expected", 2],
  ])("refuses %s naming the problem and its position", (text, words, pos) => {
    try {
      parseExpression(text);
      expect.unreachable();
    } catch (err) {
      expect(isEocubeError(err, "INVALID_EXPRESSION")).toBe(true);
      expect((err as Error).message).toContain(words);
      expect((err as { details: { position: number } }).details.position).toBe(pos);
    }
  });

  it("bounds size and nesting before parsing", () => {
    expect(() => parseExpression("x".repeat(1 << 20))).toThrow(/1,048,576 characters long, more than the 10,000/);
    expect(() => parseExpression(`${"(".repeat(100)}a${")".repeat(100)}`)).toThrow(/nested more than 64/);
    expect(() => parseExpression(`${"-".repeat(9000)}a`)).toThrow(/nested/);
    expect(() => parseExpression(`a${"+a".repeat(300)}`)).toThrow(/256 levels/);
  });
});

describe("checkExpression", () => {
  it("types as numpy and broadcasts by dimension name", () => {
    expect(checkExpression("conc_tsm * 0.1", vars)).toMatchObject({ dtype: "float32", dims: ["time", "lat", "lon"], shape: [5, 4, 4] });
    expect(checkExpression("conc_chl * mask", vars)).toMatchObject({ dtype: "float64", dims: ["time", "lat", "lon"] });
    expect(checkExpression("mask + 1", vars).dtype).toBe("uint8");
    expect(checkExpression("mask / 2", vars).dtype).toBe("float64");
    expect(checkExpression("flags.WATER", vars)).toMatchObject({ dtype: "bool", variables: ["flags"] });
    expect(checkExpression("flags & 1", vars).dtype).toBe("int64");
    expect(checkExpression("np.where(conc_chl > 1, conc_chl, nan)", vars).dtype).toBe("float64");
  });

  it.each([
    ["bibo * conc_chl", "name 'bibo' is not defined"],
    ["constructor", "name 'constructor' is not defined"],
    ["__proto__", "name '__proto__' is not defined"],
    ["conc_chl.__proto__", "protected attribute"],
    ["conc_chl.constructor", "attribute access is not allowed"],
    ["flags.SNOW", "'flags' has no flag 'SNOW'"],
    ["toString(conc_chl)", "function 'toString' is not defined"],
    ["sqrt(conc_chl, 1)", "sqrt() takes 1 argument (2 given)"],
    ["conc_chl(1)", "'conc_chl' is a variable, not a function"],
    ["sqrt", "'sqrt' is a function"],
    ["time_v + 1", "holds datetime64[ns] values"],
    ["pi * 2", "gives a constant"],
  ])("refuses %s", (text, words) => {
    expect(() => checkExpression(text, vars)).toThrow(words);
  });
});
