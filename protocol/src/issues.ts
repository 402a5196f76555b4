// Validation problems as a reader can act on them. A union (a task body or a batch of them; a filter node that may be a
// group or a condition; a value that may be a text, number, or list) that matches no option says only "Invalid input" at
// its own place; the problems of the option that came closest are what the sender needs.
import type { z } from 'zod';

/** One problem: where (dotted path; '' for the whole input), what, and zod's code. */
export interface Problem {
  path: string;
  message: string;
  code: string;
}

type Key = PropertyKey;
interface RawIssue {
  code: string;
  path: readonly Key[];
  message: string;
  errors?: RawIssue[][];
  expected?: unknown;
  input?: unknown;
}

interface Found {
  path: Key[];
  message: string;
  code: string;
  expected: string[]; // of an invalid_type: the kinds of value wanted
}

/** How far an option got before it failed: the depth of its shallowest problem (deeper means it matched more). */
const reach = (found: Found[]): number => Math.min(...found.map((f) => f.path.length));

function unfold(issue: RawIssue, base: readonly Key[]): Found[] {
  const path = [...base, ...issue.path];
  const options = (issue.errors ?? []).map((branch) => branch.flatMap((i) => unfold(i, path)));
  if (issue.code !== 'invalid_union' || !options.length || options.some((o) => !o.length)) {
    return [
      {
        path,
        message: issue.message,
        code: issue.code,
        expected: issue.expected === undefined ? [] : [String(issue.expected)],
      },
    ];
  }
  const best = Math.max(...options.map(reach));
  const closest = options.filter((o) => reach(o) === best);
  // Every option wanted another kind of value at the same place: one problem naming them all.
  const kinds = closest.every((o) => o.length === 1 && o[0].code === 'invalid_type' && o[0].path.length === best);
  if (kinds && closest.length > 1) {
    const wanted = [...new Set(closest.flatMap((o) => o[0].expected))];
    const got = /received (\w+)/.exec(closest[0][0].message)?.[1];
    const list = wanted.length > 1 ? `${wanted.slice(0, -1).join(', ')} or ${wanted.at(-1)}` : wanted[0];
    return [
      {
        path: closest[0][0].path,
        message: `Invalid input: expected ${list}${got ? `, received ${got}` : ''}`,
        code: 'invalid_type',
        expected: wanted,
      },
    ];
  }
  // Of the options that got as far, the one with the fewest problems.
  return closest.reduce((a, b) => (b.length < a.length ? b : a));
}

/** The issues of a failed parse, each union resolved to the option that came closest; paths as keys. */
export function unfoldIssues(error: z.ZodError): { path: PropertyKey[]; message: string; code: string }[] {
  const out: { path: PropertyKey[]; message: string; code: string }[] = [];
  const seen = new Set<string>();
  for (const f of error.issues.flatMap((i) => unfold(i as unknown as RawIssue, []))) {
    const key = `${f.path.map(String).join('.')}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: f.path, message: f.message, code: f.code });
  }
  return out;
}

/** The problems of a failed parse, unions resolved to the option that came closest; one entry per place and message. */
export function problemsOf(error: z.ZodError): Problem[] {
  return unfoldIssues(error).map((f) => ({ path: f.path.map(String).join('.'), message: f.message, code: f.code }));
}
