import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage } from '../api/client';
import { api, type Graph, type Page, type WorkflowSummary } from '../api/sluice';
import { BatchUploadDialog } from '../batches/BatchUploadDialog';
import { can } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { downloadJson, safeFileName } from '../ui/download';
import { ErrorNotice, Pager, StatusPill, formatTime } from '../ui/format';

const STARTER: Graph = {
  nodes: [{ id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, params: {} }],
  edges: [],
};

const ORDERINGS = [
  ['-updated_at', 'Last changed'],
  ['-last_run_at', 'Last run'],
  ['last_run_status', 'Last run’s status'],
  ['name', 'Name'],
] as const;

const STATUSES = ['', 'succeeded', 'failed', 'running', 'waiting', 'queued', 'cancelled', 'never'];

function download(name: string, data: unknown) {
  downloadJson(`${safeFileName(name, 'workflow')}.sluice.json`, data);
}

export function WorkflowListPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [ordering, setOrdering] = useState('-updated_at');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<WorkflowSummary> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const [deleting, setDeleting] = useState<WorkflowSummary | null>(null);
  const [batchFor, setBatchFor] = useState<WorkflowSummary | null>(null);
  const [sharing, setSharing] = useState<WorkflowSummary | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    api
      .workflows({ search, ordering, last_run_status: status, page })
      .then((result) => {
        setData(result);
        setError(null);
      })
      .catch((err) => setError(errorMessage(err)));
  }, [search, ordering, status, page]);

  useEffect(() => {
    const timer = window.setTimeout(load, search ? 250 : 0);
    return () => window.clearTimeout(timer);
  }, [load, search]);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    try {
      const workflow = await api.createWorkflow({ name: newName.trim() || 'Untitled workflow', graph: STARTER });
      navigate(`/workflows/${workflow.id}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function importFile(file: File) {
    try {
      const workflow = await api.importWorkflow(JSON.parse(await file.text()));
      setNotice(`Imported “${workflow.name}”`);
      load();
    } catch (err) {
      setError(`Could not import ${file.name}: ${errorMessage(err)}`);
    }
  }

  async function act(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      setNotice(done);
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const pages = data ? Math.max(1, Math.ceil(data.count / 25)) : 1;

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Workflows</h1>
        <div className="page__actions">
          <button type="button" className="button button--secondary" onClick={() => fileInput.current?.click()}>
            Import…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            className="sr-only"
            aria-label="Import a workflow file"
            tabIndex={-1}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void importFile(file);
              e.target.value = '';
            }}
          />
          <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
            New workflow
          </button>
        </div>
      </div>
      <div className="filters" role="search">
        <label className="field">
          <span className="field__label">Search</span>
          <input
            className="field__input"
            type="search"
            value={search}
            placeholder="Name contains…"
            onChange={(e) => {
              setSearch(e.target.value);
              setPage(1);
            }}
          />
        </label>
        <label className="field">
          <span className="field__label">Last run</span>
          <select className="field__input" value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'Any status' : s === 'never' ? 'Never run' : s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Sort by</span>
          <select className="field__input" value={ordering} onChange={(e) => setOrdering(e.target.value)}>
            {ORDERINGS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice message={error} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Workflows</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Nodes</th>
              <th scope="col">Last run</th>
              <th scope="col">Changed</th>
              <th scope="col">Owner</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/workflows/${w.id}`} className="table__primary">
                    {w.name}
                  </Link>
                  {w.description && <div className="muted table__sub">{w.description}</div>}
                </td>
                <td>{w.nodes}</td>
                <td>
                  <StatusPill status={w.last_run_status} />
                  {w.last_run_at && <div className="muted table__sub">{formatTime(w.last_run_at)}</div>}
                </td>
                <td>
                  {formatTime(w.updated_at)}
                  <div className="muted table__sub">revision {w.revision}</div>
                </td>
                <td>{w.created_by ?? '—'}</td>
                <td className="table__actions">
                  <Link className="button button--secondary button--small" to={`/runs?workflow=${w.id}`}>
                    Runs
                  </Link>
                  {can(w, 'run') && (
                    <button type="button" className="button button--secondary button--small" onClick={() => setBatchFor(w)}>
                      Batch…
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => void act(async () => download(w.name, await api.exportWorkflow(w.id)), `Exported “${w.name}”`)}
                  >
                    Export
                  </button>
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => void act(() => api.duplicateWorkflow(w.id), `Duplicated “${w.name}”`)}
                  >
                    Duplicate
                  </button>
                  {can(w, 'share') && (
                    <button type="button" className="button button--secondary button--small" onClick={() => setSharing(w)}>
                      Share…
                    </button>
                  )}
                  {can(w, 'delete') && (
                    <button type="button" className="button button--danger button--small" onClick={() => setDeleting(w)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No workflow matches. Create one with “New workflow”.
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
      <Pager page={page} pages={pages} hasPrevious={page > 1} hasNext={page < pages} onPage={setPage} />
      <Dialog open={creating} title="New workflow" onClose={() => setCreating(false)}>
        <form onSubmit={create} className="run-form">
          <label className="field">
            <span className="field__label">Name</span>
            <input className="field__input" autoFocus value={newName} onChange={(e) => setNewName(e.target.value)} />
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
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ''}”?`}
        confirm="Delete workflow"
        onClose={() => setDeleting(null)}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (target) void act(() => api.deleteWorkflow(target.id), `Deleted “${target.name}”`);
        }}
      >
        <p>The workflow, its versions and its runs are deleted. This cannot be undone.</p>
      </ConfirmDialog>
      {batchFor && <BatchUploadDialog workflow={batchFor} onClose={() => setBatchFor(null)} />}
      <ShareDialog
        target={sharing ? { kind: 'workflow', id: sharing.id } : null}
        objectName={sharing?.name ?? ''}
        onClose={() => setSharing(null)}
      />
    </main>
  );
}
