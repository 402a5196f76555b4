// Where the disclosure state lives: beside the runner's state file, in a folder only the runner's user can read.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DisclosurePaths {
  dir: string;
  ledger: string; // rows released per analyst per dataset (the daily budget)
  secret: string; // salt of the record keys (cell-key noise)
  held: string; // results waiting for the data owner's review
}

export function disclosurePaths(statePath: string): DisclosurePaths {
  const dir = `${statePath.replace(/\.json$/, '')}.disclosure`;
  return {
    dir,
    ledger: join(dir, 'row-ledger.jsonl'),
    secret: join(dir, 'record-key.secret'),
    held: join(dir, 'held'),
  };
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
