// A whole report on a `PdfSink`: title, what was asked, ids, runner, dataset and time, the disclosure note, then each
// section's heading, sentences, chart and table.
import { type ReportChart, type ReportDoc, summarySection } from './document.ts';
import { bars, heatmap, histogram, type Slot, xy } from './pdf-charts.ts';
import { MUTED, Page, type PdfSink } from './pdf-page.ts';

/** Lays out `count` charts of height `h` side by side on one band, then moves the cursor below them. */
function band(page: Page, h: number, count: number, draw: (slot: Slot, i: number) => void): void {
  page.need(h + 12);
  const gap = 16;
  const w = (page.width - gap * (count - 1)) / count;
  const top = page.y;
  for (let i = 0; i < count; i++) {
    page.y = top;
    draw({ x: page.left + i * (w + gap), w, h }, i);
  }
  page.y = top + h + 12;
}

function chart(page: Page, c: ReportChart): void {
  switch (c.kind) {
    case 'histograms':
      for (let i = 0; i < c.items.length && i < 12; i += 2) {
        const pair = c.items.slice(i, i + 2);
        band(page, 170, 2, (slot, j) => {
          const h = pair[j];
          if (h) histogram(page, slot, h.title, h.edges, h.counts);
        });
      }
      return;
    case 'bars':
      return band(page, 230, 1, (slot) => bars(page, slot, c));
    case 'xy':
      return band(page, c.group?.length ? 245 : 235, 1, (slot) => xy(page, slot, c));
    case 'heatmap':
      return heatmap(page, c.title, c.labels, c.values);
  }
}

/** Draws `doc` from the top of the sink's first page; the caller ends the document. */
export function drawReport(sink: PdfSink, doc: ReportDoc): void {
  const page = new Page(sink);
  page.heading(doc.meta.title, 18);
  page.para(doc.meta.description, 10);
  page.table(
    ['Field', 'Value'],
    summarySection(doc).table.rows.filter((r) => r[0] !== 'Title' && r[0] !== 'Description' && r[0] !== 'Note'),
  );
  for (const n of doc.notes) page.para(n, 8, '#a05a00');
  for (const s of doc.sections) {
    page.heading(s.title);
    for (const t of s.text ?? []) page.para(t, 9);
    if (s.chart) chart(page, s.chart);
    page.table(s.table.columns, s.table.rows);
  }
  page.para('Made by Simpul. Numbers that the data owner\'s release rules withheld show as "—".', 7, MUTED);
}
