// What one release withheld or changed, collected rule by rule and turned into the result's `disclosure`.
import type { Disclosure, DisclosureRuleName } from '@simpul/protocol';
import { NOISE_BOUND } from './counts.ts';
import type { GatePolicy } from './policy.ts';

export class Tally {
  private readonly rules = new Set<DisclosureRuleName>();
  private readonly notes: string[] = [];
  suppressedCells = 0;
  suppressedRows: number | undefined;

  constructor(readonly policy: GatePolicy) {
    if (policy.counts !== 'exact') this.rules.add(policy.counts);
  }

  /** Record that `rule` acted, on `cells` cells, with a sentence for people (once per distinct sentence). */
  add(rule: DisclosureRuleName, cells = 0, note?: string): void {
    this.rules.add(rule);
    this.suppressedCells += cells;
    if (note && !this.notes.includes(note)) this.notes.push(note);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  has(rule: DisclosureRuleName): boolean {
    return this.rules.has(rule);
  }

  disclosure(extra: Partial<Disclosure> = {}): Disclosure {
    const p = this.policy;
    const countNote =
      p.counts === 'round'
        ? `counts are rounded to a multiple of ${p.roundBase}`
        : p.counts === 'cell_key'
          ? `counts carry noise of at most ±${NOISE_BOUND} (the same query always gets the same noise)`
          : undefined;
    const notes = [...this.notes, ...(countNote ? [countNote] : [])];
    return {
      rules_applied: [...this.rules],
      suppressed_cells: this.suppressedCells,
      ...(this.suppressedRows !== undefined ? { suppressed_rows: this.suppressedRows } : {}),
      rounded: p.counts !== 'exact',
      ...(p.counts === 'round' ? { round_base: p.roundBase } : {}),
      ...(p.counts === 'cell_key' ? { noise_bound: NOISE_BOUND } : {}),
      ...(notes.length ? { notes } : {}),
      ...extra,
    };
  }
}
