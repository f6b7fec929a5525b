/** The sharing dialog's logic, free of React: grants, roles, drafts of changed rights. */
import type { Grant, ShareChange, ShareInfo } from '../api/sluice';

export type PrincipalKind = 'user' | 'group';

export interface Principal {
  kind: PrincipalKind;
  name: string;
}

export function principalOf(grant: Grant): Principal {
  return grant.user !== undefined ? { kind: 'user', name: grant.user } : { kind: 'group', name: grant.group ?? '' };
}

/** A stable key for a grant's principal: `user:alice`, `group:claims`. */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.name}`;
}

export function grantKey(grant: Grant): string {
  return principalKey(principalOf(grant));
}

/** Users first, then teams; each alphabetically. */
export function sortGrants(grants: readonly Grant[]): Grant[] {
  return [...grants].sort((a, b) => {
    const x = principalOf(a);
    const y = principalOf(b);
    if (x.kind !== y.kind) return x.kind === 'user' ? -1 : 1;
    return x.name.localeCompare(y.name);
  });
}

/** Each known action once, in the order the server lists them; unknown ones dropped. */
export function normalise(permissions: readonly string[], actions: readonly string[]): string[] {
  const wanted = new Set(permissions);
  return actions.filter((a) => wanted.has(a));
}

export function samePermissions(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((p) => y.has(p));
}

/** The role whose bundle is exactly these rights, or null (a custom set). */
export function roleOf(permissions: readonly string[], roles: ShareInfo['roles']): string | null {
  for (const [name, bundle] of Object.entries(roles)) {
    if (samePermissions(bundle, permissions)) return name;
  }
  return null;
}

/**
 * Every right but `use` needs `view` too (an object one may not see cannot be changed, run or
 * shared; a credential can be used by a node without being seen): ticking one ticks View, and
 * unticking View unticks them.
 */
const NEEDS_VIEW = (action: string) => action !== 'view' && action !== 'use';

export function togglePermission(
  permissions: readonly string[],
  action: string,
  on: boolean,
  actions: readonly string[],
): string[] {
  const next = new Set(permissions);
  if (on) {
    next.add(action);
    if (NEEDS_VIEW(action) && actions.includes('view')) next.add('view');
  } else {
    next.delete(action);
    if (action === 'view') for (const a of [...next]) if (NEEDS_VIEW(a)) next.delete(a);
  }
  return normalise([...next], actions);
}

/** The POST body that sets a principal's rights to exactly `permissions` (an empty list revokes). */
export function shareBody(principal: Principal, permissions: readonly string[]): ShareChange {
  const who = principal.kind === 'user' ? { user: principal.name } : { group: principal.name };
  return { ...who, permissions: [...permissions] };
}

/** The body that gives a principal a role. */
export function roleBody(principal: Principal, role: string): ShareChange {
  const who = principal.kind === 'user' ? { user: principal.name } : { group: principal.name };
  return { ...who, role };
}

/** Rights being edited, by principal key; a grant without a draft shows what the server has. */
export type Drafts = Readonly<Record<string, string[]>>;

export function draftOf(drafts: Drafts, grant: Grant): string[] {
  return drafts[grantKey(grant)] ?? grant.permissions;
}

export function isDirty(drafts: Drafts, grant: Grant): boolean {
  const draft = drafts[grantKey(grant)];
  return draft !== undefined && !samePermissions(draft, grant.permissions);
}

/** Drafts with one principal's edit set, or dropped when it equals what is saved. */
export function setDraft(drafts: Drafts, grant: Grant, permissions: string[]): Drafts {
  const key = grantKey(grant);
  const { [key]: _dropped, ...rest } = drafts;
  return samePermissions(permissions, grant.permissions) ? rest : { ...rest, [key]: permissions };
}

export function dropDraft(drafts: Drafts, principal: Principal): Drafts {
  const { [principalKey(principal)]: _dropped, ...rest } = drafts;
  return rest;
}

/** Whether a principal already has a grant (adding them again changes their rights instead). */
export function hasGrant(info: ShareInfo, principal: Principal): boolean {
  const key = principalKey(principal);
  return info.grants.some((g) => grantKey(g) === key);
}

/** A label for a set of rights: the role's name, or the rights themselves. */
export function describeRights(permissions: readonly string[], roles: ShareInfo['roles']): string {
  if (permissions.length === 0) return 'no access';
  return roleOf(permissions, roles) ?? permissions.join(', ');
}
