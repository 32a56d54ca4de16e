// Expression text → AST: jsep configured for xcube's (Python) expression syntax, with positions, Python
// precedence (`not`, unary minus under `**`, `x if c else y`), limits on size and nesting, and no evaluation.
import jsep from "jsep";
import { EocubeError } from "../core/errors.js";

/** Longest expression text accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Deepest nesting of parentheses (and brackets) accepted. */
export const MAX_EXPRESSION_DEPTH = 64;
/** Deepest nesting of operations accepted (`a + b + c` is two levels: jsep nests left to right). */
export const MAX_EXPRESSION_LEVELS = 256;
/** Most AST nodes accepted in one expression. */
export const MAX_EXPRESSION_NODES = 2_000;

/** A node of a parsed expression; `start`/`end` are character offsets into the text (end exclusive). */
export type Ast =
  | { type: "num"; value: number; int: boolean; start: number; end: number }
  | { type: "name"; name: string; start: number; end: number }
  | { type: "attr"; object: Ast; name: string; start: number; end: number }
  | { type: "call"; callee: Ast; args: Ast[]; start: number; end: number }
  | { type: "unary"; op: UnaryOp; arg: Ast; start: number; end: number }
  | { type: "binary"; op: BinaryOp; left: Ast; right: Ast; start: number; end: number }
  | { type: "cond"; test: Ast; then: Ast; else: Ast; start: number; end: number };

/** Unary operators of the language (Python's). */
export type UnaryOp = "-" | "+" | "~" | "not";
/** Binary operators of the language (Python's; `and`/`or` are element-wise as numpy's logical_and/or). */
export type BinaryOp =
  | "or"
  | "and"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "|"
  | "^"
  | "&"
  | "<<"
  | ">>"
  | "+"
  | "-"
  | "*"
  | "/"
  | "//"
  | "%"
  | "**";

/** Python precedence as jsep numbers (higher binds tighter); `if`/`else` build `x if c else y`. */
const BINARY_PRECEDENCE: Record<string, number> = {
  else: 1,
  if: 2,
  or: 3,
  and: 4,
  "==": 6,
  "!=": 6,
  "<": 6,
  "<=": 6,
  ">": 6,
  ">=": 6,
  in: 6,
  is: 6,
  "|": 7,
  "^": 8,
  "&": 9,
  "<<": 10,
  ">>": 10,
  "+": 11,
  "-": 11,
  "*": 12,
  "/": 12,
  "//": 12,
  "%": 12,
  "**": 14,
  // JavaScript spellings, parsed only to be refused with the Python word
  "||": 3,
  "&&": 4,
  "===": 6,
  "!==": 6,
  ">>>": 10,
  "??": 3,
};
/** Precedence of the unary operators in Python: `not` below comparisons, `- + ~` below `**` only. */
const UNARY_PRECEDENCE: Record<string, number> = { not: 5, "-": 13, "+": 13, "~": 13, "!": 13 };
const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);
/** Operators refused with the spelling to use instead. */
const REFUSED_OPS: Record<string, string> = {
  "||": "or",
  "&&": "and",
  "===": "==",
  "!==": "!=",
  "!": "not",
  "??": "where(isnan(x), y, x)",
  ">>>": ">>",
};

// jsep's configuration is process-wide: this module owns it (nothing else in eocube uses jsep)
jsep.removeAllLiterals();
jsep.removeIdentifierChar("$");
jsep.removeAllBinaryOps();
for (const [op, prec] of Object.entries(BINARY_PRECEDENCE)) jsep.addBinaryOp(op, prec, op === "**" || op === "else");
jsep.addUnaryOp("not");

/** Start offsets of the tokens being read (jsep reports no positions): pushed by gobble-token, popped by after-token. */
let tokenStarts: number[] = [];
/** Python number literals (hex, octal, binary, `_` separators, `1.`, `.5`, exponents). */
const NUMBER =
  /0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;

/** jsep's identifier characters (letters, digits, _, any non-ASCII). */
const isIdentifierPart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c >= 128;

type JsepNode = jsep.Expression & { start?: number; end?: number; parens?: boolean; int?: boolean };

jsep.hooks.add("gobble-token", function (this: jsep.HookScope & { index: number; expr: string }, env) {
  const start = this.index;
  tokenStarts.push(start);
  const ch = this.expr.charCodeAt(start);
  const next = this.expr.charCodeAt(start + 1);
  const isDigit = (c: number) => c >= 48 && c <= 57;
  if (!(isDigit(ch) || (ch === 46 && isDigit(next)))) return;
  NUMBER.lastIndex = start;
  const m = NUMBER.exec(this.expr);
  const raw = m?.[0] ?? "";
  this.index = start + raw.length;
  const after = this.expr.charCodeAt(this.index);
  if (raw === "" || after === 46 || (after >= 48 && after <= 57) || isIdentifierPart(after)) {
    this.throwError(`invalid number ${JSON.stringify(this.expr.slice(start, this.index + 1))}`);
  }
  const digits = raw.replace(/_/g, "");
  const radix = /^0[xX]/.test(digits) ? 16 : /^0[bB]/.test(digits) ? 2 : /^0[oO]/.test(digits) ? 8 : 10;
  const int = radix !== 10 || !/[.eE]/.test(digits);
  const value = radix === 10 ? Number(digits) : Number.parseInt(digits.slice(2), radix);
  if (int && !Number.isSafeInteger(value)) {
    this.index = start;
    this.throwError(`integer ${raw} is larger than 2**53`);
  }
  env.node = { type: "Literal", value, raw, start, end: this.index, int } as JsepNode;
});

jsep.hooks.add("after-token", function (this: jsep.HookScope & { index: number; expr: string }, env) {
  const start = tokenStarts.pop();
  const node = env.node as JsepNode | undefined;
  if (!node || start === undefined) return;
  if (node.start === undefined) {
    node.start = start;
    node.end = this.index;
  }
  // a token starting with "(" is a parenthesised group (its inner node keeps its own span)
  if (this.expr.charCodeAt(start) === 40 && node.type !== "CallExpression" && node.type !== "MemberExpression") node.parens = true;
});

/**
 * The EocubeError INVALID_EXPRESSION for a problem at `pos` of `text`: the message names the problem,
 * the character offset (0-based, as jsep counts) and the expression (or the part around the position).
 */
export function expressionError(text: string, pos: number, problem: string, options: { hint?: string; field?: string } = {}): EocubeError {
  const where =
    text.length <= 100 ? ` of ${JSON.stringify(text)}` : ` (near ${JSON.stringify(text.slice(Math.max(0, pos - 30), pos + 30))})`;
  return new EocubeError("INVALID_EXPRESSION", `${problem} at character ${pos}${where}`, {
    field: options.field ?? "expression",
    hint:
      options.hint ??
      "expressions use the dataset's variable names, numbers, Python operators and numpy functions (GET /expressions/capabilities)",
    details: { position: pos },
  });
}

/** Options of {@link parseExpression}. */
export interface ParseOptions {
  /** The field named by errors [default "expression"]. */
  field?: string;
}

/**
 * Parses an expression in xcube's syntax (Python's: `and or not`, `**`, `//`, `x if c else y`, comparisons
 * that do not chain) into an {@link Ast}. Nothing is evaluated; names are not looked up (see check.ts).
 * @throws EocubeError INVALID_EXPRESSION for text longer than {@link MAX_EXPRESSION_LENGTH}, nesting deeper
 *   than {@link MAX_EXPRESSION_DEPTH}, more than {@link MAX_EXPRESSION_NODES} nodes, a syntax error, or a
 *   construct the language has not (strings, lists, subscripts, `a.b.c`, `?:`, `in`, `is`, `&&` …), each
 *   naming the character position.
 */
export function parseExpression(text: string, options: ParseOptions = {}): Ast {
  const fail = (pos: number, problem: string, hint?: string) =>
    expressionError(text, pos, problem, { ...(hint ? { hint } : {}), ...(options.field ? { field: options.field } : {}) });
  if (typeof text !== "string") throw fail(0, "an expression must be text");
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new EocubeError(
      "INVALID_EXPRESSION",
      `the expression is ${text.length.toLocaleString("en-US")} characters long, more than the ${MAX_EXPRESSION_LENGTH.toLocaleString("en-US")} allowed`,
      { field: options.field ?? "expression", hint: "write a shorter expression (define intermediate variables)" },
    );
  }
  if (text.trim() === "") throw fail(0, "the expression is empty");
  // nesting is bounded before jsep recurses into it
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    if (depth > MAX_EXPRESSION_DEPTH) throw fail(i, `parentheses nested more than ${MAX_EXPRESSION_DEPTH} deep`);
  }
  let raw: JsepNode;
  tokenStarts = [];
  try {
    raw = jsep(text) as JsepNode;
  } catch (err) {
    if (err instanceof RangeError) throw fail(0, "the expression is nested too deeply");
    const e = err as Error & { index?: number; description?: string };
    throw fail(e.index ?? 0, e.description ?? e.message);
  } finally {
    tokenStarts = [];
  }
  let nodes = 0;
  const convert = (n: JsepNode, level: number): Ast => {
    if (++nodes > MAX_EXPRESSION_NODES) throw fail(n.start ?? 0, `the expression has more than ${MAX_EXPRESSION_NODES} parts`);
    if (level > MAX_EXPRESSION_LEVELS)
      throw fail(
        n.start ?? 0,
        `the expression has operations nested more than ${MAX_EXPRESSION_LEVELS} levels deep`,
        "write a shorter expression",
      );
    const start = n.start ?? 0;
    switch (n.type) {
      case "Literal":
        if (typeof n.value !== "number") throw fail(start, `${typeof n.value === "string" ? "text" : "this"} literal is not allowed`);
        return { type: "num", value: n.value, int: n.int === true, start, end: n.end ?? start };
      case "Identifier":
        return { type: "name", name: n.name as string, start, end: n.end ?? start + String(n.name).length };
      case "MemberExpression": {
        const obj = n.object as JsepNode;
        const prop = n.property as JsepNode;
        if (n.computed) throw fail(start, "subscripts (x[…]) are not allowed");
        if (n.optional) throw fail(start, "?. is not allowed");
        obj.start ??= start;
        if (obj.type === "Identifier") obj.end ??= start + String(obj.name).length;
        const name = String(prop.name);
        return { type: "attr", object: convert(obj, level + 1), name, start, end: n.end ?? start };
      }
      case "CallExpression": {
        const callee = n.callee as JsepNode;
        callee.start ??= start;
        if (callee.type === "Identifier") callee.end ??= start + String(callee.name).length;
        const args = (n.arguments as JsepNode[]).map((a) => convert(a, level + 1));
        return { type: "call", callee: convert(callee, level + 1), args, start, end: n.end ?? start };
      }
      case "UnaryExpression": {
        const op = String(n.operator);
        if (REFUSED_OPS[op]) throw fail(start, `operator ${op} is not allowed; write ${REFUSED_OPS[op]}`);
        const arg = convert(n.argument as JsepNode, level + 1);
        return { type: "unary", op: op as UnaryOp, arg, start, end: n.end ?? arg.end };
      }
      case "BinaryExpression":
        return convertBinary(n, level);
      case "ArrayExpression":
        throw fail(start, "lists ([…]) are not allowed");
      case "Compound": {
        const second = (n.body as JsepNode[])[1];
        throw fail(
          second?.start ?? start,
          "one expression expected; unexpected text",
          "join parts with an operator; `in` and `is` are not supported",
        );
      }
      case "SequenceExpression":
        throw fail(start, "tuples (a, b) are not allowed");
      case "ConditionalExpression":
        throw fail(start, "c ? x : y is not allowed; write x if c else y, or where(c, x, y)");
      case "ThisExpression":
        throw fail(start, "name 'this' is not defined");
      default:
        throw fail(start, `unsupported expression part (${n.type})`);
    }
  };
  /** A binary node with Python's precedence restored where jsep's differs (unary operators, chained comparisons). */
  const convertBinary = (n: JsepNode, level: number): Ast => {
    const op = String(n.operator);
    const leftRaw = n.left as JsepNode;
    const rightRaw = n.right as JsepNode;
    if (op === "else") {
      // `x if c else y`: jsep reads it as (x if c) else y
      if (leftRaw.type !== "BinaryExpression" || leftRaw.operator !== "if" || leftRaw.parens)
        throw fail(findOperator(text, "else", leftRaw.end ?? 0), "'else' without 'if'", "write x if c else y");
      const then = convert(leftRaw.left as JsepNode, level + 2);
      const test = convert(leftRaw.right as JsepNode, level + 2);
      const otherwise = convert(rightRaw, level + 1);
      return { type: "cond", test, then, else: otherwise, start: then.start, end: otherwise.end };
    }
    const left = convert(leftRaw, level + 1);
    const right = convert(rightRaw, level + 1);
    const opPos = findOperator(text, op, left.end);
    if (op === "if") throw fail(opPos, "'if' without 'else'", "write x if c else y");
    if (REFUSED_OPS[op]) throw fail(opPos, `operator ${op} is not allowed; write ${REFUSED_OPS[op]}`);
    if (op === "in" || op === "is") throw fail(opPos, `operator '${op}' is not supported in array expressions`);
    if (COMPARISONS.has(op) && leftRaw.type === "BinaryExpression" && !leftRaw.parens && COMPARISONS.has(String(leftRaw.operator)))
      throw fail(opPos, "chained comparisons (a < b < c) are not supported", "write (a < b) and (b < c)");
    if (right.type === "unary" && right.op === "not" && !rightRaw.parens && BINARY_PRECEDENCE[op]! > UNARY_PRECEDENCE.not!)
      throw fail(right.start, `'not' cannot follow '${op}'`, "put the 'not' part in parentheses");
    return rotate({ type: "binary", op: op as BinaryOp, left, right, start: left.start, end: right.end }, leftRaw.parens === true);
  };
  return convert(raw, 0);
}

/**
 * Python precedence for a unary operator on the left of a binary one: jsep binds `-a ** 2` as `(-a) ** 2`
 * and `not a == b` as `(not a) == b`; Python binds them as `-(a ** 2)` and `not (a == b)`.
 */
function rotate(node: Ast & { type: "binary" }, leftParens: boolean): Ast {
  const left = node.left;
  if (left.type !== "unary" || leftParens || BINARY_PRECEDENCE[node.op]! <= UNARY_PRECEDENCE[left.op]!) return node;
  const inner = rotate({ type: "binary", op: node.op, left: left.arg, right: node.right, start: left.arg.start, end: node.end }, false);
  return { type: "unary", op: left.op, arg: inner, start: left.start, end: node.end };
}

/** Offset of binary operator `op` after `from` in `text` (for messages). */
function findOperator(text: string, op: string, from: number): number {
  const i = text.indexOf(op, from);
  return i >= 0 ? i : from;
}
