import { describe, expect, it } from 'vitest';
import { buildData, fieldsOf, initialTexts, shortcutOf, untilText } from './reviewForm';

const FORM = {
  type: 'object',
  properties: {
    label: { enum: ['auto', 'home', 'health'], title: 'Queue' },
    amount: { type: 'integer' },
    urgent: { type: 'boolean' },
    note: { type: 'string' },
    tags: { type: 'array' },
  },
  required: ['label'],
};

describe('the review form', () => {
  it('lists the fields with their kinds in order', () => {
    expect(fieldsOf(FORM).map((f) => [f.name, f.kind, f.required])).toEqual([
      ['label', 'enum', true],
      ['amount', 'number', false],
      ['urgent', 'boolean', false],
      ['note', 'string', false],
      ['tags', 'json', false],
    ]);
    expect(fieldsOf(null)).toEqual([]);
  });

  it('starts from the proposal', () => {
    const texts = initialTexts(fieldsOf(FORM), { label: 'home', amount: 120, tags: ['a'], confidence: 0.4 }, FORM);
    expect(texts).toEqual({ label: 'home', amount: '120', urgent: '', note: '', tags: '[\n  "a"\n]' });
  });

  it('builds typed data and names a field it cannot read', () => {
    const fields = fieldsOf(FORM);
    expect(buildData(fields, { label: 'health', amount: '7', urgent: 'true', note: 'x', tags: '[1]' })).toEqual({
      ok: true,
      data: { label: 'health', amount: 7, urgent: true, note: 'x', tags: [1] },
    });
    expect(buildData(fields, { label: '' })).toEqual({ ok: false, field: 'label', message: 'is required' });
    expect(buildData(fields, { label: 'home', amount: '7.5' })).toMatchObject({ ok: false, field: 'amount' });
    expect(buildData(fields, { label: 'home', tags: '[' })).toMatchObject({ ok: false, field: 'tags' });
  });

  it('takes shortcuts only outside text fields and without modifiers', () => {
    const key = (k: string, extra = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...extra });
    expect(shortcutOf(key('a'), false)).toBe('approve');
    expect(shortcutOf(key('r'), false)).toBe('reject');
    expect(shortcutOf(key('j'), false)).toBe('next');
    expect(shortcutOf(key('a'), true)).toBeNull();
    expect(shortcutOf(key('a', { ctrlKey: true }), false)).toBeNull();
  });

  it('says how far a deadline is', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(untilText('2026-01-01T04:00:00Z', now)).toBe('in 4 h');
    expect(untilText('2025-12-31T23:55:00Z', now)).toBe('5 min overdue');
    expect(untilText(null, now)).toBe('no deadline');
  });
});
