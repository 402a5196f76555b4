// Small formatting helpers for times, durations and ids; numbers as the exported reports write them (protocol).
import { formatNumber } from '@simpul/protocol';

/** "just now", "12 s ago", "2 min ago", "3 h ago", "4 d ago"; "never" without a time. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** A duration for people: "0.4 s", "12 s", "3 min 05 s", "2 h 07 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

interface Timed {
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempt?: number;
  attempts?: readonly { attempt: number; started_at: string; ended_at: string | null }[];
}

/**
 * How long a task has run (or waited, before it started), up to now or to its end. One measure everywhere: from the
 * claim of its current attempt (when the attempts are known; the Attempts list shows the same span) to its end.
 */
export function elapsedMs(task: Timed, now: number): number {
  const current = task.attempts?.find((a) => a.attempt === task.attempt);
  const from = Date.parse(current?.started_at ?? task.started_at ?? task.created_at);
  const end = task.finished_at ? (current?.ended_at ?? task.finished_at) : null;
  const to = end ? Date.parse(end) : now;
  return Math.max(0, to - from);
}

/** Whole numbers of four or more digits in a text get thousands separators: "1342676 of 3000000 rows match". */
export function withThousands(text: string): string {
  return text.replace(/(?<![\d.,])\d{4,}(?!\d|[.,]\d)/g, (d) => Number(d).toLocaleString('en-US'));
}

/** A local date and time, for tooltips and timelines. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Ids are long; the first characters are enough to tell tasks apart on screen. */
export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}

/** 1234567 → "1,234,567". */
export function count(n: number | null | undefined): string {
  return n == null ? '—' : n.toLocaleString('en-US');
}

/** A statistic for tables and chart labels: integers in full, other numbers to 4 significant digits; null as "—". */
export const stat = (v: number | null | undefined, digits = 4): string => formatNumber(v, digits);

/** A p-value as statistics packages print it: below 0.0001 as "<0.0001" (the exact value stays in the JSON). */
export const pStat = (p: number | null | undefined): string =>
  p !== null && p !== undefined && p >= 0 && p < 1e-4 ? '<0.0001' : stat(p);

/** Any result cell as text: numbers through `stat`, null as "—". */
export function cellText(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? stat(v) : String(v);
}

/** 1536 → "1.5 KB": file sizes for download buttons. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** 0.9347 → "93.5%". */
export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
}
