// Writes the bundled demo dataset scripts/demo/data/patients.csv: synthetic, deterministic, no real person in it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 20261129;
const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const normal = (mean: number, sd: number) =>
  mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const sites = ['north', 'south', 'east'];
const lines = ['patient_id,site,age,sex,bmi,systolic_bp,cholesterol,smoker,diabetes,visit_date,notes'];
const start = Date.UTC(2024, 0, 1);
for (let i = 1; i <= 5000; i++) {
  const site = pick(sites);
  const age = Math.max(18, Math.min(95, Math.round(normal(52, 15))));
  const sex = rand() < 0.5 ? 'F' : 'M';
  const bmi = round(Math.max(15, normal(27 + (site === 'south' ? 1.5 : 0), 4.5)));
  const smoker = rand() < 0.22;
  const sbp = Math.round(normal(105 + 0.45 * age + 0.6 * (bmi - 25) + (smoker ? 4 : 0), 11));
  const chol = round(normal(4.6 + 0.012 * age, 0.9), 2);
  const logit = -9.5 + 0.055 * age + 0.16 * bmi + (smoker ? 0.45 : 0) + 0.012 * (sbp - 120);
  const diabetes = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  const date = new Date(start + Math.floor(rand() * 700) * 86400000).toISOString().slice(0, 10);
  const notes = rand() < 0.7 ? '' : pick(['follow-up', 'referred', 'fasting sample', 'repeat test']);
  lines.push(
    [`P${String(i).padStart(5, '0')}`, site, age, sex, bmi, sbp, chol, smoker, diabetes, date, notes].join(','),
  );
}
writeFileSync(join(import.meta.dirname, 'data', 'patients.csv'), `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length - 1} rows`);
