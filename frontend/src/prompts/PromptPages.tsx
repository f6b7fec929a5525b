import { Fragment, useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { can, keepPermissions } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { ApiError, errorMessage } from '../api/client';
import { type Comparison, type Page, type Prompt, type PromptDiff, type PromptVersion, api } from '../api/sluice';
import { fromText, toText } from '../editor/SchemaForm';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { ComparisonTable } from '../ui/ComparisonTable';
import { RollbackDialog } from '../ui/RollbackDialog';
import { ErrorNotice, JsonBlock, formatTime } from '../ui/format';
import { templateParts } from './highlight';
import './prompts.css';

export function PromptListPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [data, setData] = useState<Page<Prompt> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');

  useEffect(() => {
    const timer = window.setTimeout(() => {
      api.prompts({ search }).then(setData).catch((err) => setError(errorMessage(err)));
    }, search ? 250 : 0);
    return () => window.clearTimeout(timer);
  }, [search]);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    try {
      const prompt = await api.createPrompt({ name: name.trim(), template: 'Hello {{ name }}', variables: ['name'] });
      navigate(`/prompts/${prompt.name}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Prompts</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          New prompt
        </button>
      </div>
      <div className="filters" role="search">
        <label className="field">
          <span className="field__label">Search</span>
          <input className="field__input" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
      </div>
      <ErrorNotice message={error} />
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Prompts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Variables</th>
              <th scope="col">Revision</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link to={`/prompts/${p.name}`} className="table__primary">
                    {p.name}
                  </Link>
                  {p.description && <div className="muted table__sub">{p.description}</div>}
                </td>
                <td className="table__code">{p.variables.join(', ') || '—'}</td>
                <td>{p.revision}</td>
                <td>{formatTime(p.updated_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No prompts yet. Nodes refer to them as name@tag, e.g. claims-triage@production.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Dialog open={creating} title="New prompt" onClose={() => setCreating(false)}>
        <form className="run-form" onSubmit={create}>
          <label className="field">
            <span className="field__label">Name (lower-case, e.g. claims-triage)</span>
            <input className="field__input" autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <div className="dialog__footer">
            <button type="button" className="button button--secondary" onClick={() => setCreating(false)}>
              Cancel
            </button>
            <button type="submit" className="button button--primary">
              Create and open
            </button>
          </div>
        </form>
      </Dialog>
    </main>
  );
}

/** The template with its `{{ … }}` expressions marked: declared variables in one colour, others as problems. */
function Highlighted({ template, variables }: { template: string; variables: string[] }) {
  return (
    <pre className="prompt-highlight" aria-label="Variables in the text, highlighted">
      {templateParts(template, variables).map((part, index) =>
        part.kind === 'text' ? (
          <Fragment key={index}>{part.text}</Fragment>
        ) : (
          <mark key={index} className={part.declared ? 'var var--declared' : 'var var--unknown'} title={part.declared ? 'declared variable' : 'not declared'}>
            {part.text}
          </mark>
        ),
      )}
    </pre>
  );
}

function DiffLines({ lines }: { lines: string[] }) {
  if (!lines.length) return <p className="muted">No change.</p>;
  return (
    <pre className="line-diff">
      {lines.map((line, index) => (
        <span key={index} className={line.startsWith('+') && !line.startsWith('+++') ? 'added' : line.startsWith('-') && !line.startsWith('---') ? 'removed' : ''}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

export function PromptPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [draft, setDraft] = useState({ template: '', system: '', variables: '', defaults: '{}', reason: '' });
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [versions, setVersions] = useState<PromptVersion[]>([]);
  const [diff, setDiff] = useState<PromptDiff | null>(null);
  const [sample, setSample] = useState('{}');
  const [preview, setPreview] = useState<{ system: string; text: string; version: number } | null>(null);
  const [rollingBack, setRollingBack] = useState<number | null>(null);
  const [tag, setTag] = useState({ name: 'production', version: 1 });
  const [compareForm, setCompareForm] = useState({ runs: '', version: 1 });
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [sharing, setSharing] = useState(false);

  const adopt = useCallback((p: Prompt) => {
    setPrompt(p);
    setDraft({
      template: p.template,
      system: p.system,
      variables: p.variables.join(', '),
      defaults: toText(p.defaults),
      reason: '',
    });
    setTag((t) => ({ ...t, version: p.revision }));
    setCompareForm((c) => ({ ...c, version: p.revision }));
    setSample((s) => (s === '{}' ? JSON.stringify(Object.fromEntries(p.variables.map((v) => [v, ''])), null, 2) : s));
  }, []);

  const loadVersions = useCallback(() => {
    api.promptVersions(name).then((page) => setVersions(page.results)).catch((err) => setError(errorMessage(err)));
  }, [name]);

  useEffect(() => {
    api.prompt(name).then(adopt).catch((err) => setError(errorMessage(err)));
    loadVersions();
  }, [name, adopt, loadVersions]);

  // Poll a comparison until every pair has finished.
  useEffect(() => {
    if (!comparison || comparison.done) return undefined;
    const timer = window.setTimeout(() => {
      api.comparison(comparison.id).then(setComparison).catch((err) => setError(errorMessage(err)));
    }, 800);
    return () => window.clearTimeout(timer);
  }, [comparison]);

  if (!prompt) return <main id="main" className="page">{error ? <ErrorNotice message={error} /> : <p className="muted">Loading…</p>}</main>;

  const variables = draft.variables.split(',').map((v) => v.trim()).filter(Boolean);
  const mayChange = can(prompt, 'change');
  const mayRollback = can(prompt, 'rollback');
  const mayPublish = can(prompt, 'publish');
  const mayShare = can(prompt, 'share');
  const mayDelete = can(prompt, 'delete');

  async function remove() {
    if (!prompt) return;
    try {
      await api.deletePrompt(prompt.name);
      navigate('/prompts');
    } catch (err) {
      setDeleting(false);
      setError(errorMessage(err));
    }
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (!prompt || !mayChange) return;
    const defaults = fromText(draft.defaults);
    if (!defaults.ok) {
      setError(`Defaults: ${defaults.message}`);
      return;
    }
    try {
      const saved = await api.savePrompt(prompt.name, {
        revision: prompt.revision, template: draft.template, system: draft.system, variables,
        defaults: (defaults.value ?? {}) as Record<string, unknown>, reason: draft.reason,
      });
      adopt(keepPermissions(saved, prompt));
      loadVersions();
      setError(null);
      setNotice(`Saved as version ${saved.revision}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setError(`${errorMessage(err)}. Reload to see their version; copy your text first.`);
      else setError(errorMessage(err));
    }
  }

  async function run(action: () => Promise<void>) {
    try {
      await action();
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <main id="main" className="page page--wide" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">
          {prompt.name} <span className="muted">version {prompt.revision}</span>
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
          <Link className="button button--secondary" to="/prompts">
            ← Prompts
          </Link>
        </div>
      </div>
      {!mayChange && (
        <p className="view-only" role="note" data-testid="view-only">
          View only — you can't change this prompt.
        </p>
      )}
      <ErrorNotice message={error} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <div className="prompt-layout">
        <form className="panel" onSubmit={save} aria-label="Prompt">
          <fieldset className="plain-fieldset" disabled={!mayChange}>
            <label className="field">
              <span className="field__label">System message</span>
              <textarea className="field__input field__input--mono" rows={3} value={draft.system} onChange={(e) => setDraft({ ...draft, system: e.target.value })} />
            </label>
            <label className="field">
              <span className="field__label">Template</span>
              <textarea className="field__input field__input--mono" rows={8} value={draft.template} onChange={(e) => setDraft({ ...draft, template: e.target.value })} />
            </label>
            <Highlighted template={draft.template} variables={variables} />
            <label className="field">
              <span className="field__label">Variables (comma-separated)</span>
              <input className="field__input field__input--mono" value={draft.variables} onChange={(e) => setDraft({ ...draft, variables: e.target.value })} />
            </label>
            <label className="field">
              <span className="field__label">Model defaults (JSON: profile, temperature, max_tokens, output_schema)</span>
              <textarea className="field__input field__input--mono" rows={3} value={draft.defaults} onChange={(e) => setDraft({ ...draft, defaults: e.target.value })} />
            </label>
            <label className="field">
              <span className="field__label">Why this change</span>
              <input className="field__input" value={draft.reason} onChange={(e) => setDraft({ ...draft, reason: e.target.value })} />
            </label>
          </fieldset>
          {mayChange && (
            <div>
              <button type="submit" className="button button--primary">
                Save
              </button>
            </div>
          )}
        </form>
        <div className="prompt-side">
          <section className="panel" aria-label="Preview">
            <h2 className="panel__title">Preview</h2>
            <label className="field">
              <span className="field__label">Sample variables (JSON)</span>
              <textarea className="field__input field__input--mono" rows={4} value={sample} onChange={(e) => setSample(e.target.value)} />
            </label>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() =>
                void run(async () => {
                  const parsed = fromText(sample);
                  if (!parsed.ok) throw new Error(parsed.message);
                  setPreview(await api.promptPreview(prompt.name, parsed.value ?? {}));
                })
              }
            >
              Render the saved version
            </button>
            {preview && (
              <div aria-label="Rendered prompt">
                {preview.system && <JsonBlock value={preview.system} label="Rendered system message" />}
                <pre className="json-block" aria-label="Rendered text">
                  {preview.text}
                </pre>
              </div>
            )}
          </section>
          <section className="panel" aria-label="Versions">
            <h2 className="panel__title">History</h2>
            <ol className="history__list">
              {versions.map((v) => (
                <li key={v.version} className="history__item" data-testid={`prompt-version-${v.version}`}>
                  <div className="history__line">
                    <strong>v{v.version}</strong>
                    {v.tags.map((t) => (
                      <span key={t} className="pill status--succeeded">
                        {t}
                      </span>
                    ))}
                  </div>
                  <div className="muted history__meta">
                    {v.author ?? 'someone'} · {formatTime(v.created_at)}
                  </div>
                  {v.reason && <div className="history__reason">{v.reason}</div>}
                  {v.version !== prompt.revision && (
                    <div className="history__actions">
                      <button type="button" className="button button--secondary button--small" onClick={() => void run(async () => setDiff(await api.promptDiff(prompt.name, v.version, prompt.revision)))}>
                        Diff with current
                      </button>
                      {mayRollback && (
                        <button type="button" className="button button--secondary button--small" onClick={() => setRollingBack(v.version)}>
                          Roll back to v{v.version}
                        </button>
                      )}
                    </div>
                  )}
                </li>
              ))}
            </ol>
            {diff && (
              <section aria-label="Line diff">
                <h3 className="inspector__subtitle">
                  v{diff.from} → v{diff.to}
                </h3>
                <DiffLines lines={diff.template} />
                {diff.system.length > 0 && <DiffLines lines={diff.system} />}
              </section>
            )}
            {mayPublish && (
              <form
                className="history__tag"
                aria-label="Move a prompt tag"
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(async () => {
                    await api.promptMoveTag(prompt.name, tag.name.trim(), tag.version);
                    loadVersions();
                  });
                }}
              >
                <label className="field">
                  <span className="field__label">Tag</span>
                  <input className="field__input" value={tag.name} onChange={(e) => setTag({ ...tag, name: e.target.value })} />
                </label>
                <label className="field">
                  <span className="field__label">Points at version</span>
                  <input className="field__input" type="number" min={1} value={tag.version} onChange={(e) => setTag({ ...tag, version: Number(e.target.value) })} />
                </label>
                <button type="submit" className="button button--secondary button--small">
                  Move tag
                </button>
              </form>
            )}
          </section>
        </div>
      </div>
      <section className="panel" aria-label="Compare">
        <h2 className="panel__title">Compare before you promote</h2>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            const runs = compareForm.runs.split(/[\s,]+/).filter(Boolean);
            void run(async () => setComparison(await api.comparePrompt(prompt.name, runs, compareForm.version)));
          }}
        >
          <label className="field field--wide">
            <span className="field__label">Past run ids (they must have rendered this prompt)</span>
            <input className="field__input field__input--mono" value={compareForm.runs} onChange={(e) => setCompareForm({ ...compareForm, runs: e.target.value })} />
          </label>
          <label className="field">
            <span className="field__label">Try version</span>
            <input className="field__input" type="number" min={1} value={compareForm.version} onChange={(e) => setCompareForm({ ...compareForm, version: Number(e.target.value) })} />
          </label>
          <button type="submit" className="button button--secondary">
            Compare
          </button>
        </form>
        {comparison && <ComparisonTable comparison={comparison} candidateLabel={`With version ${compareForm.version}`} />}
      </section>
      <RollbackDialog
        version={mayRollback ? rollingBack : null}
        explanation={`A new version equal to version ${rollingBack} is saved; later versions stay in the history.`}
        onClose={() => setRollingBack(null)}
        onConfirm={(version, reason) =>
          run(async () => {
            const updated = keepPermissions(await api.promptRollback(prompt.name, version, reason), prompt);
            setRollingBack(null);
            adopt(updated);
            loadVersions();
            setNotice(`Rolled back: now version ${updated.revision}`);
          })
        }
      />
      {mayShare && (
        <ShareDialog target={sharing ? { kind: 'prompt', name: prompt.name } : null} objectName={prompt.name} onClose={() => setSharing(false)} />
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete “${prompt.name}”?`}
        confirm="Delete prompt"
        onClose={() => setDeleting(false)}
        onConfirm={() => void remove()}
      >
        <p>Its versions and tags go with it; runs keep the text they rendered. Workflows that render it will fail until they name another prompt.</p>
      </ConfirmDialog>
    </main>
  );
}
