// How deep a parsed JSON value nests, found without recursion (the value may be deeper than the stack).

/** Far more than any valid body needs (a filter at its 16-level limit is about 35 levels), far less than the stack. */
export const MAX_JSON_DEPTH = 100;

export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
