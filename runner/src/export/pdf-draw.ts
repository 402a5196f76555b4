// Drawing blocks for PDF reports with pdfkit: a page cursor, tables, and vector charts (bars, lines, scatter, heat map).
import type { Cell } from '@simpul/protocol';
import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

/** Where one chart goes on the current band. */
export interface Slot {
  x: number;
  w: number;
  h: number;
}

const INK = '#222222';
const MUTED = '#666666';
const BAR = '#3b6ea8';
const PALETTE = [
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

/** Numbers short enough for a table cell or an axis label. */
export function fmt(v: Cell | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** A pdfkit document with a vertical cursor that starts a new page when a block does not fit. */
export class Page {
  readonly left: number;
  readonly width: number;
  y: number;

  constructor(readonly doc: Doc) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    this.y = doc.page.margins.top;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Room for `h` points, or a new page. */
  need(h: number): void {
    if (this.y + h > this.bottom) {
      this.doc.addPage();
      this.y = this.doc.page.margins.top;
    }
  }

  heading(text: string, size = 13): void {
    this.need(size + 28);
    this.y += 8;
    this.doc.font('Helvetica-Bold').fontSize(size).fillColor(INK).text(text, this.left, this.y, { width: this.width });
    this.y = this.doc.y + 4;
  }

  para(text: string, size = 9, color = INK): void {
    this.doc.font('Helvetica').fontSize(size);
    const h = this.doc.heightOfString(text, { width: this.width });
    this.need(h + 2);
    this.doc.fillColor(color).text(text, this.left, this.y, { width: this.width });
    this.y = this.doc.y + 2;
  }

  /** A grid table; long cells are cut with an ellipsis, wide tables get a smaller font. */
  table(columns: string[], rows: Cell[][], maxRows = 200): void {
    const size = columns.length > 10 ? 6 : 8;
    const rowH = size + 5;
    const sample = rows.slice(0, 50);
    const weight = columns.map((c, i) => Math.min(28, Math.max(4, c.length, ...sample.map((r) => fmt(r[i]).length))));
    const total = weight.reduce((s, w) => s + w, 0);
    const widths = weight.map((w) => (w / total) * this.width);
    const row = (cells: string[], bold: boolean) => {
      this.need(rowH);
      this.doc
        .font(bold ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(size)
        .fillColor(INK);
      let x = this.left;
      cells.forEach((c, i) => {
        this.doc.text(c, x + 2, this.y + 2, { width: widths[i] - 4, height: rowH, ellipsis: true, lineBreak: false });
        x += widths[i];
      });
      this.y += rowH;
      this.doc
        .moveTo(this.left, this.y)
        .lineTo(this.left + this.width, this.y)
        .lineWidth(0.3)
        .strokeColor('#bbbbbb')
        .stroke();
    };
    row(columns, true);
    for (const r of rows.slice(0, maxRows)) row(r.map(fmt), false);
    if (rows.length > maxRows) this.para(`… ${rows.length - maxRows} more rows not shown`, 8, MUTED);
    this.y += 6;
  }

  /** Lays out `count` charts of height `h` side by side on one band, then moves the cursor below them. */
  band(h: number, count: number, draw: (slot: Slot, i: number) => void): void {
    this.need(h);
    const gap = 16;
    const w = (this.width - gap * (count - 1)) / count;
    for (let i = 0; i < count; i++) draw({ x: this.left + i * (w + gap), w, h }, i);
    this.y += h + 6;
  }

  /** Draws a chart frame (title, axes) in `slot` and returns its plotting area. */
  private box(title: string, slot: Slot): { x: number; y: number; w: number; h: number } {
    const { x, w, h } = slot;
    this.doc
      .font('Helvetica-Bold')
      .fontSize(9)
      .fillColor(INK)
      .text(title, x, this.y, { width: w, ellipsis: true, lineBreak: false, height: 12 });
    const area = { x: x + 34, y: this.y + 16, w: w - 44, h: h - 34 };
    this.doc
      .lineWidth(0.6)
      .strokeColor(MUTED)
      .moveTo(area.x, area.y)
      .lineTo(area.x, area.y + area.h)
      .lineTo(area.x + area.w, area.y + area.h)
      .stroke();
    return area;
  }

  private axisLabels(
    a: { x: number; y: number; w: number; h: number },
    x: [number, number] | null,
    y: [number, number],
  ): void {
    this.doc.font('Helvetica').fontSize(6).fillColor(MUTED);
    this.doc.text(fmt(y[1]), a.x - 34, a.y - 2, { width: 31, align: 'right' });
    this.doc.text(fmt(y[0]), a.x - 34, a.y + a.h - 6, { width: 31, align: 'right' });
    if (!x) return;
    this.doc.text(fmt(x[0]), a.x - 10, a.y + a.h + 3, { width: 60 });
    this.doc.text(fmt(x[1]), a.x + a.w - 50, a.y + a.h + 3, { width: 60, align: 'right' });
  }

  /** Histogram: bars between consecutive edges; suppressed bins (null) are left out. */
  histogram(slot: Slot, title: string, edges: number[], counts: (number | null)[]): void {
    const a = this.box(title, slot);
    const top = Math.max(1, ...counts.map((c) => c ?? 0));
    const lo = edges[0];
    const span = edges[edges.length - 1] - lo || 1;
    counts.forEach((c, i) => {
      if (!c) return;
      const x0 = a.x + ((edges[i] - lo) / span) * a.w;
      const x1 = counts.length === 1 ? a.x + a.w : a.x + ((edges[i + 1] - lo) / span) * a.w;
      const bh = (c / top) * a.h;
      this.doc.rect(x0 + 0.5, a.y + a.h - bh, Math.max(0.5, x1 - x0 - 1), bh).fill(BAR);
    });
    this.axisLabels(a, [edges[0], edges[edges.length - 1]], [0, top]);
  }

  /** Bars for labelled values (group_by). */
  bars(slot: Slot, title: string, labels: string[], values: (number | null)[]): void {
    const a = this.box(title, slot);
    const shown = values.slice(0, 40);
    const lo = Math.min(0, ...shown.map((v) => v ?? 0));
    const hi = Math.max(1e-12, ...shown.map((v) => v ?? 0));
    const zero = a.y + a.h - ((0 - lo) / (hi - lo)) * a.h;
    const bw = a.w / Math.max(1, shown.length);
    shown.forEach((v, i) => {
      if (v === null) return;
      const y = a.y + a.h - ((v - lo) / (hi - lo)) * a.h;
      this.doc.rect(a.x + i * bw + 1, Math.min(y, zero), Math.max(0.5, bw - 2), Math.abs(zero - y)).fill(BAR);
    });
    this.doc.font('Helvetica').fontSize(5).fillColor(MUTED);
    if (shown.length <= 20)
      shown.forEach((_, i) =>
        this.doc.text(labels[i], a.x + i * bw, a.y + a.h + 10, {
          width: bw,
          align: 'center',
          ellipsis: true,
          lineBreak: false,
          height: 8,
        }),
      );
    this.axisLabels(a, null, [lo, hi]);
  }

  /** Points (optionally coloured by group) with an optional polyline drawn over them (e.g. a fit or ROC curve). */
  xy(
    slot: Slot,
    title: string,
    x: number[],
    y: number[],
    opts: { group?: number[]; line?: { x: number[]; y: number[] }; diagonal?: boolean; points?: boolean } = {},
  ): void {
    const a = this.box(title, slot);
    const xs = [...x, ...(opts.line?.x ?? [])];
    const ys = [...y, ...(opts.line?.y ?? [])];
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const px = (v: number) => a.x + ((v - x0) / (x1 - x0 || 1)) * a.w;
    const py = (v: number) => a.y + a.h - ((v - y0) / (y1 - y0 || 1)) * a.h;
    if (opts.diagonal)
      this.doc
        .lineWidth(0.5)
        .strokeColor('#aaaaaa')
        .dash(3, { space: 3 })
        .moveTo(px(x0), py(y0))
        .lineTo(px(x1), py(y1))
        .stroke()
        .undash();
    if (opts.points !== false) {
      x.forEach((v, i) => this.doc.circle(px(v), py(y[i]), 1.4).fill(PALETTE[(opts.group?.[i] ?? 0) % PALETTE.length]));
    }
    const line = opts.line ?? (opts.points === false ? { x, y } : undefined);
    if (line && line.x.length > 1) {
      this.doc.lineWidth(1.2).strokeColor('#c23b3b').moveTo(px(line.x[0]), py(line.y[0]));
      for (let i = 1; i < line.x.length; i++) this.doc.lineTo(px(line.x[i]), py(line.y[i]));
      this.doc.stroke();
    }
    this.axisLabels(a, [x0, x1], [y0, y1]);
  }

  /** A correlation heat map: blue for -1, white for 0, red for +1. */
  heatmap(title: string, labels: string[], values: (number | null)[][]): void {
    const n = labels.length;
    const size = Math.min(this.width - 120, 16 * n + 10);
    this.need(size + 40);
    this.doc.font('Helvetica-Bold').fontSize(9).fillColor(INK).text(title, this.left, this.y);
    const top = this.y + 16;
    const cell = size / Math.max(1, n);
    const x0 = this.left + 110;
    values.forEach((row, i) => {
      this.doc
        .font('Helvetica')
        .fontSize(Math.min(7, cell * 0.6))
        .fillColor(INK)
        .text(labels[i], this.left, top + i * cell + cell / 2 - 3, {
          width: 106,
          align: 'right',
          ellipsis: true,
          lineBreak: false,
          height: 9,
        });
      row.forEach((v, j) => {
        const t = v ?? 0;
        const c = Math.round(255 - 200 * Math.min(1, Math.abs(t)));
        const color: string | [number, number, number] = v === null ? '#dddddd' : t >= 0 ? [255, c, c] : [c, c, 255];
        this.doc.rect(x0 + j * cell, top + i * cell, cell, cell).fill(color);
        if (cell >= 18)
          this.doc
            .fillColor(INK)
            .fontSize(6)
            .text(fmt(v === null ? null : Number(v.toFixed(2))), x0 + j * cell, top + i * cell + cell / 2 - 3, {
              width: cell,
              align: 'center',
            });
      });
    });
    this.y = top + size + 10;
  }
}
