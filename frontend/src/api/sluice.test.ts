import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { fieldErrors, sharePath } from './sluice';

describe('fieldErrors', () => {
  it('reads DRF validation errors, one line per field', () => {
    const err = new ApiError('bad', 400, { user: ['no such user'], permissions: ['unknown: fly', 'and more'] });
    expect(fieldErrors(err)).toBe('user: no such user; permissions: unknown: fly and more');
  });

  it('reads a domain error once, from its field, not from detail, code or field', () => {
    const err = new ApiError('no such team', 400, { detail: 'no such team', code: 'invalid', field: 'group', group: ['no such team'] });
    expect(fieldErrors(err)).toBe('group: no such team');
  });

  it('gives non-field errors as they are, and null where there is nothing by field', () => {
    expect(fieldErrors(new ApiError('x', 400, { non_field_errors: ['name a user or a group'] }))).toBe('name a user or a group');
    expect(fieldErrors(new ApiError('x', 400, { detail: 'nope' }))).toBeNull();
    expect(fieldErrors(new ApiError('x', 403, { user: ['no'] }))).toBeNull();
    expect(fieldErrors(new Error('x'))).toBeNull();
  });
});

describe('sharePath', () => {
  it('finds each kind of object’s sharing', () => {
    expect(sharePath({ kind: 'workflow', id: 3 })).toBe('/api/v1/workflows/3/share/');
    expect(sharePath({ kind: 'prompt', name: 'claims-triage' })).toBe('/api/v1/prompts/claims-triage/share/');
    expect(sharePath({ kind: 'credential', id: 9 })).toBe('/api/v1/credentials/9/share/');
    expect(sharePath({ kind: 'model-profile', id: 2 })).toBe('/api/v1/model-profiles/2/share/');
  });
});
