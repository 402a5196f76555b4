// Results as reports: labels and number formats, the sections of each result, CSV text and PDF layout (pure: no I/O).
export * from './format.ts';
export * from './disclosure-note.ts';
export * from './document.ts';
export * from './analysis-doc.ts';
export * from './study-doc.ts';
export * from './csv.ts';
export * from './pdf-page.ts';
export * from './pdf-charts.ts';
export * from './pdf-report.ts';
export * from './xlsx-sheets.ts';
export * from './filter-text.ts';
