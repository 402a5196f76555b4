// Working out how to read one CSV file, the way pandas or R would open it: DuckDB's sniffer first, then fallbacks for
// ragged rows (missing trailing fields read as null) and non-strict quoting, a decimal comma when it is unambiguous, and
// checks that turn a quietly wrong schema (a header of 3 fields read as 1 column) into a warning or an error.
import { readFileSync, statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import type { FileDatasetConfig } from '../dataset-config.ts';
import { errorMessage } from '../errors.ts';
import { quoteIdent, sqlString } from './sql.ts';

const SniffRow = z.object({
  Delimiter: z.string(),
  Quote: z.string(),
  Escape: z.string(),
  Comment: z.string(),
  HasHeader: z.boolean(),
  SkipRows: z.number().int().min(0),
  Columns: z.array(z.object({ name: z.string(), type: z.string() })).min(1),
  DateFormat: z.string().nullable(),
  TimestampFormat: z.string().nullable(),
});
type Sniffed = z.infer<typeof SniffRow>;

// Type names DuckDB's sniffer reports (e.g. DOUBLE, DECIMAL(18,3), TIMESTAMP WITH TIME ZONE); anything else is not pinned.
const TYPE_NAME = /^[A-Z][A-Z0-9_ ]*(\(\d+(,\s*\d+)?\))?$/;
const DELIMS = /[,;\t|]/;
const SCAN_MAX_BYTES = 64 * 1024 * 1024;
const unset = (s: string) => (s === '(empty)' || s === '\0' || s.includes('\u0000') ? '' : s);

export interface CsvPlan {
  /** The pinned read_csv call for the (prepared) file at `path`. */
  sql(path: string): string;
  columns: { name: string; type: string }[];
  dialect: string; // for `simpul-runner check`: delimiter, quote, header, …
  warnings: string[];
}

/** The owner's options that DuckDB's sniffer takes as given. */
export function ownerOptions(d: FileDatasetConfig): string[] {
  const opts: string[] = [];
  const delim = d.delimiter ?? (d.format === 'tsv' ? '\t' : undefined);
  if (delim !== undefined) opts.push(`delim = ${sqlString(delim)}`);
  if (d.header !== undefined) opts.push(`header = ${d.header ? 'true' : 'false'}`);
  if (d.quote !== undefined) opts.push(`quote = ${sqlString(d.quote)}`);
  if (d.escape !== undefined) opts.push(`escape = ${sqlString(d.escape)}`);
  if (d.comment !== undefined) opts.push(`comment = ${sqlString(d.comment)}`);
  if (d.skip_rows !== undefined) opts.push(`skip = ${d.skip_rows}`);
  return [...opts, ...valueOptions(d)];
}

/** Options that say how values read (not found by sniffing). */
export function valueOptions(
  d: Pick<FileDatasetConfig, 'decimal_separator' | 'thousands_separator' | 'null_values'>,
): string[] {
  const opts: string[] = [];
  if (d.decimal_separator !== undefined) opts.push(`decimal_separator = ${sqlString(d.decimal_separator)}`);
  if (d.thousands_separator !== undefined) opts.push(`thousands = ${sqlString(d.thousands_separator)}`);
  if (d.null_values !== undefined) opts.push(`nullstr = [${d.null_values.map(sqlString).join(', ')}]`);
  return opts;
}

/** Records of a CSV text split as DuckDB would with this dialect: the header's fields, and rows with fewer or more fields than it. */
export function scanRecords(
  text: string,
  s: { delim: string; quote: string; escape: string; comment: string; skip: number },
): { first: string[]; short: number; shortLines: number[]; long: number; longLines: number[] } {
  let i = 0;
  let line = 1;
  for (let k = 0; k < s.skip && i < text.length; k++) {
    const n = text.indexOf('\n', i);
    i = n === -1 ? text.length : n + 1;
    line++;
  }
  let first: string[] | null = null;
  let short = 0;
  const shortLines: number[] = [];
  let long = 0;
  const longLines: number[] = [];
  while (i < text.length) {
    const startLine = line;
    if (s.comment && text.startsWith(s.comment, i)) {
      const n = text.indexOf('\n', i);
      i = n === -1 ? text.length : n + 1;
      line++;
      continue;
    }
    const fields: string[] = [];
    const keep = first === null; // only the header's texts are needed; later records are counted
    const from = i;
    let field = '';
    let inQuote = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (inQuote) {
        if (
          s.escape &&
          s.escape !== s.quote &&
          ch === s.escape &&
          (text[i + 1] === s.quote || text[i + 1] === s.escape)
        ) {
          if (keep) field += text[i + 1];
          i++;
        } else if (ch === s.quote) {
          if (s.escape === s.quote && text[i + 1] === s.quote) {
            if (keep) field += s.quote;
            i++;
          } else inQuote = false;
        } else {
          if (ch === '\n') line++;
          if (keep) field += ch;
        }
      } else if (s.quote && ch === s.quote) inQuote = true;
      else if (text.startsWith(s.delim, i)) {
        fields.push(field);
        field = '';
        i += s.delim.length - 1;
      } else if (ch === '\n') break;
      else if (ch !== '\r' && keep) field += ch;
    }
    fields.push(field);
    const empty = fields.length === 1 && /^\r?$/.test(text.slice(from, i)); // an empty line
    i++;
    line++;
    if (empty) continue;
    if (!first) first = fields;
    else if (fields.length < first.length) {
      short++;
      if (shortLines.length < 5) shortLines.push(startLine);
    } else if (fields.length > first.length) {
      long++;
      if (longLines.length < 5) longLines.push(startLine);
    }
  }
  return { first: first ?? [], short, shortLines, long, longLines };
}

interface Attempt {
  label: string;
  extra: string[]; // sniff options besides the owner's
  read: string[]; // read options besides the pinned ones
}

const ATTEMPTS: Attempt[] = [
  { label: 'auto-detection', extra: [], read: [] },
  // Rows missing trailing fields: pad them with nulls (a serial read: the parallel one cannot pad rows with quoted newlines).
  {
    label: 'null_padding (short rows)',
    extra: ['null_padding = true'],
    read: ['null_padding = true', 'parallel = false'],
  },
  {
    label: 'null_padding and strict_mode = false (loose quoting)',
    extra: ['null_padding = true', 'strict_mode = false'],
    read: ['null_padding = true', 'parallel = false', 'strict_mode = false'],
  },
];

async function sniff(conn: DuckDBConnection, path: string, opts: string[]): Promise<Sniffed> {
  const r = await conn.runAndReadAll(`SELECT * FROM sniff_csv(${[sqlString(path), ...opts].join(', ')})`);
  return SniffRow.parse(r.getRowObjectsJson()[0]);
}

const show = (c: string) => (c === '\t' ? '\\t' : c === '' ? 'none' : c);

/** Columns holding numbers with a decimal comma (and maybe '.' thousands): 1,5 or 1.234,5. */
async function decimalCommaColumns(
  conn: DuckDBConnection,
  source: string,
  cols: { name: string; type: string }[],
): Promise<{ names: string[]; thousands: boolean; nearly: [string, number][] }> {
  const text = cols.filter((c) => c.type === 'VARCHAR');
  if (!text.length) return { names: [], thousands: false, nearly: [] };
  const parts = text.flatMap((c) => {
    const q = quoteIdent(c.name);
    return [
      `count(${q}) FILTER (WHERE NOT regexp_full_match(trim(${q}), '-?([0-9]+|[0-9]{1,3}(\\.[0-9]{3})+)(,[0-9]+)?'))`,
      `count(${q}) FILTER (WHERE ${q} LIKE '%,%')`,
      `count(${q}) FILTER (WHERE regexp_full_match(trim(${q}), '-?[0-9]{1,3}(\\.[0-9]{3})+(,[0-9]+)?'))`,
      `count(${q})`,
    ];
  });
  const row = (await conn.runAndReadAll(`SELECT ${parts.join(', ')} FROM (SELECT * FROM ${source} LIMIT 20000)`))
    .getRows()[0]
    .map(Number);
  const names: string[] = [];
  const nearly: [string, number][] = []; // mostly decimal-comma numbers, with a few other texts (NA, -, n/a)
  let thousands = false;
  text.forEach((c, k) => {
    const [bad, comma, dotted, all] = row.slice(k * 4, k * 4 + 4);
    if (bad === 0 && comma > 0) {
      names.push(c.name);
      if (dotted > 0) thousands = true;
    } else if (comma > 0 && bad > 0 && bad <= all / 5) nearly.push([c.name, bad]);
  });
  return { names, thousands, nearly };
}

/**
 * Sniffs the file at `path` (already UTF-8, one kind of line ending) with the owner's options, falling back to padding
 * short rows and to loose quoting. Fails with what was tried and which option to set when no attempt gives a schema that
 * matches the header.
 */
export async function planCsv(conn: DuckDBConnection, d: FileDatasetConfig, path: string): Promise<CsvPlan> {
  const owner = ownerOptions(d);
  const tried: string[] = [];
  // Rows are counted (short, long) and header names compared in files up to 64 MB; larger ones rely on DuckDB alone.
  const text = statSync(path).size <= SCAN_MAX_BYTES ? readFileSync(path, 'utf8') : null;
  if (text !== null && text.trim() === '')
    throw new Error('the file is empty: no header and no rows, so no columns to offer');
  let lastError = '';
  const scans = new Map<string, ReturnType<typeof scanRecords>>(); // one scan per dialect tried
  for (const attempt of ATTEMPTS) {
    let s: Sniffed;
    try {
      s = await sniff(conn, path, [...owner, ...attempt.extra]);
    } catch (e) {
      lastError = errorMessage(e);
      tried.push(`${attempt.label}: ${lastError.split('\n')[0]}`);
      continue;
    }
    if (!s.Columns.every((c) => TYPE_NAME.test(c.type)))
      throw new Error(`unexpected column types from the CSV sniffer: ${s.Columns.map((c) => c.type).join(', ')}`);
    // A file with no quote character at all sniffs as "no quote"; pin '"' then, so that a later version of the file with
    // quoted fields still reads right (nothing reads differently now).
    const noQuotes = d.quote === undefined && text !== null && !text.includes('"');
    const dialect = {
      delim: s.Delimiter,
      quote: unset(s.Quote) || (noQuotes ? '"' : ''),
      escape: unset(s.Escape),
      comment: unset(s.Comment),
      skip: s.SkipRows,
    };
    const key = JSON.stringify(dialect);
    if (text !== null && !scans.has(key)) scans.set(key, scanRecords(text, dialect));
    const scan = scans.get(key) ?? null;
    // A one-column read whose name holds a delimiter, or a header with more fields than columns: the dialect is wrong.
    const one = s.Columns.length === 1 && DELIMS.test(s.Columns[0].name) && d.delimiter === undefined;
    const headerFields = scan && s.HasHeader ? scan.first.length : 0;
    if (scan && scan.first.length === 0) {
      tried.push(`${attempt.label}: no lines left after skipping ${s.SkipRows}`);
      continue;
    }
    if (one || headerFields > s.Columns.length) {
      tried.push(
        `${attempt.label}: ${one ? `one column named "${s.Columns[0].name.slice(0, 80)}"` : `header of ${headerFields} fields but ${s.Columns.length} columns`}`,
      );
      continue;
    }
    const warnings: string[] = [];
    const explained = scan !== null && (scan.short > 0 || scan.long > 0) && attempt.extra.length > 0; // the warnings below say why
    if (attempt === ATTEMPTS[2] || (attempt !== ATTEMPTS[0] && !explained)) warnings.push(`read with ${attempt.label}`);
    if (scan && scan.short > 0 && attempt.extra.length > 0) {
      warnings.push(
        `${scan.short} row${scan.short === 1 ? '' : 's'} with fewer fields than the header (line ${scan.shortLines.join(', ')}${scan.short > scan.shortLines.length ? ', …' : ''}): missing trailing fields read as null`,
      );
    }
    if (scan && s.HasHeader && scan.long > 0 && s.Columns.length > scan.first.length) {
      const extra = s.Columns.slice(scan.first.length).map((c) => c.name);
      warnings.push(
        `${scan.long} row${scan.long === 1 ? ' has' : 's have'} more fields than the header (line ${scan.longLines.join(', ')}${scan.long > scan.longLines.length ? ', …' : ''}): the extra fields are in ${extra.join(', ')}`,
      );
    }
    if (scan && s.HasHeader) {
      const raw = scan.first.map((f) => f.trim());
      const renamed = raw
        .map((f, k) => [f, s.Columns[k]?.name] as const)
        .filter(([f, n]) => n !== undefined && f !== n);
      if (renamed.length)
        warnings.push(
          `header names made unique or filled in: ${renamed.map(([f, n]) => `${f === '' ? '(empty)' : `"${f}"`} → "${n}"`).join(', ')}`,
        );
    }
    let values = {
      decimal_separator: d.decimal_separator,
      thousands_separator: d.thousands_separator,
      null_values: d.null_values,
    };
    let columns = s.Columns;
    const pinned = (cols: { name: string; type: string }[], v: typeof values) => (p: string) => {
      const opts = [
        'auto_detect = false',
        `delim = ${sqlString(s.Delimiter)}`,
        `quote = ${sqlString(dialect.quote)}`,
        `escape = ${sqlString(dialect.escape)}`,
        ...(dialect.comment ? [`comment = ${sqlString(dialect.comment)}`] : []),
        `header = ${s.HasHeader ? 'true' : 'false'}`,
        `skip = ${s.SkipRows}`,
        `columns = {${cols.map((c) => `${sqlString(c.name)}: ${sqlString(d.columns?.[c.name] ?? c.type)}`).join(', ')}}`,
        ...valueOptions(v),
        ...attempt.read,
      ];
      if (s.DateFormat) opts.push(`dateformat = ${sqlString(s.DateFormat)}`);
      if (s.TimestampFormat) opts.push(`timestampformat = ${sqlString(s.TimestampFormat)}`);
      return `read_csv(${sqlString(p)}, ${opts.join(', ')})`;
    };
    let note = '';
    // A decimal comma is unambiguous when ',' is not the delimiter and a text column holds only numbers written with one.
    if (d.decimal_separator === undefined && s.Delimiter !== ',') {
      const found = await decimalCommaColumns(conn, pinned(columns, values)(path), columns);
      for (const [name, n] of found.nearly) {
        warnings.push(
          `${name}: numbers with a decimal comma but ${n} value${n === 1 ? ' is' : 's are'} not a number (of the first 20000 rows): read as text; set decimal_separator: "," and null_values for the texts that mean no value`,
        );
      }
      if (found.names.length) {
        values = {
          ...values,
          decimal_separator: ',',
          ...(found.thousands && d.thousands_separator === undefined ? { thousands_separator: '.' } : {}),
        };
        // Sniffed again for the types with the decimal comma, the dialect held as found.
        const held = [
          `delim = ${sqlString(s.Delimiter)}`,
          `header = ${s.HasHeader ? 'true' : 'false'}`,
          `skip = ${s.SkipRows}`,
        ];
        const again = await sniff(conn, path, [
          ...owner.filter((o) => !/^(delim|header|skip) =/.test(o)),
          ...held,
          ...attempt.extra,
          ...valueOptions(values).filter((o) => !owner.includes(o)),
        ]);
        if (again.Columns.length !== columns.length)
          throw new Error(
            `the decimal comma found in ${found.names.join(', ')} changes the columns; set decimal_separator (and delimiter)`,
          );
        columns = again.Columns;
        note = `, decimal ',' detected (${found.names.join(', ')})${values.thousands_separator === '.' && d.thousands_separator === undefined ? ", thousands '.'" : ''}`;
      }
    }
    const dialectText = `delimiter ${show(s.Delimiter)}, quote ${show(dialect.quote)}, escape ${show(dialect.escape)}, ${s.HasHeader ? 'header' : 'no header'}${s.SkipRows ? `, ${s.SkipRows} lines skipped` : ''}${dialect.comment ? `, comment ${dialect.comment}` : ''}${values.decimal_separator && !note ? `, decimal ${values.decimal_separator}` : ''}${values.thousands_separator && !note ? `, thousands ${values.thousands_separator}` : ''}${note}`;
    return { sql: pinned(columns, values), columns, dialect: dialectText, warnings };
  }
  const line = /Line: (\d+)/.exec(lastError)?.[1];
  throw new Error(
    `could not work out how to read this CSV${line ? ` (DuckDB stopped at line ${line})` : ''}; tried ${tried.join('; ')}. ` +
      'Set delimiter, quote, escape, header, skip_rows or encoding in the dataset entry.',
  );
}

/**
 * A DuckDB error from reading the pinned CSV, as a line that says where and what to set. It never quotes the line: the
 * message travels to the hub with the dataset, and rows stay here.
 */
export function readFailure(e: unknown): Error {
  const msg = errorMessage(e);
  const line = Number(/Line: (\d+)/.exec(msg)?.[1]);
  if (!line) return e instanceof Error ? e : new Error(msg);
  const what = msg.split('\n').find((l) => /Expected Number of Columns|Invalid unicode|unterminated quote/i.test(l));
  return new Error(
    `reading stopped at line ${line} of the file${what ? `: ${what.trim()}` : ''}. ` +
      'The dialect and types were worked out from the first rows; fix that line, or set delimiter, quote, escape, header, skip_rows, encoding or columns (a type per column) in the dataset entry.',
  );
}
