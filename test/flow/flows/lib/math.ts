// A helper module imported by with-helper.ts (TypeScript importing TypeScript, NodeNext style).
export function sumOfSquares(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x * x, 0);
}
