import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnalysisKind } from '@simpul/protocol';
import { emptyAnalysis, FIELDS } from './analysis-form.ts';
import { numberFields } from './analysis-numbers.ts';

test('every number a kind sends has a field in the form, once, and no field is shown that the kind does not send', () => {
  const draft = emptyAnalysis();
  for (const kind of AnalysisKind.options) {
    const shown = [...numberFields(kind, 'main'), ...numberFields(kind, 'settings')].map((f) => f.key as string);
    // group_by's "most groups" shares a row with the sort order, outside the spec list.
    if (kind === 'group_by') shown.push('group_limit');
    const sent = FIELDS[kind].filter((k) => {
      const v = draft[k];
      return v === null || typeof v === 'number';
    });
    assert.equal([...shown].sort(), [...sent].sort(), kind);
    assert.is(new Set(shown).size, shown.length, `${kind}: a field twice`);
  }
});

test('ids are unique across the form, and bounds are ordered', () => {
  const all = AnalysisKind.options.flatMap((k) => [...numberFields(k, 'main'), ...numberFields(k, 'settings')]);
  const idOf = new Map<string, string>();
  for (const f of all) {
    const seen = idOf.get(f.id);
    assert.ok(seen === undefined || seen === f.key, `${f.id} names both ${seen} and ${f.key}`);
    idOf.set(f.id, f.key);
    if (f.min !== undefined && f.max !== undefined) assert.ok(f.min < f.max, f.id);
  }
});

test.run();
