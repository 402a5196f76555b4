// A CSV file as the data owner hands it over: any of UTF-8 (with or without a BOM), UTF-16 or Windows-1252, lines ending in
// CRLF, LF or a mix. DuckDB reads UTF-8 with one kind of line ending; a file that is not that is transcoded once to a
// UTF-8 copy with LF line endings in the runner's cache (kept per version of the file, redone when the file changes).
import { createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Encodings the owner may name; aliases map to the name Node's TextDecoder knows. */
export const ENCODINGS = ['utf-8', 'utf-16', 'utf-16le', 'utf-16be', 'latin-1', 'windows-1252', 'iso-8859-1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const DECODER: Record<Encoding, string> = {
  'utf-8': 'utf-8',
  'utf-16': 'utf-16le', // without a BOM, little-endian (what Windows writes)
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  // Files called Latin-1 are nearly always Windows-1252 (€, curly quotes in 0x80–0x9F); it reads ISO-8859-1 text the same.
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
};

// Windows-1252's characters at 0x80–0x9F (the rest of the code page is ISO-8859-1, i.e. the byte's own code point);
// the five unassigned bytes keep their code point, as browsers decode them. Node's TextDecoder('windows-1252') does not
// map these in every Node version, so the runner does.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decode(buf: Buffer, decoder: string): string {
  if (decoder === 'windows-1252')
    return buf.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
  return new TextDecoder(decoder, { fatal: decoder === 'utf-8' }).decode(buf);
}

/** Files up to this size are inspected (and transcoded when needed); larger ones go to DuckDB as they are. */
export const PREPARE_MAX_BYTES = 512 * 1024 * 1024;

export interface Prepared {
  path: string; // what DuckDB reads: the file itself, or its UTF-8 copy
  encoding: string; // as found or as set: utf-8, utf-8 (BOM), utf-16le, utf-16be, windows-1252
  lineEndings: string; // LF, CRLF, CR, mixed (…), or none
  converted: boolean; // path is a transcoded copy
  warnings: string[];
}

/**
 * Line endings of a text, or of UTF-8 / single-byte bytes (counted without decoding them). Newlines inside double-quoted
 * fields are not line endings: Excel writes CRLF rows with LF inside multi-line cells, which DuckDB reads as they are.
 */
function lineEndingsOf(text: string | Buffer, quotes = true): { label: string; mixed: boolean } {
  let crlf = 0;
  let lf = 0;
  let cr = 0;
  let quoted = false;
  const n = text.length;
  const code = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i];
  for (let i = 0; i < n; i++) {
    const c = code(i);
    if (c === 34 && quotes)
      quoted = !quoted; // a doubled quote toggles twice
    else if (quoted) continue;
    else if (c === 13) {
      if (code(i + 1) === 10) {
        crlf++;
        i++;
      } else cr++;
    } else if (c === 10) lf++;
  }
  if (quoted) return lineEndingsOf(text, false); // an unbalanced quote (5" for inches): every newline counts
  const kinds = [crlf && `${crlf} CRLF`, lf && `${lf} LF`, cr && `${cr} CR`].filter(Boolean) as string[];
  if (kinds.length > 1) return { label: `mixed (${kinds.join(', ')})`, mixed: true };
  if (crlf) return { label: 'CRLF', mixed: false };
  if (cr) return { label: 'CR', mixed: true }; // old Mac files: DuckDB wants \n or \r\n, so they are rewritten too
  return { label: lf ? 'LF' : 'none', mixed: false };
}

/** The encoding of the bytes: the owner's, a BOM's, UTF-8 when they are valid UTF-8, otherwise Windows-1252. */
function detect(
  buf: Buffer,
  set: Encoding | undefined,
): { decoder: string; label: string; bom: number; guessed: boolean } {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
    return { decoder: 'utf-8', label: 'utf-8 (BOM)', bom: 3, guessed: false };
  if (buf[0] === 0xff && buf[1] === 0xfe)
    return { decoder: 'utf-16le', label: 'utf-16le (BOM)', bom: 2, guessed: false };
  if (buf[0] === 0xfe && buf[1] === 0xff)
    return { decoder: 'utf-16be', label: 'utf-16be (BOM)', bom: 2, guessed: false };
  if (set) return { decoder: DECODER[set], label: DECODER[set], bom: 0, guessed: false };
  if (isUtf8(buf)) return { decoder: 'utf-8', label: 'utf-8', bom: 0, guessed: false };
  // UTF-16 without a BOM: ASCII text has a zero in every other byte.
  const sample = buf.subarray(0, 4096);
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 ? oddZero++ : evenZero++;
  if (oddZero > sample.length / 4 && evenZero === 0)
    return { decoder: 'utf-16le', label: 'utf-16le', bom: 0, guessed: true };
  if (evenZero > sample.length / 4 && oddZero === 0)
    return { decoder: 'utf-16be', label: 'utf-16be', bom: 0, guessed: true };
  return { decoder: 'windows-1252', label: 'windows-1252', bom: 0, guessed: true };
}

/** The first line of `buf` holding a byte that is not valid UTF-8 (1-based), for the warning. */
function firstBadLine(buf: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 10) {
      if (!isUtf8(buf.subarray(start, i))) return line;
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** Plain UTF-8 file with one kind of line ending, compressed file, or too big to inspect: read as it is. */
const asIs = (path: string, encoding = 'utf-8', lineEndings = 'not inspected'): Prepared => ({
  path,
  encoding,
  lineEndings,
  converted: false,
  warnings: [],
});

/**
 * What DuckDB should read for the CSV at `path`: the file, or its UTF-8 LF copy in `cacheDir` when the file has a BOM
 * other than UTF-8's, another encoding, or mixed line endings.
 */
export function prepareCsv(path: string, cacheDir: string, encoding?: Encoding): Prepared {
  const st = statSync(path, { bigint: true });
  if (/\.(gz|zst)$/i.test(path) || Number(st.size) > PREPARE_MAX_BYTES) return asIs(path, encoding ?? 'utf-8');
  const buf = readFileSync(path);
  const enc = detect(buf, encoding);
  const warnings: string[] = [];
  if (enc.guessed)
    warnings.push(
      `not valid UTF-8 (first at line ${firstBadLine(buf)}): read as ${enc.label}; set encoding if that is wrong`,
    );
  const notText = (line: number) =>
    new Error(
      `line ${line} holds a NUL byte: this is not a text file in ${enc.label}${enc.decoder.startsWith('utf-16') ? '' : ' (if it is UTF-16 without a BOM, set encoding: utf-16)'}`,
    );
  if (enc.decoder === 'utf-8') {
    // Valid UTF-8 is looked at as bytes: decoded (and copied) only when its line endings are mixed.
    if (!isUtf8(buf.subarray(enc.bom)))
      throw new Error(
        `encoding ${encoding}: the file is not valid ${enc.label} (first bad byte at line ${firstBadLine(buf)}); try encoding: windows-1252`,
      );
    const nul = buf.indexOf(0);
    if (nul !== -1) throw notText(buf.subarray(0, nul).toString('latin1').split('\n').length);
    const ends = lineEndingsOf(buf);
    if (!ends.mixed) return { ...asIs(path, enc.label, ends.label), warnings }; // DuckDB skips a UTF-8 BOM itself
  }
  const text = decode(buf.subarray(enc.bom), enc.decoder);
  const nul = text.indexOf('\0');
  if (nul !== -1) throw notText(text.slice(0, nul).split('\n').length);
  const ends = lineEndingsOf(text);
  if (ends.mixed) warnings.push(`line endings ${ends.label}: read as one kind`);

  const home = join(cacheDir, 'csv', createHash('sha256').update(path).digest('hex').slice(0, 24));
  const version = `${st.size}-${st.mtimeNs}-${enc.decoder}`;
  const out = join(home, `${version}.csv`);
  const prepared: Prepared = { path: out, encoding: enc.label, lineEndings: ends.label, converted: true, warnings };
  try {
    if (statSync(out).isFile()) return prepared;
  } catch {
    // not converted yet
  }
  mkdirSync(home, { recursive: true });
  const tmp = `${out}.tmp-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text.replace(/\r\n?/g, '\n'));
  renameSync(tmp, out);
  for (const old of readdirSync(home))
    if (join(home, old) !== out && !old.includes('.tmp-')) rmSync(join(home, old), { force: true });
  return prepared;
}
