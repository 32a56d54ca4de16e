// The expression language's vocabulary: functions (numpy's ufuncs and xarray's where, with Python's
// min/max/abs/round), operators mapped onto them, constants, and xcube's /expressions/capabilities answer.
import type { KernelName } from "./kernels.js";

/**
 * How a function's result dtype follows from its arguments (numpy's rules, see dtypes.ts):
 * arith (promoted, bool counts as int8), same (promoted), div (float, ints → float64), float (float
 * functions: float32 stays, small ints → float32, others float64), float64, compare/logic/test (bool),
 * bits (whole numbers: floats become int64), shift, invert, where (promoted of X and Y).
 */
export type ResultRule =
  | "arith"
  | "same"
  | "div"
  | "float"
  | "float64"
  | "compare"
  | "logic"
  | "test"
  | "bits"
  | "shift"
  | "invert"
  | "where";

/** One function of the language. */
export interface FunctionSpec {
  /** Number of arguments. */
  arity: number;
  rule: ResultRule;
  /** The kernel computing it (integer variants are chosen when compiling). */
  kernel: KernelName;
}

const f = (arity: number, rule: ResultRule, kernel: KernelName): FunctionSpec => ({ arity, rule, kernel });

/**
 * Every function by name, as numpy names its ufuncs (plus `where`, and Python's `min`/`max` as numpy's
 * NaN-ignoring fmin/fmax as xcube's legacy expressions map them, `abs`, `round`). `np.`/`numpy.`/`xr.`
 * prefixes name the same functions.
 */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ["add", f(2, "arith", "add")],
  ["subtract", f(2, "arith", "subtract")],
  ["multiply", f(2, "arith", "multiply")],
  ["divide", f(2, "div", "divide")],
  ["true_divide", f(2, "div", "divide")],
  ["floor_divide", f(2, "arith", "floor_divide")],
  ["remainder", f(2, "arith", "remainder")],
  ["mod", f(2, "arith", "remainder")],
  ["fmod", f(2, "arith", "fmod")],
  ["power", f(2, "arith", "power")],
  ["pow", f(2, "arith", "power")],
  ["float_power", f(2, "float64", "power")],
  ["negative", f(1, "arith", "negative")],
  ["positive", f(1, "arith", "positive")],
  ["absolute", f(1, "arith", "absolute")],
  ["abs", f(1, "arith", "absolute")],
  ["fabs", f(1, "float", "absolute")],
  ["square", f(1, "arith", "square")],
  ["reciprocal", f(1, "arith", "reciprocal")],
  ["sign", f(1, "arith", "sign")],
  ["sqrt", f(1, "float", "sqrt")],
  ["cbrt", f(1, "float", "cbrt")],
  ["exp", f(1, "float", "exp")],
  ["exp2", f(1, "float", "exp2")],
  ["expm1", f(1, "float", "expm1")],
  ["log", f(1, "float", "log")],
  ["log2", f(1, "float", "log2")],
  ["log10", f(1, "float", "log10")],
  ["log1p", f(1, "float", "log1p")],
  ["sin", f(1, "float", "sin")],
  ["cos", f(1, "float", "cos")],
  ["tan", f(1, "float", "tan")],
  ["arcsin", f(1, "float", "arcsin")],
  ["arccos", f(1, "float", "arccos")],
  ["arctan", f(1, "float", "arctan")],
  ["asin", f(1, "float", "arcsin")],
  ["acos", f(1, "float", "arccos")],
  ["atan", f(1, "float", "arctan")],
  ["sinh", f(1, "float", "sinh")],
  ["cosh", f(1, "float", "cosh")],
  ["tanh", f(1, "float", "tanh")],
  ["arcsinh", f(1, "float", "arcsinh")],
  ["arccosh", f(1, "float", "arccosh")],
  ["arctanh", f(1, "float", "arctanh")],
  ["deg2rad", f(1, "float", "deg2rad")],
  ["radians", f(1, "float", "deg2rad")],
  ["rad2deg", f(1, "float", "rad2deg")],
  ["degrees", f(1, "float", "rad2deg")],
  ["floor", f(1, "arith", "floor")],
  ["ceil", f(1, "arith", "ceil")],
  ["trunc", f(1, "arith", "trunc")],
  ["rint", f(1, "float", "rint")],
  ["round", f(1, "float", "rint")],
  ["arctan2", f(2, "float", "arctan2")],
  ["atan2", f(2, "float", "arctan2")],
  ["hypot", f(2, "float", "hypot")],
  ["copysign", f(2, "float", "copysign")],
  ["logaddexp", f(2, "float", "logaddexp")],
  ["logaddexp2", f(2, "float", "logaddexp2")],
  ["heaviside", f(2, "float", "heaviside")],
  ["minimum", f(2, "same", "minimum")],
  ["maximum", f(2, "same", "maximum")],
  ["fmin", f(2, "same", "fmin")],
  ["fmax", f(2, "same", "fmax")],
  ["min", f(2, "same", "fmin")],
  ["max", f(2, "same", "fmax")],
  ["isnan", f(1, "test", "isnan")],
  ["isinf", f(1, "test", "isinf")],
  ["isfinite", f(1, "test", "isfinite")],
  ["signbit", f(1, "test", "signbit")],
  ["equal", f(2, "compare", "equal")],
  ["not_equal", f(2, "compare", "not_equal")],
  ["less", f(2, "compare", "less")],
  ["less_equal", f(2, "compare", "less_equal")],
  ["greater", f(2, "compare", "greater")],
  ["greater_equal", f(2, "compare", "greater_equal")],
  ["logical_and", f(2, "logic", "logical_and")],
  ["logical_or", f(2, "logic", "logical_or")],
  ["logical_xor", f(2, "logic", "logical_xor")],
  ["logical_not", f(1, "logic", "logical_not")],
  ["bitwise_and", f(2, "bits", "bitwise_and")],
  ["bitwise_or", f(2, "bits", "bitwise_or")],
  ["bitwise_xor", f(2, "bits", "bitwise_xor")],
  ["invert", f(1, "invert", "invert_signed")],
  ["bitwise_not", f(1, "invert", "invert_signed")],
  ["bitwise_invert", f(1, "invert", "invert_signed")],
  ["left_shift", f(2, "shift", "left_shift")],
  ["right_shift", f(2, "shift", "right_shift")],
  ["where", f(3, "where", "where")],
]);

/** Module prefixes accepted before a function name (`np.sqrt`, `xr.where`), as xcube's legacy expressions write them. */
export const FUNCTION_MODULES: ReadonlySet<string> = new Set(["np", "numpy", "xr", "xarray"]);

/** Binary operators → functions. */
export const BINARY_FUNCTIONS: Readonly<Record<string, string>> = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "//": "floor_divide",
  "%": "remainder",
  "**": "power",
  "&": "bitwise_and",
  "|": "bitwise_or",
  "^": "bitwise_xor",
  "<<": "left_shift",
  ">>": "right_shift",
  "==": "equal",
  "!=": "not_equal",
  "<": "less",
  "<=": "less_equal",
  ">": "greater",
  ">=": "greater_equal",
  and: "logical_and",
  or: "logical_or",
};

/** Unary operators → functions. */
export const UNARY_FUNCTIONS: Readonly<Record<string, string>> = { "-": "negative", "+": "positive", "~": "invert", not: "logical_not" };

/** Named constants (xcube's: `nan e inf pi`; `NaN`, `PI`, `True`, `False` of xcube's legacy gen expressions). */
export const CONSTANTS: ReadonlyMap<string, { value: number; dtype: "float64" | "bool" }> = new Map([
  ["nan", { value: NaN, dtype: "float64" }],
  ["e", { value: Math.E, dtype: "float64" }],
  ["inf", { value: Infinity, dtype: "float64" }],
  ["pi", { value: Math.PI, dtype: "float64" }],
  ["NaN", { value: NaN, dtype: "float64" }],
  ["PI", { value: Math.PI, dtype: "float64" }],
  ["True", { value: 1, dtype: "bool" }],
  ["False", { value: 0, dtype: "bool" }],
]);

/** xcube's `GET /expressions/capabilities` answer (see xcube/webapi/expressions/controllers.py). */
export interface ExpressionCapabilities {
  namespace: {
    constants: string[];
    arrayFunctions: string[];
    otherFunctions: string[];
    arrayOperators: string[];
    otherOperators: string[];
  };
}

/**
 * What the language offers, in xcube's shape and formatting (`sqrt(X)`, `arctan2(X,Y)`, `where(C,X,Y)`,
 * operators as `X + Y`): the functions and operators eocube evaluates, so the viewer offers only those.
 */
export function expressionCapabilities(): ExpressionCapabilities {
  const args = ["X", "X,Y", "X,Y,Z"];
  const arrayFunctions = [...FUNCTIONS]
    .map(([name, spec]) => (name === "where" ? "where(C,X,Y)" : `${name}(${args[spec.arity - 1]})`))
    .sort();
  return {
    namespace: {
      constants: ["e", "inf", "nan", "pi"],
      arrayFunctions,
      otherFunctions: [],
      arrayOperators: [
        "+X",
        "-X",
        "~X",
        "X + Y",
        "X - Y",
        "X * Y",
        "X / Y",
        "X // Y",
        "X % Y",
        "X ** Y",
        "X << Y",
        "X >> Y",
        "X & Y",
        "X ^ Y",
        "X | Y",
        "X == Y",
        "X != Y",
        "X < Y",
        "X <= Y",
        "X > Y",
        "X >= Y",
      ],
      otherOperators: ["X and Y", "X or Y", "not X", "X if C else Y"],
    },
  };
}
