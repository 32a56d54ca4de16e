// The expression language for user variables (xcube's): parse (jsep) → checked, typed tree → program of
// fixed typed-array kernels, evaluated lazily chunk by chunk; used by the server, the viewer's validation and gen.
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
export { compileExpression, runProgram, BLOCK, type Program, type InputBlock } from "./compile.js";
export { promote, floatResult, isNumDType, unionDims, type NumDType, type ValueType } from "./dtypes.js";
export { FUNCTIONS, CONSTANTS, expressionCapabilities, type ExpressionCapabilities, type FunctionSpec } from "./functions.js";
export {
  computedVariable,
  userVariable,
  variableOn,
  isComputed,
  expressionOf,
  splitAssignment,
  type ComputedVariableOptions,
} from "./variable.js";
