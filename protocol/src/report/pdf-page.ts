// PDF layout without a PDF library: a page cursor, headings, paragraphs and tables drawn on a `PdfSink` (the subset of
// pdfkit's document that reports use, so the runner and the hub draw the same report with their own pdfkit).
import type { Cell } from '../ops.ts';
import { formatCell, formatPValue, isPValueLabel } from './format.ts';

export interface PdfTextOptions {
  width?: number;
  height?: number;
  align?: 'left' | 'right' | 'center';
  ellipsis?: boolean;
  lineBreak?: boolean;
}

export type PdfColor = string | [number, number, number];

/** What a report draws with; pdfkit's PDFDocument is one. */
export interface PdfSink {
  page: { width: number; height: number; margins: { top: number; bottom: number; left: number; right: number } };
  y: number;
  addPage(): unknown;
  font(name: string): unknown;
  fontSize(size: number): unknown;
  fillColor(color: PdfColor): unknown;
  strokeColor(color: PdfColor): unknown;
  lineWidth(w: number): unknown;
  text(text: string, x: number, y: number, options?: PdfTextOptions): unknown;
  heightOfString(text: string, options?: PdfTextOptions): number;
  widthOfString(text: string): number;
  moveTo(x: number, y: number): unknown;
  lineTo(x: number, y: number): unknown;
  stroke(): unknown;
  rect(x: number, y: number, w: number, h: number): unknown;
  fill(color?: PdfColor): unknown;
  circle(x: number, y: number, r: number): unknown;
  dash(length: number, options: { space: number }): unknown;
  undash(): unknown;
  save(): unknown;
  restore(): unknown;
  rotate(angle: number, options: { origin: [number, number] }): unknown;
}

export const INK = '#222222';
export const MUTED = '#666666';

/** A page cursor that starts a new page when a block does not fit. */
export class Page {
  readonly left: number;
  readonly width: number;
  y: number;

  constructor(readonly doc: PdfSink) {
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

  /** Sets font, size and colour in one call. */
  pen(font: 'Helvetica' | 'Helvetica-Bold', size: number, color: PdfColor = INK): void {
    this.doc.font(font);
    this.doc.fontSize(size);
    this.doc.fillColor(color);
  }

  heading(text: string, size = 13): void {
    this.need(size + 28);
    this.y += 8;
    this.pen('Helvetica-Bold', size);
    const h = this.doc.heightOfString(text, { width: this.width });
    this.doc.text(text, this.left, this.y, { width: this.width });
    this.y += h + 4;
  }

  para(text: string, size = 9, color: PdfColor = INK): void {
    this.pen('Helvetica', size, color);
    const h = this.doc.heightOfString(text, { width: this.width });
    this.need(h + 2);
    this.doc.text(text, this.left, this.y, { width: this.width });
    this.y += h + 2;
  }

  /** Column widths from the text they hold: a smaller font when the table is too wide, long cells cut last. */
  private layout(columns: string[], cells: string[][]): { size: number; widths: number[] } {
    const natural = (size: number) => {
      this.pen('Helvetica-Bold', size);
      const heads = columns.map((c) => this.doc.widthOfString(c) + 5);
      this.pen('Helvetica', size);
      return heads.map((h, i) =>
        Math.max(h, ...cells.slice(0, 60).map((r) => Math.min(this.width / 2, this.doc.widthOfString(r[i] ?? '') + 5))),
      );
    };
    let size = 8;
    let widths = natural(size);
    while (size > 5 && widths.reduce((s, w) => s + w, 0) > this.width) widths = natural(--size);
    const total = widths.reduce((s, w) => s + w, 0);
    const scale = this.width / total;
    return { size, widths: total > this.width ? widths.map((w) => w * scale) : widths };
  }

  /** A grid table, numbers formatted for people; at most `maxRows` rows, then a line saying how many more. */
  table(columns: string[], rows: Cell[][], maxRows = 200): void {
    // p-values by column (coefficients) or by row (a metric named "p-value (F)"), as "<0.0001" when tiny.
    const pColumns = columns.map(isPValueLabel);
    const text = (v: Cell, i: number, row: Cell[]) =>
      typeof v === 'number' && (pColumns[i] || (i > 0 && isPValueLabel(row[0]))) ? formatPValue(v) : formatCell(v);
    const cells = rows.slice(0, maxRows).map((r) => r.map((v, i) => text(v, i, r)));
    const { size, widths } = this.layout(columns, cells);
    const rowH = size + 5;
    const right = this.left + widths.reduce((s, w) => s + w, 0);
    const row = (texts: string[], bold: boolean) => {
      this.need(rowH);
      this.pen(bold ? 'Helvetica-Bold' : 'Helvetica', size);
      let x = this.left;
      texts.forEach((c, i) => {
        this.doc.text(c, x + 2, this.y + 2, { width: widths[i] - 3, height: rowH, ellipsis: true, lineBreak: false });
        x += widths[i];
      });
      this.y += rowH;
      this.doc.lineWidth(0.3);
      this.doc.strokeColor('#bbbbbb');
      this.doc.moveTo(this.left, this.y);
      this.doc.lineTo(right, this.y);
      this.doc.stroke();
    };
    row(columns, true);
    for (const r of cells) row(r, false);
    if (rows.length > maxRows)
      this.para(`… ${(rows.length - maxRows).toLocaleString('en-US')} more rows not shown`, 8, MUTED);
    this.y += 6;
  }
}
