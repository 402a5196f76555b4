// What a rows result (op 100/200) shows and why it shows fewer rows than matched, and which page "Load more" asks for.
import { MAX_PAGE_ROWS, type FullCut, type RowsResult } from '@simpul/protocol';
import { count } from './format.ts';

const CUT_TEXT: Record<FullCut, (limit: number) => string> = {
  limit: (limit) => `limit ${count(limit)}`,
  max_rows: () => "the data owner's cap of rows per task",
  max_rows_per_day: () => "what is left of the data owner's daily row budget",
};

/** Rows selected: the matches of a filter, or the dataset's rows for a fetch. */
export const matchedOf = (r: RowsResult): number => r.matched_rows ?? r.total_rows;

/** Rows of the full result: the file's when there is one, else those inline. */
export const fullOf = (r: RowsResult): number => r.row_counts?.full ?? r.blob?.rows ?? r.rows.length;

/**
 * The sentence above the table. `shown`: rows in the table (the result's own and those loaded since), `loaded`: how
 * many of them "Load more" added. Says why fewer rows are shown than matched: the inline size cap (the rest are in the
 * download), the task's limit or the data owner's policy.
 */
export function rowsNote(r: RowsResult, shown = r.rows.length, loaded = 0): string {
  const matched = matchedOf(r);
  const full = fullOf(r);
  const noun = r.matched_rows !== undefined ? 'matching rows' : 'rows';
  const from = r.offset ? `, from row ${count(r.offset + 1)}` : '';
  const cut = r.row_counts?.full_cut;
  const why = cut ? CUT_TEXT[cut](r.row_counts?.limit ?? full) : '';
  const download = r.rows.length < full;
  if (!loaded && download) {
    const of = full < matched - r.offset ? ` (${why ? `${why} of ` : 'of '}${count(matched)} ${noun})` : '';
    return `The first ${count(r.rows.length)} rows${from} are shown; the full ${count(full)} are in the download${of}.`;
  }
  if (!loaded && !r.offset && shown >= matched) {
    const dataset = r.matched_rows !== undefined ? ` (${count(r.total_rows)} rows in the dataset)` : '';
    return `Showing all ${count(shown)} ${noun}${dataset}.`;
  }
  const reasons = [why, loaded ? `${count(loaded)} more loaded` : ''].filter(Boolean).join('; ');
  const rest = download ? ` The full result (${count(full)} rows) is in the download.` : '';
  return `Showing ${count(shown)} of ${count(matched)} ${noun}${from}${reasons ? ` (${reasons})` : ''}.${rest}`;
}

/**
 * The page "Load more" asks for as a new task: the rows after those shown, as many as the first page showed (so that
 * it fits inline as the first did); null when every selected row is shown.
 */
export function nextPage(r: RowsResult, shown: number): { offset: number; limit: number } | null {
  const offset = r.offset + shown;
  if (offset >= matchedOf(r) || r.rows.length === 0) return null;
  return { offset, limit: Math.min(MAX_PAGE_ROWS, Math.max(r.rows.length, 100)) };
}
