// Test support: SPSS system files built byte by byte from the published layout of the format (header record, variable
// records, value labels, long variable names, dictionary end, then the cases, uncompressed or bytecode-compressed).
export const SYSMIS = -Number.MAX_VALUE;
const SPSS_EPOCH_S = 12_219_379_200; // 1582-10-14 → 1970-01-01
export const spssDate = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000 + SPSS_EPOCH_S;

export interface SavVar {
  name: string; // up to 8 characters
  width: number; // 0 numeric, 1–8 string
  format: [type: number, width: number, decimals: number]; // F = 5, A = 1, DATE = 20
  label?: string;
  missing?: number[]; // discrete missing-value codes (up to 3)
  valueLabels?: [number, string][];
}

/** A little-endian byte writer. */
class Bytes {
  private parts: Buffer[] = [];
  int(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.parts.push(b);
  }
  double(x: number) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    this.parts.push(b);
  }
  text(s: string, len: number, pad = ' ') {
    this.parts.push(Buffer.from(s.padEnd(len, pad).slice(0, len), 'latin1'));
  }
  raw(b: Buffer) {
    this.parts.push(b);
  }
  done() {
    return Buffer.concat(this.parts);
  }
}

/**
 * A .sav file of `vars` and `cases` (numbers, strings, or SYSMIS); `compressed`: cases in the bytecode compression SPSS
 * writes by default (8 command bytes, then the 8-byte values they call for; 1–251 a whole number plus the bias of 100,
 * 253 a raw value, 254 a string of spaces, 255 system-missing).
 */
export function savFile(vars: SavVar[], cases: (number | string)[][], compressed = false): Buffer {
  const w = new Bytes();
  // File header record: 176 bytes.
  w.text('$FL2', 4);
  w.text('@(#) SPSS DATA FILE simpul test fixture', 60);
  w.int(2); // layout code
  w.int(vars.length); // nominal case size: one 8-byte slot per variable (strings up to 8 bytes)
  w.int(compressed ? 1 : 0);
  w.int(0); // no weight variable
  w.int(cases.length);
  w.double(100); // compression bias
  w.text('01 Jan 24', 9);
  w.text('10:00:00', 8);
  w.text('', 64);
  w.raw(Buffer.alloc(3));
  // Variable records.
  for (const v of vars) {
    w.int(2);
    w.int(v.width);
    w.int(v.label ? 1 : 0);
    w.int(v.missing?.length ?? 0);
    const fmt = (v.format[0] << 16) | (v.format[1] << 8) | v.format[2];
    w.int(fmt); // print format
    w.int(fmt); // write format
    w.text(v.name.toUpperCase(), 8);
    if (v.label) {
      w.int(v.label.length);
      w.text(v.label, Math.ceil(v.label.length / 4) * 4);
    }
    for (const m of v.missing ?? []) w.double(m);
  }
  // Value label records, each followed by the variables (1-based slot indexes) it applies to.
  vars.forEach((v, k) => {
    if (!v.valueLabels) return;
    w.int(3);
    w.int(v.valueLabels.length);
    for (const [value, label] of v.valueLabels) {
      w.double(value);
      const b = Buffer.alloc(Math.ceil((label.length + 1) / 8) * 8, 0x20);
      b[0] = label.length;
      b.write(label, 1, 'latin1');
      w.raw(b);
    }
    w.int(4);
    w.int(1);
    w.int(k + 1);
  });
  // Long variable names (record 7, subtype 13): the short upper-case names mapped to the names as written.
  const longNames = vars.map((v) => `${v.name.toUpperCase()}=${v.name}`).join('\t');
  w.int(7);
  w.int(13);
  w.int(1);
  w.int(longNames.length);
  w.text(longNames, longNames.length);
  // Dictionary termination, then the cases.
  w.int(999);
  w.int(0);
  if (!compressed) {
    for (const c of cases) c.forEach((x, k) => (vars[k].width ? w.text(String(x), 8) : w.double(x as number)));
    return w.done();
  }
  let codes: number[] = [];
  let data = new Bytes();
  const flush = () => {
    w.raw(Buffer.from([...codes, ...Array(8 - codes.length).fill(0)]));
    w.raw(data.done());
    codes = [];
    data = new Bytes();
  };
  for (const c of cases) {
    c.forEach((x, k) => {
      if (vars[k].width) {
        if (String(x).trim() === '') codes.push(254);
        else {
          codes.push(253);
          data.text(String(x), 8);
        }
      } else if (x === SYSMIS) codes.push(255);
      else if (Number.isInteger(x) && (x as number) >= -99 && (x as number) <= 151) codes.push((x as number) + 100);
      else {
        codes.push(253);
        data.double(x as number);
      }
      if (codes.length === 8) flush();
    });
  }
  if (codes.length) flush();
  return w.done();
}
