// A task's progress in steps: each step says what runs and may span part of the bar; long work inside a step (DuckDB
// scanning rows, a fit's iterations) moves the bar within that span and says how far it got.

/** Sends one report (0–100); the task's ProgressQueue coalesces them, so calling often is cheap. */
export type Report = (percent: number, message?: string) => void;

/** DuckDB's own progress on the query that runs (see engine/session.ts). */
export interface ScanProgress {
  rows: number; // rows processed so far
  total: number; // rows the query will process in all
  fraction: number; // 0–1, DuckDB's estimate
}

/** 1342676 → "1,342,676": numbers in progress messages are read by people. */
export const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export class ProgressSteps {
  #from = 0;
  #to = 0;
  #high = 0; // the furthest point reported in this step: a second query in the same step does not move the bar back
  #label: string | undefined;

  constructor(private readonly report: Report) {}

  /** A new step at `percent`, whose work spans the bar up to `until` (by default it is a single point). */
  step(percent: number, message?: string, until = percent): void {
    this.#from = clamp(percent, 0, 100);
    this.#to = clamp(until, this.#from, 100);
    this.#high = this.#from;
    this.#label = message;
    this.report(this.#from, message);
  }

  /** `fraction` (0–1) of the current step is done; `detail` says what, after the step's own message. */
  within(fraction: number, detail: string): void {
    const pct = Math.round((this.#from + (this.#to - this.#from) * clamp(fraction, 0, 1)) * 10) / 10;
    this.#high = Math.max(this.#high, pct);
    this.report(this.#high, this.#label ? `${this.#label}: ${detail}` : detail);
  }

  /** A DuckDB query of the current step is this far. */
  scanned(s: ScanProgress): void {
    this.within(s.fraction, `${thousands(s.rows)} of ${thousands(s.total)} rows scanned`);
  }
}
