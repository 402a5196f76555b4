// Round numbers around a range: histogram edges that do not give the smallest and largest values away.

/** A step of 1, 2 or 5 times a power of ten, near `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/**
 * [min, max] widened outward to multiples of a round step (about a tenth of the span), and always strictly: an extreme
 * that sits on a round number is pushed one step further, so the edges never equal a value in the data.
 */
export function niceRange(min: number, max: number): { min: number; max: number } {
  const span = max - min;
  const step = niceStep(span > 0 ? span / 10 : Math.abs(min) / 10 || 1);
  let lo = Math.floor(min / step) * step;
  let hi = Math.ceil(max / step) * step;
  if (lo === min) lo -= step;
  if (hi === max) hi += step;
  const clean = (v: number) => Number(v.toPrecision(12)); // 0.1 * 3 is 0.30000000000000004
  return { min: clean(lo), max: clean(hi) };
}
