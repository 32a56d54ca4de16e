// Comparing float results bit for bit, for the tests of the expression loops (JavaScript, WebAssembly SIMD).

/**
 * Where two results differ: the same bits, or NaN on both sides (the sign and payload of a NaN made from NaN
 * operands follow the machine's operand order, which neither V8's JIT nor numpy fixes). At most 3, as text.
 */
export function differences(a: ArrayLike<number>, b: ArrayLike<number>): string[] {
  const out: string[] = [];
  if (a.length !== b.length) return [`length ${a.length} vs ${b.length}`];
  for (let i = 0; i < a.length && out.length < 3; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)))) out.push(`[${i}] ${x} vs ${y}`);
  }
  return out;
}
