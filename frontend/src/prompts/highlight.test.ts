import { describe, expect, it } from 'vitest';
import { templateParts } from './highlight';

describe('template highlighting', () => {
  it('marks expressions and whether they use declared variables', () => {
    const parts = templateParts('Classify {{ claim }} as {{ labels | join(", ") }} for {{ customer }}.', ['claim', 'labels']);
    expect(parts.map((p) => [p.kind, p.text, p.declared])).toEqual([
      ['text', 'Classify ', undefined],
      ['expression', '{{ claim }}', true],
      ['text', ' as ', undefined],
      ['expression', '{{ labels | join(", ") }}', true],
      ['text', ' for ', undefined],
      ['expression', '{{ customer }}', false],
      ['text', '.', undefined],
    ]);
  });

  it('knows block tags', () => {
    const parts = templateParts('{% if urgent %}now{% endif %}', ['urgent']);
    expect(parts.filter((p) => p.kind === 'expression').every((p) => p.declared)).toBe(true);
    expect(templateParts('{% for x in items %}{% endfor %}', [])[0]?.declared).toBe(false);
  });
});
