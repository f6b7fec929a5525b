import { describe, expect, it } from 'vitest';
import type { Credential } from '../api/sluice';
import { EMPTY_DRAFT, changesBody, createBody, describeCredential, draftFrom, draftProblem } from './credentialForm';

const saved: Credential = {
  id: 4,
  name: 'crm',
  description: '',
  kind: 'header',
  header: 'X-Api-Key',
  username: '',
  has_secret: true,
  created_by: 'ada',
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
  permissions: ['view', 'change'],
};

describe('credential drafts', () => {
  it('needs a name, the kind’s own field, and a secret when new', () => {
    expect(draftProblem(EMPTY_DRAFT, { creating: true })).toMatch(/name/);
    const named = { ...EMPTY_DRAFT, name: 'crm' };
    expect(draftProblem(named, { creating: true })).toMatch(/token/);
    expect(draftProblem({ ...named, secret: 's' }, { creating: true })).toBeNull();
    expect(draftProblem({ ...named, kind: 'header', secret: 's' }, { creating: true })).toMatch(/header/);
    expect(draftProblem({ ...named, kind: 'header', header: 'X Api: Key', secret: 's' }, { creating: true })).toMatch(/letters/);
    expect(draftProblem({ ...named, kind: 'basic', secret: 's' }, { creating: true })).toMatch(/username/);
    // Editing keeps the stored secret when none is typed.
    expect(draftProblem(draftFrom(saved), { creating: false })).toBeNull();
  });

  it('sends only the fields of the chosen kind', () => {
    const draft = { ...EMPTY_DRAFT, name: ' crm ', kind: 'basic' as const, header: 'X-Left-Over', username: ' bot ', secret: 'pw' };
    expect(createBody(draft)).toEqual({ name: 'crm', description: '', kind: 'basic', header: '', username: 'bot', secret: 'pw' });
  });

  it('patches what changed, and the secret only when one was typed', () => {
    expect(changesBody(draftFrom(saved), saved)).toEqual({});
    expect(changesBody({ ...draftFrom(saved), description: 'CRM key' }, saved)).toEqual({ description: 'CRM key' });
    expect(changesBody({ ...draftFrom(saved), secret: 'new' }, saved)).toEqual({ secret: 'new' });
    expect(changesBody({ ...draftFrom(saved), kind: 'bearer' }, saved)).toEqual({ kind: 'bearer', header: '' });
  });

  it('says how each kind is sent, never the secret', () => {
    expect(describeCredential(saved)).toBe('X-Api-Key: …');
    expect(describeCredential({ kind: 'basic', header: '', username: 'bot' })).toBe('Basic auth as bot');
    expect(describeCredential({ kind: 'bearer', header: '', username: '' })).toBe('Authorization: Bearer …');
  });
});
