// "Did you mean": names that look like one that was not found (another case, a typo, a prefix), for error messages.

function distance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `max` of `names` that look like `name` (case, typos, prefixes), best first. */
export function closeNames(name: string, names: readonly string[], max = 5): string[] {
  const n = name.toLowerCase().slice(0, 256);
  return names
    .map((c) => {
      const l = c.toLowerCase();
      const d = l === n ? 0 : l.includes(n) || n.includes(l) ? 1 : distance(n, l);
      return { c, d };
    })
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(Math.min(c.length, n.length) / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map(({ c }) => c);
}
