// SPSS system files (.sav, read with sav-reader): a labelled numeric variable is offered as its labels, with the codes
// beside it as `<variable>_code`; the file's missing-value codes and the system-missing value read as null; date formats
// as dates. Converted once to Parquet in the runner's cache (converted-source.ts), again when the file changes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBAppender } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBTimestampValue } from '@duckdb/node-api';
import type { FileDatasetConfig } from '../dataset-config.ts';
import { type Conversion, openConvertedDataset } from './converted-source.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { quoteIdent } from './sql.ts';

/** The parts of sav-reader's API used here (the package ships CommonJS without an import condition). */
interface SysVar {
  name: string;
  type: number; // 0 numeric, 1 string
  label: string | null;
  missing: number | number[] | { min: number; max: number; value?: number } | null;
  printFormat: { type: number; nbdec: number };
}
interface SavReaderLike {
  open(): Promise<void>;
  readNextRow(includeNulls?: boolean): Promise<Record<string, number | string | null> | null>;
  meta: {
    header: { encoding?: string; n_cases?: number };
    sysvars: SysVar[];
    getValueLabels(name: string): { val: number; label: string }[] | null;
  };
}
// The buffer reader: the file reader's stream misses the end of small files. A .sav file is read whole once per version.
const { SavBufferReader } = createRequire(import.meta.url)('sav-reader') as {
  SavBufferReader: new (bytes: Buffer) => SavReaderLike;
};

// SPSS print formats holding a date (seconds since 1582-10-14): DATE, ADATE, JDATE, MOYR, QYR, WKYR, EDATE, SDATE; and DATETIME.
const DATE_FORMATS = new Set([20, 23, 24, 28, 29, 30, 38, 39]);
const DATETIME_FORMAT = 22;
const SPSS_EPOCH_S = 12_219_379_200; // seconds from 1582-10-14 to 1970-01-01
const SYSMIS = -Number.MAX_VALUE;

type Out = {
  name: string;
  type: 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'DATE' | 'TIMESTAMP';
  value: (row: Record<string, unknown>) => number | string | null;
};

/** Whether `x` is one of the variable's missing-value codes (discrete values, a range, or a range and a value). */
function missingTest(m: SysVar['missing']): (x: number) => boolean {
  if (m === null || m === undefined) return () => false;
  if (typeof m === 'number') return (x) => x === m;
  if (Array.isArray(m)) return (x) => m.includes(x);
  return (x) => (x >= m.min && x <= m.max) || x === m.value;
}

function append(ap: DuckDBAppender, type: Out['type'], v: number | string | null): void {
  if (v === null) return ap.appendNull();
  switch (type) {
    case 'BIGINT':
      return ap.appendBigInt(BigInt(v as number));
    case 'DOUBLE':
      return ap.appendDouble(v as number);
    case 'VARCHAR':
      return ap.appendVarchar(String(v));
    case 'DATE':
      return ap.appendDate(new DuckDBDateValue(Math.floor(((v as number) - SPSS_EPOCH_S) / 86_400)));
    case 'TIMESTAMP':
      return ap.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(((v as number) - SPSS_EPOCH_S) * 1e6))));
  }
}

const savConversion: Conversion = {
  kind: 'sav',
  async convert(path, create) {
    const sav = new SavBufferReader(readFileSync(path));
    await sav.open();
    const vars = sav.meta.sysvars;
    const rows: Record<string, number | string | null>[] = [];
    for (let r = await sav.readNextRow(true); r; r = await sav.readNextRow(true)) rows.push(r);
    const warnings: string[] = [];
    const outs: Out[] = [];
    const names = new Set(vars.map((v) => v.name));
    let labelled = 0;
    for (const v of vars) {
      if (v.type !== 0) {
        outs.push({
          name: v.name,
          type: 'VARCHAR',
          value: (row) => (typeof row[v.name] === 'string' && row[v.name] !== '' ? (row[v.name] as string) : null),
        });
        continue;
      }
      const isMissing = missingTest(v.missing);
      let coded = 0;
      const num = (row: Record<string, unknown>): number | null => {
        const x = row[v.name];
        if (typeof x !== 'number' || x === SYSMIS || Number.isNaN(x)) return null;
        return isMissing(x) ? null : x;
      };
      for (const row of rows) if (typeof row[v.name] === 'number' && isMissing(row[v.name] as number)) coded++;
      if (coded)
        warnings.push(`${v.name}: ${coded} value${coded === 1 ? '' : 's'} with a missing-value code read as null`);
      const fmt = v.printFormat.type;
      if (DATE_FORMATS.has(fmt) || fmt === DATETIME_FORMAT) {
        outs.push({ name: v.name, type: fmt === DATETIME_FORMAT ? 'TIMESTAMP' : 'DATE', value: num });
        continue;
      }
      const whole = rows.every((row) => {
        const x = num(row);
        return x === null || Number.isSafeInteger(x);
      });
      const numType = whole ? 'BIGINT' : 'DOUBLE';
      const labels = sav.meta.getValueLabels(v.name);
      if (labels?.length) {
        labelled++;
        const byCode = new Map(labels.map((l) => [l.val, l.label]));
        let codeName = `${v.name}_code`;
        for (let n = 1; names.has(codeName); n++) codeName = `${v.name}_code_${n}`;
        names.add(codeName);
        // A code without a label is shown as the code itself.
        outs.push({
          name: v.name,
          type: 'VARCHAR',
          value: (row) => {
            const x = num(row);
            return x === null ? null : (byCode.get(x) ?? String(x));
          },
        });
        outs.push({ name: codeName, type: numType, value: num });
      } else outs.push({ name: v.name, type: numType, value: num });
    }
    const ap = await create(outs.map((o) => `${quoteIdent(o.name)} ${o.type}`).join(', '));
    for (const row of rows) {
      for (const o of outs) append(ap, o.type, o.value(row));
      ap.endRow();
    }
    const enc = sav.meta.header.encoding ? `, encoding ${sav.meta.header.encoding}` : '';
    return {
      rows: rows.length,
      dialect: `SPSS file, ${vars.length} variable${vars.length === 1 ? '' : 's'} (${labelled} with value labels: labels as the column, codes as <name>_code)${enc}`,
      warnings,
    };
  },
};

export async function openSavDataset(d: FileDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  return openConvertedDataset(d, env, savConversion);
}
