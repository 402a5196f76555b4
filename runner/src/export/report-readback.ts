// Test helpers: an exported workbook's sheets as arrays of rows (exceljs), a PDF's text page by page (unpdf).
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { extractText, getDocumentProxy } from 'unpdf';

export type Sheets = Map<string, unknown[][]>;

export async function readSheets(path: string): Promise<Sheets> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const sheets: Sheets = new Map();
  book.eachSheet((s) => {
    const rows: unknown[][] = [];
    s.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    sheets.set(s.name, rows);
  });
  return sheets;
}

/** The text of each page, in reading order. */
export async function pdfPages(path: string): Promise<string[]> {
  const pdf = await getDocumentProxy(new Uint8Array(readFileSync(path)));
  const { text } = await extractText(pdf, { mergePages: false });
  return text;
}
