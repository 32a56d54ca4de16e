// The expression language for user variables (xcube's): parse (jsep) → checked, typed tree → one typed-array
// loop compiled from that tree, evaluated lazily chunk by chunk; used by the server, the viewer's validation and gen.
// This barrel is the public API (src/index.ts); dtype rules, kernels and function tables stay internal.
export {
  parseExpression,
  expressionError,
  MAX_EXPRESSION_LENGTH,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LEVELS,
  MAX_EXPRESSION_NODES,
  type Ast,
  type UnaryOp,
  type BinaryOp,
  type ParseOptions,
} from "./parse.js";
export { checkExpression, type CheckedExpression, type CheckOptions, type ExprNode, type VariableInfo } from "./check.js";
export { compileExpression, runProgram, type CompileOptions, type Program, type InputBlock } from "./compile.js";
export type { NumDType, ValueType } from "./dtypes.js";
export { wasmArray, releaseWasmArray, reserveWasmArena, inWasmMemory } from "./wasm-memory.js";
export { expressionCapabilities, type ExpressionCapabilities, type FunctionSpec } from "./functions.js";
export {
  computedVariable,
  userVariable,
  variableOn,
  isComputed,
  expressionOf,
  splitAssignment,
  type ComputedVariableOptions,
} from "./variable.js";
