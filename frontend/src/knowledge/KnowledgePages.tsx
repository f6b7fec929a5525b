import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { can, keepPermissions } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { errorMessage } from '../api/client';
import { type Page, api, fieldErrors } from '../api/sluice';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { useSearchedPage } from '../ui/useSearchedPage';
import { ErrorNotice, Pager, StatusPill, formatTime } from '../ui/format';
import {
  type Collection,
  type EmbeddingSetting,
  type KnowledgeDocument,
  type SearchResult,
  describeEmbedding,
  describePosition,
  formatSize,
  knowledgeApi,
  stillProcessing,
} from './knowledgeApi';
import '../access/access.css';
import './knowledge.css';

const POLL_MS = 1000;
const LOCAL = 'local';

function problemOf(err: unknown): string {
  return fieldErrors(err) ?? errorMessage(err);
}

/** The model profiles the user may see, for the embeddings picker. */
function useProfileNames(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api
      .modelProfiles({})
      .then((page) => live && setNames(page.results.filter((p) => p.permissions.includes('use')).map((p) => p.name)))
      .catch(() => undefined); // then only the local model is offered
    return () => {
      live = false;
    };
  }, []);
  return names;
}

function embeddingChoice(embedding: EmbeddingSetting): string {
  return 'profile' in embedding ? embedding.profile : LOCAL;
}

function settingOf(choice: string): EmbeddingSetting {
  return choice === LOCAL ? { provider: 'local' } : { profile: choice };
}

function EmbeddingField({ value, onChange, profiles, disabled }: { value: string; onChange: (choice: string) => void; profiles: string[]; disabled?: boolean }) {
  const id = useId();
  const choices = profiles.includes(value) || value === LOCAL ? profiles : [value, ...profiles];
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        Embeddings
      </label>
      <select id={id} className="field__input" value={value} disabled={disabled} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.value)}>
        <option value={LOCAL}>Local model (all-MiniLM-L6-v2)</option>
        {choices.map((name) => (
          <option key={name} value={name}>
            Model profile “{name}”
          </option>
        ))}
      </select>
      <span id={`${id}-hint`} className="field__hint">
        The local model needs no key; a model profile’s OpenAI-compatible targets are asked for <code>/embeddings</code>. Changing it embeds every document again.
      </span>
    </div>
  );
}

export function CollectionListPage() {
  const navigate = useNavigate();
  const profiles = useProfileNames();
  const { search, setSearch, page, setPage, data, error } = useSearchedPage(knowledgeApi.collections);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [embedding, setEmbedding] = useState(LOCAL);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);


  function close() {
    setCreating(false);
    setFormError(null);
  }

  async function create(event: React.FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setFormError('Give the collection a name');
      return;
    }
    setBusy(true);
    try {
      const created = await knowledgeApi.createCollection({ name: name.trim(), description, embedding: settingOf(embedding) });
      navigate(`/knowledge/${created.id}`);
    } catch (err) {
      setFormError(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Document collections</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          New collection
        </button>
      </div>
      <p className="muted">
        Text, Markdown and PDF documents, cut into passages and embedded, for the <code>knowledge.search</code> node: it finds the passages most like a
        question, with their source, for an answer that cites them.
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
          <caption className="sr-only">Collections</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Documents</th>
              <th scope="col">Embeddings</th>
              <th scope="col">Owner</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/knowledge/${c.id}`} className="table__primary">
                    {c.name}
                  </Link>
                  {c.description && <div className="muted table__sub">{c.description}</div>}
                </td>
                <td>
                  {c.ready_count ?? 0} ready of {c.document_count ?? 0}
                </td>
                <td>{describeEmbedding(c.embedding)}</td>
                <td>{c.created_by ?? '—'}</td>
                <td>{formatTime(c.updated_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No collections yet. Create one with “New collection”.
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
      <Dialog open={creating} title="New collection" onClose={close}>
        <form className="run-form" onSubmit={create} noValidate>
          <label className="field">
            <span className="field__label">Name</span>
            <input className="field__input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Description</span>
            <input className="field__input" value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
          <EmbeddingField value={embedding} onChange={setEmbedding} profiles={profiles} />
          <ErrorNotice message={formError} />
          <div className="dialog__footer">
            <button type="button" className="button button--secondary" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              Create collection
            </button>
          </div>
        </form>
      </Dialog>
    </main>
  );
}

function UploadForm({ collectionId, onUploaded }: { collectionId: number; onUploaded: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(event: React.FormEvent) {
    event.preventDefault();
    if (!file) {
      setError('Choose a file');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await knowledgeApi.upload(collectionId, file);
      setFile(null);
      if (input.current) input.current.value = '';
      onUploaded();
    } catch (err) {
      setError(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="upload-form" onSubmit={send} aria-label="Upload a document">
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Document (.txt, .md or .pdf)
        </label>
        <input
          id={id}
          ref={input}
          className="field__input"
          type="file"
          accept=".txt,.md,.markdown,.pdf,text/plain,text/markdown,application/pdf"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        Upload
      </button>
      <ErrorNotice message={error} />
    </form>
  );
}

function DocumentsPanel({ collection, version, onChanged }: { collection: Collection; version: number; onChanged: () => void }) {
  const mayChange = can(collection, 'change');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<KnowledgeDocument> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<KnowledgeDocument | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    knowledgeApi
      .documents(collection.id, page)
      .then((result) => {
        if (!live) return;
        setData(result);
        setError(null);
      })
      .catch((err) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [collection.id, page, version, tick]);

  // While the worker reads and embeds an upload, ask again every second.
  const busy = data ? stillProcessing(data.results) : false;
  useEffect(() => {
    if (!busy) return undefined;
    const timer = window.setTimeout(() => setTick((t) => t + 1), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [busy, data]);
  const wasBusy = useRef(false);
  useEffect(() => {
    if (wasBusy.current && !busy) onChanged(); // the counts on the page change too
    wasBusy.current = busy;
  }, [busy, onChanged]);

  async function remove(document: KnowledgeDocument) {
    setRemoving(null);
    try {
      await knowledgeApi.deleteDocument(collection.id, document.id);
      setTick((t) => t + 1);
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <section className="panel" aria-label="Documents">
      <h2 className="panel__title">Documents</h2>
      {mayChange && (
        <UploadForm
          collectionId={collection.id}
          onUploaded={() => {
            setPage(1);
            setTick((t) => t + 1);
            onChanged();
          }}
        />
      )}
      <ErrorNotice message={error} />
      <table className="table">
        <caption className="sr-only">Documents</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Size</th>
            <th scope="col">Status</th>
            <th scope="col">Passages</th>
            <th scope="col">Uploaded</th>
            {mayChange && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {data?.results.map((d) => (
            <tr key={d.id} data-testid={`document-${d.filename}`}>
              <td>
                <span className="table__primary">{d.filename}</span>
                <div className="muted table__sub">
                  {d.content_type}
                  {d.pages ? ` · ${d.pages} pages` : ''}
                </div>
              </td>
              <td>{formatSize(d.size)}</td>
              <td>
                <StatusPill status={d.status} />
                {d.error && <div className="document-error">{d.error}</div>}
              </td>
              <td>{d.status === 'ready' ? d.chunk_count : '—'}</td>
              <td>
                {formatTime(d.created_at)}
                {d.created_by && <div className="muted table__sub">by {d.created_by}</div>}
              </td>
              {mayChange && (
                <td>
                  <button type="button" className="button button--secondary button--small" onClick={() => setRemoving(d)} aria-label={`Remove ${d.filename}`}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
          {data && data.results.length === 0 && (
            <tr>
              <td colSpan={mayChange ? 6 : 5} className="muted">
                No documents yet.{mayChange ? ' Upload a text, Markdown or PDF file.' : ''}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {data && <Pager page={page} hasPrevious={!!data.previous} hasNext={!!data.next} onPage={setPage} />}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove “${removing?.filename ?? ''}”?`}
        confirm="Remove document"
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
      >
        <p>Its passages are no longer found by searches. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}

function SearchPreview({ collection }: { collection: Collection }) {
  const mayUse = can(collection, 'use');
  const [query, setQuery] = useState('');
  const [topK, setTopK] = useState(4);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(event: React.FormEvent) {
    event.preventDefault();
    if (!query.trim()) {
      setError('Type a question or some words to look for');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResult(await knowledgeApi.search(collection.id, { query, top_k: topK }));
    } catch (err) {
      setResult(null);
      setError(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (!mayUse) {
    return (
      <section className="panel" aria-label="Search preview">
        <h2 className="panel__title">Search preview</h2>
        <p className="muted">You may not search this collection (that needs the right to use it).</p>
      </section>
    );
  }
  return (
    <section className="panel" aria-label="Search preview">
      <h2 className="panel__title">Search preview</h2>
      <form className="search-form" onSubmit={run}>
        <label className="field search-form__query">
          <span className="field__label">Query</span>
          <input className="field__input" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label className="field search-form__k">
          <span className="field__label">Passages</span>
          <input className="field__input" type="number" min={1} max={50} value={topK} onChange={(e) => setTopK(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <button type="submit" className="button button--primary" disabled={busy}>
          Search
        </button>
      </form>
      <ErrorNotice message={error} />
      {result && (
        <div role="region" aria-label="Search results">
          <p className="muted" role="status">
            {result.passages.length} of {result.searched} passages
            {result.model ? ` · ${result.model.provider} · ${result.model.model}` : ''}
          </p>
          <ol className="passages" aria-label="Passages">
            {result.passages.map((p) => (
              <li key={`${p.document}-${p.position.index}`} className="passage">
                <div className="passage__meta">
                  <strong>{p.source}</strong>
                  <span className="muted">{describePosition(p)}</span>
                  <span className="pill passage__score" title="Cosine similarity (-1 to 1)">
                    score {p.score.toFixed(3)}
                  </span>
                </div>
                <p className="passage__text">{p.text}</p>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

export function CollectionPage() {
  const { id } = useParams();
  const collectionId = Number(id);
  const navigate = useNavigate();
  const profiles = useProfileNames();
  const [collection, setCollection] = useState<Collection | null>(null);
  const [description, setDescription] = useState('');
  const [embedding, setEmbedding] = useState(LOCAL);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [version, setVersion] = useState(0);

  const adopt = useCallback((next: Collection) => {
    setCollection(next);
    setDescription(next.description);
    setEmbedding(embeddingChoice(next.embedding));
  }, []);

  const reload = useCallback(() => {
    knowledgeApi
      .collection(collectionId)
      .then((next) => setCollection((current) => (current ? { ...current, document_count: next.document_count, ready_count: next.ready_count } : next)))
      .catch(() => undefined);
  }, [collectionId]);

  useEffect(() => {
    knowledgeApi
      .collection(collectionId)
      .then(adopt)
      .catch((err) => setError(errorMessage(err)));
  }, [collectionId, adopt]);

  if (!collection) {
    return (
      <main id="main" className="page">
        {error ? <ErrorNotice message={error} /> : <p className="muted">Loading…</p>}
        <Link to="/knowledge">← Collections</Link>
      </main>
    );
  }
  const current = collection;
  const mayChange = can(current, 'change');

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const body: { description?: string; embedding?: EmbeddingSetting } = {};
    if (description !== current.description) body.description = description;
    if (embedding !== embeddingChoice(current.embedding)) body.embedding = settingOf(embedding);
    if (Object.keys(body).length === 0) {
      setNotice('Nothing to save');
      return;
    }
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      adopt(keepPermissions(await knowledgeApi.updateCollection(current.id, body), current));
      setNotice(body.embedding ? 'Saved; every document is being embedded again' : 'Saved');
      setVersion((v) => v + 1);
    } catch (err) {
      setError(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setDeleting(false);
    try {
      await knowledgeApi.deleteCollection(current.id);
      navigate('/knowledge');
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">{current.name}</h1>
        <div className="page__actions">
          {can(current, 'share') && (
            <button type="button" className="button button--secondary" onClick={() => setSharing(true)}>
              Share…
            </button>
          )}
          {can(current, 'delete') && (
            <button type="button" className="button button--danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          )}
          <Link className="button button--secondary" to="/knowledge">
            ← Collections
          </Link>
        </div>
      </div>
      {!mayChange && (
        <p className="view-only" role="note" data-testid="view-only">
          View only — you can't change this collection.
        </p>
      )}
      <ErrorNotice message={error} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <div className="knowledge-layout">
        <div className="knowledge-main">
          <DocumentsPanel collection={current} version={version} onChanged={reload} />
          <SearchPreview collection={current} />
        </div>
        <div className="knowledge-side">
          <section className="panel" aria-label="About this collection">
            <dl className="facts">
              <dt>In a workflow</dt>
              <dd>
                <code>knowledge.search</code> with collection <code>{current.name}</code>
              </dd>
              <dt>Documents</dt>
              <dd>
                {current.ready_count ?? 0} ready of {current.document_count ?? 0}
              </dd>
              <dt>Embeddings</dt>
              <dd>{describeEmbedding(current.embedding)}</dd>
              <dt>Owner</dt>
              <dd>{current.created_by ?? '—'}</dd>
              <dt>Changed</dt>
              <dd>{formatTime(current.updated_at)}</dd>
              <dt>You may</dt>
              <dd>{current.permissions?.join(', ') || '—'}</dd>
            </dl>
          </section>
          <form className="panel" onSubmit={save} aria-label="Collection details">
            <h2 className="panel__title">Details</h2>
            <fieldset className="plain-fieldset" disabled={!mayChange}>
              <label className="field">
                <span className="field__label">Description</span>
                <input className="field__input" value={description} onChange={(e) => setDescription(e.target.value)} />
              </label>
              <EmbeddingField value={embedding} onChange={setEmbedding} profiles={profiles} />
            </fieldset>
            {mayChange && (
              <div className="form-actions">
                <button type="submit" className="button button--primary" disabled={busy}>
                  Save
                </button>
              </div>
            )}
          </form>
        </div>
      </div>
      {can(current, 'share') && (
        <ShareDialog target={sharing ? { kind: 'collection', id: current.id } : null} objectName={current.name} onClose={() => setSharing(false)} />
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete “${current.name}”?`}
        confirm="Delete collection"
        onClose={() => setDeleting(false)}
        onConfirm={() => void remove()}
      >
        <p>Its documents and passages are deleted; knowledge.search nodes that name it will fail. This cannot be undone.</p>
      </ConfirmDialog>
    </main>
  );
}
