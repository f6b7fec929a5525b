import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { type Grant, type ShareChange, type ShareInfo, type ShareTarget, api, fieldErrors } from '../api/sluice';
import { Dialog } from '../ui/Dialog';
import { ErrorNotice } from '../ui/format';
import { PrincipalPicker } from './PrincipalPicker';
import {
  type Drafts,
  type Principal,
  type PrincipalKind,
  draftOf,
  dropDraft,
  grantKey,
  hasGrant,
  isDirty,
  principalOf,
  roleBody,
  roleOf,
  setDraft,
  shareBody,
  sortGrants,
  togglePermission,
} from './shareState';
import './access.css';

const ACTION_LABELS: Record<string, string> = {
  view: 'View',
  change: 'Change',
  run: 'Run',
  publish: 'Publish',
  rollback: 'Roll back',
  delete: 'Delete',
  share: 'Share',
  use: 'Use',
  decide: 'Decide',
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

function roleLabel(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** "alice" or "team claims": how a principal reads in labels. */
export function whoLabel(principal: Principal): string {
  return principal.kind === 'user' ? principal.name : `team ${principal.name}`;
}

function shareError(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return 'You may not change who has access to this.';
  return fieldErrors(err) ?? errorMessage(err);
}

interface ShareDialogProps {
  /** What to share; null: the dialog is closed. */
  target: ShareTarget | null;
  /** The object's name, for the title. */
  objectName: string;
  onClose: () => void;
}

/** Who may do what with a workflow, prompt, credential or model profile: list, add, change and revoke grants. */
export function ShareDialog({ target, objectName, onClose }: ShareDialogProps) {
  const [info, setInfo] = useState<ShareInfo | null>(null);
  const [drafts, setDrafts] = useState<Drafts>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const targetKey = target ? JSON.stringify(target) : null;

  useEffect(() => {
    setInfo(null);
    setDrafts({});
    setError(null);
    setNotice(null);
    if (!target) return undefined;
    let live = true;
    api
      .shares(target)
      .then((result) => live && setInfo(result))
      .catch((err) => live && setError(shareError(err)));
    return () => {
      live = false;
    };
    // The target is compared by value: a new object for the same workflow does not reload.
  }, [targetKey]);

  const send = useCallback(
    async (principal: Principal, body: ShareChange, done: string): Promise<boolean> => {
      if (!target) return false;
      setBusy(true);
      setError(null);
      setNotice(null);
      try {
        setInfo(await api.share(target, body));
        setDrafts((d) => dropDraft(d, principal));
        setNotice(done);
        return true;
      } catch (err) {
        setError(shareError(err));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [target],
  );

  return (
    <Dialog
      open={target !== null}
      title={`Share “${objectName}”`}
      onClose={onClose}
      wide
      footer={
        <button type="button" className="button button--secondary" onClick={onClose}>
          Done
        </button>
      }
    >
      <ShareView
        info={info}
        drafts={drafts}
        busy={busy}
        error={error}
        notice={notice}
        onDraft={(grant, permissions) => setDrafts((d) => setDraft(d, grant, permissions))}
        onSave={(grant) => {
          const principal = principalOf(grant);
          const permissions = draftOf(drafts, grant);
          void send(principal, shareBody(principal, permissions), `Saved what ${whoLabel(principal)} may do`);
        }}
        onRevoke={(grant) => {
          const principal = principalOf(grant);
          void send(principal, shareBody(principal, []), `${whoLabel(principal)} no longer has access`);
        }}
        onAdd={(principal, role) => send(principal, roleBody(principal, role), `Shared with ${whoLabel(principal)} as ${role}`)}
      />
    </Dialog>
  );
}

export interface ShareViewProps {
  info: ShareInfo | null;
  drafts: Drafts;
  busy: boolean;
  error: string | null;
  notice: string | null;
  onDraft: (grant: Grant, permissions: string[]) => void;
  onSave: (grant: Grant) => void;
  onRevoke: (grant: Grant) => void;
  /** Resolves true when the grant was made (the form then clears). */
  onAdd: (principal: Principal, role: string) => Promise<boolean>;
}

/** The dialog's content, from its state (rendered on its own in tests). */
export function ShareView({ info, drafts, busy, error, notice, onDraft, onSave, onRevoke, onAdd }: ShareViewProps) {
  if (!info) {
    return error ? (
      <ErrorNotice message={error} />
    ) : (
      <p className="muted" role="status">
        Loading who has access…
      </p>
    );
  }
  const grants = sortGrants(info.grants.filter((g) => g.permissions.length > 0));
  const roles = Object.keys(info.roles);
  return (
    <div className="share">
      <ErrorNotice message={error} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <section aria-label="Who has access">
        <h3 className="share__subtitle">Who has access</h3>
        {grants.length === 0 ? (
          <p className="muted">Nobody else has been given access yet.</p>
        ) : (
          <div className="share__scroll">
            <table className="table share__table">
              <caption className="sr-only">People and teams with access, and what each may do</caption>
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">Role</th>
                  {info.actions.map((a) => (
                    <th scope="col" key={a} className="share__action">
                      {actionLabel(a)}
                    </th>
                  ))}
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {grants.map((grant) => {
                  const principal = principalOf(grant);
                  const who = whoLabel(principal);
                  const rights = draftOf(drafts, grant);
                  const role = roleOf(rights, info.roles);
                  const dirty = isDirty(drafts, grant);
                  return (
                    <tr key={grantKey(grant)} data-testid={`grant-${grantKey(grant)}`}>
                      <th scope="row" className="share__who">
                        {principal.name}
                        {principal.kind === 'group' && <span className="pill share__team">team</span>}
                      </th>
                      <td>
                        <select
                          className="field__input share__role"
                          aria-label={`Role of ${who}`}
                          value={role ?? ''}
                          disabled={busy}
                          onChange={(e) => {
                            const bundle = info.roles[e.target.value];
                            if (bundle) onDraft(grant, [...bundle]);
                          }}
                        >
                          {role === null && <option value="">Custom</option>}
                          {roles.map((r) => (
                            <option key={r} value={r}>
                              {roleLabel(r)}
                            </option>
                          ))}
                        </select>
                      </td>
                      {info.actions.map((action) => (
                        <td key={action} className="share__action">
                          <input
                            type="checkbox"
                            aria-label={`${who} may ${actionLabel(action).toLowerCase()}`}
                            checked={rights.includes(action)}
                            disabled={busy}
                            onChange={(e) => onDraft(grant, togglePermission(rights, action, e.target.checked, info.actions))}
                          />
                        </td>
                      ))}
                      <td className="share__buttons">
                        {dirty && (
                          <>
                            <button
                              type="button"
                              className="button button--primary button--small"
                              aria-label={`Save what ${who} may do`}
                              disabled={busy}
                              onClick={() => onSave(grant)}
                            >
                              Save
                            </button>
                            <button
                              type="button"
                              className="button button--secondary button--small"
                              aria-label={`Undo changes for ${who}`}
                              disabled={busy}
                              onClick={() => onDraft(grant, grant.permissions)}
                            >
                              Undo
                            </button>
                          </>
                        )}
                        <button
                          type="button"
                          className="button button--danger button--small"
                          aria-label={`Remove ${who}`}
                          disabled={busy}
                          onClick={() => onRevoke(grant)}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <AddGrantForm info={info} busy={busy} onAdd={onAdd} />
      <details className="share__roles">
        <summary>What the roles allow</summary>
        <dl className="facts">
          {roles.map((r) => (
            <RoleFact key={r} role={r} actions={info.roles[r] ?? []} />
          ))}
        </dl>
      </details>
    </div>
  );
}

function RoleFact({ role, actions }: { role: string; actions: string[] }) {
  return (
    <>
      <dt>{roleLabel(role)}</dt>
      <dd>{actions.map(actionLabel).join(', ') || '—'}</dd>
    </>
  );
}

function AddGrantForm({ info, busy, onAdd }: { info: ShareInfo; busy: boolean; onAdd: ShareViewProps['onAdd'] }) {
  const roles = Object.keys(info.roles);
  const kindId = useId();
  const roleId = useId();
  const [kind, setKind] = useState<PrincipalKind>('user');
  const [name, setName] = useState('');
  const [role, setRole] = useState(() => (roles.includes('viewer') ? 'viewer' : (roles[0] ?? '')));
  const principal: Principal = { kind, name: name.trim() };
  const existing = principal.name !== '' && hasGrant(info, principal);
  return (
    <form
      className="share__add"
      aria-label="Add a person or team"
      onSubmit={(event) => {
        event.preventDefault();
        if (!principal.name || !role) return;
        void onAdd(principal, role).then((ok) => ok && setName(''));
      }}
    >
      <h3 className="share__subtitle">Add a person or team</h3>
      <div className="share__add-fields">
        <div className="field">
          <label className="field__label" htmlFor={kindId}>
            Share with
          </label>
          <select id={kindId} className="field__input" value={kind} onChange={(e) => setKind(e.target.value as PrincipalKind)}>
            <option value="user">A person</option>
            <option value="group">A team</option>
          </select>
        </div>
        <div className="field field--wide">
          <label className="field__label" htmlFor="share-principal">
            {kind === 'user' ? 'Username' : 'Team'}
          </label>
          <PrincipalPicker id="share-principal" kind={kind} value={name} onChange={setName} />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={roleId}>
            Role
          </label>
          <select id={roleId} className="field__input" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)} ({(info.roles[r] ?? []).map(actionLabel).join(', ')})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button--primary" disabled={busy || !principal.name || !role}>
          {existing ? 'Change access' : 'Add'}
        </button>
      </div>
      {existing && <p className="field__hint">{whoLabel(principal)} already has access; this sets their rights to the role’s.</p>}
    </form>
  );
}
