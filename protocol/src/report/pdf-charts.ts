// Vector charts for PDF reports on a `PdfSink`: labelled axes with several ticks, bars, histograms, points with a
// legend, lines, and a correlation heat map.
import { formatNumber } from './format.ts';
import { INK, MUTED, type Page, type PdfColor } from './pdf-page.ts';

/** Where one chart goes on the current band. */
export interface Slot {
  x: number;
  w: number;
  h: number;
}

interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

const BAR = '#3b6ea8';
export const PALETTE = [
  '#3b6ea8',
  '#d9822b',
  '#3a9a5b',
  '#c23b3b',
  '#7d5ba6',
  '#8c6d46',
  '#d36fb0',
  '#7f7f7f',
  '#b5b83a',
  '#34a6b8',
];

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const err = raw / power; // the step nearest the raw one, in log terms (thresholds √2, √10, √50)
  const step = power * (err >= 7.07 ? 10 : err >= 3.16 ? 5 : err >= 1.41 ? 2 : 1);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The top of a value axis that starts at 0: `hi` rounded up to its next round tick, so the tallest bar has a label. */
export function niceTop(hi: number, count = 5): number {
  const ticks = niceTicks(0, hi, count);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : hi;
  const last = ticks.at(-1) ?? hi;
  return last >= hi ? last : Number((last + step).toPrecision(12));
}

export interface Axes {
  x: [number, number] | null; // null: the x axis has categories, not numbers
  y: [number, number];
  x_label: string;
  y_label: string;
}

/** Draws a chart's title, frame, ticks and axis titles in `slot`, and returns the plotting area. */
export function frame(page: Page, title: string, slot: Slot, axes: Axes): Area {
  const doc = page.doc;
  page.pen('Helvetica-Bold', 9);
  doc.text(title, slot.x, page.y, { width: slot.w, ellipsis: true, lineBreak: false, height: 12 });
  const a: Area = { x: slot.x + 52, y: page.y + 16, w: slot.w - 62, h: slot.h - 50 };
  doc.lineWidth(0.6);
  doc.strokeColor(MUTED);
  doc.moveTo(a.x, a.y);
  doc.lineTo(a.x, a.y + a.h);
  doc.lineTo(a.x + a.w, a.y + a.h);
  doc.stroke();
  page.pen('Helvetica', 6, MUTED);
  const [y0, y1] = axes.y;
  for (const t of niceTicks(y0, y1, 5)) {
    const ty = a.y + a.h - ((t - y0) / (y1 - y0 || 1)) * a.h;
    doc.text(formatNumber(t), a.x - 40, ty - 3, { width: 36, align: 'right', lineBreak: false });
    tick(page, a.x - 2, ty, a.x, ty);
  }
  if (axes.x) {
    const [x0, x1] = axes.x;
    for (const t of niceTicks(x0, x1, Math.max(4, Math.min(8, Math.floor(a.w / 35))))) {
      const tx = a.x + ((t - x0) / (x1 - x0 || 1)) * a.w;
      doc.text(formatNumber(t), tx - 25, a.y + a.h + 3, { width: 50, align: 'center', lineBreak: false });
      tick(page, tx, a.y + a.h, tx, a.y + a.h + 2);
    }
  }
  page.pen('Helvetica', 7, INK);
  doc.text(axes.x_label, a.x, a.y + a.h + 20, { width: a.w, align: 'center', ellipsis: true, lineBreak: false });
  const cx = slot.x + 6;
  const cy = a.y + a.h / 2;
  doc.save();
  doc.rotate(-90, { origin: [cx, cy] });
  doc.text(axes.y_label, cx - a.h / 2, cy - 4, { width: a.h, align: 'center', ellipsis: true, lineBreak: false });
  doc.restore();
  return a;
}

function tick(page: Page, x0: number, y0: number, x1: number, y1: number): void {
  page.doc.lineWidth(0.5);
  page.doc.strokeColor(MUTED);
  page.doc.moveTo(x0, y0);
  page.doc.lineTo(x1, y1);
  page.doc.stroke();
}

function box(page: Page, x: number, y: number, w: number, h: number, color: PdfColor): void {
  page.doc.rect(x, y, w, h);
  page.doc.fill(color);
}

/** Histogram: bars between consecutive edges; withheld bins (null) are left out. */
export function histogram(page: Page, slot: Slot, title: string, edges: number[], counts: (number | null)[]): void {
  const top = niceTop(Math.max(1, ...counts.map((c) => c ?? 0)));
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const a = frame(page, title, slot, { x: [lo, hi], y: [0, top], x_label: title, y_label: 'Rows' });
  const span = hi - lo || 1;
  counts.forEach((c, i) => {
    if (!c) return;
    const x0 = a.x + ((edges[i] - lo) / span) * a.w;
    const x1 = counts.length === 1 ? a.x + a.w : a.x + ((edges[i + 1] - lo) / span) * a.w;
    const bh = (c / top) * a.h;
    box(page, x0 + 0.5, a.y + a.h - bh, Math.max(0.5, x1 - x0 - 1), bh, BAR);
  });
}

/** Bars for labelled values (groups, cluster sizes); labels under the bars when there is room. */
export function bars(
  page: Page,
  slot: Slot,
  c: { title: string; labels: string[]; values: (number | null)[]; x_label: string; y_label: string },
): void {
  const shown = c.values.slice(0, 40);
  const lo = Math.min(0, ...shown.map((v) => v ?? 0));
  const hi = niceTop(Math.max(1e-12, ...shown.map((v) => v ?? 0)));
  const title = c.values.length > shown.length ? `${c.title} (first ${shown.length} of ${c.values.length})` : c.title;
  const a = frame(page, title, slot, { x: null, y: [lo, hi], x_label: c.x_label, y_label: c.y_label });
  const zero = a.y + a.h - ((0 - lo) / (hi - lo)) * a.h;
  const bw = a.w / Math.max(1, shown.length);
  shown.forEach((v, i) => {
    if (v === null) return;
    const y = a.y + a.h - ((v - lo) / (hi - lo)) * a.h;
    box(page, a.x + i * bw + 1, Math.min(y, zero), Math.max(0.5, bw - 2), Math.abs(zero - y), BAR);
  });
  page.pen('Helvetica', shown.length <= 10 ? 7 : 5, MUTED);
  if (shown.length <= 20)
    shown.forEach((_, i) => {
      page.doc.text(c.labels[i] ?? '', a.x + i * bw, a.y + a.h + 4, {
        width: bw,
        align: 'center',
        ellipsis: true,
        lineBreak: false,
        height: 8,
      });
    });
}

export interface XyChart {
  title: string;
  x: number[];
  y: number[];
  x_label: string;
  y_label: string;
  group?: number[];
  group_label?: string;
  line?: { x: number[]; y: number[] };
  diagonal?: boolean;
  points?: boolean;
}

/** A legend of the groups' colours, right-aligned above the plot. */
function legend(page: Page, slot: Slot, label: string, groups: number[]): void {
  const names = [...new Set(groups)].sort((p, q) => p - q);
  page.pen('Helvetica', 6, INK);
  let x = slot.x + slot.w;
  for (const g of names.reverse()) {
    const text = `${label} ${g + 1}`;
    const w = page.doc.widthOfString(text) + 12;
    x -= w;
    box(page, x, page.y + 4, 5, 5, PALETTE[g % PALETTE.length]);
    page.pen('Helvetica', 6, INK);
    page.doc.text(text, x + 7, page.y + 3, { lineBreak: false });
  }
}

/** Points (coloured by group, with a legend) and an optional polyline over them (a fit or a ROC curve). */
export function xy(page: Page, slot: Slot, c: XyChart): void {
  const xs = [...c.x, ...(c.line?.x ?? [])];
  const ys = [...c.y, ...(c.line?.y ?? [])];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (c.group?.length) {
    legend(page, slot, c.group_label ?? 'Group', c.group);
    page.y += 10;
  }
  const a = frame(page, c.title, slot, { x: [x0, x1], y: [y0, y1], x_label: c.x_label, y_label: c.y_label });
  const px = (v: number) => a.x + ((v - x0) / (x1 - x0 || 1)) * a.w;
  const py = (v: number) => a.y + a.h - ((v - y0) / (y1 - y0 || 1)) * a.h;
  const doc = page.doc;
  if (c.diagonal) {
    doc.lineWidth(0.5);
    doc.strokeColor('#aaaaaa');
    doc.dash(3, { space: 3 });
    doc.moveTo(px(x0), py(y0));
    doc.lineTo(px(x1), py(y1));
    doc.stroke();
    doc.undash();
  }
  if (c.points !== false)
    c.x.forEach((v, i) => {
      doc.circle(px(v), py(c.y[i]), 1.4);
      doc.fill(PALETTE[(c.group?.[i] ?? 0) % PALETTE.length]);
    });
  const line = c.line ?? (c.points === false ? { x: c.x, y: c.y } : undefined);
  if (line && line.x.length > 1) {
    doc.lineWidth(1.2);
    doc.strokeColor('#c23b3b');
    doc.moveTo(px(line.x[0]), py(line.y[0]));
    for (let i = 1; i < line.x.length; i++) doc.lineTo(px(line.x[i]), py(line.y[i]));
    doc.stroke();
  }
}

/** A correlation heat map: blue for -1, white for 0, red for +1, with the values when the cells are large enough. */
export function heatmap(page: Page, title: string, labels: string[], values: (number | null)[][]): void {
  const n = labels.length;
  const size = Math.min(page.width - 120, 16 * n + 10);
  page.need(size + 40);
  page.pen('Helvetica-Bold', 9);
  page.doc.text(title, page.left, page.y);
  const top = page.y + 16;
  const cell = size / Math.max(1, n);
  const x0 = page.left + 110;
  values.forEach((row, i) => {
    page.pen('Helvetica', Math.min(7, cell * 0.6));
    page.doc.text(labels[i], page.left, top + i * cell + cell / 2 - 3, {
      width: 106,
      align: 'right',
      ellipsis: true,
      lineBreak: false,
      height: 9,
    });
    row.forEach((v, j) => {
      const t = v ?? 0;
      const c = Math.round(255 - 200 * Math.min(1, Math.abs(t)));
      box(page, x0 + j * cell, top + i * cell, cell, cell, v === null ? '#dddddd' : t >= 0 ? [255, c, c] : [c, c, 255]);
      if (cell >= 18) {
        page.pen('Helvetica', 6);
        page.doc.text(v === null ? '—' : v.toFixed(2), x0 + j * cell, top + i * cell + cell / 2 - 3, {
          width: cell,
          align: 'center',
          lineBreak: false,
        });
      }
    });
  });
  page.y = top + size + 10;
}
