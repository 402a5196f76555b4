import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Disclosure } from '@simpul/protocol';
import { awaitingRelease, disclosed, disclosureNote, disclosureText } from './disclosure.ts';

const base: Disclosure = { rules_applied: [], suppressed_cells: 0, rounded: false };

test('nothing to say without a disclosure, or when no rule acted', () => {
  assert.equal(disclosureNote(undefined), { lines: [], notes: [] });
  assert.equal(disclosureNote(null), { lines: [], notes: [] });
  assert.equal(disclosureNote(base), { lines: [], notes: [] });
  assert.not.ok(disclosed(base));
  assert.is(disclosureText(undefined), '');
});

test('group_by: withheld groups with their rows, and k when the page knows it', () => {
  const d: Disclosure = {
    ...base,
    rules_applied: ['min_group_size'],
    suppressed_cells: 3,
    suppressed_rows: 40,
    notes: ['groups of fewer than 5 rows are withheld, keys included'],
  };
  const n = disclosureNote(d, { groups: 3, rows: 40, k: 5 });
  assert.equal(n.lines, ['3 groups (about 40 rows) withheld, keys included: fewer than 5 rows each']);
  assert.equal(n.notes, ['groups of fewer than 5 rows are withheld, keys included']);
  assert.match(
    disclosureNote(d, { groups: 1 }).lines[0],
    /^1 group \(about 40 rows\) withheld, keys included: fewer rows than the data owner's minimum/,
  );
});

test('group_by: secondary suppression says why one more group is missing', () => {
  const d: Disclosure = {
    ...base,
    rules_applied: ['secondary_suppression', 'min_group_size'],
    suppressed_cells: 2,
    suppressed_rows: 15,
  };
  assert.equal(disclosureNote(d, { groups: 2, rows: 15, k: 5 }).lines, [
    '2 groups (about 15 rows) withheld, keys included: 1 group with fewer than 5 rows, and 1 more so that it cannot be worked out from the total',
  ]);
});

test('statistics withheld outside group_by, with the rules that withheld them', () => {
  const d: Disclosure = {
    ...base,
    rules_applied: ['min_group_size', 'secondary_suppression', 'dominance'],
    suppressed_cells: 4,
  };
  assert.equal(disclosureNote(d, { k: 10 }).lines, [
    '4 statistics withheld: from fewer than 10 rows or so that a withheld one cannot be worked out from a total or dominated by a few rows',
  ]);
  const dom: Disclosure = { ...base, rules_applied: ['dominance'], suppressed_cells: 1 };
  assert.equal(disclosureNote(dom).lines, ['1 statistic withheld: dominated by a few rows']);
});

test('counts: rounded to a base, or perturbed with cell-key noise', () => {
  const round: Disclosure = {
    ...base,
    rules_applied: ['round'],
    rounded: true,
    round_base: 5,
    notes: ['counts are rounded to a multiple of 5'],
  };
  assert.equal(disclosureNote(round).lines, ['counts rounded to multiples of 5']);
  const noise: Disclosure = { ...base, rules_applied: ['cell_key'], rounded: true, noise_bound: 2 };
  assert.equal(disclosureNote(noise).lines, [
    'counts perturbed by at most ±2 (cell-key noise: the same query always gets the same noise)',
  ]);
});

test('row-level values, row caps and review each get a line', () => {
  const d: Disclosure = {
    ...base,
    rules_applied: ['row_level', 'max_rows', 'max_rows_per_day'],
    held_for_review: true,
  };
  assert.equal(disclosureNote(d).lines, [
    'row-level values withheld (minimum, maximum, single points)',
    "rows cut to the data owner's per-task cap",
    'rows cut to what is left of the daily row budget',
    "released after the data owner's review",
  ]);
  assert.ok(
    disclosed({ ...base, held_for_review: true }),
    'a reviewed result is worth a note even when no rule changed it',
  );
});

test('a model checked against k says so without claiming anything was withheld', () => {
  assert.equal(disclosureNote({ ...base, rules_applied: ['min_group_size'] }, { k: 5 }).lines, [
    'checked: every statistic comes from at least 5 rows',
  ]);
});

test('notes are shown once each', () => {
  const d: Disclosure = { ...base, rules_applied: ['row_level'], notes: ['a', 'a', 'b'] };
  assert.equal(disclosureNote(d).notes, ['a', 'b']);
  assert.is(disclosureText(d), 'row-level values withheld (minimum, maximum, single points)\na\nb');
});

test('a held task is one that runs and says it awaits the release', () => {
  assert.ok(awaitingRelease({ status: 'running', progress_message: "awaiting the data owner's release" }));
  assert.not.ok(awaitingRelease({ status: 'running', progress_message: 'scanning' }));
  assert.not.ok(awaitingRelease({ status: 'failed', progress_message: "awaiting the data owner's release" }));
});

test.run();
