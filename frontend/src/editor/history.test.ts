import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, canRedo, canUndo, record, redo, startHistory, undo } from './history';

describe('undo/redo', () => {
  it('walks back and forth and drops the redo branch on a new change', () => {
    let h = startHistory('a');
    h = record(h, 'b');
    h = record(h, 'c');
    h = undo(h);
    expect(h.present).toBe('b');
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present).toBe('c');
    h = undo(undo(h));
    expect(h.present).toBe('a');
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = record(h, 'x');
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual(['a']);
  });

  it('does not record a state equal to the present, and keeps a bounded past', () => {
    let h = startHistory(0);
    h = record(h, 0);
    expect(canUndo(h)).toBe(false);
    for (let i = 1; i <= HISTORY_LIMIT + 20; i += 1) h = record(h, i);
    expect(h.past).toHaveLength(HISTORY_LIMIT);
    expect(record(h, 5, () => true)).toBe(h);
  });
});
