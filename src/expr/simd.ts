// Checked expression → a WebAssembly SIMD loop (two float64 lanes per step) for the operations whose JavaScript
// templates (kernels.ts) are single exactly-rounded IEEE operations, comparisons or selections: + - * / sqrt abs
// floor ceil trunc, min/max, tests, logic and where, and the bit operations of flag tests (`flags & 1`,
// `flags.Valid_PE`: the float-to-int cast, then `& | ^` on the low 32 bits of both lanes when they lie in
// [0, 2**32), else lane by lane as int64, as the JavaScript loop's int64 semantics). The module's bytes are
// emitted here from the checked tree only (opcodes, local indices, constants' bits): no user text reaches it.
// Transcendental functions, integer results and float32 rounding stay in the JavaScript loop (compile.ts),
// which is the fallback.
import { append, section, sized, sleb, uleb, WASM_HEADER, wasmName } from "../core/wasm-encode.js";
import type { ExprNode } from "./check.js";
import type { KernelName } from "./kernels.js";
import { expressionMemory, SCRATCH_BYTES } from "./wasm-memory.js";

/** Elements per block of the copying path at most: each input and the result get 64 KiB of the scratch region. */
const BLOCK = 8192;

/**
 * The SIMD loop of a program: `o[i] = f(d0[i], d1[i], …)` for `i < n`, where `dk = d[k]` holds the values of
 * input k as any typed array of numbers. Float64Array inputs and an `o` lying in the thread's expression memory
 * (wasm-memory.ts) are read and written where they are; other inputs are copied (converted to float64) into the
 * scratch region block by block, and the result is copied out of it when `o` lies elsewhere.
 */
export type SimdLoop = (o: Float64Array, n: number, d: ArrayLike<number>[]) => void;

// opcodes (WebAssembly core 2.0, fixed-width SIMD after the 0xfd prefix)
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32const: 0x41,
  i64const: 0x42,
};
const I32 = { eqz: 0x45, ltU: 0x49, add: 0x6a };
/** Scalar int64 operations: `& | ^`, int64 → float64 (round to nearest, ties to even), and after the 0xfc prefix float64 → int64 (saturating, NaN → 0). */
const I64 = { and: 0x83, or: 0x84, xor: 0x85, toF64: 0xb9, fromF64: 0x06 };
const V = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  splat: 0x14,
  extractLane: 0x21,
  replaceLane: 0x22,
  eq: 0x47,
  ne: 0x48,
  lt: 0x49,
  gt: 0x4a,
  le: 0x4b,
  ge: 0x4c,
  and: 0x4e,
  or: 0x50,
  xor: 0x51,
  anyTrue: 0x53,
  bitselect: 0x52,
  ceil: 0x74,
  floor: 0x75,
  trunc: 0x7a,
  abs: 0xec,
  neg: 0xed,
  sqrt: 0xef,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
  div: 0xf3,
  allTrue64: 0xc3,
  eq64: 0xd6,
};

/**
 * A step of an operation's code: `"a" "b" "c"` push an argument, `[x]` pushes the constant x in both lanes,
 * a number is a SIMD opcode.
 */
type Step = "a" | "b" | "c" | [number] | number;

const ONE: [number] = [1];
const ZERO: [number] = [0];
/** `x !== 0` per lane (NaN is not 0, as in JavaScript). */
const nonzero = (x: "a" | "b"): Step[] => [x, ZERO, V.ne];
/** The mask on the stack as 1 (all-ones lanes) or +0 (its last two steps: `where` of a test drops them). */
const ones = (...mask: Step[]): Step[] => [...mask, ONE, V.and];

/** How each supported operation computes from its arguments, as its template in kernels.ts does. */
const OPS: Partial<Record<KernelName, Step[]>> = {
  add: ["a", "b", V.add],
  subtract: ["a", "b", V.sub],
  multiply: ["a", "b", V.mul],
  divide: ["a", "b", V.div],
  square: ["a", "a", V.mul],
  reciprocal: [ONE, "a", V.div],
  negative: ["a", V.neg],
  absolute: ["a", V.abs],
  sqrt: ["a", V.sqrt],
  floor: ["a", V.floor],
  ceil: ["a", V.ceil],
  trunc: ["a", V.trunc],
  deg2rad: ["a", [Math.PI / 180], V.mul],
  rad2deg: ["a", [180 / Math.PI], V.mul],
  // `a !== a || a <= b ? a : b` and kin: a, b, then the lane mask choosing a, then a bitwise select
  minimum: ["a", "b", "a", "a", V.ne, "a", "b", V.le, V.or, V.bitselect],
  maximum: ["a", "b", "a", "a", V.ne, "a", "b", V.ge, V.or, V.bitselect],
  fmin: ["a", "b", "b", "b", V.ne, "a", "b", V.le, V.or, V.bitselect],
  fmax: ["a", "b", "b", "b", V.ne, "a", "b", V.ge, V.or, V.bitselect],
  // tests and logic give 1 or +0
  isnan: ones("a", "a", V.ne),
  isinf: ones("a", V.abs, [Number.POSITIVE_INFINITY], V.eq),
  isfinite: ones("a", "a", V.sub, ZERO, V.eq),
  equal: ones("a", "b", V.eq),
  not_equal: ones("a", "b", V.ne),
  less: ones("a", "b", V.lt),
  less_equal: ones("a", "b", V.le),
  greater: ones("a", "b", V.gt),
  greater_equal: ones("a", "b", V.ge),
  to_bool: ones(...nonzero("a")),
  logical_not: ones("a", ZERO, V.eq),
  logical_and: ones(...nonzero("a"), ...nonzero("b"), V.and),
  logical_or: ones(...nonzero("a"), ...nonzero("b"), V.or),
  logical_xor: ones(...nonzero("a"), ...nonzero("b"), V.xor),
  where: ["b", "c", ...nonzero("a"), V.bitselect],
  // `&`, `|`, `^` of two masks (values 0 or 1, see isMask): 1.0 and +0 combine bitwise as 1 and 0 do
  bitwise_and: ["a", "b", V.and],
  bitwise_or: ["a", "b", V.or],
  bitwise_xor: ["a", "b", V.xor],
  // `a - a === 0 ? Math.trunc(a) : 0` (astype(int64) of floats: NaN and ±inf become 0)
  to_int: ["a", V.trunc, ZERO, "a", "a", V.sub, ZERO, V.eq, V.bitselect],
  // `a > 0 ? 1 : a < 0 ? -1 : a === 0 ? 0 : a`: selections from the innermost out
  sign: [ONE, [-1], ZERO, "a", "a", ZERO, V.eq, V.bitselect, "a", ZERO, V.lt, V.bitselect, "a", ZERO, V.gt, V.bitselect],
  // `a < 0 ? 0 : a > 0 ? 1 : a === 0 ? b : a`
  heaviside: [ZERO, ONE, "b", "a", "a", ZERO, V.eq, V.bitselect, "a", ZERO, V.gt, V.bitselect, "a", ZERO, V.lt, V.bitselect],
};

/** Operations whose results are 0 or 1 only. */
const MASKS = new Set<KernelName>([
  "isnan",
  "isinf",
  "isfinite",
  "equal",
  "not_equal",
  "less",
  "less_equal",
  "greater",
  "greater_equal",
  "to_bool",
  "logical_not",
  "logical_and",
  "logical_or",
  "logical_xor",
]);
const BITWISE = new Set<KernelName>(["bitwise_and", "bitwise_or", "bitwise_xor"]);

/** True for a node whose values are 0 or 1 only: a test, comparison or logic, or bitwise ops of those. */
function isMask(n: ExprNode): boolean {
  return n.kind === "op" && !n.post && (MASKS.has(n.kernel) || (BITWISE.has(n.kernel) && n.args.every(isMask)));
}

/** The SIMD form of an operation node, or undefined when it has none (bit operations of whole numbers: see {@link isInt64Bits}). */
function stepsOf(n: ExprNode & { kind: "op" }): readonly Step[] | undefined {
  if (n.post !== undefined || !Object.hasOwn(OPS, n.kernel)) return undefined;
  if (BITWISE.has(n.kernel) && !n.args.every(isMask)) return undefined;
  return OPS[n.kernel];
}

/**
 * True for a node whose values are whole numbers (or NaN/±inf, which the JavaScript template treats as 0 as this
 * loop does): a float-to-int cast, a variable of an integer or bool dtype, a whole constant, a mask, or a bit
 * operation of those. The int64 bit operations take only these: `bits64` of kernels.ts gives other results for
 * fractions (its low word truncates, its high word floors).
 */
function isWhole(n: ExprNode): boolean {
  if (n.kind === "const") return Number.isInteger(n.value);
  if (n.kind === "var") return !n.type.dtype.startsWith("float");
  return !n.post && (n.kernel === "to_int" || isMask(n) || isInt64Bits(n));
}

/** True for `&`, `|` or `^` of whole numbers that are not all masks: computed per lane as int64. */
function isInt64Bits(n: ExprNode): boolean {
  return n.kind === "op" && !n.post && BITWISE.has(n.kernel) && !n.args.every(isMask) && n.args.every(isWhole);
}

/** True when every operation of the tree has a SIMD form here (and none needs a rounding or wrapping pass). */
export function simdSupports(n: ExprNode): boolean {
  if (n.kind !== "op") return true;
  if (!(n.kernel === "positive" && !n.post) && !stepsOf(n) && !isInt64Bits(n)) return false;
  return n.args.every(simdSupports);
}

/**
 * Whole numbers always in [0, 2**32): masks (variables are checked like any operand, whatever their dtype says,
 * so that a NaN in their data gives the JavaScript loop's result too).
 */
function unsigned32(n: ExprNode): boolean {
  return isMask(n);
}

/** Values that cannot lie at or beyond ±2**63 (nor be ±inf): masks. */
function small(n: ExprNode): boolean {
  return isMask(n);
}

/**
 * The module's bytes for a float64 expression over `inputs`: one exported function `run(bytes, p0, …, pk, out)`
 * that reads input k's float64 values from byte address `pk` of the imported memory `e.m` (at least the
 * scratch region's pages), computes two lanes per step and stores the result from byte address `out`, for
 * `bytes` (a multiple of 16) bytes of each. The result may be stored over an input at the same address.
 * @throws Error on an operation without a SIMD form (call {@link simdSupports} first).
 */
export function simdModule(root: ExprNode, inputs: readonly string[]): Uint8Array<ArrayBuffer> {
  const code: number[] = [];
  const pre: number[] = []; // constants into locals, before the loop
  const k = inputs.length;
  const PARAM_N = 0; // then the k input addresses, then the result's
  const PARAM_OUT = k + 1;
  const LOCAL_I = k + 2;
  let locals = 0; // v128 locals, after i
  const newLocal = () => LOCAL_I + 1 + locals++;
  const consts = new Map<string, number>();
  const bits = new Uint8Array(8);
  const view = new DataView(bits.buffer);
  /** A local holding the 8 bytes now in `bits` in both 64-bit lanes. */
  const bitsLocal = () => {
    const key = Array.from(bits).join(",");
    let l = consts.get(key);
    if (l === undefined) {
      l = newLocal();
      consts.set(key, l);
      pre.push(0xfd);
      uleb(V.const, pre);
      for (let lane = 0; lane < 2; lane++) for (const b of bits) pre.push(b);
      pre.push(OP.set);
      uleb(l, pre);
    }
    return l;
  };
  const constLocal = (value: number) => {
    view.setFloat64(0, value, true);
    return bitsLocal();
  };
  /** A local holding the 64-bit pattern `value` in both 64-bit lanes. */
  const i64Local = (value: bigint) => {
    view.setBigUint64(0, value, true);
    return bitsLocal();
  };
  const emit = (steps: readonly Step[], args: readonly number[]) => {
    for (const st of steps) {
      if (typeof st === "number") {
        code.push(0xfd);
        uleb(st, code);
      } else {
        code.push(OP.get);
        uleb(typeof st === "string" ? args["abc".indexOf(st)]! : constLocal(st[0]), code);
      }
    }
  };
  const varLocals = inputs.map(() => newLocal());
  const simd = (op: number, lane?: number) => {
    code.push(0xfd);
    uleb(op, code);
    if (lane !== undefined) code.push(lane);
  };
  const get = (l: number) => {
    code.push(OP.get);
    uleb(l, code);
  };
  const setNew = () => {
    const t = newLocal();
    code.push(OP.set);
    uleb(t, code);
    return t;
  };
  /**
   * A local with the lanes of whole numbers `t` (local `a`) brought into [-2**63, 2**63) modulo 2**64 where
   * |t| >= 2**63, as the JavaScript template's int64 semantics (its words are exact modulo 2**32): there
   * `t - floor(t / 2**64) * 2**64` is exact (a multiple of t's unit in the last place below 2**64), minus 2**64
   * at 2**63 and above; ±inf give NaN, which the int64 conversion makes 0 (as the template does with ±inf and NaN).
   */
  const wrapped = (a: number): number => {
    const w = newLocal();
    get(a);
    code.push(OP.set);
    uleb(w, code);
    // only when a lane is that large (a branch not taken on real flags): w = the wrapped lanes
    get(a);
    simd(V.abs);
    get(constLocal(2 ** 63));
    simd(V.ge);
    simd(V.anyTrue);
    code.push(OP.if, 0x40);
    get(a);
    get(a);
    get(constLocal(2 ** -64));
    simd(V.mul);
    simd(V.floor);
    get(constLocal(2 ** 64));
    simd(V.mul);
    simd(V.sub);
    const r = setNew();
    get(r);
    get(constLocal(2 ** 64));
    get(constLocal(0));
    get(r);
    get(constLocal(2 ** 63));
    simd(V.ge);
    simd(V.bitselect);
    simd(V.sub);
    get(a);
    get(a);
    simd(V.abs);
    get(constLocal(2 ** 63));
    simd(V.ge);
    simd(V.bitselect);
    code.push(OP.set);
    uleb(w, code);
    code.push(OP.end);
    return w;
  };
  /**
   * `a & b` (`|`, `^`) of whole numbers as kernels.ts's template: both as int64 (two's complement, modulo 2**64),
   * the operation, the int64 result rounded to float64; lane by lane with scalar int64 code.
   */
  type Operand = { int: bigint; node: ExprNode } | { local: number; node: ExprNode };
  /**
   * Lane `lane` of the operation `op` on int64 operands (lanes at or beyond ±2**63 wrapped modulo 2**64 first,
   * see {@link wrapped}), rounded to float64: a new vector (lane 0) or lane 1 replaced in the one on the stack.
   */
  /** Wrapped locals of the operands of the operation being emitted, by their local. */
  const wraps = new Map<number, number>();
  const perLane = (operands: Operand[], op: number, lane: number) => {
    for (const x of operands) {
      if ("int" in x) {
        code.push(OP.i64const);
        sleb(x.int, code);
      } else {
        let w = small(x.node) ? x.local : wraps.get(x.local);
        if (w === undefined) {
          w = wrapped(x.local);
          wraps.set(x.local, w);
        }
        get(w);
        simd(V.extractLane, lane);
        code.push(0xfc);
        uleb(I64.fromF64, code);
      }
    }
    code.push(op, I64.toF64);
    simd(lane === 0 ? V.splat : V.replaceLane, lane === 0 ? undefined : 1);
  };
  const int64Bits = (n: ExprNode & { kind: "op" }): number => {
    wraps.clear(); // a wrapped local is set in one operation's code (maybe a branch not taken): not reused by others
    const op = n.kernel === "bitwise_and" ? I64.and : n.kernel === "bitwise_or" ? I64.or : I64.xor;
    const vop = n.kernel === "bitwise_and" ? V.and : n.kernel === "bitwise_or" ? V.or : V.xor;
    const int = (a: ExprNode & { kind: "const" }): Operand => ({ int: BigInt.asIntN(64, BigInt(a.value)), node: a });
    // the usual case, all lanes in [0, 2**32) (flags of up to 32 bits): whole SIMD steps on their low 32 bits,
    // which hold the int64 result there (its high word is 0: the operands' high words are, or with `&` those
    // of the lanes). Not for `|` and `^` of a constant outside [0, 2**32).
    const fast =
      n.kernel === "bitwise_and" ||
      n.args.every((a) => a.kind !== "const" || (Number.isInteger(a.value) && a.value >= 0 && a.value < 2 ** 32));
    if (!fast) {
      const operands = n.args.map((a) => (a.kind === "const" ? int(a) : { local: visit(a), node: a }));
      for (const lane of [0, 1]) perLane(operands, op, lane);
      return setNew();
    }
    // each operand t as u = t + 2**52 (exact for t in [0, 2**52)): t is in the low 32 bits of u's mantissa, its
    // high word 0x43300000 tells t in [0, 2**32). A cast `to_int(x)` is fused: u = trunc(x) + 2**52, 2**52
    // (t = 0) for NaN; ±inf stay ±inf and take the lane-by-lane path, where the cast is made as the template does.
    const C52 = constLocal(2 ** 52);
    const fused = new Map<number, number>(); // operand index → the local of x of `to_int(x)`
    const plain = new Map<number, number>(); // operand index → the local of the other operands
    const us = n.args.map((a, j): number | undefined => {
      if (a.kind === "const") return undefined;
      if (a.kind === "op" && a.kernel === "to_int" && !a.post) {
        const x = visit(a.args[0]!);
        fused.set(j, x);
        get(x);
        simd(V.trunc);
        get(C52);
        simd(V.add);
        const u = setNew();
        get(u);
        get(C52);
        get(u);
        get(u);
        simd(V.eq);
        simd(V.bitselect);
        code.push(OP.set);
        uleb(u, code);
        return u;
      }
      const t = visit(a);
      plain.set(j, t);
      get(t);
      get(C52);
      simd(V.add);
      return setNew();
    });
    const checked = n.args.flatMap((a, j) => (a.kind !== "const" && !unsigned32(a) ? [us[j]!] : []));
    if (checked.length > 0) {
      checked.forEach((u, j) => {
        get(u);
        get(i64Local(0xffffffff00000000n));
        simd(V.and);
        get(i64Local(0x4330000000000000n));
        simd(V.eq64);
        if (j > 0) simd(V.and);
      });
      simd(V.allTrue64);
      code.push(OP.if, 0x7b);
    }
    // the operation on the words: high words 0x43300000 (or 0 of constants) give 0x43300000 or 0, which the
    // exponent of 2**52 put back makes u of the result; 2**52 taken off gives the result exactly
    n.args.forEach((a, j) => {
      if (a.kind === "const") get(i64Local(BigInt.asUintN(32, BigInt(a.value))));
      else get(us[j]!);
      if (j > 0) simd(vop);
    });
    get(i64Local(0x4330000000000000n));
    simd(V.or);
    get(C52);
    simd(V.sub);
    if (checked.length > 0) {
      // else lane by lane as int64, lanes at or beyond ±2**63 wrapped modulo 2**64 first
      code.push(OP.else);
      const operands = n.args.map((a, j): Operand => {
        if (a.kind === "const") return int(a);
        const x = fused.get(j);
        if (x === undefined) return { local: plain.get(j)!, node: a };
        emit(OPS.to_int!, [x]);
        return { local: setNew(), node: a };
      });
      for (const lane of [0, 1]) perLane(operands, op, lane);
      code.push(OP.end);
    }
    return setNew();
  };
  const visit = (n: ExprNode): number => {
    if (n.kind === "var") {
      const k = inputs.indexOf(n.name);
      if (k < 0) throw new Error(`simdModule: variable ${n.name} not among the inputs`);
      return varLocals[k]!;
    }
    if (n.kind === "const") return constLocal(n.value);
    if (isInt64Bits(n)) return int64Bits(n);
    const cond = n.args[0];
    if (n.kernel === "where" && !n.post && cond?.kind === "op" && !cond.post && MASKS.has(cond.kernel)) {
      // where(test, b, c): the test's lane mask selects directly (its steps without turning it into 1 or +0)
      const condArgs = cond.args.map(visit);
      const [b, c] = n.args.slice(1).map(visit);
      get(b!);
      get(c!);
      emit(OPS[cond.kernel]!.slice(0, -2), condArgs);
      simd(V.bitselect);
      return setNew();
    }
    const args = n.args.map(visit);
    if (n.kernel === "positive" && !n.post) return args[0]!;
    const op = stepsOf(n);
    if (!op) throw new Error(`simdModule: no SIMD form of ${n.kernel}`);
    emit(op, args);
    const t = newLocal();
    code.push(OP.set);
    uleb(t, code);
    return t;
  };
  // loop body: load the inputs, compute, store at the result's block
  const body: number[] = [];
  const address = (param: number) => {
    body.push(OP.get);
    uleb(param, body);
    body.push(OP.get);
    uleb(LOCAL_I, body);
    body.push(I32.add);
  };
  for (let j = 0; j < k; j++) {
    address(1 + j);
    body.push(0xfd);
    uleb(V.load, body);
    body.push(3, 0); // alignment 2**3 (float64 arrays), offset 0
    body.push(OP.set);
    uleb(varLocals[j]!, body);
  }
  const result = visit(root);
  append(body, code);
  address(PARAM_OUT);
  body.push(OP.get);
  uleb(result, body);
  body.push(0xfd);
  uleb(V.store, body);
  body.push(3, 0);
  // i += 16; continue while i < n
  body.push(OP.get);
  uleb(LOCAL_I, body);
  body.push(OP.i32const, 16, I32.add, OP.tee);
  uleb(LOCAL_I, body);
  body.push(OP.get, PARAM_N, I32.ltU, OP.brIf, 0);

  const fn: number[] = [];
  uleb(2, fn); // local groups
  fn.push(1, 0x7f); // i: i32
  uleb(locals, fn);
  fn.push(0x7b); // v128
  append(fn, pre);
  fn.push(OP.block, 0x40, OP.get, PARAM_N, I32.eqz, OP.brIf, 0, OP.loop, 0x40);
  append(fn, body);
  fn.push(OP.end, OP.end, OP.end);

  const out: number[] = [...WASM_HEADER];
  const addSection = (id: number, bytes: number[]) => append(out, section(id, bytes));
  const name = wasmName;
  const type: number[] = [1, 0x60];
  uleb(k + 2, type);
  for (let j = 0; j < k + 2; j++) type.push(0x7f);
  type.push(0);
  addSection(1, type); // type 0: (i32 bytes, i32 × k inputs, i32 out) -> ()
  const mem: number[] = [1, ...name("e"), ...name("m"), 0x02, 0x00];
  uleb(SCRATCH_BYTES / 65536, mem);
  addSection(2, mem); // import e.m: a memory of at least that many pages
  addSection(3, [1, 0]); // function 0: type 0
  addSection(7, [1, ...name("run"), 0x00, 0]);
  const bodies: number[] = [1];
  sized(bodies, fn);
  addSection(10, bodies);
  return Uint8Array.from(out);
}

/** A float64 view of the whole expression memory, renewed when growing replaced its buffer. */
let whole = new Float64Array(0);

/**
 * The SIMD loop of an expression, or undefined when an operation has no SIMD form or this runtime has no
 * WebAssembly SIMD. Its values are those of the JavaScript loop, bit for bit. Inputs and result in the
 * thread's expression memory (wasm-memory.ts) are used in place: with all of them there, one call computes
 * the whole block. Others go through the scratch region in blocks of up to 8192 values (inputs converted to
 * float64 on the copy in, the result copied out); an odd last value goes through it too, so the loop never
 * reads or writes past the arrays' ends.
 */
export function simdLoop(root: ExprNode, inputs: readonly string[]): SimdLoop | undefined {
  if (!simdSupports(root) || typeof WebAssembly !== "object") return undefined;
  const bytes = simdModule(root, inputs);
  if (!WebAssembly.validate(bytes)) return undefined;
  const memory = expressionMemory();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } });
  const run = instance.exports.run as (...args: number[]) => void;
  const k = inputs.length;
  // values per block of the copying path: k inputs and the result share the scratch region; even
  const block = Math.max(2, Math.min(BLOCK, Math.floor(SCRATCH_BYTES / 8 / (k + 1)) & ~1));
  const resultSlot = k * block;
  return (o, n, d) => {
    const buf = memory.buffer;
    if (whole.buffer !== buf) whole = new Float64Array(buf);
    const mem = whole;
    const arrays = d as Float64Array[]; // any typed array of numbers: set() converts
    // byte addresses of the inputs and the result lying in the memory (float64), else -1
    const at = arrays.map((a) => (a instanceof Float64Array && a.buffer === buf && a.length >= n ? a.byteOffset : -1));
    const outAt = o.buffer === buf ? o.byteOffset : -1;
    const direct = outAt >= 0 && at.every((p) => p >= 0);
    const even = n & ~1;
    const step = direct ? even : block;
    const args = new Array<number>(k + 2);
    for (let start = 0; start < even; start += step) {
      const m = Math.min(step, even - start);
      for (let j = 0; j < k; j++) {
        if (at[j]! >= 0) args[j + 1] = at[j]! + start * 8;
        else {
          const a = arrays[j]!;
          mem.set(start === 0 && a.length === m ? a : a.subarray(start, start + m), j * block);
          args[j + 1] = j * block * 8;
        }
      }
      args[k + 1] = outAt >= 0 ? outAt + start * 8 : resultSlot * 8;
      args[0] = m * 8;
      run(...args);
      if (outAt < 0) o.set(mem.subarray(resultSlot, resultSlot + m), start);
    }
    if (n !== even) {
      // the last value: both lanes of each input in its scratch slot
      for (let j = 0; j < k; j++) {
        const x = Number(arrays[j]![n - 1]);
        mem[j * block] = x;
        mem[j * block + 1] = x;
        args[j + 1] = j * block * 8;
      }
      args[k + 1] = resultSlot * 8;
      args[0] = 16;
      run(...args);
      o[n - 1] = mem[resultSlot]!;
    }
  };
}
