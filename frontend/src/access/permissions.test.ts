import { describe, expect, it } from 'vitest';
import { can, canReadAudit, keepPermissions, workflowAbilities } from './permissions';

describe('can', () => {
  it('allows exactly the actions the server listed', () => {
    const workflow = { permissions: ['view', 'run'] };
    expect(can(workflow, 'view')).toBe(true);
    expect(can(workflow, 'run')).toBe(true);
    expect(can(workflow, 'change')).toBe(false);
  });

  it('allows nothing when the server sent no list (or no object)', () => {
    expect(can({}, 'view')).toBe(false);
    expect(can({ permissions: null }, 'view')).toBe(false);
    expect(can(null, 'view')).toBe(false);
  });
});

describe('workflowAbilities', () => {
  it('makes a viewer’s editor read-only, with nothing to run, tag, roll back, delete or share', () => {
    expect(workflowAbilities({ permissions: ['view'] })).toEqual({
      change: false,
      run: false,
      publish: false,
      rollback: false,
      delete: false,
      share: false,
      readOnly: true,
    });
  });

  it('lets a runner run what it cannot change', () => {
    const abilities = workflowAbilities({ permissions: ['view', 'run'] });
    expect(abilities.readOnly).toBe(true);
    expect(abilities.run).toBe(true);
  });

  it('gives an owner everything', () => {
    const abilities = workflowAbilities({ permissions: ['view', 'change', 'run', 'publish', 'rollback', 'delete', 'share'] });
    expect(Object.values(abilities).filter(Boolean)).toHaveLength(6);
    expect(abilities.readOnly).toBe(false);
  });
});

describe('canReadAudit', () => {
  it('is for staff and superusers', () => {
    expect(canReadAudit({ is_staff: true, is_superuser: false })).toBe(true);
    expect(canReadAudit({ is_staff: false, is_superuser: true })).toBe(true);
    expect(canReadAudit({ is_staff: false, is_superuser: false })).toBe(false);
    expect(canReadAudit(null)).toBe(false);
  });
});

describe('keepPermissions', () => {
  it('keeps the known rights when a write’s answer carries none, and takes new ones when it does', () => {
    const before = { id: 1, permissions: ['view', 'change'] };
    expect(keepPermissions({ id: 1 } as { id: number; permissions?: string[] }, before).permissions).toEqual(['view', 'change']);
    expect(keepPermissions({ id: 1, permissions: ['view'] }, before).permissions).toEqual(['view']);
  });
});
