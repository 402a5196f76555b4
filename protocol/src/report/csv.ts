// Results as CSV (RFC 4180): one table, or a whole report as blocks, each headed by "# <section>" and a blank line apart.
import type { Cell } from '../ops.ts';
import { type ReportDoc, type ReportTable, summarySection } from './document.ts';

const field = (v: Cell): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n#]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
};

const lines = (t: ReportTable): string[] => [t.columns, ...t.rows].map((row) => row.map(field).join(','));

/** One table: quote fields that need it, double embedded quotes, CRLF line ends. */
export function tableCsv(t: ReportTable): string {
  return `${lines(t).join('\r\n')}\r\n`;
}

/** Every section of a report, the summary first, each as `# Name` then its table. */
export function reportCsv(doc: ReportDoc): string {
  const blocks = [summarySection(doc), ...doc.sections].map((s) => [`# ${s.name}`, ...lines(s.table)].join('\r\n'));
  return `${blocks.join('\r\n\r\n')}\r\n`;
}
