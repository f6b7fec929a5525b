import { describe, expect, it } from 'vitest';
import type { ShareInfo } from '../api/sluice';
import {
  describeRights,
  draftOf,
  grantKey,
  hasGrant,
  isDirty,
  normalise,
  principalOf,
  roleBody,
  roleOf,
  setDraft,
  shareBody,
  sortGrants,
  togglePermission,
} from './shareState';

const ACTIONS = ['view', 'change', 'run', 'publish', 'rollback', 'delete', 'share'];
const info: ShareInfo = {
  actions: ACTIONS,
  roles: {
    viewer: ['view'],
    runner: ['view', 'run'],
    editor: ['view', 'change', 'run'],
    admin: ACTIONS,
  },
  grants: [
    { group: 'claims', permissions: ['view'] },
    { user: 'carol', permissions: ['view', 'run'] },
    { user: 'bob', permissions: ['view', 'change'] },
  ],
};

describe('principals', () => {
  it('tells users from teams and keys them apart', () => {
    expect(principalOf({ user: 'bob', permissions: [] })).toEqual({ kind: 'user', name: 'bob' });
    expect(principalOf({ group: 'claims', permissions: [] })).toEqual({ kind: 'group', name: 'claims' });
    expect(grantKey({ user: 'claims', permissions: [] })).not.toBe(grantKey({ group: 'claims', permissions: [] }));
  });

  it('lists users first, then teams, alphabetically', () => {
    expect(sortGrants(info.grants).map(grantKey)).toEqual(['user:bob', 'user:carol', 'group:claims']);
  });

  it('knows who already has access', () => {
    expect(hasGrant(info, { kind: 'user', name: 'bob' })).toBe(true);
    expect(hasGrant(info, { kind: 'group', name: 'bob' })).toBe(false);
  });
});

describe('roles', () => {
  it('names the role whose bundle is exactly the rights, in any order', () => {
    expect(roleOf(['run', 'view'], info.roles)).toBe('runner');
    expect(roleOf(['view', 'change'], info.roles)).toBeNull();
    expect(describeRights(['view', 'change'], info.roles)).toBe('view, change');
    expect(describeRights(['view'], info.roles)).toBe('viewer');
    expect(describeRights([], info.roles)).toBe('no access');
  });
});

describe('togglePermission', () => {
  it('keeps the server’s order and drops unknown actions', () => {
    expect(normalise(['share', 'view', 'fly', 'view'], ACTIONS)).toEqual(['view', 'share']);
  });

  it('ticks View with any other right, and unticking View takes the others away', () => {
    expect(togglePermission([], 'run', true, ACTIONS)).toEqual(['view', 'run']);
    expect(togglePermission(['view', 'run', 'change'], 'view', false, ACTIONS)).toEqual([]);
    expect(togglePermission(['view', 'run'], 'run', false, ACTIONS)).toEqual(['view']);
  });

  it('lets a credential be used without being seen', () => {
    const credential = ['view', 'change', 'use', 'delete', 'share'];
    expect(togglePermission([], 'use', true, credential)).toEqual(['use']);
    expect(togglePermission(['view', 'use', 'change'], 'view', false, credential)).toEqual(['use']);
  });
});

describe('drafts', () => {
  const bob = info.grants[2]!;

  it('shows the saved rights until edited, and drops an edit that returns to them', () => {
    expect(draftOf({}, bob)).toEqual(['view', 'change']);
    const edited = setDraft({}, bob, ['view', 'change', 'run']);
    expect(isDirty(edited, bob)).toBe(true);
    expect(draftOf(edited, bob)).toEqual(['view', 'change', 'run']);
    const back = setDraft(edited, bob, ['change', 'view']);
    expect(back).toEqual({});
    expect(isDirty(back, bob)).toBe(false);
  });
});

describe('request bodies', () => {
  it('sets a user’s or a team’s exact rights, or a role; an empty list revokes', () => {
    expect(shareBody({ kind: 'user', name: 'bob' }, ['view', 'run'])).toEqual({ user: 'bob', permissions: ['view', 'run'] });
    expect(shareBody({ kind: 'group', name: 'claims' }, [])).toEqual({ group: 'claims', permissions: [] });
    expect(roleBody({ kind: 'group', name: 'claims' }, 'viewer')).toEqual({ group: 'claims', role: 'viewer' });
  });
});
