// AST → checked, typed expression tree: names resolved against the dataset's variables (no other lookup),
// calls against the function table with their arity, flag names of CF flag variables, numpy dtypes, and
// broadcasting by dimension name; constants folded. Every refusal names its position.
import type { DType } from "../core/ndarray.js";
import type { Attrs } from "../core/variable.js";
import { closeNames } from "../core/names.js";
import { arithmetic, bitsOf, floatResult, isNumDType, kindOf, promote, unionDims, type NumDType, type ValueType } from "./dtypes.js";
import { BINARY_FUNCTIONS, CONSTANTS, FUNCTION_MODULES, FUNCTIONS, UNARY_FUNCTIONS, type FunctionSpec } from "./functions.js";
import { applyScalar, type KernelName } from "./kernels.js";
import { expressionError, parseExpression, type Ast } from "./parse.js";

/** A node of a checked expression. Ops run `kernel` on their arguments, then `post` in place (float32 rounding, int wrap-around). */
export type ExprNode =
  | { kind: "const"; value: number; type: ValueType }
  | { kind: "var"; name: string; type: ValueType }
  | { kind: "op"; kernel: KernelName; args: ExprNode[]; type: ValueType; param?: number; post?: KernelName };

/** What checking needs to know of a variable (a {@link Variable} is one). */
export interface VariableInfo {
  dtype: DType;
  dims: readonly string[];
  shape: readonly number[];
  attrs?: Attrs;
}

/** A checked expression, ready to compile (see compile.ts). */
export interface CheckedExpression {
  /** The expression text. */
  text: string;
  root: ExprNode;
  /** Names of the variables it reads, in order of first use. */
  variables: string[];
  /** Result dtype (numpy's). */
  dtype: NumDType;
  /** Result dimensions (broadcast by name: the dims of the variable with most dims, then the others'). */
  dims: string[];
  /** Result shape, same order as dims. */
  shape: number[];
}

/** Options of {@link checkExpression}. */
export interface CheckOptions {
  /** The field named by errors [default "expression"]. */
  field?: string;
}

/** Kernels whose float32 results are exact already (no rounding pass). */
const EXACT_F32 = new Set<KernelName>([
  "negative",
  "positive",
  "absolute",
  "sign",
  "floor",
  "ceil",
  "trunc",
  "minimum",
  "maximum",
  "fmin",
  "fmax",
  "where",
  "copysign",
  "fmod",
]);
/** Kernels whose integer results may leave the dtype's range (wrapped as numpy does). */
const WRAPPING = new Set<KernelName>([
  "add",
  "subtract",
  "multiply",
  "power",
  "negative",
  "square",
  "absolute",
  "left_shift",
  "floor_divide_int",
  "reciprocal",
]);
const INT_VARIANTS: Partial<Record<KernelName, KernelName>> = {
  floor_divide: "floor_divide_int",
  remainder: "remainder_int",
  fmod: "fmod_int",
};

/**
 * Checks an expression against the variables it may use and types it as numpy would.
 * Names resolve to `variables` first (they hide constants of the same name), then to the constants
 * `nan e inf pi` (and `NaN PI True False`); calls resolve to {@link FUNCTIONS} only (optionally written
 * `np.name`/`xr.where`); `var.FLAG` names a flag of a CF flag variable (`flag_meanings` with `flag_masks`
 * and/or `flag_values`, as xcube's MaskSet) and gives a bool mask. Nothing else resolves: no attribute
 * of anything, no built-in, no prototype member (`constructor`, `__proto__` are unknown names).
 * @param variables the variables by name (a Map or a plain record; only own entries count).
 * @throws EocubeError INVALID_EXPRESSION naming the problem and its character position: syntax (see
 *   {@link parseExpression}), unknown name or function, wrong number of arguments, attribute access,
 *   a variable that is not numeric, dimensions of different sizes, or no variable at all.
 */
export function checkExpression(
  text: string,
  variables: ReadonlyMap<string, VariableInfo> | Readonly<Record<string, VariableInfo>>,
  options: CheckOptions = {},
): CheckedExpression {
  const ast = parseExpression(text, options);
  const vars: ReadonlyMap<string, VariableInfo> = variables instanceof Map ? variables : new Map(Object.entries(variables));
  const field = options.field;
  const fail = (pos: number, problem: string, hint?: string) =>
    expressionError(text, pos, problem, { ...(hint ? { hint } : {}), ...(field ? { field } : {}) });
  const used: string[] = [];
  const sizes = new Map<string, { size: number; from: string }>();
  const varNames = () => [...vars.keys()];

  const variableNode = (name: string, pos: number): ExprNode => {
    const v = vars.get(name)!;
    if (!isNumDType(v.dtype)) throw fail(pos, `variable '${name}' holds ${v.dtype} values, not numbers`);
    v.dims.forEach((d, i) => {
      const s = v.shape[i]!;
      const seen = sizes.get(d);
      if (seen && seen.size !== s)
        throw fail(pos, `variable '${name}' has ${s} ${d} but '${seen.from}' has ${seen.size}: they cannot be combined`);
      if (!seen) sizes.set(d, { size: s, from: name });
    });
    if (!used.includes(name)) used.push(name);
    return { kind: "var", name, type: { dtype: v.dtype, dims: [...v.dims] } };
  };

  const constNode = (value: number, dtype: NumDType): ExprNode => ({ kind: "const", value, type: { dtype, weak: true, dims: [] } });

  const flagNode = (name: string, flag: string, pos: number): ExprNode => {
    const v = vars.get(name)!;
    const meanings = typeof v.attrs?.flag_meanings === "string" ? v.attrs.flag_meanings.trim().split(/\s+/) : undefined;
    const masks = numbers(v.attrs?.flag_masks);
    const values = numbers(v.attrs?.flag_values);
    if (!meanings || (!masks && !values))
      throw fail(
        pos,
        `attribute access is not allowed (${name}.${flag}): '${name}' is not a flag variable`,
        "only flags of CF flag variables (flag_meanings with flag_masks or flag_values) can be named as var.FLAG",
      );
    const k = meanings.indexOf(flag);
    if (k < 0) {
      const close = closeNames(flag, meanings);
      throw fail(pos, `'${name}' has no flag '${flag}'`, `flags of ${name}: ${(close.length ? close : meanings).join(", ")}`);
    }
    const x = variableNode(name, pos);
    const mask = masks?.[k];
    const value = values?.[k];
    if (mask !== undefined) {
      const bits = apply("bitwise_and", [x, constNode(mask, "int64")], pos);
      return value !== undefined
        ? apply("equal", [bits, constNode(value, "int64")], pos)
        : apply("not_equal", [bits, constNode(0, "int64")], pos);
    }
    return apply("equal", [x, constNode(value!, "int64")], pos);
  };

  const apply = (fname: string, args: ExprNode[], pos: number): ExprNode => {
    const spec = FUNCTIONS.get(fname) as FunctionSpec;
    if (args.length !== spec.arity)
      throw fail(pos, `${fname}() takes ${spec.arity} argument${spec.arity === 1 ? "" : "s"} (${args.length} given)`);
    let dims: string[] = [];
    for (const a of args) dims = unionDims(dims, a.type.dims);
    let kernel = spec.kernel;
    let param: number | undefined;
    let operand: NumDType;
    let result: NumDType;
    const promoted = (xs: ExprNode[]) =>
      xs.map((a) => a.type).reduce((p, t) => ({ dtype: promote(p, t), weak: p.weak && t.weak, dims: [] }));
    switch (spec.rule) {
      case "arith":
        operand = result = arithmetic(promoted(args).dtype);
        if (kindOf(result) !== "f") kernel = INT_VARIANTS[kernel] ?? kernel;
        break;
      case "same":
        operand = result = promoted(args).dtype;
        break;
      case "div": {
        const p = promoted(args).dtype;
        operand = result = kindOf(p) === "f" ? p : "float64";
        break;
      }
      case "float":
        operand = result = floatResult(promoted(args).dtype);
        break;
      case "float64":
        operand = result = "float64";
        break;
      case "compare":
        operand = promoted(args).dtype;
        result = "bool";
        break;
      case "logic":
      case "test":
        operand = promoted(args).dtype;
        result = "bool";
        break;
      case "bits":
      case "shift":
      case "invert": {
        args = args.map((a) => (kindOf(a.type.dtype) === "f" ? toInt(a) : a));
        const p = promoted(args).dtype;
        operand = result = spec.rule === "shift" ? arithmetic(p) : p;
        if (spec.rule === "invert") {
          if (p === "bool") kernel = "logical_not";
          else if (kindOf(p) === "u") {
            kernel = "invert_unsigned";
            param = 2 ** bitsOf(p) - 1;
          }
        }
        break;
      }
      case "where":
        operand = result = promoted(args.slice(1)).dtype;
        break;
    }
    // numpy casts Python literals to the operation's dtype first (0.1 as float32 next to float32 data)
    if (operand === "float32") args = args.map((a) => (a.kind === "const" ? { ...a, value: Math.fround(a.value) } : a));
    const post: KernelName | undefined =
      result === "float32" && !EXACT_F32.has(kernel)
        ? "round_float32"
        : kindOf(result) !== "f" && result !== "bool" && bitsOf(result) <= 32 && WRAPPING.has(kernel)
          ? (`wrap_${result}` as KernelName)
          : undefined;
    const weak = args.every((a) => a.type.weak === true);
    if (args.every((a) => a.kind === "const")) {
      const [a, b, c] = args.map((x) => (x as { value: number }).value);
      let value = applyScalar(kernel, a!, b, c, param);
      if (post) value = applyScalar(post, value);
      return { kind: "const", value, type: { dtype: result, weak, dims: [] } };
    }
    return {
      kind: "op",
      kernel,
      args,
      type: { dtype: result, dims },
      ...(param !== undefined ? { param } : {}),
      ...(post ? { post } : {}),
    };
  };

  const toInt = (a: ExprNode): ExprNode =>
    a.kind === "const"
      ? { kind: "const", value: applyScalar("to_int", a.value), type: { dtype: "int64", weak: a.type.weak, dims: [] } }
      : { kind: "op", kernel: "to_int", args: [a], type: { dtype: "int64", dims: a.type.dims } };

  const functionName = (callee: Ast): string => {
    if (callee.type === "name") {
      if (FUNCTIONS.has(callee.name)) return callee.name;
      if (vars.has(callee.name)) throw fail(callee.start, `'${callee.name}' is a variable, not a function`);
      const close = closeNames(callee.name, [...FUNCTIONS.keys()]);
      throw fail(
        callee.start,
        `function '${callee.name}' is not defined`,
        close.length ? `did you mean ${close.join(", ")}?` : "GET /expressions/capabilities lists the functions",
      );
    }
    if (
      callee.type === "attr" &&
      callee.object.type === "name" &&
      FUNCTION_MODULES.has(callee.object.name) &&
      !vars.has(callee.object.name)
    ) {
      if (FUNCTIONS.has(callee.name)) return callee.name;
      throw fail(
        callee.start,
        `function '${callee.object.name}.${callee.name}' is not available`,
        "GET /expressions/capabilities lists the functions",
      );
    }
    throw fail(callee.start, "only functions can be called (name(…))");
  };

  const visit = (n: Ast): ExprNode => {
    switch (n.type) {
      case "num":
        return constNode(n.value, n.int ? "int64" : "float64");
      case "name": {
        if (vars.has(n.name)) return variableNode(n.name, n.start);
        const c = CONSTANTS.get(n.name);
        if (c) return constNode(c.value, c.dtype);
        if (FUNCTIONS.has(n.name)) throw fail(n.start, `'${n.name}' is a function: call it as ${n.name}(…)`);
        const close = closeNames(n.name, varNames());
        throw fail(
          n.start,
          `name '${n.name.slice(0, 60)}' is not defined`,
          close.length ? `did you mean ${close.join(", ")}?` : `variables: ${varNames().slice(0, 30).join(", ") || "(none)"}`,
        );
      }
      case "attr": {
        if (n.name.startsWith("_")) throw fail(n.start, `illegal use of protected attribute '${n.name.slice(0, 60)}'`);
        if (n.object.type === "name" && vars.has(n.object.name)) return flagNode(n.object.name, n.name, n.start);
        if (n.object.type === "name" && FUNCTION_MODULES.has(n.object.name)) {
          const c = CONSTANTS.get(n.name);
          if (c && c.dtype === "float64" && n.name === n.name.toLowerCase()) return constNode(c.value, c.dtype);
          if (FUNCTIONS.has(n.name)) throw fail(n.start, `'${n.object.name}.${n.name}' is a function: call it as ${n.name}(…)`);
        }
        throw fail(n.start, "attribute access is not allowed (x.name)", "only flags of CF flag variables can be named as var.FLAG");
      }
      case "call":
        return apply(functionName(n.callee), n.args.map(visit), n.start);
      case "unary":
        return apply(UNARY_FUNCTIONS[n.op]!, [visit(n.arg)], n.start);
      case "binary":
        return apply(BINARY_FUNCTIONS[n.op]!, [visit(n.left), visit(n.right)], n.start);
      case "cond":
        return apply("where", [visit(n.test), visit(n.then), visit(n.else)], n.start);
    }
  };

  const root = visit(ast);
  if (root.kind === "const")
    throw fail(
      0,
      "the expression gives a constant, not an array: use at least one variable",
      `variables: ${varNames().slice(0, 30).join(", ")}`,
    );
  return {
    text,
    root,
    variables: used,
    dtype: root.type.dtype,
    dims: root.type.dims,
    shape: root.type.dims.map((d) => sizes.get(d)!.size),
  };
}

/** A CF attribute as numbers (a number, a list, a typed array); undefined when absent or not numeric. */
function numbers(x: unknown): number[] | undefined {
  if (typeof x === "number" || typeof x === "bigint") return [Number(x)];
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const out = Array.from(x as ArrayLike<unknown>, (v) => Number(v));
    return out.every((v) => Number.isFinite(v)) ? out : undefined;
  }
  return undefined;
}
