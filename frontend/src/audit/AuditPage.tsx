import { Fragment, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client';
import { type AuditEntry, type Page, api } from '../api/sluice';
import { ErrorNotice, JsonBlock, Pager, formatTime } from '../ui/format';
import { type FilterName, type FilterValues, auditQuery, filtersFrom, objectPath, pageFrom, paramsFor, shortHash, withPage } from './auditFilters';
import '../access/access.css';

const OBJECT_TYPES = ['workflow', 'prompt', 'credential', 'run', 'review', 'token', 'user', 'team'];

const FIELDS: { name: FilterName; label: string; type?: string; placeholder?: string; list?: string }[] = [
  { name: 'actor', label: 'Who (username)' },
  { name: 'action', label: 'Action', placeholder: 'e.g. workflow.update' },
  { name: 'object_type', label: 'Object type', placeholder: 'e.g. workflow', list: 'audit-object-types' },
  { name: 'object_id', label: 'Object id' },
  { name: 'since', label: 'From', type: 'date' },
  { name: 'until', label: 'Before', type: 'date' },
];

/** The hash-chained audit log, newest first: filters in the address, paging, each entry's summary on demand. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const [draft, setDraft] = useState<FilterValues>(() => filtersFrom(params));
  const [data, setData] = useState<Page<AuditEntry> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [forbidden, setForbidden] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const page = pageFrom(params);

  useEffect(() => {
    setDraft(filtersFrom(params));
    let live = true;
    api
      .audit(auditQuery(params))
      .then((result) => {
        if (!live) return;
        setData(result);
        setError(null);
      })
      .catch((err) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 403) setForbidden(true);
        else setError(errorMessage(err));
      });
    return () => {
      live = false;
    };
  }, [key]);

  function toggle(seq: number) {
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });
  }

  if (forbidden) {
    return (
      <main id="main" className="page" tabIndex={-1}>
        <h1 className="page__title">Audit log</h1>
        <p className="notice notice--error" role="alert">
          The audit log is open to staff and superusers only.
        </p>
      </main>
    );
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Audit log</h1>
        <p className="muted">Every change, run, decision, permission change, sign-in and secret use; each entry carries the hash of the one before.</p>
      </div>
      <form
        className="filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setOpen(new Set());
          setParams(paramsFor(draft));
        }}
      >
        {FIELDS.map((field) => (
          <label className="field" key={field.name}>
            <span className="field__label">{field.label}</span>
            <input
              className="field__input"
              type={field.type ?? 'text'}
              list={field.list}
              placeholder={field.placeholder}
              value={draft[field.name]}
              onChange={(e) => setDraft({ ...draft, [field.name]: e.target.value })}
            />
          </label>
        ))}
        <datalist id="audit-object-types">
          {OBJECT_TYPES.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button type="submit" className="button button--primary">
          Filter
        </button>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            setOpen(new Set());
            setParams(new URLSearchParams());
          }}
        >
          Clear
        </button>
      </form>
      <ErrorNotice message={error} />
      {data && (
        <p className="muted" role="status">
          {data.count} {data.count === 1 ? 'entry' : 'entries'}
        </p>
      )}
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((entry) => {
              const expanded = open.has(entry.seq);
              const path = objectPath(entry.object_type, entry.object_id);
              const detailId = `audit-entry-${entry.seq}`;
              const label = entry.object_repr || `${entry.object_type} ${entry.object_id ?? ''}`.trim();
              return (
                <Fragment key={entry.seq}>
                  <tr data-testid={`audit-${entry.seq}`}>
                    <td className="table__code">{entry.seq}</td>
                    <td>{formatTime(entry.at)}</td>
                    <td>
                      {entry.actor ?? '—'}
                      {entry.source && <div className="muted table__sub">{entry.source}</div>}
                    </td>
                    <td className="table__code">{entry.action}</td>
                    <td>
                      {path ? <Link to={path}>{label}</Link> : label || '—'}
                      {entry.object_type && (
                        <div className="muted table__sub">
                          {entry.object_type}
                          {entry.object_id !== null && entry.object_id !== '' ? ` #${entry.object_id}` : ''}
                        </div>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        aria-expanded={expanded}
                        aria-controls={detailId}
                        aria-label={`${expanded ? 'Hide' : 'Show'} the summary of entry ${entry.seq}`}
                        onClick={() => toggle(entry.seq)}
                      >
                        {expanded ? 'Hide' : 'Show'}
                      </button>
                    </td>
                  </tr>
                  {expanded && (
                    <tr id={detailId}>
                      <td colSpan={6} className="audit-summary">
                        <JsonBlock value={entry.summary ?? {}} label={`Summary of entry ${entry.seq}`} />
                        <p className="audit-hash" title={entry.hash}>
                          hash {shortHash(entry.hash)} · previous {entry.prev_hash ? shortHash(entry.prev_hash) : '—'}
                        </p>
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No entry matches these filters.
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
      {data && (
        <Pager
          page={page}
          hasPrevious={!!data.previous}
          hasNext={!!data.next}
          onPage={(n) => {
            setOpen(new Set());
            setParams(withPage(params, n));
          }}
        />
      )}
    </main>
  );
}
