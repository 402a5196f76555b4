// Record keys for cell-key noise: each row's key is a salted hash of its values, so a cell's key (the sum of its rows'
// keys) is the same whenever the same rows make it up, and unpredictable to anyone without the runner's salt.
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ColumnInfo } from '@simpul/protocol';
import { CELL_KEY_MODULUS } from './counts.ts';
import { ensureDir } from './paths.ts';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** SQL for one row's record key, over the columns the task can see; the salt is a number the runner chose, not input. */
export function recordKeySql(columns: readonly ColumnInfo[], salt: number): string {
  const cols = columns.map((c) => quote(c.name));
  return `(hash(${[...cols, `${Math.floor(salt)}::UBIGINT`].join(', ')}) % ${CELL_KEY_MODULUS})`;
}

/** A cell key from a query cell holding the sum of record keys. */
export function cellKeyOf(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v % BigInt(CELL_KEY_MODULUS)) : Number(v) % CELL_KEY_MODULUS;
  return Number.isFinite(n) ? n : undefined;
}

/** The runner's salt, made once and kept beside its state (mode 0600). */
export function loadSalt(path: string): number {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(n) && n > 0) return n;
  } catch {
    // none yet
  }
  ensureDir(dirname(path));
  const salt = randomInt(1, 2 ** 47);
  writeFileSync(path, `${salt}\n`, { mode: 0o600 });
  return salt;
}
