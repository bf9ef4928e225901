/** Numeric comparison for parity tests. */
import assert from 'node:assert/strict';

/** The largest |a[i] − b[i]|; the two must have one length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
