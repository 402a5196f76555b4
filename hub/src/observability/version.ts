// The hub's own version, as its package.json says (health reply, OpenAPI info).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Pkg = z.object({ version: z.string().max(64) });

function readVersion(): string {
  try {
    const parsed = Pkg.safeParse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')));
    return parsed.success ? parsed.data.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const HUB_VERSION = readVersion();
