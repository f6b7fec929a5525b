import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { can } from '../access/permissions';
import { errorMessage } from '../api/client';
import { api, type Batch, type BatchItem, type Page } from '../api/sluice';
import { ErrorNotice, JsonBlock, Pager, StatusPill, formatTime } from '../ui/format';

const COUNT_ORDER = ['succeeded', 'failed', 'running', 'waiting', 'queued', 'cancelled'];
const POLL_MS = 1000;

export function BatchesPage() {
  const [data, setData] = useState<Page<Batch> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.batches({}).then(setData).catch((err) => setError(errorMessage(err)));
  }, []);
  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Batches</h1>
        <p className="muted">Start one from a workflow’s “Batch…” button.</p>
      </div>
      <ErrorNotice message={error} />
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Batches</caption>
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/batches/${b.id}`} className="table__primary">
                    {b.id.slice(0, 8)}
                  </Link>
                  <div className="muted table__sub">workflow {b.workflow} · v{b.version}</div>
                </td>
                <td>{b.source}</td>
                <td>
                  <StatusPill status={b.status} />
                </td>
                <td>
                  {Math.round(b.progress * 100)}% of {b.total}
                </td>
                <td>{formatTime(b.created_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No batches yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}

export function ProgressBar({ batch }: { batch: Batch }) {
  const percent = Math.round(batch.progress * 100);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Batch progress">
      {COUNT_ORDER.map((status) => {
        const n = batch.counts[status] ?? 0;
        if (!n || !batch.total) return null;
        return <span key={status} className={`progress__part status-bg--${status}`} style={{ width: `${(n * 100) / batch.total}%` }} />;
      })}
    </div>
  );
}

export function BatchPage() {
  const { id = '' } = useParams();
  const [batch, setBatch] = useState<Batch | null>(null);
  const [items, setItems] = useState<Page<BatchItem> | null>(null);
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  // Bumped after a retry or cancel: polling starts again.
  const [kick, setKick] = useState(0);

  const load = useCallback(async () => {
    try {
      const [b, i] = await Promise.all([api.batch(id), api.batchRuns(id, { page, status: filter })]);
      setBatch(b);
      setItems(i);
      setError(null);
      return b;
    } catch (err) {
      setError(errorMessage(err));
      return null;
    }
  }, [id, page, filter]);

  useEffect(() => {
    let timer: number | undefined;
    let live = true;
    const tick = async () => {
      const b = await load();
      if (live && b && b.status !== 'finished' && b.status !== 'cancelled') timer = window.setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [load, kick]);

  async function act(action: () => Promise<Batch>) {
    try {
      setBatch(await action());
      setKick((k) => k + 1);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  if (!batch) {
    return (
      <main id="main" className="page">
        {error ? <p className="notice notice--error">{error}</p> : <p className="muted">Loading…</p>}
      </main>
    );
  }
  const failed = batch.counts.failed ?? 0;
  const running = batch.status !== 'finished' && batch.status !== 'cancelled';
  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">
          Batch {batch.id.slice(0, 8)} <StatusPill status={batch.status} />
        </h1>
        <div className="page__actions">
          <Link className="button button--secondary" to={`/workflows/${batch.workflow}`}>
            Open the workflow
          </Link>
          {running && can(batch, 'cancel') && (
            <button type="button" className="button button--secondary" onClick={() => void act(() => api.cancelBatch(batch.id))}>
              Cancel
            </button>
          )}
          {can(batch, 'run') && (
            <button
              type="button"
              className="button button--primary"
              disabled={failed === 0 || running}
              onClick={() => void act(() => api.retryBatch(batch.id))}
            >
              Retry {failed} failed
            </button>
          )}
        </div>
      </div>
      <ErrorNotice message={error} />
      <section className="panel" aria-label="Progress">
        <ProgressBar batch={batch} />
        <p data-testid="batch-progress">
          <strong>{Math.round(batch.progress * 100)}%</strong> of {batch.total} items · {batch.source} · {batch.concurrency} at a time
        </p>
        <ul className="counts">
          {COUNT_ORDER.map((status) => (
            <li key={status} data-testid={`count-${status}`}>
              <StatusPill status={status} /> {batch.counts[status] ?? 0}
            </li>
          ))}
        </ul>
      </section>
      <section className="panel panel--flush" aria-label="Items">
        <div className="filters">
          <label className="field">
            <span className="field__label">Show</span>
            <select className="field__input" value={filter} onChange={(e) => { setFilter(e.target.value); setPage(1); }}>
              <option value="">All items</option>
              {COUNT_ORDER.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        <table className="table">
          <caption className="sr-only">Items</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Status</th>
              <th scope="col">Input</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {items?.results.map((item) => (
              <tr key={item.run}>
                <td>
                  <Link to={`/runs/${item.run}`}>{item.batch_index + 1}</Link>
                </td>
                <td>
                  <StatusPill status={item.status} />
                </td>
                <td>
                  <code className="table__code">{JSON.stringify(item.input).slice(0, 80)}</code>
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => setOpen(open === item.batch_index ? null : item.batch_index)} aria-expanded={open === item.batch_index}>
                    {item.error ? (item.error.message ?? 'failed') : item.output === null || item.output === undefined ? '—' : JSON.stringify(item.output).slice(0, 60)}
                  </button>
                  {open === item.batch_index && <JsonBlock value={item.error ?? item.output} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items && <Pager page={page} hasPrevious={!!items.previous} hasNext={!!items.next} onPage={setPage} />}
      </section>
    </main>
  );
}
