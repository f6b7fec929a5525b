import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { type ApiToken, type CreatedToken, type Page, api, fieldErrors } from '../api/sluice';
import { useCurrentUser } from '../shell/useMe';
import { Dialog } from '../ui/Dialog';
import { ErrorNotice, Pager, formatTime } from '../ui/format';
import { MAX_EXPIRY_DAYS, parseExpiryDays, tokenStatus } from './tokens';
import '../access/access.css';

/** Copies text to the clipboard; where the Clipboard API is refused, the selected field's text. */
async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!field) return false;
    field.select();
    return document.execCommand('copy');
  }
}

/** A token's raw key, shown once: a read-only field, a copy button, and why it matters. */
export function NewTokenView({ token, copied, onCopy }: { token: CreatedToken; copied: boolean | null; onCopy: (field: HTMLInputElement | null) => void }) {
  const fieldId = useId();
  const field = useRef<HTMLInputElement>(null);
  return (
    <div className="secret-once">
      <p className="notice notice--warn" role="alert">
        Copy this key now: it is shown only this once and cannot be shown again. Anyone who has it can use the API as you; keep it
        secret, and revoke the token if it leaks.
      </p>
      <label className="field__label" htmlFor={fieldId}>
        API token “{token.name}”
      </label>
      <div className="secret-once__row">
        <input
          ref={field}
          id={fieldId}
          className="field__input"
          readOnly
          value={token.token}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button button--primary" onClick={() => onCopy(field.current)}>
          Copy
        </button>
      </div>
      <p className="muted" role="status">
        {copied === true ? 'Copied to the clipboard.' : copied === false ? 'Could not copy: select the key and copy it yourself.' : ''}
      </p>
      <p className="field__hint">
        Send it as <code>Authorization: Token {token.prefix}…</code>.{' '}
        {token.expires_at ? `It expires ${formatTime(token.expires_at)}.` : 'It does not expire.'}
      </p>
    </div>
  );
}

const STATUS_TEXT = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

export function AccountPage() {
  const me = useCurrentUser();
  const [page, setPage] = useState(1);
  const [tokens, setTokens] = useState<Page<ApiToken> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [days, setDays] = useState('30');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const load = useCallback(() => {
    api
      .tokens(page)
      .then((result) => {
        setTokens(result);
        setError(null);
      })
      .catch((err) => setError(errorMessage(err)));
  }, [page]);
  useEffect(load, [load]);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    const expiry = parseExpiryDays(days);
    if (!name.trim()) {
      setFormError('Give the token a name, e.g. the program that will use it');
      return;
    }
    if (!expiry.ok) {
      setFormError(expiry.message);
      return;
    }
    setBusy(true);
    setFormError(null);
    setNotice(null);
    try {
      const token = await api.createToken({ name: name.trim(), expires_in_days: expiry.days });
      setCreated(token);
      setCopied(null);
      setName('');
      load();
    } catch (err) {
      setFormError(fieldErrors(err) ?? errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(token: ApiToken) {
    setRevoking(null);
    try {
      await api.revokeToken(token.id);
      setNotice(`Revoked “${token.name}”`);
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Your account</h1>
      </div>
      <section className="panel" aria-label="Account">
        <dl className="facts">
          <dt>Username</dt>
          <dd>{me?.username ?? '…'}</dd>
          <dt>Role</dt>
          <dd>{me ? (me.is_superuser ? 'Superuser' : me.is_staff ? 'Staff' : 'User') : '…'}</dd>
          <dt>Teams</dt>
          <dd>{me ? me.teams.join(', ') || 'none' : '…'}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="tokens-title">
        <h2 className="panel__title" id="tokens-title">
          API tokens
        </h2>
        <p className="muted">
          Programs use a token to call the Sluice API as you (<code>Authorization: Token …</code>). A token can do whatever you can.
        </p>
        <form className="form-grid" onSubmit={create} aria-label="New API token">
          <label className="field">
            <span className="field__label">Name</span>
            <input className="field__input" value={name} maxLength={100} placeholder="e.g. nightly import" onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Expires after (days; empty: never)</span>
            <input
              className="field__input"
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_EXPIRY_DAYS}
              step={1}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </label>
          <div className="form-actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              Create token
            </button>
          </div>
        </form>
        <ErrorNotice message={formError} />
        <ErrorNotice message={error} />
        {notice && (
          <p className="notice notice--ok" role="status">
            {notice}
          </p>
        )}
        <div className="panel panel--flush">
          <table className="table">
            <caption className="sr-only">Your API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key starts</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens?.results.map((token) => {
                const status = tokenStatus(token);
                return (
                  <tr key={token.id}>
                    <td className="table__primary">{token.name || '—'}</td>
                    <td className="table__code">{token.prefix}…</td>
                    <td>
                      <span className={`token-status--${status}`}>{STATUS_TEXT[status]}</span>
                      {token.revoked_at && <div className="muted table__sub">{formatTime(token.revoked_at)}</div>}
                    </td>
                    <td>{formatTime(token.created_at)}</td>
                    <td>{token.expires_at ? formatTime(token.expires_at) : 'never'}</td>
                    <td>{token.last_used_at ? formatTime(token.last_used_at) : 'never'}</td>
                    <td className="table__actions">
                      {status === 'active' && (
                        <button
                          type="button"
                          className="button button--danger button--small"
                          aria-label={`Revoke ${token.name || token.prefix}`}
                          onClick={() => setRevoking(token)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
              {tokens && tokens.results.length === 0 && (
                <tr>
                  <td colSpan={7} className="muted">
                    You have no API tokens.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {tokens && <Pager page={page} hasPrevious={!!tokens.previous} hasNext={!!tokens.next} onPage={setPage} />}
      </section>
      <Dialog
        open={created !== null}
        title="Your new API token"
        onClose={() => setCreated(null)}
        footer={
          <button type="button" className="button button--secondary" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        }
      >
        {created && (
          <NewTokenView
            token={created}
            copied={copied}
            onCopy={(field) => void copyText(created.token, field).then(setCopied)}
          />
        )}
      </Dialog>
      <Dialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name || revoking?.prefix || ''}”?`}
        onClose={() => setRevoking(null)}
        footer={
          <>
            <button type="button" className="button button--secondary" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button type="button" className="button button--danger" onClick={() => revoking && void revoke(revoking)}>
              Revoke token
            </button>
          </>
        }
      >
        <p>Programs that use this token are refused from now on. This cannot be undone; you can create a new token instead.</p>
      </Dialog>
    </main>
  );
}
