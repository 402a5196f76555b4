// Readable one-line-per-problem text for zod errors: `datasets[1].path: file not found`.
import { unfoldIssues } from '@simpul/protocol';
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

export function formatIssues(error: z.ZodError, prefix = ''): string {
  return unfoldIssues(error)
    .map((i) => `${prefix}${formatPath(i.path)}: ${i.message}`)
    .join('\n');
}
