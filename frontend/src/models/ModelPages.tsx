import { useCallback, useEffect, useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { can, keepPermissions } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { ApiError, errorMessage } from '../api/client';
import { type ModelProfile, type ModelTestResult, type RoutingPolicy, api, fieldErrors } from '../api/sluice';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { useSearchedPage } from '../ui/useSearchedPage';
import { ErrorNotice, Pager, formatTime } from '../ui/format';
import { ModelCallView } from './ModelCallView';
import { TargetsEditor } from './TargetsEditor';
import {
  type CredentialChoice,
  type FieldProblem,
  POLICIES,
  type TargetDraft,
  describeProblem,
  describeTarget,
  draftsFrom,
  newTarget,
  policyInfo,
  profileChanges,
  serverProblems,
  targetsChanged,
  targetsOf,
} from './targets';
import '../access/access.css';
import './models.css';

const PROFILE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const DEFAULT_MESSAGE = 'Say hello in five words.';

/** A 400's problems as one line each (the fields also show their own). */
function problemsText(problems: readonly FieldProblem[]): string {
  return problems.map(describeProblem).join('; ');
}

/** The credentials the user may see, for the pickers (one page of up to 500). */
function useCredentialChoices(): CredentialChoice[] {
  const [choices, setChoices] = useState<CredentialChoice[]>([]);
  useEffect(() => {
    let live = true;
    api
      .credentials({ page_size: 500 })
      .then((page) => live && setChoices(page.results))
      .catch(() => undefined); // the picker then offers None and the targets' own references
    return () => {
      live = false;
    };
  }, []);
  return choices;
}

function PolicyField({ value, onChange }: { value: RoutingPolicy; onChange: (policy: RoutingPolicy) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        Routing policy
      </label>
      <select id={id} className="field__input" value={value} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.value as RoutingPolicy)}>
        {POLICIES.map((p) => (
          <option key={p.policy} value={p.policy}>
            {p.label}
          </option>
        ))}
      </select>
      <span id={`${id}-hint`} className="field__hint">
        {policyInfo(value).explanation} Timeouts, dropped connections, 429 and 5xx fail over to the next target.
      </span>
    </div>
  );
}

export function ModelProfileListPage() {
  const navigate = useNavigate();
  const credentials = useCredentialChoices();
  const { search, setSearch, page, setPage, data, error } = useSearchedPage(api.modelProfiles);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState({ name: '', description: '', policy: 'failover' as RoutingPolicy });
  const [targets, setTargets] = useState<TargetDraft[]>(() => [newTarget()]);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);


  function close() {
    setCreating(false);
    setDraft({ name: '', description: '', policy: 'failover' });
    setTargets([newTarget()]);
    setProblems([]);
    setFormError(null);
  }

  async function create(event: React.FormEvent) {
    event.preventDefault();
    const name = draft.name.trim();
    const built = targetsOf(targets);
    const local: FieldProblem[] = [...built.problems];
    if (!PROFILE_NAME.test(name)) local.unshift({ field: 'name', message: 'Lower-case letters, digits, “.”, “_” and “-”, e.g. default' });
    if (local.length) {
      setProblems(local);
      setFormError(problemsText(local));
      return;
    }
    setBusy(true);
    try {
      const profile = await api.createModelProfile({ name, description: draft.description.trim(), policy: draft.policy, targets: built.targets });
      navigate(`/models/${profile.id}`);
    } catch (err) {
      const found = serverProblems(err);
      setProblems(found);
      setFormError(found.length ? problemsText(found) : (fieldErrors(err) ?? errorMessage(err)));
    } finally {
      setBusy(false);
    }
  }

  const nameProblem = problems.find((p) => p.field === 'name')?.message;
  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Model profiles</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          New model profile
        </button>
      </div>
      <p className="muted">
        A profile names an ordered chain of provider and model targets and how to choose among them. LLM nodes name a profile in their{' '}
        <code>model</code> parameter.
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
          <caption className="sr-only">Model profiles</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Policy</th>
              <th scope="col">Targets</th>
              <th scope="col">Revision</th>
              <th scope="col">Owner</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/models/${p.id}`} className="table__primary">
                    {p.name}
                  </Link>
                  {p.description && <div className="muted table__sub">{p.description}</div>}
                </td>
                <td>{policyInfo(p.policy).label}</td>
                <td>
                  <ol className="target-list-cell">
                    {p.targets.map((t, i) => (
                      <li key={i} className="table__code">
                        {i + 1}. {describeTarget(t)}
                        {p.breakers?.[i]?.open ? <span className="pill pill--fail"> breaker open</span> : null}
                      </li>
                    ))}
                  </ol>
                </td>
                <td>{p.revision}</td>
                <td>{p.created_by ?? '—'}</td>
                <td>{formatTime(p.updated_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No model profiles yet. Create one with “New model profile”; LLM nodes use the one named <code>default</code> unless told otherwise.
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
      <Dialog open={creating} title="New model profile" onClose={close} wide>
        <form className="run-form" onSubmit={create} noValidate>
          <div className="form-grid">
            <label className="field">
              <span className="field__label">Name</span>
              <input
                className="field__input field__input--mono"
                value={draft.name}
                maxLength={100}
                placeholder="default"
                spellCheck={false}
                aria-invalid={nameProblem ? true : undefined}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              />
            </label>
            <label className="field">
              <span className="field__label">Description</span>
              <input className="field__input" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
            </label>
          </div>
          <PolicyField value={draft.policy} onChange={(policy) => setDraft({ ...draft, policy })} />
          <h3 className="share__subtitle">Targets</h3>
          <TargetsEditor targets={targets} onChange={setTargets} problems={problems} credentials={credentials} />
          <ErrorNotice message={formError} />
          <div className="dialog__footer">
            <button type="button" className="button button--secondary" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              Create model profile
            </button>
          </div>
        </form>
      </Dialog>
    </main>
  );
}

type TestScope = 'profile' | number;
interface TestState {
  scope: TestScope;
  busy: boolean;
  result: ModelTestResult | null;
  error: string | null;
}

/** The answer (or why there was none) and the call that was recorded. */
function TestResultView({ state, label }: { state: TestState; label: string }) {
  if (state.busy) {
    return (
      <p className="muted" role="status">
        Asking {label.toLowerCase()}…
      </p>
    );
  }
  return (
    <div className="test-result" role="region" aria-label={`Test result: ${label}`}>
      <ErrorNotice message={state.error} />
      {state.result &&
        (state.result.ok ? (
          <>
            <h4 className="step-detail__label">Answer</h4>
            <p className="test-answer" data-testid="test-answer">
              {state.result.text}
            </p>
          </>
        ) : (
          <p className="notice notice--error" role="alert" data-testid="test-error">
            {state.result.error ?? 'The call failed'}
          </p>
        ))}
      {state.result?.call && <ModelCallView call={state.result.call} title="The call" />}
    </div>
  );
}

export function ModelProfilePage() {
  const { id } = useParams();
  const profileId = Number(id);
  const navigate = useNavigate();
  const credentials = useCredentialChoices();
  const [profile, setProfile] = useState<ModelProfile | null>(null);
  const [description, setDescription] = useState('');
  const [policy, setPolicy] = useState<RoutingPolicy>('failover');
  const [targets, setTargets] = useState<TargetDraft[]>([]);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(DEFAULT_MESSAGE);
  const [test, setTest] = useState<TestState | null>(null);
  const [sharing, setSharing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const adopt = useCallback((next: ModelProfile) => {
    setProfile(next);
    setDescription(next.description);
    setPolicy(next.policy);
    setTargets(draftsFrom(next.targets));
    setProblems([]);
    setConflict(false);
  }, []);

  const load = useCallback(() => {
    api
      .modelProfile(profileId)
      .then((p) => {
        adopt(p);
        setError(null);
      })
      .catch((err) => setError(errorMessage(err)));
  }, [profileId, adopt]);
  useEffect(load, [load]);

  if (!profile) {
    return (
      <main id="main" className="page">
        {error ? <ErrorNotice message={error} /> : <p className="muted">Loading…</p>}
        <Link to="/models">← Model profiles</Link>
      </main>
    );
  }
  const current = profile;
  const mayChange = can(current, 'change');
  const mayUse = can(current, 'use');
  const mayShare = can(current, 'share');
  const mayDelete = can(current, 'delete');
  const dirty = description.trim() !== current.description || policy !== current.policy || targetsChanged(targets, current.targets);

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (!mayChange) return;
    setNotice(null);
    const local = targetsOf(targets).problems;
    if (local.length) {
      setProblems(local);
      setError(problemsText(local));
      return;
    }
    const body = profileChanges(current, { description, policy, targets });
    if (Object.keys(body).length === 1) {
      setNotice('Nothing to save');
      return;
    }
    setBusy(true);
    try {
      const saved = keepPermissions(await api.saveModelProfile(current.id, body), current);
      adopt(saved);
      setError(null);
      setNotice(`Saved as revision ${saved.revision}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setConflict(true);
        setError(`${errorMessage(err)}. Your changes are still here: note them, then load their version.`);
      } else {
        const found = serverProblems(err);
        setProblems(found);
        setError(found.length ? problemsText(found) : (fieldErrors(err) ?? errorMessage(err)));
      }
    } finally {
      setBusy(false);
    }
  }

  async function runTest(scope: TestScope) {
    setTest({ scope, busy: true, result: null, error: null });
    try {
      const result = await api.testModelProfile(current.id, scope === 'profile' ? { message } : { target: scope, message });
      setTest({ scope, busy: false, result, error: null });
    } catch (err) {
      setTest({ scope, busy: false, result: null, error: fieldErrors(err) ?? errorMessage(err) });
    }
    // The test moved the breakers: show them as they are now (the drafts stay as typed).
    api
      .modelProfile(current.id)
      .then((fresh) => setProfile((p) => (p && p.revision === fresh.revision ? { ...p, breakers: fresh.breakers } : p)))
      .catch(() => undefined);
  }

  async function remove() {
    setDeleting(false);
    try {
      await api.deleteModelProfile(current.id);
      navigate('/models');
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const testing = test?.busy ?? false;
  return (
    <main id="main" className="page page--wide" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">
          {current.name} <span className="muted">revision {current.revision}</span>
        </h1>
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
          <Link className="button button--secondary" to="/models">
            ← Model profiles
          </Link>
        </div>
      </div>
      {!mayChange && (
        <p className="view-only" role="note" data-testid="view-only">
          View only — you can't change this model profile.
        </p>
      )}
      <ErrorNotice message={error} />
      {conflict && (
        <div className="form-actions">
          <button type="button" className="button button--secondary" onClick={load}>
            Load their version (drops your changes)
          </button>
        </div>
      )}
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <div className="profile-layout">
        <form className="panel" onSubmit={save} aria-label="Model profile" noValidate>
          <fieldset className="plain-fieldset" disabled={!mayChange}>
            <label className="field">
              <span className="field__label">Description</span>
              <input className="field__input" value={description} onChange={(e) => setDescription(e.target.value)} />
            </label>
            <PolicyField value={policy} onChange={setPolicy} />
          </fieldset>
          <h2 className="panel__title">Targets</h2>
          <TargetsEditor
            targets={targets}
            onChange={setTargets}
            problems={problems}
            credentials={credentials}
            readOnly={!mayChange}
            breakers={current.breakers}
            renderExtra={(draft, index) =>
              mayUse ? (
                <div className="target__test">
                  <div>
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-label={`Test target ${index + 1}`}
                      disabled={testing || draft.savedIndex === null}
                      onClick={() => draft.savedIndex !== null && void runTest(draft.savedIndex)}
                    >
                      Test this target
                    </button>
                    {draft.savedIndex === null && <span className="field__hint"> Save the profile to test a new target.</span>}
                  </div>
                  {test && test.scope === draft.savedIndex && draft.savedIndex !== null && (
                    <TestResultView state={test} label={`Target ${index + 1}`} />
                  )}
                </div>
              ) : null
            }
          />
          {mayChange && (
            <div className="form-actions">
              <button type="submit" className="button button--primary" disabled={busy}>
                Save
              </button>
              {dirty && <span className="field__hint">Unsaved changes</span>}
            </div>
          )}
        </form>
        <div className="profile-side">
          <section className="panel" aria-label="About this profile">
            <dl className="facts">
              <dt>Name</dt>
              <dd>
                <code>{current.name}</code> <span className="muted">— put it in an LLM node’s Model field</span>
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
          </section>
          <section className="panel" aria-label="Test the profile">
            <h2 className="panel__title">Test</h2>
            {mayUse ? (
              <>
                <label className="field">
                  <span className="field__label">Test message</span>
                  <textarea className="field__input" rows={2} maxLength={2000} value={message} onChange={(e) => setMessage(e.target.value)} />
                </label>
                <p className="field__hint">
                  One short call through the saved profile (revision {current.revision}), recorded like any other.
                  {dirty ? ' Save your changes first to test them.' : ''}
                </p>
                <div>
                  <button type="button" className="button button--primary" disabled={testing} onClick={() => void runTest('profile')}>
                    Test the profile
                  </button>
                </div>
                {test && test.scope === 'profile' && <TestResultView state={test} label="The profile" />}
              </>
            ) : (
              <p className="muted">You may not call models through this profile, so there is nothing to test.</p>
            )}
          </section>
        </div>
      </div>
      {mayShare && (
        <ShareDialog target={sharing ? { kind: 'model-profile', id: current.id } : null} objectName={current.name} onClose={() => setSharing(false)} />
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete “${current.name}”?`}
        confirm="Delete model profile"
        onClose={() => setDeleting(false)}
        onConfirm={() => void remove()}
      >
        <p>LLM nodes that name it will fail until they name another profile. Its recorded calls stay. This cannot be undone.</p>
      </ConfirmDialog>
    </main>
  );
}
