import { useCallback, useEffect, useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { can, keepPermissions } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { errorMessage } from '../api/client';
import { type Credential, type CredentialKind, api, fieldErrors } from '../api/sluice';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { useSearchedPage } from '../ui/useSearchedPage';
import { ErrorNotice, Pager, formatTime } from '../ui/format';
import {
  type CredentialDraft,
  EMPTY_DRAFT,
  KINDS,
  changesBody,
  createBody,
  describeCredential,
  draftFrom,
  draftProblem,
  kindInfo,
} from './credentialForm';
import '../access/access.css';

function problemOf(err: unknown): string {
  return fieldErrors(err) ?? errorMessage(err);
}

/** The fields of a credential; the secret only when creating (replacing it is its own form). */
export function CredentialFields({ draft, onChange, creating }: { draft: CredentialDraft; onChange: (draft: CredentialDraft) => void; creating: boolean }) {
  const set = (patch: Partial<CredentialDraft>) => onChange({ ...draft, ...patch });
  return (
    <>
      <label className="field">
        <span className="field__label">Name</span>
        <input className="field__input" value={draft.name} maxLength={100} onChange={(e) => set({ name: e.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Description</span>
        <input className="field__input" value={draft.description} onChange={(e) => set({ description: e.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Kind</span>
        <select className="field__input" value={draft.kind} onChange={(e) => set({ kind: e.target.value as CredentialKind })}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      {draft.kind === 'header' && (
        <label className="field">
          <span className="field__label">Header name</span>
          <input
            className="field__input field__input--mono"
            value={draft.header}
            placeholder="X-Api-Key"
            spellCheck={false}
            onChange={(e) => set({ header: e.target.value })}
          />
        </label>
      )}
      {draft.kind === 'basic' && (
        <label className="field">
          <span className="field__label">Username</span>
          <input className="field__input" value={draft.username} autoComplete="off" spellCheck={false} onChange={(e) => set({ username: e.target.value })} />
        </label>
      )}
      {creating && (
        <SecretField label={kindInfo(draft.kind).secretLabel} value={draft.secret} onChange={(secret) => set({ secret })} />
      )}
    </>
  );
}

/** A write-only field: typed, sent, never read back or shown again. */
function SecretField({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label} (secret)
      </label>
      <input
        id={id}
        className="field__input field__input--mono"
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={value}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-hint`} className="field__hint">
        Stored encrypted. Nobody can read it back, you included; it can only be replaced.
      </p>
    </div>
  );
}

export function CredentialListPage() {
  const navigate = useNavigate();
  const { search, setSearch, page, setPage, data, error } = useSearchedPage(api.credentials);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<CredentialDraft>(EMPTY_DRAFT);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);


  function close() {
    setCreating(false);
    setDraft(EMPTY_DRAFT); // the typed secret does not linger
    setFormError(null);
  }

  async function create(event: React.FormEvent) {
    event.preventDefault();
    const problem = draftProblem(draft, { creating: true });
    if (problem) {
      setFormError(problem);
      return;
    }
    setBusy(true);
    try {
      const credential = await api.createCredential(createBody(draft));
      setDraft(EMPTY_DRAFT);
      navigate(`/credentials/${credential.id}`);
    } catch (err) {
      setFormError(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Credentials</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          New credential
        </button>
      </div>
      <p className="muted">
        Secrets that HTTP request nodes send (their <code>credential</code> parameter names one by id). Secrets are stored encrypted and are
        never shown again.
      </p>
      <div className="filters" role="search">
        <label className="field">
          <span className="field__label">Search</span>
          <input
            className="field__input"
            type="search"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
            }}
          />
        </label>
      </div>
      <ErrorNotice message={error} />
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Credentials</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Sent as</th>
              <th scope="col">Secret</th>
              <th scope="col">Owner</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/credentials/${c.id}`} className="table__primary">
                    {c.name}
                  </Link>
                  {c.description && <div className="muted table__sub">{c.description}</div>}
                </td>
                <td className="table__code">{c.id}</td>
                <td className="table__code">{describeCredential(c)}</td>
                <td>{c.has_secret ? 'stored' : <span className="token-status--expired">missing</span>}</td>
                <td>{c.created_by ?? '—'}</td>
                <td>{formatTime(c.updated_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No credentials yet. Create one with “New credential”.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {!data && !error && (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </div>
      {data && <Pager page={page} hasPrevious={!!data.previous} hasNext={!!data.next} onPage={setPage} />}
      <Dialog open={creating} title="New credential" onClose={close}>
        <form className="run-form" onSubmit={create}>
          <CredentialFields draft={draft} onChange={setDraft} creating />
          <ErrorNotice message={formError} />
          <div className="dialog__footer">
            <button type="button" className="button button--secondary" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              Create credential
            </button>
          </div>
        </form>
      </Dialog>
    </main>
  );
}

export function CredentialPage() {
  const { id } = useParams();
  const credentialId = Number(id);
  const navigate = useNavigate();
  const [credential, setCredential] = useState<Credential | null>(null);
  const [draft, setDraft] = useState<CredentialDraft>(EMPTY_DRAFT);
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const adopt = useCallback((next: Credential) => {
    setCredential(next);
    setDraft(draftFrom(next));
  }, []);

  useEffect(() => {
    api
      .credential(credentialId)
      .then(adopt)
      .catch((err) => setError(errorMessage(err)));
  }, [credentialId, adopt]);

  if (!credential) {
    return (
      <main id="main" className="page">
        {error ? <ErrorNotice message={error} /> : <p className="muted">Loading…</p>}
        <Link to="/credentials">← Credentials</Link>
      </main>
    );
  }
  const current = credential;
  const mayChange = can(current, 'change');
  const mayShare = can(current, 'share');
  const mayDelete = can(current, 'delete');
  const mayUse = can(current, 'use');

  async function patch(body: Parameters<typeof api.updateCredential>[1], done: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      adopt(keepPermissions(await api.updateCredential(current.id, body), current));
      setNotice(done);
      return true;
    } catch (err) {
      setError(problemOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const problem = draftProblem(draft, { creating: false });
    if (problem) {
      setError(problem);
      return;
    }
    const body = changesBody(draft, current);
    if (Object.keys(body).length === 0) {
      setNotice('Nothing to save');
      return;
    }
    await patch(body, 'Saved');
  }

  async function replaceSecret(event: React.FormEvent) {
    event.preventDefault();
    if (!secret) {
      setError(`Type the new ${kindInfo(current.kind).secretLabel.toLowerCase()}`);
      return;
    }
    if (await patch({ secret }, 'Secret replaced')) setSecret('');
  }

  async function remove() {
    setDeleting(false);
    try {
      await api.deleteCredential(current.id);
      navigate('/credentials');
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">{current.name}</h1>
        <div className="page__actions">
          {mayShare && (
            <button type="button" className="button button--secondary" onClick={() => setSharing(true)}>
              Share…
            </button>
          )}
          {mayDelete && (
            <button type="button" className="button button--danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          )}
          <Link className="button button--secondary" to="/credentials">
            ← Credentials
          </Link>
        </div>
      </div>
      {!mayChange && (
        <p className="view-only" role="note" data-testid="view-only">
          View only — you can't change this credential.
        </p>
      )}
      <ErrorNotice message={error} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <section className="panel" aria-label="About this credential">
        <dl className="facts">
          <dt>Id</dt>
          <dd>
            <code>{current.id}</code> <span className="muted">— put it in an HTTP request node’s Credential field</span>
          </dd>
          <dt>Sent as</dt>
          <dd className="table__code">{describeCredential(current)}</dd>
          <dt>Secret</dt>
          <dd>
            {current.has_secret ? 'stored (never shown)' : 'missing: replace it below'}
            {current.secret_changed_at ? <span className="muted"> · set {formatTime(current.secret_changed_at)}</span> : null}
          </dd>
          <dt>Owner</dt>
          <dd>{current.created_by ?? '—'}</dd>
          <dt>Created</dt>
          <dd>{formatTime(current.created_at)}</dd>
          <dt>Changed</dt>
          <dd>{formatTime(current.updated_at)}</dd>
          <dt>You may</dt>
          <dd>{current.permissions?.join(', ') || '—'}</dd>
        </dl>
        {mayUse && <p className="muted">You may use it in your workflows’ HTTP request nodes.</p>}
      </section>
      <form className="panel" onSubmit={save} aria-label="Credential details">
        <h2 className="panel__title">Details</h2>
        <fieldset className="plain-fieldset" disabled={!mayChange}>
          <CredentialFields draft={draft} onChange={setDraft} creating={false} />
        </fieldset>
        {mayChange && draft.kind !== current.kind && (
          <p className="field__hint">A different kind usually needs a different secret: replace it too.</p>
        )}
        {mayChange && (
          <div className="form-actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              Save
            </button>
          </div>
        )}
      </form>
      {mayChange && (
        <form className="panel" onSubmit={replaceSecret} aria-label="Replace the secret">
          <h2 className="panel__title">Replace the secret</h2>
          <SecretField label={`New ${kindInfo(current.kind).secretLabel.toLowerCase()}`} value={secret} onChange={setSecret} />
          <div className="form-actions">
            <button type="submit" className="button button--secondary" disabled={busy}>
              Replace secret
            </button>
          </div>
        </form>
      )}
      {mayShare && (
        <ShareDialog target={sharing ? { kind: 'credential', id: current.id } : null} objectName={current.name} onClose={() => setSharing(false)} />
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete “${current.name}”?`}
        confirm="Delete credential"
        onClose={() => setDeleting(false)}
        onConfirm={() => void remove()}
      >
        <p>HTTP request nodes that name it will fail until they are given another credential. This cannot be undone.</p>
      </ConfirmDialog>
    </main>
  );
}
