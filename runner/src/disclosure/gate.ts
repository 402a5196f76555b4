// The release gate: everything that leaves the runner passes here, rule by rule, under the dataset's policy. Handlers
// compute; the gate decides what may leave and says in `disclosure` what it withheld and why. Pure but for the row ledger.
import type { AnalysisResult, DatasetPolicy, ErrorInfo, OpCode, RowsResult } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { releaseAnalysis } from './analysis-rules.ts';
import type { LocalFile, QuerySet, Unreleased } from './facts.ts';
import { UNKNOWN_ANALYST, type RowLedger } from './ledger.ts';
import { releasePartial } from './partial-rules.ts';
import { type GatePolicy, gatePolicy } from './policy.ts';
import { type Released, mark } from './released.ts';
import { type Budget, releaseRows, rowAllowance } from './rows-rules.ts';
import { Tally } from './tally.ts';

/** What the connection may send once released: a result inline, or a file to upload and link. */
export type Outgoing =
  | { kind: 'inline'; result: unknown }
  | { kind: 'file'; file: LocalFile; result: Record<string, unknown>; cleanup: () => Promise<void> };

export interface GateOptions {
  dataset: string;
  op: OpCode;
  requestedBy?: string; // the analyst, from the hub's offer
  ledger?: RowLedger; // the daily row budget; without one, only the per-task cap applies
  salt?: number; // the runner's record-key salt (cell-key noise)
  now?: () => number;
}

export class Gate {
  readonly policy: GatePolicy | null;

  constructor(
    policy: DatasetPolicy | undefined,
    private readonly o: GateOptions,
  ) {
    this.policy = gatePolicy(policy);
  }

  get salt(): number {
    return this.o.salt ?? 1;
  }

  /** Whether this task's result waits for the data owner's review before it leaves. */
  get holds(): boolean {
    return this.policy?.review.has(this.o.op) ?? false;
  }

  /**
   * Query-set size: a filtered task needs at least k rows selected and k left out. The message does not say which side
   * was small (that would be the oracle the rule closes).
   */
  checkQuerySet(qs: QuerySet | undefined): void {
    const p = this.policy;
    if (!p || !qs?.filtered) return;
    // Fail closed: a query set that was never measured is refused like a small one.
    if (
      !Number.isFinite(qs.selected) ||
      !Number.isFinite(qs.total) ||
      qs.selected < p.k ||
      qs.total - qs.selected < p.k
    ) {
      throw new TaskFailure(
        'policy_denied',
        `the filter is refused by the data owner's query-set rule: it must select at least ${p.k} rows and leave at least ${p.k} rows out; widen or narrow it`,
      );
    }
  }

  release(u: Unreleased): Released<Outgoing> {
    if (u.kind === 'file') return mark({ kind: 'file', file: u.file, result: { ...u.result }, cleanup: u.cleanup });
    this.checkQuerySet(u.querySet);
    if (u.kind === 'rows') return mark({ kind: 'inline', result: this.rows(u.result, u.querySet) });
    if (u.kind === 'analysis') return mark({ kind: 'inline', result: this.analysis(u.result, u.querySet) });
    const p = this.policy;
    if (!p) return mark({ kind: 'inline', result: u.result });
    const t = new Tally(p);
    const partial = releasePartial(u.result, t);
    return mark({ kind: 'inline', result: { ...partial, disclosure: this.disclose(t) } });
  }

  /** An analysis as it may leave (also what op 400 writes into a file of an analysis). */
  analysis(r: AnalysisResult, qs: QuerySet | undefined): Released<AnalysisResult> {
    this.checkQuerySet(qs);
    const p = this.policy;
    if (!p) return mark(r);
    const t = new Tally(p);
    const out = releaseAnalysis(r, t, qs);
    return mark({ ...out, disclosure: this.disclose(t) });
  }

  rows(r: RowsResult, qs: QuerySet | undefined): Released<RowsResult> {
    const p = this.policy;
    if (!p) return mark(r);
    const t = new Tally(p);
    const out = releaseRows(r, t, this.budget(), this.o.dataset, qs);
    return mark({ ...out, disclosure: this.disclose(t) });
  }

  /**
   * op 400 of data: how many raw rows may be written, charged to the budget now. An export is not cut short (a file that
   * silently holds less would mislead): more rows than allowed is a refusal.
   */
  exportRows(wanted: number): { rows: number; disclosure?: ReturnType<Tally['disclosure']> } {
    const p = this.policy;
    if (!p) return { rows: wanted };
    if (!p.rawRows) {
      throw new TaskFailure(
        'policy_denied',
        `dataset "${this.o.dataset}" lets no raw rows leave this runner (its policy allows neither op 100 nor op 200): export an analysis instead`,
      );
    }
    const t = new Tally(p);
    const budget = this.budget();
    const n = rowAllowance(wanted, t, budget, this.o.dataset).rows;
    if (n < wanted) {
      throw new TaskFailure(
        'policy_denied',
        `${wanted} rows match, and dataset "${this.o.dataset}" lets ${n} raw rows leave this runner now (per task: ${p.maxRows ?? 'no cap'}, left today: ${Number.isFinite(budget.left) ? budget.left : 'no cap'}): filter further, or export an analysis`,
      );
    }
    budget.charge(n);
    return { rows: n, disclosure: this.disclose(t) };
  }

  /** A failure as it may leave: the data engine's own messages can quote values, so under a policy they stay here. */
  failure(f: TaskFailure): Released<ErrorInfo> {
    const info = f.toInfo();
    if (!this.policy || f.code !== 'op_failed') return mark(info);
    return mark({
      code: info.code,
      message:
        "the operation failed in the data engine; under the data owner's policy its message stays in the runner's log",
    });
  }

  /** A progress message as it may leave: under a policy, none that carries figures (they could be exact counts). */
  progress(message: string | undefined): string | undefined {
    if (!this.policy || message === undefined) return message;
    return /\d/.test(message) ? undefined : message;
  }

  /** The result's disclosure note; a result held for review says so (it leaves only once the data owner approved it). */
  private disclose(t: Tally): ReturnType<Tally['disclosure']> {
    if (!this.holds) return t.disclosure();
    t.add('review');
    return t.disclosure({ held_for_review: true });
  }

  private budget(): Budget {
    const p = this.policy;
    const ledger = this.o.ledger;
    if (!p || p.maxRowsPerDay === undefined || !ledger) return { left: Infinity, charge: () => {} };
    const user = this.o.requestedBy ?? UNKNOWN_ANALYST;
    const now = this.o.now?.() ?? Date.now();
    const left = Math.max(0, p.maxRowsPerDay - ledger.used(user, this.o.dataset, now));
    return { left, charge: (rows) => ledger.charge(user, this.o.dataset, rows, now) };
  }
}

/** Released values pass through here to the post: the inline part of a result whose file was uploaded, with its link. */
export function withLink<T extends object>(released: Released<T>, link: Record<string, unknown>): Released<T> {
  return mark({ ...released, ...link });
}

export type { Released } from './released.ts';
