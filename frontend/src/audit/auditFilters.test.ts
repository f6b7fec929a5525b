import { describe, expect, it } from 'vitest';
import { auditQuery, filtersFrom, objectPath, pageFrom, paramsFor, shortHash, withPage } from './auditFilters';

describe('audit filters', () => {
  it('reads every filter from the address, empty when absent', () => {
    const values = filtersFrom(new URLSearchParams('actor=ada&action=workflow.update'));
    expect(values).toEqual({ actor: 'ada', action: 'workflow.update', object_type: '', object_id: '', since: '', until: '' });
  });

  it('asks the API only for the filters that are set, and for the page after the first', () => {
    expect(auditQuery(new URLSearchParams('actor=+ada+&object_type=&page=1'))).toEqual({ actor: 'ada' });
    expect(auditQuery(new URLSearchParams('since=2025-01-01&until=2025-02-01&page=3'))).toEqual({
      since: '2025-01-01',
      until: '2025-02-01',
      page: 3,
    });
  });

  it('starts again on the first page when the filters change', () => {
    expect(paramsFor({ actor: 'ada', object_id: ' 7 ', action: '' }).toString()).toBe('actor=ada&object_id=7');
    expect(withPage(new URLSearchParams('actor=ada'), 2).toString()).toBe('actor=ada&page=2');
    expect(withPage(new URLSearchParams('actor=ada&page=2'), 1).toString()).toBe('actor=ada');
  });

  it('treats a page that is not a positive whole number as the first', () => {
    for (const page of ['0', '-1', 'x', '1.5']) expect(pageFrom(new URLSearchParams({ page }))).toBe(1);
  });

  it('links the objects that have a page of their own', () => {
    expect(objectPath('workflow', 7)).toBe('/workflows/7');
    expect(objectPath('credential', '3')).toBe('/credentials/3');
    expect(objectPath('modelprofile', '2')).toBe('/models/2');
    expect(objectPath('run', 'a1b2')).toBe('/runs/a1b2');
    expect(objectPath('token', 4)).toBeNull();
    expect(objectPath('workflow', null)).toBeNull();
    expect(shortHash('0123456789abcdef')).toBe('0123456789ab…');
  });
});
