// Counts as they leave the runner: exact, rounded to a base, or moved by cell-key noise from a fixed perturbation table.
import type { GatePolicy } from './policy.ts';

/** Record keys and cell keys live in [0, CELL_KEY_MODULUS): a cell's key is the sum of its rows' keys modulo this. */
export const CELL_KEY_MODULUS = 1_048_576;
/** Cell-key noise moves a count by at most this much. */
export const NOISE_BOUND = 2;

/** 32-bit integer mix (a finaliser of the murmur family): spreads nearby inputs over the whole range. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The fixed perturbation table: 256 entries of noise in [-2, 2], 0 for 40 % of cells, ±1 for 20 % each, ±2 for 10 % each,
 * laid out by a fixed mix so that neighbouring keys get unrelated noise. The same (cell key, count) always finds the same entry.
 */
export const PERTURBATION_TABLE: readonly number[] = (() => {
  const shares: [number, number][] = [
    [0, 102],
    [1, 51],
    [-1, 51],
    [2, 26],
    [-2, 26],
  ];
  const flat = shares.flatMap(([v, n]) => new Array<number>(n).fill(v));
  const order = flat.map((_, i) => i).sort((a, b) => mix32(a + 0x9e3779b9) - mix32(b + 0x9e3779b9));
  return order.map((i) => flat[i]);
})();

/** A key for a cell whose rows were not keyed one by one: derived from its parent's key and its own label. */
export function derivedKey(parent: number, label: string): number {
  let h = mix32(parent + 0x27d4eb2f);
  for (let i = 0; i < label.length; i++) h = mix32(h ^ label.charCodeAt(i));
  return h % CELL_KEY_MODULUS;
}

/** The noise for a count with this cell key: a lookup, never random, so repeating a query cannot average it out. */
export function cellKeyNoise(count: number, cellKey: number): number {
  const index = mix32((cellKey >>> 0) * 64 + Math.min(count, 63)) & 255;
  return PERTURBATION_TABLE[index];
}

export function roundTo(n: number, base: number): number {
  return Math.round(n / base) * base;
}

/**
 * A count that is shown, as the policy lets it leave: 0 stays 0 (it reveals nobody), a shown cell never drops under k by
 * noise (a small value would read as a small group), rounding goes to the nearest multiple of the base.
 */
export function releaseCount(n: number, policy: GatePolicy, cellKey: number): number {
  if (n <= 0 || policy.counts === 'exact') return n;
  if (policy.counts === 'round') return roundTo(n, policy.roundBase);
  return Math.max(policy.k, n + cellKeyNoise(n, cellKey));
}

/** A total that may be shown beside withheld cells, rounded so it says little about them. */
export const roundedTotal = (n: number, policy: GatePolicy): number => roundTo(n, Math.max(policy.roundBase, policy.k));
