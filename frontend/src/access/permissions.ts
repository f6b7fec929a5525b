/**
 * What the signed-in user may do with an object, from the `permissions` the server sends on it.
 * The server enforces every right; these helpers only decide what the app offers, so a button
 * a user may not use is not shown (or a form is shown read-only) instead of failing with a 403.
 */

export type Action = 'view' | 'change' | 'run' | 'publish' | 'rollback' | 'delete' | 'share' | 'use' | 'decide' | 'cancel';

interface HasPermissions {
  permissions?: readonly string[] | null;
}

/** Whether the user may `action` the object. An object without a permission list is not known to allow anything. */
export function can(object: HasPermissions | null | undefined, action: Action): boolean {
  const list = object?.permissions;
  return Array.isArray(list) && list.includes(action);
}

/** Everything the workflow editor needs to know, in one place. */
export interface WorkflowAbilities {
  change: boolean;
  run: boolean;
  publish: boolean;
  rollback: boolean;
  delete: boolean;
  share: boolean;
  /** Not allowed to change the graph: the canvas, palette and inspector are read-only. */
  readOnly: boolean;
}

export function workflowAbilities(workflow: HasPermissions | null | undefined): WorkflowAbilities {
  const change = can(workflow, 'change');
  return {
    change,
    run: can(workflow, 'run'),
    publish: can(workflow, 'publish'),
    rollback: can(workflow, 'rollback'),
    delete: can(workflow, 'delete'),
    share: can(workflow, 'share'),
    readOnly: !change,
  };
}

/** Who may read the audit log: staff and superusers (the server answers others with 403). */
export function canReadAudit(me: { is_staff?: boolean; is_superuser?: boolean } | null | undefined): boolean {
  return Boolean(me && (me.is_staff || me.is_superuser));
}

/**
 * An object the server sent back after a write, keeping the rights already known when the
 * answer does not carry them (a write does not change what the writer may do).
 */
export function keepPermissions<T extends HasPermissions>(next: T, previous: HasPermissions): T {
  return Array.isArray(next.permissions) ? next : { ...next, permissions: previous.permissions };
}
